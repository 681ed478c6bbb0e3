"""A recording proxy: see which bytes cross, in how many pieces, and how each side closes.

Reading a socket program tells you what it *asks* for; the tap shows what actually crosses
the wire. Put it in front of any TCP server of the course, point the client at the tap
instead, and it forwards everything unchanged while recording:

- every chunk each ``recv`` returned, with its direction, bytes and time;
- the connection, each side's FIN (half-close: ``shutdown(SHUT_WR)`` is passed on and the
  other direction keeps flowing) and a reset (RST) from either side, which is passed on as a
  reset (``SO_LINGER (1, 0)`` + ``close``) so the client sees the real
  ``ConnectionResetError``;
- with ``Tap(..., states=True)``, the TCP state of its two sockets after each event (see
  `SideStates`): the tap speaks to the server as the client and to the client as the server,
  and passes each close on in the same direction, so its sockets go through the states the
  two ends go through.

>>> with lab.EchoServer() as eco, lab.Tap(eco) as tap:     # doctest: +SKIP
...     with socket.create_connection(tap.address) as c:
...         c.sendall(b"hola"); c.recv(100)
...     tap.wait_closed(); print(tap.table())

Each connection is served by two threads, one per direction, so the tap never adds a
deadlock the direct connection would not have: a direction that is blocked (its reader is
not reading) never stops the other one. A chunk is recorded *before* it is forwarded, so
when a client has its answer the tap has already recorded the request that caused it.
"""

from __future__ import annotations

import dataclasses
import enum
import selectors
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

from ._address import format_address, resolve_host
from ._closing import arm_reset
from ._display import Table, Text, escape_bytes, escaped_lines, hexdump_bytes
from ._errors import LabError
from ._server import StreamServer
from .events import EventKind
from .sockstate.path import StatePath

__all__ = [
    "Direction",
    "EventKind",
    "SideStates",
    "Tap",
    "TapEvent",
    "TapTargetError",
    "escape_bytes",
    "escaped_lines",
    "hexdump_bytes",
]


class TapTargetError(LabError, TypeError):
    """`Tap(...)` was given something that is not a server nor a ``(host, port)``."""


class Direction(str, enum.Enum):
    """Which way a packet travels through the tap."""

    TO_SERVER = "cliente→servidor"
    TO_CLIENT = "servidor→cliente"

    def __str__(self) -> str:  # the same text on every Python version
        return self.value

    @property
    def other(self) -> Direction:
        return Direction.TO_CLIENT if self is Direction.TO_SERVER else Direction.TO_SERVER


TO_SERVER = Direction.TO_SERVER
TO_CLIENT = Direction.TO_CLIENT

#: The kinds of event the tap records, with the Spanish word shown in tables and plots.
KINDS = {
    EventKind.CONNECT: "conexión",
    EventKind.DATA: "datos",
    EventKind.FIN: "FIN",
    EventKind.RESET: "RST",
    EventKind.TIMEOUT: "inactividad",
    EventKind.ERROR: "error",
    EventKind.CLOSE: "cierre",
}

#: Why a proxied connection ended, as its ``close`` event says it.
_CLOSE_DETAIL = {
    EventKind.RESET: "por RST",
    EventKind.TIMEOUT: "por inactividad",
    EventKind.STOP: "al detener el proxy",
}


#: Who sent a FIN or an RST, by its direction (the relay's own, made by a toxic, has none).
_SENDER: dict[Direction | None, str] = {Direction.TO_SERVER: "del cliente", Direction.TO_CLIENT: "del servidor"}


@dataclasses.dataclass(frozen=True)
class SideStates:
    """The TCP state of the tap's two sockets of one connection, right after an event.

    ``client`` is the state of the socket the tap connected to the server: towards the server
    it plays the client. ``server`` is the state of the socket the tap accepted from the
    client: towards the client it plays the server. ``None`` where the system could not say
    (or that socket did not exist yet). Read from the system, never inferred
    (`labsupport.sockstate.path`), right after the tap passed the event on: the other side
    may already have answered it by then (a server that closes as soon as it reads EOF: the
    row of the client's FIN can already show TIME_WAIT). A state a lesson prints as its
    verdict comes from a `~labsupport.sockstate.path.StatePath`, where the experiment
    decides when to read.
    """

    client: str | None
    server: str | None


