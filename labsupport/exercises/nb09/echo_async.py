"""Exercise 9.3, ``atender_eco(lector, escritor, espera)``: an asyncio echo handler with an idle timeout.

The checker runs ``asyncio.start_server`` with the student's handler in an event loop of its
own (:class:`._aio.LoopThread`), and talks to it with plain blocking sockets from the case's
thread. Pieces are paced on the server's socket (found in this process by
:class:`.._pacing.PeerReader`): the transport reads each piece before the next is sent, and the
student's coroutine, woken by it, runs before the next piece is fed (asyncio runs its ready
callbacks in order), so every ``read()`` of the student's gets one piece.

Idle timeouts are real time: the one that must fire is short (0,3 s), the one that must not is
generous (5 s); the case that tells "per line" from "for the whole connection" speaks every
0,2 s against a timeout of 1,5 s, seven times over. A hard-coded timeout is caught either way:
one longer than SHORT + SLACK (1,3 s) by the short case's duration, one up to PAUSE (1,5 s) by a
client that pauses that long with a generous espera. Backpressure is observed on the writer the
handler was given: how many bytes it wrote without awaiting ``drain()``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ..._polling import wait_until
from ..._wording import seconds
from ...echo import PREFIX
from .. import Context, Fail, brief, exercise
from .._pacing import PATIENCE, PeerReader, send_paced
from ._aio import LoopThread, expect_coroutine

#: An idle timeout that must fire, and the slack a right answer's close may take past it: a
#: hard-coded timeout over 1,3 s is caught by its duration.
SHORT, SLACK = 0.3, 1.0
#: The pause (seconds) between two lines against a generous espera: a hard-coded timeout up to it is caught.
PAUSE = 1.5
#: The talkative client: a line every GAP seconds, LINES times, against an idle timeout of TALK.
GAP, LINES, TALK = 0.2, 10, 1.5
#: The write buffer's high-water mark (asyncio's default): more than this written without drain() is no
#: backpressure at all. The flood: BIG bytes of lines, far more than the socket buffers hold.
HIGH_WATER = 64 * 1024
BIG, LINE_SIZE = 512 * 1024, 1024
#: At the end of a case, a handler has this long to see its connection closed and return.
STOP_PATIENCE = 2.0


@dataclasses.dataclass
class _Handled:
    """What the student's handler did with one connection."""

    writer: asyncio.StreamWriter
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    error: BaseException | None = None
    closed: bool = False  #: the student's code closed the writer itself
    undrained: int = 0  #: bytes written since the last awaited drain()
    most_undrained: int = 0  #: the most bytes ever written without a drain() in between
    written: int = 0


def _watch(writer: asyncio.StreamWriter, handled: _Handled) -> None:
    """Count what the handler writes between drains (instance attributes: the real methods do the work)."""
    write, drain = writer.write, writer.drain

    def counted_write(data: Any) -> None:
        handled.written += len(data)
        handled.undrained += len(data)
        handled.most_undrained = max(handled.most_undrained, handled.undrained)
        write(data)

    async def counted_drain() -> None:
        await drain()
        handled.undrained = 0

    writer.write = counted_write  # type: ignore[method-assign]  # the same call, counted
    writer.drain = counted_drain  # type: ignore[method-assign]


class _EchoServer:
    """``asyncio.start_server`` with the student's handler, in a loop of the checker's."""

    def __init__(self, funcion: Callable[..., Any], ctx: Context, espera: float) -> None:
        self._funcion, self.espera = funcion, espera
        self.handled: list[_Handled] = []
        self.loop = LoopThread("comprobar-9.3-bucle")
        ctx.own(self)
        self.server = self.loop.run(asyncio.start_server(self._handle, "127.0.0.1", 0), PATIENCE)
        self.address = self.server.sockets[0].getsockname()[:2]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handled = _Handled(writer)
        self.handled.append(handled)
        _watch(writer, handled)
        try:
            await expect_coroutine(self._funcion(reader, writer, self.espera), "atender_eco")
        except asyncio.CancelledError:  # the case is over
            raise
        except BaseException as exc:  # the student's code may raise anything: the case reports it
            handled.error = exc
        finally:
            handled.closed = writer.is_closing()
            if not handled.closed:
                writer.close()  # so that the client is not left waiting: the case says it was not closed
            handled.done.set()

    def stop(self) -> None:
        """Close the server and every connection: a handler still reading sees the end (b'') and returns."""
        self.loop.call(self.server.close)
        for handled in self.handled:
            self.loop.call(handled.writer.close)
        for handled in self.handled:
            handled.done.wait(STOP_PATIENCE)
        self.loop.stop()


