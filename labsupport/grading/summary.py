"""``resumen.md``: the grading as the instructor reads it, in Spanish.

One table line per student first (how many exercises are right, and any incident that is not
the student's answer: a time-out, a dead kernel, a missing cell), then every exercise with
the reason for its status. It also says whether the network was isolated: an instructor must
know when the submissions ran with the machine's network.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path

from .._results import Status
from .._wording import count, seconds
from .gradebook import Gradebook, number
from .rows import Row

FILE_NAME = "resumen.md"
_MARK: dict[str, str] = {Status.OK: "✔", Status.FAIL: "✘", Status.PENDING: "…"}
_ANSWERS = (Status.OK, Status.FAIL, Status.PENDING)  # what the student's answer earned; anything else is an incident


def format_summary(
    rows: list[Row], folder: Path, cell_limit: float, notebook_limit: float, isolated: bool,
    ignored: dict[str, list[str]] | None = None, book: Gradebook | None = None, warnings: Sequence[str] = (),
) -> str:
    """A Spanish Markdown summary: warnings, one table line per student, points, then every exercise."""
    students: dict[str, list[Row]] = {}
    for row in rows:
        students.setdefault(row.student, []).append(row)
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    network = (
        "aislada: cada cuaderno tuvo su propia red con solo loopback"
        if isolated
        else "SIN aislar (esta máquina no permite «unshare --user --net»); ejecuta el corrector en un "
        "contenedor sin red si las entregas no son de confianza"
    )
    exercises = [r for r in rows if r.exercise]
    lines = [
        f"# Corrección de «{folder.name}»",
        "",
        f"- Fecha: {now}",
        f"- Límites: {seconds(cell_limit)} por celda, {seconds(notebook_limit)} por cuaderno.",
        f"- Red: {network}.",
        f"- {count(len(students), 'alumno')}, {count(len({(r.student, r.notebook) for r in exercises}), 'cuaderno')}, "
        f"{sum(r.status == Status.OK for r in exercises)} de {len(exercises)} ejercicios correctos.",
        *_hidden_line(book),
        "",
        "## Por alumno",
        "",
        "| Alumno | Ejercicios correctos | Casos superados | Incidencias |",
        "|---|---|---|---|",
    ]
    for student, srows in students.items():
        lines.append(_student_line(student, srows))
    if warnings:
        lines[lines.index("## Por alumno"):lines.index("## Por alumno")] = [
            "## Avisos", "", *(f"- ⚠ {w}" for w in warnings), ""]
    if book is not None and book.notebooks:
        lines += ["", *_points_table(book)]
    lines += ["", "## Detalle", ""]
    for student, srows in students.items():
        lines.append(f"### {student}")
        lines += [_detail_line(row) for row in srows]
        for name in (ignored or {}).get(student, []):
            lines.append(f"- (no corregido: {name} no es un cuaderno del curso)")
        lines.append("")
    return "\n".join(lines)


def _student_line(student: str, rows: list[Row]) -> str:
    done = [r for r in rows if r.exercise]
    passed = sum(r.passed or 0 for r in done)
    total = sum(r.total or 0 for r in done)
    issues = sorted({str(r.status) for r in rows if r.status not in _ANSWERS})
    right = sum(r.status == Status.OK for r in done)
    return f"| {student} | {right} de {len(done)} | {passed} de {total} | {', '.join(issues) or '—'} |"


def _hidden_line(book: Gradebook | None) -> list[str]:
    """Whether hidden cases ran: the instructor must see it before publishing the grades."""
    if book is None or not book.hidden_counts:
        return []
    cases = sum(book.hidden_counts.values())
    return [f"- Casos ocultos: {count(cases, 'caso')} en {count(len(book.hidden_counts), 'ejercicio')} "
            f"({', '.join(book.hidden_counts)}); a los alumnos solo les llega cuántos superaron."]


def _points_table(book: Gradebook) -> list[str]:
    """Points per notebook and in total (:mod:`.gradebook`: one point per case unless --puntos says otherwise)."""
    names = [Path(n).stem for n in book.notebooks]
    lines = [
        "## Puntos", "",
        "| Alumno | " + " | ".join(f"{n} (de {number(book.notebook_max(nb))})" for n, nb in zip(names, book.notebooks,
                                                                                          strict=True))
        + f" | Total (de {number(book.course_max())}) |",
        "|---" * (len(names) + 2) + "|",
    ]
    for student in book.students:
        cells = [number(book.notebook(student, nb).points) for nb in book.notebooks]
        lines.append(f"| {student} | " + " | ".join(cells) + f" | {number(book.total(student).points)} |")
    return lines


def _detail_line(row: Row) -> str:
    mark = _MARK.get(row.status, "⚠")
    cases = f" ({row.passed}/{row.total} casos)" if row.total else ""
    if row.hidden_total:
        cases += f" (ocultos: {row.hidden_passed or 0}/{row.hidden_total})"
    what = f"{row.notebook} · ejercicio {row.exercise}" if row.exercise else (row.notebook or "entrega")
    detail = f": {row.detail}" if row.detail else ""
    return f"- {mark} {what}: {row.status}{cases}{detail}"
