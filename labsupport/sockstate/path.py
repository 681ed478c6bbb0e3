"""A socket's life as a list of TCP states: the experiment marks each step, the kernel says the state.

On loopback a state lasts microseconds, so a sampler in the background would see some
states one run and miss them the next. Instead the experiment does one step (connect,
close, read…) and then calls ``path.mark("el cliente cierra")``: the mark reads the state of
every end it tracks, right then, and the recorded path is the same every run.

>>> path = StatePath(cliente=c)                 # doctest: +SKIP
>>> c.connect(addr); path.track("servidor", escucha.accept()[0]); path.mark("conectados")
>>> c.close(); path.mark("el cliente cierra")
>>> path.path("cliente")                        # ['ESTABLISHED', 'FIN_WAIT_2']

Where each state comes from:

- an open socket: its own record in the kernel (`tcpinfo.tcp_state`, ``TCP_INFO``);
- a socket Python already closed (its file descriptor is gone) or one whose record reads
  CLOSED although its connection lives on in TIME_WAIT: the system's table of TCP
  connections, found by its four addresses; a connection the system no longer lists is
  CLOSED. On Linux that table is read from ``/proc/net/tcp`` and ``tcp6`` (75 ms for 3,600
  rows on a loaded machine); elsewhere from ``psutil.net_connections``, which on Linux too
  gives the same states but first maps every socket of the machine to its process through
  every process's file descriptors (0.3 s there), which a lookup by addresses does not need.
  Where the table cannot be read whole (macOS without root: only this process's sockets),
  a closed socket's state is unknown (``None``), never guessed.

Some states wait for the other kernel's answer (an ACK, a SYN+ACK): FIN_WAIT_1, SYN_SENT,
SYN_RECEIVED, CLOSING and LAST_ACK. On loopback that answer takes microseconds, but may not
have arrived yet when the mark reads. So a mark waits, polling (the kernel offers nothing to
wait on without privileges), until no end is in such a state, at most ``settle`` seconds.
A state that is *held* is recorded after that wait: a client behind a full backlog stays in
SYN_SENT (Linux drops its SYN); a FIN queued behind data the peer's full receive window cannot
take is not even sent, so its sender stays in FIN_WAIT_1 (or LAST_ACK) until the peer reads.
An experiment that holds one on purpose passes ``settle=0`` and reads it at once.
SYN_RECEIVED and CLOSING cannot be held on loopback without privileges (it would take a peer
that never ACKs): a path shows them only if a mark happened to see them.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import sys
import time
from collections.abc import Iterable, Mapping

from .._display import Table
from .._errors import LabError
from .tcpinfo import _LINUX_STATES, from_psutil, tcp_state

__all__ = ["TRANSIENT", "StatePath", "StatePathError", "Step", "system_states"]

#: States that last only until the other kernel answers (on loopback: microseconds).
TRANSIENT = frozenset({"SYN_SENT", "SYN_RECEIVED", "FIN_WAIT_1", "CLOSING", "LAST_ACK"})

#: How often a mark re-reads while a state is transient. Not a busy loop: on a loaded machine
#: the kernel hands loopback packets to a thread of its own, which a spinning reader would delay.
_POLL = 0.002

_Key = tuple[tuple[str, int], tuple[str, int] | None]  # (local, remote or None for a listener)


class StatePathError(LabError, ValueError):
    """A `StatePath` was used wrongly (an end that is not a TCP socket, an unknown end name)."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One mark: what the experiment had just done, and the TCP state of each end then.

    ``states`` has the ends tracked at that moment (an end tracked later is absent); a value
    is ``None`` where the system could not say.
    """

    number: int
    label: str
    states: Mapping[str, str | None]


def _addr(address: object) -> tuple[str, int] | None:
    """``(ip, port)`` in one spelling (``::1``, never ``0:0:…:1``), or None when unbound/unconnected."""
    if not isinstance(address, tuple) or len(address) < 2 or not address[1]:
        return None
    host, port = address[0], address[1]
    try:
        host = ipaddress.ip_address(host.split("%")[0]).compressed
    except ValueError:
        pass
    return host, int(port)


class _End:
    """One tracked socket and the addresses it had, remembered for after ``close()``."""

    def __init__(self, name: str, sock: socket.socket) -> None:
        if not isinstance(sock, socket.socket) or sock.type != socket.SOCK_STREAM:
            raise StatePathError(
                f"StatePath sigue sockets TCP (socket.socket de tipo SOCK_STREAM); «{name}» es {sock!r}."
            )
        self.name = name
        self.sock = sock
        self.local: tuple[str, int] | None = None
        self.remote: tuple[str, int] | None = None
        self.refresh()

    def refresh(self) -> None:
        """Remember the addresses while the socket is open (a closed one has none to give).

        Once both are known they cannot change, and they are not asked again.
        """
        if self.sock.fileno() == -1 or (self.local is not None and self.remote is not None):
            return
        try:
            self.local = _addr(self.sock.getsockname()) or self.local
        except OSError:
            pass
        try:
            self.remote = _addr(self.sock.getpeername()) or self.remote
        except OSError:  # not connected (yet, or any more: keep what it had)
            pass

    @property
    def key(self) -> _Key | None:
        return None if self.local is None else (self.local, self.remote)

    def own_state(self) -> str | None:
        """The kernel's record of the open socket; None if closed or the system cannot say."""
        return None if self.sock.fileno() == -1 else tcp_state(self.sock)

    def needs_system(self, own: str | None) -> bool:
        """Only the system's list can tell: the fd is gone, TCP_INFO is missing, or CLOSED may be TIME_WAIT."""
        if self.key is None:
            return False  # never bound: nothing of it in the system's list
        return own is None or (own == "CLOSED" and self.remote is not None)


