"""What notebook 11's checkers share: the relay of a case, the checker's sockets, the sequence number.

A student's UDP socket with no timeout blocks in ``recvfrom`` for ever when nothing comes, and stopping
the case's relay does not wake it (nobody closes the student's socket). :class:`StudentSockets` does:
at the teardown of a case that ran out of time, it shuts down the UDP sockets in the frames of the
thread that called the student's function; on Linux that wakes a blocked ``recvfrom`` (it returns
``b''``), and the framework's injected stop then ends the loop.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ..._wording import decimal
from ...relay.udp import UdpEvent, UdpRelay
from .. import Context
from .._checks import PATIENT

#: The sequence number of 11.2 and 11.3, and the CRC-32 trailer of 11.4: 4 bytes, unsigned, network order.
SEQ = struct.Struct("!I")
#: The largest data a message of 11.2 and 11.4 carries, as the statements say.
MAX_DATA = 9000
#: A receiving socket's buffer: room for every datagram of a case even if the student reads late.
RCVBUF = 1 << 20


#: The checker's marker: sent into the relay after the student's function returned (see :meth:`Relay.settle`).
MARKER = b"(marca del corrector)"


class Relay(UdpRelay):
    """The case's relay, which can say when it has decided every datagram the student sent.

    The relay reads its one listening socket in order, so once it has decided the checker's marker,
    sent after the student's function returned, it has decided every datagram of the student's too.
    The marker, like any datagram, is passed to the server: the checker's servers ignore it.
    The replies that a server sent back may still be on their way when the student's function returns
    (an answer that did not wait for them): :meth:`wait_for` waits, without polling, until the relay
    has decided as many as the server says it sent.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._changed = threading.Condition()
        super().__init__(*args, **kwargs)

    def _record(self, event: UdpEvent) -> None:
        super()._record(event)
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[UdpEvent]], bool], what: str) -> list[UdpEvent]:
        """The decisions about the student's datagrams (the marker's left out) once ``predicate`` holds for them."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self._students()), PATIENT):
                raise RuntimeError(f"el relé UDP del corrector no llegó a decidir {what}")
        self.check()  # a fault of the relay's thread is the checker's, never the student's
        return self._students()

    def decided(self, count: int) -> list[UdpEvent]:
        """The decisions, once the first ``count`` datagrams sent into the relay (11.2, 11.4) are decided."""
        return self.wait_for(lambda evs: sum(e.direction == "ida" and e.action != "duplicado" for e in evs) >= count,
                             f"los {count} datagramas del corrector")

    def now(self) -> float:
        """This moment on the clock of the relay's events (``UdpEvent.t``, seconds since it was created)."""
        return time.monotonic() - self._created

    def _students(self) -> list[UdpEvent]:
        return [e for e in self.events if e.data != MARKER]

    def settle(self) -> list[UdpEvent]:
        """Every decision about the datagrams the student sent (the marker's left out), once all are made."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as marker:
            marker.sendto(MARKER, self.address)
        with self._changed:
            if not self._changed.wait_for(lambda: any(e.data == MARKER for e in self.events), PATIENT):
                raise RuntimeError("la marca del corrector no llegó a su propio relé UDP")
        self.check()
        return self._students()


def sockets_used(events: list[UdpEvent]) -> int:
    """From how many sockets (source addresses) the student sent: the relay numbers clients in that order."""
    return len({e.client for e in events if e.direction == "ida"})


class Drip:
    """A checker's thread that calls ``send()`` every ``every`` seconds, at most ``most`` times, until
    :meth:`stop` (owned by the case, so it stops at the teardown at the latest). It paces datagrams
    that keep coming while the student waits; it waits for nothing. ``send`` runs under the drip's
    lock, so once :meth:`stop` returned no more is sent (a count kept in ``send`` is then final).
    A socket closed under it at the teardown ends it quietly."""

    def __init__(self, send: Callable[[], None], every: float, most: int) -> None:
        self._send, self._every, self._most = send, every, most
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name="goteo-del-corrector", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self.sent < self._most and not self._stopped.wait(self._every):
            with self._lock:
                if self._stopped.is_set():
                    return
                try:
                    self._send()
                except OSError:
                    return
                self.sent += 1

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join(PATIENT)


class Counts:
    """What a checker's server behind the relay counts, so that the judge can wait for it without polling:
    the student's datagrams it handled and the replies it sent for them (a held one when it leaves)."""

    def __init__(self) -> None:
        self.handled = 0
        self.replies = 0
        self._changed = threading.Condition()

    def counted(self, reply: bytes | None) -> bytes | None:
        """Count one datagram handled and its ``reply`` (sent when the handler returns it); return ``reply``."""
        with self._changed:
            self.handled += 1
            self.replies += reply is not None
            self._changed.notify_all()
        return reply

    def replied(self) -> None:
        """Count a reply sent later, by the server itself (before it leaves: the relay will see it)."""
        with self._changed:
            self.replies += 1

    def wait_handled(self, count: int) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.handled >= count, PATIENT):
                raise RuntimeError(f"el servidor del corrector no recibió los {count} datagramas que le pasó el relé")


