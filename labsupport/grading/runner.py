"""Run one notebook in a fresh kernel, with limits, and keep what it reported.

A submission is graded for what it did, and nothing a notebook does can stop the run: a
cell that hangs is interrupted after its limit (and the notebook abandoned if the kernel
ignores the interrupt, or when the notebook's total limit passes), a dead kernel ends only
that notebook, an exception fails only its cell. The notebook runs in a temporary copy of
its folder, so the submission itself is never changed.
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import os
import queue
import shutil
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .._results import RESULTS_ENV, Record, Status, parse_record
from .._wording import seconds
from .kernel import kernel_manager
from .scan import is_hidden

if TYPE_CHECKING:
    from nbclient import NotebookClient
    from nbformat import NotebookNode

INTERRUPT_WAIT = 5.0  # seconds a kernel has to stop a timed-out cell before the notebook is abandoned
_MAX_COPIED_FILE = 50 * 1024 * 1024


@dataclasses.dataclass
class CellProblem:
    """A code cell that did not finish well: its index, the row status it causes, and why."""

    index: int
    status: str
    detail: str


@dataclasses.dataclass
class NotebookRun:
    """What running one notebook produced."""

    nb: NotebookNode | None = None
    reports: dict[str, Record] = dataclasses.field(default_factory=dict)
    problems: dict[int, CellProblem] = dataclasses.field(default_factory=dict)
    stopped_at: int | None = None  # first cell that was never run, when the run was cut short
    stop_status: str | None = None
    stop_detail: str = ""
    unreadable: str | None = None  # why the file could not be read as a notebook
    hidden: dict[str, Record] = dataclasses.field(default_factory=dict)  # hidden-case counts by exercise
    hidden_failed: str = ""  # why the hidden cases could not be loaded in the kernel ("" if they were)

    def cell_errors(self) -> list[CellProblem]:
        return sorted(self.problems.values(), key=lambda p: p.index)

    def stop(self, index: int, status: str, detail: str) -> None:
        """The run was cut short: cell ``index`` and the ones after it never ran."""
        self.stopped_at, self.stop_status, self.stop_detail = index, status, detail


def cell_error(cell: NotebookNode) -> str | None:
    """The error a cell raised, unless it is tagged ``raises-exception`` (raising is its lesson)."""
    if "raises-exception" in cell.get("metadata", {}).get("tags", []):
        return None
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip().rstrip(":")
    return None


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """What the temporary copy of a student's folder leaves out: checkpoints, hidden entries and
    files over 50 MiB (a notebook never needs them; copying them would only slow the run)."""
    skipped = set()
    for name in names:
        path = os.path.join(folder, name)
        if is_hidden(name) or (os.path.isfile(path) and os.path.getsize(path) > _MAX_COPIED_FILE):
            skipped.add(name)
    return skipped


#: Seconds nbclient waits for a cell's output after its reply (it returns as soon as the kernel
#: says it is idle, so a generous value costs nothing when things go right).
IOPUB_PATIENCE = 15


async def _interrupt(client: NotebookClient, wait: float) -> bool:
    """Interrupt the kernel and wait for the timed-out cell's reply; False if it never comes.

    Waiting matters: a cell sent while the old one is still being interrupted is dropped
    by ipykernel ("aborted"), and would look as if it had run without output.
    """
    from jupyter_core.utils import ensure_async

    if client.km is None or client.kc is None:  # no kernel to interrupt: as good as one that never answers
        return False
    await ensure_async(client.km.interrupt_kernel())
    loop = asyncio.get_running_loop()
    end = loop.time() + wait
    while (left := end - loop.time()) > 0:
        try:
            msg = await ensure_async(client.kc.shell_channel.get_msg(timeout=left))
        except queue.Empty:
            return False
        if msg.get("msg_type") == "execute_reply":
            return True
    return False


def _last_words(stderr_file: IO[bytes]) -> str:
    """The last line the kernel wrote to stderr (a segfault, a failed start), for the detail column."""
    stderr_file.flush()
    try:
        lines = Path(stderr_file.name).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    lines = [line for line in lines if "WARNING" not in line]
    return f" (el kernel dijo: {lines[-1][:160]})" if lines else ""


def _read_reports(path: Path) -> dict[str, Record]:
    """The last report of each exercise (a cell may check the same exercise twice)."""
    reports: dict[str, Record] = {}
    if not path.exists():
        return reports
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        record = parse_record(line)  # None for a line the notebook itself mangled: ignore it, never crash
        if record is not None:
            reports[record["ejercicio"]] = record
    return reports


@dataclasses.dataclass
class _Progress:
    """Where a run is: the cell being run, and its limit (which nbclient reads through ``timeout_func``)."""

    index: int
    cell_limit: float


async def _run_cells(
    client: NotebookClient, nb: NotebookNode, result: NotebookRun, progress: _Progress, notebook_limit: float
) -> None:
    """Run the code cells in order, each within its limit and all within the notebook's."""
    from nbclient.exceptions import CellTimeoutError

    loop = asyncio.get_running_loop()
    deadline = loop.time() + notebook_limit
    cell_limit = progress.cell_limit
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        progress.index = index
        remaining = deadline - loop.time()
        if remaining <= 0:
            result.stop(index, Status.CELL_TIMEOUT, f"el cuaderno superó su límite total de {seconds(notebook_limit)}")
            return
        progress.cell_limit = min(cell_limit, remaining)
        try:
            await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            result.problems[index] = CellProblem(
                index, Status.CELL_TIMEOUT, f"la celda no terminó en {seconds(progress.cell_limit, 1)} y se interrumpió"
            )
            if not await _interrupt(client, INTERRUPT_WAIT):
                result.stop(index + 1, Status.CELL_TIMEOUT, "el kernel no respondió tras interrumpirlo")
                return
            continue
        error = cell_error(cell)
        if error:
            result.problems[index] = CellProblem(index, Status.ERROR, error)


