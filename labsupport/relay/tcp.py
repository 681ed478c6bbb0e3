"""The TCP relay: the recording tap with toxics, a bad network on demand between a client and a server.

``Relay`` *is* a :class:`~labsupport.tap.Tap` (same lifecycle, same recording, same views: it
forwards and records every fragment, FIN and RST), with toxics in the middle that the notebook adds
and removes while it runs::

    with lab.EchoServer() as eco, lab.Relay(eco, seed=1) as relay:
        relay.add("latency", "vuelta", latency=0.2)        # the answers arrive 0,2 s late
        nombre = relay.add("slicer", "vuelta", size=4, delay=0.05)
        ...
        relay.remove(nombre)

How it sits in the tap: each direction of a connection is forwarded by one of the tap's threads,
which writes to the other socket with ``sendall`` and passes a FIN on with ``shutdown``. The relay
hands that thread, instead of the socket, a :class:`_ToxicEnd` that applies the toxics acting in
that direction before it writes (so the tap's loop, its closes and its resets are the tap's, not a
copy). Every choice is taken there, in that direction's thread and in the order the fragments
come (so a seed replays a run), and the fragment's event is annotated before a byte of it leaves.
A latency is a delay line (:mod:`._line`): the fragment waits in a thread of its own, due at its
arrival plus the latency, while the tap's thread goes on reading, so a burst is delayed once, not
once per fragment. The other toxics act in the thread that forwards: ``slicer``'s and
``bandwidth``'s pauses hold that direction back, as a slow link would. Toxics with a clock of their
own (``timeout``'s close, ``reset_peer`` with ``after``) are fired by one more thread per
connection, the *watchdog*, which sleeps until the next deadline.

Every wait of a toxic ends as soon as the connection ends (the tap's wake-up socket), so ``stop()``
never waits for a 30 s latency, and leaves no thread nor socket behind.

What each toxic did is in the recording: every event is a :class:`RelayEvent`, whose ``toxic``
names the toxics that acted on it and ``action`` says what they did (``retrasado 200 ms``,
``en 3 piezas: 4+4+2 bytes``, ``descartado``); what a toxic did on its own (a reset, a close) is
an event of its own, with no direction (the relay sent it to both ends).
"""

from __future__ import annotations

import dataclasses
import random
import select
import socket
import threading
import time
from typing import Any, cast

from .._display import Table
from ..events import EventKind
from ..tap import TO_CLIENT, TO_SERVER, Direction, SideStates, Tap, TapEvent, _Link
from ._line import DelayLine
from .toxics import Toxic, ToxicError, flow_random, make_toxic

__all__ = ["Relay", "RelayEvent"]

#: Pieces a ``bandwidth`` toxic sends per second (each then waits its share of the rate).
_PACE_STEPS = 20
#: Bound on the fragments ``coalesce`` joins at once (a bounded loop).
_MAX_JOINED = 1000


@dataclasses.dataclass(frozen=True)
class RelayEvent(TapEvent):
    """A :class:`~labsupport.tap.TapEvent` that also says which toxics acted on it, and how.

    ``toxic`` is the name of the toxic (several joined by ``", "``), empty if none acted;
    ``action`` what it did, in Spanish. An event the relay made itself (a toxic's RST, FIN or
    close) has no ``direction``.
    """

    toxic: str = ""
    action: str = ""


class _Flow:
    """What the relay keeps of one connection: its seeded choices and what its toxics have counted."""

    def __init__(self, link: _Link, seed: int | str) -> None:
        self.link = link
        self.seed = seed
        self.started = time.monotonic()
        self.random = {way: flow_random(seed, link.id, way) for way in (TO_SERVER, TO_CLIENT)}
        self.chosen: dict[tuple[str, float, Direction], bool] = {}
        #: bytes passed in each direction since a toxic (name, added) started acting
        self.counted: dict[tuple[str, float, Direction], int] = {}
        self.last_data: dict[Direction, RelayEvent] = {}
        self.fin_delay: dict[Direction, float] = {}
        #: a toxic has decided to end the connection (limit_data, reset_peer with bytes)
        self.ending = False
        #: the toxic that closed the connection with a FIN (limit_data, timeout), if one did
        self.closed_by = ""
        self.pumps = 2
        self.watchdog: threading.Thread | None = None

    def acts(self, toxic: Toxic, way: Direction) -> bool:
        key = (toxic.name, toxic.added, way)
        if key not in self.chosen:
            self.chosen[key] = toxic.acts_on(self.seed, self.link.id, way)
        return self.chosen[key]

    def starts(self, toxic: Toxic) -> float:
        """When ``toxic`` started acting on this connection: the later of both starts."""
        return max(self.started, toxic.added)


