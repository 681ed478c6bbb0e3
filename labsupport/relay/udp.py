"""A lossy UDP relay: loopback never loses, reorders nor corrupts a datagram; this relay does.

UDP's lessons (no delivery guarantee, no order, one ``sendto`` is one datagram) cannot be seen on
loopback, where every datagram arrives, whole and in order. Put the relay between a client and any
UDP server of the course and point the client at ``relay.address``: each datagram, in each
direction, is passed on, lost, duplicated, held back so the next one overtakes it, corrupted (one bit
flipped) or delayed, with the probabilities you give, and every decision is recorded.

>>> with lab.UdpEchoServer() as eco, lab.UdpRelay(eco, seed=1, loss=0.3) as relay:   # doctest: +SKIP
...     c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.settimeout(0.3)
...     c.sendto(b"ping 1", relay.address)
...     relay.stats()

Seeded: each client and direction draws from its own ``random.Random`` made from the seed, the
client's number (1 for the first address seen) and the direction, and every datagram draws the same
numbers whatever is decided. So the same seed and the same datagrams give the same decisions, in the
notebook, in the tests and when grading, however loaded the machine is.

"ida" is client→server, "vuelta" server→client. Each client address gets its own upstream socket
(connected to the server), so each reply goes back to the client that asked. One thread runs
everything (a selector plus a queue of datagrams due later), never prints, and ``stop()`` joins it
and closes every socket; errors reach the notebook through ``check()``.
"""

from __future__ import annotations

import collections
import dataclasses
import heapq
import itertools
import math
import random
import selectors
import socket
import time
from typing import Any

from .._address import format_address, resolve_host
from .._errors import LabError
from .._server import BackgroundServer
from ..events import EventKind

__all__ = ["ACTIONS", "DIRECTIONS", "UdpConditions", "UdpEvent", "UdpRelay", "UdpRelayError"]

#: The two directions, in the words the notebook uses.
DIRECTIONS = ("ida", "vuelta")
#: What the relay can do to a datagram, in the order a table lists them.
ACTIONS = ("pasa", "perdido", "duplicado", "reordenado", "corrupto", "retrasado")
#: Probabilities (0-1) and times (seconds, 0 up to MAX_DELAY) a relay accepts, with their meaning.
PROBABILITIES = ("loss", "duplicate", "reorder", "corrupt")
TIMES = ("delay", "jitter")
#: Cap on ``delay + jitter``, as on every delay of the course's servers.
MAX_DELAY = 10.0
_DIRECTION_CHOICES = {"ida": ("ida",), "vuelta": ("vuelta",), "ambas": DIRECTIONS}


class UdpRelayError(LabError, ValueError):
    """`UdpRelay` was given a condition outside its range, an unknown one, or a bad target."""


@dataclasses.dataclass(frozen=True)
class UdpConditions:
    """What the relay does to the datagrams of one direction (all zero: it passes them untouched).

    ``loss``, ``duplicate``, ``reorder`` and ``corrupt`` are probabilities per datagram; ``delay`` is
    added to every datagram, ± up to ``jitter`` (seconds, never below zero).
    """

    loss: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    corrupt: float = 0.0
    delay: float = 0.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        for name in PROBABILITIES:
            value = _number(name, getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise UdpRelayError(f"{name} es una probabilidad: va de 0 a 1 (por ejemplo 0.3); se recibió {value!r}.")
        for name in TIMES:
            value = _number(name, getattr(self, name))
            if not 0.0 <= value <= MAX_DELAY:
                raise UdpRelayError(
                    f"{name} es un tiempo en segundos: va de 0 a {MAX_DELAY:g} (por ejemplo 0.05); "
                    f"se recibió {value!r}."
                )
        if self.delay + self.jitter > MAX_DELAY:
            total = self.delay + self.jitter
            raise UdpRelayError(f"delay + jitter no puede pasar de {MAX_DELAY:g} s; se recibió {total:g}.")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise UdpRelayError(f"{name} tiene que ser un número; se recibió {value!r}.")
    return float(value)


@dataclasses.dataclass(frozen=True)
class UdpEvent:
    """One decision of the relay about one datagram.

    ``t``: seconds since the relay started, when the datagram arrived; ``direction``: "ida" or
    "vuelta"; ``action``: its fate, one of :data:`ACTIONS` ("perdido" if lost; else the first of
    "corrupto", "reordenado", "retrasado" that happened to it, or "pasa"); a duplicated datagram
    has a second event, "duplicado", for its copy. ``size`` and ``data``: the datagram as it left
    the relay (as it arrived, if lost). ``client``: the client's number (1, 2...), ``number``: the
    datagram's number in its client and direction (from 1), ``effects``: everything done to it.
    """

    t: float
    direction: str
    action: str
    size: int
    data: bytes
    client: int = 1
    number: int = 0
    effects: tuple[str, ...] = ()


@dataclasses.dataclass
class _Client:
    """One client address: its upstream socket, its seeded draws, its datagrams held back."""

    number: int
    address: tuple
    upstream: socket.socket
    rngs: dict[str, random.Random]
    counts: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(DIRECTIONS, 0))
    #: per direction, the datagrams held back for the next one to overtake: (id, bytes, copies)
    held: dict[str, list[tuple[int, bytes, int]]] = dataclasses.field(
        default_factory=lambda: {d: [] for d in DIRECTIONS}
    )


