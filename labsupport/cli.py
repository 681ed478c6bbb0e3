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


# argparse's own words (usage, -h, errors) in Spanish. argparse looks them up through the
# module-level gettext alias ``argparse._``; only this command line process is affected.
_SPANISH = {
    "usage: ": "uso: ",
    "show this help message and exit": "muestra esta ayuda y sale",
    "positional arguments": "argumentos",
    "options": "opciones",
    "the following arguments are required: %s": "faltan estos argumentos: %s",
    "unrecognized arguments: %s": "argumentos no reconocidos: %s",
    "invalid %(type)s value: %(value)r": "valor no válido para %(type)s: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "opción no válida: %(value)r (elige entre %(choices)s)",
    "expected one argument": "se esperaba un valor",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: error: %(message)s\n",
}


def _spanish_argparse() -> None:
    english = argparse._  # type: ignore[attr-defined]
    if getattr(english, "_spanish", False):
        return

    def translate(message: str) -> str:
        return _SPANISH.get(message, english(message))

    translate._spanish = True  # type: ignore[attr-defined]
    argparse._ = translate  # type: ignore[attr-defined]


def build_parser() -> argparse.ArgumentParser:
    _spanish_argparse()
    parser = argparse.ArgumentParser(
        prog="python -m labsupport",
        description="Herramientas del curso «Sockets en Python».",
    )
    sub = parser.add_subparsers(dest="orden", metavar="ORDEN", title="órdenes")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".")
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
