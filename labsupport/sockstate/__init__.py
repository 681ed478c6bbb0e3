"""What the operating system knows about sockets, shown without privileges.

- `card`: ``lab.ficha(sock)``, one socket as a table (with its TCP state and queues);
- `tcpinfo`: the kernel's record of one TCP socket (state, queues, RTT), per system;
- `connections`: ``lab.conexiones(...)``, the machine's TCP sockets as a table (psutil).
"""

from __future__ import annotations

from .card import SocketCard, ficha
from .connections import Connection, ConnectionTable, conexiones
from .tcpinfo import accept_queue, queues, rtt, tcp_state

__all__ = [
    "Connection", "ConnectionTable", "SocketCard", "accept_queue", "conexiones", "ficha", "queues", "rtt", "tcp_state",
]  # fmt: skip
