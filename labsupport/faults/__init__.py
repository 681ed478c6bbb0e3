"""Transport faults on loopback: every network failure of the guide, for real and every time.

Each server makes one standard-library exception appear on a *client* socket, without
leaving the machine and without luck involved:

=====================  ==================================================================
``ClosedPort``         ``connect()`` → ``ConnectionRefusedError`` (bound, never listening)
``NeverAccepts``       ``connect(timeout)`` → ``TimeoutError`` (full accept queue)
``Silent``             ``recv()`` with a timeout → ``TimeoutError`` (accepts, never answers)
``Reset``              ``recv()``/``send()`` → ``ConnectionResetError`` (RST via SO_LINGER 0)
``Hangup``             ``recv()`` → ``b""``, then ``send()`` → ``BrokenPipeError``
``Drip``               ``recv()`` returns fragments (tiny pieces with pauses)
``Truncate``           ``recv()`` → ``b""`` early (fewer bytes than announced)
``HalfClose``          answers only after the client's ``shutdown(SHUT_WR)``
``Flaky``              the first N attempts fail (reset or hang-up), then it serves
``Orders``             records each POST, then loses the first N answers (RST): a retry
                       duplicates the order unless it carries an ``Idempotency-Key``
``NeverReads``         never reads: ``sendall()`` waits; with ``set_kernel_timeout`` the
                       kernel gives up: ``TimeoutError`` with errno ``ETIMEDOUT`` (Linux)
``descriptor_limit``   this process's ``RLIMIT_NOFILE`` lowered: ``OSError`` ``EMFILE``
``resolve_numeric``    a name → ``socket.gaierror`` with no DNS query (``AI_NUMERICHOST``)
``errno_table``        the errors loopback cannot produce, explained rather than faked
=====================  ==================================================================

``FAULTS`` lists the servers of the catalog (the classroom serves each of them);
``Orders`` and ``NeverReads`` are outside it: they need a client that plays along
(an HTTP POST, a kernel option).

Every class says ``label``, ``client_exception``, ``summary`` and ``on_other_systems`` (:class:`Fault`); the servers
share the lifecycle of :mod:`labsupport._server` (``with``, ``stop()``, ``log()``,
``check()``). Implementation lives in this package's modules, one idea each: ``base``
(what every fault shares), ``connect``, ``stream``, ``flaky``, ``orders``, ``kernel``, ``names``.
"""

from __future__ import annotations

import select
import socket
import time

from .._errors import LabError
from .base import Fault, FaultParameterError, FaultServer, exception_name
from .connect import ClosedPort, NeverAccepts
from .flaky import Attempt, Flaky
from .kernel import KERNEL_TIMEOUT, NeverReads, descriptor_limit, set_kernel_timeout
from .names import (
    UNRESOLVABLE_HOST,
    ErrnoInfo,
    connect_numeric,
    errno_table,
    resolve_numeric,
    unresolvable_host,
)
from .orders import Order, Orders
from .stream import Drip, HalfClose, Hangup, Reset, Silent, Truncate

__all__ = [
    "FAULTS",
    "KERNEL_TIMEOUT",
    "UNRESOLVABLE_HOST",
    "Attempt",
    "ClosedPort",
    "Drip",
    "ErrnoInfo",
    "Fault",
    "FaultParameterError",
    "FaultServer",
    "Flaky",
    "HalfClose",
    "Hangup",
    "NeverAccepts",
    "NeverReads",
    "Order",
    "Orders",
    "Reset",
    "Silent",
    "Truncate",
    "catalog",
    "connect_numeric",
    "descriptor_limit",
    "errno_table",
    "resolve_numeric",
    "set_kernel_timeout",
    "unresolvable_host",
    "write_until_broken_pipe",
]

#: Every fault server, in the order the notebook on exceptions presents them.
FAULTS = (ClosedPort, NeverAccepts, Silent, Reset, Hangup, Drip, Truncate, HalfClose, Flaky)


def catalog() -> list[dict[str, str]]:
    """One row per fault server (Spanish values): class, what it is, what the client sees, elsewhere."""
    return [
        {
            "fallo": cls.__name__,
            "servidor": cls.label,
            "excepción en el cliente": exception_name(cls.client_exception),
            "qué ve el cliente": cls.summary,
            "en otros sistemas": cls.on_other_systems or "igual",
        }
        for cls in FAULTS
    ]


def write_until_broken_pipe(
    sock: socket.socket, data: bytes = b"x", *, timeout: float = 5.0, attempts: int = 50
) -> None:
    """Write to a connection the peer has closed until the system says ``BrokenPipeError``.

    Deterministic on Linux and macOS with :class:`Hangup`: (1) wait for the peer's FIN
    (``recv`` returns ``b""``), so nothing we send can race the close; (2) ``send`` once:
    it succeeds locally, and the peer's kernel, which has no socket for it any more,
    answers with RST; (3) wait until that RST has arrived (``poll`` reports an error and a
    hang-up, which a FIN alone never does) and ``send`` again: the connection is now a broken pipe, and
    ``BrokenPipeError`` is raised. ``timeout`` bounds the waits, which must not fire: it is
    generous. Windows may raise ``ConnectionAbortedError``/``ConnectionResetError``
    instead; those propagate too. Python ignores ``SIGPIPE``, so the error is an
    exception, not the end of the process.
    """
    deadline = time.monotonic() + timeout
    while True:  # read what the peer sent until its FIN
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            if not sock.recv(65536):
                break
        except TimeoutError:
            pass
        if time.monotonic() >= deadline:
            raise LabError(
                f"El otro extremo no ha cerrado la conexión en {timeout} s, así que todavía no hay "
                "tubería rota. Usa un servidor que cuelgue (faults.Hangup)."
            )
    for _ in range(attempts):
        sock.send(data)
        _wait_for_reset(sock, max(deadline - time.monotonic(), 0.0))
    raise LabError(
        f"Tras {attempts} envíos el sistema no ha dado BrokenPipeError: el otro extremo "
        "parece seguir aceptando datos (¿ha cerrado solo la escritura con shutdown?)."
    )


def _wait_for_reset(sock: socket.socket, timeout: float) -> None:
    """Wait (at most ``timeout`` s) until the peer's RST has reached ``sock``.

    A FIN only makes a socket readable; a RST also sets an error and shuts both directions,
    which ``poll`` reports as ``POLLERR``/``POLLHUP`` even with no event asked for. Where
    there is no ``poll`` (Windows), a short pause stands in for it.
    """
    if not hasattr(select, "poll"):
        time.sleep(min(timeout, 0.01))
        return
    poller = select.poll()
    poller.register(sock, 0)  # 0: only the events always reported, POLLERR and POLLHUP
    poller.poll(timeout * 1000)
