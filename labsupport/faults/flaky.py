"""A server that fails the first N attempts and then works: the target of every retry loop.

It counts attempts and keeps the time of each one, so a notebook can draw the timeline
of a retry policy (fixed delay against exponential backoff) from what the *server* saw.
"""

from __future__ import annotations

import dataclasses
import socket
import time
from typing import Any

from .._address import format_address
from .._closing import arm_reset, close_gracefully
from ..echo import PREFIX
from ..events import EventKind
from .base import FailsFirst, FaultParameterError, check_bytes


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One connection the flaky server saw.

    ``time`` is seconds since the server was created (the clock of its log); ``at`` is the
    raw ``time.monotonic()`` value, to compare with times the client measured itself.
    """

    number: int
    time: float
    at: float
    failed: bool
    peer: str


class Flaky(FailsFirst[Attempt]):
    """The first ``failures`` connections fail, the next ones are served.

    A failed attempt reads the request (up to ``wait_for``; by default the first chunk the
    client sends) and then:

    - ``fail_with="reset"`` (default): resets (RST); the client's ``recv`` raises
      ``ConnectionResetError``;
    - ``fail_with="close"``: hangs up (FIN); the client's ``recv`` returns ``b""``
      (``http.client`` raises ``RemoteDisconnected``, a ``ConnectionResetError``).

    With ``wait_for=None`` a failed attempt fails right after ``accept()``, and the reset
    may then surface in the client's ``connect()`` already (see :class:`Reset`).

    Note that ``connect()`` itself *succeeds* even for a failed attempt: the kernel completes
    the handshake before any program accepts, and no program can refuse one particular SYN
    and count it. So a retry loop must cover connect *and* the first exchange (send the
    request, read the answer), which is what real clients must do anyway. For a
    ``connect()`` that fails, use :class:`ClosedPort` (refused) or :class:`NeverAccepts`.

    Served connections get ``response`` after the request (read up to ``wait_for``, or
    the first chunk) and are then closed; with ``response=None`` they get the course's echo
    (``b"Echo: " + data`` for every chunk). ``repeat=True`` starts counting again after each
    success, so every student in a classroom sees the failures.
    """

    label = "servidor inestable"
    client_exception: type[BaseException] | None = ConnectionResetError  # None with fail_with="close"
    summary = "los primeros N intentos fallan (ConnectionResetError) y después responde."

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        failures: int = 2,
        fail_with: str = "reset",
        response: bytes | None = None,
        repeat: bool = False,
        **kwargs: Any,
    ):
        if fail_with not in ("reset", "close"):
            raise FaultParameterError(f"fail_with debe ser 'reset' o 'close'; se recibió {fail_with!r}.")
        self.fail_with = fail_with
        self.client_exception = ConnectionResetError if fail_with == "reset" else None
        self.response = None if response is None else check_bytes("response", response)
        self.repeat = bool(repeat)
        self._streak = 0  # attempts since the last success (or reset())
        kwargs.setdefault("wait_for", b"")
        super().__init__(host, port, failures=failures, **kwargs)

    @property
    def attempts(self) -> int:
        """How many connections the server has seen since it started (or since ``reset()``)."""
        with self._lock:
            return len(self._records)

    def attempt_log(self) -> list[Attempt]:
        """Every attempt, oldest first: number, time, whether it failed."""
        return self._copy_records()

    def _forget(self) -> None:
        self._streak = 0

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        now = time.monotonic()
        with self._lock:
            failed = self._streak < self.failures
            self._streak = self._streak + 1 if failed or not self.repeat else 0
            number = len(self._records) + 1
            self._records.append(Attempt(number, round(now - self._created, 6), now, failed, peer))
        if failed:
            self.read_request(conn, peer)
            self._log(EventKind.ATTEMPT_FAILED, peer, f"intento {number}: {self.fail_with}")
            if self.fail_with == "reset":
                arm_reset(conn)
            else:
                close_gracefully(conn)
            return
        self._log(EventKind.ATTEMPT_SERVED, peer, f"intento {number}")
        if self.response is None:
            while data := conn.recv(4096):
                conn.sendall(PREFIX + data)
            return
        self.read_request(conn, peer)
        conn.sendall(self.response)
        close_gracefully(conn)
