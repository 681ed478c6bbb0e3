"""Exercises of notebook 08, "Ejemplo completo": an echo server and client that respect framing.

Every case that reads makes "one recv() is one message" fail, and never by luck: the pieces
are sent one at a time, each only after the student's socket has read the previous one
(:mod:`._pacing`). The slow cases force a partial ``send()``: small socket buffers and a
peer that starts reading late, so code that ignores what ``send()`` returns loses bytes.
Each message is computed from the bytes that actually travelled, and names what the
student's code did with them.
"""

from __future__ import annotations

import dataclasses
import itertools
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .._polling import wait_until
from .._wording import count, seconds
from . import Context, Fail, brief, exercise, expect_type
from ._checks import MAX_RESPONSE
from ._outcome import expect_connection_error
from ._pacing import PATIENCE, send_paced, student_finished, unread

PREFIX = b"Echo: "
#: Socket buffers of the slow cases (the system may double them): small, so they fill at once.
BUFFER = 64 * 1024
#: The timeout of the sockets handed to the student: it must not fire (the case's own time
#: limit cuts a hanging answer first), and it makes a too-early ``send()`` return a part.
STUDENT_TIMEOUT = 10.0
#: A slow reader starts reading this long after the first byte of the answer arrived.
SLOW_START = 0.2
#: The echo peer of 8.3 gives up on a message after this long without a byte (a part was never sent).
IDLE = 2.0
BIG = 1024 * 1024
#: A timeout this short on the handler's socket makes its ``sendall`` give up on the slow reader.
SHORT_TIMEOUT = 1.0
#: Reads no larger than this are "byte by byte": far too many calls for a line of 1 MiB.
TINY_READ = 16
#: The client of 8.1 keeps quiet between two messages, and the silence lasts until the handler
#: has shown what it does with it (:func:`_silence_over`): returned (it took the silence for the
#: end: wrong), or waited in a ``recv()`` that no silence ends (:data:`QUIET` is enough then), or
#: had reads run out of time (``TimeoutError``) and kept reading for :data:`SILENCE_CAP`.
QUIET = 0.5
SILENCE_CAP = 6.0
#: During that silence time is virtual for a timeout the handler set itself: a read with a
#: timeout ``t`` waits at most :data:`HURRY` and then raises ``TimeoutError`` as if ``t`` had run
#: out (nothing can arrive meanwhile: the client is quiet). A single long timeout taken for the
#: end (2 s, 6 s, 10 s) and a count of short ones in a row are caught in a fraction of a second,
#: without waiting them out; up to :data:`VIRTUAL_SILENCE` of silence is lived this way.
HURRY = 0.02
VIRTUAL_SILENCE = 60.0


def _connected_pair(ctx: Context, *, small_buffers: bool = False) -> tuple[socket.socket, socket.socket]:
    """A real TCP connection on loopback: (client side, server side), both owned by ``ctx``."""
    listener = ctx.own(socket.socket())
    client = ctx.own(socket.socket())
    if small_buffers:  # set before connecting: the accepted socket inherits the listener's
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            client.setsockopt(socket.SOL_SOCKET, option, BUFFER)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client.settimeout(STUDENT_TIMEOUT)
    client.connect(listener.getsockname())
    server_side, _ = listener.accept()
    ctx.own(server_side)
    if small_buffers:
        server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
    server_side.settimeout(STUDENT_TIMEOUT)
    return client, server_side


