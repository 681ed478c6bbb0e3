"""Grade a folder of submissions: run every student's notebooks, collect every exercise.

``python -m labsupport corregir CARPETA`` expects one subfolder per student. Each notebook
runs in a fresh kernel of this same Python (nbclient), in a temporary copy of the student's
folder, with ``LABSUPPORT_RESULTADOS`` pointing to a file where each ``lab.comprobar`` call
appends its result. A submission is graded for what it did, and nothing a notebook does can
stop the run: a cell that hangs is interrupted after ``--limite-celda`` seconds (and the
notebook abandoned if the kernel ignores the interrupt, or after ``--limite-cuaderno``
seconds in total), a dead kernel ends only that notebook, an exception fails only its cell,
and an exercise whose cell was deleted is reported as missing ("falta").

What this does not defend against: a student who edits ``lab.comprobar`` or writes to the
results file can fake a result. The grader checks work done in good faith; it is not an exam
proctor.

Network: the course only speaks to loopback, and so does the grader (it opens no socket of
its own besides the kernel's channels, which are Unix sockets on Linux and macOS). Students'
code, though, could try anything; on Linux each kernel therefore runs in its own network
namespace (``unshare --user --net``) where the only interface is a private loopback, and
talks to the grader over Unix sockets (ZeroMQ's ``ipc`` transport). Where ``unshare`` is not
available (macOS, Windows, a locked-down container) the summary says the network was NOT
isolated; run the grader inside a container without network then (``docker run --network
none ...`` keeps only loopback).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import csv
import dataclasses
import datetime as _dt
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ._wording import count, seconds

# The states a row can have besides lab.comprobar's own ("ok", "fallo", "pendiente", "error del corrector").
TIMEOUT = "tiempo agotado"
DEAD_KERNEL = "kernel caído"
ERROR = "error"
MISSING = "falta"
NO_SUBMISSION = "sin entrega"

CSV_COLUMNS = ("alumno", "cuaderno", "ejercicio", "superados", "total", "estado", "detalle")
_CALL = re.compile(r"""comprobar\(\s*(?:exercise_id\s*=\s*|ejercicio\s*=\s*)?["']([^"']+)["']""")
_SKIPPED_DIRS = (".ipynb_checkpoints", "__pycache__")
INTERRUPT_WAIT = 5.0  # seconds a kernel has to stop a timed-out cell before the notebook is abandoned


# --------------------------------------------------------------------------- what a notebook asks


def exercise_cells(nb: Any) -> dict[str, int]:
    """Exercise id -> index of the first code cell that calls ``lab.comprobar`` for it.

    Commented-out lines do not count: a student who comments the call out has not
    submitted the exercise.
    """
    found: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            if line.lstrip().startswith("#"):
                continue
            for exercise_id in _CALL.findall(line):
                found.setdefault(exercise_id, index)
    return found


def _sort_key(exercise_id: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-_]", exercise_id))


# --------------------------------------------------------------------------- running one notebook


@dataclasses.dataclass
class CellProblem:
    """A code cell that did not finish well: its index, the row state it causes, and why."""

    index: int
    status: str
    detail: str


@dataclasses.dataclass
class NotebookRun:
    """What running one notebook produced."""

    nb: Any = None
    reports: dict[str, dict] = dataclasses.field(default_factory=dict)
    problems: dict[int, CellProblem] = dataclasses.field(default_factory=dict)
    stopped_at: int | None = None  # first cell that was never run, when the run was cut short
    stop_status: str | None = None
    stop_detail: str = ""
    unreadable: str | None = None  # why the file could not be read as a notebook

    def cell_errors(self) -> list[CellProblem]:
        return sorted(self.problems.values(), key=lambda p: p.index)


def isolation_available() -> bool:
    """True where kernels can get a private, loopback-only network (Linux with user namespaces)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    try:
        probe = subprocess.run(
            ["unshare", "--user", "--map-root-user", "--net", "--", sys.executable, "-c", "pass"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def _kernel_manager(isolate: bool, folder: Path):
    """A kernel manager for this very Python (not whatever "python3" kernel the user installed).

    On POSIX the kernel talks to the grader over Unix sockets placed in ``folder`` (ZeroMQ's
    ``ipc`` transport): no TCP port at all, and the only way to reach an isolated kernel,
    whose private network namespace has no route to ours. The path is absolute because the
    kernel runs in another working directory.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    if isolate:
        argv = ["unshare", "--user", "--map-root-user", "--net", "--"]
        argv += [sys.executable, "-m", "labsupport.grading", "--nucleo-aislado", "-f", "{connection_file}"]
    else:
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]

    class ThisPythonSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(argv=argv, display_name="Python 3 (corrector)", language="python")

    if os.name == "posix":
        return AsyncKernelManager(
            kernel_name="python3",
            kernel_spec_manager=ThisPythonSpecs(),
            transport="ipc",
            ip=str(folder / "nucleo"),
            connection_file=str(folder / "conexion.json"),
        )
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisPythonSpecs())


def _error_of(cell: Any) -> str | None:
    """The error a cell raised, unless it is tagged ``raises-exception`` (raising is its lesson)."""
    if "raises-exception" in cell.get("metadata", {}).get("tags", []):
        return None
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip().rstrip(":")
    return None


_MAX_COPIED_FILE = 50 * 1024 * 1024


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """What the temporary copy of a student's folder leaves out: checkpoints, hidden entries and
    files over 50 MiB (a notebook never needs them; copying them would only slow the run)."""
    skipped = set()
    for name in names:
        path = os.path.join(folder, name)
        if name in _SKIPPED_DIRS or name.startswith("."):
            skipped.add(name)
        elif os.path.isfile(path) and os.path.getsize(path) > _MAX_COPIED_FILE:
            skipped.add(name)
    return skipped


async def _interrupt(client: Any, wait: float) -> bool:
    """Interrupt the kernel and wait for the timed-out cell's reply; False if it never comes.

    Waiting matters: a cell sent while the old one is still being interrupted is dropped
    by ipykernel ("aborted"), and would look as if it had run without output.
    """
    from jupyter_core.utils import ensure_async

    await client.km.interrupt_kernel()
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


def _last_words(stderr_file) -> str:
    """The last line the kernel wrote to stderr (a segfault, a failed start), for the detail column."""
    stderr_file.flush()
    try:
        lines = Path(stderr_file.name).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    lines = [line for line in lines if "WARNING" not in line]
    return f" (el kernel dijo: {lines[-1][:160]})" if lines else ""


def _read_reports(path: Path) -> dict[str, dict]:
    """The last report of each exercise (a cell may check the same exercise twice)."""
    reports: dict[str, dict] = {}
    if not path.exists():
        return reports
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
            reports[str(record["ejercicio"])] = record
        except (ValueError, KeyError, TypeError):
            continue  # a line the notebook itself mangled: ignore it, never crash
    return reports


async def run_notebook(
    path: Path,
    *,
    cell_limit: float = 30,
    notebook_limit: float = 600,
    isolate: bool = False,
) -> NotebookRun:
    """Run ``path`` in a fresh kernel, in a temporary copy of its folder; never raises for the notebook's sake."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    result = NotebookRun()
    try:
        result.nb = nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook, unreadable: graded as such
        result.unreadable = f"no se puede leer como cuaderno ({type(exc).__name__}: {str(exc)[:120]})"
        return result

    with tempfile.TemporaryDirectory(prefix="labsupport-corregir-") as tmp:
        work = Path(tmp) / "trabajo"
        shutil.copytree(path.parent, work, ignore=_not_copied)
        results_file = Path(tmp) / "resultados.jsonl"
        results_file.touch()
        env = dict(os.environ, LABSUPPORT_RESULTADOS=str(results_file), PYDEVD_DISABLE_FILE_VALIDATION="1")

        loop = asyncio.get_running_loop()
        deadline = loop.time() + notebook_limit
        limit = {"cell": float(cell_limit)}
        client = NotebookClient(
            nb,
            km=_kernel_manager(isolate, Path(tmp)),
            timeout_func=lambda cell: limit["cell"],
            allow_errors=True,
            record_timing=False,
            shutdown_kernel="immediate",
            iopub_timeout=2,
            resources={"metadata": {"path": str(work)}},
        )
        index = 0
        kernel_stderr = open(Path(tmp) / "nucleo-stderr.txt", "wb")  # closed in the finally below
        try:
            async with client.async_setup_kernel(env=env, cleanup_kc=True, stderr=kernel_stderr):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        result.stopped_at, result.stop_status = index, TIMEOUT
                        result.stop_detail = f"el cuaderno superó su límite total de {seconds(notebook_limit)}"
                        break
                    limit["cell"] = min(float(cell_limit), remaining)
                    try:
                        await client.async_execute_cell(cell, index)
                    except CellTimeoutError:
                        result.problems[index] = CellProblem(
                            index, TIMEOUT, f"la celda no terminó en {seconds(limit['cell'], 1)} y se interrumpió"
                        )
                        if not await _interrupt(client, INTERRUPT_WAIT):
                            result.stopped_at, result.stop_status = index + 1, TIMEOUT
                            result.stop_detail = "el kernel no respondió tras interrumpirlo"
                            break
                        continue
                    error = _error_of(cell)
                    if error:
                        result.problems[index] = CellProblem(index, ERROR, error)
        except DeadKernelError:
            result.stopped_at, result.stop_status = index, DEAD_KERNEL
            result.stop_detail = "el kernel de Python terminó de golpe en esta celda" + _last_words(kernel_stderr)
            result.problems[index] = CellProblem(index, DEAD_KERNEL, result.stop_detail)
        except Exception as exc:  # the kernel did not start, a channel broke...: this notebook only
            result.stopped_at, result.stop_status = index, ERROR
            result.stop_detail = (
                f"fallo al ejecutar el cuaderno: {type(exc).__name__}: {str(exc)[:200]}" + _last_words(kernel_stderr)
            )
        finally:
            atexit.unregister(client._cleanup_kernel)  # nbclient leaves it registered if the start failed
            kernel_stderr.close()
        result.reports = _read_reports(results_file)
    return result


# --------------------------------------------------------------------------- rows and the whole folder


@dataclasses.dataclass
class Row:
    """One line of the grading CSV."""

    student: str
    notebook: str
    exercise: str
    passed: int | None
    total: int | None
    status: str
    detail: str = ""

    def as_csv(self) -> list[str]:
        def num(v: int | None) -> str:
            return "" if v is None else str(v)

        return [self.student, self.notebook, self.exercise, num(self.passed), num(self.total), self.status, self.detail]


def rows_for(student: str, notebook: str, run: NotebookRun, expected: dict[str, int] | None) -> list[Row]:
    """The rows of one notebook: one per expected exercise, plus any extra one the notebook checked.

    ``expected`` are the exercises of the master notebook (None: use the ones the submission
    calls, when there is no master to compare with).
    """
    if run.unreadable:
        ids = sorted(expected or {}, key=_sort_key) or [""]
        return [Row(student, notebook, i, 0, None, ERROR, run.unreadable) for i in ids]
    submitted = exercise_cells(run.nb)
    wanted = list(expected if expected is not None else submitted)
    wanted += [i for i in run.reports if i not in wanted]
    rows = []
    for exercise_id in sorted(wanted, key=_sort_key):
        report = run.reports.get(exercise_id)
        if report is not None:
            rows.append(
                Row(student, notebook, exercise_id, report.get("superados"), report.get("total"),
                    str(report.get("estado", ERROR)))
            )
            continue
        cell = submitted.get(exercise_id)
        if cell is None:
            rows.append(Row(student, notebook, exercise_id, 0, None, MISSING,
                            "no hay ninguna llamada a lab.comprobar para este ejercicio"))
        elif cell in run.problems:
            problem = run.problems[cell]
            rows.append(Row(student, notebook, exercise_id, 0, None, problem.status, problem.detail))
        elif run.stopped_at is not None and cell >= run.stopped_at:
            rows.append(Row(student, notebook, exercise_id, 0, None, run.stop_status or ERROR,
                            f"no llegó a ejecutarse: {run.stop_detail}"))
        else:
            rows.append(Row(student, notebook, exercise_id, 0, None, ERROR,
                            "la celda se ejecutó pero lab.comprobar no informó de nada"))
    return rows


def master_exercises(masters: Path | None) -> dict[str, dict[str, int]]:
    """Notebook file name -> its exercises, read from the master notebooks (empty if none)."""
    import nbformat

    table: dict[str, dict[str, int]] = {}
    if masters is None or not masters.is_dir():
        return table
    for path in sorted(masters.glob("*.ipynb")):
        try:
            table[path.name] = exercise_cells(nbformat.read(path, as_version=4))
        except Exception:
            continue
    return table


def _student_notebooks(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    paths = sorted(folder.rglob("*.ipynb"), key=lambda p: (len(p.parts), str(p)))
    for path in paths:
        if any(part in _SKIPPED_DIRS or part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        found.setdefault(path.name, path)  # the shallowest copy wins if a name repeats
    return found


@dataclasses.dataclass
class Grading:
    """The result of grading a folder: the rows, and where the CSV and the summary were written."""

    rows: list[Row]
    csv_path: Path
    summary_path: Path
    summary: str
    isolated: bool
    ignored: dict[str, list[str]]


async def _grade(
    folder: Path, output: Path, masters: dict[str, dict[str, int]], cell_limit: float,
    notebook_limit: float, jobs: int, isolate: bool, progress,
) -> tuple[list[Row], dict[str, list[str]]]:
    import nbformat

    semaphore = asyncio.Semaphore(max(1, jobs))
    students = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    ignored: dict[str, list[str]] = {}
    tasks: list[tuple[str, str, Any]] = []
    per_student_rows: dict[str, list[Row]] = {s.name: [] for s in students}

    async def one(student: str, path: Path) -> list[Row]:
        async with semaphore:
            progress(f"Corrigiendo {student}/{path.name} ...")
            run = await run_notebook(path, cell_limit=cell_limit, notebook_limit=notebook_limit, isolate=isolate)
        if run.nb is not None:
            target = output / "cuadernos" / student / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(run.nb, target)
        return rows_for(student, path.name, run, masters.get(path.name) if masters else None)

    for student_dir in students:
        notebooks = _student_notebooks(student_dir)
        chosen = {n: p for n, p in notebooks.items() if not masters or n in masters}
        extra = sorted(set(notebooks) - set(chosen))
        if extra:
            ignored[student_dir.name] = extra
        if not chosen:
            per_student_rows[student_dir.name].append(
                Row(student_dir.name, "", "", 0, None, NO_SUBMISSION, "no hay cuadernos del curso en su carpeta")
            )
        for name, path in sorted(chosen.items()):
            tasks.append((student_dir.name, name, one(student_dir.name, path)))
    results = await asyncio.gather(*(t[2] for t in tasks))
    for (student, _name, _), rows in zip(tasks, results, strict=True):
        per_student_rows[student].extend(rows)
    return [row for s in students for row in per_student_rows[s.name]], ignored


def _quiet_dead_channels(loop: asyncio.AbstractEventLoop, context: dict) -> None:
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
    progress=None,
) -> Grading:
    """Grade every student subfolder of ``folder``; write ``notas.csv`` and ``resumen.md`` in ``output``.

    ``isolation``: "auto" isolates the network where possible, "si" requires it (LabError
    otherwise), "no" runs kernels with the machine's network.
    """
    from ._errors import LabError

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
    table = master_exercises(masters)
    output.mkdir(parents=True, exist_ok=True)

    async def main():
        asyncio.get_running_loop().set_exception_handler(_quiet_dead_channels)
        return await _grade(
            folder, output, table, cell_limit, notebook_limit, jobs, isolate, progress or (lambda _m: None)
        )

    rows, ignored = asyncio.run(main())
    csv_path = output / "notas.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(row.as_csv() for row in rows)
    summary = format_summary(rows, folder, cell_limit, notebook_limit, isolate, ignored)
    summary_path = output / "resumen.md"
    summary_path.write_text(summary, encoding="utf-8")
    return Grading(rows, csv_path, summary_path, summary, isolate, ignored)


# --------------------------------------------------------------------------- the summary


_MARK = {"ok": "✔", "fallo": "✘", "pendiente": "…"}


def format_summary(
    rows: list[Row], folder: Path, cell_limit: float, notebook_limit: float, isolated: bool,
    ignored: dict[str, list[str]] | None = None,
) -> str:
    """A Spanish Markdown summary: one table line per student, then every exercise."""
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
        f"{sum(r.status == 'ok' for r in exercises)} de {len(exercises)} ejercicios correctos.",
        "",
        "## Por alumno",
        "",
        "| Alumno | Ejercicios correctos | Casos superados | Incidencias |",
        "|---|---|---|---|",
    ]
    for student, srows in students.items():
        done = [r for r in srows if r.exercise]
        passed = sum(r.passed or 0 for r in done)
        total = sum(r.total or 0 for r in done)
        issues = sorted({r.status for r in srows if r.status not in ("ok", "fallo", "pendiente")})
        lines.append(
            f"| {student} | {sum(r.status == 'ok' for r in done)} de {len(done)} | {passed} de {total} "
            f"| {', '.join(issues) or '—'} |"
        )
    lines += ["", "## Detalle", ""]
    for student, srows in students.items():
        lines.append(f"### {student}")
        for row in srows:
            mark = _MARK.get(row.status, "⚠")
            cases = f" ({row.passed}/{row.total} casos)" if row.total else ""
            what = f"{row.notebook} · ejercicio {row.exercise}" if row.exercise else (row.notebook or "entrega")
            detail = f": {row.detail}" if row.detail else ""
            lines.append(f"- {mark} {what}: {row.status}{cases}{detail}")
        for name in (ignored or {}).get(student, []):
            lines.append(f"- (no corregido: {name} no es un cuaderno del curso)")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("carpeta", type=Path, help="carpeta con una subcarpeta por alumno")
    parser.add_argument(
        "--salida", type=Path, default=Path("correccion"), help="dónde escribir notas.csv y resumen.md"
    )
    parser.add_argument("--limite-celda", type=float, default=30, help="segundos máximos por celda (30)")
    parser.add_argument("--limite-cuaderno", type=float, default=600, help="segundos máximos por cuaderno (600)")
    parser.add_argument(
        "--maestra",
        type=Path,
        default=Path("notebooks"),
        help="carpeta de los cuadernos maestros, para saber qué ejercicios tocan (notebooks)",
    )
    parser.add_argument("--trabajos", type=int, default=1, help="cuadernos a la vez (1)")
    parser.add_argument(
        "--aislamiento",
        choices=("auto", "si", "no"),
        default="auto",
        help="red de los cuadernos: solo loopback propio si se puede (auto), obligatorio (si) o sin aislar (no)",
    )


def run(args: argparse.Namespace) -> int:
    from ._errors import LabError

    try:
        grading = grade_folder(
            args.carpeta,
            args.salida,
            masters=args.maestra,
            cell_limit=args.limite_celda,
            notebook_limit=args.limite_cuaderno,
            jobs=args.trabajos,
            isolation=args.aislamiento,
            progress=lambda message: print(message, flush=True),
        )
    except LabError as exc:
        print(f"No se ha corregido nada: {exc}")
        return 1
    print()
    print(grading.summary)
    print(f"Notas: {grading.csv_path}\nResumen: {grading.summary_path}")
    return 0


# --------------------------------------------------------------------------- isolated kernel


def _loopback_up() -> None:
    """Bring up ``lo`` in a fresh network namespace (it starts down), without the ``ip`` tool."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, siocgifflags, struct.pack("16sH14x", b"lo", 0)))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))


def _isolated_kernel_main(argv: list[str]) -> None:
    """Entry point of a kernel started by the grader inside ``unshare --net``."""
    _loopback_up()
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # like ipykernel_launcher: the working folder is added back by IPython
    sys.argv = [sys.argv[0], *argv]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__" and sys.argv[1:2] == ["--nucleo-aislado"]:
    _isolated_kernel_main(sys.argv[2:])