@dataclasses.dataclass(frozen=True)
class TapEvent:
    """One thing the tap saw.

    ``time`` is seconds since the tap started (or since the last ``reset()``); ``conn`` numbers
    the connections from 1; ``direction`` is the way the packet travelled (for ``fin`` and
    ``reset``: who sent it). ``size`` is what ``recv`` returned; ``data`` holds those bytes
    unless the recording cap was reached (then it is shorter, see ``Tap.truncated``).
    ``kind`` is an :class:`~labsupport.events.EventKind` (a string such as ``"data"`` is
    turned into one, and a misspelt one is an error). ``states`` is set only by a tap made
    with ``states=True``: the TCP states of its sockets after the event was passed on.
    """

    time: float
    conn: int
    kind: EventKind
    direction: Direction | None = None
    size: int = 0
    data: bytes = b""
    detail: str = ""
    states: SideStates | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))  # frozen: set once, here

    @property
    def label(self) -> str:
        """The Spanish name of the event: ``datos``, ``FIN``, ``RST``..."""
        return KINDS.get(self.kind, self.kind)

    def excerpt(self, width: int = 24) -> str:
        """At most ``width`` characters of the bytes, escaped: for tables and arrows."""
        return escape_bytes(self.data, width=width)


# -- the proxy ---------------------------------------------------------------------------
def _target_address(target: Any) -> tuple[str, int]:
    address = getattr(target, "address", target)
    if not (isinstance(address, tuple) and len(address) >= 2):
        raise TapTargetError(
            "Tap necesita el servidor al que reenviar: un servidor del curso (por ejemplo "
            f"lab.EchoServer()) o una tupla (host, puerto); se recibió {target!r}."
        )
    host, port = address[0], address[1]
    if not isinstance(host, str) or not isinstance(port, int) or not 0 < port < 65536:
        raise TapTargetError(f"Se esperaba (host, puerto) con un puerto entre 1 y 65535; se recibió {address!r}.")
    numeric, _ = resolve_host(host)
    return numeric, port


def _abortive_close_on(sock: socket.socket) -> None:
    """Make the next ``close()`` send RST instead of FIN; the socket may already be dead."""
    try:
        arm_reset(sock)
    except OSError:
        pass


