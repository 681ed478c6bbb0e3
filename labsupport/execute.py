"""Run notebooks top to bottom and save their outputs (for whoever edits the master notebooks).

nbval compares what a notebook shows with what it prints now, so the stored outputs must
come from one clean run in order; this is that run, with nbclient, in the notebook's folder.
A notebook whose run fails is left as it was on disk (half-run outputs would be worse than
old ones), and the notebooks after it are not run: fix it first.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ._errors import LabError
from ._interrupt import run_interruptibly
from .cli import positive_int
from .progress import PROGRESS_ENV

if TYPE_CHECKING:
    from nbformat import NotebookNode


def _failure(nb: NotebookNode) -> str:
    """Which cell raised and what, as a person finds it in JupyterLab: its number and first line."""
    from .grading.runner import cell_error

    for number, cell in enumerate(nb.cells, start=1):
        error = cell_error(cell)
        if error:
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return f"la celda {number} ({first[:60]!r}) lanzó {error[:200]}"
    return "una celda lanzó una excepción"


def execute_notebook(path: Path, timeout: int = 120) -> None:
    """Execute ``path`` in a fresh kernel and write it back with its outputs.

    Raises LabError, in Spanish, when the file is not a notebook or a cell fails (an error not
    tagged ``raises-exception``, a cell over ``timeout`` seconds, a dead kernel); the file is
    then not touched.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    if not path.is_file():
        raise LabError(f"No existe el cuaderno {path}.")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        raise LabError(f"{path} no se puede leer como cuaderno ({type(exc).__name__}: {str(exc)[:120]}).") from None
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        run_interruptibly(client.async_execute, name="labsupport-ejecutar")
    except CellExecutionError:
        raise LabError(
            f"{path}: {_failure(nb)}. "
            "No se ha guardado; si la celda debe fallar, etiquétala «raises-exception»."
        ) from None
    except CellTimeoutError:
        raise LabError(f"{path}: una celda no terminó en {timeout} s (--limite). No se ha guardado.") from None
    except DeadKernelError:
        raise LabError(f"{path}: el kernel de Python terminó de golpe. No se ha guardado.") from None
    nbformat.write(nb, path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cuadernos", nargs="+", type=Path, help="cuadernos .ipynb a ejecutar")
    parser.add_argument("--limite", type=positive_int, default=120, help="segundos máximos por celda (120)")


def run(args: argparse.Namespace) -> int:
    """Run each notebook in order; the first failure stops (``cli.main`` prints it, exit 1).

    The kernels inherit ``LABSUPPORT_PROGRESO=no`` unless it is set: re-running the masters is
    not a student's progress, and a ``lab.progreso()`` cell must store what nbval (run the same
    way) will see.
    """
    os.environ.setdefault(PROGRESS_ENV, "no")
    for number, path in enumerate(args.cuadernos):
        print(f"Ejecutando {path} ...", flush=True)
        try:
            execute_notebook(path, timeout=args.limite)
        except LabError as exc:
            left = args.cuadernos[number + 1:]
            rest = f" Sin ejecutar: {', '.join(map(str, left))}." if left else ""
            raise LabError(f"{exc}{rest}") from None
    return 0
