"""``canvas.csv``: a file Canvas's gradebook import (Calificaciones → Importar) accepts as it is.

Written to what Canvas's importer checks (``lib/gradebook_importer.rb`` in instructure/canvas-lms):

- the header starts «Student», «ID», «SIS User ID», «SIS Login ID», «Section» (the importer
  wants "Student" and "ID" first and the last student column to be "Section");
- then one column per assignment, here one per notebook (its file name without ``.ipynb``):
  a title that matches an existing assignment updates it, a new one creates it;
- the second row starts with «Points Possible» and gives each assignment its points (the
  importer reads a new assignment's points from it);
- a «Current Points» column carries the total: Canvas computes that column itself and its
  importer drops it (``NON_ASSIGNMENT_COLUMN_HEADERS``), so it shows the instructor the total
  without ever becoming an assignment;
- a student is matched by «ID», then by «SIS User ID», «SIS Login ID», then by name; the
  roster (``--lista``) gives those. A roster student with no submission gets 0 in every
  notebook; a folder the roster does not list still gets its row, with its folder as the name
  and no IDs (Canvas shows it as a student it could not match), and the summary names it.

Plain UTF-8 (Canvas's CSV formats are UTF-8), commas, a point for decimals.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..gradebook import Gradebook, number

FILE_NAME = "canvas.csv"
STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
TOTAL_COLUMN = "Current Points"


def table(book: Gradebook) -> list[list[str]]:
    """Header, «Points Possible» row, then one row per student."""
    assignments = [Path(n).stem for n in book.notebooks]
    possible = [number(book.notebook_max(n)) for n in book.notebooks]
    out = [
        [*STUDENT_COLUMNS, *assignments, TOTAL_COLUMN],
        ["Points Possible", "", "", "", "", *possible, number(book.course_max())],
    ]
    for student in book.students:
        person = book.roster.get(student) if book.roster else None
        who = (
            [person.sortable_name, person.canvas_id, person.sis_user_id, person.sis_login_id, person.section]
            if person else [student, "", "", "", ""]
        )
        scores = [number(book.notebook(student, n).points) for n in book.notebooks]
        out.append([*who, *scores, number(book.total(student).points)])
    return out


def unlisted(book: Gradebook) -> list[str]:
    """The folders the roster does not list (their rows have no Canvas IDs)."""
    if book.roster is None:
        return []
    return [s for s in book.students if book.roster.get(s) is None]


def write(book: Gradebook, output: Path) -> Path:
    path = output / FILE_NAME
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table(book))
    return path
