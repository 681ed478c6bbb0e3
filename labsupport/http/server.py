"""HttpServer: the local HTTP server's lifecycle, its request log and how connections reach workers.

The endpoints are in ``routes``, ``documents`` and ``raw``; one request is read and answered
by ``handler``; idle and half-sent connections wait in ``selector`` (no thread each); the
requests run in the bounded ``workers`` pool. The package's docstring lists the endpoints.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import socket
import time
from typing import Any

from .._address import format_address
from .._closing import close_gracefully
from .._errors import LabError
from .._server import StreamServer
from ..events import EventKind
from . import routes
from .connection import Connection
from .documents import DEFAULT_DOCROOT
from .handler import LINGER, LINGER_BYTES, Handler
from .protocol import error_body, http_date
from .raw import SILENT_CAP
from .selector import ConnectionLoop
from .workers import WorkerPool

__all__ = ["HttpServer", "RequestRecord", "default_max_connections"]

MiB = 1024 * 1024
#: Seconds a worker waits for the next request of its keep-alive connection when nobody else waits.
KEEP_ALIVE_GRACE = 0.005


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    """One request the server answered (or refused).

    ``time`` is seconds since the server started; ``duration`` seconds from the request
    line to the last byte written; ``status`` 0 when nothing was answered (``/raw/silent``,
    a client that left).
    """

    time: float
    peer: str
    method: str
    path: str
    status: int
    bytes_sent: int
    duration: float


def default_max_connections(per_thread: bool = False) -> int:
    """10 000 connections (1 000 with a thread each), or less if the descriptor limit is lower.

    An idle or half-sent connection costs this server a descriptor and a small buffer, no
    thread (``labsupport.http.selector``): a classroom with a slowloris experiment and
    every browser's idle keep-alive connections fits. The TLS variant runs a thread per
    connection (about 10-30 KiB of real memory each on Linux), hence 1 000 there. The
    notebook's own client sockets share the descriptor limit (256 by default on macOS,
    often 1 024 on Linux), hence at most half of it: raise the soft limit
    (``ulimit -n``, ``resource.setrlimit``) to hold more.
    """
    cap = 1000 if per_thread else 10_000
    try:
        import resource
    except ImportError:  # Windows: no descriptor limit of this kind
        return cap
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return cap
    if soft == resource.RLIM_INFINITY:
        return cap
    return max(16, min(cap, (soft - 64) // 2))


class HttpServer(StreamServer):
    """An httpbin-like HTTP/1.1 server with keep-alive, in a background thread.

    Caps (all answered with a Spanish error, never a crash or a stuck thread):
    ``timeout`` seconds of silence closes a connection (408 if a request was half sent; the
    head of one request must arrive within ``2 * timeout``; after a 408 or any answer that
    closes, the client has at most ``LINGER`` (1) s more to read it); ``max_delay`` seconds
    for /delay, /drip and slow downloads; ``max_size`` bytes for generated bodies;
    ``max_body`` bytes for request bodies (413); request line ``max_request_line`` bytes
    (414); ``max_headers`` headers, ``max_header_line`` bytes each, ``max_header_bytes`` in
    all (431); over ``max_connections`` open connections the next one gets 503 and is closed.

    Threads: one selector thread reads every request head (idle and half-sent connections
    cost no thread, see ``labsupport.http.selector``) and at most ``max_workers`` workers,
    started on demand, run the requests in arrival order. A request that sleeps or sends
    slowly (/delay, /drip, ``?rate=``) keeps its worker meanwhile: past ``max_workers`` of
    those at once, the next requests wait for a worker (they are queued, not refused).
    """

    name = "servidor HTTP"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        docroot: str | os.PathLike[str] | None = None,
        timeout: float = 5.0,
        max_connections: int | None = None,
        max_workers: int = 64,
        max_delay: float = 10.0,
        max_size: int = 10 * MiB,
        max_body: int = 10 * MiB,
        max_request_line: int = 8190,
        max_headers: int = 100,
        max_header_line: int = 8190,
        max_header_bytes: int = 64 * 1024,
        request_log_size: int = 10_000,
        **kwargs: Any,
    ) -> None:
        root = os.path.realpath(docroot if docroot is not None else DEFAULT_DOCROOT)
        if not os.path.isdir(root):
            raise LabError(
                f"La carpeta de documentos {str(docroot)!r} no existe o no es una carpeta. "
                "Pasa docroot= con una carpeta que exista, o no lo pases para usar la del curso."
            )
        self.docroot = root
        self.max_delay = float(max_delay)
        self.max_size = int(max_size)
        self.max_body = int(max_body)
        self.max_request_line = int(max_request_line)
        self.max_headers = int(max_headers)
        self.max_header_line = int(max_header_line)
        self.max_header_bytes = int(max_header_bytes)
        self._requests: collections.deque[RequestRecord] = collections.deque(maxlen=request_log_size)
        if max_connections is None:
            max_connections = default_max_connections(per_thread=self._thread_per_connection())
        self._pool = WorkerPool(f"labsupport-{type(self).__name__}-trabajador", max(1, int(max_workers)), 4)
        self._loop: ConnectionLoop | None = None
        super().__init__(host, port, timeout=timeout, max_connections=max_connections, **kwargs)

    def backlog(self) -> int:
        """A long accept queue: 200 clients connecting at once must not lose SYNs (1 s retry)."""
        return 1024

    #: ``https`` for the TLS variant: URLs and the JSON ``url`` field follow it.
    scheme = "http"

    def url(self, path: str = "/") -> str:
        """``http://127.0.0.1:PORT/path`` (``http://[::1]:PORT/path`` on IPv6)."""
        if not path.startswith("/"):
            path = "/" + path
        return f"{self.scheme}://{format_address(self.address)}{path}"

    # -- the request log -------------------------------------------------------------
    def requests(self) -> list[RequestRecord]:
        """The requests answered so far, oldest first (at most ``request_log_size``)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def record_request(self, peer: str, method: str, path: str, status: int, bytes_sent: int, duration: float) -> None:
        """Add an answered (or refused) request to the log; the handler calls it before its last bytes leave."""
        started = time.monotonic() - self._created - duration
        record = RequestRecord(round(started, 6), peer, method, path, status, bytes_sent, duration)
        with self._lock:
            self._requests.append(record)

    def sleep(self, seconds: float) -> bool:
        """Wait in a route (not counted as computing: labsupport.http.workers); False early if stopping."""
        with self._pool.waiting():
            return super().sleep(seconds)

    # -- what a request's handler calls (handler.Server) --------------------------------------
    def route(self, handler: Handler, path: str) -> None:
        """Run the view of ``path`` (``routes.dispatch``: httpbin's endpoints, /docs/, /raw/)."""
        routes.dispatch(handler, path)

    def log_event(self, kind: EventKind, peer: str = "", detail: str = "") -> None:
        """Add an event to the server's log (``log()``): what a handler saw, never printed."""
        self._log(kind, peer, detail)

    def report_error(self, exc: BaseException) -> None:
        """A bug in a route: kept for ``check()``, which raises it in the notebook."""
        self._record_error(exc)

    # -- connections: a selector thread and a pool of workers (labsupport.http.selector) --------
    def _thread_per_connection(self) -> bool:
        """True for a subclass that overrides ``handle()`` (TlsHttpServer's handshake needs it)."""
        return type(self).handle is not HttpServer.handle

    def _serve(self) -> None:
        if self._thread_per_connection():
            super()._serve()
            return
        self._loop = ConnectionLoop(self)
        try:
            self._loop.run()
        except BaseException as exc:  # a bug in the loop must reach check(), not stderr
            self._record_error(exc)

    def _work(self, conn: Connection) -> None:
        """A worker: answer the requests whose heads are in ``conn``, then give the connection back.

        While no other request waits for a worker, the worker waits ``KEEP_ALIVE_GRACE``
        seconds for the client's next request on the same connection (a client in a loop
        sends it at once): keep-alive then skips the trip through the selector, and stays
        faster than a new connection per request, as notebook 05 shows.
        """
        loop = self._loop
        assert loop is not None  # workers run only while the selector loop does (_serve)
        while self._serve_one(conn):
            ready = loop.head_ready(conn) or conn.eof
            if not ready and not self._pool.queued:
                ready = self._next_request_soon(conn, loop)
            if not ready:
                loop.give_back(conn)
                return
            conn.head_started = time.perf_counter()
            if self._pool.queued:  # others wait: this connection's next request queues behind them
                if not self._pool.submit(self._work, conn):
                    self._close(conn)
                return

    def _serve_one(self, conn: Connection) -> bool:
        """One request; True if the connection stays open for another (keep-alive)."""
        try:
            conn.sock.settimeout(self.timeout)
            conn.waiting = self._pool.waiting  # a body still on its way: not counted as computing
            handler = Handler(conn, self)
            handler.handle_one_request()
        except TimeoutError:
            self._log(EventKind.TIMEOUT, conn.peer, f"sin datos en {self.timeout} s")
            self._close(conn)
            return False
        except OSError as exc:  # the client reset, or stop() shut the socket down
            if not self._stopping.is_set():
                self._log(EventKind.NETWORK_ERROR, conn.peer, f"{type(exc).__name__}: {exc}")
            self._close(conn)
            return False
        except BaseException as exc:
            self._record_error(exc)
            self._close(conn)
            return False
        loop = self._loop
        if handler.reset or self._stopping.is_set() or loop is None:
            self._close(conn)
        elif handler.silent:
            loop.linger(conn, SILENT_CAP, shut=False)
            loop.give_back(conn)
        elif handler.close_connection:
            loop.linger(conn)
            loop.give_back(conn)
        else:
            conn.reset_head()
            conn.skip_empty_lines()
            if not (conn.eof and not conn.pending()):
                return True
            self._close(conn)
        return False

    def _next_request_soon(self, conn: Connection, loop: ConnectionLoop) -> bool:
        """Wait up to ``KEEP_ALIVE_GRACE`` s for a whole head (not computing); False: give it back."""
        deadline = time.perf_counter() + KEEP_ALIVE_GRACE
        with self._pool.waiting():
            while (left := deadline - time.perf_counter()) > 0:
                conn.sock.settimeout(left)
                try:
                    conn.feed()
                except TimeoutError:
                    return False
                except OSError:
                    return conn.eof or conn.pending()  # let the worker see the reset as any other
                if conn.eof or loop.head_ready(conn):
                    return True
        return False

    def _close(self, conn: Connection) -> None:
        conn.state = "closed"
        conn.sock.close()
        with self._lock:
            self._conns.discard(conn.sock)
        self._log(EventKind.CLOSE, conn.peer)

    def _close_clients(self) -> None:
        """After the loop has ended: wake the workers' blocked reads, wait for them (bounded)."""
        super()._close_clients()  # shuts every open socket down; joins per-connection threads (TLS)
        for _job, (conn,) in self._pool.stop():
            self._close(conn)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        """One thread per connection, for subclasses that wrap it (TLS): its requests in turn."""
        c = Connection(conn, addr, format_address(addr))
        while True:
            handler = Handler(c, self)
            handler.handle_one_request()
            if handler.silent:
                self._hold_silently(conn)
                return
            if handler.close_connection or self._stopping.is_set():
                break
            c.reset_head()
        if not handler.reset and not self._stopping.is_set():
            close_gracefully(conn, LINGER, LINGER_BYTES)

    def _hold_silently(self, conn: socket.socket) -> None:
        """/raw/silent in a connection's own thread: read and drop until EOF, stop() or the cap."""
        deadline = time.monotonic() + SILENT_CAP
        conn.settimeout(1.0)
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                if not conn.recv(4096):  # stop() shuts the socket down: recv returns b""
                    return
            except TimeoutError:
                continue

    def refuse(self, conn: socket.socket) -> None:
        """Over the cap: 503 with a Spanish body and ``Retry-After``, then the connection closes."""
        body = error_body(503, f"el servidor ya tiene {self.max_connections} conexiones abiertas; vuelve a intentarlo.")
        head = (
            f"HTTP/1.1 503 Service Unavailable\r\nDate: {http_date()}\r\nRetry-After: 1\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        try:
            peer = format_address(conn.getpeername())
        except OSError:
            peer = ""
        self.record_request(peer, "", "", 503, len(head) + len(body), 0.0)  # before the client can read it
        conn.sendall(head.encode() + body)
        conn.setblocking(False)
        try:  # read what already arrived, so that close() sends FIN and not RST
            while conn.recv(65536):
                pass
        except OSError:
            pass
