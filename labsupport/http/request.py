"""The rules a request must keep, checked while it is read: line, headers, framing of the body.

``http.server.BaseHTTPRequestHandler`` parses leniently, in English, and lets a malformed
request through; the course's server answers every broken rule with a Spanish explanation
and the status a careful server sends (400, 408, 413, 414, 431, 501, 505). These functions
hold those rules. They only read (from the connection's buffer, then its socket) and raise
:class:`~labsupport.http.protocol.HttpError`; the handler (``handler``) answers the error and
closes the connection.
"""

from __future__ import annotations

import http.client
import time

from . import chunked
from .connection import Connection
from .protocol import CONTROL, TOKEN, VERSION, HttpError

#: The Spanish 400 for each way a chunked request body breaks (``chunked.ChunkedError.where``).
CHUNKED_PROBLEMS = {
    "size": "cuerpo chunked mal formado: se esperaba el tamaño del trozo en hexadecimal.",
    "data": "cuerpo chunked mal formado: un trozo no mide lo que declara.",
    "trailers": "cuerpo chunked mal terminado: falta la línea en blanco final.",
}


def split_request_line(text: bytes) -> tuple[bytes, bytes, bytes]:
    """``MÉTODO /ruta HTTP/1.1`` (without its line end) -> its three parts; 400 otherwise."""
    if CONTROL.search(text):
        raise HttpError(400, "la línea de petición contiene bytes de control (por ejemplo NUL).")
    parts = text.split(b" ")
    if len(parts) != 3 or not all(parts):
        raise HttpError(
            400,
            "línea de petición mal formada: se esperaba «MÉTODO /ruta HTTP/1.1», tres partes separadas por un espacio.",
        )
    method, target, version = parts
    return method, target, version


def check_request_line(method: bytes, target: bytes, version: bytes) -> None:
    """A method that is a token, HTTP/1.1 or 1.0 (505 for another version), an ASCII target."""
    if not TOKEN.fullmatch(method):
        raise HttpError(400, f"el método {method.decode('latin-1')!r} no es un nombre válido.")
    if version not in (b"HTTP/1.1", b"HTTP/1.0"):
        if VERSION.fullmatch(version):
            raise HttpError(505, f"{version.decode()} no está soportada: usa HTTP/1.1 o HTTP/1.0.")
        raise HttpError(400, f"versión mal escrita {version.decode('latin-1')!r}: usa HTTP/1.1.")
    if not target.isascii():
        raise HttpError(400, "la ruta tiene bytes no ASCII: codifícalos con %XX (por ejemplo «ñ» es %C3%B1).")
    if not (target.startswith(b"/") or target.startswith(b"http://") or target == b"*"):
        raise HttpError(400, f"la ruta {target.decode('latin-1')!r} debe empezar por «/».")


def read_headers(
    conn: Connection, deadline: float, timeout: float, max_line: int, max_count: int, max_bytes: int
) -> http.client.HTTPMessage | None:
    """Read and check the header lines up to the empty line; None if the client closed first.

    Caps: ``max_line`` bytes a line, ``max_count`` lines and ``max_bytes`` in all (431), the
    empty line before ``deadline`` (408). The result is the standard library's own
    ``HTTPMessage``, as ``parse_request()`` would build it, filled directly: every line has
    already been checked here, and running it through the ``email`` parser again would cost
    about a third of a request's time.
    """
    headers = http.client.HTTPMessage()
    count = 0
    total = 0
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise HttpError(408, f"las cabeceras no terminaron en {2 * timeout:g} s.")
        if remaining < timeout:  # near the deadline: wait no longer than it
            conn.sock.settimeout(remaining)
        line = conn.readline(max_line + 1)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return headers
        if len(line) > max_line or not line.endswith(b"\n"):
            raise HttpError(431, f"una cabecera supera {max_line} bytes.")
        total += len(line)
        count += 1
        if count > max_count or total > max_bytes:
            raise HttpError(431, f"demasiadas cabeceras (máximo {max_count}, {max_bytes} bytes).")
        content = line.rstrip(b"\r\n")
        name, colon, value = content.partition(b":")
        if not colon or not TOKEN.fullmatch(name):
            raise HttpError(
                400,
                f"cabecera mal formada {content[:60].decode('latin-1')!r}: se esperaba «Nombre: valor», "
                "sin espacios antes de los dos puntos.",
            )
        if CONTROL.search(content):
            raise HttpError(400, "una cabecera contiene bytes de control (por ejemplo NUL).")
        headers[name.decode("latin-1")] = value.strip(b" \t").decode("latin-1")


def connection_options(headers: http.client.HTTPMessage, version: str) -> tuple[bool, bool]:
    """``(close, expect_continue)``, decided as ``BaseHTTPRequestHandler.parse_request()`` does."""
    options = {o.strip().lower() for o in ",".join(headers.get_all("Connection") or ()).split(",")}
    if "close" in options:
        close = True
    elif "keep-alive" in options:
        close = False
    else:
        close = version == "HTTP/1.0"
    expect = headers.get("Expect", "").lower() == "100-continue" and version == "HTTP/1.1"
    return close, expect


def body_length(headers: http.client.HTTPMessage, version: str, max_body: int) -> int | None:
    """How long the body is: bytes by Content-Length (0 without one), or None when chunked.

    Both headers at once are refused (the classic request-smuggling ambiguity), and so is a
    declared size over ``max_body`` (413), before a byte of the body is read.
    """
    lengths = headers.get_all("Content-Length") or []
    encodings = headers.get_all("Transfer-Encoding") or []
    if lengths and encodings:
        raise HttpError(
            400,
            "la petición trae Content-Length y Transfer-Encoding a la vez: es ambiguo "
            "(así empiezan los ataques de «request smuggling»). Usa solo uno.",
        )
    if encodings:
        codings = [c.strip().lower() for value in encodings for c in value.split(",")]
        if codings != ["chunked"]:
            raise HttpError(501, "solo se entiende Transfer-Encoding: chunked.")
        if version == "HTTP/1.0":
            raise HttpError(400, "HTTP/1.0 no admite Transfer-Encoding: chunked.")
        return None
    if not lengths:
        return 0
    values = {v.strip() for v in lengths}
    value = values.pop()
    if values or not (value.isascii() and value.isdigit()):
        raise HttpError(400, f"Content-Length no válido: {', '.join(lengths)!r}; debe ser un entero.")
    if len(value) > 15 or int(value) > max_body:
        raise HttpError(413, f"el cuerpo declara {value} bytes y el máximo es {max_body}.")
    return int(value)


def read_chunked_body(conn: Connection, max_body: int, max_trailers: int, trailer_line: int) -> bytes:
    """A chunked body, decoded (the reader the client codec uses too); 400 or 413 when it breaks."""
    parts: list[bytes] = []
    try:
        chunked.read_chunked(
            conn.readline, conn.read, parts.append, max_size=max_body, max_trailers=max_trailers,
            trailer_line=trailer_line,
        )
    except chunked.ChunkedError as exc:
        if exc.where == "limit":
            raise HttpError(413, f"el cuerpo chunked supera el máximo de {max_body} bytes.") from None
        raise HttpError(400, CHUNKED_PROBLEMS[exc.where]) from None
    return b"".join(parts)
