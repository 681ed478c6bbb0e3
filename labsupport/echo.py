"""Echo servers, the guide's first server, over TCP and UDP, IPv4 and IPv6.

The guide's ``servidor_echo`` answers every ``recv`` with ``"Echo: " + mensaje``. These
servers answer the same way, but never print, stop cleanly and do not crash on bytes
that are not UTF-8 (they echo bytes, not text).
"""

from __future__ import annotations

import socket
from typing import Any

from ._server import DatagramServer, StreamServer

PREFIX = b"Echo: "


class EchoServer(StreamServer):
    """TCP echo: each chunk received is sent back as ``prefix + chunk``.

    >>> with EchoServer() as srv:                          # doctest: +SKIP
    ...     c = socket.create_connection(srv.address); c.sendall(b"hola"); c.recv(100)
    b'Echo: hola'

    ``prefix=b""`` gives a plain echo. The messages received are kept in ``received``.
    """

    name = "servidor de eco"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, prefix: bytes = PREFIX, **kwargs: Any):
        self.prefix = prefix
        self.received: list[bytes] = []
        super().__init__(host, port, **kwargs)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        while data := conn.recv(4096):
            self.received.append(data)
            conn.sendall(self.prefix + data)


class UdpEchoServer(DatagramServer):
    """UDP echo: each datagram is answered with one datagram, ``prefix + data``."""

    name = "servidor de eco UDP"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, prefix: bytes = PREFIX, **kwargs: Any):
        self.prefix = prefix
        self.received: list[bytes] = []
        super().__init__(host, port, **kwargs)

    def handle_datagram(self, data: bytes, addr: tuple) -> bytes:
        self.received.append(data)
        return self.prefix + data
