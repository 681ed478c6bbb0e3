"""The far end of a client's connection, when that end is a socket of this process (the student's server)."""

from __future__ import annotations

import os
import socket
import stat
import sys

from .._pacing import PeerReader


class ServerEnd(PeerReader):
    """The student's server's end of a client's connection, found by both addresses.

    :class:`~.._pacing.PeerReader` matches the far end by its own address alone, and every socket a
    server accepts has the same one (the listener's): here the far end's peer must be the client.
    """

    def __init__(self, conn: socket.socket) -> None:
        self.fd, self.inode = None, 0
        if sys.platform != "linux":
            return
        try:
            mine, theirs = conn.getsockname(), conn.getpeername()
            names = os.listdir("/proc/self/fd")
        except OSError:
            return
        for name in names:
            fd = int(name)
            try:
                info = os.fstat(fd)
                if fd == conn.fileno() or not stat.S_ISSOCK(info.st_mode):
                    continue
                with socket.socket(fileno=os.dup(fd)) as probe:
                    ends = (probe.getsockname(), probe.getpeername()) if probe.type == socket.SOCK_STREAM else ()
                    if ends == (theirs, mine):
                        self.fd, self.inode = fd, info.st_ino
                        return
            except OSError:
                continue
