"""Three ways to tell where a message ends in a byte stream: a delimiter, a fixed size, a length prefix.

Reference implementations for notebook 10, small on purpose. Each reader has a limit and says in
Spanish what broke it: a line that never ends, a length that cannot be, a peer that closed
midway. None allocates what the peer announces before checking it against the limit.
"""

from __future__ import annotations

import socket
import struct

from .errors import FramingError, IncompleteMessageError, MessageTooLargeError, size_text
from .stream import BLOCK, recv_exactly, recv_once

DELIMITER = b"\n"
#: Longest line a :class:`LineReader` accepts by default (without its ``\n``).
MAX_LINE = 64 * 1024
#: Biggest length-prefixed message :func:`recv_prefixed` accepts by default.
MAX_MESSAGE = 1024 * 1024
#: The length prefix: 4 bytes, unsigned, network byte order (big-endian).
PREFIX = struct.Struct("!I")


# -- delimiter ------------------------------------------------------------------------------
def encode_line(data: bytes) -> bytes:
    """``data`` + ``\\n``; a ``\\n`` inside would end the message early, so it is refused."""
    if DELIMITER in data:
        raise FramingError(
            f"el mensaje contiene el delimitador {DELIMITER!r} en la posición {data.index(DELIMITER)}: "
            "el receptor lo partiría en dos (escápalo antes con escape())"
        )
    return data + DELIMITER


def escape(data: bytes) -> bytes:
    """Make ``data`` safe to frame with ``\\n``: ``\\`` becomes ``\\\\`` and ``\\n`` becomes ``\\n`` (two bytes)."""
    return data.replace(b"\\", b"\\\\").replace(b"\n", b"\\n")


def unescape(data: bytes) -> bytes:
    """The inverse of :func:`escape`; a lone backslash or an unknown escape is a :class:`FramingError`."""
    out = bytearray()
    i = 0
    while i < len(data):
        byte = data[i : i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        pair = data[i : i + 2]
        if pair == b"\\\\":
            out += b"\\"
        elif pair == b"\\n":
            out += b"\n"
        else:
            raise FramingError(f"secuencia de escape desconocida {pair!r} en la posición {i}")
        i += 2
    return bytes(out)


class LineReader:
    """Lines from a socket, however its bytes are cut: keeps what followed the last ``\\n`` for next time."""

    def __init__(self, sock: socket.socket, *, max_line: int = MAX_LINE) -> None:
        self.sock = sock
        self.max_line = max_line
        self._buffer = bytearray()

    def read_line(self, *, deadline: float | None = None) -> bytes | None:
        """The next line without its ``\\n``; None if the peer closed between two lines."""
        while (end := self._buffer.find(DELIMITER)) < 0:
            if len(self._buffer) > self.max_line:
                raise MessageTooLargeError(
                    f"una línea pasa de {size_text(self.max_line)} sin {DELIMITER!r}: la cortamos aquí"
                )
            data = recv_once(self.sock, deadline, self.sock.recv, BLOCK)
            if not data:
                if self._buffer:
                    raise IncompleteMessageError(
                        f"el otro extremo cerró a mitad de una línea ({len(self._buffer)} bytes sin {DELIMITER!r})"
                    )
                return None
            self._buffer += data
        if end > self.max_line:
            raise MessageTooLargeError(f"una línea de {end} bytes pasa del límite de {size_text(self.max_line)}")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        return line

    @property
    def pending(self) -> bytes:
        """What arrived after the last line returned (the start of the next one)."""
        return bytes(self._buffer)


# -- fixed size -----------------------------------------------------------------------------
def encode_fixed(data: bytes, size: int) -> bytes:
    """``data`` padded with ``\\0`` to exactly ``size`` bytes; longer data does not fit."""
    if len(data) > size:
        raise MessageTooLargeError(f"{len(data)} bytes no caben en un mensaje de tamaño fijo de {size} bytes")
    return data.ljust(size, b"\0")


def recv_fixed(sock: socket.socket, size: int, *, deadline: float | None = None) -> bytes:
    """One fixed-size message, its ``\\0`` padding removed (so it cannot end in ``\\0`` itself)."""
    return recv_exactly(sock, size, deadline=deadline).rstrip(b"\0")


# -- length prefix --------------------------------------------------------------------------
def encode_prefixed(data: bytes) -> bytes:
    """4 bytes of length (``!I``: big-endian) and then ``data``."""
    if len(data) > 0xFFFF_FFFF:
        raise MessageTooLargeError(f"{size_text(len(data))} no caben en un prefijo de 4 bytes")
    return PREFIX.pack(len(data)) + data


def send_prefixed(sock: socket.socket, data: bytes) -> None:
    """Send one length-prefixed message whole (``sendall``)."""
    sock.sendall(encode_prefixed(data))


def check_size(announced: int, limit: int, what: str = "un mensaje") -> None:
    """:class:`MessageTooLargeError` if ``announced`` is over ``limit``: call it BEFORE reading or allocating."""
    if announced > limit:
        raise MessageTooLargeError(
            f"el otro extremo anuncia {what} de {size_text(announced)} y el límite es {size_text(limit)}: "
            "no lo leemos (ni reservamos memoria para él)"
        )


def recv_prefixed(sock: socket.socket, *, max_size: int = MAX_MESSAGE, deadline: float | None = None) -> bytes | None:
    """One length-prefixed message; None if the peer closed cleanly before a new one started."""
    first = recv_once(sock, deadline, sock.recv, 1)
    if not first:
        return None
    (length,) = PREFIX.unpack(first + recv_exactly(sock, PREFIX.size - 1, deadline=deadline))
    check_size(length, max_size)
    return recv_exactly(sock, length, deadline=deadline)