def quiet(through: Relay, counts: Counts) -> list[UdpEvent]:
    """The relay's decisions once the student's datagrams and the server's replies to them are all decided:
    an answer may return before the replies to its last datagrams came back (it did not wait for them)."""
    events = through.settle()
    counts.wait_handled(sum(e.direction == "ida" and e.action != "perdido" for e in events))
    return through.wait_for(lambda evs: sum(e.direction == "vuelta" for e in evs) >= counts.replies,
                            "las respuestas del servidor del corrector")


def relay(
    ctx: Context, target: Any, seed: int, *, ida: dict[str, float] | None = None, vuelta: dict[str, float] | None = None
) -> Relay:
    """The case's relay towards ``target`` (stopped after the case), with its conditions per direction."""
    made = ctx.own(Relay(target, seed=seed))
    for direction, conditions in (("ida", ida), ("vuelta", vuelta)):
        if conditions:
            made.set(direction=direction, **conditions)
    return made


def receiving_socket(ctx: Context) -> socket.socket:
    """A UDP socket bound to loopback for the student to read from (11.2, 11.4), closed after the case."""
    sock = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    sock.bind(("127.0.0.1", 0))
    return sock


def send_through(ctx: Context, datagrams: list[bytes], seed: int, **conditions: float) -> tuple[socket.socket, Relay]:
    """Send ``datagrams`` through a relay with ``conditions`` (client→student) to a socket bound for the student
    (11.2, 11.4); return that socket, for the student's function, and the relay, for its events."""
    ctx.own(StudentSockets())
    sock = receiving_socket(ctx)
    through = relay(ctx, sock.getsockname(), seed, ida=conditions)
    out = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    for datagram in datagrams:
        out.sendto(datagram, through.address)
    return sock, through


def payloads(label: str, sizes: list[int]) -> list[bytes]:
    """Random data of these ``sizes``, the same on every run (seeded by ``label``, not by the case's relay)."""
    rng = random.Random(label)
    return [rng.randbytes(size) for size in sizes]


def percent(probability: float) -> str:
    """0.3 → "30 %"."""
    return f"{decimal(probability * 100, 0)} %"


class StudentSockets:
    """Owned by a case (``ctx.own(StudentSockets())``, from the thread that calls the student's function): on
    stop, shut down the open UDP sockets in that thread's frames, if it still runs (the student's function
    ran out of time). A thread that ended is left alone: its ident may already be another thread's."""

    def __init__(self) -> None:
        self.thread = threading.current_thread()

    def stop(self) -> None:
        if not self.thread.is_alive() or self.thread.ident is None:
            return
        frame = sys._current_frames().get(self.thread.ident)
        seen: list[socket.socket] = []
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if isinstance(value, socket.socket) and value.type == socket.SOCK_DGRAM and value.fileno() != -1:
                    if not any(value is s for s in seen):
                        seen.append(value)
            frame = frame.f_back
        for sock in seen:
            with contextlib.suppress(OSError):  # ENOTCONN on an unconnected socket: it wakes all the same
                sock.shutdown(socket.SHUT_RDWR)
