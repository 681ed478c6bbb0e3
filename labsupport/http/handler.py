"""One HTTP/1.1 request of the local server: read, routed and answered by one object.

HttpServer's selector thread reads each request head into the connection's buffer; a worker
then runs :meth:`Handler.handle_one_request` on it (``labsupport.http.selector``). The handler:

- reads the request line, the header lines and the body under the server's caps and
  deadlines; every broken rule (``request`` holds them) gets a Spanish 4xx or 5xx and the
  connection closes;
- gives itself to the route (``server.route``): the route reads ``command``, ``path``,
  ``headers`` (an ``HTTPMessage``), ``body``, ``args`` and ``server``, and answers with
  ``respond``, ``respond_json``, ``fail``, ``start_stream`` / ``write_chunk`` / ``end_stream``
  or ``send_raw``, or raises ``HttpError`` for a Spanish 4xx;
- writes each response in one ``sendall`` where it can, counts its bytes, and adds the request
  to the server's log just before its last bytes leave, so a client that has read its whole
  response always finds it in ``server.requests()``;
- never writes to stderr: what happens goes to the server's log.

It sees the server only through :class:`Server`, the few settings and calls a request needs.
The attribute names are those of ``http.server.BaseHTTPRequestHandler``, which this class
used to extend; it had replaced all of that class's parsing and writing, and kept only its
names.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias
from urllib.parse import parse_qs

from .._closing import arm_reset
from ..events import EventKind
from . import request
from .chunked import LAST_CHUNK, NO_BODY_STATUSES, encode_chunk
from .connection import Connection
from .protocol import (
    KNOWN_METHODS,
    PHRASES,
    HttpError,
    StopResponse,
    dumps,
    error_body,
    error_page,
    http_date,
)

#: Lingering close: how long (seconds) and how much (bytes) to drain before closing
#: (closing with unread bytes would send RST and could destroy the answer: see selector.py).
LINGER = 1.0
LINGER_BYTES = 1024 * 1024
#: Headers of a response: name and value pairs, in order.
Headers: TypeAlias = Sequence[tuple[str, str]]


class Server(Protocol):
    """What a handler and its route use of their server (HttpServer provides it).

    Settings (read them, never set them): the caps on a request (``timeout``, ``max_request_line``,
    ``max_headers``, ``max_header_line``, ``max_header_bytes``, ``max_body``), on what a route
    does (``max_delay``, ``max_size``), the document root and the URL scheme. Calls: ``url``
    and ``sleep`` for routes; ``route`` to run the view of a path; ``log_event``,
    ``record_request`` and ``report_error`` for what the server's log and ``check()`` show.
    """

    timeout: float
    max_request_line: int
    max_headers: int
    max_header_line: int
    max_header_bytes: int
    max_body: int
    max_delay: float
    max_size: int
    docroot: str
    scheme: str

    def url(self, path: str = "/") -> str: ...
    def sleep(self, seconds: float) -> bool: ...
    def route(self, handler: Handler, path: str) -> None: ...
    def log_event(self, kind: EventKind, peer: str = "", detail: str = "") -> None: ...
    def record_request(
        self, peer: str, method: str, path: str, status: int, bytes_sent: int, duration: float
    ) -> None: ...
    def report_error(self, exc: BaseException) -> None: ...


class Handler:
    """One request read from ``conn`` (its buffer first, then its socket), and its response."""

    server_version = "labsupport-http/0.1"
    error_content_type = "text/plain; charset=utf-8"

    def __init__(self, conn: Connection, server: Server) -> None:  # no I/O: the caller runs the request
        self.conn = conn
        self.client_address = conn.addr
        self.server = server
        self.close_connection = True
        self.silent = False  # /raw/silent: answer nothing, hold the connection until the client leaves
        self.reset = False  # close_now_with_reset() armed an RST: the connection must be closed at once
        self._new_request()

    def _new_request(self) -> None:
        # one Handler serves one request (the server makes a new one each time)
        # the request
        self.command = ""
        self.path = ""
        self.request_version = "HTTP/1.1"
        self.headers = http.client.HTTPMessage()
        self.body = b""
        self.query_string = ""
        self.route_path = ""
        self._expect_continue = False
        self._t0 = time.perf_counter()  # the request line's arrival: the logged duration starts here
        # the response
        self.status = 0
        self.bytes_sent = 0
        self.started = False  # status line already sent: no error page possible any more
        self.chunked = False
        self._remaining: int | None = None  # body bytes still due in a Content-Length stream
        self._recorded = False

    @property
    def peer(self) -> str:
        return self.conn.peer

    # -- reading the request ---------------------------------------------------------------
    def handle_one_request(self) -> None:
        srv = self.server
        try:
            line = self.conn.readline(srv.max_request_line + 1)
        except TimeoutError:
            srv.log_event(EventKind.TIMEOUT, self.peer, f"conexión inactiva más de {srv.timeout} s: se cierra")
            self.close_connection = True
            return
        if not line:
            self.close_connection = True
            return
        if line in (b"\r\n", b"\n"):  # RFC 9112 2.2: ignore an empty line before a request
            self.close_connection = False
            return
        self._t0 = time.perf_counter()
        try:
            self._one_request(line)
        except TimeoutError:
            self.close_connection = True
            if not self.started:
                self._try_error(408, f"la petición no llegó completa en {srv.timeout} s.")
        finally:
            if self.conn.sock.gettimeout() != srv.timeout:  # read_headers may have shortened it
                self.conn.sock.settimeout(srv.timeout)
            self._record()

    def head_timed_out(self, explain: str, started: float) -> None:
        """The selector's deadline passed on a half-sent head: 408 (best effort, non-blocking)."""
        first = bytes(self.conn.buf.split(b"\n", 1)[0]).rstrip(b"\r")
        parts = first.split(b" ")
        self.command = parts[0].decode("latin-1")[:20] if len(parts) == 3 else ""
        self.path = (parts[1] if len(parts) == 3 else first).decode("latin-1")[:200]
        self._t0 = started
        self._try_error(408, explain)
        self._record()

    def _one_request(self, line: bytes) -> None:
        try:
            body = self._read_request(line)
        except HttpError as exc:  # a rule of HTTP broken: say which, and close
            self.fail(exc.status, exc.explain, close=True)
            return
        if body is not None:
            self.body = body
            self._dispatch()

    def _read_request(self, line: bytes) -> bytes | None:
        """Request line, headers and body (the attributes are set as they are read, for the log).

        None when the client left before the end; ``HttpError`` for a broken rule.
        """
        srv = self.server
        if len(line) > srv.max_request_line or not line.endswith(b"\n"):
            raise HttpError(414, f"la línea de petición supera {srv.max_request_line} bytes.")
        text = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        self.path = text.decode("latin-1")[:200]  # for the log, even if the line is bad
        method, target, version = request.split_request_line(text)
        self.command, self.path = method.decode("latin-1"), target.decode("latin-1")
        self.request_version = version.decode("latin-1")
        request.check_request_line(method, target, version)
        headers = request.read_headers(
            self.conn, self._t0 + 2 * srv.timeout, srv.timeout, srv.max_header_line, srv.max_headers,
            srv.max_header_bytes,
        )
        if headers is None:
            self.close_connection = True
            return None
        self.headers = headers
        if self.path.startswith("//"):  # gh-87389: "//host/x" would read as another host
            self.path = "/" + self.path.lstrip("/")
        self.close_connection, self._expect_continue = request.connection_options(headers, self.request_version)
        if self.request_version == "HTTP/1.1" and len(headers.get_all("Host") or ()) != 1:
            raise HttpError(400, "HTTP/1.1 exige exactamente una cabecera Host (por ejemplo Host: 127.0.0.1).")
        if self.command not in KNOWN_METHODS:
            raise HttpError(501, f"el método {self.command} no está implementado en este servidor.")
        return self._read_body()

    def _read_body(self) -> bytes | None:
        srv = self.server
        size = request.body_length(self.headers, self.request_version, srv.max_body)
        if size == 0:
            return b""
        self._continue()
        if size is None:
            return request.read_chunked_body(self.conn, srv.max_body, srv.max_headers, srv.max_header_line)
        data = self.conn.read(size)
        if len(data) < size:
            self.close_connection = True
            self._try_error(400, f"el cuerpo llegó incompleto: {len(data)} de {size} bytes.")
            return None
        return data

    def _continue(self) -> None:
        if self._expect_continue:
            self._expect_continue = False
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    # -- routing -----------------------------------------------------------------------------
    def _dispatch(self) -> None:
        target = self.path
        if target.startswith("http://"):  # absolute-form, as sent to proxies
            slash = target.find("/", 7)
            target = target[slash:] if slash >= 0 else "/"
        path, _, self.query_string = target.partition("?")
        self.route_path = path
        try:
            self.server.route(self, path)
        except HttpError as exc:
            if self.started:
                self.close_connection = True
            else:
                self.fail(exc.status, exc.explain, close=exc.close, headers=exc.headers, page=exc.page)
        except StopResponse:
            self.close_connection = True
        except OSError:
            raise
        except Exception as exc:  # a bug: kept for check() first, so the 500 never arrives before it
            self.close_connection = True
            self.server.report_error(exc)
            if not self.started:
                self._try_error(500, "fallo interno del servidor; server.check() muestra el detalle.")

    # -- what routes read --------------------------------------------------------------------
    @property
    def is_head(self) -> bool:
        return self.command == "HEAD"

    @property
    def args(self) -> dict[str, Any]:
        """Query parameters as httpbin shows them: a value, or a list when repeated."""
        try:
            parsed = parse_qs(self.query_string, keep_blank_values=True, max_num_fields=1000)
        except ValueError:
            raise HttpError(400, "demasiados parámetros en la consulta (máximo 1000).") from None
        return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}

    # -- writing the response: what routes call -----------------------------------------------
    def respond(
        self, status: int = 200, body: bytes = b"", content_type: str | None = None, headers: Headers = ()
    ) -> None:
        """Status line, headers and body in one ``sendall``; HEAD gets the same headers."""
        if content_type is not None:
            headers = [("Content-Type", content_type), *headers]
        if status in NO_BODY_STATUSES or status < 200:
            data = self._head_bytes(status, headers, None)
        else:
            data = self._head_bytes(status, headers, len(body))
            if not self.is_head:
                data += body
        self._record(len(data))
        self._write(data)

    def respond_json(self, obj: Any, status: int = 200, headers: Headers = ()) -> None:
        try:
            body = dumps(obj)
        except RecursionError:
            raise HttpError(400, "el JSON de la petición está anidado a demasiada profundidad.") from None
        self.respond(status, body, "application/json", headers)

    def fail(
        self, status: int, explain: str, *, close: bool = False, headers: Headers = (), page: bool = False
    ) -> None:
        """A Spanish error: plain text, or an HTML page with ``page=True``; ``close=True`` ends the connection."""
        if close:
            self.close_connection = True
        self.server.log_event(EventKind.HTTP_ERROR, self.peer, f"{status} {self.command} {self.path[:80]}: {explain}")
        if page:
            self.respond(status, error_page(status, explain), "text/html; charset=utf-8", headers)
        else:
            self.respond(status, error_body(status, explain), self.error_content_type, headers)

    def start_stream(
        self, status: int, content_type: str, headers: Headers = (), length: int | None = None
    ) -> bool:
        """Send the head of a streamed response; returns False for HEAD (send nothing more).

        Without ``length`` the body is chunked (HTTP/1.1) or ends by closing (HTTP/1.0).
        """
        if length is None:
            if self.request_version == "HTTP/1.1":
                self.chunked = True
            else:
                self.close_connection = True
        head = self._head_bytes(status, [("Content-Type", content_type), *headers], length)
        if self.is_head or length == 0:
            self._record(len(head))
        self._remaining = length
        self._write(head)
        return not self.is_head

    def write_chunk(self, data: bytes) -> None:
        if not data:
            return
        if self.chunked:
            self._write(encode_chunk(data))
            return
        if self._remaining is not None:
            self._remaining -= len(data)
            if self._remaining <= 0:
                self._record(len(data))
        self._write(data)

    def end_stream(self) -> None:
        if self.chunked:
            self._record(len(LAST_CHUNK))
            self._write(LAST_CHUNK)

    def send_raw(self, data: bytes, status: int = 0, *, last: bool = False) -> None:
        """Bytes exactly as given (the /raw/ faults); the status is only for the log."""
        if status:
            self.status = status
        self.started = True
        if last:
            self._record(len(data))
        self._write(data)

    def close_now_with_reset(self) -> None:
        """Make the coming close send RST instead of FIN (SO_LINGER on, 0 seconds)."""
        arm_reset(self.conn.sock)
        self.reset = True
        self.close_connection = True

    # -- writing: the pieces -------------------------------------------------------------------
    def _record(self, pending: int = 0) -> None:
        """Add this request to the server's log, once.

        Called just before the response's last bytes are written (``pending`` of them), so a
        client that has read its whole response always finds it in ``server.requests()``.
        """
        if not self._recorded:
            self._recorded = True
            duration = time.perf_counter() - self._t0
            self.server.record_request(
                self.peer, self.command, self.path, self.status, self.bytes_sent + pending, duration
            )

    def _write(self, data: bytes) -> None:
        self.conn.sock.sendall(data)
        self.bytes_sent += len(data)

    def _head_bytes(self, status: int, headers: Headers, length: int | None) -> bytes:
        self.status = status
        self.started = True
        out = [
            f"HTTP/1.1 {status} {PHRASES.get(status, 'Unknown')}\r\n"
            f"Server: {self.server_version}\r\nDate: {http_date()}\r\n"
        ]
        for name, value in headers:
            out.append(f"{name}: {value}\r\n")
        if length is not None:
            out.append(f"Content-Length: {length}\r\n")
        elif self.chunked:
            out.append("Transfer-Encoding: chunked\r\n")
        if self.close_connection:
            out.append("Connection: close\r\n")
        elif self.request_version == "HTTP/1.0":
            out.append("Connection: keep-alive\r\n")
        out.append("\r\n")
        return "".join(out).encode("latin-1")

    def _try_error(self, code: int, explain: str) -> None:
        try:
            self.fail(code, explain, close=True)
        except OSError:
            pass
