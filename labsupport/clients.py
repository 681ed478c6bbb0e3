"""Clients that put an echo server to the test: one that reads slowly, one that just checks it answers.

A server is easy to get right for a client that reads as fast as it writes. The bugs of a
real server show up with a client that sends a lot and *does not read* for a while: the
server's send buffer fills up, and then a ``sendall`` with a short timeout gives up halfway
(the rest of the echo is lost and the stream is corrupt) and a ``sendall`` on a non-blocking
socket raises ``BlockingIOError``. :func:`slow_reader` is that client, made to show it every
time: small socket buffers (so a few megabytes fill them), a payload larger than everything
the buffers on both sides can hold, and bytes that never contain the servers' ``Echo: ``
prefix, so that the echo can be compared byte for byte after removing the prefixes.
:func:`stalled` is the same client that never reads: while it is connected, the server is
stuck in a send to it, which is when a server must still stop when it is asked to.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator

from ._address import format_address
from .echo import PREFIX

#: Larger than what the socket buffers of both sides hold together (about 3 MiB measured on
#: Linux loopback with the client's buffers at 64 KiB): so the server has to wait for the client.
SIZE = 6 * 1024 * 1024
#: How long the slow client keeps not reading *after* the server stopped reading from it:
#: longer than the 0.2 s a server waits in a send that must fail, counted from the moment the
#: buffers are full (not from the start: filling them can take any time on a loaded machine),
#: or from the moment all was sent (the server's receive buffer took the rest: it may not have
#: reached its blocked ``sendall`` yet, so the pause leaves it time to get there and wait there).
PAUSE = 1.0
#: The sending made no progress for this long: the buffers are full, the server stopped reading.
STALL = 0.05
#: For :func:`stalled`, the sending must make no progress for this long: a server whose send
#: buffer is still growing (Linux sizes it as the connection goes) reads again within it, so
#: the 0.05 s of :data:`STALL` can come before the server is really stuck (measured: 5 of 6).
STUCK = 0.5
#: What :func:`stalled` means to send: more than any buffers can hold (Linux lets a receive
#: buffer grow to ``tcp_rmem``'s maximum, 32 MiB on the course machine), so the server must get stuck.
STALLED_SIZE = 64 * 1024 * 1024
#: The client's own buffers (the system may double it): small, so that they fill at once.
BUFFER = 64 * 1024
#: Waits that must not run out when the server works (a reply that comes): generous.
PATIENCE = 5.0
_PATTERN = b"0123456789abcdef"  # no "E": the prefix can never be made of payload bytes


def payload(size: int = SIZE) -> bytes:
    """``size`` bytes that never contain :data:`PREFIX`."""
    return (_PATTERN * (size // len(_PATTERN) + 1))[:size]


@dataclasses.dataclass(frozen=True)
class EchoOutcome:
    """What the slow client saw: what it sent, what came back, and whether the connection broke."""

    size: int  #: bytes the client meant to send
    pause: float  #: seconds it kept not reading after the server stopped reading from it
    sent: int  #: bytes it did send (fewer if the connection broke)
    returned: int  #: bytes of echo that came back, without the servers' prefixes
    intact: bool  #: the echo (without prefixes) is exactly the payload, in order
    broken: bool  #: a send or a recv of the client raised (the connection was cut)
    #: while it did not read, the server stopped reading from it (back-pressure): its sending was
    #: seen to stall, and before everything was sent
    held_back: bool
    other_served: bool | None  #: another client got its echo at the end of the pause (None: not tried)
    errors: tuple[str, ...] = ()  #: the exceptions the client saw, by name

    def comparison(self) -> str:
        """How the echo compares with what was sent, in words (stable: no counts that vary)."""
        if self.intact:
            return "todos, en orden"
        if self.returned < self.size:
            return "menos de los enviados"
        if self.returned > self.size:
            return "más de los enviados"
        return "los mismos en número, pero distintos"

    def lines(self) -> list[str]:
        mib = self.size / 1024 / 1024
        out = [
            f"un cliente envía {mib:g} MiB y no lee nada hasta que el servidor deja de leerle,"
            f" y {self.pause:g} s más; después lo lee todo",
            f"bytes enviados: {self.size} · bytes de eco recibidos (sin los «Echo: »): {self.comparison()}",
        ]
        if self.broken:
            out.append("¿se cortó la conexión? True")
        out.append(f"¿el eco llegó entero? {self.intact}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _client(address: tuple) -> socket.socket:
    host = address[0]
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
        sock.settimeout(PATIENCE)
        sock.connect(address[:2])
    except BaseException:
        sock.close()
        raise
    return sock


class _Sender:
    """Sends ``data`` on ``sock`` from a thread of its own, then half-closes (``SHUT_WR``).

    It notes how much went out and sets ``moved`` after each ``send()``, so that whoever waits
    can tell when the sending stalls (the server stopped reading). An error of the connection
    ends it: that is a result (the server died or cut it), kept by name in ``errors``.
    """

    def __init__(self, sock: socket.socket, data: bytes, address: tuple, *, times: int = 1) -> None:
        self._sock, self._data, self._times = sock, data, times
        self.sent = 0
        self.errors: list[str] = []
        self.done, self.moved, self.broke = threading.Event(), threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"cliente-lento-{format_address(address)}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join(PATIENCE)

    def _run(self) -> None:
        try:
            for _ in range(self._times):
                view = memoryview(self._data)
                while view:
                    n = self._sock.send(view[:BUFFER])
                    self.sent += n
                    view = view[n:]
                    self.moved.set()
            self._sock.shutdown(socket.SHUT_WR)
        except OSError as exc:  # the server died or cut the connection: that is the result
            self.errors.append(type(exc).__name__)
            self.broke.set()
        finally:
            self.done.set()
            self.moved.set()

    def wait_for_stall(self, stall: float = STALL) -> bool:
        """Wait until no send() returned for ``stall`` s: True. False if the sending ended first, or
        :data:`PATIENCE` ran out while it still moved (then nobody can say the server stopped reading)."""
        deadline = time.monotonic() + PATIENCE
        while not self.done.is_set() and time.monotonic() < deadline:
            self.moved.clear()
            if not self.moved.wait(stall):  # the server stopped reading
                return True
        return False


def slow_reader(
    address: tuple, *, size: int = SIZE, pause: float = PAUSE, check_other: bool = True
) -> EchoOutcome:
    """Send ``size`` bytes without reading until the server stops reading, ``pause`` s more, then read.

    The sending runs in a thread of this client; when it has sent everything it half-closes
    (``shutdown(SHUT_WR)``), so a correct echo server answers the rest and closes. The client
    does not read until the sending has made no progress for :data:`STALL` seconds (the buffers
    of both sides are full: the server is waiting for us), and then for ``pause`` seconds more,
    so a server's send with a 0.2 s timeout waits a full ``pause`` however long filling took.
    The wait for the stall is bounded by :data:`PATIENCE`; it ends when the sending ends too, and
    the pause then still runs (the server's receive buffer may have taken the rest while the
    server itself is still echoing towards a full send buffer); only a broken connection ends it.
    Then, if ``check_other``, a second client checks that the server
    still answers someone else. Every wait that must not run out has a generous timeout.
    """
    data = payload(size)
    sock = _client(address)
    sender = _Sender(sock, data, address)
    parts: list[bytes] = []
    errors = sender.errors
    try:
        sender.start()
        stalled = sender.wait_for_stall()
        sender.broke.wait(pause)  # even if all was sent: the server may still be on its way to a blocked send
        sent_while_paused = sender.sent
        other = echo_once(address) if check_other else None
        try:
            while chunk := sock.recv(1 << 16):
                parts.append(chunk)
        except OSError as exc:
            errors.append(type(exc).__name__)
        sender.join()
    finally:
        sock.close()
        sender.join()
    echo = b"".join(parts).replace(PREFIX, b"")
    return EchoOutcome(
        size=size,
        pause=pause,
        sent=sender.sent,
        returned=len(echo),
        intact=echo == data,
        broken=bool(errors),
        held_back=stalled and sent_while_paused < size,
        other_served=other,
        errors=tuple(errors),
    )


@dataclasses.dataclass(frozen=True)
class Stalled:
    """The client of :func:`stalled` once the server stopped reading from it."""

    size: int  #: bytes it meant to send
    sent: int  #: bytes it had sent when its sending stalled (or when the wait for that ended)
    #: its sending was seen to make no progress for :data:`STUCK` s (False: it ended, or kept
    #: moving for :data:`PATIENCE` s: no stall was seen)
    stuck: bool = True

    @property
    def held_back(self) -> bool:
        """The server stopped reading before taking everything: it is stuck sending to this client."""
        return self.stuck and self.sent < self.size


@contextlib.contextmanager
def stalled(address: tuple, *, size: int = STALLED_SIZE) -> Iterator[Stalled]:
    """A client that sends until the server stops reading from it, then neither reads nor sends.

    Inside the ``with``, an echo server is stuck in a send to this client (the buffers of both
    sides are full, and the sending made no progress for :data:`STUCK` s; ``held_back`` says
    whether that was seen): the moment in which a server must still be able to stop when asked. At
    the end the client cuts the connection (``shutdown`` and ``close``), which also ends its
    sending thread.
    """
    sock = _client(address)
    blocks = max(1, size // BUFFER)
    sender = _Sender(sock, payload(BUFFER), address, times=blocks)  # one block, many times: no 64 MiB in memory
    try:
        sender.start()
        stuck = sender.wait_for_stall(STUCK)
        yield Stalled(size=blocks * BUFFER, sent=sender.sent, stuck=stuck)
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes our own blocked send() (close() alone does not)
        sock.close()
        sender.join()


def echo_once(address: tuple, message: bytes = b"hola", *, prefix: bytes = PREFIX, timeout: float = 2.0) -> bool:
    """Whether the server at ``address`` answers ``prefix + message`` to a new client (bounded wait)."""
    expected = prefix + message
    try:
        with socket.create_connection(address[:2], timeout=timeout) as sock:
            sock.sendall(message)
            got = b""
            while len(got) < len(expected) and (chunk := sock.recv(len(expected) - len(got))):
                got += chunk
    except OSError:
        return False
    return got == expected