class _Client:
    """A blocking client of the echo server, in the case's thread."""

    def __init__(self, server: _EchoServer, ctx: Context) -> None:
        self.server = server
        self.sock = ctx.own(socket.create_connection(server.address, timeout=PATIENCE))
        self.end = PeerReader(self.sock)
        wait_until(lambda: self._found(), PATIENCE, interval=0.005)
        self.received = bytearray()
        self.eof_at: float | None = None

    def _found(self) -> bool:
        """Whether the server's end of this connection was found (or will never be: the handler ended,
        or the system cannot be asked): until then the pieces could not be paced on it."""
        if self.end.fd is None:
            self.end = PeerReader(self.sock)
        handled = self.handled
        return self.end.fd is not None or (handled is not None and handled.done.is_set()) or sys.platform != "linux"

    @property
    def handled(self) -> _Handled | None:
        return self.server.handled[-1] if self.server.handled else None

    def send(self, *pieces: bytes) -> None:
        send_paced(self.sock, list(pieces), self.end, wait_last=True)

    def read(self, size: int, patience: float = PATIENCE) -> bytes:
        """Read until ``size`` bytes in all have come, the server closed, or ``patience`` passed."""
        deadline = time.monotonic() + patience
        while len(self.received) < size and self.eof_at is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                data = b""
            if not data:
                self.eof_at = time.monotonic()
            self.received += data
        return bytes(self.received)

    def closed_within(self, patience: float) -> bool:
        """Whether the server closed the connection within ``patience`` seconds (bytes that come first are kept)."""
        self.read(1 << 40, patience)
        return self.eof_at is not None

    def check(self) -> _Handled | None:
        """Re-raise what the student's handler raised, once it has ended."""
        handled = self.handled
        if handled is not None and handled.done.is_set() and handled.error is not None:
            raise handled.error
        return handled


def _echoes(lines: list[bytes]) -> bytes:
    return b"".join(PREFIX + line for line in lines)


def _answered_fragments(got: bytes, data: bytes) -> bool:
    """Whether ``got`` is an echo of each fragment read (``Echo: `` before pieces that are not one line each)."""
    if not got.startswith(PREFIX):
        return False
    parts = got.split(PREFIX)[1:]
    return data.startswith(b"".join(parts)) and any(part.count(b"\n") != 1 for part in parts[:-1])


def _compare(got: bytes, pieces: list[bytes], what: str = "el cliente") -> None:
    """The client's echoes, against what it sent (``pieces``, in the order sent)."""
    data = b"".join(pieces)
    lines = data.splitlines(keepends=True)
    want = _echoes(lines)
    if got == want:
        return
    if (got == _echoes(pieces) or (got and _echoes(pieces).startswith(got) and not want.startswith(got))
            or _answered_fragments(got, data)):
        raise Fail(
            f"{what} recibió {brief(got, 50)}: respondiste a cada fragmento que llegó, no a cada línea. Un read() "
            "trae lo que haya llegado; readline() espera hasta el '\\n'"
        )
    if len(got) < len(want) and want.startswith(got):
        raise Fail(f"{what} esperaba {len(lines)} respuestas ({len(want)} bytes) y recibió solo {len(got)} bytes")
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
    raise Fail(f"{what} recibió {len(got)} bytes y esperaba {len(want)}; desde el byte {at}, recibió "
               f"{brief(got[at:], 40)} donde tocaba {brief(want[at:], 40)}")


def _closed_by_student(client: _Client, after: str) -> None:
    handled = client.check()
    if handled is not None and handled.done.is_set() and not handled.closed:
        raise Fail(f"{after}, tu función terminó sin cerrar la conexión: escritor.close() y "
                   "await escritor.wait_closed() (un try/finally lo hace también si algo falla)")


def _first_answers(funcion: Callable[..., Any], ctx: Context, espera: float, pieces: list[bytes]) -> _Client:
    """The student's handler serving a client that sent ``pieces``; Fail unless their echoes came back."""
    client = _Client(_EchoServer(funcion, ctx, espera), ctx)
    client.send(*pieces)
    got = client.read(len(_echoes(b"".join(pieces).splitlines(keepends=True))))
    client.check()
    _compare(got, pieces)
    return client


# -- 9.3 ---------------------------------------------------------------------------
eco = exercise("9.3", "Un eco con asyncio que no espera para siempre", "atender_eco")


@eco.case(
    "responde cada línea, aunque llegue en fragmentos, y cierra cuando el cliente cierra",
    hint="lee con await lector.readline() (espera al '\\n'), responde b'Echo: ' + linea, y cuando readline() "
    "devuelva b'' (el cliente cerró) cierra: escritor.close() y await escritor.wait_closed().",
    time_limit=12.0,
)
def _(funcion, ctx):
    pieces = [b"hola, ", b"mundo\n", b"dos\ntres\n", b"a\xc3", b"\xb1o\n"]  # the last line: "año", ñ split
    client = _first_answers(funcion, ctx, PATIENCE, pieces)
    client.sock.shutdown(socket.SHUT_WR)
    if not client.closed_within(PATIENCE):
        client.check()
        raise Fail(f"el cliente cerró su lado (EOF) y en {seconds(PATIENCE)} tu función no cerró la conexión: "
                   "cuando readline() devuelva b'', sal del bucle y cierra el escritor")
    handled = client.handled
    if handled is not None:
        handled.done.wait(PATIENCE)
    _closed_by_student(client, "el cliente cerró su lado (EOF)")
    _compare(bytes(client.received), pieces)


