"""A tiny key-value store over TCP: the application protocol of notebook 10, end to end.

One request per line, one answer per line, like SMTP or Redis's inline commands:

    SET clave valor      → 200 OK
    GET clave            → 200 valor    |  404 no existe
    DEL clave            → 200 OK       |  404 no existe
    anything else        → 400 <por qué>
    a line over the cap  → 413 línea demasiado larga, and the connection is closed

Keys have no spaces; a value is the rest of the line (spaces allowed, no ``\\n``). Everything is
UTF-8. A status code first lets a client decide without reading the text; the text is for people.
The store is shared by every connection, and capped like every course server.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from .._closing import close_gracefully
from .._server import StreamServer
from .codecs import LineReader, encode_line
from .errors import FramingError

MAX_LINE = 4096
MAX_KEYS = 1000
MAX_REQUESTS = 10_000  # per connection: every loop bounded


def answer(store: dict[str, str], line: bytes) -> bytes:
    """The answer line (without ``\\n``) to one request line; changes ``store`` for SET and DEL."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "400 la petición no es UTF-8".encode()
    command, _, rest = text.partition(" ")
    if command == "GET" or command == "DEL":
        if not rest or " " in rest:
            return f"400 {command} necesita una clave (sin espacios)".encode()
        if rest not in store:
            return b"404 no existe"
        value = store[rest] if command == "GET" else store.pop(rest)
        return f"200 {value}".encode() if command == "GET" else b"200 OK"
    if command == "SET":
        key, _, value = rest.partition(" ")
        if not key:
            return b"400 SET necesita una clave y un valor"
        if key not in store and len(store) >= MAX_KEYS:
            return f"507 almacén lleno ({MAX_KEYS} claves)".encode()
        store[key] = value
        return b"200 OK"
    return f"400 orden desconocida {command[:20]!r}: usa SET, GET o DEL".encode()


class KeyValueServer(StreamServer):
    """The key-value protocol above, on loopback; ``store`` is what it holds now."""

    name = "almacén clave-valor"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        self.store: dict[str, str] = {}
        self._store_lock = threading.Lock()
        super().__init__(host, port, **kwargs)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        reader = LineReader(conn, max_line=MAX_LINE)
        for _ in range(MAX_REQUESTS):
            try:
                line = reader.read_line()
            except FramingError:
                conn.sendall(encode_line("413 línea demasiado larga".encode()))
                close_gracefully(conn)  # the rest of the line is unread: a plain close would send RST
                return
            if line is None:
                return
            with self._store_lock:
                reply = answer(self.store, line.removesuffix(b"\r"))
            conn.sendall(encode_line(reply))
