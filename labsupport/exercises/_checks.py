"""What several exercises share: the checker's own reliable client, and what a correct answer
must not leave behind."""

from __future__ import annotations

import socket

#: The checker's own client's timeout (seconds): it must not fire when the server is fine, even on
#: a loaded machine, so it is generous.
PATIENT = 5.0

#: Bound on what the checker's own client reads, so a broken server cannot fill memory.
MAX_RESPONSE = 4 * 1024 * 1024


def read_to_eof(sock: socket.socket, limit: int = MAX_RESPONSE) -> bytes:
    """Everything ``sock`` receives until the peer closes (at most ``limit`` bytes)."""
    parts, size = [], 0
    while size < limit and (data := sock.recv(65536)):
        parts.append(data)
        size += len(data)
    return b"".join(parts)


def fetch(address: tuple[str, int], path: str) -> bytes:
    """The checker's own client: the whole raw response to ``GET path`` with ``Connection: close``."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection(address, timeout=PATIENT) as sock:
        sock.sendall(request.encode("ascii"))
        return read_to_eof(sock)
