"""Feedback to hand back: per student, an HTML and a Markdown file with each exercise's report.

The report of an exercise is the very text ``lab.comprobar`` showed when the grader ran the
student's notebook (one line per case, the hints, the student's traceback), read back from the
executed copy the grader keeps (``cuadernos/ALUMNO/CUADERNO.ipynb``): the student reads in the
feedback exactly what the notebook would have told them. An exercise with no report (its cell
was deleted, raised, timed out or never ran) gets its status and the reason from the grading
row instead, never a silent zero. Hidden cases (``--casos-ocultos``) appear as counts only,
«casos ocultos: 2 de 3 superados», never their names or messages.

Files: ``retroalimentacion/ALUMNO.html`` (a page that opens anywhere, no scripts, everything
escaped: a report is what a student's code printed) and ``retroalimentacion/ALUMNO.md``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._results import Status
from .rows import Row

if TYPE_CHECKING:
    from nbformat import NotebookNode

FOLDER = "retroalimentacion"
#: The first line of a report of lab.comprobar: "Ejercicio 3.2 · título" ("○ Ejercicio 3.2 · …: pendiente.").
_HEAD = re.compile(r"^(?:○ )?Ejercicio (\S+) · ", re.MULTILINE)
_COLORS: dict[str, str] = {Status.OK: "#1a7f37", Status.PENDING: "#9a6700", Status.INTERNAL: "#9a6700"}


def _output_texts(nb: NotebookNode) -> Iterable[str]:
    """The text of every output of every code cell, in order (what a reader of the notebook sees)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text: Any = output.get("text", "")
            else:
                text = output.get("data", {}).get("text/plain", "")
            yield "".join(text) if isinstance(text, list) else str(text)


def reports_in(nb: NotebookNode) -> dict[str, str]:
    """Exercise id -> the last report lab.comprobar showed for it in the executed notebook ``nb``.

    A report runs from its first line to the next report or the end of its output.
    """
    found: dict[str, str] = {}
    for text in _output_texts(nb):
        starts = [(head.start(), head.group(1)) for head in _HEAD.finditer(text)]
        for n, (start, exercise_id) in enumerate(starts):
            end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
            found[exercise_id] = text[start:end].rstrip()
    return found


def _hidden_line(row: Row) -> str:
    total = getattr(row, "hidden_total", None)
    if not total:
        return ""
    passed = getattr(row, "hidden_passed", None) or 0
    return f"Casos ocultos (los añade quien corrige; no se muestran): {passed} de {total} superados."


def _cases(row: Row) -> str:
    return f" ({row.passed}/{row.total} casos)" if row.total else ""


def _missing_report(row: Row) -> str:
    """What to say for an exercise without a report: its status and why, from the grading row."""
    if row.total is not None:  # the check reported to the grader, but its cell did not show the report
        return (f"La celda no mostró el informe de lab.comprobar (¿no terminaba con la llamada?). "
                f"Resultado: {row.status}, {row.passed or 0}/{row.total} casos superados.")
    why = f" Motivo: {row.detail.rstrip('.')}." if row.detail else ""
    return f"lab.comprobar no mostró ningún informe de este ejercicio. Estado: {row.status}.{why}"


def _titles() -> dict[str, str]:
    """Exercise id -> title, from the registry; a title is a nicety: none if the registry cannot load."""
    from ..exercises import _REGISTRY, known_ids

    try:
        known_ids()
    except Exception:  # a course module that does not import must not stop the feedback
        pass
    return {i: ex.title for i, ex in _REGISTRY.items()}


class _Entry:
    """One exercise of the feedback: its heading, status, report text and hidden-case line."""

    def __init__(self, row: Row, report: str | None, title: str) -> None:
        self.row = row
        self.heading = f"Ejercicio {row.exercise}" + (f" · {title}" if title else "")
        if report:  # the report's own first line names the exercise as the student saw it
            self.heading = report.splitlines()[0].removeprefix("○ ").removesuffix(": pendiente.")
        if not row.exercise:
            self.heading = row.notebook or "Entrega"
        self.report = report if report is not None else _missing_report(row)
        self.hidden = _hidden_line(row)


def _entries(rows: Sequence[Row], notebooks: Mapping[str, NotebookNode]) -> dict[str, list[_Entry]]:
    titles = _titles()
    reports = {name: reports_in(nb) for name, nb in notebooks.items()}
    by_notebook: dict[str, list[_Entry]] = {}
    for row in rows:
        report = reports.get(row.notebook, {}).get(row.exercise) if row.exercise else None
        by_notebook.setdefault(row.notebook, []).append(_Entry(row, report, titles.get(row.exercise, "")))
    return by_notebook


