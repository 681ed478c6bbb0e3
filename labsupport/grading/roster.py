"""``--lista alumnos.csv``: who each submission folder is, for the exports that need people.

One line per student; only ``carpeta`` (the name of their folder of submissions) is
required. The other columns fill what the LMS needs to match a row to a person:

==================  =====================================================================
column              used for
==================  =====================================================================
``carpeta``         the student's folder in the submissions folder (required)
``nombre``          nbgrader's ``first_name``; Canvas's «Student» is «apellidos, nombre»
``apellidos``       nbgrader's ``last_name``
``correo``          nbgrader's ``email``
``id``              Canvas's «ID» (the user's number in Canvas, from its gradebook export)
``sis_user_id``     Canvas's «SIS User ID»
``sis_login_id``    Canvas's «SIS Login ID»
``seccion``         Canvas's «Section»
==================  =====================================================================

A spreadsheet saves such a file in many ways, and each is handled without losing anyone:
``,`` or ``;`` as the separator (Excel in Spanish writes ``;``), a BOM or none, and a file
that is not UTF-8 (Excel's «CSV» on Windows is Windows-1252) is read as Windows-1252 with a
warning. A folder listed twice keeps its first line and the warning names both lines. Only a
file that cannot be read at all (missing, no ``carpeta`` column, not text) is an error, and
even then only the exports that need the roster are left out: grading goes on.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from .._errors import LabError

_ALIASES = {
    "carpeta": "carpeta", "alumno": "carpeta",
    "nombre": "nombre", "apellidos": "apellidos", "apellido": "apellidos",
    "correo": "correo", "email": "correo", "e-mail": "correo",
    "id": "id", "id_canvas": "id",
    "sis_user_id": "sis_user_id", "sis user id": "sis_user_id",
    "sis_login_id": "sis_login_id", "sis login id": "sis_login_id",
    "seccion": "seccion", "sección": "seccion", "section": "seccion",
}
_UNIQUE = ("id", "sis_user_id", "sis_login_id")


class RosterError(LabError):
    """The roster cannot be read at all; the message names the file."""


@dataclasses.dataclass(frozen=True)
class Person:
    """One student of the roster."""

    folder: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    @property
    def sortable_name(self) -> str:
        """«Apellidos, Nombre», as Canvas sorts and matches names; the folder if neither is known."""
        return ", ".join(p for p in (self.last_name, self.first_name) if p) or self.folder


@dataclasses.dataclass
class Roster:
    """The roster's people by folder, in file order, and what was wrong with some lines."""

    path: Path
    people: dict[str, Person]
    problems: list[str]

    def get(self, folder: str) -> Person | None:
        return self.people.get(folder)


def _decode(path: Path, data: bytes) -> tuple[str, list[str]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise RosterError(
                f"La lista de alumnos {path} no es texto UTF-8 ni Windows-1252 (línea {line}): "
                "guárdala desde la hoja de cálculo como «CSV UTF-8»."
            ) from None
        return text, [
            f"{path} no está en UTF-8 (línea {line}); se ha leído como Windows-1252: revisa que los nombres con "
            "tilde salgan bien, o guárdala como «CSV UTF-8»."
        ]


def read_roster(path: Path) -> Roster:
    """Read the roster; RosterError only when nothing usable can be read from it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"No se puede leer la lista de alumnos {path}: {exc.strerror or exc}.") from None
    text, problems = _decode(path, data)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = next(reader, None)
    columns = [_ALIASES.get(h.strip().lower(), "") for h in header or []]
    if "carpeta" not in columns:
        raise RosterError(
            f"La lista de alumnos {path} no tiene la columna «carpeta» en su primera línea (la carpeta de las "
            "entregas de cada alumno); columnas admitidas: " + ", ".join(sorted(set(_ALIASES.values()))) + "."
        )
    people: dict[str, Person] = {}
    lines: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(reader, start=2):
        values = {c: cell.strip() for c, cell in zip(columns, cells, strict=False) if c}
        folder = values.get("carpeta", "")
        if not folder:
            if any(cells):
                problems.append(f"{path}, línea {number}: no tiene carpeta; se ignora esa línea.")
            continue
        if folder in people:
            problems.append(f"{path}: la carpeta «{folder}» aparece en las líneas {lines[folder]} y {number}; "
                            f"se usa la línea {lines[folder]}.")
            continue
        clash = next(((c, values[c]) for c in _UNIQUE if values.get(c) and (c, values[c]) in seen), None)
        if clash is not None:
            problems.append(f"{path}, línea {number}: {clash[0]} «{clash[1]}» ya es de la línea {seen[clash]}; "
                            "se ignora esta línea (dos carpetas no pueden ser la misma persona).")
            continue
        for c in _UNIQUE:
            if values.get(c):
                seen[(c, values[c])] = number
        lines[folder] = number
        people[folder] = Person(
            folder, values.get("nombre", ""), values.get("apellidos", ""), values.get("correo", ""),
            values.get("id", ""), values.get("sis_user_id", ""), values.get("sis_login_id", ""),
            values.get("seccion", ""),
        )
    return Roster(path, people, problems)
