"""What every transport-fault server shares: its promise, its parameters, how it ends a connection.

A fault server exists to make one standard-library exception appear on the *client*,
every time. Each class therefore states (:class:`Fault`) its ``label`` (the Spanish words
a person reads for it), ``client_exception`` (the exception a client sees, or None when the
lesson is a return value such as ``b""``), ``summary`` and ``on_other_systems`` (what
differs on macOS and Windows), so notebooks, tables, the fault lab and the classroom read
them from the class instead of repeating them.

Ending a connection is where determinism is won or lost:

- ``close()`` with unread bytes in the receive buffer makes the kernel send RST, not FIN.
  A server that wants the client to read a clean ``b""`` must therefore send FIN first
  (``shutdown(SHUT_WR)``) and then drain what the client sent (:func:`close_gracefully`).
- ``SO_LINGER`` on with a zero timeout makes ``close()`` send RST at once, discarding
  anything unsent: the client's next ``recv``/``send`` raises ``ConnectionResetError``
  (:func:`arm_reset`).
"""

from __future__ import annotations

import socket
from typing import Any, ClassVar, Generic, TypeVar

from .._errors import LabError
from .._server import BackgroundServer, StreamServer
from ..events import EventKind

#: Upper bound for any delay a fault waits, as httpbin caps ``/delay``.
MAX_DELAY = 10.0
#: Upper bound for any payload a fault sends or keeps.
MAX_PAYLOAD = 1024 * 1024
#: How much of a request a fault reads while waiting for ``wait_for``.
MAX_REQUEST = 64 * 1024


class FaultParameterError(LabError, ValueError):
    """A fault server was given a parameter outside its safe range."""


def check_number(name: str, value: float, low: float, high: float) -> float:
    """Return ``value`` if ``low <= value <= high``; otherwise a Spanish error naming the range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise FaultParameterError(
            f"El parámetro {name} debe ser un número entre {low} y {high}; se recibió {value!r}."
        )
    return value


def check_bytes(name: str, value: bytes, limit: int = MAX_PAYLOAD) -> bytes:
    """Accept ``bytes`` up to ``limit``; text must be encoded by the caller, on purpose."""
    if isinstance(value, str):
        raise FaultParameterError(
            f"El parámetro {name} debe ser bytes, no texto: por la red solo viajan bytes. "
            f"Usa {name}={value[:20]!r}.encode() (o un literal b'...')."
        )
    if not isinstance(value, (bytes, bytearray)) or len(value) > limit:
        raise FaultParameterError(
            f"El parámetro {name} debe ser bytes de como mucho {limit} bytes; se recibió "
            f"{type(value).__name__} de {len(value) if hasattr(value, '__len__') else '?'} elementos."
        )
    return bytes(value)


def read_until(conn: socket.socket, delimiter: bytes | None, limit: int = MAX_REQUEST) -> bytes:
    """Read what the client sent until ``delimiter`` appears, EOF, or ``limit`` bytes.

    ``delimiter=None`` reads nothing. ``b""`` reads one chunk (whatever arrives first).
    Used by faults that act "after the request", e.g. ``b"\\r\\n\\r\\n"`` for HTTP.
    """
    if delimiter is None:
        return b""
    data = bytearray()
    while len(data) < limit:
        chunk = conn.recv(min(65536, limit - len(data)))
        if not chunk:
            break
        data += chunk
        if not delimiter or delimiter in data:
            break
    return bytes(data)


def loopback_of(host: str, family: socket.AddressFamily) -> str:
    """The address a server's own client should dial: loopback when the server listens on all."""
    if host in ("0.0.0.0", "::"):
        return "::1" if family == socket.AF_INET6 else "127.0.0.1"
    return host


def exception_name(exception: type[BaseException] | None) -> str:
    """The class name a client meets, or «ninguna» when the lesson is a return value."""
    return exception.__name__ if exception is not None else "ninguna"


class Fault:
    """What every fault server says about itself, for the tables and widgets that show it.

    One place per idea: the fault lab's menu, :func:`labsupport.faults.catalog` and the
    classroom's table all read ``label`` and ``summary`` from the class.
    """

    #: Spanish label a person reads for this fault, lower case so that it fits mid-sentence
    #: («puerto cerrado», «servidor que corta la conexión (RST)»): menus, tables, messages.
    label: ClassVar[str] = "servidor de fallos"
    #: The exception the client sees (None when the lesson is a return value). A server that
    #: measures what this system does (:class:`~labsupport.faults.NeverAccepts`) sets its own.
    client_exception: type[BaseException] | None = None
    #: Spanish: what a client sees and when.
    summary: ClassVar[str] = ""
    #: Spanish: what differs on macOS and Windows ("" when nothing does).
    on_other_systems: ClassVar[str] = ""
    #: The lifecycle's own word for a server in its messages («Este … ya se detuvo»); for a
    #: fault it is always its ``label`` (set below), never written by hand.
    name: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = cls.label


class FaultServer(Fault, StreamServer):
    """A TCP server whose handler produces one transport fault.

    Subclasses set the :class:`Fault` attributes and implement ``handle(conn, addr)``.
    ``wait_for`` (bytes or None) is the delimiter of the request the fault waits for
    before acting; see :func:`read_until`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        wait_for: bytes | None = None,
        **kwargs: Any,
    ) -> None:
        self.wait_for = None if wait_for is None else check_bytes("wait_for", wait_for, 1024)
        super().__init__(host, port, **kwargs)

    def read_request(self, conn: socket.socket, peer: str) -> bytes:
        """Read the request (if ``wait_for`` says so) and log its size."""
        request = read_until(conn, self.wait_for)
        if self.wait_for is not None:
            self._log(EventKind.REQUEST, peer, f"{len(request)} bytes")
        return request


#: What a :class:`FailsFirst` fault keeps about each connection.
Record = TypeVar("Record")


def check_failures(failures: int) -> int:
    """How many connections a fault makes fail: a whole number from 0 to 1000."""
    return int(check_number("failures", failures, 0, 1000))


class FailsFirst(FaultServer, Generic[Record]):
    """A fault whose first ``failures`` connections fail, keeping one record per connection.

    The target of a retry loop (:class:`~labsupport.faults.Flaky`) and the danger of one
    (:class:`~labsupport.faults.Orders`) share it: how many fail, the log a notebook reads,
    and ``reset(failures)`` to start again with another retry policy.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, failures: int, **kwargs: Any) -> None:
        self.failures = check_failures(failures)
        self._records: list[Record] = []
        super().__init__(host, port, **kwargs)

    def _copy_records(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def reset(self, failures: int | None = None) -> None:
        """Forget every connection (and optionally change ``failures``): ready to start again."""
        with self._lock:
            if failures is not None:
                self.failures = check_failures(failures)
            self._records.clear()
            self._forget()

    def _forget(self) -> None:
        """What else a subclass counts, forgotten by ``reset()`` (called with the lock held)."""


class IdleServer(Fault, BackgroundServer):
    """A fault server whose thread never accepts: it only waits for ``stop()``.

    The kernel does the work (refusing, or queueing and dropping connections); the
    thread exists so that the lifecycle (registry, ``with``, ``stop_all``) is the same
    as every other server's.
    """

    def _serve(self) -> None:
        self._stopping.wait()


#: Any fault server: one whose handler makes the fault, or one whose kernel does (for type hints).
AnyFaultServer = FaultServer | IdleServer
