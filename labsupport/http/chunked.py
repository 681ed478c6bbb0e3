"""The chunked transfer coding (RFC 9112 §7.1), read and written the same way by both sides.

The server reads chunked request bodies (``handler``) and the client codec reads chunked
responses (``client``: the widgets, the checkers). Both call :func:`read_chunked`, so they
agree on what a whole body is: chunks of a size line in hexadecimal (an extension after
``;`` is ignored), that many bytes and CRLF; then a chunk of size 0, trailer lines and an
empty line. Each side turns a :class:`ChunkedError` into its own answer: the server into a
Spanish 400 or 413, the client into "incomplete" (the connection ended first) or a
``ResponseError``.

The reader works on two calls with the semantics of a buffered socket (the server's
``Connection``, the client's reader): ``readline(limit)`` returns a line with its ``\\n``,
at most ``limit`` bytes, less only at EOF; ``read(n)`` returns 1 to ``n`` bytes, ``b""``
only at EOF. Data is handed to ``deliver`` piece by piece as ``read`` returns it, so a
download's progress shows while a large chunk arrives.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Statuses whose response never has a body, whatever its headers say (RFC 9112 §6.3): server and client frame alike.
NO_BODY_STATUSES = frozenset({204, 304})

#: A chunk size: hexadecimal digits only (no sign, no ``0x``, no spaces inside), at most 15.
HEX = re.compile(rb"[0-9A-Fa-f]{1,15}")
#: A size line's length at most: 15 digits, an extension, CRLF.
SIZE_LINE = 1026
#: The last chunk and the empty line after it (no trailers): how a writer ends the body.
LAST_CHUNK = b"0\r\n\r\n"


class ChunkedError(ValueError):
    """A chunked body that breaks the coding, or that ``read_chunked`` refuses.

    ``where``: ``"size"`` (a size line that is not hexadecimal), ``"data"`` (a chunk shorter
    than its size, or not followed by CRLF), ``"trailers"`` (no empty line after the last
    chunk) or ``"limit"`` (the body would pass ``max_size``). ``eof`` is True when the
    connection ended there (the body is incomplete rather than malformed); ``text`` is the
    offending line, for a message.
    """

    def __init__(self, where: str, *, eof: bool = False, text: bytes = b"") -> None:
        super().__init__(f"{where}{' (EOF)' if eof else ''}: {text[:40]!r}")
        self.where = where
        self.eof = eof
        self.text = text


def encode_chunk(data: bytes, extension: bytes = b"") -> bytes:
    """One chunk: size in hexadecimal (plus ``extension``, such as ``b";nota=x"``), CRLF, data, CRLF."""
    return b"%x%b\r\n%b\r\n" % (len(data), extension, data)


def read_chunked(
    readline: Callable[[int], bytes],
    read: Callable[[int], bytes],
    deliver: Callable[[bytes], None],
    *,
    max_size: int | None = None,
    max_trailers: int = 100,
    trailer_line: int = 8190,
) -> int:
    """Read one chunked body to its final empty line; return its decoded size.

    ``max_size`` is checked against each size line before its data is read (a size of
    ``fffffffffffffff`` is refused, not awaited). Trailers are read and dropped: at most
    ``max_trailers`` lines of at most ``trailer_line`` bytes.
    """
    total = 0
    while True:
        line = readline(SIZE_LINE)
        size_text = line.split(b";", 1)[0].strip()
        if not line.endswith(b"\n") or not HEX.fullmatch(size_text):
            raise ChunkedError("size", eof=_ended(line, SIZE_LINE), text=line)
        size = int(size_text, 16)
        if size == 0:
            break
        if max_size is not None and total + size > max_size:
            raise ChunkedError("limit", text=line)
        total += size
        remaining = size
        while remaining:
            piece = read(remaining)
            if not piece:
                raise ChunkedError("data", eof=True)
            remaining -= len(piece)
            deliver(piece)
        end = readline(3)
        if end not in (b"\r\n", b"\n"):
            raise ChunkedError("data", eof=_ended(end, 3), text=end)
    for _ in range(max_trailers + 1):
        line = readline(trailer_line + 1)
        if line in (b"\r\n", b"\n"):
            return total
        if not line.endswith(b"\n"):
            raise ChunkedError("trailers", eof=_ended(line, trailer_line + 1), text=line)
    raise ChunkedError("trailers", text=line)  # more trailer lines than max_trailers


def _ended(line: bytes, limit: int) -> bool:
    """A line without its ``\\n`` and shorter than the limit: the connection ended in it."""
    return not line.endswith(b"\n") and len(line) < limit
