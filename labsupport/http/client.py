"""HTTP/1.1 over a plain socket, for widgets that must show every byte.

The request builder and the download widget want what ``http.client`` hides: the exact
bytes sent and received, how the body was delimited (Content-Length, chunked or the
server closing) and whether it arrived whole. So this module writes the request itself
and reads the response with explicit framing, a byte cap and an overall deadline, so a
silent or dripping server ends in ``TimeoutError`` instead of a frozen notebook.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Callable
from typing import Any

from .._errors import LabError

MAX_HEAD = 64 * 1024
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class RequestError(LabError, ValueError):
    """The request typed in a widget cannot be sent as HTTP (the message says why)."""


class ResponseError(ValueError):
    """The server's bytes are not an HTTP response (bad status line, no end of headers)."""


@dataclasses.dataclass
class RawResponse:
    """One response as read from the socket."""

    raw: bytes = b""  # every byte received, head and body, as on the wire (up to the cap)
    version: str = ""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    body: bytes = b""  # the body once de-chunked (empty when not kept)
    body_size: int = 0  # bytes of body received (counted even when not kept)
    framing: str = ""  # "content-length", "chunked", "close" or "none"
    expected: int | None = None  # Content-Length, when declared
    complete: bool = False  # False when the connection ended before the declared end
    truncated: bool = False  # True when the body went over the cap and reading stopped

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header's value, case-insensitive (the last one wins, as in most clients)."""
        name = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == name:
                return value
        return default

    @property
    def status_line(self) -> str:
        return f"{self.version} {self.status} {self.reason}".rstrip()

    @property
    def keeps_alive(self) -> bool:
        """Whether the connection may carry another request after this response."""
        connection = (self.header("Connection") or "").lower()
        if not self.complete or self.truncated or self.framing == "close" or "close" in connection:
            return False
        return self.version != "HTTP/1.0" or "keep-alive" in connection


