"""Grade a whole folder: every student's notebooks, a few at a time, then the files it writes.

The master notebooks decide what is graded: a student's notebook with a master's name is
graded against that master's exercises, any other notebook is listed as ignored. Rows come
out in student order whatever order the notebooks finished in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import queue
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from .._errors import LabError
from .._interrupt import run_interruptibly
from .._results import Status
from . import gradebook as _gradebook
from . import summary as _summary
from .exports import FORMATS, canvas_csv, grades_csv
from .gradebook import Gradebook
from .kernel import isolation_available
from .roster import Roster, RosterError, read_roster
from .rows import Row, rows_for
from .runner import run_notebook
from .scan import master_exercises, student_notebooks, students

Progress = Callable[[str], None]


@dataclasses.dataclass
class Grading:
    """The result of grading a folder: the rows, the scores, and where every file was written."""

    rows: list[Row]
    csv_path: Path
    summary_path: Path
    summary: str
    isolated: bool
    ignored: dict[str, list[str]]
    book: Gradebook | None = None
    exports: dict[str, Path] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _Plan:
    """How to run each notebook: the same for every student."""

    output: Path
    masters: dict[str, dict[str, int]]
    cell_limit: float
    notebook_limit: float
    isolate: bool
    progress: Progress
    hidden_cases: Path | None = None
    hidden_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    submitted: dict[tuple[str, str], _dt.datetime] = dataclasses.field(default_factory=dict)


async def _grade_notebook(plan: _Plan, semaphore: asyncio.Semaphore, student: str, path: Path) -> list[Row]:
    """Run one notebook (when the semaphore lets it), keep the executed copy, return its rows."""
    import nbformat

    async with semaphore:
        plan.progress(f"Corrigiendo {student}/{path.name} ...")
        run = await run_notebook(
            path, cell_limit=plan.cell_limit, notebook_limit=plan.notebook_limit, isolate=plan.isolate,
            hidden_cases=plan.hidden_cases,
        )
    if run.nb is not None:
        target = plan.output / "cuadernos" / student / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(run.nb, target)
    expected = plan.masters.get(path.name) if plan.masters else None
    return rows_for(student, path.name, run, expected, plan.hidden_counts)


async def _grade(folder: Path, plan: _Plan, jobs: int) -> tuple[list[Row], dict[str, list[str]]]:
    semaphore = asyncio.Semaphore(max(1, jobs))
    ignored: dict[str, list[str]] = {}
    per_student: dict[str, list[Row]] = {}
    runs: list[tuple[str, Coroutine[Any, Any, list[Row]]]] = []
    for student_dir in students(folder):
        student = student_dir.name
        per_student[student] = []
        notebooks = student_notebooks(student_dir)
        chosen = {n: p for n, p in notebooks.items() if not plan.masters or n in plan.masters}
        extra = sorted(set(notebooks) - set(chosen))
        if extra:
            ignored[student] = extra
        if not chosen:
            per_student[student].append(
                Row(student, "", "", 0, None, Status.NO_SUBMISSION, "no hay cuadernos del curso en su carpeta")
            )
        for name, path in sorted(chosen.items()):
            plan.submitted[(student, name)] = _modified(path)
            runs.append((student, _grade_notebook(plan, semaphore, student, path)))
    results = await asyncio.gather(*(coroutine for _, coroutine in runs))
    for (student, _), rows in zip(runs, results, strict=True):
        per_student[student].extend(rows)
    return [row for rows in per_student.values() for row in rows], ignored


def _quiet_dead_channels(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Hide nbclient's orphan "Task exception was never retrieved: Empty" after a kernel dies.

    The dead kernel is already graded ("kernel caído"); the traceback would only scare the
    instructor. Anything else goes to asyncio's default handler.
    """
    if isinstance(context.get("exception"), queue.Empty):
        return
    loop.default_exception_handler(context)


def _modified(path: Path) -> _dt.datetime:
    """When a submission was last changed, in UTC without a zone (as nbgrader keeps its timestamps)."""
    return _dt.datetime.fromtimestamp(path.stat().st_mtime, tz=_dt.timezone.utc).replace(tzinfo=None)


@dataclasses.dataclass
class Extras:
    """What the instructor adds to a grading: exports, roster, hidden cases, points (all optional)."""

    formats: tuple[str, ...] = ()
    roster: Path | None = None
    hidden_cases: Path | None = None
    points: Path | None = None


