"""The course's one HTTP/1.1 client codec: write a request, read a response, cut raw bytes into parts.

``http.client`` hides what the course wants to show: the exact bytes sent and received, how
the body was delimited (Content-Length, chunked or the server closing), whether it arrived
whole. The widgets (request builder, download), the anatomy plot, the exercise checkers and
notebook 06 need that view and must agree on it, so it is written once, here:

- :func:`build_request` writes a request's bytes; :func:`parse_header_lines` reads the
  ``Nombre: valor`` lines a person typed in a widget;
- :func:`read_response` reads one response from a socket: status line, headers (CRLF or a
  lone LF, as lenient clients accept), then the body by Content-Length, chunked (with the
  server's own reader, :mod:`labsupport.http.chunked`) or until the server closes; under a
  byte cap and an overall deadline, so a silent or dripping server ends in ``TimeoutError``
  instead of a frozen notebook; ``on_data`` sees the body as it arrives;
- :func:`exchange` sends a request whole and reads its answer; :func:`fetch` returns the raw
  bytes of ``GET path`` with ``Connection: close`` (:func:`read_until_close`), whole or not at
  all: past its cap it raises :class:`ResponseTooLargeError`;
- :func:`split_response` cuts raw bytes into status line, header lines, blank line and
  body, with their offsets and what a careful parser would complain about.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Callable

from .._address import format_address
from .._errors import LabError
from . import chunked

#: A response head (status line and headers, interim 1xx heads included) has at most this many bytes.
MAX_HEAD = 64 * 1024
#: What :func:`read_until_close` reads at most (more is an error), so a broken server cannot fill memory.
MAX_RESPONSE = 4 * 1024 * 1024
RECV_SIZE = 65536
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class RequestError(LabError, ValueError):
    """The request typed in a widget cannot be sent as HTTP (the message says why)."""


class ResponseError(ValueError):
    """The server's bytes are not an HTTP response (bad status line, no end of headers)."""


# -- headers, as both readers see them ------------------------------------------------
def parse_status_line(line: bytes) -> tuple[str, int, str]:
    """``HTTP/1.1 404 Not Found`` -> ``("HTTP/1.1", 404, "Not Found")``; ResponseError otherwise."""
    text = line.decode("latin-1").rstrip("\r\n")
    version, _, rest = text.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not (code.isdigit() and len(code) == 3):
        raise ResponseError(f"la línea de estado no es HTTP: {text[:80]!r}")
    return version, int(code), reason


def parse_header_line(line: bytes) -> tuple[str, str] | None:
    """``Nombre: valor`` -> ``("Nombre", "valor")`` (latin-1, spaces around both removed); None without ``:``."""
    name, sep, value = line.decode("latin-1").partition(":")
    return (name.strip(), value.strip()) if sep else None


