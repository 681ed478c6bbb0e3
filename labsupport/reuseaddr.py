"""``SO_REUSEADDR``, measured: which sockets must set it to rebind a port left in TIME_WAIT.

The guide sets ``SO_REUSEADDR`` "to reuse the address". What that buys depends on the
system, and the usual one-liner ("a restarted server can rebind at once") hides the rule:

- Linux (``man 7 socket``, NOTES): the rebind is allowed only when the option was set
  *both* by the socket that bound the port before and by the one that binds it now.
- FreeBSD (the example that man page gives): only the new socket needs it.
- Windows: ``bind()`` succeeds even while a closed connection sits in TIME_WAIT (the
  comment in CPython's ``socket.create_server``), and ``SO_REUSEADDR`` there lets a socket
  take a port *in use* by another one; ``SO_EXCLUSIVEADDRUSE`` forbids that (Microsoft's
  "Using SO_REUSEADDR and SO_EXCLUSIVEADDRUSE").

So notebook 01 does not state the rule: it measures it on the reader's machine, as a 2×2
table (old socket with or without the option × new socket with or without it). Each of the
four trials makes its own TIME_WAIT and checks, in the system's own view (psutil), that it
is really there when the new socket tries to bind: an experiment that only *assumed* the
state is how the course once printed a result that contradicted its own prose.

"The old socket" is the listening one, the program's, but the socket whose connection
sits in TIME_WAIT is the one ``accept()`` returned: it inherits ``SO_REUSEADDR`` from the
listener (Linux copies the listener's option into each accepted socket), and each trial
records what the accepted socket had, so the notebook can show that too.
"""

from __future__ import annotations

import dataclasses
import errno
import socket
import time
from typing import NamedTuple

from ._display import Table

TIME_WAIT = "TIME_WAIT"
#: What a successful bind is called in the table (the course's verb, GLOSARIO: enlazar).
BINDS = "enlaza"
#: How long to wait for the kernel to move the connection to TIME_WAIT. It must not fire:
#: on loopback the state changes as soon as the client's FIN is processed (microseconds).
STATE_TIMEOUT = 5.0

_RULES = {
    "both": "enlaza solo si los dos sockets, el viejo y el nuevo, ponen SO_REUSEADDR",
    "new": "basta con que el socket nuevo ponga SO_REUSEADDR",
    "none": "enlaza siempre: TIME_WAIT no bloquea bind() en este sistema",
    "never": "no enlaza en ninguna combinación",
    "other": "otra combinación (mira la tabla)",
}


def tcp_states(port: int, host: str = "127.0.0.1") -> list[str] | None:
    """The TCP states of the sockets whose local address is ``host:port``, as the system sees them.

    A socket in TIME_WAIT belongs to no process any more, so only the system-wide view
    shows it; where that view needs privileges (macOS without root), return None.
    """
    import psutil  # imported here: only this experiment needs it

    kind = "tcp6" if ":" in host else "tcp4"
    try:
        connections = psutil.net_connections(kind=kind)
    except psutil.AccessDenied:
        return None
    return sorted(c.status for c in connections if c.laddr and c.laddr.ip == host and c.laddr.port == port)


class Trial(NamedTuple):
    """One old connection left in TIME_WAIT by :func:`leave_time_wait`."""

    port: int
    #: Whether the system showed the server's side in TIME_WAIT (None: it does not show it).
    time_wait: bool | None
    #: Whether the accepted socket (the one that went to TIME_WAIT) had ``SO_REUSEADDR`` on.
    accepted_reuse: bool


