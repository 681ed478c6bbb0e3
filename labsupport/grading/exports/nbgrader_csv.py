"""``nbgrader.csv``: the grades as nbgrader's own gradebook export writes them.

Same columns, in the same order, and the same cell formats as ``nbgrader export``
(``nbgrader/plugins/export.py``, ``CsvExportPlugin``, in jupyter/nbgrader): one row per
assignment and student, looping over assignments first; a missing value is an empty cell;
numbers are Python floats as ``str()`` writes them ("3.0"); a student with no submission has
an empty ``timestamp`` and 0.0 in every score, as nbgrader gives them. Here an assignment is a
notebook (its file name without ``.ipynb``), and ``student_id`` is the student's folder, as
nbgrader's ``submitted/<student_id>/`` is. ``timestamp`` is when the notebook file was last
changed (nbgrader's is when it was collected); there is no due date nor late penalty (0.0).
Plain UTF-8 with ``\\n`` line ends, as nbgrader writes it, so tools that read nbgrader's file
read this one unchanged.
"""

from __future__ import annotations

from pathlib import Path

from ..gradebook import Gradebook

FILE_NAME = "nbgrader.csv"
COLUMNS = (
    "assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
    "raw_score", "late_submission_penalty", "score", "max_score",
)


def _cell(value: object) -> str:
    """nbgrader writes ``str(value)`` joined with commas, quoting nothing: keep commas out of text cells."""
    return "" if value is None else str(value).replace(",", " ").replace("\n", " ")


def rows(book: Gradebook) -> list[list[str]]:
    """The data rows, in nbgrader's order (assignment, then student)."""
    out = []
    for notebook in book.notebooks:
        for student in book.students:
            person = book.roster.get(student) if book.roster else None
            score = book.notebook(student, notebook)
            handed = book.handed_in(student, notebook)
            when = book.submitted.get((student, notebook))
            out.append([_cell(v) for v in (
                Path(notebook).stem, "", when if handed and when else "", student,
                person.last_name if person else "", person.first_name if person else "",
                person.email if person else "",
                float(score.points), 0.0, float(max(0.0, score.points)), float(score.max_points),
            )])
    return out


def write(book: Gradebook, output: Path) -> Path:
    path = output / FILE_NAME
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(COLUMNS) + "\n")
        for row in rows(book):
            fh.write(",".join(row) + "\n")
    return path
