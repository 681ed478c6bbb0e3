"""How a server ends a connection on purpose: abortively (RST) or gracefully (FIN, then a lingering read).

Both are spelled once for every operating system; they are not socket options for their own sake
but the two ways the course's servers close, and every server closes through them."""

from __future__ import annotations

import socket
import struct
import sys
import time


def arm_reset(conn: socket.socket) -> None:
    """Make the coming ``close()`` send RST instead of FIN (``SO_LINGER`` on, timeout 0).

    ``struct linger`` is two ints on POSIX but two unsigned shorts on Windows.
    """
    fmt = "HH" if sys.platform == "win32" else "ii"
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(fmt, 1, 0))


def close_gracefully(conn: socket.socket, drain: float = 1.0, limit: int = 1024 * 1024) -> None:
    """Send FIN now, then read and discard what the client still sends, so close() is never RST.

    Closing a socket with unread bytes makes the kernel send RST, and a client that gets RST
    may lose the answer it had not read yet. Like Apache and nginx ("lingering close"), shut
    our side, drain for at most ``drain`` seconds (and ``limit`` bytes); the caller closes.
    """
    try:
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        return
    deadline = time.monotonic() + drain
    received = 0
    while received < limit:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        conn.settimeout(remaining)
        try:
            chunk = conn.recv(65536)
        except (TimeoutError, OSError):
            return
        if not chunk:
            return
        received += len(chunk)