class _CountingSocket(socket.socket):
    """A real socket that remembers how the student's code read from it; nothing read is changed.

    How much each read asked for (to tell "byte by byte" from "in blocks"), how many bytes the
    reads returned in all (to tell "counted characters" from "counted bytes"), whether a read is
    in progress and with which timeout (to tell "waits for more" from "is done"), and whether a
    read ran out of time and the code then read again (the silence was not the end for it).
    """

    largest_read = 0
    reads = 0
    #: Bytes the reads returned, in all. Counted once the read is over (``reading`` already
    #: False), so "reading, with all received" is never the tail of the read that got the last byte.
    received = 0
    reading = False  #: a read is in progress: the student's code waits in it
    read_timeout: float | None = None  #: the timeout of the read in progress (or of the last one)
    timed_out = False  #: the last read raised TimeoutError (or BlockingIOError: nothing to read yet)
    read_again = 0  #: reads started right after one that timed out: the code went on waiting
    own_timeout = False  #: the student's code set the timeout (not the checker's STUDENT_TIMEOUT)
    hurry = False  #: the client is quiet: a timeout the code set runs out in virtual time
    #: ``hurry`` starts once the reads have returned this many bytes in all: the read that follows
    #: the last byte before the silence is already hurried (none is left waiting a real timeout).
    hurry_from = float("inf")
    skipped = 0.0  #: seconds of silence lived in virtual time (not waited)
    timeouts = 0  #: reads that ran out of time (TimeoutError), in all

    def settimeout(self, value: float | None) -> None:
        self.own_timeout = True
        super().settimeout(value)

    def setblocking(self, flag: bool) -> None:
        self.own_timeout = True
        super().setblocking(flag)

    def _hurried(self, timeout: float | None) -> bool:
        """Whether a read with ``timeout`` runs out in virtual time (see :data:`HURRY`)."""
        return (self.hurry and self.own_timeout and timeout is not None and timeout > HURRY
                and self.skipped + timeout <= VIRTUAL_SILENCE)

    def _read(self, size: int, read: Callable[[], Any]) -> Any:
        self.reads += 1
        self.largest_read = max(self.largest_read, size)
        self.read_again += self.timed_out
        self.timed_out = False
        self.read_timeout = self.gettimeout()
        timeout = self.read_timeout
        hurried = self._hurried(timeout)
        self.reading = True
        try:
            if hurried:
                super().settimeout(HURRY)
            result = read()
        except (TimeoutError, BlockingIOError) as exc:
            self.timed_out = True
            self.timeouts += isinstance(exc, TimeoutError)
            if hurried and timeout is not None:
                self.skipped += timeout - HURRY  # as if the whole timeout had run out
            raise
        finally:
            if hurried:
                super().settimeout(timeout)
            self.reading = False
        self.received += result if isinstance(result, int) else len(result)
        if self.received >= self.hurry_from:
            self.hurry = True
        return result

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self._read(bufsize, lambda: super(_CountingSocket, self).recv(bufsize, flags))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        size = nbytes or memoryview(buffer).nbytes
        return self._read(size, lambda: super(_CountingSocket, self).recv_into(buffer, nbytes, flags))

    def waits_for_ever(self) -> bool:
        """A read is in progress that no silence ends: no timeout, or the checker's (for the
        student, the blocking socket a caller hands over). Any timeout of the student's own may
        run out, so that wait is watched for :data:`SILENCE_CAP` (a ``time.monotonic()`` limit
        on the silence shorter than that is caught too)."""
        return self.reading and (self.read_timeout is None or not self.own_timeout)


def _counting(ctx: Context, sock: socket.socket) -> _CountingSocket:
    """The same connection as ``sock``, as a :class:`_CountingSocket` (same timeout), owned by ``ctx``."""
    timeout = sock.gettimeout()
    counted = _CountingSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    counted.settimeout(timeout)
    counted.own_timeout = False
    return ctx.own(counted)


