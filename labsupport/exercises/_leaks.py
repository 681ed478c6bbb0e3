"""Watch for sockets a student's function leaves unclosed, and only for those.

Python reports a socket destroyed without ``close()`` with a ``ResourceWarning`` when it is
collected. Recording every such warning while a case runs (as
:func:`~labsupport.exercises._checks.no_unclosed_sockets` does) can blame a right answer: a
socket left by an *earlier* case (in a traceback's reference cycle, after an error or a
time-out, or in a report that was dropped) may be collected during this one. Collecting
first would clear them, but a full collection in a notebook's kernel costs a tenth of a
second, twice per case.

So this watch tells the sockets apart by their file descriptor instead: the warning names it
(``unclosed <socket.socket fd=12 …>``), and a socket born inside the block has a descriptor
that was not open when the block began. Where the open descriptors cannot be listed (no
``/proc/self/fd``: macOS, Windows), it falls back to collecting before the block.

Meant to replace ``no_unclosed_sockets`` in ``_checks`` (same message, same use).
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import warnings
from collections.abc import Iterator

from ._framework import Fail

_FD = re.compile(r"\bfd=(\d+)")


def open_fds() -> set[int] | None:
    """The file descriptors open in this process, or None where the system cannot list them."""
    try:
        listed = {int(name) for name in os.listdir("/proc/self/fd")}
    except (OSError, ValueError):
        return None
    return {fd for fd in listed if _is_open(fd)}  # minus the one listdir itself opened and closed


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _born_inside(warning: warnings.WarningMessage, before: set[int] | None) -> bool:
    if before is None:
        return True
    found = _FD.search(str(warning.message))
    return found is None or int(found[1]) not in before


@contextlib.contextmanager
def watch_unclosed(what: str = "tu función") -> Iterator[None]:
    """Fail if a socket created while the block runs is garbage-collected without ``close()``.

    The collection at the end catches sockets kept alive only by reference cycles (a
    traceback that points back to the frame that held the socket).
    """
    before = open_fds()
    if before is None:  # old sockets cannot be told from new ones: collect the old ones first
        gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    if any(issubclass(w.category, ResourceWarning) and _born_inside(w, before) for w in caught):
        raise Fail(f"Python avisó de un socket sin cerrar (ResourceWarning): {what} no cerró un socket")
