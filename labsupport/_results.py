"""The contract between ``lab.comprobar`` and ``python -m labsupport corregir``, in one place.

A check run inside a student's notebook reports to the grader through a file: each call
appends one JSON line (a :class:`Record`) to the file named by :data:`RESULTS_ENV`. The
exercise framework writes those lines, the grader reads them back and puts their status in
the ``estado`` column of ``notas.csv`` beside statuses of its own. Both sides import the
names from here, so a status or a key can never be spelled one way by the writer and
another by the reader.

The values are Spanish because an instructor reads them in the CSV and the summary.
"""

from __future__ import annotations

import enum
import json
from typing import TypedDict

#: Environment variable naming the file where each check appends its :class:`Record`.
RESULTS_ENV = "LABSUPPORT_RESULTADOS"


class Status(str, enum.Enum):
    """Every status a case, an exercise or a row of ``notas.csv`` can have.

    A ``str``: members compare equal to their Spanish value, and JSON, CSV and f-strings
    write the value.
    """

    # A case, and (except ERROR and TIMEOUT) a whole exercise, as lab.comprobar reports it.
    OK = "ok"
    FAIL = "fallo"
    ERROR = "error"  # the student's code raised; for the grader: a cell raised, or a notebook would not run
    TIMEOUT = "tiempo"  # a case's time limit passed while the student's code ran
    PENDING = "pendiente"
    INTERNAL = "error del corrector"
    # Only the grader's: what happened to the notebook that should have reported.
    CELL_TIMEOUT = "tiempo agotado"
    DEAD_KERNEL = "kernel caído"
    MISSING = "falta"
    NO_SUBMISSION = "sin entrega"

    def __str__(self) -> str:
        return self.value


class Record(TypedDict):
    """One line of the results file: what one ``lab.comprobar`` call found."""

    ejercicio: str
    superados: int | None  # None only when read from a line that lacks a whole number there
    total: int | None
    estado: str


def make_record(exercise_id: str, passed: int, total: int, status: str) -> Record:
    return Record(ejercicio=exercise_id, superados=passed, total=total, estado=str(status))


def dump_record(record: Record) -> str:
    """The record as one line of the results file (newline included)."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def parse_record(line: str) -> Record | None:
    """The record on ``line``, or None if the line is not one (a notebook may mangle the file).

    Only the exercise id is required; a count that is missing or not a whole number reads as
    None, a missing status as ERROR.
    """
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or "ejercicio" not in data:
        return None
    return Record(
        ejercicio=str(data["ejercicio"]),
        superados=_count(data.get("superados")),
        total=_count(data.get("total")),
        estado=str(data.get("estado", Status.ERROR)),
    )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