class UdpRelay(BackgroundServer):
    """A UDP relay with seeded loss, duplication, reordering, corruption and delay, per direction.

    ``target`` is ``(host, port)`` or a course server (its ``.address``); ``direction`` says where the
    conditions apply: "ida" (client→server), "vuelta" (server→client) or "ambas". ``set(...)`` changes
    them while it runs. A reordered datagram is held back until the next datagram of its client and
    direction has gone out (then it follows it), or ``reorder_hold`` seconds if none comes.
    """

    name = "relé UDP"
    socktype = socket.SOCK_DGRAM
    max_datagram = 65_535
    #: Most client addresses served at once; a datagram from one more is dropped (and logged).
    max_clients = 64
    #: Seconds a reordered datagram waits for another to overtake it before it goes out anyway.
    reorder_hold = 1.0
    #: Events kept; older ones are dropped so a long run never grows without bound.
    max_events = 100_000

    def __init__(
        self,
        target: Any,
        *,
        seed: int = 0,
        loss: float = 0.0,
        duplicate: float = 0.0,
        reorder: float = 0.0,
        corrupt: float = 0.0,
        delay: float = 0.0,
        jitter: float = 0.0,
        direction: str = "ambas",
        start: bool = True,
    ) -> None:
        self._target = _target_address(target)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise UdpRelayError(f"seed tiene que ser un número entero (por ejemplo 0); se recibió {seed!r}.")
        self.seed = seed
        self._direction = _directions(direction)
        given = UdpConditions(loss, duplicate, reorder, corrupt, delay, jitter)
        self._conditions = {d: given if d in self._direction else UdpConditions() for d in DIRECTIONS}
        self._event_list: collections.deque[UdpEvent] = collections.deque(maxlen=self.max_events)
        self._clients: dict[tuple, _Client] = {}
        self._by_upstream: dict[socket.socket, _Client] = {}
        self._due: list[tuple[float, int, str, _Client, bytes, int]] = []
        self._order = itertools.count(1)
        self._selector: selectors.BaseSelector | None = None
        host = self._target[0]
        super().__init__("::1" if ":" in host else "127.0.0.1", 0, start=start)

    # -- conditions ----------------------------------------------------------------------
    def set(self, *, direction: str | None = None, **conditions: float) -> None:
        """Change conditions while the relay runs: ``relay.set(loss=0.5)``, ``relay.set(delay=0.1,
        direction="vuelta")``. Names not given keep their value; ``direction=None``: the directions
        given when the relay was made (or at the last ``set``)."""
        unknown = sorted(set(conditions) - {*PROBABILITIES, *TIMES})
        if unknown:
            raise UdpRelayError(
                f"UdpRelay no tiene la condición {unknown[0]!r}. Las condiciones son: "
                f"{', '.join((*PROBABILITIES, *TIMES))}; y direction ('ida', 'vuelta' o 'ambas')."
            )
        chosen = self._direction if direction is None else _directions(direction)
        updated = {d: dataclasses.replace(self._conditions[d], **conditions) for d in chosen}  # checks all first
        with self._lock:
            self._conditions.update(updated)
            self._direction = chosen

    def conditions(self, direction: str) -> UdpConditions:
        """The conditions of one direction ("ida" or "vuelta") now."""
        if direction not in DIRECTIONS:
            raise UdpRelayError(f"direction tiene que ser 'ida' o 'vuelta'; se recibió {direction!r}.")
        return self._conditions[direction]

    # -- what the notebook reads ---------------------------------------------------------
    @property
    def events(self) -> list[UdpEvent]:
        """A copy of every decision, oldest first."""
        with self._lock:
            return list(self._event_list)

    def stats(self) -> dict[str, dict[str, int]]:
        """Per direction, how many datagrams arrived ("datagramas") and how many got each action."""
        counts = {d: dict.fromkeys(("datagramas", *ACTIONS), 0) for d in DIRECTIONS}
        for event in self.events:
            counts[event.direction][event.action] += 1
            if event.action != "duplicado":
                counts[event.direction]["datagramas"] += 1
        return counts

    def clear(self) -> None:
        """Forget the events recorded so far (the clients and their seeded draws go on)."""
        with self._lock:
            self._event_list.clear()

    @property
    def target(self) -> tuple[str, int]:
        """The server the relay forwards to."""
        return self._target

    # -- the relay's thread ----------------------------------------------------------------
    def _serve(self) -> None:
        selector = self._selector = selectors.DefaultSelector()
        selector.register(self._sock, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                for key, _ in selector.select(self._until_due()):
                    if key.fileobj is self._wake_r:
                        return
                    self._read(key.fileobj)  # type: ignore[arg-type]
                self._send_due()
        except BaseException as exc:  # a bug in the loop must reach check(), not stderr
            self._record_error(exc)
        finally:
            selector.close()

    def _until_due(self) -> float | None:
        if not self._due:
            return None
        return max(self._due[0][0] - time.monotonic(), 0.0)

    def _read(self, sock: socket.socket) -> None:
        """Read what one socket has (bounded: other sockets get their turn) and decide on each."""
        for _ in range(64):
            try:
                data, addr = sock.recvfrom(self.max_datagram)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # the server's port is closed (ICMP port unreachable), say
                self._log(EventKind.NETWORK_ERROR, format_address(self._target), f"{type(exc).__name__}: {exc}")
                return
            if sock is self._sock:
                client = self._client(addr)
                if client is None:
                    continue
                self._decide(client, "ida", data)
            else:
                self._decide(self._by_upstream[sock], "vuelta", data)

    def _client(self, addr: tuple) -> _Client | None:
        client = self._clients.get(addr)
        if client is not None:
            return client
        if len(self._clients) >= self.max_clients:
            self._log(EventKind.REFUSED, format_address(addr), f"más de {self.max_clients} clientes")
            return None
        upstream = socket.socket(self.family, socket.SOCK_DGRAM)
        upstream.setblocking(False)
        upstream.connect(self._target)
        number = len(self._clients) + 1
        rngs = {d: random.Random(f"{self.seed}/{number}/{d}") for d in DIRECTIONS}
        client = self._clients[addr] = _Client(number, addr, upstream, rngs)
        self._by_upstream[upstream] = client
        assert self._selector is not None
        self._selector.register(upstream, selectors.EVENT_READ)
        return client

    def _decide(self, client: _Client, direction: str, data: bytes) -> None:
        """One datagram's fate: the same draws, in the same order, whatever the conditions."""
        cond = self._conditions[direction]
        rng = client.rngs[direction]
        u_loss, u_dup, u_reorder, u_corrupt, u_pos, u_bit, u_jitter = (rng.random() for _ in range(7))
        client.counts[direction] += 1
        number = client.counts[direction]
        now = time.monotonic()
        t = round(now - self._created, 6)

        def record(action: str, data: bytes, effects: tuple[str, ...]) -> None:
            self._record(UdpEvent(t, direction, action, len(data), data, client.number, number, effects))

        if u_loss < cond.loss:
            record("perdido", data, ("perdido",))
            return
        effects = []
        if u_corrupt < cond.corrupt and data:
            flipped = bytearray(data)
            flipped[int(u_pos * len(data))] ^= 1 << int(u_bit * 8)
            data = bytes(flipped)
            effects.append("corrupto")
        reordered = u_reorder < cond.reorder
        if reordered:
            effects.append("reordenado")
        wait = max(cond.delay + cond.jitter * (2 * u_jitter - 1), 0.0)
        if wait > 0:
            effects.append("retrasado")
        duplicated = u_dup < cond.duplicate
        record(effects[0] if effects else "pasa", data, (*effects, *(["duplicado"] if duplicated else [])))
        if duplicated:
            record("duplicado", data, ("duplicado",))
        copies = 2 if duplicated else 1
        if reordered:
            hold_id = next(self._order)
            client.held[direction].append((hold_id, data, copies))
            self._schedule(now + wait + self.reorder_hold, direction, client, b"", release=hold_id)
            return
        for _ in range(copies):
            self._schedule(now + wait, direction, client, data)
        for _, held, held_copies in client.held[direction]:  # the datagrams this one overtook follow it
            for _ in range(held_copies):
                self._schedule(now + wait, direction, client, held)
        client.held[direction].clear()

    def _schedule(self, due: float, direction: str, client: _Client, data: bytes, *, release: int = 0) -> None:
        """Queue ``data`` to go out at ``due``; ``release``: instead, free that held datagram if still held."""
        heapq.heappush(self._due, (due, next(self._order), direction, client, data, release))

    def _send_due(self) -> None:
        now = time.monotonic()
        while self._due and self._due[0][0] <= now:
            _, _, direction, client, data, release = heapq.heappop(self._due)
            if not release:
                self._send(direction, client, data)
                continue
            held = client.held[direction]  # nobody overtook this one in time: it goes out now
            for i, (hold_id, data, copies) in enumerate(held):
                if hold_id == release:
                    del held[i]
                    for _ in range(copies):
                        self._send(direction, client, data)
                    break

    def _send(self, direction: str, client: _Client, data: bytes) -> None:
        try:
            if direction == "ida":
                client.upstream.send(data)
            else:
                self._sock.sendto(data, client.address)
        except (BlockingIOError, InterruptedError):  # a full buffer drops a datagram, as the kernel would
            self._log(EventKind.NETWORK_ERROR, format_address(client.address), "búfer lleno: datagrama descartado")
        except OSError as exc:
            self._log(EventKind.NETWORK_ERROR, format_address(client.address), f"{type(exc).__name__}: {exc}")

    def _record(self, event: UdpEvent) -> None:
        with self._lock:
            self._event_list.append(event)

    def _close_clients(self) -> None:
        for client in self._clients.values():
            client.upstream.close()
        self._clients.clear()
        self._by_upstream.clear()
        self._due.clear()

    def __repr__(self) -> str:
        state = {"new": "sin arrancar", "running": "en marcha"}.get(self._state, "detenido")
        return f"<UdpRelay {format_address((self._host, self._port))} → {format_address(self._target)} {state}>"


def _directions(direction: Any) -> tuple[str, ...]:
    if direction not in _DIRECTION_CHOICES:
        raise UdpRelayError(
            "direction tiene que ser 'ida' (cliente→servidor), 'vuelta' (servidor→cliente) o 'ambas'; "
            f"se recibió {direction!r}."
        )
    return _DIRECTION_CHOICES[direction]


def _target_address(target: Any) -> tuple[str, int]:
    address = getattr(target, "address", target)
    if not (isinstance(address, tuple) and len(address) >= 2):
        raise UdpRelayError(
            "UdpRelay necesita el servidor al que reenviar: un servidor UDP del curso (por ejemplo "
            f"lab.UdpEchoServer()) o una tupla (host, puerto); se recibió {target!r}."
        )
    host, port = address[0], address[1]
    if not isinstance(host, str) or isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise UdpRelayError(f"Se esperaba (host, puerto) con un puerto entre 1 y 65535; se recibió {address!r}.")
    numeric, _ = resolve_host(host)
    return numeric, port