class _ToxicEnd:
    """The socket one of the tap's threads writes to, with the toxics of its direction in between.

    The tap's loop calls only ``sendall`` (a fragment) and ``shutdown`` (the FIN) on it. Once a
    latency acts in this direction, the fragments go through a :class:`~._line.DelayLine` (and so
    does everything after them, the FIN too: the order of a TCP stream is kept).
    """

    def __init__(self, relay: Relay, flow: _Flow, src: socket.socket, dst: socket.socket, way: Direction) -> None:
        self.relay, self.flow, self.src, self.dst, self.way = relay, flow, src, dst, way
        self.line: DelayLine | None = None

    def sendall(self, data: bytes) -> None:
        self.relay._forward(self, data)

    def shutdown(self, how: int) -> None:
        delay = self.flow.fin_delay.pop(self.way, 0.0)
        if self.line is None:
            self.relay._pass_fin(self, how, delay)
        elif self.line.put(time.monotonic(), 0, lambda: self.relay._pass_fin(self, how, delay)):
            self.line.drain()  # the tap's thread ends after the FIN: not before the line has sent it


@dataclasses.dataclass
class _Plan:
    """What the toxics decided for one fragment: the pieces to send, how, and how the connection ends."""

    pieces: list[bytes]
    size: int
    delay: float = 0.0
    gap: float = 0.0  # between pieces (slicer)
    rate: float = 0.0  # bytes/s (bandwidth); 0: as fast as it goes
    ender: Toxic | None = None