def unreadable_reason(path: Path, exc: Exception) -> str:
    """Why ``path`` is not a notebook, in Spanish, naming the file (an empty file, not JSON, not a notebook)."""
    try:
        empty = path.stat().st_size == 0
    except OSError:
        empty = False
    if empty:
        return f"{path.name} está vacío (0 bytes): no es un cuaderno"
    name = type(exc).__name__
    if name == "NotJSONError":
        return f"{path.name} no se puede leer como cuaderno: no es JSON (¿se guardó a medias o es otro fichero?)"
    if name in ("ValidationError", "AttributeError", "KeyError", "TypeError"):
        return f"{path.name} es JSON pero no un cuaderno de Jupyter ({name}: {str(exc)[:120]})"
    return f"{path.name} no se puede leer como cuaderno ({name}: {str(exc)[:120]})"


async def run_notebook(
    path: Path,
    *,
    cell_limit: float = 30,
    notebook_limit: float = 600,
    isolate: bool = False,
    hidden_cases: Path | None = None,
) -> NotebookRun:
    """Run ``path`` in a fresh kernel, in a temporary copy of its folder; never raises for the notebook's sake.

    ``hidden_cases``: the instructor's hidden-cases file (:mod:`.hidden`); the kernel loads a
    copy of it (deleted once read) before the first cell, and the counts end in ``hidden``.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    result = NotebookRun()
    try:
        result.nb = nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook, unreadable: graded as such
        result.unreadable = unreadable_reason(path, exc)
        return result

    with tempfile.TemporaryDirectory(prefix="labsupport-corregir-") as tmp:
        work = Path(tmp) / "trabajo"
        shutil.copytree(path.parent, work, ignore=_not_copied)
        results_file = Path(tmp) / "resultados.jsonl"
        results_file.touch()
        # the progress map (lab.progreso) is the student's own: a grading run neither reads nor writes it
        env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1", LABSUPPORT_PROGRESO="no")
        env[RESULTS_ENV] = str(results_file)
        exec_lines: list[str] = []
        hidden_results = Path(tmp) / "ocultos.jsonl"
        if hidden_cases is not None:
            from . import hidden

            copy = Path(tmp) / "ocultos.py"
            shutil.copyfile(hidden_cases, copy)
            env[hidden.FILE_ENV], env[hidden.RESULTS_ENV] = str(copy), str(hidden_results)
            exec_lines.append(hidden.KERNEL_LINE)
        progress = _Progress(0, float(cell_limit))
        client = NotebookClient(
            nb,
            km=kernel_manager(isolate, Path(tmp), exec_lines),
            timeout_func=lambda cell: progress.cell_limit,
            allow_errors=True,
            record_timing=False,
            shutdown_kernel="immediate",
            # The output that follows a cell's reply: a wait that must not fire (seconds). At 2 s
            # a loaded machine (load 17) dropped the output of the cell after an interrupted one.
            iopub_timeout=IOPUB_PATIENCE,
            resources={"metadata": {"path": str(work)}},
        )
        kernel_stderr = open(Path(tmp) / "nucleo-stderr.txt", "wb")  # closed in the finally below
        try:
            async with client.async_setup_kernel(env=env, cleanup_kc=True, stderr=kernel_stderr):
                await _run_cells(client, nb, result, progress, notebook_limit)
        except DeadKernelError:
            detail = "el kernel de Python terminó de golpe en esta celda" + _last_words(kernel_stderr)
            result.stop(progress.index, Status.DEAD_KERNEL, detail)
            result.problems[progress.index] = CellProblem(progress.index, Status.DEAD_KERNEL, detail)
        except Exception as exc:  # the kernel did not start, a channel broke...: this notebook only
            detail = f"fallo al ejecutar el cuaderno: {type(exc).__name__}: {str(exc)[:200]}"
            result.stop(progress.index, Status.ERROR, detail + _last_words(kernel_stderr))
        finally:
            atexit.unregister(client._cleanup_kernel)  # nbclient leaves it registered if the start failed
            kernel_stderr.close()
        result.reports = _read_reports(results_file)
        if hidden_cases is not None:
            from . import hidden

            result.hidden, result.hidden_failed = hidden.read_results(hidden_results)
    return result
