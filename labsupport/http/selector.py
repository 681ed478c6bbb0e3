"""HttpServer's selector thread: every connection that is not running a request costs no thread.

Why: with one thread per connection, a client that opens a connection and sends half a
request (slowloris: ``GET /get HTTP/1.1\\r\\nHost: x\\r\\n`` and nothing more) holds a thread
until its deadline, and a thousand of them fill the server. Here one thread watches every
idle and half-sent connection with ``selectors`` (epoll, kqueue...), as notebook 09 teaches:

1. ``accept`` the new connection, make it non-blocking, register it for reading;
2. each time it is readable, append what arrived to its buffer; once the buffer holds a
   whole head (or more bytes than a head may have), unregister it and hand it to the
   bounded worker pool (``workers``), which parses and answers;
3. after the answer the worker gives a keep-alive connection back (``give_back``): with
   epoll (Linux) or kqueue (macOS, BSD) it registers it itself, as the kernel lets several
   threads change one epoll or kqueue set at once (one wake-up of this thread less per
   request); with poll or select (Windows), whose set the loop only reads when it calls
   them, through a queue and the wake-up socket. A closing connection comes back to be
   drained (lingering close) without holding a worker either;
4. a sweep, every ``TICK`` seconds while connections are open, enforces the deadlines:
   ``timeout`` seconds of silence close an idle connection; a half-sent head gets ``408``
   after ``timeout`` seconds of silence or ``2 * timeout`` in all; a lingering close ends
   after ``LINGER`` seconds.

A held connection thus costs a descriptor and a buffer, never a thread; the threads are the
selector and at most ``max_workers`` workers.
"""

from __future__ import annotations

import collections
import selectors
import socket
import time
from typing import TYPE_CHECKING

from .._address import format_address
from ..events import EventKind
from .connection import Connection
from .handler import LINGER, LINGER_BYTES, Handler

if TYPE_CHECKING:
    from .server import HttpServer

#: Deadlines are checked at most this often (seconds): the precision of every timeout.
TICK = 0.05
#: Connections accepted per wake-up at most, so a burst never starves the others.
ACCEPT_BATCH = 64