def _overview(rows: Sequence[Row]) -> str:
    exercises = [r for r in rows if r.exercise]
    right = sum(r.status == Status.OK for r in exercises)
    hidden = [r for r in exercises if getattr(r, "hidden_total", None)]
    line = f"Ejercicios correctos: {right} de {len(exercises)}"
    if hidden:
        passed = sum(getattr(r, "hidden_passed", None) or 0 for r in hidden)
        total = sum(getattr(r, "hidden_total", None) or 0 for r in hidden)
        line += f"; casos ocultos: {passed} de {total} superados"
    return line + "."


def markdown(student: str, rows: Sequence[Row], notebooks: Mapping[str, NotebookNode] | None = None) -> str:
    """The Markdown feedback of one student (``notebooks``: file name -> executed notebook)."""
    lines = [f"# Corrección de {student}", "", _overview(rows), ""]
    for notebook, entries in _entries(rows, notebooks or {}).items():
        lines += [f"## {notebook or 'Sin cuadernos'}", ""]
        for entry in entries:
            status = f"{entry.row.status}{_cases(entry.row)}"
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", entry.report)), default=0))
            lines += [f"### {entry.heading} — {status}", "", f"{fence}text", entry.report, fence, ""]
            if entry.hidden:
                lines += [entry.hidden, ""]
    return "\n".join(lines)


_PAGE = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }}
section {{ border-left: 4px solid; padding: 0.2rem 0.8rem; margin: 1rem 0; }}
h3 {{ font-size: 1rem; margin: 0.4rem 0; }}
pre {{ white-space: pre-wrap; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85rem; }}
.ocultos {{ font-style: italic; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def page(student: str, rows: Sequence[Row], notebooks: Mapping[str, NotebookNode] | None = None) -> str:
    """The HTML feedback of one student: the same content as :func:`markdown`, every text escaped."""
    esc = html.escape
    body = [f"<h1>{esc(f'Corrección de {student}')}</h1>", f"<p>{esc(_overview(rows))}</p>"]
    for notebook, entries in _entries(rows, notebooks or {}).items():
        body.append(f"<h2>{esc(notebook or 'Sin cuadernos')}</h2>")
        for entry in entries:
            color = _COLORS.get(entry.row.status, "#cf222e")
            status = f"{entry.row.status}{_cases(entry.row)}"
            hidden = f"<p class='ocultos'>{esc(entry.hidden)}</p>" if entry.hidden else ""
            body.append(
                f"<section style='border-color:{color}'><h3>{esc(entry.heading)} — {esc(status)}</h3>"
                f"<pre>{esc(entry.report)}</pre>{hidden}</section>"
            )
    return _PAGE.format(title=esc(f"Corrección de {student}"), body="\n".join(body))


def _file_stem(student: str) -> str:
    """A file name for the student's folder name (it is one already; no separator may slip in)."""
    return re.sub(r"[\\/:\x00]", "_", student).strip() or "alumno"


def write_feedback(
    student: str, rows: Sequence[Row], output: Path, *, notebooks: Mapping[str, NotebookNode] | None = None
) -> tuple[Path, Path]:
    """Write ``output/retroalimentacion/ALUMNO.html`` and ``.md`` for ``student``; return both paths.

    ``rows`` are the student's grading rows (with their hidden-case counts, if any);
    ``notebooks`` maps a notebook's file name to its executed copy, where the reports are read.
    """
    folder = Path(output) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stem = _file_stem(student)
    html_path, md_path = folder / f"{stem}.html", folder / f"{stem}.md"
    html_path.write_text(page(student, rows, notebooks), encoding="utf-8")
    md_path.write_text(markdown(student, rows, notebooks), encoding="utf-8")
    return html_path, md_path


def _executed(output: Path, student: str, names: Iterable[str]) -> dict[str, NotebookNode]:
    """The executed copies the grader kept for ``student`` (a missing or unreadable one is skipped)."""
    import nbformat

    found = {}
    for name in names:
        path = output / "cuadernos" / student / name
        if name and path.is_file():
            try:
                found[name] = nbformat.read(path, as_version=4)
            except Exception:  # an unreadable copy: its exercises fall back to the rows' reasons
                continue
    return found


def write_all(rows: Sequence[Row], output: Path) -> list[Path]:
    """Feedback for every student of a grading, reading the executed copies in ``output/cuadernos``.

    Returns the files written (HTML, Markdown) in student order.
    """
    output = Path(output)
    students: dict[str, list[Row]] = {}
    for row in rows:
        students.setdefault(row.student, []).append(row)
    written: list[Path] = []
    for student, student_rows in students.items():
        notebooks = _executed(output, student, dict.fromkeys(r.notebook for r in student_rows))
        written += write_feedback(student, student_rows, output, notebooks=notebooks)
    return written