def leave_time_wait(reuse: bool, host: str = "127.0.0.1") -> Trial:
    """A server on port 0 (with ``SO_REUSEADDR`` or not) serves one client and closes first.

    Returns the port, whether the system showed the server's side of that connection in
    TIME_WAIT (None where the system does not show it), and whether the accepted socket
    had ``SO_REUSEADDR`` (inherited from the listener: nobody set it). The client waits for the server's
    FIN (``recv`` returns ``b""``) and then closes: its FIN is what moves the server's side
    from FIN_WAIT2 to TIME_WAIT. Nothing can be awaited for that last step, so the state is
    polled, for at most ``STATE_TIMEOUT`` seconds.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as server:
        if reuse:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection((host, port), timeout=STATE_TIMEOUT) as client:
            conn, _ = server.accept()
            accepted_reuse = conn.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0
            conn.close()  # the server closes first: its side will keep TIME_WAIT
            if client.recv(1) != b"":
                raise RuntimeError("el cliente esperaba el FIN del servidor y recibió datos")
    deadline = time.monotonic() + STATE_TIMEOUT
    while True:
        states = tcp_states(port, host)
        if states is None:
            return Trial(port, None, accepted_reuse)
        if TIME_WAIT in states or time.monotonic() > deadline:
            return Trial(port, TIME_WAIT in states, accepted_reuse)
        time.sleep(0.001)


def try_rebind(port: int, reuse: bool, host: str = "127.0.0.1") -> str:
    """Bind a new socket (with ``SO_REUSEADDR`` or not) to ``host:port``: ``"enlaza"`` or the errno name."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as new:
        if reuse:
            new.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            new.bind((host, port))
        except OSError as exc:
            return errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return BINDS


@dataclasses.dataclass
class ReuseMatrix:
    """The four trials: ``outcomes[(old, new)]`` is ``"enlaza"`` or an errno name."""

    outcomes: dict[tuple[bool, bool], str]
    #: Whether the old connection was seen in TIME_WAIT in each trial (None: not visible).
    time_wait: dict[tuple[bool, bool], bool | None]
    #: Whether each trial's accepted socket had SO_REUSEADDR (empty: not recorded).
    accepted_reuse: dict[tuple[bool, bool], bool] = dataclasses.field(default_factory=dict)

    @property
    def all_time_wait(self) -> bool:
        """True only if the system showed TIME_WAIT in all four trials."""
        return all(seen is True for seen in self.time_wait.values())

    @property
    def accepted_inherit(self) -> bool:
        """True if, in every trial, the accepted socket had SO_REUSEADDR exactly when the listener had it."""
        return bool(self.accepted_reuse) and all(reuse == old for (old, _), reuse in self.accepted_reuse.items())

    @property
    def rule(self) -> str:
        """The rule the table shows: "both", "new", "none", "never" or "other"."""
        binds = {key for key, outcome in self.outcomes.items() if outcome == BINDS}
        if binds == {(True, True)}:
            return "both"
        if binds == {(False, True), (True, True)}:
            return "new"
        if len(binds) == 4:
            return "none"
        return "never" if not binds else "other"

    @property
    def rule_text(self) -> str:
        """The rule in Spanish, for the notebook."""
        return _RULES[self.rule]

    def table(self) -> Table:
        """The 2×2 table, one row per old socket, one column per new socket (text for print, HTML in Jupyter)."""
        head = ["", "nuevo sin SO_REUSEADDR", "nuevo con SO_REUSEADDR"]
        rows = [
            [f"viejo {'con' if old else 'sin'} SO_REUSEADDR", self.outcomes[(old, False)], self.outcomes[(old, True)]]
            for old in (False, True)
        ]
        return Table(head, rows)

    def __repr__(self) -> str:
        return str(self.table())


def reuseaddr_matrix(host: str = "127.0.0.1") -> ReuseMatrix:
    """Run the four trials (old socket × new socket, option off/on), each with its own TIME_WAIT."""
    outcomes: dict[tuple[bool, bool], str] = {}
    seen: dict[tuple[bool, bool], bool | None] = {}
    accepted: dict[tuple[bool, bool], bool] = {}
    for old in (False, True):
        for new in (False, True):
            trial = leave_time_wait(old, host)
            seen[(old, new)], accepted[(old, new)] = trial.time_wait, trial.accepted_reuse
            outcomes[(old, new)] = try_rebind(trial.port, new, host)
    return ReuseMatrix(outcomes, seen, accepted)