class ConnectionLoop:
    """The selector loop of one HttpServer (run in the server's own thread by ``run()``)."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.selector = selectors.DefaultSelector()
        self._returned: collections.deque[Connection] = collections.deque()
        self._closed = False  # set under server._lock when the loop ends: give_back then closes
        self._next_sweep = 0.0
        #: epoll and kqueue sets may be changed from a worker while this thread waits in them
        self._shared = type(self.selector).__name__ in ("EpollSelector", "KqueueSelector", "DevpollSelector")
        srv = server
        self._max_line = srv.max_request_line
        self._max_head = srv.max_request_line + srv.max_header_bytes + srv.max_header_line + 2

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> None:
        srv = self.server
        sel = self.selector
        sel.register(srv._sock, selectors.EVENT_READ, "accept")
        sel.register(srv._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not srv._stopping.is_set():
                if srv._pool.queued:  # requests wait for a worker: check that the pool is not stuck
                    srv._pool.unstall()
                wait = TICK if srv._conns else None  # deadlines to watch: wake up at least every TICK
                for key, _ in sel.select(wait):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._take_back()
                    else:
                        self._readable(key.data)
                if time.perf_counter() >= self._next_sweep:
                    self._sweep()
        finally:
            self._shut()

    def head_ready(self, conn: Connection) -> bool:
        """A worker can take ``conn``: a whole head is in its buffer, or more than any head may be."""
        return conn.head_ready(self._max_line, self._max_head)

    def _watch(self, conn: Connection, deadline: float) -> None:
        conn.deadline = deadline
        self.selector.register(conn.sock, selectors.EVENT_READ, conn)

    # -- 1. accept ------------------------------------------------------------------------------
    def _accept(self) -> None:
        srv = self.server
        for _ in range(ACCEPT_BATCH):
            try:
                sock, addr = srv._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors (EMFILE...): try again on the next event
                srv._log(EventKind.NETWORK_ERROR, "", f"accept: {type(exc).__name__}: {exc}")
                return
            sock.setblocking(False)
            peer = format_address(addr)
            with srv._lock:
                accept = len(srv._conns) < srv.max_connections
                if accept:
                    srv._conns.add(sock)
            if not accept:
                srv._log(EventKind.REFUSED, peer, f"más de {srv.max_connections} conexiones")
                try:
                    srv.refuse(sock)
                except OSError:
                    pass
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # responses in pieces go out at once
            srv._log(EventKind.CONNECT, peer)
            self._watch(Connection(sock, addr, peer), time.perf_counter() + srv.timeout)

    # -- 2. read heads ---------------------------------------------------------------------------
    def _readable(self, conn: Connection) -> None:
        try:
            got = conn.feed()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # reset by the client
            self._drop(conn)
            return
        self._received(conn, got, time.perf_counter())

    def _received(self, conn: Connection, got: int, now: float) -> None:
        """``got`` bytes (0: EOF) were appended to ``conn.buf``: dispatch, wait for more, or close."""
        if conn.state == "drain":  # read and drop (conn.pos counts the bytes), close at EOF
            conn.pos += got
            conn.buf.clear()
            if not got or conn.pos > LINGER_BYTES:
                self._drop(conn)
            return
        if conn.head_started is None:
            conn.skip_empty_lines()
            if conn.buf:
                conn.head_started = now
        if self.head_ready(conn) or (conn.eof and conn.pending()):
            self.selector.unregister(conn.sock)
            conn.state = "busy"
            if not self.server._pool.submit(self.server._work, conn):
                self.server._close(conn)
        elif conn.eof:
            self._drop(conn)
        elif conn.head_started is None:
            conn.deadline = now + self.server.timeout
        else:
            conn.deadline = min(now + self.server.timeout, conn.head_started + 2 * self.server.timeout)

    # -- 3. connections given back by the workers ---------------------------------------------------
    def give_back(self, conn: Connection) -> None:
        """From a worker: watch ``conn`` again (its state says for what). Thread-safe."""
        srv = self.server
        conn.state = "drain" if conn.state == "drain" else "head"
        conn.sock.setblocking(False)
        deadline = conn.deadline if conn.state == "drain" else time.perf_counter() + srv.timeout
        if self._shared:
            with srv._lock:  # the loop takes it to end and to sweep: never a half-registered view
                if not self._closed:
                    self._watch(conn, deadline)
                    return
            srv._close(conn)
            return
        conn.deadline = deadline
        with srv._lock:
            closed = self._closed
            if not closed:
                wake = not self._returned
                self._returned.append(conn)
        if closed:
            srv._close(conn)
        elif wake:  # one wake-up for a burst of returns
            try:
                srv._wake_w.send(b"r")
            except OSError:
                pass

    def _take_back(self) -> None:
        srv = self.server
        try:
            srv._wake_r.recv(4096)
        except (BlockingIOError, InterruptedError):
            pass
        with srv._lock:
            returned = list(self._returned)
            self._returned.clear()
        for conn in returned:
            self._watch(conn, conn.deadline)

    # -- 4. deadlines ---------------------------------------------------------------------------------
    def _sweep(self) -> None:
        now = time.perf_counter()
        self._next_sweep = now + TICK
        with self.server._lock:  # workers register under it (give_back): a consistent snapshot
            keys = list(self.selector.get_map().values())
        for key in keys:
            conn = key.data
            if isinstance(conn, Connection) and conn.deadline <= now:
                self._expired(conn, now)

    def _expired(self, conn: Connection, now: float) -> None:
        srv = self.server
        if conn.state == "head":  # bytes the loop has not seen yet (it was busy) are not silence
            try:
                got = conn.feed()
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._drop(conn)
                return
            else:
                self._received(conn, got, now)
                if conn.state != "head" or conn.deadline > now:  # handed on, closed, or not late after all
                    return
        if conn.state == "drain" or not conn.buf:
            if conn.state == "head":
                srv._log(EventKind.TIMEOUT, conn.peer, f"conexión inactiva más de {srv.timeout} s: se cierra")
            self._drop(conn)
            return
        if conn.head_started is not None and now - conn.head_started >= 2 * srv.timeout:
            explain = f"las cabeceras no terminaron en {2 * srv.timeout:g} s."
        else:
            explain = f"la petición no llegó completa en {srv.timeout} s."
        Handler(conn, srv).head_timed_out(explain, conn.head_started or now)
        self.linger(conn)

    @staticmethod
    def linger(conn: Connection, seconds: float = LINGER, shut: bool = True) -> None:
        """Mark ``conn`` to be drained, then closed: FIN first (``shut``), unread bytes dropped.

        Closing with unread bytes sends RST, which can destroy an answer the client has not
        read yet (a 413 while it still uploads): like Apache and nginx, shut our side, read
        and drop for at most ``seconds``, then close.
        """
        if shut:
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        conn.state = "drain"
        conn.buf.clear()
        conn.pos = 0
        conn.deadline = time.perf_counter() + seconds

    # -- the end ----------------------------------------------------------------------------------------
    def _drop(self, conn: Connection) -> None:
        self.selector.unregister(conn.sock)
        self.server._close(conn)

    def _shut(self) -> None:
        """The loop ends (stop()): close every connection it watches or has been given back."""
        srv = self.server
        with srv._lock:
            self._closed = True
            returned = list(self._returned)
            self._returned.clear()
        for key in list(self.selector.get_map().values()):
            if isinstance(key.data, Connection):
                self._drop(key.data)
        for conn in returned:
            srv._close(conn)
        self.selector.close()
