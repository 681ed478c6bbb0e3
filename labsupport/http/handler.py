"""One HTTP/1.1 request of the local server: the standard library's handler, hardened.

``http.server.BaseHTTPRequestHandler`` gives the request's attributes (``command``, ``path``,
``headers`` as an ``HTTPMessage``, ``close_connection``) and its hooks; the connection itself
is not run here: HttpServer's selector thread reads each request head and a worker runs
:meth:`Handler.handle_one_request` on it (``labsupport.http.selector``). Its parsing is
lenient, English and noisy, so this subclass:

- reads the request line and the header lines itself, under caps (414 / 431) and a
  deadline, rejecting control bytes (NUL...) and malformed lines with a Spanish 400, and
  fills the standard ``HTTPMessage`` with the checked lines (what ``parse_request()`` does,
  without running them through the ``email`` parser a second time);
- reads request bodies by Content-Length or chunked, refuses both together (the classic
  request-smuggling ambiguity) and bodies over the cap (413);
- writes responses through :class:`~labsupport.http.response.ResponseWriter` (one
  ``sendall`` per response where it can, bytes counted, every request logged);
- never writes to stderr: messages go to the server's log.

Routes (``routes``, ``documents``, ``raw``) receive this object: they read
``command``, ``headers``, ``body``, ``args``, ``server`` and answer through the writer's API,
or raise ``HttpError`` for a Spanish 4xx.
"""

from __future__ import annotations

import http.client
import http.server
import time
from typing import Any
from urllib.parse import parse_qs

from . import chunked
from .connection import Connection
from .protocol import CONTROL, KNOWN_METHODS, TOKEN, VERSION, HttpError, StopResponse
from .response import ResponseWriter

#: Lingering close: how long (seconds) and how much (bytes) to drain before closing
#: (closing with unread bytes would send RST and could destroy the answer: see selector.py).
LINGER = 1.0
LINGER_BYTES = 1024 * 1024
#: The Spanish 400 for each way a chunked request body breaks (``chunked.ChunkedError.where``).
CHUNKED_PROBLEMS = {
    "size": "cuerpo chunked mal formado: se esperaba el tamaño del trozo en hexadecimal.",
    "data": "cuerpo chunked mal formado: un trozo no mide lo que declara.",
    "trailers": "cuerpo chunked mal terminado: falta la línea vacía final.",
}


