"""``gradescope/<alumno>/results.json``: each student's grade as Gradescope's autograder reports it.

Gradescope runs ``run_autograder`` once per submission and reads
``/autograder/results/results.json`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/,
"Output format"): a top-level ``score`` (optional when every test has one) and ``tests``, a
list of objects with ``name``, ``score``, ``max_score``, ``output`` and ``visibility``
(``visible``, ``hidden``, ``after_due_date`` or ``after_published``), plus the optional
``number`` and ``status`` (``passed``/``failed``). Here a test is an exercise: its points, and
an output in Spanish with its status, its cases and, for hidden cases, only how many passed.
``python -m labsupport gradescope`` writes the bundle that produces this file on Gradescope.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..._results import Status
from ..gradebook import Gradebook, number

FOLDER = "gradescope"
FILE_NAME = "results.json"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _output(book: Gradebook, student: str, notebook: str, exercise: str) -> str:
    row = book.row(student, notebook, exercise)
    if row is None:
        return f"No has entregado {notebook}."
    cases = f" ({row.passed} de {row.total} casos superados)" if row.total else ""
    lines = [f"Ejercicio {exercise}: {row.status}{cases}."]
    if row.detail:
        lines.append(row.detail)
    if row.hidden_total:
        lines.append(f"Casos ocultos: {row.hidden_passed or 0} de {row.hidden_total} superados.")
    return "\n".join(lines)


def results(book: Gradebook, student: str, visibility: str = "visible") -> dict[str, Any]:
    """The results.json object of one student."""
    tests = []
    for notebook in book.notebooks:
        for exercise in book.exercises[notebook]:
            score = book.exercise(student, notebook, exercise)
            row = book.row(student, notebook, exercise)
            tests.append({
                "name": f"Ejercicio {exercise} ({Path(notebook).stem})",
                "number": exercise,
                "score": score.points,
                "max_score": score.max_points,
                "status": "passed" if row is not None and row.status == Status.OK else "failed",
                "output": _output(book, student, notebook, exercise),
                "visibility": visibility,
            })
    total = book.total(student)
    return {
        "score": total.points,
        "output": f"Puntos: {number(total.points)} de {number(total.max_points)}.",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write(book: Gradebook, output: Path) -> Path:
    """One results.json per student, in ``output/gradescope/<student>/``; returns that folder."""
    folder = output / FOLDER
    for student in book.students:
        target = folder / student / FILE_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results(book, student), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return folder
