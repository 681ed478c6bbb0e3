"""A connection whose far end sends pieces one at a time, each only after the student read the last.

A case hands :attr:`PacedConnection.sock` to the student's function; the far end, a thread of
its own, sends the pieces with :func:`~.sending.send_paced`, so no ``recv()`` of the student's
returns two of them. After the function returned, :meth:`~PacedConnection.read_rest` reads
what it left unread, without ever waiting for bytes that will not come.
"""

from __future__ import annotations

import socket
import threading
import time

from ..._closing import close_gracefully
from .reader import SocketReader, reception
from .sending import PATIENCE, send_paced, wait_consumed


def slices(data: bytes, size: int) -> list[bytes]:
    """``data`` cut every ``size`` bytes."""
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


class PacedConnection:
    """A loopback TCP connection: ``sock`` for the student, the far end sending ``pieces`` one by one.

    ``close``: after the last piece (once it has been read), FIN: the reader sees ``b""``;
    otherwise the connection stays open (keep-alive) until the case ends. ``ctx.own()`` it:
    ``stop()`` ends the far end and closes both sockets.
    """

    def __init__(self, pieces: list[bytes], *, close: bool = True) -> None:
        self.pieces = [bytes(p) for p in pieces]
        self.close_at_end = close
        self.total = sum(len(p) for p in self.pieces)
        self._stopping = threading.Event()
        self._all_sent = threading.Event()
        with socket.create_server(("127.0.0.1", 0)) as listener:
            self.sock = socket.create_connection(listener.getsockname(), timeout=PATIENCE)
            self._far, _ = listener.accept()
        self._far.settimeout(PATIENCE)
        self._thread = threading.Thread(target=self._run, name="comprobar-paced", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        reader = SocketReader(self.sock)
        try:
            if not send_paced(self._far, self.pieces, reader, stop=self._stopping):
                return
            self._all_sent.set()
            if self.close_at_end and wait_consumed(reader, self.total, stop=self._stopping):
                close_gracefully(self._far)
        except OSError:  # the case ended and closed the sockets: nothing left to do
            pass

    def read_rest(self, limit: int) -> bytes:
        """What the student left unread, up to ``limit`` bytes: the checker's own read, which never waits
        for bytes the far end will not send (it knows when it has sent and delivered everything)."""
        parts, size = [], 0
        deadline = time.monotonic() + PATIENCE
        self.sock.settimeout(PATIENCE)
        while size < limit and time.monotonic() < deadline:
            seen = reception(self.sock)
            if seen is None:  # no kernel view here: a short wait is the best a portable program can do
                self.sock.settimeout(0.5)
                try:
                    data = self.sock.recv(limit - size)
                except TimeoutError:
                    break
            elif seen.unread:
                data = self.sock.recv(min(seen.unread, limit - size))
            elif self._all_sent.is_set() and seen.delivered >= self.total:
                break  # everything sent has arrived and been read: nothing more will come
            else:
                self._all_sent.wait(0.001)
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
