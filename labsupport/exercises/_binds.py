"""What a student's code passes to ``bind()``, seen through Python's audit hooks.

Some requirements are about the *call*, not its result: "ask for port 0" (a random port
of the student's own choosing works too, most of the time, so the result alone would make
the verdict depend on luck), "probe with a TCP socket". CPython raises the audit event
``socket.bind`` with the socket and the address exactly as given, before the system call,
for every way of binding (``sock.bind``, ``socket.create_server``…), so a hook sees them all.

The same hook can make that one ``bind()`` fail with an error the checker chooses
(``PermissionError``, what a reserved port gives without privileges): the only way to see,
on every machine and also as root, whether the student lets an unexpected error out.

The checkers' one audit hook (:mod:`._audit`) hands this module every ``socket.bind``; it does
nothing unless :func:`watch_binds` is active in the calling thread (the servers of the checker
bind in other blocks, or other threads, and are never seen).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import socket
import threading
from collections.abc import Iterator

from ._audit import on_audit_event

#: The watch active in each thread (by ident): the hook looks here and nowhere else.
_active: dict[int, Watch] = {}


@dataclasses.dataclass(frozen=True)
class Bind:
    """One call to ``bind()``: the socket's descriptor, type and family, and the address given."""

    fileno: int
    type: socket.SocketKind
    family: socket.AddressFamily
    address: object

    @property
    def port(self) -> int | None:
        return self.address[1] if isinstance(self.address, tuple) and len(self.address) >= 2 else None


@dataclasses.dataclass
class Watch:
    """The binds seen in one ``watch_binds`` block; ``refuse_port``: the port whose bind fails."""

    refuse_port: int | None = None
    binds: list[Bind] = dataclasses.field(default_factory=list)
    #: Whether the checker made a bind fail (so the error that came out is the checker's).
    refused: bool = False

    def last_on(self, sock: socket.socket) -> Bind | None:
        """The last bind made on ``sock`` (by its descriptor), or None if it was never bound by a call."""
        fileno = sock.fileno()
        return next((b for b in reversed(self.binds) if b.fileno == fileno), None)

    @property
    def udp(self) -> bool:
        """Whether any of the binds was on a UDP socket."""
        return any(b.type == socket.SOCK_DGRAM for b in self.binds)


def refused_error() -> PermissionError:
    """The error a reserved port gives to a program without privileges (Linux, as a normal user)."""
    return PermissionError(errno.EACCES, os.strerror(errno.EACCES))


def _on_event(args: tuple) -> None:
    watch = _active.get(threading.get_ident())
    if watch is None:
        return
    sock, address = args
    bind = Bind(sock.fileno(), sock.type, sock.family, address)
    watch.binds.append(bind)
    if watch.refuse_port is not None and bind.port == watch.refuse_port:
        watch.refused = True
        raise refused_error()


def _install() -> None:
    on_audit_event("socket.bind", _on_event)


@contextlib.contextmanager
def watch_binds(*, refuse_port: int | None = None) -> Iterator[Watch]:
    """Record every ``bind()`` this thread makes inside the block; make the one on
    ``refuse_port`` (if given) fail with :func:`refused_error` before the system sees it."""
    _install()
    me = threading.get_ident()
    watch = Watch(refuse_port)
    outer = _active.get(me)
    _active[me] = watch
    try:
        yield watch
    finally:
        if outer is None:
            del _active[me]
        else:
            _active[me] = outer
