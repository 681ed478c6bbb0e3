"""A connection whose far end sends one piece at a time, each only after the student read the last.

A drip with pauses makes "one ``recv()`` is one message" fail *usually*: a reader that is
late (a loaded machine) finds two pieces waiting and reads them in one call, and a mistake
such as looking for ``b"\\r\\n\\r\\n"`` only in the newest fragment then passes by luck. A
checker must not depend on luck, so :class:`Paced` waits, before each piece, until the
student's socket has received *and* consumed everything sent so far. Every ``recv()`` then
returns at most one piece, on every run, whatever the load.

How the far end knows (Linux): the student's socket is in this process, so the kernel can be
asked about it. ``TCP_INFO`` gives ``tcpi_bytes_received`` (everything delivered to it) and
``FIONREAD`` what is still unread (:mod:`._pacing` sends pieces the same way from a case's own
thread; this module adds a thread of its own, the delivered count, and :meth:`Paced.read_rest`).
Elsewhere it falls back to a pause (``gap``), the best a portable program can do. Waits are
bounded (``patience``): a student who stops reading leaves the far end waiting only until the
case ends.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time

from .._closing import close_gracefully
from ..faults.base import read_until
from ._pacing import unread

#: Offset of ``tcpi_bytes_received`` (u64) in Linux's ``struct tcp_info`` (since Linux 4.1).
_BYTES_RECEIVED = 128


def _delivered_and_read(sock: socket.socket) -> tuple[int, int] | None:
    """(bytes delivered to ``sock``, bytes still unread in it), or None where the system cannot tell.

    ``FIONREAD`` alone (:func:`._pacing.unread`) can say 0 for a piece that is still on its way:
    while the reader's thread is inside ``recv`` the kernel parks arriving segments in the
    socket's backlog, which neither count sees yet. The delivered count closes that gap: the
    next piece goes only when everything sent so far has been received *and* read.
    """
    if not sys.platform.startswith("linux"):
        return None
    unread_now = unread(sock)
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _BYTES_RECEIVED + 8)
        (received,) = struct.unpack_from("Q", info, _BYTES_RECEIVED)
    except (OSError, struct.error):
        return None
    return (received, unread_now) if unread_now is not None else None


def slices(data: bytes, size: int) -> list[bytes]:
    """``data`` cut every ``size`` bytes."""
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


class Paced:
    """A loopback TCP connection: ``sock`` for the student, the far end sending ``pieces`` one by one.

    ``wait_for`` (bytes or None): the far end first reads the request up to that delimiter
    (what the checker sends on ``sock``) and only then starts. ``close``: after the last
    piece, FIN (the reader sees ``b""``); otherwise the connection stays open (keep-alive)
    until the case ends. ``ctx.own()`` it: ``stop()`` ends the far end and closes both sockets.
    """

    def __init__(
        self,
        pieces: list[bytes],
        *,
        close: bool = True,
        wait_for: bytes | None = None,
        gap: float = 0.03,
        patience: float = 10.0,
    ) -> None:
        self.pieces = [bytes(p) for p in pieces]
        self.close_at_end = close
        self.wait_for = wait_for
        self.gap = gap
        self.patience = patience
        self.sent = 0  # bytes written by the far end, for messages
        self._stopping = threading.Event()
        self._finished = threading.Event()  # every piece has been written
        with socket.create_server(("127.0.0.1", 0)) as listener:
            self.sock = socket.create_connection(listener.getsockname(), timeout=5)
            self._far, _ = listener.accept()
        self._far.settimeout(5)
        self._far.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._run, name="comprobar-paced", daemon=True)
        self._thread.start()

    def _consumed(self, total: int) -> bool:
        """Wait (bounded) until ``sock`` has received ``total`` bytes and read them all."""
        deadline = time.monotonic() + self.patience
        while not self._stopping.is_set() and time.monotonic() < deadline:
            seen = _delivered_and_read(self.sock)
            if seen is None:
                return not self._stopping.wait(self.gap)
            received, unread = seen
            if received >= total and unread == 0:
                return True
            self._stopping.wait(0.001)
        return False

    def _run(self) -> None:
        try:
            if self.wait_for is not None:
                read_until(self._far, self.wait_for)
            for i, piece in enumerate(self.pieces):
                if i and not self._consumed(self.sent):
                    return
                self._far.sendall(piece)
                self.sent += len(piece)
            self._finished.set()
            if self.close_at_end and self._consumed(self.sent):
                close_gracefully(self._far)
        except OSError:  # the case ended and closed the sockets: nothing left to do
            pass

    def read_rest(self, limit: int) -> bytes:
        """What the student left unread, up to ``limit`` bytes: the checker's own read, which never waits
        for bytes the far end will not send (it knows when it has sent and delivered everything)."""
        parts, size = [], 0
        deadline = time.monotonic() + self.patience
        self.sock.settimeout(self.patience)
        while size < limit and time.monotonic() < deadline:
            seen = _delivered_and_read(self.sock)
            if seen is None:  # no kernel view here: a short wait is the best a portable program can do
                self.sock.settimeout(max(self.gap, 0.5))
                try:
                    data = self.sock.recv(limit - size)
                except TimeoutError:
                    break
            elif seen[1]:
                data = self.sock.recv(min(seen[1], limit - size))
            elif self._finished.is_set() and seen[0] >= self.sent:
                break  # everything sent has arrived and been read: nothing more will come
            else:
                self._finished.wait(0.001)
                continue
            if not data:
                break
            parts.append(data)
            size += len(data)
        return b"".join(parts)

    def stop(self) -> None:
        self._stopping.set()
        for s in (self._far, self.sock):
            try:
                s.close()
            except OSError:
                pass
        self._thread.join(2.0)
