"""Grade a whole folder: every student's notebooks, a few at a time, then the files it writes.

The master notebooks decide what is graded: a student's notebook with a master's name is
graded against that master's exercises, any other notebook is listed as ignored. Rows come
out in student order whatever order the notebooks finished in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import queue
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from .._errors import LabError
from .._interrupt import run_interruptibly
from .._results import Status
from . import summary as _summary
from .exports import grades_csv
from .kernel import isolation_available
from .rows import Row, rows_for
from .runner import run_notebook
from .scan import master_exercises, student_notebooks, students

Progress = Callable[[str], None]


@dataclasses.dataclass
class Grading:
    """The result of grading a folder: the rows, and where the CSV and the summary were written."""

    rows: list[Row]
    csv_path: Path
    summary_path: Path
    summary: str
    isolated: bool
    ignored: dict[str, list[str]]


@dataclasses.dataclass
class _Plan:
    """How to run each notebook: the same for every student."""

    output: Path
    masters: dict[str, dict[str, int]]
    cell_limit: float
    notebook_limit: float
    isolate: bool
    progress: Progress


async def _grade_notebook(plan: _Plan, semaphore: asyncio.Semaphore, student: str, path: Path) -> list[Row]:
    """Run one notebook (when the semaphore lets it), keep the executed copy, return its rows."""
    import nbformat

    async with semaphore:
        plan.progress(f"Corrigiendo {student}/{path.name} ...")
        run = await run_notebook(
            path, cell_limit=plan.cell_limit, notebook_limit=plan.notebook_limit, isolate=plan.isolate
        )
    if run.nb is not None:
        target = plan.output / "cuadernos" / student / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(run.nb, target)
    return rows_for(student, path.name, run, plan.masters.get(path.name) if plan.masters else None)


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
        for _name, path in sorted(chosen.items()):
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
) -> Grading:
    """Grade every student subfolder of ``folder``; write ``notas.csv`` and ``resumen.md`` in ``output``.

    ``isolation``: "auto" isolates the network where possible, "si" requires it (LabError
    otherwise), "no" runs kernels with the machine's network.
    """
    folder, output = Path(folder), Path(output)
    if not folder.is_dir():
        raise LabError(f"No existe la carpeta de entregas {folder}: debe tener una subcarpeta por alumno.")
    isolate = isolation != "no" and isolation_available()
    if isolation == "si" and not isolate:
        raise LabError(
            "No se puede aislar la red de los cuadernos en esta máquina (hace falta Linux con "
            "«unshare --user --net»). Usa --aislamiento no dentro de un contenedor sin red "
            "(docker run --network none ...)."
        )
    plan = _Plan(output, master_exercises(masters), cell_limit, notebook_limit, isolate, progress or (lambda _m: None))
    output.mkdir(parents=True, exist_ok=True)

    async def main() -> tuple[list[Row], dict[str, list[str]]]:
        asyncio.get_running_loop().set_exception_handler(_quiet_dead_channels)
        return await _grade(folder, plan, jobs)

    rows, ignored = run_interruptibly(main, name="labsupport-corregir")
    csv_path = grades_csv.write(rows, output)
    summary = _summary.format_summary(rows, folder, cell_limit, notebook_limit, isolate, ignored)
    summary_path = output / _summary.FILE_NAME
    summary_path.write_text(summary, encoding="utf-8")
    return Grading(rows, csv_path, summary_path, summary, isolate, ignored)
