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
``resolve_numeric``    a name → ``socket.gaierror`` with no DNS query (``AI_NUMERICHOST``)
``errno_table``        the errors loopback cannot produce, explained rather than faked
=====================  ==================================================================

Every class says ``client_exception``, ``summary`` and ``on_other_systems``; the servers
share the lifecycle of :mod:`labsupport._server` (``with``, ``stop()``, ``log()``,
``check()``). Implementation lives in ``_faults_*`` modules, one idea each.
"""

from __future__ import annotations

import socket
import time

from ._errors import LabError
from ._faults_base import FaultParameterError, FaultServer
from ._faults_connect import ClosedPort, NeverAccepts
from ._faults_flaky import Attempt, Flaky
from ._faults_names import (
    UNRESOLVABLE_HOST,
    ErrnoInfo,
    connect_numeric,
    errno_table,
    resolve_numeric,
    unresolvable_host,
)
from ._faults_stream import Drip, HalfClose, Hangup, Reset, Silent, Truncate

__all__ = [
    "FAULTS",
    "UNRESOLVABLE_HOST",
    "Attempt",
    "ClosedPort",
    "Drip",
    "ErrnoInfo",
    "FaultParameterError",
    "FaultServer",
    "Flaky",
    "HalfClose",
    "Hangup",
    "NeverAccepts",
    "Reset",
    "Silent",
    "Truncate",
    "catalog",
    "connect_numeric",
    "errno_table",
    "resolve_numeric",
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
            "servidor": cls.name,
            "excepción en el cliente": cls.client_exception.__name__ if cls.client_exception else "ninguna",
            "qué ve el cliente": cls.summary,
            "en otros sistemas": cls.on_other_systems or "igual",
        }
        for cls in FAULTS
    ]


def write_until_broken_pipe(
    sock: socket.socket, data: bytes = b"x", *, timeout: float = 2.0, attempts: int = 50
) -> None:
    """Write to a connection the peer has closed until the system says ``BrokenPipeError``.

    Deterministic on Linux and macOS with :class:`Hangup`: (1) wait for the peer's FIN
    (``recv`` returns ``b""``), so nothing we send can race the close; (2) ``send`` once:
    it succeeds locally, and the peer's kernel, which has no socket for it any more,
    answers with RST; (3) ``send`` again: the RST has turned the connection into a broken
    pipe, and ``BrokenPipeError`` is raised. On loopback the RST is back before step (3)
    on the first try; the bounded loop only covers slower systems. Windows may raise
    ``ConnectionAbortedError``/``ConnectionResetError`` instead; those propagate too.
    Python ignores ``SIGPIPE``, so the error is an exception, not the end of the process.
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
        time.sleep(0.01)
    raise LabError(
        f"Tras {attempts} envíos el sistema no ha dado BrokenPipeError: el otro extremo "
        "parece seguir aceptando datos (¿ha cerrado solo la escritura con shutdown?)."
    )
