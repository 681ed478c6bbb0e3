"""``notas_por_alumno.csv``: one row per student, one column per exercise and per notebook, and totals.

The table an instructor opens in a spreadsheet to see a class at a glance. The header says
what each column is worth ("1.1 (máx. 3)", "01_sockets (máx. 12)"), so every cell below it
is a plain number: the exercises of a notebook, then the notebook's sum, and at the end the
student's total and the course's maximum. UTF-8 with a BOM, like ``notas.csv``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..gradebook import Gradebook, number

FILE_NAME = "notas_por_alumno.csv"


def header(book: Gradebook) -> list[str]:
    cells = ["alumno"]
    for notebook in book.notebooks:
        cells += [f"{e} (máx. {number(book.max_points[e])})" for e in book.exercises[notebook]]
        cells.append(f"{Path(notebook).stem} (máx. {number(book.notebook_max(notebook))})")
    return [*cells, "total", "máximo"]


def rows(book: Gradebook) -> list[list[str]]:
    out = []
    for student in book.students:
        cells = [student]
        for notebook in book.notebooks:
            cells += [number(book.exercise(student, notebook, e).points) for e in book.exercises[notebook]]
            cells.append(number(book.notebook(student, notebook).points))
        total = book.total(student)
        out.append([*cells, number(total.points), number(total.max_points)])
    return out


def write(book: Gradebook, output: Path) -> Path:
    path = output / FILE_NAME
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header(book) if book.students else ["alumno", "total", "máximo"])
        writer.writerows(rows(book))
    return path
