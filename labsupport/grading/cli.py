"""``python -m labsupport corregir CARPETA``: grade a folder, print the summary, say where the files are."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._errors import LabError
from ..cli import positive_float, positive_int
from .folder import Extras, grade_folder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("carpeta", type=Path, help="carpeta con una subcarpeta por alumno")
    parser.add_argument(
        "--salida", type=Path, default=Path("correccion"), help="dónde escribir notas.csv, resumen.md y los formatos"
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
        "--formato",
        type=_formats,
        action="extend",
        nargs="+",
        default=[],
        metavar="FORMATO",
        help="además de notas.csv: " + ", ".join(FORMAT_NAMES) + " o todos (varios: --formato nbgrader canvas)",
    )
    parser.add_argument("--lista", type=Path, help="CSV de alumnos: carpeta,nombre,apellidos,correo,id,sis_user_id,"
                        "sis_login_id,seccion (para canvas y nbgrader)")
    parser.add_argument("--casos-ocultos", type=Path, help="fichero .py de casos que solo tiene el profesor")
    parser.add_argument("--puntos", type=Path, help="CSV ejercicio,puntos (por omisión, 1 punto por caso)")
    parser.add_argument(
        "--aislamiento",
        choices=("auto", "si", "no"),
        default="auto",
        help="red de los cuadernos: solo loopback propio si se puede (auto), obligatorio (si) o sin aislar (no)",
    )


#: The names ``--formato`` takes (the modules behind them: :data:`.exports.FORMATS`, imported when grading).
FORMAT_NAMES = ("nbgrader", "por-alumno", "canvas", "gradescope")


def _formats(value: str) -> list[str]:
    """``--formato`` accepts "a,b" as well as "a b"; "todos" is every format."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    if "todos" in names:
        return list(FORMAT_NAMES)
    unknown = [n for n in names if n not in FORMAT_NAMES]
    if unknown:
        choices = ", ".join(FORMAT_NAMES)
        raise argparse.ArgumentTypeError(
            f"formato desconocido {unknown[0]!r} (elige entre {choices}, todos; si {unknown[0]!r} es la carpeta de "
            "entregas, escríbela antes de --formato)"
        )
    return names


def run(args: argparse.Namespace) -> int:
    """Grade; a LabError reaches ``cli.main``, which prints it on stderr and exits 1."""
    formats = tuple(dict.fromkeys(n for names in args.formato for n in names))  # each --formato value is a list
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
            extras=Extras(formats, args.lista, args.casos_ocultos, args.puntos),
        )
    except LabError as exc:
        raise LabError(f"No se ha corregido nada: {exc}") from exc
    print()
    print(grading.summary)
    print(f"Notas: {grading.csv_path}\nResumen: {grading.summary_path}")
    for name, path in grading.exports.items():
        print(f"{name}: {path}")
    return 0