def find_header(headers: list[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name``, case-insensitive (as ``http.client`` frames a body)."""
    name = name.lower()
    return next((value for key, value in headers if key.lower() == name), None)


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


# -- reading from a socket ----------------------------------------------------------------
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
        """A header's value, case-insensitive (the first one, as :func:`find_header`)."""
        value = find_header(self.headers, name)
        return default if value is None else value

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


OnData = Callable[[bytes, int, "int | None"], None]


@dataclasses.dataclass(frozen=True)
class Caps:
    """How much of a response is kept and read: ``keep_body`` bytes of body kept in memory
    (the rest only goes to ``on_data``), reading stops at ``max_body``, and ``record_cap``
    bytes of the raw response are kept as on the wire (``RawResponse.raw``)."""

    keep_body: int = 4 * 1024 * 1024
    max_body: int = 64 * 1024 * 1024
    record_cap: int = 256 * 1024


class _Reader:
    """A socket read through a buffer, with the calls of the server's ``Connection``.

    ``readline`` and ``read`` behave as :mod:`~labsupport.http.chunked` expects. Each
    ``recv`` waits at most the socket's timeout, and none starts after ``deadline``; what
    arrives is also copied to ``record`` (up to ``record_cap`` bytes): the response as on
    the wire.
    """

    def __init__(self, sock: socket.socket, deadline: float, record_cap: int) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buf = bytearray()
        self.eof = False
        self.record = bytearray()
        self.record_cap = record_cap

    def _fill(self) -> bool:
        if self.eof:
            return False
        if time.monotonic() > self.deadline:
            raise TimeoutError("la respuesta no terminó dentro del tiempo límite")
        data = self.sock.recv(RECV_SIZE)
        if not data:
            self.eof = True
            return False
        if len(self.record) < self.record_cap:
            self.record += data[: self.record_cap - len(self.record)]
        self.buf += data
        return True

    def _take(self, n: int) -> bytes:
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def readline(self, limit: int) -> bytes:
        """Up to and including ``\\n``, at most ``limit`` bytes; less only at EOF."""
        while True:
            end = self.buf.find(b"\n", 0, limit)
            if end >= 0:
                return self._take(end + 1)
            if len(self.buf) >= limit or not self._fill():
                return self._take(min(limit, len(self.buf)))

    def read(self, n: int) -> bytes:
        """1 to ``n`` bytes (what is buffered, or what one ``recv`` brings); ``b""`` only at EOF."""
        if not self.buf and not self._fill():
            return b""
        return self._take(min(n, len(self.buf)))

    def head_line(self) -> bytes | None:
        """A whole line of the head; None if the connection ended first."""
        line = self.readline(MAX_HEAD)
        if line.endswith(b"\n"):
            return line
        if len(line) >= MAX_HEAD:
            raise ResponseError("una línea de la respuesta no termina nunca (falta el salto de línea)")
        return None


def read_response(
    sock: socket.socket,
    *,
    method: str = "GET",
    deadline: float | None = None,
    caps: Caps = Caps(),
    on_data: OnData | None = None,
) -> RawResponse:
    """Read one response from ``sock``; ``on_data(chunk, received, total)`` sees the body.

    ``caps`` says how much is kept and read (:class:`Caps`). Head lines may end in CRLF or a lone LF
    (the course's LF-only endpoint), as lenient clients accept. When reading fails
    midway, :func:`partial_response` of the exception gives what did arrive, so a widget
    can still show the bytes.
    """
    if deadline is None:
        deadline = time.monotonic() + 30
    reader = _Reader(sock, deadline, caps.record_cap)
    resp = RawResponse()
    body = bytearray()
    try:
        _read_head(reader, resp)
        _read_body(reader, resp, body, method, caps, on_data)
    except (OSError, ResponseError) as exc:
        resp.body, resp.raw = bytes(body), bytes(reader.record)
        setattr(exc, _PARTIAL, resp)  # a standard exception (TimeoutError...) keeps its class: the lesson
        raise
    resp.body, resp.raw = bytes(body), bytes(reader.record)
    return resp


_PARTIAL = "partial_response"


def partial_response(exc: BaseException) -> RawResponse | None:
    """What had arrived when :func:`read_response` failed with ``exc`` (None for any other error)."""
    partial = getattr(exc, _PARTIAL, None)
    return partial if isinstance(partial, RawResponse) else None


def _read_head(reader: _Reader, resp: RawResponse) -> None:
    head_size = 0
    while True:  # interim 1xx responses (100 Continue) come first: read on to the final one
        status_line = reader.head_line()
        if status_line is None:
            raise ConnectionResetError("el servidor cerró la conexión sin enviar ninguna respuesta")
        resp.headers = []
        resp.version, resp.status, resp.reason = parse_status_line(status_line)
        head_size += len(status_line)
        while True:
            line = reader.head_line()
            if line is None:
                raise ResponseError("la conexión se cerró antes del final de las cabeceras")
            head_size += len(line)
            if head_size > MAX_HEAD:
                raise ResponseError(f"las cabeceras pasan de {MAX_HEAD} bytes")
            if line in (b"\r\n", b"\n"):
                break
            pair = parse_header_line(line)
            if pair is not None:
                resp.headers.append(pair)
        if not 100 <= resp.status < 200 or resp.status == 101:
            return


def body_framing(method: str, status: int, headers: list[tuple[str, str]]) -> str:
    """How the body of a response ends: ``none``, ``chunked``, ``content-length`` or ``close`` (RFC 9112 §6.3)."""
    if method.upper() == "HEAD" or status in chunked.NO_BODY_STATUSES or 100 <= status < 200:
        return "none"
    if "chunked" in (find_header(headers, "Transfer-Encoding") or "").lower():
        return "chunked"
    if find_header(headers, "Content-Length") is not None:
        return "content-length"
    return "close"


def _read_body(
    reader: _Reader,
    resp: RawResponse,
    body: bytearray,
    method: str,
    caps: Caps,
    on_data: OnData | None,
) -> None:
    keep_body, max_body = caps.keep_body, caps.max_body

    def deliver(piece: bytes) -> None:
        resp.body_size += len(piece)
        if len(body) < keep_body:
            body.extend(piece[: keep_body - len(body)])
        if on_data is not None:
            on_data(piece, resp.body_size, resp.expected)

    resp.framing = body_framing(method, resp.status, resp.headers)
    if resp.framing == "none":
        resp.complete = True
    elif resp.framing == "chunked":
        _read_chunked(reader, resp, deliver, max_body)
    elif resp.framing == "content-length":
        length = resp.header("Content-Length") or ""
        try:
            resp.expected = int(length)
        except ValueError:
            raise ResponseError(f"Content-Length no es un número: {length!r}") from None
        remaining = resp.expected
        while remaining > 0 and (piece := reader.read(remaining)):
            remaining -= len(piece)
            deliver(piece)
            if resp.body_size >= max_body and remaining > 0:
                resp.truncated = True
                break
        resp.complete = remaining == 0
    else:
        while piece := reader.read(RECV_SIZE):
            deliver(piece)
            if resp.body_size >= max_body:
                resp.truncated = True
                break
        resp.complete = not resp.truncated


def _read_chunked(reader: _Reader, resp: RawResponse, deliver: Callable[[bytes], None], max_body: int) -> None:
    try:
        chunked.read_chunked(reader.readline, reader.read, deliver, max_size=max_body, trailer_line=MAX_HEAD)
    except chunked.ChunkedError as exc:
        if exc.where == "limit":
            resp.truncated = True
        elif not exc.eof:  # the connection ending early only makes the response incomplete
            raise ResponseError(_CHUNKED_PROBLEMS[exc.where].format(exc.text[:20])) from None
        return
    resp.complete = True


_CHUNKED_PROBLEMS = {
    "size": "tamaño de trozo (chunk) no válido: {!r}",
    "data": "un trozo (chunk) no termina en \\r\\n tras sus datos: {!r}",
    "trailers": "el cuerpo troceado no termina en una línea en blanco tras el último trozo: {!r}",
}


def exchange(
    sock: socket.socket,
    request: bytes,
    *,
    method: str,
    timeout: float,
    total: float | None = None,
    caps: Caps = Caps(),
    on_data: OnData | None = None,
) -> RawResponse:
    """Send ``request`` whole (``sendall``, not the guide's ``send``) and read the answer.

    ``timeout`` bounds each socket call; ``total`` (default ``4 * timeout``) bounds the whole
    response, so a server that trickles one header line at a time cannot hold the widget.
    """
    sock.settimeout(timeout)
    sock.sendall(request)
    deadline = time.monotonic() + (total if total is not None else 4 * timeout)
    return read_response(sock, method=method, deadline=deadline, caps=caps, on_data=on_data)


class ResponseTooLargeError(LabError, ValueError):
    """The peer sent more than the reader's cap before closing: the bytes are not handed back cut short."""


def _size_text(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit // mib} MiB" if limit % mib == 0 else f"{limit} bytes"


def read_until_close(sock: socket.socket, limit: int = MAX_RESPONSE) -> bytes:
    """Everything ``sock`` receives until the peer closes, at most ``limit`` bytes.

    A peer still sending past ``limit`` is an error (:class:`ResponseTooLargeError`), never a
    response quietly cut: returning the first ``limit`` bytes would look like a whole answer
    whose Content-Length lies, the very mistake notebook 06 teaches to catch.
    """
    parts, size = [], 0
    while data := sock.recv(RECV_SIZE):
        size += len(data)
        if size > limit:
            raise ResponseTooLargeError(
                f"la respuesta pasa de {_size_text(limit)} (el servidor envió más): se deja de leer "
                "para no llenar la memoria, en vez de devolverla cortada. Pide una respuesta más pequeña "
                "(por ejemplo /bytes/N con N menor)."
            )
        parts.append(data)
    return b"".join(parts)


def fetch(address: tuple[str, int], path: str, *, timeout: float = 5.0, limit: int = MAX_RESPONSE) -> bytes:
    """The raw response to ``GET path`` with ``Connection: close``: every byte, until the server closes.

    What notebook 3 teaches (``sendall``, then ``recv`` until ``b""``), as one call for the
    notebooks and checkers that need the bytes of a response, not the lesson of reading them.
    ``timeout`` bounds each socket call (a server that keeps sending slowly is not cut by it);
    more than ``limit`` bytes is :class:`ResponseTooLargeError`, never a silently shorter answer.
    """
    request = build_request("GET", path, [], b"", host=format_address(address), connection="close")
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(request)
        return read_until_close(sock, limit)


# -- cutting raw bytes into parts ---------------------------------------------------------
PART_NAMES = {
    "status": "línea de estado",
    "header": "cabecera",
    "blank": "línea en blanco",
    "body": "cuerpo",
}


@dataclasses.dataclass(frozen=True)
class Part:
    """One piece of a response: what it is and where it lies (``data == raw[start:end]``)."""

    kind: str
    start: int
    end: int
    data: bytes

    @property
    def label(self) -> str:
        return PART_NAMES[self.kind]


@dataclasses.dataclass(frozen=True)
class ResponseParts:
    """Raw bytes cut into parts, plus what a careful parser would complain about.

    A request has the same shape (its first line is the request line), so checkers cut the
    student's requests with it too.
    """

    parts: list[Part]
    separator: bytes  # b"\r\n\r\n", b"\n\n" (or b"\n\r\n") or b"" when there is no blank line
    problems: list[str]

    def of(self, kind: str) -> list[Part]:
        return [p for p in self.parts if p.kind == kind]

    @property
    def head(self) -> bytes:
        """The first line and the header lines, without the line end that starts the separator."""
        lines = b"".join(p.data for p in self.parts if p.kind in ("status", "header"))
        blank = self.of("blank")
        return lines[: len(lines) - (len(self.separator) - len(blank[0].data))] if blank else lines

    @property
    def body(self) -> bytes:
        """What follows the blank line (``b""`` when there is none)."""
        return b"".join(p.data for p in self.of("body"))

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [pair for p in self.of("header") if (pair := parse_header_line(p.data)) is not None]

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, case-insensitive."""
        return find_header(self.headers, name)


def split_response(raw: bytes) -> ResponseParts:
    """Cut ``raw`` into status line, header lines, blank line and body, keeping offsets.

    Lines may end in ``\\r\\n`` (the standard) or a bare ``\\n`` (then a problem is noted),
    and a ``Content-Length`` that does not match the body is noted too.
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError(
            "se espera la respuesta cruda en bytes (lo que devolvió recv), "
            f"no {type(raw).__name__}; si tienes texto usa texto.encode()."
        )
    raw = bytes(raw)
    parts: list[Part] = []
    problems: list[str] = []
    pos = 0
    blank_found = False
    while pos < len(raw):
        nl = raw.find(b"\n", pos)
        end = len(raw) if nl < 0 else nl + 1
        line = raw[pos:end]
        if line in (b"\r\n", b"\n") and parts:
            parts.append(Part("blank", pos, end, line))
            blank_found = True
            pos = end
            break
        parts.append(Part("status" if not parts else "header", pos, end, line))
        pos = end
    if pos < len(raw):
        parts.append(Part("body", pos, len(raw), raw[pos:]))
    head = [p for p in parts if p.kind != "body"]
    if blank_found:
        before = head[-2].data
        separator = (b"\r\n" if before.endswith(b"\r\n") else b"\n") + head[-1].data
    else:
        separator = b""
        problems.append("No hay línea en blanco: no se sabe dónde terminan las cabeceras.")
    if any(not p.data.endswith(b"\r\n") for p in head if p.data.endswith(b"\n")):
        problems.append("Hay líneas que terminan en \\n sin \\r: HTTP exige \\r\\n.")
    body = next((p for p in parts if p.kind == "body"), None)
    body_len = 0 if body is None else len(body.data)
    for p in parts:
        if p.kind == "header" and p.data.lower().startswith(b"content-length:"):
            value = p.data.split(b":", 1)[1].strip()
            if value.isdigit() and int(value) != body_len:
                problems.append(f"Content-Length dice {int(value)} bytes, pero el cuerpo tiene {body_len}.")
    return ResponseParts(parts, separator, problems)
