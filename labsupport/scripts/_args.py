"""What both scripts need on their command line: argparse in Spanish and a loopback-only host.

The words and checks are the course's own (:mod:`labsupport.cli`, :mod:`labsupport._address`),
so that ``--help`` and every usage error read the same in the scripts as in ``python -m labsupport``.
"""

from __future__ import annotations

import argparse

from labsupport._address import format_address, resolve_host
from labsupport._errors import LabError
from labsupport.cli import _spanish_argparse, port_number, positive_float, positive_int

__all__ = ["format_address", "host", "parser", "port_number", "positive_float", "positive_int"]


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
