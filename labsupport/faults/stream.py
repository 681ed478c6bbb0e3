"""Faults after ``accept()``: silence, reset, hang-up, drip, truncation, half-close.

Each handler does one thing to an accepted connection. Waits use ``self.sleep`` so that
``stop()`` ends them at once; every action is written to the server's log.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from .._address import format_address
from .._closing import arm_reset, close_gracefully
from ..events import EventKind
from .base import (
    MAX_DELAY,
    MAX_PAYLOAD,
    MAX_REQUEST,
    FaultParameterError,
    FaultServer,
    check_bytes,
    check_number,
)

DEFAULT_TEXT = (
    "Los sockets entregan bytes, no mensajes: este texto llega en fragmentos y tu programa "
    "debe juntarlos hasta tener la respuesta completa, también las eñes y los acentos.\n"
).encode()  # UTF-8: small pieces split multi-byte characters, another lesson


class Silent(FaultServer):
    """Accepts and never answers: a ``recv`` with a timeout raises ``TimeoutError``.

    ``connect()`` succeeds (the kernel completes the handshake), the request is read and
    thrown away, and nothing ever comes back: this is the *read* timeout, as opposed to
    :class:`NeverAccepts`' *connect* timeout. After ``hold`` seconds the server closes the
    connection (the client then reads ``b""``), so a client without a timeout is not stuck
    forever; ``stop()`` ends it at once.
    """

    label = "servidor mudo (acepta y no responde)"
    client_exception = TimeoutError
    summary = "recv() con timeout lanza TimeoutError: el servidor acepta pero nunca responde."

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, hold: float = 30.0, **kwargs: Any):
        self.hold = check_number("hold", hold, 0.0, 600.0)
        super().__init__(host, port, **kwargs)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        deadline = time.monotonic() + self.hold
        received = 0
        while (remaining := deadline - time.monotonic()) > 0:
            conn.settimeout(remaining)
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            if not chunk:  # the client closed, or stop() shut the socket down
                break
            received += len(chunk)
        self._log(EventKind.SILENCE, peer, f"{received} bytes recibidos sin responder")


class Reset(FaultServer):
    """Accepts, reads the request, optionally sends ``send_first``, then resets.

    Client sees ``ConnectionResetError`` on its next ``recv`` (after the ``send_first``
    bytes, which do arrive) or on its next ``send``; a second ``send`` then gives
    ``BrokenPipeError``. Why: ``SO_LINGER`` on with timeout 0 makes ``close()`` send RST
    instead of FIN, which is how a crashed or overloaded server looks from outside.

    By default (``wait_for=b""``) the server waits for the client's first bytes, so the
    error always appears in the client's ``recv``. With ``wait_for=None`` it resets right
    after accepting; the exception is still ``ConnectionResetError``, but where it appears
    varies: measured here over 1000 runs, 1-3 % in ``connect()`` (with a timeout, connect is
    non-blocking inside and checks its result after the RST may have arrived), under 1 % in
    ``sendall()``, the rest in ``recv()``.
    """

    label = "servidor que corta la conexión (RST)"
    client_exception = ConnectionResetError
    summary = "tras el primer envío del cliente, recv() lanza ConnectionResetError: el servidor corta con RST."

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        send_first: bytes = b"",
        delay: float = 0.0,
        **kwargs: Any,
    ):
        self.send_first = check_bytes("send_first", send_first, MAX_REQUEST)
        self.delay = check_number("delay", delay, 0.0, MAX_DELAY)
        kwargs.setdefault("wait_for", b"")
        super().__init__(host, port, **kwargs)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        self.read_request(conn, peer)
        if self.send_first:
            conn.sendall(self.send_first)
        if self.delay and not self.sleep(self.delay):
            return
        arm_reset(conn)
        self._log(EventKind.RESET, peer, f"RST tras enviar {len(self.send_first)} bytes")


class Hangup(FaultServer):
    """Accepts and closes at once (FIN): the client reads ``b""``, and writing gets ``BrokenPipeError``.

    ``recv`` returns ``b""`` (end of stream, not an exception). The first ``send`` after
    that still succeeds locally; the peer's kernel, whose socket is gone, answers it with
    RST; the next ``send`` raises ``BrokenPipeError``. :func:`write_until_broken_pipe` does
    exactly this, deterministically on Linux and macOS.

    A client that sends *before* the server has closed may get ``ConnectionResetError``
    instead (closing with unread data sends RST): use the helper for a sure result.
    """

    label = "servidor que cierra enseguida"
    client_exception = BrokenPipeError
    summary = "recv() devuelve b'' y escribir después lanza BrokenPipeError."
    on_other_systems = (
        "En Windows escribir en una conexión cerrada por el otro lado suele dar "
        "ConnectionAbortedError o ConnectionResetError en vez de BrokenPipeError."
    )

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        self._log(EventKind.HANGUP, format_address(addr), "cierre inmediato (FIN)")


class Drip(FaultServer):
    """Sends ``payload`` in pieces of ``piece`` bytes, waiting ``delay`` s between them, then closes.

    No exception: the lesson is that ``recv`` returns *fragments*. A client reading in a
    loop gets several chunks whose sizes do not match its ``recv(n)``; one ``recv`` only
    gets the first piece. ``TCP_NODELAY`` is set so the kernel does not merge pieces.
    With ``wait_for`` the drip starts after the request (e.g. ``b"\\r\\n\\r\\n"``).
    """

    label = "servidor por goteo"
    client_exception = None
    summary = "recv() devuelve fragmentos: los datos llegan poco a poco, con pausas."

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        payload: bytes = DEFAULT_TEXT,
        piece: int = 8,
        delay: float = 0.05,
        **kwargs: Any,
    ):
        self.payload = check_bytes("payload", payload, MAX_PAYLOAD)
        self.piece = int(check_number("piece", piece, 1, MAX_PAYLOAD))
        self.delay = check_number("delay", delay, 0.0, MAX_DELAY)
        pieces = -(-len(self.payload) // self.piece)
        if (pieces - 1) * self.delay > 60:
            raise FaultParameterError(
                f"El goteo duraría {(pieces - 1) * self.delay:.0f} s ({pieces} envíos de {self.piece} bytes "
                f"con {self.delay} s de pausa); el máximo es 60 s. Usa envíos más grandes o menos pausa."
            )
        super().__init__(host, port, **kwargs)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        self.read_request(conn, peer)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sent = 0
        for start in range(0, len(self.payload), self.piece):
            if start and self.delay and not self.sleep(self.delay):
                return
            conn.sendall(self.payload[start : start + self.piece])
            sent += 1
        self._log(EventKind.DRIP, peer, f"{len(self.payload)} bytes en {sent} envíos")
        close_gracefully(conn)


class Truncate(FaultServer):
    """Sends only the first ``keep`` bytes of ``payload``, then closes cleanly (FIN).

    No socket exception: ``recv`` returns ``b""`` before the client has what it expected.
    When the payload is an HTTP response with a ``Content-Length``, ``http.client`` raises
    ``http.client.IncompleteRead``; a hand-written client must compare what it got with
    what was announced.
    """

    label = "servidor que trunca"
    client_exception = None
    summary = "recv() devuelve b'' antes de tiempo: llegan menos bytes de los anunciados."

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        payload: bytes = DEFAULT_TEXT,
        keep: int = 20,
        **kwargs: Any,
    ):
        self.payload = check_bytes("payload", payload, MAX_PAYLOAD)
        self.keep = int(check_number("keep", keep, 0, len(self.payload)))
        super().__init__(host, port, **kwargs)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        self.read_request(conn, peer)
        conn.sendall(self.payload[: self.keep])
        self._log(EventKind.TRUNCATE, peer, f"{self.keep} de {len(self.payload)} bytes")
        close_gracefully(conn)


class HalfClose(FaultServer):
    """Reads until the client's ``shutdown(SHUT_WR)`` (EOF), and only then answers and closes.

    ``reply="count"`` answers ``"recibidos N bytes\\n"``; ``reply="echo"`` sends back
    everything received (at most ``max_bytes``). No exception when used right; a client
    that waits for the answer *without* calling ``shutdown(SHUT_WR)`` gets ``TimeoutError``
    from its ``recv`` (if it set a timeout): both sides wait for each other.
    """

    label = "servidor de medio cierre"
    client_exception = None
    summary = "solo responde después de shutdown(SHUT_WR); sin él, recv() espera (TimeoutError)."

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        reply: str = "count",
        max_bytes: int = MAX_PAYLOAD,
        **kwargs: Any,
    ):
        if reply not in ("count", "echo"):
            raise FaultParameterError(f"reply debe ser 'count' o 'echo'; se recibió {reply!r}.")
        self.reply = reply
        self.max_bytes = int(check_number("max_bytes", max_bytes, 1, 16 * MAX_PAYLOAD))
        super().__init__(host, port, **kwargs)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        kept = bytearray()
        total = 0
        while chunk := conn.recv(65536):
            total += len(chunk)
            if self.reply == "echo" and len(kept) < self.max_bytes:
                kept += chunk[: self.max_bytes - len(kept)]
        if self._stopping.is_set():
            return
        self._log(EventKind.FIN, peer, f"{total} bytes antes del FIN del cliente")
        if self.reply == "count":
            answer = f"recibidos {total} bytes\n".encode()
        elif total > self.max_bytes:
            answer = f"ERROR: más de {self.max_bytes} bytes; solo se devuelven los primeros\n".encode()
            answer += bytes(kept)
        else:
            answer = bytes(kept)
        conn.sendall(answer)
        self._log(EventKind.REPLY, peer, f"{len(answer)} bytes")
