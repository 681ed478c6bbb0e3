"""`python -m labsupport ...`: the course's command line, in Spanish.

Each subcommand lives in its own module with ``add_arguments(parser)`` and ``run(args)``;
this file only lists them, so adding one never touches another's code, and ``--help``
imports nothing heavy.

One convention for every subcommand, argparse's:

- exit 0 when it did its job, 1 when it could not (a folder that does not exist, a notebook
  that fails, a problem found by ``diagnostico``), 2 for a usage error (an unknown option, a
  value out of range: argparse's own ``error``, with the usage line);
- errors go to stderr, in Spanish; what the command produces (a report, a table, progress)
  goes to stdout, even when it reports problems (``diagnostico``'s report, like pytest's);
- a subcommand reports a failure by raising :class:`~labsupport._errors.LabError` (or by
  returning 1 after printing to stderr itself); ``main`` prints it as argparse prints a usage
  error (``python -m labsupport ORDEN: error: …``) and exits 1, so no subcommand repeats that
  and no traceback reaches the user for a foreseen failure;
- Ctrl+C ends any command with one line and exit 130 (the shells' convention), no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Protocol, cast

from ._errors import LabError

# subcommand -> (module, one-line Spanish help)
SUBCOMMANDS = {
    "servir": ("labsupport.classroom", "arranca los servidores del curso para una clase"),
    "alumno": ("labsupport.editions", "escribe la edición del alumno (sin soluciones)"),
    "corregir": ("labsupport.grading.cli", "corrige una carpeta de entregas y escribe un CSV"),
    "gradescope": ("labsupport.grading.gradescope", "escribe el autocorrector para Gradescope"),
    "diagnostico": ("labsupport.diagnosis", "comprueba este equipo y dice cómo arreglar cada problema"),
    "abrir": ("labsupport.labapp", "abre JupyterLab en español con el curso"),
    "preparar-lab": ("labsupport.labapp", "configura JupyterLab del entorno (idioma, avisos)"),
    "ejecutar": ("labsupport.execute", "ejecuta cuadernos y guarda sus salidas"),
    "libro": ("labsupport.book", "escribe el curso como sitio web (Jupyter Book 2) en build/libro"),
}

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Subcommand(Protocol):
    """What a subcommand's module provides."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


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
    english = argparse._  # type: ignore[attr-defined]  # argparse's gettext alias, not in its stubs
    if getattr(english, "_spanish", False):
        return

    def translate(message: str) -> str:
        return _SPANISH.get(message, english(message))

    translate._spanish = True  # type: ignore[attr-defined]  # a mark on the function: installed once
    argparse._ = translate  # type: ignore[attr-defined]
    if sys.version_info < (3, 11):  # 3.10's ArgumentError.__str__ does not pass its "argument %s" through _()

        def spanish_str(self: argparse.ArgumentError) -> str:
            if self.argument_name is None:
                return self.message
            return translate("argument %(argument_name)s: %(message)s") % {
                "message": self.message, "argument_name": self.argument_name}

        argparse.ArgumentError.__str__ = spanish_str  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------- argument types


def positive_float(text: str) -> float:
    """An argparse ``type``: a number of seconds (or similar) greater than 0."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"se esperaba un número y se recibió {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"debe ser un número mayor que 0; se recibió {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse ``type``: a whole number greater than 0 (a count)."""
    return whole_number(text, 1, None, "un número entero", "debe ser un número entero mayor que 0")


def port_number(text: str) -> int:
    """An argparse ``type``: a TCP port, 0 meaning "one the system chooses"."""
    return whole_number(text, 0, 65535, "un número de puerto", "el puerto debe estar entre 0 y 65535")


def whole_number(text: str, low: int, high: int | None, what: str, rule: str) -> int:
    """An argparse ``type``'s check: ``text`` is a whole number from ``low`` to ``high`` (None: no top).

    ``what`` names what was expected when it is not a number; ``rule`` says the range when it is out of it.
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"se esperaba {what} y se recibió {text!r}") from None
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"{rule}; se recibió {text!r}")
    return value


# --------------------------------------------------------------------------- the parser and main


def build_parser() -> argparse.ArgumentParser:
    _spanish_argparse()
    parser = argparse.ArgumentParser(
        prog="python -m labsupport",
        description="Herramientas del curso «Sockets en Python».",
    )
    sub = parser.add_subparsers(dest="orden", metavar="ORDEN", title="órdenes")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text[:1].upper() + help_text[1:] + ".")
        p.set_defaults(_module=module, _name=name, _parser=p)
        mod = _load(module)
        if mod is not None:
            mod.add_arguments(p)
    return parser


def _load(module: str) -> Subcommand | None:
    try:
        return cast(Subcommand, importlib.import_module(module))
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)  # a usage error: argparse prints it on stderr and exits 2
    if extra:  # argparse leaves these to the top parser; the subcommand's usage is the useful one
        getattr(args, "_parser", parser).error(_SPANISH["unrecognized arguments: %s"] % " ".join(extra))
    if not getattr(args, "orden", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    mod = _load(args._module)
    if mod is None:
        print(f"La orden «{args._name}» aún no está disponible en esta versión del curso.", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(mod.run(args) or EXIT_OK)
    except LabError as exc:  # a foreseen failure: its Spanish message, argparse's format, no traceback
        print(f"{parser.prog} {args._name}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nInterrumpido (Ctrl+C).", file=sys.stderr)
        return EXIT_INTERRUPTED
