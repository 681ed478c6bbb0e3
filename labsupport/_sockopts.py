"""Socket options the servers share, spelled once for every operating system."""

from __future__ import annotations

import socket
import struct
import sys


def arm_reset(conn: socket.socket) -> None:
    """Make the coming ``close()`` send RST instead of FIN (``SO_LINGER`` on, timeout 0).

    ``struct linger`` is two ints on POSIX but two unsigned shorts on Windows.
    """
    fmt = "HH" if sys.platform == "win32" else "ii"
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(fmt, 1, 0))
