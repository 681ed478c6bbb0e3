"""The one way to pace: send a piece, wait until the student's socket has read it, send the next.

A wait ends when the student's socket has received everything sent so far and read it all
(:meth:`~.reader.Reception.consumed`), when it is gone, when the student's function has returned
(``finished``: it will read no more), or when ``patience`` runs out: then the sender goes on, so
a case never hangs here. ``stop`` (the checker's server or connection is ending) stops the
sender instead. Where the kernel cannot be asked, a pause of :data:`GAP` stands in.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable

from .reader import Reader, SocketReader

#: A wait that must not run out (the student's code reading what is there): generous.
PATIENCE = 5.0
#: Where the kernel cannot be asked: the pause that stands in for the wait.
GAP = 0.03
#: How often a wait looks again.
_POLL = 0.001


def _never() -> bool:
    return False


def _pause(stop: threading.Event | None, seconds: float) -> bool:
    """Sleep ``seconds`` (less if ``stop`` is set meanwhile); return whether ``stop`` is set."""
    if stop is None:
        time.sleep(seconds)
        return False
    return stop.wait(seconds)


def wait_consumed(
    reader: Reader,
    total: int,
    *,
    finished: Callable[[], bool] = _never,
    stop: threading.Event | None = None,
    patience: float = PATIENCE,
) -> bool:
    """Wait until ``reader`` has received ``total`` bytes on its connection and read them all.

    Also ends when the reader is gone, ``finished()`` holds, or ``patience`` runs out. Returns
    False only if ``stop`` was set: the caller should send no more.
    """
    deadline = time.monotonic() + patience
    while stop is None or not stop.is_set():
        if finished():
            return True
        seen = reader.look()
        if seen is None:
            return not _pause(stop, GAP)
        if seen.consumed(total) or time.monotonic() > deadline:
            return True
        if _pause(stop, _POLL):
            return False
    return False


def send_paced(
    sender: socket.socket,
    pieces: Iterable[bytes],
    reader: socket.socket | Reader,
    finished: Callable[[], bool] = _never,
    *,
    wait_last: bool = False,
    sent_before: int | None = None,
    stop: threading.Event | None = None,
) -> bool:
    """Send each piece on ``sender`` only after ``reader`` has received and read the previous one.

    ``reader``: the student's socket, or a :class:`~.reader.Reader` of it (a
    :class:`~.reader.PeerReader` when the checker holds only the other end). ``sent_before``:
    bytes sent to it on this connection before these pieces; by default, what it has received
    so far (right when nothing sent before is still on its way, as after ``wait_last``).
    ``wait_last``: wait for the last piece too (before a half-close or a close, so that the
    reader's ``b""`` comes in a ``recv`` of its own). ``TCP_NODELAY`` is set on ``sender``:
    otherwise Nagle's algorithm could hold a small piece back until the previous one is
    acknowledged (tens of milliseconds of delayed ACK). Returns False if ``stop`` was set
    before all was sent (and waited for).
    """
    view = SocketReader(reader) if isinstance(reader, socket.socket) else reader
    sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    before = _received_so_far(view) if sent_before is None else sent_before
    total = before
    for i, piece in enumerate(pieces):
        if i and not wait_consumed(view, total, finished=finished, stop=stop):
            return False
        sender.sendall(piece)
        total += len(piece)
    if wait_last and total > before:
        return wait_consumed(view, total, finished=finished, stop=stop)
    return True


def _received_so_far(reader: Reader) -> int:
    seen = reader.look()
    return seen.delivered if seen is not None else 0


def student_finished(funcion: object) -> Callable[[], bool]:
    """A ``finished`` predicate: the student's function (the framework's wrapper of it, which counts
    its calls) was called and has returned: it will read no more."""
    return lambda: bool(getattr(funcion, "calls", 0)) and not getattr(funcion, "running", False)