# -- writing -------------------------------------------------------------------------
def parse_header_lines(text: str) -> list[tuple[str, str]]:
    """``Nombre: valor`` lines (blank lines ignored) into pairs, with Spanish errors."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name or any(c in name for c in ' \t()<>@,;\\"/[]?={}'):
            raise RequestError(
                f"La línea {number} de las cabeceras no es 'Nombre: valor': {line!r}. "
                "Escribe una cabecera por línea, por ejemplo 'Accept: text/html'."
            )
        pairs.append((name, value.strip()))
    return pairs


def build_request(
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    host: str,
    connection: str,
) -> bytes:
    """The request's bytes: request line, headers with CRLF, blank line, body.

    ``Host`` is added when missing; ``Connection`` is the one chosen; ``Content-Length``
    is the body's length in BYTES unless the headers already declare one (so a student
    can reproduce the guide's ``len(texto)`` mistake and watch the server wait).
    """
    method = method.strip().upper()
    if not method.isalpha():
        raise RequestError(f"El método {method!r} no es válido: usa GET, POST, PUT, DELETE...")
    if not path.startswith("/") or any(c in path for c in " \r\n\t"):
        raise RequestError(
            f"La ruta debe empezar por '/' y no llevar espacios ni saltos de línea; se recibió {path!r}. "
            "Codifica los espacios como %20."
        )
    names = {name.lower() for name, _ in headers}
    lines = [f"{method} {path} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in headers if name.lower() != "connection"]
    lines.append(f"Connection: {connection}")
    if (
        "content-length" not in names
        and "transfer-encoding" not in names
        and (body or method in ("POST", "PUT", "PATCH"))
    ):
        lines.append(f"Content-Length: {len(body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    try:
        return head.encode("latin-1") + body
    except UnicodeEncodeError:
        raise RequestError(
            "Las cabeceras solo admiten caracteres latin-1; codifica los demás (por ejemplo con "
            "urllib.parse.quote en la ruta)."
        ) from None


# -- reading -------------------------------------------------------------------------
OnData = Callable[[bytes, int, "int | None"], None]


class _Reader:
    """Buffered reads with a per-recv timeout (the socket's) and an overall deadline."""

    def __init__(self, sock: socket.socket, deadline: float, record: bytearray, record_cap: int):
        self.sock = sock
        self.deadline = deadline
        self.buf = bytearray()
        self.eof = False
        self.record = record
        self.record_cap = record_cap

    def fill(self) -> bool:
        if self.eof:
            return False
        if time.monotonic() > self.deadline:
            raise TimeoutError("la respuesta no terminó dentro del tiempo límite")
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            return False
        if len(self.record) < self.record_cap:
            self.record += data[: self.record_cap - len(self.record)]
        self.buf += data
        return True

    def take(self, n: int) -> bytes:
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def line(self, limit: int = MAX_HEAD) -> bytes | None:
        while (end := self.buf.find(b"\n")) < 0:
            if len(self.buf) > limit:
                raise ResponseError("una línea de la respuesta no termina nunca (falta el salto de línea)")
            if not self.fill():
                return None
        return self.take(end + 1)


def read_response(
    sock: socket.socket,
    *,
    method: str = "GET",
    deadline: float | None = None,
    keep_body: int = 4 * 1024 * 1024,
    max_body: int = 64 * 1024 * 1024,
    record_cap: int = 256 * 1024,
    on_data: OnData | None = None,
) -> RawResponse:
    """Read one response from ``sock``; ``on_data(chunk, received, total)`` sees the body.

    The body is kept in memory up to ``keep_body`` bytes (the rest only goes to
    ``on_data``); reading stops at ``max_body``. Head lines may end in CRLF or a lone LF
    (the course's LF-only endpoint), as lenient clients accept. When reading fails
    midway, the exception carries what did arrive as ``exc.partial`` (a RawResponse), so
    a widget can still show the bytes.
    """
    if deadline is None:
        deadline = time.monotonic() + 30
    record = bytearray()
    body = bytearray()
    resp = RawResponse()
    try:
        _read(_Reader(sock, deadline, record, record_cap), resp, body, method, keep_body, max_body, on_data)
    except (OSError, ResponseError) as exc:
        resp.body, resp.raw = bytes(body), bytes(record)
        exc.partial = resp  # type: ignore[attr-defined]
        raise
    resp.body, resp.raw = bytes(body), bytes(record)
    return resp


def _read(
    reader: _Reader,
    resp: RawResponse,
    body: bytearray,
    method: str,
    keep_body: int,
    max_body: int,
    on_data: OnData | None,
) -> None:
    head_size = 0
    while True:  # interim 1xx responses (100 Continue) come first: read on to the final one
        status_line = reader.line()
        if status_line is None:
            raise ConnectionResetError("el servidor cerró la conexión sin enviar ninguna respuesta")
        resp.headers = []
        _parse_status(resp, status_line)
        head_size += len(status_line)
        while True:
            line = reader.line()
            if line is None:
                raise ResponseError("la conexión se cerró antes del final de las cabeceras")
            head_size += len(line)
            if head_size > MAX_HEAD:
                raise ResponseError(f"las cabeceras pasan de {MAX_HEAD} bytes")
            if line in (b"\r\n", b"\n"):
                break
            name, sep, value = line.decode("latin-1").partition(":")
            if sep:
                resp.headers.append((name.strip(), value.strip()))
        if not 100 <= resp.status < 200 or resp.status == 101:
            break

    def deliver(chunk: bytes) -> None:
        resp.body_size += len(chunk)
        if len(body) < keep_body:
            body.extend(chunk[: keep_body - len(body)])
        if on_data is not None:
            on_data(chunk, resp.body_size, resp.expected)

    length = resp.header("Content-Length")
    if method.upper() == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200:
        resp.framing, resp.complete = "none", True
    elif "chunked" in (resp.header("Transfer-Encoding") or "").lower():
        resp.framing = "chunked"
        resp.complete = _read_chunked(reader, deliver, resp, max_body)
    elif length is not None:
        resp.framing = "content-length"
        try:
            resp.expected = int(length)
        except ValueError:
            raise ResponseError(f"Content-Length no es un número: {length!r}") from None
        remaining = resp.expected
        while remaining > 0:
            if not reader.buf and not reader.fill():
                break
            chunk = reader.take(min(remaining, len(reader.buf)))
            remaining -= len(chunk)
            deliver(chunk)
            if resp.body_size >= max_body and remaining > 0:
                resp.truncated = True
                break
        resp.complete = remaining == 0
    else:
        resp.framing = "close"
        while True:
            if reader.buf:
                deliver(reader.take(len(reader.buf)))
            if resp.body_size >= max_body:
                resp.truncated = True
                break
            if not reader.fill():
                break
        resp.complete = not resp.truncated


def _parse_status(resp: RawResponse, line: bytes) -> None:
    text = line.decode("latin-1").rstrip("\r\n")
    version, _, rest = text.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not (code.isdigit() and len(code) == 3):
        raise ResponseError(f"la línea de estado no es HTTP: {text[:80]!r}")
    resp.version, resp.status, resp.reason = version, int(code), reason


def _read_chunked(reader: _Reader, deliver: Callable[[bytes], None], resp: RawResponse, max_body: int) -> bool:
    while True:
        line = reader.line(limit=1024)
        if line is None:
            return False
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ResponseError(f"tamaño de trozo (chunk) no válido: {size_text[:20]!r}") from None
        if size == 0:
            while (trailer := reader.line()) not in (None, b"\r\n", b"\n"):
                pass
            return trailer is not None
        remaining = size
        while remaining > 0:
            if not reader.buf and not reader.fill():
                return False
            chunk = reader.take(min(remaining, len(reader.buf)))
            remaining -= len(chunk)
            deliver(chunk)
        if resp.body_size >= max_body:
            resp.truncated = True
            return False
        if reader.line(limit=2) is None:  # the CRLF after the chunk's data
            return False


def exchange(
    sock: socket.socket,
    request: bytes,
    *,
    method: str,
    timeout: float,
    total: float | None = None,
    **kwargs: Any,
) -> RawResponse:
    """Send ``request`` whole (``sendall``, not the guide's ``send``) and read the answer.

    ``timeout`` bounds each socket call; ``total`` (default ``4 * timeout``) bounds the whole
    response, so a server that trickles one header line at a time cannot hold the widget.
    """
    sock.settimeout(timeout)
    sock.sendall(request)
    deadline = time.monotonic() + (total if total is not None else 4 * timeout)
    return read_response(sock, method=method, deadline=deadline, **kwargs)