def _proc_field(address: tuple[str, int] | None, family: socket.AddressFamily) -> str:
    """An address as /proc/net/tcp writes it: ``0100007F:BC5D`` (32-bit words in host order, then the port)."""
    host, port = address if address is not None else ("0.0.0.0" if family == socket.AF_INET else "::", 0)
    raw = socket.inet_pton(family, host)
    if sys.byteorder == "little":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return f"{raw.hex().upper()}:{port:04X}"


def _linux_states(wanted: set[_Key]) -> dict[_Key, str] | None:
    """`system_states` from the kernel's own tables, ``/proc/net/tcp`` and ``tcp6`` (Linux).

    The machine may hold thousands of connections (a test suite leaves many in TIME_WAIT):
    each wanted key is written in the table's own spelling and the rows are matched as text.
    """
    found: dict[_Key, str] = {}
    read_any = False
    for name, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        spelled = {}
        for key in wanted:
            try:
                spelled[(_proc_field(key[0], family), _proc_field(key[1], family))] = key
            except OSError:  # an address of the other family
                continue
        try:
            with open(name, encoding="ascii") as table:
                rows = table.read().splitlines()[1:]  # without the header
        except OSError:
            continue  # tcp6 is missing where IPv6 is off
        read_any = True
        for row in rows:
            fields = row.split(None, 4)
            match = spelled.get((fields[1], fields[2])) if len(fields) > 3 else None
            state = _LINUX_STATES.get(int(fields[3], 16)) if match is not None else None
            if match is not None and state is not None:
                found[match] = state
    return found if read_any else None