class Relay(Tap):
    """A recording TCP proxy with toxics: latency, bandwidth, slow_close, timeout, reset_peer, slicer,
    coalesce and limit_data (toxiproxy's names), per direction, with a probability, seeded.

    ``target`` is a course server or ``(host, port)`` on loopback, as for :class:`~labsupport.Tap`
    (whose options it takes too: ``timeout``, ``states``...). ``seed`` fixes every random choice:
    the same seed and the same conversation give the same events. ``record=False`` keeps no bytes
    (sizes, closes and the toxics' actions are still recorded): for long transfers.
    """

    name = "proxy con tóxicos"

    def __init__(self, target: Any, *, seed: int | str = 0, record: bool = True, **kwargs: Any) -> None:
        if not record:
            kwargs["max_record_bytes"] = 0
        self.seed = seed
        self.record = record
        self._toxics: dict[str, Toxic] = {}
        #: guards the toxics and the flows; notified when a toxic, a pump or the relay changes
        self._changed = threading.Condition()
        self._flows: dict[int, _Flow] = {}
        self._local = threading.local()
        super().__init__(target, **kwargs)

    # -- the toxics: what the notebook changes while it runs -------------------------
    def add(
        self,
        kind: str,
        direction: str = "ambas",
        probability: float = 1.0,
        *,
        name: str | None = None,
        **params: Any,
    ) -> str:
        """Add a toxic and return its name (``latency_vuelta`` unless ``name`` is given).

        ``direction``: ``"ida"`` (client → server), ``"vuelta"`` (server → client) or ``"ambas"``;
        ``probability``: of acting on each connection and direction (seeded). It acts at once, on
        the open connections too. Bad parameters raise :class:`~.toxics.ToxicError`.
        """
        with self._changed:
            if name is None:
                base = f"{kind}_{direction}"
                name = next(n for n in (base, *(f"{base}_{i}" for i in range(2, 10_000))) if n not in self._toxics)
            elif not isinstance(name, str) or not name:
                raise ToxicError(f"El parámetro 'name' debe ser un texto no vacío; se recibió {name!r}.")
            elif name in self._toxics:
                raise ToxicError(f"Ya hay un tóxico llamado {name!r} en este proxy: elige otro nombre.")
            self._toxics[name] = make_toxic(kind, direction, probability, params, name=name, added=time.monotonic())
            self._changed.notify_all()
        return name

    def remove(self, name: str) -> None:
        """Remove the toxic called ``name``: from now on it does not act (a wait it started finishes)."""
        with self._changed:
            if name not in self._toxics:
                known = ", ".join(repr(n) for n in self._toxics) or "ninguno"
                raise ToxicError(f"No hay ningún tóxico llamado {name!r}. Los de este proxy: {known}.")
            del self._toxics[name]
            self._changed.notify_all()

    def clear(self) -> None:
        """Remove every toxic: the relay becomes a plain tap."""
        with self._changed:
            self._toxics.clear()
            self._changed.notify_all()

    @property
    def toxics(self) -> list[Toxic]:
        """The toxics in the order they were added (the order in which they act on a fragment)."""
        with self._changed:
            return list(self._toxics.values())

    def _acting(self, flow: _Flow, way: Direction) -> list[Toxic]:
        with self._changed:
            toxics = list(self._toxics.values())
        return [t for t in toxics if flow.acts(t, way)]

    # -- recording -------------------------------------------------------------------
    def _record(
        self,
        link: _Link,
        kind: EventKind,
        direction: Direction | None = None,
        data: bytes = b"",
        detail: str = "",
        states: SideStates | None = None,
        *,
        toxic: str = "",
        action: str = "",
    ) -> RelayEvent:
        plain = super()._record(link, kind, direction, data, detail, states)
        flow = self._flows.get(link.id)
        if flow is not None and kind is EventKind.FIN and direction is not None and not toxic:
            toxic, action = self._plan_fin(flow, direction)  # decided now: the tap notes states on this event
        fields = {f.name: getattr(plain, f.name) for f in dataclasses.fields(plain)}
        event = RelayEvent(**fields, toxic=toxic, action=action)
        self._swap(plain, event)
        if flow is not None and kind is EventKind.DATA and direction is not None:
            flow.last_data[direction] = event
        return event

    def _swap(self, old: TapEvent, new: TapEvent) -> None:
        with self._cond:
            for i in range(len(self._tap_events) - 1, -1, -1):  # it is one of the last ones
                if self._tap_events[i] is old:
                    self._tap_events[i] = new
                    return

    def _annotate(self, event: RelayEvent | None, notes: list[tuple[str, str]]) -> None:
        """Write on ``event`` (already recorded) which toxics acted on it and what they did."""
        if event is None or not notes:
            return
        toxic = ", ".join(dict.fromkeys(name for name, _ in notes))
        action = "; ".join(text for _, text in notes)
        self._swap(event, dataclasses.replace(event, toxic=toxic, action=action))

    def _plan_fin(self, flow: _Flow, way: Direction) -> tuple[str, str]:
        slow = [t for t in self._acting(flow, way) if t.kind == "slow_close"]
        delay = sum(t["delay"] for t in slow)
        if not slow:
            return "", ""
        flow.fin_delay[way] = delay
        return ", ".join(t.name for t in slow), f"FIN retrasado {delay * 1000:.0f} ms"

    # -- one connection --------------------------------------------------------------
    def handle(self, conn: socket.socket, addr: tuple) -> None:
        self._local.flow = None
        try:
            super().handle(conn, addr)
        finally:
            flow: _Flow | None = self._local.flow
            if flow is not None:
                with self._changed:
                    flow.pumps = 0
                    self._changed.notify_all()
                if flow.watchdog is not None:
                    flow.watchdog.join()
                with self._changed:
                    self._flows.pop(flow.link.id, None)

    def _connect_upstream(self, link: _Link) -> socket.socket | None:
        upstream = super()._connect_upstream(link)
        if upstream is None:
            return None
        for sock in (link.client, upstream):  # a slice must leave as it was cut, not wait for an ACK
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        flow = _Flow(link, self.seed)
        with self._changed:
            self._flows[link.id] = flow
        self._local.flow = flow
        flow.watchdog = threading.Thread(
            target=self._watch, args=(flow,), name=f"{threading.current_thread().name}-tóxicos", daemon=True
        )
        flow.watchdog.start()
        return upstream

    def _pump_safely(self, link: _Link, src: socket.socket, dst: socket.socket, way: Direction) -> None:
        flow = self._flows.get(link.id)
        end = _ToxicEnd(self, flow, src, dst, way) if flow is not None else None
        try:
            super()._pump_safely(link, src, dst if end is None else cast(socket.socket, end), way)
        finally:
            if end is not None and end.line is not None:
                end.line.close()
            if flow is not None and flow.closed_by:
                self._discard_unread(flow, src, way)
            if flow is not None:
                with self._changed:
                    flow.pumps -= 1
                    self._changed.notify_all()

    def _discard_unread(self, flow: _Flow, src: socket.socket, way: Direction) -> None:
        """Read and drop what ``src`` still holds, before the tap closes it: a toxic's close is a FIN.

        A socket closed with bytes unread sends RST instead of FIN, so a client that had sent
        something the relay never read (a ``timeout`` toxic that fires before the relay's thread
        got to it, more data than ``limit_data`` lets pass) would see its connection reset, or not,
        by luck. The bytes dropped are recorded, as everything the relay did.
        """
        for _ in range(_MAX_JOINED):
            try:
                if not select.select([src], [], [], 0)[0]:
                    return
                data = src.recv(self.chunk_size)
            except (OSError, ValueError):
                return
            if not data:
                return
            self._record(flow.link, EventKind.DATA, way, data, toxic=flow.closed_by, action="descartado al cerrar")

    def _close_clients(self) -> None:
        with self._cond:
            links = list(self._links.values())
        for link in links:
            link.end(EventKind.STOP)
        with self._changed:  # wake the watchdogs: their connections are ending
            self._changed.notify_all()
        super()._close_clients()

    def _pause(self, flow: _Flow, seconds: float) -> bool:
        """Wait ``seconds`` (never less); False, at once, if the connection ends meanwhile."""
        link = flow.link
        deadline = time.monotonic() + seconds
        while link.ended is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            try:
                select.select([link.wake_r], [], [], left)  # readable once the connection ends
            except (OSError, ValueError):
                return False
        return False

    # -- a fragment through the toxics of its direction ------------------------------
    def _forward(self, end: _ToxicEnd, data: bytes) -> None:
        arrived = time.monotonic()
        plan = self._plan(end, data)
        if plan is None:
            return
        if end.line is None and plan.delay:
            end.line = DelayLine(
                lambda seconds: self._pause(end.flow, seconds),
                f"{threading.current_thread().name}-latencia",
                on_error=lambda exc: self._line_failed(end.flow, exc),
            )
        if end.line is None:
            self._deliver(end, plan)  # a failed send reaches the tap's loop, which passes it on
        else:
            end.line.put(arrived + plan.delay, plan.size, lambda: self._deliver_from_line(end, plan))

    def _plan(self, end: _ToxicEnd, data: bytes) -> _Plan | None:
        """Decide (seeded, in this direction's thread) what the toxics do to ``data``; None: nothing to send.

        The event of the fragment is annotated here, before any byte of it leaves.
        """
        flow, way = end.flow, end.way
        acting = self._acting(flow, way)
        if flow.ending:
            return None  # a toxic has decided to end the connection: nothing more passes
        if not acting:
            return _Plan([data], len(data))
        first = flow.last_data.get(way)
        notes: list[tuple[str, str]] = []
        blocking = [t for t in acting if t.kind == "timeout"]
        if blocking:
            self._annotate(first, [(t.name, "descartado: no pasa") for t in blocking])
            return None
        for t in (t for t in acting if t.kind == "coalesce"):
            joined = self._coalesce(end, t, data)
            if joined is None:
                return None
            notes.append((t.name, f"esperó {t['window'] * 1000:.0f} ms: {joined[1]} fragmentos en un envío"))
            data = joined[0]
        data, ender = self._cut(flow, way, acting, data, notes)
        plan = _Plan([data], len(data), ender=ender)
        for t in (t for t in acting if t.kind == "latency"):
            one = max(t["latency"] + (flow.random[way].uniform(-t["jitter"], t["jitter"]) if t["jitter"] else 0.0), 0.0)
            plan.delay += one
            notes.append((t.name, f"retrasado {one * 1000:.0f} ms"))
        slicer = next((t for t in acting if t.kind == "slicer"), None)
        if slicer is not None:
            plan.pieces, plan.gap = _slices(data, slicer, flow.random[way]), slicer["delay"]
            if len(plan.pieces) > 1:
                sizes = "+".join(str(len(p)) for p in plan.pieces[:12]) + ("+…" if len(plan.pieces) > 12 else "")
                notes.append((slicer.name, f"en {len(plan.pieces)} piezas: {sizes} bytes"))
        rates = [t for t in acting if t.kind == "bandwidth"]
        if rates:
            slowest = min(rates, key=lambda t: t["rate"])
            plan.rate = slowest["rate"]
            notes.append((slowest.name, f"a {plan.rate:g} bytes/s"))
        self._annotate(first, notes)
        return plan

    def _deliver(self, end: _ToxicEnd, plan: _Plan) -> bool:
        """Send what ``plan`` says; False if the connection ended (or the plan ends it)."""
        flow = end.flow
        # the end a toxic decided is recorded before the last bytes leave: whatever the other end does
        # once it has them (its own FIN) comes after it in the recording, as it does on the wire
        why = self._announce_end(flow, plan.ender) if plan.ender is not None else None
        for i, piece in enumerate(plan.pieces):
            if i and plan.gap and not self._pause(flow, plan.gap):
                return False
            if piece and not self._send(flow, end.dst, piece, plan.rate):
                return False
        if why is not None:
            flow.link.end(why)
            return False
        return True

    def _deliver_from_line(self, end: _ToxicEnd, plan: _Plan) -> bool:
        """`_deliver` in the delay line's thread: a failed send is passed on as the tap's loop would."""
        link = end.flow.link
        try:
            return self._deliver(end, plan)
        except TimeoutError:
            if link.end(EventKind.TIMEOUT):
                self._record(link, EventKind.TIMEOUT, detail=f"{self.timeout:g} s sin leer")
        except OSError as exc:  # the receiving side reset
            self._on_reset(link, end.way.other, exc)
        return False

    def _pass_fin(self, end: _ToxicEnd, how: int, delay: float) -> bool:
        """Pass the FIN on, ``delay`` seconds late (slow_close); False if the connection ended first."""
        if delay and not self._pause(end.flow, delay):
            return False  # the tap closes both sockets
        try:
            end.dst.shutdown(how)
        except OSError:
            pass
        return True

    def _line_failed(self, flow: _Flow, exc: BaseException) -> None:
        flow.link.end(EventKind.STOP)
        self._record_error(exc)

    def _cut(
        self, flow: _Flow, way: Direction, acting: list[Toxic], data: bytes, notes: list[tuple[str, str]]
    ) -> tuple[bytes, Toxic | None]:
        """Keep what ``limit_data`` and ``reset_peer`` (with ``bytes``) let pass; which one then ends it."""
        ender: Toxic | None = None
        allowed = len(data)
        for t in acting:
            if t.kind == "limit_data" or (t.kind == "reset_peer" and t["bytes"] is not None):
                left = max(int(t["bytes"]) - flow.counted.get((t.name, t.added, way), 0), 0)
                if left <= allowed and (ender is None or left < allowed):
                    allowed, ender = left, t
        for t in acting:
            if t.kind in ("limit_data", "reset_peer"):
                key = (t.name, t.added, way)
                flow.counted[key] = flow.counted.get(key, 0) + allowed
        if ender is not None:
            flow.ending = True
            what = "corta (RST)" if ender.kind == "reset_peer" else "cierra"
            notes.append((ender.name, f"pasan {allowed} de {len(data)} bytes; luego {what}"))
        return data[:allowed], ender

    def _coalesce(self, end: _ToxicEnd, toxic: Toxic, data: bytes) -> tuple[bytes, int] | None:
        """Wait the window and join what arrived meanwhile; None if the connection ended."""
        if not self._pause(end.flow, toxic["window"]):
            return None
        parts = [data]
        for _ in range(_MAX_JOINED):
            try:
                readable, _, _ = select.select([end.src], [], [], 0)
                if not readable:
                    break
                chunk = end.src.recv(self.chunk_size)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:  # the sender reset: as the tap does, pass it on
                self._on_reset(end.flow.link, end.way, exc)
                return None
            if not chunk:
                break  # its FIN: the tap's next recv() returns b"" again and passes it on
            self._record(end.flow.link, EventKind.DATA, end.way, chunk, toxic=toxic.name, action="unido al anterior")
            parts.append(chunk)
        return b"".join(parts), len(parts)

    def _send(self, flow: _Flow, dst: socket.socket, piece: bytes, rate: float) -> bool:
        """Send ``piece`` (at ``rate`` bytes/s if given); False if the connection ended meanwhile."""
        if not rate:
            dst.sendall(piece)
            return True
        step = max(int(rate / _PACE_STEPS), 1)
        for i in range(0, len(piece), step):
            part = piece[i : i + step]
            dst.sendall(part)
            if not self._pause(flow, len(part) / rate):
                return False
        return True

    def _end_by(self, flow: _Flow, toxic: Toxic) -> None:
        """End the connection as ``toxic`` says: RST (``reset_peer``), FIN (``limit_data``) or close (``timeout``)."""
        why = self._announce_end(flow, toxic)
        if why is not None:
            flow.link.end(why)

    def _announce_end(self, flow: _Flow, toxic: Toxic) -> EventKind | None:
        """Record the end ``toxic`` decides; the reason to end the link with (None if it has ended)."""
        link = flow.link
        if toxic.kind == "reset_peer":
            why, kind = EventKind.RESET, EventKind.RESET
            action = "el proxy corta la conexión (RST) con los dos extremos"
        elif toxic.kind == "limit_data":
            why, kind = EventKind.CLOSE, EventKind.FIN
            action = f"el proxy cierra (FIN) con los dos extremos tras {toxic['bytes']} bytes"
        else:
            why, kind = EventKind.TIMEOUT, EventKind.TIMEOUT
            action = f"el proxy cierra la conexión tras {toxic['timeout']:g} s sin dejar pasar datos"
        if link.ended is not None:
            return None
        self._record(link, kind, None, toxic=toxic.name, action=action)  # before it happens, as the tap does
        if why is not EventKind.RESET:
            flow.closed_by = toxic.name  # an orderly close: what the ends sent and nobody read is dropped
        return why

    # -- the watchdog: toxics with a clock of their own ------------------------------
    def _watch(self, flow: _Flow) -> None:
        try:
            with self._changed:
                while flow.pumps > 0 and flow.link.ended is None:
                    clocks = [
                        (flow.starts(t) + t.clock, t)
                        for t in self._toxics.values()
                        if t.clock is not None and any(flow.acts(t, way) for way in t.ways)
                    ]
                    if not clocks:
                        self._changed.wait()
                        continue
                    when, toxic = min(clocks, key=lambda c: c[0])
                    left = when - time.monotonic()
                    if left <= 0:
                        self._end_by(flow, toxic)
                        return
                    self._changed.wait(left)
        except BaseException as exc:  # a bug must reach check(), and the connection must end
            flow.link.end(EventKind.STOP)
            self._record_error(exc)

    # -- what the notebook reads -----------------------------------------------------
    def events(self, *args: Any, **kwargs: Any) -> list[RelayEvent]:  # type: ignore[override]
        """As :meth:`Tap.events`; every event is a :class:`RelayEvent` (``toxic``, ``action``)."""
        return cast("list[RelayEvent]", super().events(*args, **kwargs))

    def toxic_events(self, toxic: str | None = None) -> list[RelayEvent]:
        """The events some toxic acted on (or only ``toxic``'s, by name), oldest first."""
        return [e for e in self.events() if e.toxic and (toxic is None or toxic in e.toxic.split(", "))]

    def table(
        self, conn: int | None = None, limit: int | None = 60, times: bool = False, states: bool = False
    ) -> Table:
        """The tap's table with one more column: which toxic acted on each event and what it did."""
        table = super().table(conn, limit, times, states)
        shown = self.events(conn=conn)[: len(table.rows)]
        table.header = [*(table.header or []), "tóxico"]
        for row, event in zip(table.rows, shown, strict=False):
            row.append(f"{event.toxic}: {event.action}" if event.toxic else "")
        return table

    def toxics_table(self) -> Table:
        """One row per toxic: name, kind, direction, probability and parameters."""
        rows = [
            [t.name, t.kind, t.direction, f"{t.probability:g}", t.describe().split(": ", 1)[1]] for t in self.toxics
        ]
        header = ["nombre", "tóxico", "sentido", "probabilidad", "parámetros"]
        return Table(header, rows, "" if rows else "Sin tóxicos.")


def _slices(data: bytes, slicer: Toxic, rng: random.Random) -> list[bytes]:
    """Cut ``data`` into pieces of ``size`` ± ``variation`` bytes (seeded), at least one byte each."""
    size, variation = int(slicer["size"]), int(slicer["variation"])
    pieces, i = [], 0
    while i < len(data):
        n = max(size + (rng.randint(-variation, variation) if variation else 0), 1)
        pieces.append(data[i : i + n])
        i += n
    return pieces
