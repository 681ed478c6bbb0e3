"""One HTTP/1.1 connection of the local server: the standard library's parser, hardened.

``http.server.BaseHTTPRequestHandler`` already loops over keep-alive requests and parses
the request line and headers. It is lenient, English and noisy, so this subclass:

- reads the request line and the header block itself, under caps (414 / 431) and a
  deadline, rejecting control bytes (NUL...) and malformed lines with a Spanish 400,
  before handing the checked bytes to ``parse_request()``;
- reads request bodies by Content-Length or chunked, refuses both together (the classic
  request-smuggling ambiguity) and bodies over the cap (413);
- writes each response's status line, headers and body with one ``sendall`` where it can
  (one segment on the wire, no Nagle/delayed-ACK stalls), counting the bytes;
- never writes to stderr: messages go to the server's log, and every request ends up as a
  :class:`~labsupport.http.RequestRecord`.

Routes (``_http_routes``, ``_http_docs``, ``_http_raw``) receive this object and use its
small response API: ``respond``, ``respond_json``, ``start_stream`` / ``write_chunk`` /
``end_stream``, ``send_raw``, and ``HttpError`` for a Spanish 4xx.
"""

from __future__ import annotations

import email.utils
import http.client
import http.server
import json
import re
import socket
import struct
import sys
import time
from http import HTTPStatus
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import parse_qs

TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Control bytes that may not appear in a request line or a header (HTAB is allowed).
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
VERSION = re.compile(rb"HTTP/[0-9]\.[0-9]")
HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")

#: Methods the server understands; any other valid token gets 501.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
NO_BODY_STATUSES = frozenset({204, 304})

PHRASES = {s.value: s.phrase for s in HTTPStatus}
SPANISH_NAMES = {
    400: "Petición incorrecta",
    403: "Prohibido",
    404: "No encontrado",
    405: "Método no permitido",
    408: "Tiempo de espera agotado",
    411: "Falta la longitud",
    413: "Cuerpo demasiado grande",
    414: "URI demasiado larga",
    431: "Cabeceras demasiado grandes",
    500: "Error interno del servidor",
    501: "No implementado",
    503: "Servicio no disponible",
    505: "Versión HTTP no soportada",
}

#: Lingering close: how long (seconds) and how much (bytes) to drain before closing.
LINGER = 1.0
LINGER_BYTES = 1024 * 1024

_date_cache: list[Any] = [0, ""]


def http_date() -> str:
    """The Date header, formatted once per second (formatting it per request costs)."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = email.utils.formatdate(now, usegmt=True)
        _date_cache[0] = now
    return _date_cache[1]


def error_body(code: int, explain: str) -> bytes:
    """The Spanish plain-text body of every error response."""
    name = SPANISH_NAMES.get(code, PHRASES.get(code, "Error"))
    return f"Error {code} ({name}): {explain}\n".encode()


def dumps(obj: Any) -> bytes:
    """JSON as httpbin writes it (2-space indent, sorted keys, final newline), but UTF-8.

    httpbin escapes non-ASCII (``a\\u00f1o``); here ``año`` stays readable. ``json.loads``
    gives the same value for both, so code written against one works on the other.
    ``json.dumps(indent=2)`` gives the same text, but with ``indent`` the standard library
    falls back to its pure-Python encoder; this walk, with the C string escaper, is about
    three times faster on httpbin's small dictionaries.
    """
    out: list[str] = []
    _pretty(obj, "\n", out)
    out.append("\n")
    return "".join(out).encode()


def _pretty(obj: Any, newline: str, out: list[str]) -> None:
    if isinstance(obj, str):
        out.append(encode_basestring(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        inner = newline + "  "
        sep = "{" + inner
        for key in sorted(obj):
            out.append(sep)
            out.append(encode_basestring(key))
            out.append(": ")
            _pretty(obj[key], inner, out)
            sep = "," + inner
        out.append(newline + "}")
    elif isinstance(obj, list):
        if not obj:
            out.append("[]")
            return
        inner = newline + "  "
        sep = "[" + inner
        for item in obj:
            out.append(sep)
            _pretty(item, inner, out)
            sep = "," + inner
        out.append(newline + "]")
    else:  # numbers, True, False, None
        out.append(json.dumps(obj))


def number(text: Any, what: str, low: float, high: float, *, integer: bool = True) -> Any:
    """Parse a path or query parameter; not a number or out of range -> Spanish 400."""
    try:
        value = int(text) if integer else float(text)
    except (TypeError, ValueError):
        kind = "un entero" if integer else "un número"
        raise HttpError(400, f"{what} debe ser {kind}; se recibió {text!r}.") from None
    if not low <= value <= high:  # also rejects nan
        raise HttpError(400, f"{what} debe estar entre {_show(low)} y {_show(high)}; se recibió {text}.")
    return value


def _show(x: float) -> str:
    """A bound as people write it: 10485760, 0.5, 10 (not 1.04858e+07 or 10.0)."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class HttpError(Exception):
    """Raised by a route to answer ``status`` with a Spanish explanation."""

    def __init__(self, status: int, explain: str, *, close: bool = False, headers: Any = ()) -> None:
        super().__init__(explain)
        self.status = status
        self.explain = explain
        self.close = close
        self.headers = headers


class StopResponse(Exception):
    """Raised by a route that must abandon its response (the server is stopping)."""


