"""Exercises of notebook 02, "Conectarse a un servidor": refusal, connect and read timeouts, for real.

Every case dials a real server on loopback: an echo server that answers, a closed port
(``ConnectionRefusedError``), a server whose accept queue is full (``connect`` times out)
and a server that accepts and never answers (``recv`` times out). The cases also check
that a failed attempt closes its socket, because the guide's clients leak it.
"""

from __future__ import annotations

import socket

from ..echo import EchoServer
from ..faults import ClosedPort, NeverAccepts, Silent
from . import Fail, exercise
from ._checks import no_unclosed_sockets

#: The timeout each case passes to the student's function (seconds): short, so cases are fast.
TIMEOUT = 0.3


def _connected_to(sock: object, server: EchoServer, ctx) -> socket.socket:
    """Check that ``sock`` is a socket connected to ``server`` and that it really talks to it."""
    if not isinstance(sock, socket.socket):
        raise Fail(f"se esperaba un socket conectado y devolvió {sock!r:.60}")
    ctx.own(sock)
    try:
        peer = sock.getpeername()
    except OSError:
        raise Fail("el socket devuelto no está conectado (getpeername() falla)") from None
    if peer[:2] != server.address:
        raise Fail("el socket devuelto está conectado a otro servidor, no al que se esperaba")
    sock.settimeout(1)
    sock.sendall(b"hola")
    answer = sock.recv(1024)
    if answer != b"Echo: hola":
        raise Fail(f"el servidor de eco debía responder b'Echo: hola' y se recibió {answer!r}")
    return sock


# -- 2.1 ---------------------------------------------------------------------------
conectar = exercise("2.1", "Conectar sin colgarse", "conectar")


@conectar.case(
    "se conecta al servidor de eco y devuelve el socket conectado",
    hint="crea el socket, settimeout(timeout), connect((host, puerto)) y devuelve el socket.",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    sock = _connected_to(funcion(server.host, server.port, TIMEOUT), server, ctx)
    if sock.gettimeout() is None:
        raise Fail("el socket devuelto no tiene timeout: un recv() sin respuesta esperaría para siempre")


@conectar.case(
    "puerto cerrado: devuelve None y cierra el socket",
    hint="captura ConnectionRefusedError, cierra el socket (close()) y devuelve None.",
)
def _(funcion, ctx):
    closed = ctx.own(ClosedPort())
    with no_unclosed_sockets():
        result = funcion(closed.host, closed.port, TIMEOUT)
        if result is not None:
            ctx.own(result)
            raise Fail(f"en un puerto cerrado se esperaba None y devolvió {result!r:.60}")


@conectar.case(
    "servidor que nunca acepta: devuelve None al agotar el timeout y cierra el socket",
    hint="pon settimeout(timeout) ANTES de connect() y captura TimeoutError (socket.timeout es lo mismo).",
    time_limit=3.0,
)
def _(funcion, ctx):
    full = ctx.own(NeverAccepts())
    with no_unclosed_sockets():
        result = funcion(full.host, full.port, TIMEOUT)
        if result is not None:
            ctx.own(result)
            raise Fail(f"si connect() agota el tiempo se esperaba None y devolvió {result!r:.60}")


# -- 2.2 ---------------------------------------------------------------------------
diagnostico = exercise("2.2", "¿Qué le pasa a este servidor?", "diagnosticar")

RESPUESTAS = ("rechazada", "timeout al conectar", "timeout al leer", "responde")


def _diagnose(funcion, server, expected: str) -> None:
    with no_unclosed_sockets():
        answer = funcion(server.address, TIMEOUT)
    if answer not in RESPUESTAS:
        raise Fail(f"la respuesta debe ser una de {', '.join(map(repr, RESPUESTAS))} y fue {answer!r:.60}")
    if answer != expected:
        raise Fail(f"se esperaba {expected!r} y tu función dijo {answer!r}")


@diagnostico.case(
    "un servidor que responde: 'responde'",
    hint="create_connection(direccion, timeout), sendall(b'hola') y recv(): si llegan datos, 'responde'.",
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(EchoServer()), "responde")


@diagnostico.case(
    "un puerto cerrado: 'rechazada'",
    hint="connect() lanza ConnectionRefusedError cuando nadie escucha en el puerto.",
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(ClosedPort()), "rechazada")


@diagnostico.case(
    "un servidor que nunca acepta: 'timeout al conectar'",
    hint="el TimeoutError que sale de connect() es de conexión: usa un try solo alrededor de connect().",
    time_limit=3.0,
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(NeverAccepts()), "timeout al conectar")


@diagnostico.case(
    "un servidor que acepta y calla: 'timeout al leer'",
    hint="la conexión funciona, pero recv() lanza TimeoutError: ese try es otro, alrededor de recv().",
    time_limit=3.0,
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(Silent()), "timeout al leer")


# -- 2.3 ---------------------------------------------------------------------------
primero = exercise("2.3", "El primer servidor disponible", "primer_disponible")


def _first(funcion, ctx, addresses: list, timeout: float = TIMEOUT):
    with no_unclosed_sockets("al probar las direcciones que fallan, tu función"):
        result = funcion(addresses, timeout)
        if result is not None:
            ctx.own(result)
    return result


@primero.case(
    "salta un puerto cerrado y se queda con el siguiente",
    hint="recorre las direcciones en orden; si connect() lanza ConnectionRefusedError, cierra y sigue.",
)
def _(funcion, ctx):
    closed, echo = ctx.own(ClosedPort()), ctx.own(EchoServer())
    _connected_to(_first(funcion, ctx, [closed.address, echo.address]), echo, ctx)


@primero.case(
    "devuelve el primero que acepta, no el último",
    hint="en cuanto una conexión funcione, devuélvela sin probar las demás.",
)
def _(funcion, ctx):
    first, second = ctx.own(EchoServer()), ctx.own(EchoServer())
    _connected_to(_first(funcion, ctx, [first.address, second.address]), first, ctx)


@primero.case(
    "salta también un servidor que nunca acepta, sin esperar de más",
    hint="con settimeout(timeout) antes de connect() el intento fallido termina en TimeoutError.",
    time_limit=3.0,
)
def _(funcion, ctx):
    full, closed, echo = ctx.own(NeverAccepts()), ctx.own(ClosedPort()), ctx.own(EchoServer())
    _connected_to(_first(funcion, ctx, [full.address, closed.address, echo.address]), echo, ctx)


@primero.case(
    "si ninguno acepta, devuelve None",
    hint="después del bucle, si ninguna dirección funcionó, return None.",
    time_limit=3.0,
)
def _(funcion, ctx):
    closed, full = ctx.own(ClosedPort()), ctx.own(NeverAccepts())
    result = _first(funcion, ctx, [closed.address, full.address])
    if result is not None:
        raise Fail(f"ninguna dirección aceptaba y tu función devolvió {result!r:.60}")
