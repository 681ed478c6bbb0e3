"""``gradescope/<alumno>/results.json``: each student's grade as Gradescope's autograder reports it.

Gradescope runs ``run_autograder`` once per submission and reads
``/autograder/results/results.json`` (https://gradescope-autograders.readthedocs.io/en/latest/specs/,
"Output format"): a top-level ``score`` (optional when every test has one) and ``tests``, a
list of objects with ``name``, ``score``, ``max_score``, ``output`` and ``visibility``
(``visible``, ``hidden``, ``after_due_date`` or ``after_published``), plus the optional
``number`` and ``status`` (``passed``/``failed``). Here a test is an exercise: its points, and
as output the very report ``lab.comprobar`` showed in the student's notebook (read back from
the executed copy, as :mod:`..feedback` does), or the row's status and reason when there is
none, and for hidden cases only how many passed.
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


def _output(book: Gradebook, student: str, notebook: str, exercise: str, report: str = "") -> str:
    """The report ``lab.comprobar`` showed the student (if the executed copy has it), else the row's
    status and reason; then the hidden cases' count, never their content."""
    row = book.row(student, notebook, exercise)
    if row is None:
        return f"No has entregado {notebook}."
    cases = f" ({row.passed} de {row.total} casos superados)" if row.total else ""
    lines = [report] if report else [f"Ejercicio {exercise}: {row.status}{cases}."]
    if row.detail and not report:
        lines.append(row.detail[:1].upper() + row.detail[1:])
    if row.hidden_total:
        lines.append(f"Casos ocultos: {row.hidden_passed or 0} de {row.hidden_total} superados.")
    return "\n".join(lines)


def results(
    book: Gradebook, student: str, visibility: str = "visible", reports: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The results.json object of one student; ``reports``: notebook -> exercise -> the report it showed."""
    tests = []
    for notebook in book.notebooks:
        shown = (reports or {}).get(notebook, {})
        for exercise in book.exercises[notebook]:
            score = book.exercise(student, notebook, exercise)
            row = book.row(student, notebook, exercise)
            tests.append({
                "name": f"Ejercicio {exercise} ({Path(notebook).stem})",
                "number": exercise,
                "score": score.points,
                "max_score": score.max_points,
                "status": "passed" if row is not None and row.status == Status.OK else "failed",
                "output": _output(book, student, notebook, exercise, shown.get(exercise, "")),
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
        data = results(book, student, reports=_shown_reports(output, student, book.notebooks))
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return folder


def _shown_reports(output: Path, student: str, notebooks: list[str]) -> dict[str, dict[str, str]]:
    """The reports each executed copy (``output/cuadernos/<student>/``) showed, read as the feedback reads them."""
    import nbformat

    from ..feedback import reports_in

    found = {}
    for notebook in notebooks:
        path = output / "cuadernos" / student / notebook
        if path.is_file():
            try:
                found[notebook] = reports_in(nbformat.read(path, as_version=4))
            except Exception:  # an executed copy that cannot be read: the row's status says enough
                continue
    return found
