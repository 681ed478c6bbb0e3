"""Exercise 9.4, ``pedir_lineas(direccion, lineas, plazo)``: an asyncio client with one deadline for everything.

The checker's echo server answers each line ``b"Echo: " + linea``, in one of four ways: cut in
pieces (each sent once the student's socket, found by :class:`~.._pacing.PeerReader`, has read
the previous one: asyncio's transport reads eagerly, and the coroutine it wakes runs before the
next piece is read, so a ``read()`` gets one piece), dripping one byte every 0,02 s (a timeout on
each read never runs out, only a deadline for the whole does), slowly but well within the
deadline (cut in pieces too: its answers take 1,6 s in all, so a hard-coded deadline up to that is
caught there, and one over SHORT + SLACK by the mute server's case), or never. The student's
coroutine runs in a loop of the checker's (:func:`._aio.run_silently`); one that waits past
:data:`OUTER` is found waiting (its line is named) and cancelled. Whether the connection was
closed is seen from the server's end (EOF).
"""

from __future__ import annotations

import asyncio
import dataclasses
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..._wording import seconds
from ...echo import PREFIX
from .. import Context, Fail, brief, exercise, expect_type
from .._audit import on_audit_event
from .._pacing import PATIENCE, PeerReader, send_paced
from ._aio import TIMEOUTS, expect_coroutine, run_silently, settle, wait_event, where_waiting

#: A deadline that must fire, and how late past it a right answer's TimeoutError may come: a hard-coded
#: deadline over 1,3 s is caught by its duration (one up to 1,6 s, by the slow server's case).
SHORT, SLACK = 0.3, 1.0
#: The dripping server: one byte every DRIP seconds. A line's answer takes at most 0,26 s, far less
#: than the deadline (a timeout on each read never runs out); all of :data:`DRIPPED` take 1,8 s, far more.
DRIP = 0.02
#: The slow server answers each line after SLOW seconds: 1,6 s for the four, well within a generous deadline.
SLOW = 0.4
#: A coroutine still running after this long is found waiting and cancelled (seconds).
OUTER = 4.0
LINES = [b"hola\n", "año\n".encode(), b"tres\n", b"cuatro\n"]
DRIPPED = LINES * 2
#: The deadline of the dripping case.
DRIP_DEADLINE = 0.8


#: The addresses of the checker's servers, and those a socket of this process has connected to (the
#: audit event ``socket.connect`` comes before the system call, however the student's code connects).
_watched: set[tuple[str, int]] = set()
_connected: set[tuple[str, int]] = set()


def _on_connect(args: tuple) -> None:
    address = args[1]
    if isinstance(address, tuple) and address[:2] in _watched:
        _connected.add(address[:2])