class Handler(http.server.BaseHTTPRequestHandler):
    """One connection; ``handle()`` (inherited) loops over its keep-alive requests."""

    protocol_version = "HTTP/1.1"
    server_version = "labsupport-http/0.1"
    sys_version = ""
    disable_nagle_algorithm = True  # responses written in pieces (streams, raw) go out at once
    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "Error %(code)d (%(message)s): %(explain)s\n"

    # -- per request state ---------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self._reset = False

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

    def _record(self, pending: int = 0) -> None:
        """Add this request to the server's log, once.

        Called just before the response's last bytes are written (``pending`` of them), so a
        client that has read its whole response always finds it in ``server.requests()``.
        """
        if not self._recorded:
            self._recorded = True
            duration = time.perf_counter() - self._t0
            self.server._record_request(
                self.peer, self.command, self.path, self.status, self.bytes_sent + pending, duration
            )

    @property
    def peer(self) -> str:
        host, port = self.client_address[0], self.client_address[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

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
        parts = []
        total = 0
        while True:
            line = self.rfile.readline(1026)
            size_text = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not HEX.fullmatch(size_text):
                self.send_error(400, "cuerpo chunked mal formado: se esperaba el tamaño del trozo en hexadecimal.")
                return None
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > srv.max_body:
                self.send_error(413, f"el cuerpo chunked supera el máximo de {srv.max_body} bytes.")
                return None
            data = self.rfile.read(size)
            end = self.rfile.readline(3)
            if len(data) < size or end not in (b"\r\n", b"\n"):
                self.send_error(400, "cuerpo chunked mal formado: un trozo no mide lo que declara.")
                return None
            parts.append(data)
        for _ in range(srv.max_headers + 1):  # trailers, ignored
            line = self.rfile.readline(srv.max_header_line + 1)
            if line in (b"\r\n", b"\n"):
                return b"".join(parts)
            if not line.endswith(b"\n"):
                break
        self.send_error(400, "cuerpo chunked mal terminado: falta la línea vacía final.")
        return None

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
                self.fail(exc.status, exc.explain, close=exc.close, headers=exc.headers)
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

    # -- what routes write -----------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self.connection.sendall(data)
        self.bytes_sent += len(data)

    def _head_bytes(self, status: int, headers: Any, length: int | None) -> bytes:
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

    def respond(self, status: int = 200, body: bytes = b"", content_type: str | None = None, headers: Any = ()) -> None:
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

    def respond_json(self, obj: Any, status: int = 200, headers: Any = ()) -> None:
        try:
            body = dumps(obj)
        except RecursionError:
            raise HttpError(400, "el JSON de la petición está anidado a demasiada profundidad.") from None
        self.respond(status, body, "application/json", headers)

    def fail(self, status: int, explain: str, *, close: bool = False, headers: Any = ()) -> None:
        """A Spanish error page; ``close=True`` also ends the connection."""
        if close:
            self.close_connection = True
        self.server._log("http-error", self.peer, f"{status} {self.command} {self.path[:80]}: {explain}")
        self.respond(status, error_body(status, explain), self.error_content_type, headers)

    def start_stream(self, status: int, content_type: str, headers: Any = (), length: int | None = None) -> bool:
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
            self._write(b"%x\r\n%b\r\n" % (len(data), data))
            return
        if self._remaining is not None:
            self._remaining -= len(data)
            if self._remaining <= 0:
                self._record(len(data))
        self._write(data)

    def end_stream(self) -> None:
        if self.chunked:
            self._record(5)
            self._write(b"0\r\n\r\n")

    def send_raw(self, data: bytes, status: int = 0, *, last: bool = False) -> None:
        """Bytes exactly as given (the /raw/ faults); the status is only for the log."""
        if status:
            self.status = status
        self.started = True
        if last:
            self._record(len(data))
        self._write(data)

    # -- the standard library's hooks --------------------------------------------------
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors: a Spanish text body, then the connection is closed.

        ``message`` is the reason phrase in the standard library; here the status line keeps
        the standard English phrase (what clients compare) and the Spanish text goes in the body.
        """
        text = explain or message or PHRASES.get(code, "error")
        self.fail(code, text, close=True)

    def _try_error(self, code: int, explain: str) -> None:
        try:
            self.fail(code, explain, close=True)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        self.server._log("http", self.peer, format % args)

    def log_error(self, format: str, *args: Any) -> None:
        self.server._log("http-error", self.peer, format % args)

    def finish(self) -> None:
        """Close gently: FIN first, then read and drop what the client still sends.

        Closing a socket with unread bytes makes the kernel send RST, and a client that
        gets RST may lose the error page it had not read yet (a 413 while it still uploads,
        a 400 for a pipelined request). So, like Apache and nginx ("lingering close"), the
        server shuts its side, drains for at most ``LINGER`` seconds, and then closes.
        """
        super().finish()
        if self._reset or self.server._stopping.is_set():
            return
        conn = self.connection
        try:
            conn.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER
            drained = 0
            while drained < LINGER_BYTES:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                conn.settimeout(remaining)
                data = conn.recv(65536)
                if not data:
                    break
                drained += len(data)
        except OSError:  # the client is gone already, or timed out: nothing left to protect
            pass

    def close_now_with_reset(self) -> None:
        """Make the coming close send RST instead of FIN (SO_LINGER on, 0 seconds)."""
        fmt = "HH" if sys.platform == "win32" else "ii"  # struct linger differs on Windows
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(fmt, 1, 0))
        self._reset = True
        self.close_connection = True
