"""What the checkers of notebooks 04 and 05 share: calling the student's network code, pacing
what it reads so that no luck is involved, and saying exactly how the bytes it returned differ
from the bytes that were sent.

A network function may *have to* raise (a timeout, a reset): :func:`call` returns what it
raised instead of letting it end the case, so the case can judge it, and clears the
traceback's frames so that a socket the student left open is collected, and reported,
while the check for unclosed sockets is still watching.

Pacing: a checker that sends an answer in pieces waits, before each piece, until the
student's socket has received *and read* everything sent so far, so every ``recv()`` returns
at most one piece on every run, whatever the load. The student's socket lives in this very
process, so the kernel can be asked about it (Linux: ``TCP_INFO`` for the bytes delivered,
``FIONREAD`` for those still unread); :class:`PeerView` finds it from the other end's
address. Where the system cannot tell, a short pause stands in.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

try:  # POSIX only; elsewhere pieces are paced with pauses
    import fcntl
    import termios
except ImportError:  # pragma: no cover - Windows
    fcntl = termios = None  # type: ignore[assignment]

from ._framework import brief
from ._leaks import watch_unclosed


def call(funcion: Callable, *args: Any) -> tuple[Any, Exception | None]:
    """``(result, None)`` or ``(None, exception)``: what the student's function did."""
    try:
        return funcion(*args), None
    except Exception as exc:  # judged by the case; KeyboardInterrupt and the framework's stop pass
        traceback.clear_frames(exc.__traceback__)  # file and line stay for the report
        return None, exc


def watching(closes: bool, what: str = "tu función") -> contextlib.AbstractContextManager:
    """Watch for unclosed sockets only in the cases that judge closing.

    The watch ends with a full garbage collection, which costs a tenth of a second or more in
    a kernel that has imported matplotlib and ipywidgets: one case per path (answer, timeout,
    reset) is enough to check "close the socket" on that path.
    """
    return watch_unclosed(what) if closes else contextlib.nullcontext()


def silent_listener(ctx: Any) -> tuple[str, int]:
    """The address of a socket that listens and never accepts: ``connect`` works, nothing answers.

    The kernel completes the handshake and queues the connection; what the client sends
    stays unread and no byte, FIN or RST ever comes back, so only the client's own timeout
    ends its ``recv``.
    """
    listener = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    return listener.getsockname()


def mismatch(got: bytes, expected: bytes, what: str = "tu función") -> str:
    """How ``got`` differs from ``expected``, in words that are true for these very bytes."""
    n, m = len(got), len(expected)
    if not got:
        return f"{what} devolvió b'' (nada) y se esperaban {m} bytes"
    if expected.startswith(got):
        return (
            f"{what} devolvió solo los primeros {n} de {m} bytes ({brief(got, 40)}): "
            "llegaron en varios fragmentos y faltó seguir leyendo"
        )
    if got.startswith(expected):
        return f"{what} devolvió {n} bytes: los {m} esperados y {n - m} de más ({brief(got[m:], 30)})"
    return f"{what} devolvió {n} bytes que no son los {m} esperados (empiezan por {brief(got[:24], 40)})"


def raised(error: BaseException) -> str:
    """``TimeoutError: timed out``, for messages."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# -- pacing ---------------------------------------------------------------------------------
#: Offset of ``tcpi_bytes_received`` (u64) in Linux's ``struct tcp_info`` (since Linux 4.1).
_BYTES_RECEIVED = 128
#: What a look at a socket that is gone returns.
CLOSED = "cerrado"
#: Where the kernel cannot be asked: the pause between pieces.
GAP = 0.03


def reception(sock: socket.socket) -> tuple[int, int] | None:
    """``(bytes TCP delivered to sock, bytes still unread)``; None where the system cannot tell."""
    if not sys.platform.startswith("linux") or fcntl is None:
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _BYTES_RECEIVED + 8)
        (received,) = struct.unpack_from("Q", info, _BYTES_RECEIVED)
        (unread,) = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))
    except (OSError, struct.error, ValueError):
        return None
    return received, unread


class PeerView:
    """Looks at the other end of ``conn`` when that end is a socket of this process (the student's).

    It keeps the descriptor's number and inode, never a duplicate of it between looks: a
    duplicate held open would keep the student's ``close()`` from sending FIN.
    """

    def __init__(self, conn: socket.socket) -> None:
        self.fd: int | None = None
        self.inode = 0
        if not sys.platform.startswith("linux"):
            return
        try:
            wanted = conn.getpeername()
            names = os.listdir("/proc/self/fd")
        except OSError:
            return
        for name in names:
            fd = int(name)
            if fd == conn.fileno():
                continue
            try:
                info = os.fstat(fd)
                if not stat.S_ISSOCK(info.st_mode):
                    continue
                with socket.socket(fileno=os.dup(fd)) as probe:
                    if probe.type == socket.SOCK_STREAM and probe.getsockname() == wanted:
                        self.fd, self.inode = fd, info.st_ino
                        return
            except OSError:
                continue

    def look(self) -> tuple[int, int] | str | None:
        """:func:`reception` of the far end, :data:`CLOSED` once it is gone, None if it cannot be seen."""
        if self.fd is None:
            return None
        try:
            with socket.socket(fileno=os.dup(self.fd)) as probe:
                if os.fstat(probe.fileno()).st_ino != self.inode:
                    return CLOSED  # closed, and the number reused by another socket
                seen = reception(probe)
        except OSError:
            return CLOSED
        return CLOSED if seen is None else seen


def wait_consumed(look: Callable[[], Any], total: int, stop: threading.Event, patience: float = 5.0) -> bool:
    """Wait until the reader has received ``total`` bytes and read them all (or is gone).

    Returns False if ``stop`` was set. Bounded by ``patience``: a reader that stops reading
    holds the sender back only that long.
    """
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        seen = look()
        if seen is None:
            return not stop.wait(GAP)
        if seen == CLOSED or (seen[0] >= total and seen[1] == 0):
            return not stop.is_set()
        if stop.wait(0.001):
            return False
    return not stop.is_set()
