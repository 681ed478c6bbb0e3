"""The fault lab's experiments: one fault server, one client step, one outcome.

Each scenario starts the fault server (``labsupport.faults``), does what a client of the
guide would do, and reports which call failed, with which exception and errno, and how
long it took. The clock starts when the client starts, not when the server is being set
up. Servers are stopped before returning, whatever happens. A scenario's label is its fault
class's ``label`` (plus what the client does, where one fault has two scenarios): the
menu, the notebooks and the classroom name a fault with the same words.

Two kinds of timeout, as everywhere in the course. The *chosen* timeout goes on the one
call that the fault leaves waiting for ever (``Scenario.waits``: ``connect()`` to a full
queue, ``recv()`` from a silent server): there it must fire, and does at the chosen time
whatever the load. Every call whose answer does come (a connection the kernel completes,
an RST, a FIN, the reply after ``shutdown(SHUT_WR)``) gets :data:`PATIENT`, a timeout that
must not fire: a short one there would turn "the answer arrives" into ``TimeoutError``
whenever the machine is slow (it did, in CI, with 0.2 s).
"""

from __future__ import annotations

import dataclasses
import errno
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from .. import faults
from ..faults.base import AnyFaultServer

#: Seconds for every call whose answer does come: generous, it costs nothing when it arrives.
PATIENT = 10.0

_EAI_NAMES = {getattr(socket, n): n for n in dir(socket) if n.startswith("EAI_")}


@dataclasses.dataclass
class FaultResult:
    """What one run of the fault lab produced."""

    key: str  # scenario id, e.g. "closed-port"
    label: str  # Spanish label shown in the menu
    server: str  # the fault server class, e.g. "ClosedPort"
    timeout: float  # on the call under study: the chosen one if the fault waits, else PATIENT
    step: str = ""  # the call that failed (or the last one made), e.g. "connect()"
    exception: BaseException | None = None
    elapsed: float = 0.0  # seconds, full precision (see ``rounded``)
    outcome: str = ""  # Spanish: what the client got when nothing was raised

    @property
    def exception_name(self) -> str:
        return type(self.exception).__name__ if self.exception is not None else "ninguna"

    @property
    def errno_name(self) -> str:
        """``ECONNREFUSED``, ``EAI_NONAME``... or ``—`` when there is no errno."""
        number = getattr(self.exception, "errno", None)
        if number is None:
            return "—"
        if isinstance(self.exception, socket.gaierror):
            return _EAI_NAMES.get(number, str(number))
        return errno.errorcode.get(number, str(number))

    @property
    def rounded(self) -> float:
        """Elapsed seconds rounded to a tenth: what is worth reading (and printing)."""
        return round(self.elapsed, 1)

    def __str__(self) -> str:
        if self.exception is None:
            got = f"sin excepción: {self.outcome}"
        else:
            got = f"{self.exception_name} (errno: {self.errno_name})"
        return f"{self.label}: {self.step} → {got}, en ≈ {self.rounded:.1f} s"


#: The client's steps against the server a scenario started (None when it needs none). Each
#: step function takes the server class it is written for (``Truncate`` has a ``payload``),
#: so the common type of the first argument is only known per scenario: Any.
ClientSteps = Callable[[Any, FaultResult], None]


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One entry of the menu: a fault server, its options, and what the client does to it."""

    key: str
    fault: type[AnyFaultServer] | None  # the fault server class; None when no server is needed
    run: ClientSteps
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # for the fault's constructor
    waits: str = ""  # the call the fault leaves waiting, which the chosen timeout ends ("" if none)
    detail: str = ""  # what the client does, when one fault has two scenarios; the label when no fault

    @property
    def label(self) -> str:
        """The fault's own label, capitalised for a menu, and the detail that tells scenarios apart."""
        parts = [self.fault.label] if self.fault is not None else []
        text = ": ".join([*parts, self.detail] if self.detail else parts)
        return text[:1].upper() + text[1:]

    @property
    def server(self) -> str:
        """The fault server's class name («—» when none is needed)."""
        return self.fault.__name__ if self.fault is not None else "—"

    def make(self) -> AnyFaultServer | None:
        """Start the fault server with this scenario's options (None when it needs none)."""
        return self.fault(**self.options) if self.fault is not None else None


