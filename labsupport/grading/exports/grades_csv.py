"""``notas.csv``: the course's own table, one row per student, notebook and exercise.

UTF-8 with a BOM, so that a spreadsheet opened with a double click shows "caído" and not
"caÃ­do"; an empty cell where a count is unknown (the exercise never reported). The last
columns are the hidden cases' counts (empty when the exercise has none) and the exercise's
points out of its maximum (:mod:`..gradebook`); notebook and course totals are in the other
exports and in ``resumen.md``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from ..gradebook import Gradebook, number
from ..rows import Row

FILE_NAME = "notas.csv"
CSV_COLUMNS = (
    "alumno", "cuaderno", "ejercicio", "superados", "total", "estado", "detalle",
    "ocultos_superados", "ocultos_total", "puntos", "puntos_max",
)


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def as_csv(row: Row, book: Gradebook | None = None) -> list[str]:
    """The row's cells, in :data:`CSV_COLUMNS` order (points empty without a gradebook)."""
    points = ["", ""]
    if book is not None and row.exercise and row.notebook:
        score = book.exercise(row.student, row.notebook, row.exercise)
        points = [number(score.points), number(score.max_points)]
    return [row.student, row.notebook, row.exercise, _number(row.passed), _number(row.total), str(row.status),
            row.detail, _number(row.hidden_passed), _number(row.hidden_total), *points]


def write(rows: Iterable[Row], output: Path, book: Gradebook | None = None) -> Path:
    """Write ``output/notas.csv`` and return its path."""
    path = output / FILE_NAME
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(as_csv(row, book) for row in rows)
    return path
