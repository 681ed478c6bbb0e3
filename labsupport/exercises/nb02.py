"""Exercises of notebook 02, "Conectarse a un servidor": refusal, connect and read timeouts, for real.

Every case dials a real server on loopback: an echo server that answers, a port bound
but never listening (``ConnectionRefusedError``), a server whose accept queue is full
(``connect`` times out), one that accepts and never answers (``recv`` times out) and one
that reads the request and closes without a word (``recv`` returns ``b""``). The cases
also check that a failed attempt closes its socket (the guide's clients leak it) and that
the timeout used is the one passed in: a returned socket must carry exactly that value, and
a read timeout must fire long before a silent server gives up and closes.

Timeouts that must fire are short (``SHORT``); those that must not are generous
(``PATIENT``), so a right answer passes on a loaded machine and a wrong one fails every run.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from .._server import BackgroundServer
from ..echo import EchoServer
from ..events import EventKind
from ..faults import ClosedPort, NeverAccepts, Reset, Silent, Truncate
from . import Context, Fail, exercise
from ._framework import brief
from ._leaks import watch_unclosed

#: A timeout that must fire (seconds): the connect or read timeout the lesson is about.
SHORT = 0.2
#: A timeout that must not fire: talking to a server that does answer.
PATIENT = 5.0
#: How long the silent server of 2.2 stays silent before it closes: a read timeout of
#: ``SHORT`` fires long before; a timeout fixed at 1 s or more in the student's code does not.
SILENCE = 1.0
#: A read timeout that must not fire, well below the 5 s a fault server waits for a request.
READ = 2.0
#: Bound on a case whose right answer waits one ``SHORT`` timeout (or two).
LIMIT_SHORT = 3.0

EXPECTED_ECHO = b"Echo: hola"


def _returned_socket(result: object, ctx: Context, what: str) -> socket.socket:
    """``result`` as a usable TCP socket, or a Fail that says what came back instead."""
    if not isinstance(result, socket.socket):
        shown = "None" if result is None else f"{type(result).__name__}: {brief(result)}"
        raise Fail(f"se esperaba {what} y tu función devolvió {shown}")
    ctx.own(result)
    if result.fileno() == -1:
        raise Fail(
            "el socket devuelto ya está cerrado: ¿lo abriste con `with` (que lo cierra al salir) "
            "o llamaste a close() antes de devolverlo?"
        )
    if result.type != socket.SOCK_STREAM:
        raise Fail("el socket devuelto no es TCP: créalo con socket.SOCK_STREAM (SOCK_DGRAM es UDP)")
    return result


def _connected_to(result: object, server: EchoServer, ctx: Context, timeout: float, what: str) -> socket.socket:
    """Check that ``result`` is connected to ``server``, carries ``timeout`` and really talks to it."""
    sock = _returned_socket(result, ctx, what)
    try:
        peer = sock.getpeername()
    except OSError:
        raise Fail("el socket devuelto no está conectado (getpeername() falla): ¿falta connect()?") from None
    if tuple(peer[:2]) != tuple(server.address):
        raise Fail(f"el socket devuelto está conectado a {peer[0]}:{peer[1]}, no a {what}")
    got = sock.gettimeout()
    if got is None:
        raise Fail(
            "el socket devuelto no tiene timeout (gettimeout() es None): un recv() sin respuesta esperaría para siempre"
        )
    if got != timeout:
        raise Fail(
            f"el socket devuelto tiene un timeout de {got:g} s y le pasaste timeout={timeout:g}: "
            "usa el parámetro timeout, no un número fijo"
        )
    sock.settimeout(PATIENT)
    try:
        sock.sendall(b"hola")
        answer = b""
        while len(answer) < len(EXPECTED_ECHO) and (data := sock.recv(1024)):
            answer += data
    except OSError as exc:
        raise Fail(f"el socket devuelto no pudo hablar con el servidor de eco ({type(exc).__name__}: {exc})") from None
    if answer != EXPECTED_ECHO:
        raise Fail(f"el servidor de eco debía responder {EXPECTED_ECHO!r} y se recibió {brief(answer)}")
    return sock


def _none_expected(result: object, ctx: Context, situation: str) -> None:
    if result is not None:
        if isinstance(result, socket.socket):
            ctx.own(result)
        raise Fail(f"{situation} se esperaba None y tu función devolvió {brief(result)}")


# -- 2.1 ---------------------------------------------------------------------------
conectar = exercise("2.1", "Conectar sin colgarse", "conectar")


@conectar.case(
    "se conecta al servidor de eco y devuelve el socket conectado, con el timeout que le pasas",
    hint="crea el socket, settimeout(timeout), connect((host, puerto)) y devuelve el socket (sin cerrarlo).",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    _connected_to(funcion(server.host, server.port, PATIENT), server, ctx, PATIENT, "el servidor de eco")


@conectar.case(
    "usa el timeout que le pasas (aquí 1.5 s), no uno fijo",
    hint="pasa el parámetro timeout a settimeout() (o a create_connection); no escribas un número fijo.",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    _connected_to(funcion(server.host, server.port, 1.5), server, ctx, 1.5, "el servidor de eco")


@conectar.case(
    "puerto cerrado: devuelve None y cierra el socket",
    hint="captura ConnectionRefusedError, cierra el socket (close()) y devuelve None.",
)
def _(funcion, ctx):
    closed = ctx.own(ClosedPort())
    with watch_unclosed():
        result = funcion(closed.host, closed.port, PATIENT)
        _none_expected(result, ctx, "en un puerto cerrado,")


@conectar.case(
    f"servidor que nunca acepta: devuelve None al agotar el timeout ({SHORT:g} s) y cierra el socket",
    hint=(
        "pon settimeout(timeout) ANTES de connect() (con el timeout que te pasan, no uno fijo) y captura "
        "TimeoutError (socket.timeout es lo mismo); cierra el socket antes de devolver None."
    ),
    time_limit=LIMIT_SHORT,
)
def _(funcion, ctx):
    full = ctx.own(NeverAccepts())
    with watch_unclosed():
        result = funcion(full.host, full.port, SHORT)
        _none_expected(result, ctx, "si connect() agota el tiempo,")


# -- 2.2 ---------------------------------------------------------------------------
diagnostico = exercise("2.2", "¿Qué le pasa a este servidor?", "diagnosticar")

RESPUESTAS = ("rechazada", "timeout al conectar", "timeout al leer", "cerrada", "responde")


#: What a server that never got the request says about the student's code.
NOTHING_SENT = "¿enviaste b'hola' antes de recv()?"


def _heard(server: object) -> bool:
    """Whether a fault server got some of the client's bytes: it logs the request's size before it acts."""
    log = getattr(server, "log", None)
    return log is not None and any(e.kind is EventKind.REQUEST and e.detail != "0 bytes" for e in log())


def _why(expected: str, answer: str, *, elapsed: float, timeout: float, server: object) -> str:
    """What the mismatch says about the student's code, from what actually happened."""
    if expected == "timeout al leer" and answer == "timeout al conectar":
        return (
            "connect() funcionó (el servidor aceptó); el TimeoutError vino de recv(): "
            "pon un try para connect() y otro para recv()"
        )
    if expected == "timeout al conectar" and answer == "timeout al leer":
        return "el TimeoutError salió de connect(), no de recv(): el servidor nunca aceptó la conexión"
    if expected == "timeout al conectar" and answer == "rechazada":
        return (
            "connect() agotó el tiempo, nadie rechazó nada: TimeoutError también es un OSError, así que "
            "`except OSError` lo atrapa; para 'rechazada' captura ConnectionRefusedError"
        )
    if isinstance(server, (Truncate, Reset)) and not _heard(server):
        return f"el servidor esperaba tu petición y no recibió nada: {NOTHING_SENT}"
    if expected == "cerrada" and answer == "responde":
        return "recv() devolvió b'': el servidor cerró sin enviar nada, y b'' no son datos"
    if expected == "timeout al leer" and answer in ("cerrada", "responde") and elapsed >= SILENCE:
        return (
            f"el servidor calló {SILENCE:g} s y después cerró; tu función esperó todo ese tiempo aunque le pasaste "
            f"timeout={timeout:g}: usa el timeout que te pasan, no uno fijo"
        )
    if (
        expected == "responde"
        and answer == "timeout al leer"
        and isinstance(server, EchoServer)
        and not server.received
    ):
        return f"el servidor de eco no recibió nada, así que no tenía nada que devolver: {NOTHING_SENT}"
    return ""


