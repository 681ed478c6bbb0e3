"""Errors the operating system's kernel decides on its own: ETIMEDOUT, and a process out of descriptors.

``TimeoutError`` reaches a Python program in two ways that look alike and are not:

- Python's own deadline (``settimeout()``, ``create_connection(timeout=)``): the socket
  module waits with ``poll`` and, when the time is up, raises ``TimeoutError`` with
  ``errno`` **None**. The kernel knows nothing about it. :class:`NeverAccepts` and
  :class:`Silent` produce this one.
- The kernel's deadline: TCP itself gives up on a connection (SYN retransmissions
  exhausted, data that cannot be delivered for too long, keepalive probes unanswered) and
  the next call on the socket fails with ``ETIMEDOUT``, which Python maps to
  ``TimeoutError`` **with** ``errno == errno.ETIMEDOUT``.

The kernel's deadlines are minutes long by default (Linux: 6 SYN retries ≈ 127 s, 15 data
retransmissions ≈ 15 min), and on loopback the peer's kernel answers every probe, so the
second kind needs two things to appear in a notebook in under a second:

1. :class:`NeverReads`: a server whose receive buffer is tiny and never emptied. The
   client's data soon stops moving: the peer advertises a zero window, and the client's
   kernel keeps probing it, forever, because every probe is answered.
2. :func:`set_kernel_timeout`: Linux's ``TCP_USER_TIMEOUT`` (RFC 5482), the longest time
   data may stay unsent or unacknowledged. Since Linux 5.11 it also bounds a window that
   stays closed; when it passes the kernel aborts the connection and the blocked
   ``sendall`` raises ``TimeoutError: [Errno 110] Connection timed out``. It also bounds
   the SYN retries of a ``connect()`` with no Python timeout (checked at the first
   retransmission, 1 s after the SYN).

macOS (``TCP_RXT_CONNDROPTIME``) and Windows (``TCP_MAXRT``) have their own options; the
course produces the kernel's ETIMEDOUT on Linux only, and elsewhere falls back to Python's
timeout, saying so (:func:`set_kernel_timeout` returns False).

``EMFILE`` ("too many open files") is the other error a kernel decides by itself: the limit
on open descriptors is **per process** (``RLIMIT_NOFILE``), not for the whole system (that
one is ``ENFILE``). :func:`descriptor_limit` lowers this process's own soft limit for a
moment, so that the error appears after a handful of sockets instead of thousands.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from typing import Any

from ..events import EventKind
from .base import IdleServer, check_number

#: Whether this system lets a program shorten the kernel's own deadline (Linux ``TCP_USER_TIMEOUT``).
KERNEL_TIMEOUT = sys.platform.startswith("linux")


def set_kernel_timeout(sock: socket.socket, seconds: float) -> bool:
    """Give the kernel its own deadline on ``sock`` (Linux ``TCP_USER_TIMEOUT``); True if it was set.

    When data stays unsent or unacknowledged for ``seconds`` (or a ``connect`` gets no
    answer to its SYN), the kernel aborts the connection and the pending or next call raises
    ``TimeoutError`` with ``errno == errno.ETIMEDOUT``. Unlike ``settimeout()``, the
    connection is gone afterwards: it is the kernel giving up, not Python stopping a wait.

    Where the system has no such option (macOS, Windows: see the module), Python's own
    timeout is set instead and False is returned, so that a notebook cell never waits
    forever: it then shows Python's ``TimeoutError`` (errno None), and says so.
    """
    check_number("seconds", seconds, 0.01, 600.0)
    if not KERNEL_TIMEOUT:
        sock.settimeout(seconds)
        return False
    option = getattr(socket, "TCP_USER_TIMEOUT", 18)  # 18 in linux/tcp.h; Python may lack the name
    sock.setsockopt(socket.IPPROTO_TCP, option, max(1, round(seconds * 1000)))
    return True


class NeverReads(IdleServer):
    """Listens with the smallest receive buffer and never accepts nor reads: a writer's data stops.

    The kernel completes each handshake and stores what the client sends in the queued
    connection's receive buffer (a few kilobytes) until it is full; then the client's
    ``sendall`` waits for room that never comes. With ``settimeout()`` the client gets
    Python's ``TimeoutError`` (errno None); with :func:`set_kernel_timeout` and no Python
    timeout, the kernel's ``TimeoutError`` with errno ``ETIMEDOUT``; with neither, it waits
    forever (the peer answers every zero-window probe). Holds up to ``backlog()`` clients.
    """

    label = "servidor que nunca lee"
    client_exception: type[BaseException] | None = TimeoutError
    summary = (
        "sendall() se queda esperando: el servidor no lee y su búfer de recepción se llena; "
        "con TCP_USER_TIMEOUT el núcleo se rinde con ETIMEDOUT."
    )
    on_other_systems = (
        "El búfer se llena igual en todos; TCP_USER_TIMEOUT es de Linux (macOS: TCP_RXT_CONNDROPTIME, "
        "Windows: TCP_MAXRT), así que el ETIMEDOUT del núcleo solo se provoca aquí en Linux."
    )

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        # The window a client is offered comes from the listening socket's buffer, read when
        # its SYN arrives; no client knows the port before __init__ returns, so this is in time.
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)  # the kernel rounds up to its minimum
        self._log(EventKind.RECEIVE_BUFFER, "", f"{self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)} bytes")

    def backlog(self) -> int:
        return 8


def _first_free_descriptors(count: int, soft: int) -> int:
    """The limit that leaves exactly ``count`` descriptor numbers free below it (``open`` takes the lowest)."""
    free = 0
    for fd in range(soft if soft >= 0 else 1 << 20):
        try:
            os.fstat(fd)
        except OSError:
            free += 1
            if free == count:
                return fd + 1
    return soft


@contextlib.contextmanager
def descriptor_limit(free: int = 5) -> Iterator[int | None]:
    """Lower this process's soft ``RLIMIT_NOFILE`` so that only ``free`` more descriptors fit; restore it after.

    Inside the block the ``free + 1``-th socket (or file) raises ``OSError`` with errno
    ``EMFILE``: the limit is the process's own. Yields the limit in force inside the block.
    Unix only (``resource`` module): on Windows sockets are handles with no small
    per-process limit to lower, so nothing changes and None is yielded.
    """
    check_number("free", free, 1, 64)
    try:
        import resource
    except ImportError:  # Windows
        yield None
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = _first_free_descriptors(int(free), soft)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