@eco.case(
    "a un cliente callado le cierra la conexión tras ≈ espera segundos sin una línea",
    hint="envuelve cada lectura en asyncio.wait_for(lector.readline(), espera) (o async with asyncio.timeout(espera) "
    "en 3.11+), usa la espera que te pasan, captura el TimeoutError (asyncio.TimeoutError en 3.10) y cierra.",
    time_limit=12.0,
)
def _(funcion, ctx):
    client = _first_answers(funcion, ctx, SHORT, [b"ho", b"la\n"])
    quiet = time.monotonic()
    if not client.closed_within(PATIENCE):
        client.check()
        raise Fail(f"el cliente se calló y en {seconds(PATIENCE)} tu función no cerró la conexión (espera={SHORT:g}): "
                   "sin un timeout, readline() espera para siempre")
    assert client.eof_at is not None
    took = client.eof_at - quiet
    handled = client.handled
    if handled is not None:
        handled.done.wait(PATIENCE)
    client.check()
    _closed_by_student(client, f"tras {seconds(SHORT)} de silencio")
    if took > SHORT + SLACK:
        raise Fail(f"cerró tras {seconds(took, 1)} de silencio, mucho más que espera={SHORT:g} s: usa la espera que "
                   "te pasan")


@eco.case(
    "con una espera generosa, no corta a un cliente que se calla un rato (1,5 s) entre dos líneas",
    hint="usa la espera que te pasan (el argumento espera), no una fija.",
    time_limit=12.0,
)
def _(funcion, ctx):
    client = _first_answers(funcion, ctx, PATIENCE, [b"antes\n"])
    quiet = time.monotonic()
    client.read(1 << 40, PAUSE)  # the client's pause: the thing under test (a close ends it early)
    if client.eof_at is not None:
        client.check()
        raise Fail(f"tu función cerró la conexión tras {seconds(client.eof_at - quiet, 1)} de silencio, con "
                   f"espera={PATIENCE:g} s: usa la espera que te pasan, no una fija")
    try:
        client.send(b"despu", "és\n".encode())
    except OSError:  # the server closed meanwhile: what came back tells
        pass
    got = client.read(len(_echoes([b"antes\n", "después\n".encode()])))
    client.check()
    _compare(got, [b"antes\n", b"despu", "és\n".encode()])
    client.sock.shutdown(socket.SHUT_WR)
    client.closed_within(PATIENCE)
    client.check()


@eco.case(
    "no corta a un cliente que habla: la espera es entre línea y línea, no para toda la conexión",
    hint="el plazo vuelve a empezar con cada línea: wait_for(lector.readline(), espera) dentro del bucle, no "
    "alrededor del bucle entero.",
    time_limit=15.0,
)
def _(funcion, ctx):
    server = _EchoServer(funcion, ctx, TALK)
    client = _Client(server, ctx)
    start = time.monotonic()
    sent: list[bytes] = []  # the pieces, two per line
    for i in range(LINES):
        line = f"línea {i + 1}\n".encode()
        sent += [line[:3], line[3:]]
        try:
            client.send(line[:3], line[3:])
        except OSError:  # the server closed (and the client's close came back as a reset)
            pass
        got = client.read(len(_echoes(b"".join(sent).splitlines(keepends=True))))
        if client.eof_at is not None:
            client.check()
            raise Fail(
                f"tu función cerró la conexión a los {seconds(client.eof_at - start, 1)}, tras {i} respuestas, aunque "
                f"el cliente enviaba una línea cada {seconds(GAP)} (espera={TALK:g} s): la espera es para cada línea, "
                "no para toda la conexión"
            )
        _compare(got, sent)
        time.sleep(GAP)  # the client's own pace: the thing under test, not a wait for something
    client.sock.shutdown(socket.SHUT_WR)
    client.closed_within(PATIENCE)
    client.check()


@eco.case(
    "contrapresión: un cliente que envía mucho sin leer no llena la memoria del servidor",
    hint="tras cada escritor.write(...), await escritor.drain(): espera a que el socket acepte lo escrito (si el "
    "cliente no lee, tu función deja de leer también).",
    time_limit=12.0,
)
def _(funcion, ctx):
    server = _EchoServer(funcion, ctx, PATIENCE)
    client = _Client(server, ctx)
    line = b"x" * (LINE_SIZE - 1) + b"\n"
    flood = line * (BIG // LINE_SIZE)
    sender = threading.Thread(target=lambda: _send_quietly(client.sock, flood), name="comprobar-9.3-riada",
                              daemon=True)
    sender.start()
    want = _echoes([line] * (BIG // LINE_SIZE))
    got = client.read(len(want))
    sender.join(PATIENCE)
    client.check()
    _compare(got, [flood])
    handled = client.handled
    if handled is not None and handled.most_undrained > 4 * HIGH_WATER:
        raise Fail(
            f"tu función llegó a escribir {handled.most_undrained} bytes seguidos sin await escritor.drain(): "
            "sin drain() lo escrito se amontona en la memoria del servidor cuando el cliente no lee"
        )


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:  # the case ended, or the server closed: the case says what it saw
        pass
