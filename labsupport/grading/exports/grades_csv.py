"""``notas.csv``: the course's own table, one row per student, notebook and exercise.

UTF-8 with a BOM, so that a spreadsheet opened with a double click shows "caído" and not
"caÃ­do"; an empty cell where a count is unknown (the exercise never reported).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from ..rows import Row

FILE_NAME = "notas.csv"
CSV_COLUMNS = ("alumno", "cuaderno", "ejercicio", "superados", "total", "estado", "detalle")


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def as_csv(row: Row) -> list[str]:
    """The row's cells, in :data:`CSV_COLUMNS` order."""
    return [row.student, row.notebook, row.exercise, _number(row.passed), _number(row.total), str(row.status),
            row.detail]


def write(rows: Iterable[Row], output: Path) -> Path:
    """Write ``output/notas.csv`` and return its path."""
    path = output / FILE_NAME
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(as_csv(row) for row in rows)
    return path
