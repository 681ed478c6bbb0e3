"""Send in pieces that the student's code must read as pieces: no luck, no sleeps.

"One recv() is one message" passes a case whenever the pieces a checker sends happen to
arrive together, and on a loaded machine they often do. So a case sends one piece, then waits
until the student's socket has received it (``TCP_INFO``'s count of bytes delivered) and read
it all (``FIONREAD``, the bytes still unread): the student's ``recv`` has taken that piece,
alone, and only then does the next one go. Where the system cannot tell, a short pause stands
in for the wait (Windows has neither; other systems have ``FIONREAD`` only).

The wait also ends as soon as the student's function has returned (it will read no more), and
it is bounded: a case never hangs here. (``_paced.Paced`` rests on the same two counters: a
connection object whose far end only sends; these functions serve the cases where the far end
also reads while it sends.)
"""

from __future__ import annotations

import array
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterable

from .._polling import wait_until

#: A wait that must not run out (the student's code reading what is there): generous.
PATIENCE = 5.0
#: Where unread bytes cannot be counted: the pause that stands in for the wait.
FALLBACK_PAUSE = 0.05
#: Offset of ``tcpi_bytes_received`` (u64) in Linux's ``struct tcp_info`` (Linux 4.1 and later).
_BYTES_RECEIVED = 128

try:
    import fcntl
    import termios

    _FIONREAD: int | None = termios.FIONREAD
except ImportError:  # Windows
    _FIONREAD = None


def unread(sock: socket.socket) -> int | None:
    """Bytes that arrived on ``sock`` and nobody has read yet (None where the system cannot tell)."""
    if _FIONREAD is None:
        return None
    try:
        fd = sock.fileno()
        if fd < 0:
            return 0
        buf = array.array("i", [0])
        fcntl.ioctl(fd, _FIONREAD, buf, True)
        return buf[0]
    except OSError:
        return 0


def delivered(sock: socket.socket) -> int | None:
    """Bytes the kernel has delivered to ``sock`` so far, read or not (None where it cannot tell)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _BYTES_RECEIVED + 8)
        return struct.unpack_from("Q", info, _BYTES_RECEIVED)[0]
    except (OSError, struct.error, ValueError):
        return None


def _consumed(reader: socket.socket, base: int | None, total: int, finished: Callable[[], bool]) -> None:
    """Wait until ``reader`` got ``total`` bytes more than ``base`` and read them, or ``finished()``."""
    if _FIONREAD is None:
        time.sleep(FALLBACK_PAUSE)
        return

    def done() -> bool:
        if finished():
            return True
        got = delivered(reader)
        arrived = base is None or got is None or got - base >= total
        return arrived and not unread(reader)

    wait_until(done, PATIENCE)


def wait_unread(reader: socket.socket, size: int) -> None:
    """Wait until at least ``size`` bytes are waiting on ``reader`` (they were sent in one piece)."""
    if _FIONREAD is None:
        time.sleep(FALLBACK_PAUSE)
        return
    wait_until(lambda: (unread(reader) or 0) >= size, PATIENCE)


def send_paced(
    sender: socket.socket,
    pieces: Iterable[bytes],
    reader: socket.socket,
    finished: Callable[[], bool] = lambda: False,
    *,
    wait_last: bool = False,
) -> None:
    """Send each piece on ``sender`` only after ``reader`` has received and read the previous one.

    ``wait_last``: wait for the last piece too (before a half-close or a close, so that the
    reader's ``b""`` comes in a ``recv`` of its own). ``TCP_NODELAY`` is set on ``sender``:
    otherwise Nagle's algorithm could hold a small piece back until the previous one is
    acknowledged (tens of milliseconds of delayed ACK).
    """
    sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    base, total = delivered(reader), 0
    for i, piece in enumerate(pieces):
        if i:
            _consumed(reader, base, total, finished)
        sender.sendall(piece)
        total += len(piece)
    if wait_last and total:
        _consumed(reader, base, total, finished)


def student_finished(funcion) -> Callable[[], bool]:
    """A predicate: the student's function was called and has returned (it will read no more)."""
    return lambda: bool(getattr(funcion, "calls", 0)) and not getattr(funcion, "running", False)