def _prepare(extras: Extras, warnings: list[str]) -> tuple[Roster | None, dict[str, int], dict[str, float]]:
    """Read the roster, the hidden cases and the points before grading.

    A bad points file stops everything (every grade would be wrong: LabError); a roster or a
    hidden-cases file that cannot be used is a warning, and grading goes on without it.
    """
    from .hidden import HiddenCasesError, load

    points = _gradebook.read_points(extras.points) if extras.points else {}
    roster = None
    if extras.roster is not None:
        try:
            roster = read_roster(extras.roster)
            warnings += roster.problems
        except RosterError as exc:
            warnings.append(f"{exc} Sin lista de alumnos no se escribe canvas.csv.")
    hidden_counts: dict[str, int] = {}
    if extras.hidden_cases is not None:
        try:
            hidden_counts = load(extras.hidden_cases)
        except HiddenCasesError as exc:
            warnings.append(f"{exc} Se corrige SIN casos ocultos.")
    return roster, hidden_counts, points


def _write_exports(book: Gradebook, output: Path, extras: Extras, warnings: list[str]) -> dict[str, Path]:
    written: dict[str, Path] = {}
    for name in extras.formats:
        if name == "canvas":
            if extras.roster is not None and book.roster is None:
                continue  # the roster was given and could not be read: already a warning
            if book.roster is None:
                warnings.append("canvas.csv no tiene IDs de Canvas (falta --lista alumnos.csv): Canvas emparejará "
                                "a cada alumno por el nombre de su carpeta.")
            for folder in canvas_csv.unlisted(book):
                warnings.append(f"La carpeta «{folder}» no está en la lista de alumnos {extras.roster}: en "
                                "canvas.csv va con su nombre de carpeta y sin IDs; añádela a la lista.")
        written[name] = FORMATS[name].write(book, output)
    return written


def _write_feedback(rows: list[Row], output: Path, warnings: list[str]) -> dict[str, Path]:
    """Each student's feedback to hand back (:mod:`.feedback`); the grades are already written if it fails."""
    from . import feedback

    try:
        feedback.write_all(rows, output)
    except Exception as exc:  # a bug there must not cost the grades: say so, keep going
        warnings.append(f"No se pudo escribir la retroalimentación ({type(exc).__name__}: {exc}); las notas sí.")
        return {}
    return {"retroalimentacion": output / feedback.FOLDER}


def grade_folder(
    folder: Path,
    output: Path,
    *,
    masters: Path | None = None,
    cell_limit: float = 30,
    notebook_limit: float = 600,
    jobs: int = 1,
    isolation: str = "auto",
    progress: Progress | None = None,
    extras: Extras | None = None,
) -> Grading:
    """Grade every student subfolder of ``folder``; write ``notas.csv``, ``resumen.md`` and the
    exports ``extras`` asks for in ``output``.

    ``isolation``: "auto" isolates the network where possible, "si" requires it (LabError
    otherwise), "no" runs kernels with the machine's network.
    """
    folder, output = Path(folder), Path(output)
    extras = extras or Extras()
    if not folder.is_dir():
        raise LabError(f"No existe la carpeta de entregas {folder}: debe tener una subcarpeta por alumno.")
    unknown = [f for f in extras.formats if f not in FORMATS]
    if unknown:
        raise LabError(f"Formato desconocido: {', '.join(unknown)}. Los formatos son: {', '.join(FORMATS)}.")
    isolate = isolation != "no" and isolation_available()
    if isolation == "si" and not isolate:
        raise LabError(
            "No se puede aislar la red de los cuadernos en esta máquina (hace falta Linux con "
            "«unshare --user --net»). Usa --aislamiento no dentro de un contenedor sin red "
            "(docker run --network none ...)."
        )
    warnings: list[str] = []
    roster, hidden_counts, points = _prepare(extras, warnings)
    report = progress or (lambda _m: None)
    for warning in warnings:
        report(f"Aviso: {warning}")
    plan = _Plan(output, master_exercises(masters), cell_limit, notebook_limit, isolate, report,
                 extras.hidden_cases if hidden_counts else None, hidden_counts)
    output.mkdir(parents=True, exist_ok=True)

    async def main() -> tuple[list[Row], dict[str, list[str]]]:
        asyncio.get_running_loop().set_exception_handler(_quiet_dead_channels)
        return await _grade(folder, plan, jobs)

    rows, ignored = run_interruptibly(main, name="labsupport-corregir")
    book = _gradebook.build(rows, points=points, hidden_counts=hidden_counts, roster=roster, submitted=plan.submitted)
    csv_path = grades_csv.write(rows, output, book)
    warnings += book.warnings
    exports = _write_exports(book, output, extras, warnings)
    exports.update(_write_feedback(rows, output, warnings))
    summary = _summary.format_summary(rows, folder, cell_limit, notebook_limit, isolate, ignored, book, warnings)
    summary_path = output / _summary.FILE_NAME
    summary_path.write_text(summary, encoding="utf-8")
    return Grading(rows, csv_path, summary_path, summary, isolate, ignored, book, exports, warnings)