def _in_thread(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


class _Reader:
    """The checker's client reading every byte of the answers until EOF, in its own thread.

    ``slow``: it starts reading only ``SLOW_START`` seconds after the first byte arrived (the
    student's ``send()`` has returned by then, with whatever part fitted in the buffers).
    """

    def __init__(self, sock: socket.socket, slow: bool = False) -> None:
        self._sock, self._slow = sock, slow
        self._parts: list[bytes] = []
        self._thread = _in_thread(self._run, "comprobar-lector")

    def _run(self) -> None:
        size = 0
        try:
            if self._slow:
                select.select([self._sock], [], [], PATIENCE)
                time.sleep(SLOW_START)  # the slowness under test, not a wait for something
            while size < MAX_RESPONSE and (data := self._sock.recv(65536)):
                self._parts.append(data)
                size += len(data)
        except (OSError, ValueError):  # the case ended (closed) or the student's side reset: keep what came
            pass

    def result(self) -> bytes:
        self._thread.join(PATIENCE)
        return b"".join(self._parts)


# -- 8.1 ---------------------------------------------------------------------------
lineas = exercise("8.1", "Un manejador de eco que respeta los mensajes", "manejar_lineas")


def _expected_lines(data: bytes) -> tuple[bytes, list[bytes]]:
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return b"".join(PREFIX + line + b"\n" for line in lines), lines


def _explain_lines(got: bytes, pieces: list[bytes]) -> str | None:
    """What the student's handler did, from what the client received; None if it was right."""
    expected, lines = _expected_lines(b"".join(pieces))
    if got == expected:
        return None
    if not got:
        return "el cliente no recibió ninguna respuesta"
    said = f"el cliente recibió {brief(got)}"
    asked = count(len(lines), "línea")
    if got == b"".join(PREFIX + p for p in pieces):
        return (f"{said}: respondiste a cada recv tal cual ({count(len(pieces), 'recv', 'recv')} para {asked}), "
                "pero un recv no es un mensaje")
    if got == b"".join(PREFIX + line for line in lines):
        return f"{said}: a cada respuesta le falta el b'\\n' final"
    if b"" in lines and got == b"".join(PREFIX + line + b"\n" for line in lines if line):
        return (f"{said}: no respondiste a la línea vacía (b'\\n' solo); también es un mensaje y su respuesta es "
                "b'Echo: \\n'")
    fragments = [part for p in pieces for part in p.split(b"\n") if part]
    if len(fragments) > len(lines) and got == b"".join(PREFIX + f + b"\n" for f in fragments):
        return (f"{said}: respondiste a pedazos de línea ({brief(fragments[0])} llegó sin su '\\n' y "
                "había que esperar al resto)")
    if not b"".join(pieces).endswith(b"\n") and got == expected[: expected.rindex(PREFIX)]:
        return f"{said}: falta la respuesta a {brief(lines[-1])}, lo que quedaba sin '\\n' cuando el cliente cerró"
    if not b"".join(pieces).endswith(b"\n") and got + b"\n" == expected:
        return (f"{said}: a la respuesta de {brief(lines[-1])}, lo que quedaba sin '\\n' al cerrar, le falta el "
                "b'\\n' final (responde b\"Echo: \" + fragmento + b\"\\n\")")
    if len(got) < len(expected) and expected.startswith(got):
        return (f"el cliente recibió solo los primeros {len(got)} de {len(expected)} bytes de la respuesta: "
                "se perdió el resto")
    if (answers := got.count(PREFIX)) > len(lines):
        return (f"el cliente recibió {count(answers, 'respuesta')} para {asked}: respondiste "
                "antes de tener cada línea completa (un recv trae un fragmento, no una línea)")
    if brief(got) == brief(expected):
        return f"el cliente recibió {len(got)} bytes y esperaba {len(expected)}: {brief(got, 30)}"
    return f"{said} y esperaba {brief(expected)}"


@dataclasses.dataclass
class _Served:
    """What happened when the handler served one client of 8.1."""

    got: bytes  #: every byte the client received, until EOF
    closed: bool  #: the handler closed the connection itself
    conn: _CountingSocket  #: the connection (its count of reads)
    timeout: float | None  #: the timeout the handler left on the connection
    #: seconds of the client's silence after which the handler returned (None: it waited)
    quit_after: float | None = None
    #: reads that ran out of time during that silence, the last one just before it returned
    quit_timeouts: int = 0


def _silence_over(conn: _CountingSocket, finished: Callable[[], bool], quiet: float, read_again: int) -> bool:
    """Whether the handler has shown what it does with the client's silence (see :data:`QUIET`).

    ``quiet``: when the silence began; ``read_again``: ``conn.read_again`` then.
    """
    if finished():
        return True
    silent = time.monotonic() - quiet
    if conn.waits_for_ever():
        return silent >= QUIET
    return silent >= SILENCE_CAP and conn.read_again > read_again


def _serve_lines(
    funcion: Callable[..., Any], ctx: Context, pieces: list[bytes], *, slow: bool = False, quiet_before: int = 0
) -> _Served:
    """Run the handler on a real connection fed with ``pieces``, then the client's half-close.

    ``quiet_before``: the client keeps quiet before that piece (once the handler has read all
    the earlier ones) until :func:`_silence_over`; if the handler returned meanwhile, the rest
    is never sent and ``quit_after`` says after how long of silence it returned.
    """
    client, plain = _connected_pair(ctx, small_buffers=slow)
    conn = _counting(ctx, plain)
    finished = student_finished(funcion)
    reader = _Reader(client, slow)
    quit_after: list[float] = []
    quit_timeouts: list[int] = []

    def feed() -> None:
        try:
            first, rest = (pieces[:quiet_before], pieces[quiet_before:]) if quiet_before else (pieces, [])
            if rest:
                conn.hurry_from = conn.received + sum(map(len, first))
            send_paced(client, first, conn, finished, wait_last=True)
            if rest:
                quiet, read_again, skipped, timeouts = time.monotonic(), conn.read_again, conn.skipped, conn.timeouts
                try:
                    wait_until(lambda: _silence_over(conn, finished, quiet, read_again), SILENCE_CAP, interval=0.005)
                finally:
                    conn.hurry, conn.hurry_from = False, float("inf")
                if finished():  # it returned while the client kept quiet (the virtual seconds count)
                    quit_after.append(time.monotonic() - quiet + conn.skipped - skipped)
                    quit_timeouts.append(conn.timeouts - timeouts if conn.timed_out else 0)
                    return
                send_paced(client, rest, conn, finished, wait_last=True)
            client.shutdown(socket.SHUT_WR)  # the client is done: recv() gives b"" to the handler
        except OSError:
            pass

    feeder = _in_thread(feed, "comprobar-cliente")
    funcion(conn)
    closed = conn.fileno() == -1
    timeout = conn.gettimeout()
    conn.close()  # the end of the conversation, as the caller of the handler would do
    feeder.join(PATIENCE)
    return _Served(reader.result(), closed, conn, timeout, quit_after[0] if quit_after else None,
                   quit_timeouts[0] if quit_timeouts else 0)


def _judge_lines(served: _Served, pieces: list[bytes]) -> None:
    """Fail with what the client received if it is not the answer to ``pieces``."""
    got, timeout = served.got, served.timeout
    problem = _explain_lines(got, pieces)
    if problem and timeout is not None and timeout <= SHORT_TIMEOUT:
        expected = _expected_lines(b"".join(pieces))[0]
        raise Fail(
            f"el cliente recibió {len(got)} bytes en {count(got.count(PREFIX), 'respuesta')} y "
            f"esperaba {len(expected)} en {count(expected.count(PREFIX), 'respuesta')}. "
            f"Tu conexión tenía un timeout de {seconds(timeout)} (settimeout): con un cliente que lee despacio, "
            "sendall() lanza TimeoutError después de enviar solo una parte del eco; si tu código lo atrapa y "
            "sigue (except TimeoutError: continue), lo que faltaba se pierde y la línea se responde a medias "
            "o dos veces. Para enviar no pongas un timeout corto."
        )
    if problem:
        raise Fail(problem)


def _check_lines(
    funcion: Callable[..., Any], ctx: Context, pieces: list[bytes], *, slow: bool = False
) -> _Served:
    """Serve ``pieces`` and fail with what the client received if it is not the answer."""
    served = _serve_lines(funcion, ctx, pieces, slow=slow)
    _judge_lines(served, pieces)
    return served


@lineas.case(
    "dos mensajes que llegan en un solo recv",
    hint="un recv puede traer varios mensajes: separa por b'\\n' y responde a cada línea completa.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, ["hola\nadiós\n".encode()])


@lineas.case(
    "un mensaje partido en varios recv",
    hint="guarda lo que llega en un búfer y responde solo cuando haya una línea completa.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"ho", b"la\nmun", b"do\n"])


@lineas.case(
    "al cerrar el cliente, responde lo que quede sin '\\n'",
    hint="cuando recv devuelve b'' el cliente terminó: responde el fragmento sin '\\n' que quede en el "
    "búfer y sal del bucle.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"uno\ndos"])


@lineas.case(
    "un rato callado entre dos mensajes no es el final",
    hint="el cliente puede callarse un rato entre mensajes: sigue leyendo hasta que recv devuelva b'' (el "
    "cliente cerró), sin un timeout corto que tome el silencio por el final.",
    time_limit=3.0 + SILENCE_CAP,
)
def _(funcion, ctx):
    pieces = [b"ho", b"la\n", b"mun", b"do\n"]
    served = _serve_lines(funcion, ctx, pieces, quiet_before=2)
    if served.quit_after is not None:
        timeout, runs_out = served.conn.read_timeout, served.quit_timeouts
        when, why = f"a los {seconds(served.quit_after, 1)} de silencio", ""
        if runs_out == 1 and timeout:
            when = f"a los {seconds(timeout)} de silencio"
            why = (f"Tu conexión tenía un timeout de {seconds(timeout)} (settimeout): venció durante el silencio y "
                   "tu función lo tomó por el final. ")
        elif runs_out > 1 and timeout:
            when = f"tras {runs_out} timeouts seguidos"
            why = (f"Tu conexión tenía un timeout de {seconds(timeout)} (settimeout): venció {runs_out} veces seguidas "
                   "durante el silencio y tu función lo tomó por el final. ")
        raise Fail(
            f"el cliente envió {brief(b''.join(pieces[:2]))}, se calló y tu función volvió {when}, antes de que el "
            f"cliente cerrara: su segundo mensaje, {brief(b''.join(pieces[2:]))}, ya no tuvo respuesta. {why}El "
            "final es recv() == b'', no el silencio."
        )
    _judge_lines(served, pieces)


@lineas.case(
    "una línea vacía también es un mensaje",
    hint="b'\\n' solo es una línea completa, vacía: respóndela con b'Echo: \\n' (no te saltes las vacías).",
    time_limit=3.0,
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"uno\n\nd", b"os\n"])


@lineas.case(
    "una «ñ» partida entre dos recv",
    hint="trabaja con bytes: medio carácter (b'\\xc3') no se puede decodificar; no decodifiques cada fragmento.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"a\xc3", b"\xb1o\n"])


@lineas.case(
    "lee en bloques, no byte a byte",
    hint="lee en bloques, por ejemplo recv(4096), y busca los b'\\n' en el búfer: byte a byte, una línea "
    "de 1 MiB son un millón de llamadas a recv.",
    time_limit=3.0,
)
def _(funcion, ctx):
    line = b"y" * 20_000 + b"\n"
    conn = _check_lines(funcion, ctx, [line]).conn
    if conn.reads > 100 and conn.largest_read <= TINY_READ:
        raise Fail(
            f"el eco es correcto, pero tu función llamó {conn.reads} veces a recv para {len(line)} bytes, "
            f"pidiendo como mucho {conn.largest_read} cada vez: lee en bloques"
        )


@lineas.case(
    "un cliente que lee despacio y una línea de 1 MiB",
    hint="send() envía solo lo que cabe cuando el cliente lee despacio: usa sendall(), sin un timeout corto. "
    "Y la línea llega en muchos recv: júntalos en el búfer.",
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"x" * BIG + b"\n"], slow=True)


@lineas.case(
    "no cierra la conexión (lo hace quien te llama)",
    hint="no cierres la conexión (ni con `with conexion:`): la cierra quien llamó a tu función.",
    time_limit=3.0,
)
def _(funcion, ctx):
    if _check_lines(funcion, ctx, [b"hola\n"]).closed:
        raise Fail("al volver de tu función la conexión ya estaba cerrada: la cerró tu función")


# -- 8.2 ---------------------------------------------------------------------------
exacto = exercise("8.2", "Recibir exactamente n bytes", "recibir_exacto")


def _receive_exact(
    funcion: Callable[..., Any], ctx: Context, pieces: list[bytes], n: int, *, close: bool = False
) -> tuple[bytes, socket.socket]:
    """Call ``funcion(sock, n)`` while the peer sends ``pieces`` one read at a time (then closes)."""
    sock, peer = _connected_pair(ctx)
    finished = student_finished(funcion)

    def feed() -> None:
        try:
            send_paced(peer, pieces, sock, finished, wait_last=close)
            if close:
                peer.close()
        except OSError:
            pass

    feeder = _in_thread(feed, "comprobar-servidor")
    got = funcion(sock, n)
    feeder.join(PATIENCE)
    return bytes(expect_type(got, (bytes, bytearray))), sock


def _expect_n(got: bytes, expected: bytes) -> None:
    if got == expected:
        return
    n = len(expected)
    if len(got) < n:
        raise Fail(f"se pidieron {n} bytes y devolvió {len(got)}: los demás llegaron después, en otros recv")
    if len(got) > n:
        raise Fail(f"se pidieron {n} bytes y devolvió {len(got)}: leyó de más")
    raise Fail(f"devolvió {n} bytes, pero no los enviados: {brief(got)}")


@exacto.case(
    "junta los fragmentos hasta tener n bytes",
    hint="un recv devuelve lo que haya llegado: repite hasta reunir n bytes.",
    time_limit=3.0,
)
def _(funcion, ctx):
    payload = bytes(range(40))
    got, _ = _receive_exact(funcion, ctx, [payload[:7], payload[7:14], payload[14:]], 40)
    _expect_n(got, payload)


@exacto.case(
    "un bloque grande (300 000 bytes en tres envíos)",
    hint="ningún recv trae 300 000 bytes de una vez: repite hasta reunirlos.",
)
def _(funcion, ctx):
    payload = ctx.rng.randbytes(300_000)
    got, _ = _receive_exact(funcion, ctx, [payload[i : i + 100_000] for i in range(0, 300_000, 100_000)], 300_000)
    _expect_n(got, payload)


@exacto.case(
    "no lee de más: lo que sobra queda para el siguiente recv",
    hint="pide a recv como mucho lo que falta: recv(n - recibidos).",
    time_limit=3.0,
)
def _(funcion, ctx):
    got, sock = _receive_exact(funcion, ctx, [b"01234", b"56789ABCDEF"], 10)
    _expect_n(got, b"0123456789")
    left = unread(sock)
    if left is None:  # this system cannot count unread bytes: try to read them, briefly
        sock.settimeout(0.2)
        try:
            left = len(sock.recv(100))
        except TimeoutError:
            left = 0
    if left < 6:
        raise Fail(
            f"devolvió los 10 bytes pedidos, pero leyó también {6 - left} de los 6 siguientes (b'ABCDEF'), "
            "que ya no están en el socket para quien lea después"
        )


@exacto.case(
    "si el otro lado cierra antes de tiempo, lanza ConnectionError",
    hint="si recv devuelve b'' antes de tener n bytes, lanza ConnectionError (no devuelvas menos).",
    time_limit=3.0,
)
def _(funcion, ctx):
    expect_connection_error(  # another exception is reported as the student's, with the hint
        lambda: _receive_exact(funcion, ctx, [b"x" * 30], 100, close=True),
        returned=lambda got: (f"el otro lado cerró tras enviar 30 de los 100 bytes y tu función devolvió "
                              f"{len(got[0])} bytes sin avisar"),
    )


# -- 8.3 ---------------------------------------------------------------------------
cliente = exercise("8.3", "El cliente de eco, arreglado", "enviar_mensaje")


class _EchoPeer:
    """The checker's plain echo server for one connection, in its own thread.

    It reads the whole message, then echoes it back cut at ``cuts`` (byte offsets), each
    piece sent only after the student's socket read the previous one. ``slow``: it starts
    reading ``SLOW_START`` seconds after the first byte came, so a ``send()`` can fit only a
    part. If the message stops short (nothing for ``IDLE`` seconds: a part was never sent; or
    the student's function returned), it echoes what came and closes, so the student's code
    does not wait for ever. If the student's code, with the whole echo read, waits in ``recv()``
    for more (an echo server never closes: it waits for the server to close, after a
    ``shutdown`` perhaps), the peer notes it in ``waited`` and closes its side, so that the wait
    ends in ``b""`` and the case can say what happened instead of running out of time.
    """

    def __init__(
        self,
        conn: socket.socket,
        client: _CountingSocket,
        expected: bytes,
        cuts: tuple[int, ...],
        slow: bool,
        finished: Callable[[], bool],
    ) -> None:
        self._conn, self._client, self._expected = conn, client, expected
        self._cuts, self._slow, self._finished = cuts, slow, finished
        self._before = client.received  # what the student's socket had read before this message
        self.received = b""
        #: The student's code waited in recv() with the whole echo read: "half-closed" if it had
        #: shut its side down (shutdown) first, "open" if not, "" if it did not wait.
        self.waited = ""
        #: The timeout of that wait's recv() (None: none), to name it if it was the student's.
        self.wait_timeout: float | None = None
        #: That wait had a timeout of the student's own: it waited for a silence, not for the close.
        self.for_silence = False
        self._read = threading.Event()  # set once ``received`` is final
        self._thread = _in_thread(self._run, "comprobar-eco")

    @property
    def short(self) -> bool:
        return len(self.received) < len(self._expected)

    @property
    def student_read(self) -> int:
        """Bytes the student's socket has read since this message began."""
        return self._client.received - self._before

    def wait_read(self) -> None:
        """Wait until the peer has read all it will (it stops once the student's function returned)."""
        self._read.wait(PATIENCE)

    def join(self) -> None:
        """Wait until the peer is done (so that ``waited`` is final)."""
        self._thread.join(PATIENCE)

    def _more_coming(self) -> bool:
        """Wait until the student's next bytes are readable; False once they will not come
        (the student's function returned, or nothing came for ``IDLE`` seconds)."""
        deadline = time.monotonic() + IDLE
        while time.monotonic() < deadline:
            if select.select([self._conn], [], [], 0.05)[0]:
                return True
            if self._finished():
                return False
        return False

    def _watch_for_a_wait(self) -> None:
        """After the whole echo was sent: a ``recv()`` of the student's with all of it read waits
        for bytes that will never come. Note how, and close our side to end that wait."""
        everything = self._before + len(self.received)
        client = self._client
        waits = wait_until(
            lambda: self._finished() or (client.reading and client.received >= everything), PATIENCE, interval=0.005
        )
        if waits and not self._finished():
            self.wait_timeout = client.read_timeout
            self.for_silence = not client.waits_for_ever()
            self.waited = "half-closed" if _half_closed(self._conn) else "open"
            self._conn.shutdown(socket.SHUT_WR)

    def _run(self) -> None:
        try:
            got = bytearray()
            try:
                if self._slow and self._more_coming():
                    time.sleep(SLOW_START)  # the slowness under test
                while len(got) < len(self._expected) and self._more_coming():
                    if not (data := self._conn.recv(65536)):
                        break
                    got += data
            finally:
                self.received = bytes(got)
                self._read.set()
            bounds = [0, *(c for c in self._cuts if 0 < c < len(got)), len(got)]
            pieces = [bytes(got[a:b]) for a, b in itertools.pairwise(bounds) if b > a]
            send_paced(self._conn, pieces, self._client, self._finished, wait_last=self.short)
            if self.short:
                self._conn.close()
            else:
                self._watch_for_a_wait()
        except (OSError, ValueError):  # the case ended and closed the sockets
            pass


def _half_closed(conn: socket.socket) -> bool:
    """Whether the other end of ``conn`` has shut its sending side down (FIN, nothing left unread)."""
    return bool(select.select([conn], [], [], 0)[0]) and conn.recv(1, socket.MSG_PEEK) == b""


def _echo_case(
    funcion: Callable[..., Any], ctx: Context, message: str, cuts: tuple[int, ...] = (), *, slow: bool = False
) -> None:
    plain, conn = _connected_pair(ctx, small_buffers=slow)
    sock = _counting(ctx, plain)
    expected = message.encode("utf-8")
    peer = _EchoPeer(conn, sock, expected, cuts, slow, student_finished(funcion))
    try:
        answer = funcion(sock, message)
    except Exception as exc:
        _check_server_got(peer, expected, exc)
        _check_waited(peer, exc)
        _check_reading(peer, message, exc)
        raise
    _check_server_got(peer, expected, None)
    _check_waited(peer, None)
    answer = expect_type(answer, str)
    if answer == message:
        return
    _check_reading(peer, message, None)
    if len(answer) < len(message) and message.startswith(answer):
        raise Fail(
            f"devolvió solo los primeros {len(answer)} de {len(message)} caracteres: falta el resto de la respuesta"
        )
    shown = brief(answer) if len(answer) < 60 else f"{brief(answer, 40)} ({len(answer)} caracteres)"
    raise Fail(f"se esperaba el mismo mensaje ({len(message)} caracteres) y devolvió {shown}")


def _check_waited(peer: _EchoPeer, error: BaseException | None) -> None:
    """If the student's code, with the whole echo read, still waited in recv(), that is the mistake to report.

    What it waited for is told by who set the read's timeout (``for_silence``): a timeout the
    student set, whatever its value, means it waited for a silence; none, or the checker's
    :data:`STUDENT_TIMEOUT` left as it was, for the close.
    """
    peer.join()
    if not peer.waited:
        return
    timeout = peer.wait_timeout
    if peer.for_silence and timeout is not None:
        raise Fail(
            f"tu función leyó la respuesta entera y siguió esperando en recv() (timeout de {seconds(timeout)}) por si "
            "llegaba más: el silencio no dice que la respuesta acabó (un servidor lento se calla a mitad de una "
            "respuesta). Lee tantos bytes como enviaste y para ahí."
        ) from error
    why = ("cerró su lado del socket (shutdown) y, con la respuesta ya entera, siguió esperando en recv() a que "
           "el servidor cerrara" if peer.waited == "half-closed" else
           "leyó la respuesta entera y siguió esperando en recv() más datos, que solo acabarían en b'' si el "
           "servidor cerrara")
    raise Fail(
        f"tu función {why}: no lo hará, la conexión sigue abierta para el mensaje siguiente (aquí el corrector cerró "
        "su lado para que tu función no esperara para siempre). Lee tantos bytes como enviaste."
    ) from error


def _check_reading(peer: _EchoPeer, message: str, error: BaseException | None) -> None:
    """Explain a wrong answer (or an exception) from how much the student's code read.

    Called after :func:`_check_waited`: a wait for more, once all was read, is the mistake to name first.
    """
    size = len(message.encode("utf-8"))
    if peer.student_read == len(message) < size:
        decode = (" (de ahí el UnicodeDecodeError: lo leído acaba a mitad de una «ñ»)"
                  if isinstance(error, UnicodeDecodeError) else "")
        raise Fail(
            f"tu función leyó {len(message)} de los {size} bytes de la respuesta y paró ahí: {len(message)} es "
            f"len(mensaje), que cuenta caracteres, y en UTF-8 la «ñ» ocupa 2 bytes{decode}"
        ) from error


def _check_server_got(peer: _EchoPeer, expected: bytes, error: BaseException | None) -> None:
    """If the server did not get the message whole and in UTF-8, that is the mistake to report."""
    peer.wait_read()
    got = peer.received
    if got == expected or (error is not None and (not got or isinstance(error, NotImplementedError))):
        return  # nothing to add: the student's own exception (or none) tells what happened
    if not got:
        raise Fail("el servidor no recibió nada: tu función no envió el mensaje") from error
    if not expected.startswith(got):
        raise Fail(f"el servidor recibió {brief(got)}, que no es el mensaje codificado en UTF-8") from error
    raise Fail(
        f"el servidor recibió solo {len(got)} de los {len(expected)} bytes del mensaje: tu función no lo envió "
        "entero (¿send() sin mirar cuántos bytes envió?)"
    ) from error


@cliente.case(
    "un mensaje corto",
    hint="envía con sendall(mensaje.encode('utf-8')) y devuelve texto (str): decodifica la respuesta.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _echo_case(funcion, ctx, "hola")


@cliente.case(
    "5000 caracteres que vuelven en varios fragmentos",
    hint="la respuesta llega en varios fragmentos: lee hasta tener tantos bytes como enviaste.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _echo_case(funcion, ctx, "abcdefghij" * 500, cuts=(1000, 3000))


@cliente.case(
    "acentos: cuenta bytes, no caracteres",
    hint="'ñ' ocupa 2 bytes en UTF-8: espera len(mensaje.encode('utf-8')) bytes, no len(mensaje).",
    time_limit=4.0,
)
def _(funcion, ctx):
    message = "año pequeño " * 300  # 3600 caracteres, 4200 bytes
    _echo_case(funcion, ctx, message, cuts=(len(message),))  # who reads len(mensaje) bytes stops there


@cliente.case(
    "una «ñ» partida entre dos fragmentos de la respuesta",
    hint="junta los bytes de la respuesta y decodifica al final: medio carácter no se puede decodificar.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _echo_case(funcion, ctx, "mañana por la mañana", cuts=(3,))  # b"ma\xc3" | b"\xb1ana..."


@cliente.case(
    "un servidor que lee despacio y un mensaje de 1 MiB",
    hint="send() envía solo lo que cabe cuando el otro lado lee despacio: usa sendall().",
)
def _(funcion, ctx):
    _echo_case(funcion, ctx, "abcdefghij" * (BIG // 10), slow=True)


def _returned_times(funcion: Callable[..., Any], k: int) -> Callable[[], bool]:
    """A predicate: the student's function has been called ``k`` times and has returned."""
    return lambda: getattr(funcion, "calls", 0) >= k and not getattr(funcion, "running", False)


@cliente.case(
    "dos mensajes seguidos por el mismo socket",
    hint="el socket sigue abierto para el mensaje siguiente: no lo cierres ni hagas shutdown, y no esperes a "
    "que el servidor cierre (no lo hará): lee tantos bytes como enviaste.",
    time_limit=3.0,
)
def _(funcion, ctx):
    plain, conn = _connected_pair(ctx)
    sock = _counting(ctx, plain)
    for k, message in enumerate(("primero", "segundo"), start=1):
        expected = message.encode("utf-8")
        peer = _EchoPeer(conn, sock, expected, (), False, _returned_times(funcion, k))
        answer = funcion(sock, message)
        _check_server_got(peer, expected, None)
        _check_waited(peer, None)
        if expect_type(answer, str) != message:
            raise Fail(f"el mensaje número {k} ({message!r}) devolvió {brief(answer)}")
        if k == 2:
            return
        if sock.fileno() == -1:
            raise Fail("tras el primer mensaje el socket estaba cerrado: lo cerró tu función (¿un `with sock:`?)")
        if _half_closed(conn):
            raise Fail("tras el primer mensaje tu función cerró su lado del socket (shutdown): el servidor ya no "
                       "puede recibir el segundo")