class _Server:
    """The checker's echo server for one connection: a thread reads lines, another answers them (``mode``)."""

    def __init__(self, ctx: Context, mode: str) -> None:
        self.mode = mode
        self._listener = ctx.own(socket.create_server(("127.0.0.1", 0)))
        self.address = self._listener.getsockname()[:2]
        on_audit_event("socket.connect", _on_connect)
        _watched.add(self.address)
        self._listener.settimeout(PATIENCE)
        self.eof = threading.Event()  #: the student's side closed (or reset) the connection
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stop = threading.Event()
        self._ctx = ctx
        ctx.own(self)
        threading.Thread(target=self._read, name="comprobar-9.4-lector", daemon=True).start()

    def _read(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:  # no client came: the case ended
            return
        self._ctx.own(conn)
        conn.settimeout(None)  # the teardown's shutdown wakes it
        threading.Thread(target=self._answer, args=(conn,), name="comprobar-9.4-eco", daemon=True).start()
        buffer = b""
        try:
            while data := conn.recv(65536):
                buffer += data
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    self._lines.put(line + b"\n")
        except OSError:  # reset by the student's side, or the case ended
            pass
        self.eof.set()
        self._lines.put(None)

    def _answer(self, conn: socket.socket) -> None:
        reader = PeerReader(conn)
        try:
            while (line := self._lines.get()) is not None and not self._stop.is_set():
                answer = PREFIX + line
                if self.mode == "mute":
                    continue
                if self.mode == "slow":
                    time.sleep(SLOW)  # the slowness under test
                if self.mode == "drip":
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each byte in a segment of its own
                    for i in range(len(answer)):
                        if self._stop.wait(DRIP):  # the slowness under test (and the case's end)
                            return
                        conn.sendall(answer[i : i + 1])
                    continue
                send_paced(conn, [answer[:2], answer[2:7], answer[7:]], reader, self.eof.is_set, stop=self._stop)
        except OSError:  # the student closed: the case judges it
            pass

    def was_connected(self) -> bool:
        """Whether a socket of this process connected to this server (whoever accepted it)."""
        return self.address in _connected

    def stop(self) -> None:
        self._stop.set()
        self._lines.put(None)
        _watched.discard(self.address)
        _connected.discard(self.address)


@dataclasses.dataclass
class _Outcome:
    result: Any = None
    error: BaseException | None = None
    took: float = 0.0  #: seconds from the call to its end
    where: str = ""  #: where it still waited after OUTER ("" if it ended)
    hung: bool = False
    closed: bool = False  #: the server saw the connection closed


def _converse(funcion: Callable[..., Any], server: _Server, lineas: list[bytes], plazo: float) -> _Outcome:
    """Run the student's coroutine against ``server``; what it did, and whether it closed the connection."""

    async def main() -> _Outcome:
        start = time.monotonic()
        task = asyncio.ensure_future(expect_coroutine(funcion(server.address, list(lineas), plazo), "pedir_lineas"))
        done, _ = await asyncio.wait({task}, timeout=OUTER)
        took = time.monotonic() - start
        if not done:
            where = where_waiting(task)
            await settle(task, 1.0)
            return _Outcome(took=took, where=where, hung=True)
        error = task.exception()
        # (a function that never connected has nothing to close)
        closed = not server.was_connected() or await wait_event(server.eof, PATIENCE)
        return _Outcome(None if error else task.result(), error, took, closed=closed)

    return run_silently(main)


def _expect_closed(outcome: _Outcome, after: str) -> None:
    if not outcome.closed:
        raise Fail(f"{after}, la conexión quedó abierta: ciérrala siempre, también si salta el plazo "
                   "(escritor.close() y await escritor.wait_closed() en un finally)")


def _expect_answers(outcome: _Outcome, lineas: list[bytes]) -> None:
    if outcome.hung:
        raise Fail(f"tras {seconds(OUTER)} tu función seguía esperando{outcome.where}")
    if outcome.error is not None:
        if isinstance(outcome.error, TIMEOUTS):
            raise Fail(f"tu función lanzó TimeoutError tras {seconds(outcome.took, 1)}, y el servidor respondía a "
                       "tiempo (plazo generoso): ¿usas el plazo que te pasan?")
        raise outcome.error
    got = expect_type(outcome.result, list)
    want = [PREFIX + line for line in lineas]
    if got == want:
        return
    for i, (answer, expected) in enumerate(zip(got, want, strict=False), start=1):
        if answer != expected:
            if isinstance(answer, (bytes, bytearray)) and answer and expected.startswith(answer):
                raise Fail(f"la respuesta {i} fue {brief(answer)} y era {brief(expected)}: un read() trae lo que "
                           "haya llegado, un fragmento; readline() espera hasta el '\\n'")
            raise Fail(f"la respuesta {i} fue {brief(answer)} y se esperaba {brief(expected)}")
    raise Fail(f"se esperaban {len(want)} respuestas y tu función devolvió {len(got)}: {brief(got)}")


def _expect_timeout(outcome: _Outcome, plazo: float, server: str, lineas: list[bytes]) -> None:
    if outcome.hung:
        raise Fail(f"{server} y tras {seconds(OUTER)} tu función seguía esperando{outcome.where}: sin un plazo "
                   "para todo (asyncio.wait_for(..., plazo) o async with asyncio.timeout(plazo)), espera lo que "
                   "tarde el servidor")
    if outcome.error is None:
        returned = f"devolvió {brief(outcome.result)} tras {seconds(outcome.took, 1)}"
        if outcome.result == [PREFIX + line for line in lineas]:  # all of them: nothing cut it short
            raise Fail(f"{server} y tu función {returned}, con plazo={plazo:g} s: el plazo es para toda la "
                       "conversación (un timeout en cada lectura no lo limita: el goteo nunca lo agota). "
                       "¿Usas el plazo que te pasan, y no uno fijo?")
        answers = outcome.result if isinstance(outcome.result, list) else []
        if any(isinstance(a, (bytes, bytearray)) and a and (PREFIX + b).startswith(a) and a != PREFIX + b
               for a, b in zip(answers, lineas, strict=False)):
            raise Fail(f"{server} y tu función {returned}: respuestas cortadas, cada una lo que trajo un read(). "
                       "Un read() trae lo que haya llegado, un fragmento; readline() espera hasta el '\\n'")
        if outcome.took >= plazo * 0.8:  # it ran out, and the TimeoutError was caught
            raise Fail(f"{server} y tu función {returned} sin lanzar nada: deja que el TimeoutError llegue a quien "
                       "llama (no lo captures)")
        raise Fail(f"{server} y tu función {returned}, antes del plazo ({plazo:g} s) y sin todas las respuestas: "
                   "espera cada respuesta entera, y deja que el plazo lance TimeoutError")
    if not isinstance(outcome.error, TIMEOUTS):
        raise outcome.error
    if outcome.took > plazo + SLACK:
        raise Fail(f"lanzó TimeoutError, pero tras {seconds(outcome.took, 1)}, mucho más que plazo={plazo:g} s: "
                   "usa el plazo que te pasan")
    _expect_closed(outcome, "tras el TimeoutError")


# -- 9.4 ---------------------------------------------------------------------------
cliente = exercise("9.4", "Un cliente asyncio con un plazo para todo", "pedir_lineas")


@cliente.case(
    "envía las líneas y devuelve sus respuestas, que llegan en fragmentos, y cierra la conexión",
    hint="por cada línea: escritor.write(linea), await escritor.drain() y await lector.readline() (espera al "
    "'\\n'); al final, escritor.close() y await escritor.wait_closed().",
    time_limit=10.0,
)
def _(funcion, ctx):
    outcome = _converse(funcion, _Server(ctx, "sliced"), LINES, PATIENCE)
    _expect_answers(outcome, LINES)
    _expect_closed(outcome, "tu función devolvió las respuestas")


@cliente.case(
    "un servidor que gotea (un byte cada 0,02 s): el plazo es para todo, no para cada lectura",
    hint="el plazo abarca la conversación entera: asyncio.wait_for(conversar(...), plazo), o async with "
    "asyncio.timeout(plazo) en 3.11+; un wait_for en cada readline() se renueva con cada byte.",
    time_limit=12.0,
)
def _(funcion, ctx):
    server = _Server(ctx, "drip")
    total = DRIP * sum(len(PREFIX + line) for line in DRIPPED)
    _expect_timeout(_converse(funcion, server, DRIPPED, DRIP_DEADLINE), DRIP_DEADLINE,
                    f"el servidor goteaba (un byte cada {seconds(DRIP)}: cada respuesta, en menos del plazo; las "
                    f"{len(DRIPPED)}, en {seconds(total, 1)})", DRIPPED)


@cliente.case(
    "un servidor que nunca responde: TimeoutError en ≈ plazo, y la conexión cerrada",
    hint="no captures el TimeoutError (asyncio.TimeoutError en 3.10): deja que llegue a quien llama, y cierra la "
    "conexión en un finally.",
    time_limit=12.0,
)
def _(funcion, ctx):
    server = _Server(ctx, "mute")
    _expect_timeout(_converse(funcion, server, LINES, SHORT), SHORT, "el servidor nunca respondió", LINES)


@cliente.case(
    "un servidor lento pero a tiempo (1,6 s en total, en fragmentos): con un plazo generoso, devuelve todas las "
    "respuestas",
    hint="usa el plazo que te pasan (el argumento plazo), no uno fijo.",
    time_limit=10.0,
)
def _(funcion, ctx):
    _expect_answers(_converse(funcion, _Server(ctx, "slow"), LINES, PATIENCE), LINES)
