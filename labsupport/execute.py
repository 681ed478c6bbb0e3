"""Run notebooks top to bottom and save their outputs (for whoever edits the master notebooks).

nbval compares what a notebook shows with what it prints now, so the stored outputs must
come from one clean run in order; this is that run, with nbclient, in the notebook's folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def execute_notebook(path: Path, timeout: int = 120) -> None:
    """Execute ``path`` in a fresh kernel and write it back with its outputs."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(nb, path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cuadernos", nargs="+", type=Path, help="cuadernos .ipynb a ejecutar")
    parser.add_argument("--limite", type=int, default=120, help="segundos máximos por celda")


def run(args: argparse.Namespace) -> int:
    for path in args.cuadernos:
        print(f"Ejecutando {path} ...", flush=True)
        execute_notebook(path, timeout=args.limite)
    return 0