def _diagnose(funcion: Callable[..., Any], server: BackgroundServer, expected: str, timeout: float) -> None:
    start = time.monotonic()
    with watch_unclosed():
        answer = funcion(server.address, timeout)
    elapsed = time.monotonic() - start
    if answer is None:
        raise Fail(
            f"se esperaba {expected!r} y tu función devolvió None: ¿capturaste la excepción sin devolver nada? "
            "Cada caso devuelve su cadena"
        )
    if answer not in RESPUESTAS:
        raise Fail(f"la respuesta debe ser una de {', '.join(map(repr, RESPUESTAS))} y fue {brief(answer)}")
    if answer != expected:
        why = _why(expected, answer, elapsed=elapsed, timeout=timeout, server=server)
        raise Fail(f"se esperaba {expected!r} y tu función dijo {answer!r}" + (f": {why}" if why else ""))


@diagnostico.case(
    "un servidor que responde: 'responde'",
    hint="create_connection(direccion, timeout=timeout), sendall(b'hola') y recv(): si llegan datos, 'responde'.",
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(EchoServer()), "responde", 2.0)


@diagnostico.case(
    "un puerto cerrado: 'rechazada'",
    hint="connect() lanza ConnectionRefusedError cuando nadie escucha en el puerto.",
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(ClosedPort()), "rechazada", PATIENT)


@diagnostico.case(
    f"un servidor que nunca acepta: 'timeout al conectar' (timeout de {SHORT:g} s)",
    hint=(
        "el timeout va puesto ANTES de connect() (create_connection(direccion, timeout=timeout)); el TimeoutError "
        "que sale de connect() es de conexión: un try solo alrededor de la conexión."
    ),
    time_limit=LIMIT_SHORT,
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(NeverAccepts()), "timeout al conectar", SHORT)