def _connect(address: tuple[str, int], result: FaultResult, timeout: float = PATIENT) -> socket.socket:
    """``create_connection``; patient unless ``connect()`` is the call under study."""
    result.step = "connect()"
    return socket.create_connection(address, timeout=timeout)


def _read_to_end(sock: socket.socket, result: FaultResult) -> tuple[int, int]:
    """recv() until b"" (EOF); return (chunks, bytes). Bounded per recv and overall."""
    result.step = "recv()"
    sock.settimeout(result.timeout)
    chunks = size = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (data := sock.recv(65536)):
        chunks += 1
        size += len(data)
    return chunks, size


def _connect_only(server: AnyFaultServer, result: FaultResult) -> None:
    _connect(server.address, result, result.timeout).close()
    result.outcome = "conectado"


def _send_then_recv(server: AnyFaultServer, result: FaultResult) -> None:
    with _connect(server.address, result) as sock:
        result.step = "sendall()"
        sock.sendall(b"hola")
        result.step = "recv()"
        sock.settimeout(result.timeout)
        data = sock.recv(1024)
        result.outcome = f"recv() devolvió {data!r}"


def _broken_pipe(server: faults.Hangup, result: FaultResult) -> None:
    with _connect(server.address, result) as sock:
        result.step = "send()"
        faults.write_until_broken_pipe(sock, timeout=result.timeout)


def _gaierror(server: None, result: FaultResult) -> None:
    result.step = "getaddrinfo()"
    faults.connect_numeric((faults.unresolvable_host(), 80), timeout=result.timeout).close()


def _drip(server: faults.Drip, result: FaultResult) -> None:
    with _connect(server.address, result) as sock:
        chunks, size = _read_to_end(sock, result)
        result.outcome = f"{size} bytes en {chunks} fragmentos de recv()"


def _truncate(server: faults.Truncate, result: FaultResult) -> None:
    with _connect(server.address, result) as sock:
        _, size = _read_to_end(sock, result)
        result.outcome = f"b'' tras {size} de {len(server.payload)} bytes"


def _half_close(shutdown: bool) -> ClientSteps:
    def run(server: faults.HalfClose, result: FaultResult) -> None:
        with _connect(server.address, result) as sock:
            result.step = "sendall()"
            sock.sendall(b"hola")
            if shutdown:
                result.step = "shutdown(SHUT_WR)"
                sock.shutdown(socket.SHUT_WR)
            result.step = "recv()"
            sock.settimeout(result.timeout)
            data = sock.recv(1024)
            result.outcome = f"recv() devolvió {data!r}"

    return run


SCENARIOS = (
    Scenario("closed-port", faults.ClosedPort, _connect_only),
    Scenario("never-accepts", faults.NeverAccepts, _connect_only, waits="connect()"),
    Scenario("silent", faults.Silent, _send_then_recv, waits="recv()"),
    Scenario("reset", faults.Reset, _send_then_recv, {"wait_for": b""}),
    Scenario("broken-pipe", faults.Hangup, _broken_pipe, detail="escribir tras el cierre (tubería rota)"),
    Scenario("gaierror", None, _gaierror, detail="nombre que no existe (gaierror)"),
    Scenario("drip", faults.Drip, _drip, {"piece": 16, "delay": 0.02}),
    Scenario("truncate", faults.Truncate, _truncate),
    Scenario("half-close", faults.HalfClose, _half_close(False), waits="recv()", detail="sin shutdown(SHUT_WR)"),
    Scenario("half-close-shutdown", faults.HalfClose, _half_close(True), detail="tras shutdown(SHUT_WR)"),
)
BY_KEY = {s.key: s for s in SCENARIOS}


def run_scenario(key: str, timeout: float) -> FaultResult:
    """Run one scenario; never raise for the fault.

    ``timeout`` (seconds) goes on the call the fault leaves waiting, if it has one
    (``Scenario.waits``); every other call gets :data:`PATIENT`.
    """
    scenario = BY_KEY[key]
    result = FaultResult(key, scenario.label, scenario.server, timeout if scenario.waits else PATIENT)
    server = scenario.make()
    try:
        start = time.monotonic()
        try:
            scenario.run(server, result)
        except OSError as exc:  # the lesson: the real exception the client gets
            result.exception = exc
        result.elapsed = time.monotonic() - start
    finally:
        if server is not None:
            server.stop()
    return result
