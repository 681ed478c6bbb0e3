"""What anyone on the path reads from a TLS connection: the records, and the ClientHello in clear.

``https`` encrypts the HTTP request, but not everything: the handshake starts with the
client's *ClientHello*, sent before any key exists, so it travels in clear. It names the
server the client wants (the SNI extension, so that a server with many sites can pick the
right certificate) and the application protocols it offers (ALPN, e.g. ``http/1.1``). Only
the records after the handshake are encrypted. A router, a proxy or our
:class:`~labsupport.tap.Tap` sees the server's name, never the request.

This module reads those bytes (RFC 8446 §4.1.2 and §5.1, RFC 6066 §3, RFC 7301): the record
layer of a captured stream, and the fields of a ClientHello. It is a reader for teaching,
strict about lengths and with a Spanish message for bytes that are not what it expects.
"""

from __future__ import annotations

import dataclasses

from ._errors import LabError

__all__ = ["RECORD_TYPES", "ClientHello", "NotClientHelloError", "parse_client_hello", "record_names", "records"]

#: TLS record content types (RFC 8446 §5.1)
RECORD_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
HANDSHAKE, CLIENT_HELLO = 22, 1
EXT_SERVER_NAME, EXT_ALPN, EXT_SUPPORTED_VERSIONS = 0, 16, 43


class NotClientHelloError(LabError, ValueError):
    """The bytes do not start with a TLS ClientHello (or it is cut short)."""


@dataclasses.dataclass(frozen=True)
class ClientHello:
    """The readable fields of a ClientHello."""

    server_name: str | None  # SNI: absent when the client connects by IP address
    alpn: tuple[str, ...]  # application protocols offered, e.g. ("http/1.1",)
    versions: tuple[str, ...]  # TLS versions offered (supported_versions), e.g. ("TLS 1.3", "TLS 1.2")
    cipher_suites: int  # how many cipher suites the client offers
    size: int  # bytes of the handshake message


_VERSIONS = {0x0304: "TLS 1.3", 0x0303: "TLS 1.2", 0x0302: "TLS 1.1", 0x0301: "TLS 1.0"}


def records(data: bytes) -> list[tuple[int, bytes]]:
    """The complete records at the start of ``data``: ``(content type, payload)`` each.

    A record is a 5-byte header (type, version, length) and its payload; a last record cut
    short (the capture ended mid-record) is left out.
    """
    out, i = [], 0
    while i + 5 <= len(data):
        kind, length = data[i], int.from_bytes(data[i + 3 : i + 5], "big")
        if i + 5 + length > len(data):
            break
        out.append((kind, data[i + 5 : i + 5 + length]))
        i += 5 + length
    return out


def record_names(data: bytes) -> list[str]:
    """The kinds of record in ``data``, in order of first appearance: ``["handshake", ...]``."""
    names: list[str] = []
    for kind, _ in records(data):
        name = RECORD_TYPES.get(kind, f"desconocido ({kind})")
        if name not in names:
            names.append(name)
    return names


class _Reader:
    """Big-endian fields out of a bytes object; a cut message is a NotClientHelloError."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise NotClientHelloError(
                f"El ClientHello está cortado: faltan bytes en la posición {self.pos} (mide {len(self.data)})."
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def number(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def vector(self, length_bytes: int) -> bytes:
        return self.take(self.number(length_bytes))

    @property
    def done(self) -> bool:
        return self.pos >= len(self.data)


def _handshake_message(data: bytes) -> bytes:
    """The first handshake message, joined from as many handshake records as it spans."""
    if not data or data[0] != HANDSHAKE:
        first = f"{data[0]} ({RECORD_TYPES.get(data[0], 'desconocido')})" if data else "ninguno (no hay bytes)"
        raise NotClientHelloError(
            f"Un saludo TLS empieza con un registro de tipo 22 (handshake); el primero es de tipo {first}. "
            "Pasa los bytes que envió el cliente desde el principio de la conexión (tap.sent(conn=...))."
        )
    payload = b"".join(p for kind, p in _leading_handshake(data))
    if len(payload) < 4:
        raise NotClientHelloError("El primer registro handshake está cortado: no trae ni la cabecera del mensaje.")
    if payload[0] != CLIENT_HELLO:
        raise NotClientHelloError(f"El primer mensaje es de tipo {payload[0]}; un ClientHello es de tipo 1.")
    size = int.from_bytes(payload[1:4], "big")
    if len(payload) < 4 + size:
        raise NotClientHelloError(f"El ClientHello declara {size} bytes y solo hay {len(payload) - 4}.")
    return payload[4 : 4 + size]


def _leading_handshake(data: bytes) -> list[tuple[int, bytes]]:
    out = []
    for kind, payload in records(data):
        if kind != HANDSHAKE:
            break
        out.append((kind, payload))
    return out


def parse_client_hello(data: bytes) -> ClientHello:
    """Read the ClientHello at the start of ``data`` (what a client sent, from its first byte)."""
    body = _handshake_message(bytes(data))
    r = _Reader(body)
    r.take(2)  # legacy_version: 0x0303 even in TLS 1.3
    r.take(32)  # random
    r.vector(1)  # legacy_session_id
    suites = len(r.vector(2)) // 2
    r.vector(1)  # legacy_compression_methods
    server_name: str | None = None
    alpn: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    if not r.done:
        extensions = _Reader(r.vector(2))
        while not extensions.done:
            kind, ext = extensions.number(2), _Reader(extensions.vector(2))
            if kind == EXT_SERVER_NAME:
                names = _Reader(ext.vector(2))
                while not names.done:
                    name_type, name = names.number(1), names.vector(2)
                    if name_type == 0:  # host_name
                        server_name = name.decode("ascii", "replace")
            elif kind == EXT_ALPN:
                protocols = _Reader(ext.vector(2))
                found: list[str] = []
                while not protocols.done:
                    found.append(protocols.vector(1).decode("ascii", "replace"))
                alpn = tuple(found)
            elif kind == EXT_SUPPORTED_VERSIONS:
                offered = _Reader(ext.vector(1))
                found = []
                while not offered.done:
                    code = offered.number(2)
                    if code in _VERSIONS:  # GREASE values (RFC 8701) are left out
                        found.append(_VERSIONS[code])
                versions = tuple(found)
    return ClientHello(server_name, alpn, versions, suites, len(body) + 4)