@diagnostico.case(
    f"un servidor que acepta y calla: 'timeout al leer' (timeout de {SHORT:g} s)",
    hint=(
        "la conexión funciona, pero recv() lanza TimeoutError con el timeout que te pasan: "
        "ese try es otro, alrededor de recv()."
    ),
    time_limit=LIMIT_SHORT,
)
def _(funcion, ctx):
    _diagnose(funcion, ctx.own(Silent(hold=SILENCE)), "timeout al leer", SHORT)


@diagnostico.case(
    "un servidor que lee y cierra sin responder: 'cerrada'",
    hint="si recv() devuelve b'' el otro extremo cerró sin enviar nada: eso es 'cerrada', no 'responde'.",
)
def _(funcion, ctx):
    # The client's timeout (READ) is far shorter than the server's own (5 s): a recv() before
    # sending runs out first on every run, and the report says why.
    _diagnose(funcion, ctx.own(Truncate(payload=b"", keep=0, wait_for=b"")), "cerrada", READ)


@diagnostico.case(
    "un servidor que lee y corta la conexión (RST): el ConnectionResetError sale de tu función",
    hint=(
        "los cinco diagnósticos son cinco casos concretos; cualquier otro error (p. ej. ConnectionResetError) "
        "no es un 'timeout al leer': captura solo TimeoutError alrededor de recv() y deja que salga lo demás."
    ),
)
def _(funcion, ctx):
    server = ctx.own(Reset())
    answer, raised = None, False
    with watch_unclosed():
        try:
            answer = funcion(server.address, READ)
        except ConnectionResetError:
            raised = True
    if raised:
        return
    if not _heard(server):
        raise Fail(
            f"tu función dijo {brief(answer)}, y el servidor no recibió nada, así que no llegó a cortar la "
            f"conexión: {NOTHING_SENT}"
        )
    raise Fail(
        f"el servidor cortó la conexión con RST, así que recv() lanzó ConnectionResetError, y tu función lo "
        f"convirtió en {brief(answer)}: ese error no es ninguno de los cinco diagnósticos; deja que salga "
        "(¿un except OSError alrededor de recv()? captura solo TimeoutError)"
    )


# -- 2.3 ---------------------------------------------------------------------------
primero = exercise("2.3", "El primer servidor disponible", "primer_disponible")


def _first(funcion: Callable[..., Any], ctx: Context, addresses: list[tuple[str, int]], timeout: float) -> object:
    with watch_unclosed("al probar las direcciones que fallan, tu función"):
        result = funcion(addresses, timeout)
        if isinstance(result, socket.socket):
            ctx.own(result)
    return result


@primero.case(
    "salta un puerto cerrado y se queda con el siguiente",
    hint="recorre las direcciones en orden; si connect() lanza ConnectionRefusedError, cierra ese socket y sigue.",
)
def _(funcion, ctx):
    closed, echo = ctx.own(ClosedPort()), ctx.own(EchoServer())
    result = _first(funcion, ctx, [closed.address, echo.address], PATIENT)
    _connected_to(result, echo, ctx, PATIENT, "la segunda dirección (la primera que acepta)")


@primero.case(
    "devuelve el primero que acepta, no el último",
    hint="en cuanto una conexión funcione, devuélvela sin probar las demás.",
)
def _(funcion, ctx):
    first, second = ctx.own(EchoServer()), ctx.own(EchoServer())
    result = _first(funcion, ctx, [first.address, second.address], PATIENT)
    _connected_to(result, first, ctx, PATIENT, "la primera dirección")


@primero.case(
    f"salta también un servidor que nunca acepta, con el timeout que le pasas ({SHORT:g} s)",
    hint=(
        "settimeout(timeout) antes de connect(), con el timeout que te pasan: el intento fallido termina en "
        "TimeoutError (captura OSError, que incluye a TimeoutError y a ConnectionRefusedError) y sigues."
    ),
    time_limit=LIMIT_SHORT,
)
def _(funcion, ctx):
    full, closed, echo = ctx.own(NeverAccepts()), ctx.own(ClosedPort()), ctx.own(EchoServer())
    result = _first(funcion, ctx, [full.address, closed.address, echo.address], SHORT)
    _connected_to(result, echo, ctx, SHORT, "la tercera dirección (la primera que acepta)")


@primero.case(
    "si ninguno acepta, devuelve None",
    hint="después del bucle, si ninguna dirección funcionó, return None.",
    time_limit=LIMIT_SHORT,
)
def _(funcion, ctx):
    closed, full = ctx.own(ClosedPort()), ctx.own(NeverAccepts())
    result = _first(funcion, ctx, [closed.address, full.address], SHORT)
    _none_expected(result, ctx, "ninguna dirección aceptaba:")


@primero.case(
    "una lista vacía: devuelve None",
    hint="sin direcciones el bucle no da ninguna vuelta: después del bucle, return None.",
)
def _(funcion, ctx):
    _none_expected(_first(funcion, ctx, [], PATIENT), ctx, "sin direcciones,")
