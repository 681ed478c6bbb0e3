"""`python -m labsupport ...`: the course's command line, in Spanish.

Each subcommand lives in its own module with ``add_arguments(parser)`` and ``run(args)``;
this file only lists them, so adding one never touches another's code, and ``--help``
imports nothing heavy.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one-line Spanish help)
SUBCOMMANDS = {
    "servir": ("labsupport.classroom", "arranca los servidores del curso para una clase"),
    "alumno": ("labsupport.editions", "escribe la edición del alumno (sin soluciones)"),
    "corregir": ("labsupport.grading", "corrige una carpeta de entregas y escribe un CSV"),
    "diagnostico": ("labsupport.diagnosis", "comprueba este equipo y dice cómo arreglar cada problema"),
    "abrir": ("labsupport.labapp", "abre JupyterLab en español con el curso"),
    "preparar-lab": ("labsupport.labapp", "configura JupyterLab del entorno (idioma, avisos)"),
    "ejecutar": ("labsupport.execute", "ejecuta cuadernos y guarda sus salidas"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m labsupport",
        description="Herramientas del curso «Sockets en Python».",
    )
    parser._positionals.title = "argumentos"
    parser._optionals.title = "opciones"
    sub = parser.add_subparsers(dest="orden", metavar="ORDEN", title="órdenes")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".")
        p._optionals.title = "opciones"
        p.set_defaults(_module=module, _name=name)
        mod = _load(module)
        if mod is not None:
            mod.add_arguments(p)
    return parser


def _load(module: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "orden", None):
        parser.print_help()
        return 2
    mod = _load(args._module)
    if mod is None:
        print(f"La orden «{args._name}» aún no está disponible en esta versión del curso.", file=sys.stderr)
        return 2
    return int(mod.run(args) or 0)