def system_states(keys: Iterable[_Key]) -> dict[_Key, str] | None:
    """The state the system lists for each (local, remote) pair; absent keys are not listed.

    ``None`` when the whole list cannot be read (psutil missing, or ``AccessDenied`` as on
    macOS without root): then "not listed" would not mean CLOSED.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    if sys.platform.startswith("linux"):
        found = _linux_states(wanted)
        if found is not None:
            return found
    return _psutil_states(wanted)


def _psutil_states(wanted: set[_Key]) -> dict[_Key, str] | None:
    """`system_states` through psutil: every system it supports, pids and all."""
    try:
        import psutil

        rows = psutil.net_connections(kind="tcp")
    except Exception:  # ImportError, psutil.AccessDenied, or a system psutil does not support
        return None
    found: dict[_Key, str] = {}
    for row in rows:
        local = _addr(tuple(row.laddr)) if row.laddr else None
        remote = _addr(tuple(row.raddr)) if row.raddr else None
        if local is None:
            continue
        key = (local, remote)
        state = from_psutil(row.status)
        if key in wanted and state is not None:
            found[key] = state
    return found


class StatePath:
    """The TCP states that one socket, or both ends of a connection, went through, mark by mark.

    ``StatePath(cliente=c, servidor=s)`` tracks the sockets under those names (the names are
    shown in tables and figures, so write them in Spanish). ``track(name, sock)`` adds an
    end later, or gives an end a new socket (the server's end is the listening socket
    until ``accept()`` returns the connection's own socket).
    """

    def __init__(self, ends: Mapping[str, socket.socket] | None = None, /, **named: socket.socket) -> None:
        self._ends: dict[str, _End] = {}
        self._steps: list[Step] = []
        for name, sock in {**(ends or {}), **named}.items():
            self.track(name, sock)

    def track(self, name: str, sock: socket.socket) -> None:
        """Follow ``sock`` as the end ``name`` from the next mark on."""
        self._ends[name] = _End(name, sock)

    @property
    def ends(self) -> list[str]:
        """The names of the ends, in the order they were first tracked."""
        names = [n for step in self._steps for n in step.states]
        names += list(self._ends)
        return list(dict.fromkeys(names))

    @property
    def steps(self) -> list[Step]:
        """The marks so far, oldest first."""
        return list(self._steps)

    def mark(self, label: str, *, settle: float = 5.0) -> Step:
        """Read every end's state now and record it as the next step under ``label``.

        While some end is in a `TRANSIENT` state the reading is repeated, at most ``settle``
        seconds (generous: on loopback the answer takes microseconds); ``settle=0`` reads
        once, for a state the experiment holds on purpose.
        """
        deadline = time.monotonic() + max(settle, 0.0)
        while True:
            states = self._read()
            if not any(s in TRANSIENT for s in states.values()) or time.monotonic() >= deadline:
                break
            time.sleep(_POLL)
        step = Step(len(self._steps) + 1, label, states)
        self._steps.append(step)
        return step

    def _read(self) -> dict[str, str | None]:
        for end in self._ends.values():
            end.refresh()
        own = {name: end.own_state() for name, end in self._ends.items()}
        asking = {name: end.key for name, end in self._ends.items() if end.needs_system(own[name])}
        listed = system_states(k for k in asking.values() if k is not None) if asking else {}
        states: dict[str, str | None] = {}
        for name in self._ends:
            key = asking.get(name)
            if key is None:  # its own record says it all, or it was never bound: no connection, CLOSED
                states[name] = own[name] or "CLOSED"
            elif listed is None:  # the system's list cannot be read: unknown unless the fd tells
                states[name] = own[name] if own[name] != "CLOSED" else None
            else:
                states[name] = listed.get(key, "CLOSED")
        return states

    # -- what a notebook prints --------------------------------------------------------
    def _check(self, end: str) -> None:
        if end not in self.ends:
            raise StatePathError(
                f"No hay ningún extremo «{end}»; los extremos son: {', '.join(self.ends) or 'ninguno'}."
            )

    def states(self, end: str) -> list[str | None]:
        """The state of ``end`` at every mark since it was tracked (``None``: unknown)."""
        self._check(end)
        return [step.states[end] for step in self._steps if end in step.states]

    def path(self, end: str) -> list[str]:
        """The states ``end`` went through: unknown readings left out, repeats merged."""
        known = [s for s in self.states(end) if s is not None]
        return [s for i, s in enumerate(known) if i == 0 or s != known[i - 1]]

    def moves(self, end: str) -> list[tuple[int, str, str]]:
        """Each change of state of ``end``: (number of the step that saw it, from, to)."""
        self._check(end)
        moves: list[tuple[int, str, str]] = []
        last: str | None = None
        for step in self._steps:
            state = step.states.get(end)
            if state is None:
                continue
            if last is not None and state != last:
                moves.append((step.number, last, state))
            last = state
        return moves

    def table(self) -> Table:
        """One row per mark: its number, what was done, and each end's state (— before it existed)."""
        ends = self.ends
        rows = [
            [str(step.number), step.label]
            + [(step.states[e] or "desconocido") if e in step.states else "—" for e in ends]
            for step in self._steps
        ]
        return Table(["paso", "qué pasó", *ends], rows, "" if rows else "Aún no hay pasos: llama a mark().", code=True)

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()

    def __repr__(self) -> str:
        return f"<StatePath {', '.join(self.ends)}: {len(self._steps)} pasos>"
