"""One row per exercise: what a notebook's run says about each exercise it should have checked.

An exercise is graded by its report when ``lab.comprobar`` made one; otherwise the row says
why there is none (its cell was deleted, raised, timed out, was never reached), so that a
missing result is never silently a zero.
"""

from __future__ import annotations

import dataclasses

from .._results import Status
from .runner import NotebookRun
from .scan import exercise_cells, sort_key


@dataclasses.dataclass
class Row:
    """One line of the grading table (``notas.csv``)."""

    student: str
    notebook: str
    exercise: str
    passed: int | None
    total: int | None
    status: str
    detail: str = ""
    #: Hidden cases of this exercise (``--casos-ocultos``): how many passed and how many there
    #: are; None when the exercise has none. Counts only: their content never leaves the grader.
    hidden_passed: int | None = None
    hidden_total: int | None = None


def rows_for(
    student: str, notebook: str, run: NotebookRun, expected: dict[str, int] | None,
    hidden_counts: dict[str, int] | None = None,
) -> list[Row]:
    """The rows of one notebook: one per expected exercise, plus any extra one the notebook checked.

    ``expected`` are the exercises of the master notebook (None: use the ones the submission
    calls, when there is no master to compare with). ``hidden_counts``: how many hidden cases
    each exercise has; an exercise with hidden cases whose check never ran passed none of them.
    """
    rows = _rows(student, notebook, run, expected)
    for row in rows:
        total = (hidden_counts or {}).get(row.exercise)
        if total:
            record = run.hidden.get(row.exercise)
            row.hidden_passed, row.hidden_total = (record["superados"] or 0) if record else 0, total
            if run.hidden_failed:
                row.detail = "; ".join(p for p in (row.detail, "los casos ocultos no se pudieron ejecutar "
                                                   f"(error del corrector: {run.hidden_failed})") if p)
    return rows


def _rows(student: str, notebook: str, run: NotebookRun, expected: dict[str, int] | None) -> list[Row]:
    if run.unreadable or run.nb is None:
        ids = sorted(expected or {}, key=sort_key) or [""]
        return [Row(student, notebook, i, 0, None, Status.ERROR, run.unreadable or "") for i in ids]
    submitted = exercise_cells(run.nb)
    wanted = list(expected if expected is not None else submitted)
    wanted += [i for i in run.reports if i not in wanted]
    rows = []
    for exercise_id in sorted(wanted, key=sort_key):
        report = run.reports.get(exercise_id)
        if report is not None:
            rows.append(Row(student, notebook, exercise_id, report["superados"], report["total"], report["estado"]))
        else:
            status, detail = _why_no_report(run, submitted.get(exercise_id))
            rows.append(Row(student, notebook, exercise_id, 0, None, status, detail))
    return rows


def _why_no_report(run: NotebookRun, cell: int | None) -> tuple[str, str]:
    """The status and detail of an exercise that did not report, from what happened to its cell."""
    if cell is None:
        return Status.MISSING, "no hay ninguna llamada a lab.comprobar para este ejercicio"
    if cell in run.problems:
        return run.problems[cell].status, run.problems[cell].detail
    if run.stopped_at is not None and cell >= run.stopped_at:
        return run.stop_status or Status.ERROR, f"no llegó a ejecutarse: {run.stop_detail}"
    return Status.ERROR, "la celda se ejecutó pero lab.comprobar no informó de nada"