class Handler(ResponseWriter, http.server.BaseHTTPRequestHandler):
    """One request read from ``conn`` (its buffer first, then its socket)."""

    protocol_version = "HTTP/1.1"
    server_version = "labsupport-http/0.1"
    sys_version = ""
    disable_nagle_algorithm = True  # responses written in pieces (streams, raw) go out at once
    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "Error %(code)d (%(message)s): %(explain)s\n"

    def __init__(self, conn: Connection, server: Any) -> None:  # no I/O: the caller runs the request
        self.conn = conn
        self.connection = self.request = conn.sock
        self.rfile = conn
        self.client_address = conn.addr
        self.server = server
        self.close_connection = True
        self.silent = False  # /raw/silent: answer nothing, hold the connection until the client leaves
        self._reset = False
        self._new_request()

    # -- per request state ---------------------------------------------------------

    def _new_request(self) -> None:
        self.command = ""
        self.path = ""
        self.request_version = "HTTP/1.1"
        self.status = 0
        self.bytes_sent = 0
        self.started = False  # status line already sent: no error page possible any more
        self.chunked = False
        self.body = b""
        self._expect_continue = False
        self._recorded = False
        self._remaining: int | None = None  # body bytes still due in a Content-Length stream

    def handle_one_request(self) -> None:
        srv = self.server
        self._new_request()
        conn = self.connection
        try:
            line = self.rfile.readline(srv.max_request_line + 1)
        except TimeoutError:
            srv._log("timeout", self.peer, f"conexión inactiva más de {srv.timeout} s: se cierra")
            self.close_connection = True
            return
        if not line:
            self.close_connection = True
            return
        if line in (b"\r\n", b"\n"):  # RFC 9112 2.2: ignore an empty line before a request
            self.close_connection = False
            return
        self._t0 = t0 = time.perf_counter()
        try:
            self._one_request(line, t0)
        except TimeoutError:
            self.close_connection = True
            if not self.started:
                self._try_error(408, f"la petición no llegó completa en {srv.timeout} s.")
        finally:
            if conn.gettimeout() != srv.timeout:  # _read_head may have shortened it
                conn.settimeout(srv.timeout)
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

    @property
    def peer(self) -> str:
        return self.conn.peer

    def _one_request(self, line: bytes, t0: float) -> None:
        srv = self.server
        if len(line) > srv.max_request_line or not line.endswith(b"\n"):
            self.send_error(414, f"la línea de petición supera {srv.max_request_line} bytes.")
            return
        text = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        self.path = text.decode("latin-1")[:200]  # for the log, even if the line is bad
        if not self._check_request_line(text):
            return
        headers = self._read_head(t0)
        if headers is None:
            return
        self.headers = headers
        self._connection_options()
        if self.request_version == "HTTP/1.1" and len(self.headers.get_all("Host") or ()) != 1:
            self.send_error(400, "HTTP/1.1 exige exactamente una cabecera Host (por ejemplo Host: 127.0.0.1).")
            return
        if self.command not in KNOWN_METHODS:
            self.send_error(501, f"el método {self.command} no está implementado en este servidor.")
            return
        body = self._read_body()
        if body is None:
            return
        self.body = body
        self._dispatch()

    def _check_request_line(self, text: bytes) -> bool:
        if CONTROL.search(text):
            self.send_error(400, "la línea de petición contiene bytes de control (por ejemplo NUL).")
            return False
        parts = text.split(b" ")
        if len(parts) != 3 or not all(parts):
            self.send_error(
                400,
                "línea de petición mal formada: se esperaba «MÉTODO /ruta HTTP/1.1», "
                "tres partes separadas por un espacio.",
            )
            return False
        method, target, version = parts
        self.command = method.decode("latin-1")
        self.path = target.decode("latin-1")
        self.request_version = version.decode("latin-1")
        if not TOKEN.fullmatch(method):
            self.send_error(400, f"el método {self.command!r} no es un nombre válido.")
            return False
        if version not in (b"HTTP/1.1", b"HTTP/1.0"):
            if VERSION.fullmatch(version):
                self.send_error(505, f"{version.decode()} no está soportada: usa HTTP/1.1 o HTTP/1.0.")
            else:
                self.send_error(400, f"versión mal escrita {version.decode('latin-1')!r}: usa HTTP/1.1.")
            return False
        if not target.isascii():
            self.send_error(400, "la ruta tiene bytes no ASCII: codifícalos con %XX (por ejemplo «ñ» es %C3%B1).")
            return False
        if not (target.startswith(b"/") or target.startswith(b"http://") or target == b"*"):
            self.send_error(400, f"la ruta {self.path!r} debe empezar por «/».")
            return False
        return True

    def _read_head(self, t0: float) -> http.client.HTTPMessage | None:
        """Read and check the header lines (caps: line size, count, total size, and time).

        The result is the standard library's own ``HTTPMessage``, as ``parse_request()``
        would build it, filled directly: every line has already been checked here, and
        running it through the ``email`` parser again would cost about a third of a
        request's time.
        """
        srv = self.server
        deadline = t0 + 2 * srv.timeout
        headers = http.client.HTTPMessage()
        count = 0
        total = 0
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                self.send_error(408, f"las cabeceras no terminaron en {2 * srv.timeout:g} s.")
                return None
            if remaining < srv.timeout:  # near the deadline: wait no longer than it
                self.connection.settimeout(remaining)
            line = self.rfile.readline(srv.max_header_line + 1)
            if not line:
                self.close_connection = True
                return None
            if line in (b"\r\n", b"\n"):
                return headers
            if len(line) > srv.max_header_line or not line.endswith(b"\n"):
                self.send_error(431, f"una cabecera supera {srv.max_header_line} bytes.")
                return None
            total += len(line)
            count += 1
            if count > srv.max_headers or total > srv.max_header_bytes:
                self.send_error(431, f"demasiadas cabeceras (máximo {srv.max_headers}, {srv.max_header_bytes} bytes).")
                return None
            content = line.rstrip(b"\r\n")
            name, colon, value = content.partition(b":")
            if not colon or not TOKEN.fullmatch(name):
                self.send_error(
                    400,
                    f"cabecera mal formada {content[:60].decode('latin-1')!r}: se esperaba «Nombre: valor», "
                    "sin espacios antes de los dos puntos.",
                )
                return None
            if CONTROL.search(content):
                self.send_error(400, "una cabecera contiene bytes de control (por ejemplo NUL).")
                return None
            headers[name.decode("latin-1")] = value.strip(b" \t").decode("latin-1")

    def _connection_options(self) -> None:
        """Keep-alive and Expect, decided as ``BaseHTTPRequestHandler.parse_request()`` does."""
        self.requestline = f"{self.command} {self.path} {self.request_version}"
        if self.path.startswith("//"):  # gh-87389: "//host/x" would read as another host
            self.path = "/" + self.path.lstrip("/")
        options = {o.strip().lower() for o in ",".join(self.headers.get_all("Connection") or ()).split(",")}
        if "close" in options:
            self.close_connection = True
        elif "keep-alive" in options:
            self.close_connection = False
        else:
            self.close_connection = self.request_version == "HTTP/1.0"
        expect = self.headers.get("Expect", "")
        if expect.lower() == "100-continue" and self.request_version == "HTTP/1.1":
            self._expect_continue = True

    def _continue(self) -> None:
        if self._expect_continue:
            self._expect_continue = False
            self._write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _read_body(self) -> bytes | None:
        srv = self.server
        lengths = self.headers.get_all("Content-Length") or []
        encodings = self.headers.get_all("Transfer-Encoding") or []
        if lengths and encodings:
            self.send_error(
                400,
                "la petición trae Content-Length y Transfer-Encoding a la vez: es ambiguo "
                "(así empiezan los ataques de «request smuggling»). Usa solo uno.",
            )
            return None
        if encodings:
            codings = [c.strip().lower() for value in encodings for c in value.split(",")]
            if codings != ["chunked"]:
                self.send_error(501, "solo se entiende Transfer-Encoding: chunked.")
                return None
            if self.request_version == "HTTP/1.0":
                self.send_error(400, "HTTP/1.0 no admite Transfer-Encoding: chunked.")
                return None
            self._continue()
            return self._read_chunked()
        if not lengths:
            return b""
        values = {v.strip() for v in lengths}
        value = values.pop()
        if values or not (value.isascii() and value.isdigit()):
            self.send_error(400, f"Content-Length no válido: {', '.join(lengths)!r}; debe ser un entero.")
            return None
        if len(value) > 15 or int(value) > srv.max_body:
            self.send_error(413, f"el cuerpo declara {value} bytes y el máximo es {srv.max_body}.")
            return None
        size = int(value)
        if size == 0:
            return b""
        self._continue()
        data = self.rfile.read(size)
        if len(data) < size:
            self.close_connection = True
            self._try_error(400, f"el cuerpo llegó incompleto: {len(data)} de {size} bytes.")
            return None
        return data

    def _read_chunked(self) -> bytes | None:
        srv = self.server
        parts: list[bytes] = []
        try:
            chunked.read_chunked(
                self.rfile.readline,
                self.rfile.read,
                parts.append,
                max_size=srv.max_body,
                max_trailers=srv.max_headers,
                trailer_line=srv.max_header_line,
            )
        except chunked.ChunkedError as exc:
            if exc.where == "limit":
                self.send_error(413, f"el cuerpo chunked supera el máximo de {srv.max_body} bytes.")
            else:
                self.send_error(400, CHUNKED_PROBLEMS[exc.where])
            return None
        return b"".join(parts)

    # -- routing ---------------------------------------------------------------------
    def _dispatch(self) -> None:
        target = self.path
        if target.startswith("http://"):  # absolute-form, as sent to proxies
            slash = target.find("/", 7)
            target = target[slash:] if slash >= 0 else "/"
        path, _, self.query_string = target.partition("?")
        self.route_path = path
        try:
            self.server._router(self, path)
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
            self.server._record_error(exc)
            if not self.started:
                self._try_error(500, "fallo interno del servidor; server.check() muestra el detalle.")

    # -- what routes read ------------------------------------------------------------
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

    # -- the standard library's hooks --------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        self.server._log("http", self.peer, format % args)

    def log_error(self, format: str, *args: Any) -> None:
        self.server._log("http-error", self.peer, format % args)
