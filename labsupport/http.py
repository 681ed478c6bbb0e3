"""The local HTTP server: httpbin's endpoints, documents and broken responses, on loopback.

The guide's HTTP examples call the public httpbin service; the course calls :class:`HttpServer` instead,
so every example runs offline and the same in every classroom::

    srv = HttpServer()                 # 127.0.0.1, free port, already serving
    srv.url("/get")                    # 'http://127.0.0.1:PORT/get'
    srv.requests()                     # what it answered: method, path, status, bytes, time

Endpoints (httpbin's names and JSON shapes; HEAD works on every GET route):

- ``/get /post /put /patch /delete /anything(/...)``: the request echoed as JSON (``args``,
  ``headers``, ``origin``, ``url``, ``form``, ``data``, ``json``, ``files``, ``method``).
- ``/headers /ip /user-agent /status/{code} /redirect/{n} /relative-redirect/{n}
  /absolute-redirect/{n} /redirect-to?url=`` (local targets only) ``/delay/{s}
  /bytes/{n}?seed= /stream-bytes/{n}`` (chunked) ``/drip /html /json /robots.txt
  /encoding/utf8``.
- ``/docs/NAME``: files of the document root (``texto.txt``, ``pagina.html``,
  ``imagen.png``) and the virtual 8 MiB ``grande.bin`` (SHA-256 in :data:`BIG_FILE_SHA256`);
  ``?rate=BYTES_PER_SECOND`` slows a download down to watch a progress bar.
- ``/raw/...``: responses broken on purpose (see ``labsupport._http_raw``).

Differences from httpbin, on purpose: a parameter over a cap gets ``400`` with a Spanish
reason (httpbin clamps silently); redirects never leave this machine; error pages are
Spanish plain text; JSON keeps ``ñ`` readable instead of ``\\u00f1``.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import socket
import time
from typing import Any

from . import _http_routes
from ._address import format_address
from ._errors import LabError
from ._gate import FairTurn
from ._http_common import error_body, http_date
from ._http_docs import BIG_FILE_NAME, BIG_FILE_SHA256, BIG_FILE_SIZE, DEFAULT_DOCROOT, big_file_bytes
from ._http_handler import Handler
from ._server import StreamServer

__all__ = [
    "BIG_FILE_NAME",
    "BIG_FILE_SHA256",
    "BIG_FILE_SIZE",
    "DEFAULT_DOCROOT",
    "HttpServer",
    "RequestRecord",
    "big_file_bytes",
]

MiB = 1024 * 1024


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


def default_max_connections() -> int:
    """1 000 connections, or half of this process's file-descriptor limit if that is lower.

    Each connection costs one thread blocked in ``recv`` (on Linux about 10-30 KiB of real
    memory; the 8 MiB stack is only reserved) and one descriptor. A classroom of 30
    students with a few keep-alive clients each needs a few hundred; 1 000 leaves room for
    idle connections and slowloris experiments. The notebook's own client sockets share the
    descriptor limit (256 by default on macOS), hence at most half of it.
    """
    try:
        import resource
    except ImportError:  # Windows: no descriptor limit of this kind
        return 1000
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return 1000
    if soft == resource.RLIM_INFINITY:
        return 1000
    return max(16, min(1000, (soft - 64) // 2))


class HttpServer(StreamServer):
    """An httpbin-like HTTP/1.1 server with keep-alive, in a background thread.

    Caps (all answered with a Spanish error, never a crash or a stuck thread):
    ``timeout`` seconds of silence closes a connection (408 if a request was half sent; the
    headers of one request must arrive within ``2 * timeout``); ``max_delay`` seconds for
    /delay, /drip and slow downloads; ``max_size`` bytes for generated bodies;
    ``max_body`` bytes for request bodies (413); request line ``max_request_line`` bytes
    (414); ``max_headers`` headers, ``max_header_line`` bytes each, ``max_header_bytes`` in
    all (431); over ``max_connections`` open connections the next one gets 503 and is closed.
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
        self._router = _http_routes.dispatch
        self._turn = FairTurn()  # requests take turns in arrival order: see labsupport._gate
        if max_connections is None:
            max_connections = default_max_connections()
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

    def _record_request(self, peer: str, method: str, path: str, status: int, bytes_sent: int, duration: float) -> None:
        started = time.monotonic() - self._created - duration
        record = RequestRecord(round(started, 6), peer, method, path, status, bytes_sent, duration)
        with self._lock:
            self._requests.append(record)

    def sleep(self, seconds: float) -> bool:
        """Wait in a route (giving up the request's turn first); False early if stopping."""
        self._turn.leave()
        return super().sleep(seconds)

    # -- connections -----------------------------------------------------------------
    def handle(self, conn: socket.socket, addr: tuple) -> None:
        Handler(conn, addr, self)

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
        self._record_request(peer, "", "", 503, len(head) + len(body), 0.0)  # before the client can read it
        conn.sendall(head.encode() + body)
        conn.setblocking(False)
        try:  # read what already arrived, so that close() sends FIN and not RST
            while conn.recv(65536):
                pass
        except OSError:
            pass
