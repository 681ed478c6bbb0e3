"""One client connection of the HTTP server: its socket, the bytes read so far, its deadline.

The selector thread (``selector``) and a worker take turns with a connection: the
selector reads a request head into ``buf`` without blocking, a worker parses it and runs
the request. The buffer goes with the connection, so bytes that arrived early (the body,
the next pipelined request) are never lost between the two. For the worker the object is
also ``rfile``: ``readline`` and ``read`` serve the buffer first and then block on the
socket (with its timeout), like the ``makefile("rb")`` of ``BaseHTTPRequestHandler``.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from typing import Any

RECV_SIZE = 65536


class Connection:
    """A socket with its read buffer; ``eof`` once the client has closed its side."""

    __slots__ = (
        "_scanned", "addr", "buf", "deadline", "eof", "head_started", "peer", "pos", "sock", "state", "waiting"
    )

    def __init__(self, sock: socket.socket, addr: tuple, peer: str) -> None:
        self.sock = sock
        self.addr = addr
        self.peer = peer
        self.buf = bytearray()
        self.pos = 0  # bytes of buf already consumed by the worker
        self.eof = False
        #: "head": the selector reads a request head; "busy": a worker runs the request;
        #: "drain": the selector drops what arrives, then closes; "closed".
        self.state = "head"
        self.deadline = 0.0  # when the selector gives up on it (time.perf_counter)
        self.head_started: float | None = None  # first byte of the request being read
        self._scanned = 0  # where the search for the end of the head goes on
        #: wraps a read that may block (the worker pool's ``waiting``)
        self.waiting: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext

    # -- the selector's side: non-blocking ------------------------------------------------
    def feed(self) -> int:
        """Read what has arrived (the socket is non-blocking); return its size, 0 at EOF."""
        data = self.sock.recv(RECV_SIZE)
        if not data:
            self.eof = True
        self.buf += data
        return len(data)

    def skip_empty_lines(self) -> None:
        """RFC 9112 2.2: empty lines before a request line are ignored."""
        n = len(self.buf) - len(self.buf.lstrip(b"\r\n"))
        if n:
            del self.buf[:n]
            self._scanned = 0

    def head_ready(self, max_line: int, max_head: int) -> bool:
        """A worker can take it: a whole head is here, or more bytes than any head may have.

        ``max_line`` bytes without a line end already decide a 414, ``max_head`` bytes a 431;
        a worker then answers without reading more.
        """
        buf = self.buf
        start = max(0, self._scanned - 2)
        if buf.find(b"\n\r\n", start) >= 0 or buf.find(b"\n\n", start) >= 0:
            return True
        self._scanned = len(buf)
        return len(buf) > max_head or (len(buf) > max_line and buf.find(b"\n", 0, max_line + 1) < 0)

    def pending(self) -> bool:
        """Unread bytes other than empty lines are waiting in the buffer."""
        return bool(self.buf.strip(b"\r\n"))

    def reset_head(self) -> None:
        """A request has been taken from the buffer: drop what was read, start the next head."""
        del self.buf[: self.pos]
        self.pos = 0
        self._scanned = 0
        self.head_started = None

    # -- the worker's side: blocking with the socket's timeout, like a makefile("rb") -------
    def _fill(self) -> bool:
        if self.eof:
            return False
        if self.pos > RECV_SIZE and self.pos * 2 > len(self.buf):
            del self.buf[: self.pos]
            self.pos = 0
        with self.waiting():
            return self.feed() > 0

    def readline(self, limit: int) -> bytes:
        """Up to and including ``\\n``, at most ``limit`` bytes; less only at EOF."""
        while True:
            end = self.buf.find(b"\n", self.pos, self.pos + limit)
            if end >= 0:
                return self._take(end + 1 - self.pos)
            if len(self.buf) - self.pos >= limit or not self._fill():
                return self._take(min(limit, len(self.buf) - self.pos))

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes; less only at EOF."""
        while len(self.buf) - self.pos < size and self._fill():
            pass
        return self._take(min(size, len(self.buf) - self.pos))

    def _take(self, n: int) -> bytes:
        data = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return data
