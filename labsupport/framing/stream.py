"""Read exactly ``n`` bytes from a byte stream: the one primitive every framing is built on.

TCP hands over bytes, not messages: one ``recv`` may return part of a message or several.
:func:`recv_exactly` loops until it has ``n`` bytes, reads into one preallocated buffer through a
``memoryview`` (``recv_into``: no copy per fragment, no ``+=`` that grows quadratically) and never
reads a byte past ``n``: what follows belongs to the next message.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from .errors import IncompleteMessageError

#: The most asked of one ``recv_into``: bigger reads gain nothing on loopback.
BLOCK = 64 * 1024


def remaining(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (a ``time.monotonic()`` value); TimeoutError once it passed."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(DEADLINE_PASSED)
    return left


DEADLINE_PASSED = "se acabó el plazo para recibir el mensaje entero"


def recv_once(sock: socket.socket, deadline: float | None, read: Callable[..., Any], *args: Any) -> Any:
    """``read(*args)`` (``sock.recv`` or ``sock.recv_into``), its timeout cut to what is left of ``deadline``.

    The socket's timeout still bounds a silence; the deadline bounds the whole message. A
    TimeoutError says which of the two ran out.
    """
    if deadline is None:
        return read(*args)
    own = sock.gettimeout()
    left = remaining(deadline)
    assert left is not None
    sock.settimeout(left if own is None else min(own, left))
    try:
        return read(*args)
    except TimeoutError:
        if time.monotonic() >= deadline:
            raise TimeoutError(DEADLINE_PASSED) from None
        raise
    finally:
        sock.settimeout(own)


def recv_exactly(sock: socket.socket, n: int, *, deadline: float | None = None) -> bytes:
    """Exactly ``n`` bytes from ``sock``, or :class:`IncompleteMessageError` if the peer closes first.

    ``deadline`` (``time.monotonic()`` + seconds) bounds the whole message, while the socket's own
    timeout still bounds each call: a peer that drips one byte a second never lets a per-call
    timeout run out, but cannot hold the reader past the deadline.
    The caller checks ``n`` against its limit first: this function allocates ``n`` bytes.
    """
    if n < 0:
        raise ValueError(f"no se pueden recibir {n} bytes: la longitud tiene que ser 0 o más")
    buffer = bytearray(n)
    view = memoryview(buffer)
    got = 0
    try:
        while got < n:
            count = recv_once(sock, deadline, sock.recv_into, view[got:], min(n - got, BLOCK))
            if count == 0:
                raise IncompleteMessageError(
                    f"el otro extremo cerró la conexión cuando faltaban {n - got} de {n} bytes"
                )
            got += count
    finally:
        view.release()
    return bytes(buffer)
