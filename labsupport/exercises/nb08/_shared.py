"""What the three exercises of notebook 08 share: the limits, a connected pair with small buffers, a socket
that counts the student's calls, and a reader that keeps what the student's code sends."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import Context
from .._checks import MAX_RESPONSE
from .._pacing import PATIENCE

#: Socket buffers of the slow cases (the system may double them): small, so they fill at once.
BUFFER = 64 * 1024
#: The timeout of the sockets handed to the student: it must not fire (the case's own time
#: limit cuts a hanging answer first), and it makes a too-early ``send()`` return a part.
STUDENT_TIMEOUT = 10.0
#: A slow reader starts reading this long after the first byte of the answer arrived.
SLOW_START = 0.2
#: The echo peer of 8.3 gives up on a message after this long without a byte (a part was never sent).
IDLE = 2.0
BIG = 1024 * 1024
#: A timeout this short on the handler's socket makes its ``sendall`` give up on the slow reader.
SHORT_TIMEOUT = 1.0
#: Reads no larger than this are "byte by byte": far too many calls for a line of 1 MiB.
TINY_READ = 16
#: The client of 8.1 keeps quiet between two messages, and the silence lasts until the handler
#: has shown what it does with it (:func:`_silence_over`): returned (it took the silence for the
#: end: wrong), or waited in a ``recv()`` that no silence ends (:data:`QUIET` is enough then), or
#: had reads run out of time (``TimeoutError``) and kept reading for :data:`SILENCE_CAP`.
QUIET = 0.5
SILENCE_CAP = 6.0
#: During that silence time is virtual for a timeout the handler set itself: a read with a
#: timeout ``t`` waits at most :data:`HURRY` and then raises ``TimeoutError`` as if ``t`` had run
#: out (nothing can arrive meanwhile: the client is quiet). A single long timeout taken for the
#: end (2 s, 6 s, 10 s) and a count of short ones in a row are caught in a fraction of a second,
#: without waiting them out; up to :data:`VIRTUAL_SILENCE` of silence is lived this way.
HURRY = 0.02
VIRTUAL_SILENCE = 60.0


def _connected_pair(ctx: Context, *, small_buffers: bool = False) -> tuple[socket.socket, socket.socket]:
    """A real TCP connection on loopback: (client side, server side), both owned by ``ctx``."""
    listener = ctx.own(socket.socket())
    client = ctx.own(socket.socket())
    if small_buffers:  # set before connecting: the accepted socket inherits the listener's
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            client.setsockopt(socket.SOL_SOCKET, option, BUFFER)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client.settimeout(STUDENT_TIMEOUT)
    client.connect(listener.getsockname())
    server_side, _ = listener.accept()
    ctx.own(server_side)
    if small_buffers:
        server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
    server_side.settimeout(STUDENT_TIMEOUT)
    return client, server_side


class _CountingSocket(socket.socket):
    """A real socket that remembers how the student's code read from it; nothing read is changed.

    How much each read asked for (to tell "byte by byte" from "in blocks"), how many bytes the
    reads returned in all (to tell "counted characters" from "counted bytes"), whether a read is
    in progress and with which timeout (to tell "waits for more" from "is done"), and whether a
    read ran out of time and the code then read again (the silence was not the end for it).
    """

    largest_read = 0
    reads = 0
    #: Bytes the reads returned, in all. Counted once the read is over (``reading`` already
    #: False), so "reading, with all received" is never the tail of the read that got the last byte.
    received = 0
    reading = False  #: a read is in progress: the student's code waits in it
    read_timeout: float | None = None  #: the timeout of the read in progress (or of the last one)
    timed_out = False  #: the last read raised TimeoutError (or BlockingIOError: nothing to read yet)
    read_again = 0  #: reads started right after one that timed out: the code went on waiting
    own_timeout = False  #: the student's code set the timeout (not the checker's STUDENT_TIMEOUT)
    hurry = False  #: the client is quiet: a timeout the code set runs out in virtual time
    #: ``hurry`` starts once the reads have returned this many bytes in all: the read that follows
    #: the last byte before the silence is already hurried (none is left waiting a real timeout).
    hurry_from = float("inf")
    skipped = 0.0  #: seconds of silence lived in virtual time (not waited)
    timeouts = 0  #: reads that ran out of time (TimeoutError), in all
    #: ``(when, read_again, skipped, timeouts)`` at the instant ``hurry`` began, taken by the
    #: student's own thread before its next read: what happened in the silence is counted from
    #: here (a checker's thread that sampled them later could miss a hurried timeout).
    silence_marks: tuple[float, int, float, int] | None = None

    def settimeout(self, value: float | None) -> None:
        self.own_timeout = True
        super().settimeout(value)

    def setblocking(self, flag: bool) -> None:
        self.own_timeout = True
        super().setblocking(flag)

    def _hurried(self, timeout: float | None) -> bool:
        """Whether a read with ``timeout`` runs out in virtual time (see :data:`HURRY`)."""
        return (self.hurry and self.own_timeout and timeout is not None and timeout > HURRY
                and self.skipped + timeout <= VIRTUAL_SILENCE)

    def _read(self, size: int, read: Callable[[], Any]) -> Any:
        self.reads += 1
        self.largest_read = max(self.largest_read, size)
        self.read_again += self.timed_out
        self.timed_out = False
        self.read_timeout = self.gettimeout()
        timeout = self.read_timeout
        hurried = self._hurried(timeout)
        self.reading = True
        try:
            if hurried:
                super().settimeout(HURRY)
            result = read()
        except (TimeoutError, BlockingIOError) as exc:
            self.timed_out = True
            self.timeouts += isinstance(exc, TimeoutError)
            if hurried and timeout is not None:
                self.skipped += timeout - HURRY  # as if the whole timeout had run out
            raise
        finally:
            if hurried:
                super().settimeout(timeout)
            self.reading = False
        got = result[0] if isinstance(result, tuple) else result  # recvfrom*: (data or count, address)
        self.received += got if isinstance(got, int) else len(got)
        if self.received >= self.hurry_from and not self.hurry:
            self.silence_marks = (time.monotonic(), self.read_again, self.skipped, self.timeouts)
            self.hurry = True
        return result

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self._read(bufsize, lambda: super(_CountingSocket, self).recv(bufsize, flags))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        size = nbytes or memoryview(buffer).nbytes
        return self._read(size, lambda: super(_CountingSocket, self).recv_into(buffer, nbytes, flags))

    # The other ways to read a TCP socket are counted the same (a right answer may use them):
    # the checker's pacing and its silence both wait on what these counts say.
    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, Any]:
        data, address = self._read(bufsize, lambda: super(_CountingSocket, self).recvfrom(bufsize, flags))
        return data, address

    def recvfrom_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> tuple[int, Any]:
        size = nbytes or memoryview(buffer).nbytes
        got = self._read(size, lambda: super(_CountingSocket, self).recvfrom_into(buffer, nbytes, flags))
        return got[0], got[1]

    def waits_for_ever(self) -> bool:
        """A read is in progress that no silence ends: no timeout, or the checker's (for the
        student, the blocking socket a caller hands over). Any timeout of the student's own may
        run out, so that wait is watched for :data:`SILENCE_CAP` (a ``time.monotonic()`` limit
        on the silence shorter than that is caught too)."""
        return self.reading and (self.read_timeout is None or not self.own_timeout)


def _counting(ctx: Context, sock: socket.socket) -> _CountingSocket:
    """The same connection as ``sock``, as a :class:`_CountingSocket` (same timeout), owned by ``ctx``."""
    timeout = sock.gettimeout()
    counted = _CountingSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    counted.settimeout(timeout)
    counted.own_timeout = False
    return ctx.own(counted)


def _in_thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


class _Reader:
    """The checker's client reading every byte of the answers until EOF, in its own thread.

    ``slow``: it starts reading only ``SLOW_START`` seconds after the first byte arrived (the
    student's ``send()`` has returned by then, with whatever part fitted in the buffers).
    """

    def __init__(self, sock: socket.socket, slow: bool = False) -> None:
        self._sock, self._slow = sock, slow
        self._parts: list[bytes] = []
        self._thread = _in_thread(self._run, "comprobar-lector")

    def _run(self) -> None:
        size = 0
        try:
            if self._slow:
                select.select([self._sock], [], [], PATIENCE)
                time.sleep(SLOW_START)  # the slowness under test, not a wait for something
            while size < MAX_RESPONSE and (data := self._sock.recv(65536)):
                self._parts.append(data)
                size += len(data)
        except (OSError, ValueError):  # the case ended (closed) or the student's side reset: keep what came
            pass

    def result(self) -> bytes:
        self._thread.join(PATIENCE)
        return b"".join(self._parts)
