"""``python -m labsupport corregir CARPETA``: grade a folder, print the summary, say where the files are."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._errors import LabError
from ..cli import positive_float, positive_int
from .folder import grade_folder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("carpeta", type=Path, help="carpeta con una subcarpeta por alumno")
    parser.add_argument(
        "--salida", type=Path, default=Path("correccion"), help="dónde escribir notas.csv y resumen.md"
    )
    parser.add_argument("--limite-celda", type=positive_float, default=30, help="segundos máximos por celda (30)")
    parser.add_argument(
        "--limite-cuaderno", type=positive_float, default=600, help="segundos máximos por cuaderno (600)"
    )
    parser.add_argument(
        "--maestra",
        type=Path,
        default=Path("notebooks"),
        help="carpeta de los cuadernos maestros, para saber qué ejercicios tocan (notebooks)",
    )
    parser.add_argument("--trabajos", type=positive_int, default=1, help="cuadernos a la vez (1)")
    parser.add_argument(
        "--aislamiento",
        choices=("auto", "si", "no"),
        default="auto",
        help="red de los cuadernos: solo loopback propio si se puede (auto), obligatorio (si) o sin aislar (no)",
    )


def run(args: argparse.Namespace) -> int:
    """Grade; a LabError reaches ``cli.main``, which prints it on stderr and exits 1."""
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
        raise LabError(f"No se ha corregido nada: {exc}") from exc
    print()
    print(grading.summary)
    print(f"Notas: {grading.csv_path}\nResumen: {grading.summary_path}")
    return 0
