"""Faults at ``connect()``: a port where nothing listens, and a server whose queue is full.

Both are done by the kernel, not by a handler: nothing is ever accepted, so the
server's thread only waits for ``stop()`` (:class:`IdleServer`).
"""

from __future__ import annotations

import socket
import struct
import sys
import time
from typing import Any

from ..events import EventKind
from .base import IdleServer, check_number, exception_name, loopback_of


class ClosedPort(IdleServer):
    """An address where nothing listens: ``connect()`` raises ``ConnectionRefusedError``.

    Why it is deterministic: the port is *bound* but never ``listen()``-ed. The kernel
    answers every SYN to it with RST (refused), and, because the socket holds the port
    without ``SO_REUSEADDR``, no other program can start listening there while this
    object lives. Picking "a free port" and hoping it stays free would be a race.

    Only the TCP port is held: UDP has no "refused" that a bound socket could produce
    (a bound UDP socket queues datagrams instead of refusing them).
    """

    label = "puerto cerrado"
    client_exception: type[BaseException] | None = ConnectionRefusedError
    summary = "connect() lanza ConnectionRefusedError: nadie escucha en ese puerto."
    on_other_systems = (
        "En Windows connect() reintenta unas veces antes de rendirse, así que el "
        "ConnectionRefusedError tarda alrededor de 2 s en llegar; en macOS llega al instante."
    )

    def _bind(self, port: int) -> socket.socket:
        # No listen(), and no SO_REUSEADDR even on a fixed port: the port must stay ours.
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        try:
            sock.bind((self._host, port))
        except OSError:
            sock.close()
            raise
        return sock


class NeverAccepts(IdleServer):
    """A server that listens but never accepts, with a full queue: ``connect(timeout)`` times out.

    Client sees ``TimeoutError`` from ``connect()`` after its timeout (with no timeout it
    would wait for the kernel's SYN retries, more than a minute on Linux).

    Why: ``listen(0)`` leaves room for (about) one connection that the kernel has completed
    but the program has not accepted yet. On creation the server fills that queue with its
    own connections, probing one at a time; when the queue is full, Linux (and macOS)
    silently drop the SYN of the next client, which therefore never gets an answer.

    On Linux the kernel itself says when the queue is full (see ``_kernel_says_full``), so
    creating the server takes a millisecond; elsewhere the last probe has to time out
    (``probe_timeout``). The probe also measures what this system does: ``client_exception`` becomes
    ``ConnectionRefusedError`` where the kernel answers a full queue with RST (Windows does),
    and ``backlog_full`` is False if the queue could not be filled with ``max_fillers``.
    """

    label = "servidor que nunca acepta"
    client_exception: type[BaseException] | None = TimeoutError
    summary = "connect(timeout) lanza TimeoutError: la cola de conexiones está llena."
    on_other_systems = (
        "Windows responde a una cola llena con RST: allí connect() lanza ConnectionRefusedError "
        "en vez de TimeoutError. macOS descarta el SYN como Linux (TimeoutError), aunque el tamaño "
        "de la cola con listen(0) puede ser distinto; por eso el servidor la llena tanteando."
    )

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        start: bool = True,
        probe_timeout: float = 0.2,
        max_fillers: int = 8,
        **kwargs: Any,
    ) -> None:
        check_number("probe_timeout", probe_timeout, 0.01, 5.0)
        check_number("max_fillers", max_fillers, 1, 64)
        self._fillers: list[socket.socket] = []
        self.backlog_full = False
        super().__init__(host, port, start=False, **kwargs)
        try:
            self._fill(probe_timeout, int(max_fillers))
        except BaseException:
            self.stop()
            raise
        if start:
            self.start()

    def backlog(self) -> int:
        return 0

    @property
    def fillers(self) -> int:
        """How many of its own connections sit in the queue."""
        return len(self._fillers)

    def _fill(self, probe_timeout: float, max_fillers: int) -> None:
        target = (loopback_of(self._host, self.family), self._port)
        while not self._kernel_says_full(probe_timeout):
            probe = socket.socket(self.family, socket.SOCK_STREAM)
            probe.settimeout(probe_timeout)
            try:
                probe.connect(target)
            except (TimeoutError, ConnectionRefusedError) as exc:
                probe.close()
                self.backlog_full = True
                self.client_exception = type(exc)
                break
            except BaseException:
                probe.close()
                raise
            if len(self._fillers) == max_fillers:  # this system queues more than we may fill
                probe.close()
                break
            self._fillers.append(probe)
        self._log(
            EventKind.BACKLOG,
            "",
            f"{len(self._fillers)} conexiones propias en cola; llena: {self.backlog_full}; "
            f"el siguiente cliente verá {exception_name(self.client_exception)}",
        )

    def _kernel_says_full(self, wait: float) -> bool:
        """Linux only: ask the kernel whether the accept queue is full, instead of probing.

        Probing costs a whole ``probe_timeout`` (the last probe must time out); Linux tells
        the queue's length and limit through ``TCP_INFO`` on the listening socket
        (``tcpi_unacked`` and ``tcpi_sacked``), and drops every SYN while length > limit.
        Waits (bounded) for the last filler's handshake to reach the queue.
        """
        if not sys.platform.startswith("linux") or not hasattr(socket, "TCP_INFO"):
            return False
        deadline = time.monotonic() + wait
        while True:
            try:
                info = self._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 32)
                queued, limit = struct.unpack_from("II", info, 24)
            except (OSError, struct.error):
                return False
            if queued >= len(self._fillers):  # every filler has reached the queue
                break
            if time.monotonic() > deadline:
                return False  # let the probe decide
            time.sleep(0.001)
        if queued > limit:
            self.backlog_full = True
            self.client_exception = TimeoutError
            return True
        return False

    def _close_clients(self) -> None:
        for sock in self._fillers:
            sock.close()
        self._fillers.clear()
