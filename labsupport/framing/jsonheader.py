"""A self-describing message: a 2-byte length, a JSON header with that length, then the body.

Real Python's design for its multi-connection client and server: the fixed part (``!H``, two
bytes, big-endian) says how long the JSON header is; the header says, among other things, how long
the body is and what it holds. A ``version`` field lets both ends change the format later and
notice when they do not speak the same one. Every field is checked before the body is read.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import struct
from typing import Any

from .codecs import check_size
from .errors import FramingError, VersionError
from .stream import recv_exactly

VERSION = 1
#: The fixed part: the JSON header's length, 2 bytes, network byte order.
HEADER_LENGTH = struct.Struct("!H")
MAX_HEADER = 0xFFFF  # what 2 bytes can say
MAX_BODY = 1024 * 1024
REQUIRED = ("version", "content-length", "content-type")


@dataclasses.dataclass(frozen=True)
class Message:
    """One message as read: its JSON header (a dict) and its body (bytes)."""

    header: dict[str, Any]
    body: bytes

    def text(self) -> str:
        """The body decoded with the header's ``content-encoding`` (UTF-8 if it names none)."""
        return self.body.decode(self.header.get("content-encoding", "utf-8"))


def encode_message(body: bytes, *, content_type: str = "application/octet-stream", **fields: Any) -> bytes:
    """The bytes of one message; ``fields`` go into the header too (``content_encoding`` → ``content-encoding``)."""
    header = {"version": VERSION, "content-type": content_type, "content-length": len(body)}
    header.update({name.replace("_", "-"): value for name, value in fields.items()})
    raw = json.dumps(header, ensure_ascii=False).encode("utf-8")
    if len(raw) > MAX_HEADER:
        raise FramingError(f"la cabecera JSON ocupa {len(raw)} bytes y 2 bytes solo cuentan hasta {MAX_HEADER}")
    return HEADER_LENGTH.pack(len(raw)) + raw + body


def parse_header(raw: bytes) -> dict[str, Any]:
    """The JSON header, checked: an object, our version, the required fields, a sane length."""
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FramingError(f"la cabecera no es JSON válido en UTF-8 ({exc}): {raw[:40]!r}") from None
    if not isinstance(header, dict):
        raise FramingError(f"la cabecera tiene que ser un objeto JSON ({{...}}), no {type(header).__name__}")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FramingError(f"a la cabecera le faltan campos: {', '.join(missing)}")
    if header["version"] != VERSION:
        raise VersionError(
            f"la cabecera es de la versión {header['version']!r} y este lector solo entiende la {VERSION}"
        )
    length = header["content-length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise FramingError(f"content-length tiene que ser un entero de 0 o más, no {length!r}")
    return header


def recv_message(sock: socket.socket, *, max_body: int = MAX_BODY, deadline: float | None = None) -> Message:
    """One message from ``sock``: the size of the body is checked before a byte of it is read."""
    (header_length,) = HEADER_LENGTH.unpack(recv_exactly(sock, HEADER_LENGTH.size, deadline=deadline))
    if header_length == 0:
        raise FramingError("la cabecera JSON anuncia 0 bytes: no hay cabecera")
    header = parse_header(recv_exactly(sock, header_length, deadline=deadline))
    check_size(header["content-length"], max_body, "un cuerpo")
    return Message(header, recv_exactly(sock, header["content-length"], deadline=deadline))
