"""What both scripts share: argparse in Spanish, a loopback-only address, and how they are asked to stop.

The words and checks are the course's own (:mod:`labsupport.cli`, :mod:`labsupport._address`),
so that ``--help`` and every usage error read the same in the scripts as in ``python -m labsupport``.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable
from typing import Any

from labsupport._address import format_address, resolve_host
from labsupport._errors import LabError
from labsupport.cli import _spanish_argparse, port_number, positive_float, positive_int

__all__ = ["add_address", "format_address", "host", "parser", "positive_float", "positive_int", "stop_signals"]


def parser(prog: str, description: str, epilog: str = "") -> argparse.ArgumentParser:
    """An ``ArgumentParser`` whose own words (usage, -h, errors) are Spanish."""
    _spanish_argparse()
    return argparse.ArgumentParser(
        prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def host(text: str) -> str:
    """An argparse ``type``: a numeric loopback address (127.0.0.1, ::1) or ``localhost``, never looked up."""
    try:
        return resolve_host(text)[0]
    except LabError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_address(parser: argparse.ArgumentParser, where: str, port_help: str, port_required: bool = False) -> None:
    """``--host IP`` (loopback only, 127.0.0.1 by default) and ``--puerto N`` (0 to 65535)."""
    parser.add_argument("--host", type=host, default="127.0.0.1", metavar="IP",
                        help=f"dirección de loopback {where}: 127.0.0.1 (por defecto) o ::1")
    parser.add_argument("--puerto", type=port_number, default=None if port_required else 0,
                        required=port_required, metavar="N", help=port_help)


def stop_signals(handler: Callable[[int, Any], None]) -> None:
    """Ctrl+C raises KeyboardInterrupt (even if whoever started us ignored it); SIGTERM, and on
    Windows SIGBREAK (CTRL_BREAK_EVENT, what :mod:`labsupport.programs` sends), call ``handler``."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)
