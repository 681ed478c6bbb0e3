"""Wait until bytes sent to a socket of this process are all in its receive buffer, unread.

Notebook 10 shows that three ``sendall`` can come out of one ``recv``. That happens whenever the
three have arrived before the reader asks, so the notebook makes sure they have: it asks the
kernel how many bytes wait unread (``FIONREAD``, the same count the checkers pace with) instead
of sleeping and hoping. Where the system cannot tell (Windows), a short pause after the socket
turns readable stands in, and :func:`wait_arrived` says so by returning False.
"""

from __future__ import annotations

import select
import socket
import time

from ..exercises._pacing import unread

#: A wait that must not run out on a loaded machine: generous.
PATIENCE = 5.0
_STEP = 0.001
_FALLBACK_PAUSE = 0.2


def arrived(sock: socket.socket) -> int | None:
    """Bytes waiting unread in ``sock``'s receive buffer (None where the system cannot tell)."""
    return unread(sock)


def wait_arrived(sock: socket.socket, n: int, *, timeout: float = PATIENCE) -> bool:
    """Block until at least ``n`` bytes wait unread in ``sock``; True when the kernel said so."""
    limit = time.monotonic() + timeout
    if arrived(sock) is None:
        select.select([sock], [], [], timeout)
        time.sleep(_FALLBACK_PAUSE)
        return False
    while (count := arrived(sock)) is not None and count < n:
        if time.monotonic() > limit:
            raise TimeoutError(f"en {timeout} s solo llegaron {count} de {n} bytes")
        time.sleep(_STEP)
    return True
