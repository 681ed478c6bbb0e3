"""8.1 ``manejar_lineas``: an echo handler that answers each line, whatever the pieces it arrives in."""

from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Callable
from typing import Any

from ..._polling import wait_until
from ..._wording import count, seconds
from ...echo import PREFIX
from .. import Context, Fail, brief, exercise
from .._pacing import PATIENCE, send_paced, student_finished
from ._shared import (
    BIG,
    QUIET,
    SHORT_TIMEOUT,
    SILENCE_CAP,
    TINY_READ,
    _connected_pair,
    _counting,
    _CountingSocket,
    _in_thread,
    _Reader,
)

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
                wait_until(lambda: conn.silence_marks is not None or finished(), PATIENCE, interval=0.005)
                quiet, read_again, skipped, timeouts = conn.silence_marks or (
                    time.monotonic(), conn.read_again, conn.skipped, conn.timeouts)
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