class _Link:
    """State shared by the two pump threads of one proxied connection."""

    def __init__(self, conn_id: int, client: socket.socket) -> None:
        self.id = conn_id
        self.client = client
        self.upstream: socket.socket | None = None
        self.lock = threading.Lock()
        self.ended: EventKind | None = None  # RESET, TIMEOUT or STOP: both pumps must quit
        self.last_activity = time.monotonic()
        self.wake_r, self.wake_w = socket.socketpair()
        self.path: StatePath | None = None  # the tap's two sockets, when it records states
        self.path_lock = threading.Lock()  # both pumps mark the one path

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def end(self, why: EventKind) -> bool:
        """Ask both pumps to stop; True for the first caller only (it records the event)."""
        with self.lock:
            if self.ended is not None:
                return False
            self.ended = why
        try:
            self.wake_w.send(b"x")
        except OSError:
            pass
        return True

    def shutdown_all(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close_wake(self) -> None:
        self.wake_r.close()
        self.wake_w.close()


class Tap(StreamServer):
    """A recording proxy in front of a TCP server: same bytes, same order, same closes.

    ``target`` is a course server (anything with ``.address``) or ``(host, port)`` on
    loopback. Clients connect to ``tap.address``. ``timeout`` is how long a connection may
    stay silent *in both directions* before the tap closes it (long by default: a student
    may connect in one cell and send in the next); the server behind usually gives up first.
    ``max_record_bytes`` caps the bytes kept in memory (sizes are always recorded).
    ``states=True`` records in each event the TCP states of the tap's two sockets (`SideStates`);
    off by default, as reading a closed socket's state asks the system's list of connections.
    """

    name = "proxy de grabación"
    #: bytes asked of each ``recv``: big, so the sizes recorded are the sender's pieces as
    #: the kernel delivered them, not an artefact of the tap.
    chunk_size = 65_536

    def __init__(
        self,
        target: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 300.0,
        connect_timeout: float = 5.0,
        max_connections: int = 32,
        max_record_bytes: int = 32 * 1024 * 1024,
        states: bool = False,
        **kwargs: Any,
    ) -> None:
        self.target = _target_address(target)
        self.states = states
        self.connect_timeout = connect_timeout
        self.max_record_bytes = max_record_bytes
        self._cond = threading.Condition()
        self._tap_events: list[TapEvent] = []
        self._recorded_bytes = 0
        self._truncated = False
        self._t0 = time.monotonic()
        self._links: dict[int, _Link] = {}
        self._next_id = 1
        super().__init__(host, port, timeout=timeout, max_connections=max_connections, **kwargs)

    # -- recording ---------------------------------------------------------------------
    def _record(
        self,
        link: _Link,
        kind: EventKind,
        direction: Direction | None = None,
        data: bytes = b"",
        detail: str = "",
        states: SideStates | None = None,
    ) -> TapEvent:
        with self._cond:
            kept = data
            room = self.max_record_bytes - self._recorded_bytes
            if len(data) > room:
                kept = data[: max(room, 0)]
                self._truncated = True
            self._recorded_bytes += len(kept)
            event = TapEvent(
                round(time.monotonic() - self._t0, 6), link.id, kind, direction, len(data), kept, detail, states
            )
            self._tap_events.append(event)
            self._cond.notify_all()
        return event

    def _read_states(self, link: _Link, why: TapEvent | str, *, settle: float = 1.0) -> SideStates | None:
        """The states of ``link``'s sockets now (None unless the tap records states).

        Data and a reset are read as they arrive, before the tap passes them on (data changes
        no state, and nothing they cause can have happened yet); a FIN right after the tap
        passed it on, since its own shutdown is what changes its socket. The mark settles for
        at most a second: on loopback the ACK comes back in microseconds, and a state held
        longer (a FIN behind data the peer does not read) is recorded as held. Data and a reset
        are read once, without settling: they change no state, and a settling wait there would
        hold the forwarding path (and the other direction, behind ``path_lock``) for up to a
        second while one socket is held in FIN_WAIT_1 or LAST_ACK.
        """
        if link.path is None:
            return None
        with link.path_lock:
            step = link.path.mark(why if isinstance(why, str) else why.label, settle=settle)
        return SideStates(step.states.get("client"), step.states.get("server"))

    def _note_states(self, link: _Link, event: TapEvent) -> None:
        """Add to ``event``, already recorded, the states after it was passed on."""
        states = self._read_states(link, event)
        if states is None:
            return
        with self._cond:
            for i in range(len(self._tap_events) - 1, -1, -1):  # it is one of the last ones
                if self._tap_events[i] is event:
                    self._tap_events[i] = dataclasses.replace(event, states=states)
                    break

    # -- one connection ----------------------------------------------------------------
    def handle(self, conn: socket.socket, addr: tuple) -> None:
        with self._cond:
            link = _Link(self._next_id, conn)
            self._next_id += 1
            self._links[link.id] = link
        peer = format_address(addr)
        connected = self._record(link, EventKind.CONNECT, TO_SERVER, detail=peer)
        other: threading.Thread | None = None
        try:
            upstream = self._connect_upstream(link)
            if upstream is None:
                return
            if self.states:
                link.path = StatePath(client=upstream, server=conn)
                self._note_states(link, connected)
            other = threading.Thread(
                target=self._pump_safely,
                args=(link, upstream, conn, TO_CLIENT),
                name=f"{threading.current_thread().name}-respuesta",
                daemon=True,
            )
            other.start()
            self._pump_safely(link, conn, upstream, TO_SERVER)
        finally:
            if other is not None:
                other.join()
            if link.ended is EventKind.RESET:
                _abortive_close_on(conn)
                if link.upstream is not None:
                    _abortive_close_on(link.upstream)
            if link.upstream is not None:
                link.upstream.close()
            conn.close()
            link.close_wake()
            why = _CLOSE_DETAIL.get(link.ended, "") if link.ended is not None else ""
            self._record(link, EventKind.CLOSE, detail=why, states=self._read_states(link, "cierre"))
            with self._cond:
                self._links.pop(link.id, None)
                self._cond.notify_all()

    def _connect_upstream(self, link: _Link) -> socket.socket | None:
        """Connect to the target for ``link``; None (and the error recorded) if it refused."""
        family = socket.AF_INET6 if ":" in self.target[0] else socket.AF_INET
        upstream = socket.socket(family, socket.SOCK_STREAM)
        upstream.settimeout(self.connect_timeout)
        try:
            upstream.connect(self.target)
        except OSError as exc:
            upstream.close()
            # The client was already accepted: the closest thing to "refused" is a reset.
            self._record(
                link,
                EventKind.ERROR,
                TO_SERVER,
                detail=f"no se pudo conectar con {format_address(self.target)}: {type(exc).__name__}",
            )
            link.end(EventKind.RESET)
            return None
        upstream.settimeout(self.timeout)
        link.upstream = upstream
        if self._stopping.is_set():  # stop() ran while we were connecting
            link.end(EventKind.STOP)
            link.shutdown_all()
        return upstream

    def _pump_safely(self, link: _Link, src: socket.socket, dst: socket.socket, way: Direction) -> None:
        try:
            self._pump(link, src, dst, way)
        except BaseException as exc:  # a bug must reach check(), and the other pump must end
            link.end(EventKind.STOP)
            self._record_error(exc)

    def _pump(self, link: _Link, src: socket.socket, dst: socket.socket, way: Direction) -> None:
        """Forward ``src`` → ``dst`` until FIN, reset, silence or stop."""
        with selectors.DefaultSelector() as sel:
            sel.register(src, selectors.EVENT_READ)
            sel.register(link.wake_r, selectors.EVENT_READ)
            while True:
                idle = time.monotonic() - link.last_activity
                ready = sel.select(timeout=max(self.timeout - idle, 0.0))
                if link.ended is not None or any(key.fileobj is link.wake_r for key, _ in ready):
                    return
                if not ready:
                    if time.monotonic() - link.last_activity >= self.timeout:
                        if link.end(EventKind.TIMEOUT):
                            self._record(link, EventKind.TIMEOUT, detail=f"{self.timeout:g} s sin datos")
                        return
                    continue
                try:
                    data = src.recv(self.chunk_size)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as exc:  # ConnectionResetError, or stop() shut it down
                    self._on_reset(link, way, exc)
                    return
                link.touch()
                if not data:
                    fin = self._record(link, EventKind.FIN, way)
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    self._note_states(link, fin)
                    return
                # data changes no state: read before passing it on, when nothing it causes can have happened
                self._record(link, EventKind.DATA, way, data, states=self._read_states(link, "datos", settle=0.0))
                try:
                    dst.sendall(data)
                except TimeoutError:
                    if link.end(EventKind.TIMEOUT):
                        self._record(link, EventKind.TIMEOUT, detail=f"{self.timeout:g} s sin leer")
                    return
                except OSError as exc:  # the receiving side reset (or closed and then reset)
                    self._on_reset(link, way.other, exc)
                    return
                link.touch()

    def _on_reset(self, link: _Link, way: Direction, exc: OSError) -> None:
        if self._stopping.is_set():
            link.end(EventKind.STOP)
            return
        if link.end(EventKind.RESET):
            who = "el cliente" if way is TO_SERVER else "el servidor"
            states = self._read_states(link, "RST", settle=0.0)
            self._record(link, EventKind.RESET, way, detail=f"{who}: {type(exc).__name__}", states=states)

    def _close_clients(self) -> None:
        with self._cond:
            links = list(self._links.values())
        for link in links:
            link.end(EventKind.STOP)
            link.shutdown_all()
        super()._close_clients()

    # -- what the notebook reads ---------------------------------------------------------
    def url(self, path: str = "/") -> str:
        """``http://127.0.0.1:PORT/path`` through the tap (for an HTTP server behind it)."""
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{format_address(self.address)}{path}"

    @property
    def truncated(self) -> bool:
        """True if some bytes were not kept because ``max_record_bytes`` was reached."""
        return self._truncated

    def events(
        self,
        conn: int | None = None,
        kind: str | Iterable[str] | None = None,
        direction: Direction | str | None = None,
    ) -> list[TapEvent]:
        """A copy of the recording, oldest first, optionally filtered.

        ``kind`` is one kind or several (``EventKind.FIN`` or ``"fin"``); one that does not
        exist is an error, not an empty list.
        """
        names = [kind] if isinstance(kind, str) else kind
        kinds = {EventKind(name) for name in names} if names is not None else None
        way = Direction(direction) if direction is not None else None
        with self._cond:
            events = list(self._tap_events)
        return [
            e
            for e in events
            if (conn is None or e.conn == conn)
            and (kinds is None or e.kind in kinds)
            and (way is None or e.direction is way)
        ]

    def chunks(self, direction: Direction | str | None = None, conn: int | None = None) -> list[TapEvent]:
        """The data events: one per ``recv`` that returned bytes."""
        return self.events(conn=conn, kind=EventKind.DATA, direction=direction)

    def connections(self) -> list[int]:
        """The ids of the connections recorded, in order."""
        return sorted({e.conn for e in self.events()})

    def sent(self, conn: int | None = None) -> bytes:
        """Every byte the clients sent (client → server), joined."""
        return b"".join(e.data for e in self.chunks(TO_SERVER, conn))

    def received(self, conn: int | None = None) -> bytes:
        """Every byte the server answered (server → client), joined."""
        return b"".join(e.data for e in self.chunks(TO_CLIENT, conn))

    def _bytes(self, direction: Direction | str, conn: int | None) -> bytes:
        return self.sent(conn) if Direction(direction) is TO_SERVER else self.received(conn)

    def hexdump(self, direction: Direction | str = TO_SERVER, limit: int | None = 256, conn: int | None = None) -> Text:
        """The bytes of one direction as ``hexdump -C`` shows them."""
        return Text(hexdump_bytes(self._bytes(direction, conn), limit))

    def escaped(self, direction: Direction | str = TO_SERVER, limit: int | None = 512, conn: int | None = None) -> Text:
        """The bytes of one direction, escaped (``\\r\\n`` visible), one line per ``\\n``."""
        return Text(escaped_lines(self._bytes(direction, conn), limit))

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """Wait until every connection through the tap has ended; False if time ran out.

        A client has its answer *before* the tap sees the last FIN: call this before
        printing a table so the closing events are in it. It returns as soon as the last
        connection ends; the generous ``timeout`` only bounds a connection that never does.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._links:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def reset(self) -> None:
        """Forget the recording and restart the clock: a clean slate for the next experiment."""
        with self._cond:
            self._tap_events.clear()
            self._recorded_bytes = 0
            self._truncated = False
            self._t0 = time.monotonic()
            self._next_id = max(self._links, default=0) + 1

    def table(
        self, conn: int | None = None, limit: int | None = 60, times: bool = False, states: bool = False
    ) -> Table:
        """One row per event: connection, what happened, direction, size and an excerpt.

        Times are left out unless asked for, so a notebook prints the same table every run.
        ``states`` adds the TCP states of the tap's sockets after each event (a tap made
        with ``states=True``; see `SideStates`: they are read right after the event was
        passed on, so the other side may already have answered it).
        """
        events = self.events(conn=conn)
        shown = events if limit is None else events[:limit]
        header = ["conexión", "evento", "sentido", "bytes", "contenido"]
        if times:
            header.insert(0, "t (ms)")
        if states:
            header += ["estado (cliente)", "estado (servidor)"]
        rows = []
        for e in shown:
            is_data = e.kind is EventKind.DATA
            content = e.excerpt(40) if is_data else e.detail
            if e.kind is EventKind.CONNECT:
                content = ""  # the client's port changes every run
            row = [str(e.conn), e.label, str(e.direction or ""), str(e.size) if is_data else "", content]
            if times:
                row.insert(0, f"{e.time * 1000:.1f}")
            if states:
                row += [(getattr(e.states, side) or "—") if e.states else "—" for side in ("client", "server")]
            rows.append(row)
        note = f"… y {len(events) - len(shown)} eventos más" if len(shown) < len(events) else ""
        return Table(header, rows, note, code=True)

    def summary(self) -> Text:
        """Per connection: bytes each way and how each side ended (stable across runs)."""
        lines = []
        for cid in self.connections():
            events = self.events(conn=cid)
            up = sum(e.size for e in events if e.kind is EventKind.DATA and e.direction is TO_SERVER)
            down = sum(e.size for e in events if e.kind is EventKind.DATA and e.direction is TO_CLIENT)
            ends = [
                f"{e.label} {_SENDER.get(e.direction, 'del proxy')}"  # no direction: the relay's own (a toxic's)
                for e in events
                if e.kind in (EventKind.FIN, EventKind.RESET)
            ]
            ends += [e.label for e in events if e.kind in (EventKind.TIMEOUT, EventKind.ERROR)]
            if not any(e.kind is EventKind.CLOSE for e in events):
                ends.append("sigue abierta")
            lines.append(
                f"conexión {cid}: cliente→servidor {up} bytes, servidor→cliente {down} bytes; "
                f"{', '.join(ends) if ends else 'sin cierre'}"
            )
        return Text("\n".join(lines) if lines else "Sin conexiones grabadas.")

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f" → {format_address(self.target)}>"
