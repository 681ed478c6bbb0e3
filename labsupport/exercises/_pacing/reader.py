"""How far the student's socket has read: what the kernel says about a socket of this process.

Two counts answer "has it read what was sent?": ``TCP_INFO``'s ``tcpi_bytes_received`` (every
byte TCP has delivered to the socket, read or not; Linux 4.1 and later) and ``FIONREAD`` (the
bytes still unread). Neither is enough alone: while the reader's thread is inside ``recv`` the
kernel parks arriving segments in the socket's backlog, which ``FIONREAD`` does not see yet, so
"nothing unread" can be said of a piece still on its way. Together they are exact: the socket
has received ``total`` bytes and nobody has left any unread. The delivered count is read first,
so that a piece arriving between the two reads is never taken for read.

A :class:`Reader` looks at the student's socket: :class:`SocketReader` when the checker holds
that very socket object (it made the connection and handed it over), :class:`PeerReader` when
it holds only the other end (the student made the connection, to a server or proxy of the
checker's). A look says the counts, :data:`CLOSED` once the socket is gone (it will read no
more), or None where the system cannot tell (not Linux).
"""

from __future__ import annotations

import array
import dataclasses
import os
import socket
import stat
import struct
import sys
from typing import Any, Protocol

try:  # POSIX only
    import fcntl
    import termios

    _FIONREAD: int | None = termios.FIONREAD
except ImportError:  # pragma: no cover - Windows
    _FIONREAD = None

#: Offset of ``tcpi_bytes_received`` (u64) in Linux's ``struct tcp_info`` (Linux 4.1 and later).
_BYTES_RECEIVED = 128


def unread(sock: socket.socket) -> int | None:
    """Bytes that arrived on ``sock`` and nobody has read yet (0 once it is closed; None where the
    system cannot tell)."""
    if _FIONREAD is None:
        return None
    try:
        fd = sock.fileno()
        if fd < 0:
            return 0
        buf = array.array("i", [0])
        fcntl.ioctl(fd, _FIONREAD, buf, True)
        return buf[0]
    except OSError:
        return 0


def delivered(sock: socket.socket) -> int | None:
    """Bytes TCP has delivered to ``sock`` so far, read or not (None where the system cannot tell)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _BYTES_RECEIVED + 8)
        return int(struct.unpack_from("Q", info, _BYTES_RECEIVED)[0])
    except (OSError, struct.error, ValueError):
        return None


@dataclasses.dataclass(frozen=True)
class Reception:
    """What the kernel says about the receiving side of a socket of this process."""

    #: Bytes TCP has delivered to the socket so far, read or not.
    delivered: int = 0
    #: Of those, the bytes nobody has read yet.
    unread: int = 0
    #: The socket is gone: it will read nothing more.
    closed: bool = False

    def consumed(self, total: int) -> bool:
        """Whether the socket has received ``total`` bytes and read them all (or is gone: then
        nobody is left to wait for)."""
        return self.closed or (self.delivered >= total and self.unread == 0)


#: What a look at a socket that is gone says.
CLOSED = Reception(closed=True)


def reception(sock: socket.socket) -> Reception | None:
    """Both counts of ``sock`` (the delivered one first), or None where the system cannot tell."""
    got = delivered(sock)
    left = unread(sock) if got is not None else None
    return None if got is None or left is None else Reception(got, left)


class Reader(Protocol):
    """The student's socket, as the checker looks at it."""

    def look(self) -> Reception | None:
        """Its counts, :data:`CLOSED` once it is gone, None where the system cannot tell."""
        ...


class SocketReader:
    """The student's socket when the checker holds the very object (and handed it to the student)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def look(self) -> Reception | None:
        return CLOSED if self.sock.fileno() == -1 else reception(self.sock)


class PeerReader:
    """The socket at the other end of ``conn``, when that end is a socket of this process (the student's).

    It is found by both of its addresses among the process's descriptors (Linux: ``/proc/self/fd``):
    its own must be ``conn``'s peer and its peer must be ``conn``, since Linux reuses an ephemeral port
    towards other destinations, and a socket left open by earlier code with the same local address
    would otherwise be watched instead (its reads never come, and the pacing waits for ever: a right
    answer to 9.4 hung that way in a CI run). It keeps the descriptor's number and inode, never a
    duplicate of it between looks: a duplicate held open would keep the student's ``close()`` from
    sending FIN.
    """

    def __init__(self, conn: socket.socket) -> None:
        self.fd: int | None = None
        self.inode = 0
        if not sys.platform.startswith("linux"):
            return
        try:
            wanted, back = conn.getpeername(), conn.getsockname()
            names = os.listdir("/proc/self/fd")
        except OSError:
            return
        for name in names:
            fd = int(name)
            if fd == conn.fileno():
                continue
            try:
                info = os.fstat(fd)
                if not stat.S_ISSOCK(info.st_mode):
                    continue
                with socket.socket(fileno=os.dup(fd)) as probe:
                    if probe.type == socket.SOCK_STREAM and probe.getsockname() == wanted and _peer(probe) == back:
                        self.fd, self.inode = fd, info.st_ino
                        return
            except OSError:
                continue

    def look(self) -> Reception | None:
        if self.fd is None:
            return None
        try:
            with socket.socket(fileno=os.dup(self.fd)) as probe:
                if os.fstat(probe.fileno()).st_ino != self.inode:
                    return CLOSED  # closed, and the number reused by another socket
                seen = reception(probe)
        except OSError:
            return CLOSED
        return CLOSED if seen is None else seen


def _peer(sock: socket.socket) -> Any:
    """``sock``'s peer address, or None for a socket that has none (a listener, one not connected)."""
    try:
        return sock.getpeername()
    except OSError:
        return None
