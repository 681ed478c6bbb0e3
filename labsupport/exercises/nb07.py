"""Exercises of notebook 07, "Excepciones": real failures from the fault servers, never faked.

Every exception a case hands to the student, or expects from the student's code, is
produced on loopback by :mod:`labsupport.faults` (a refused port, a full accept queue, a
silent server, a reset, a hang-up, a name resolved with ``AI_NUMERICHOST``). The only
exception built by hand is ``EHOSTUNREACH``, which loopback cannot produce; the case says so.
"""

from __future__ import annotations

import errno
import socket
import threading
import time

from .. import faults
from ..echo import EchoServer
from . import Fail, exercise
from ._checks import no_unclosed_sockets


def _capture(action) -> BaseException:
    """Run ``action`` and return the exception it raises (it must raise one)."""
    try:
        action()
    except BaseException as exc:  # the point is to keep whatever it was
        return exc
    raise AssertionError("se esperaba una excepción y no se produjo ninguna")  # a bug of this module


def _dial(address: tuple[str, int], timeout: float) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


# -- 7.1 ---------------------------------------------------------------------------
clasificar = exercise("7.1", "Clasificar una excepción de red", "clasificar_error")

_ORDER_HINT = (
    "comprueba primero las clases más concretas: gaierror, TimeoutError, ConnectionRefusedError, "
    "ConnectionResetError y BrokenPipeError son todas subclases de OSError."
)


def _expect_category(funcion, exc: BaseException, expected: str) -> None:
    got = funcion(exc)
    if got != expected:
        raise Fail(f"para {type(exc).__name__} se esperaba {expected!r} y tu función devolvió {got!r}")


@clasificar.case(
    "un nombre que no se resuelve (socket.gaierror) → 'nombre'",
    hint="usa isinstance(error, socket.gaierror) antes de comprobar OSError: " + _ORDER_HINT,
    time_limit=2.0,
)
def _(funcion, ctx):
    exc = _capture(lambda: faults.resolve_numeric(faults.unresolvable_host(), 80))
    _expect_category(funcion, exc, "nombre")


@clasificar.case(
    "connect() a un puerto cerrado (ConnectionRefusedError) → 'rechazada'",
    hint=_ORDER_HINT,
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.ClosedPort())
    exc = _capture(lambda: ctx.own(_dial(server.address, 1.0)))
    _expect_category(funcion, exc, "rechazada")


@clasificar.case(
    "connect() y recv() que agotan el tiempo (TimeoutError) → 'tiempo'",
    hint="socket.timeout es TimeoutError: isinstance(error, TimeoutError) vale para connect y para recv.",
    time_limit=3.0,
)
def _(funcion, ctx):
    full = ctx.own(faults.NeverAccepts())
    if full.client_exception is TimeoutError:  # Windows refuses instead of dropping the SYN
        _expect_category(funcion, _capture(lambda: ctx.own(_dial(full.address, 0.2))), "tiempo")
    silent = ctx.own(faults.Silent())
    sock = ctx.own(_dial(silent.address, 1.0))
    sock.settimeout(0.2)
    _expect_category(funcion, _capture(lambda: sock.recv(100)), "tiempo")


@clasificar.case(
    "el servidor corta con RST (ConnectionResetError) → 'reiniciada'",
    hint=_ORDER_HINT,
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.Reset(wait_for=b""))
    sock = ctx.own(_dial(server.address, 1.0))
    sock.sendall(b"hola")
    _expect_category(funcion, _capture(lambda: sock.recv(100)), "reiniciada")


@clasificar.case(
    "escribir en una conexión que el otro cerró (BrokenPipeError) → 'tubería rota'",
    hint="BrokenPipeError es un ConnectionError, como ConnectionResetError: compruébalo por su nombre.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.Hangup())
    sock = ctx.own(_dial(server.address, 1.0))
    exc = _capture(lambda: faults.write_until_broken_pipe(sock))
    if not isinstance(exc, BrokenPipeError):  # another system's answer (see Hangup.on_other_systems)
        raise Fail(f"este sistema dio {type(exc).__name__} en vez de BrokenPipeError; avisa al profesor")
    _expect_category(funcion, exc, "tubería rota")


@clasificar.case(
    "otro OSError → 'sistema'; lo que no es de red (TypeError) → 'programa'",
    hint="el último caso de OSError es 'sistema'; y lo que no es OSError es un fallo del programa, no de la red.",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    clash = ctx.own(socket.socket())
    in_use = _capture(lambda: clash.bind(server.address))  # EADDRINUSE, for real
    _expect_category(funcion, in_use, "sistema")
    # Loopback cannot produce EHOSTUNREACH (it needs a router): this one is built by hand.
    _expect_category(funcion, OSError(errno.EHOSTUNREACH, "No route to host"), "sistema")
    sock = ctx.own(_dial(server.address, 1.0))
    _expect_category(funcion, _capture(lambda: sock.sendall("texto, no bytes")), "programa")


# -- 7.2 ---------------------------------------------------------------------------
probar = exercise("7.2", "¿Abierto, cerrado o filtrado?", "probar_puerto")


def _expect_state(funcion, address: tuple[str, int], expected: str, timeout: float = 0.3) -> None:
    got = funcion(address, timeout)
    if got != expected:
        raise Fail(f"se esperaba {expected!r} y tu función devolvió {got!r}")


@probar.case(
    "un servidor que acepta → 'abierto'",
    hint="si connect() funciona, el puerto está abierto: cierra el socket y devuelve 'abierto'.",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    _expect_state(funcion, server.address, "abierto")


@probar.case(
    "nadie escucha (ConnectionRefusedError) → 'cerrado'",
    hint="captura ConnectionRefusedError: el sistema del otro lado respondió «aquí no hay nadie».",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.ClosedPort())
    _expect_state(funcion, server.address, "cerrado")


@probar.case(
    "no llega respuesta (TimeoutError) → 'filtrado', sin esperar más que el timeout",
    hint="pon settimeout(timeout) ANTES de connect() y captura TimeoutError: sin timeout, connect() "
    "espera más de un minuto.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.NeverAccepts())
    expected = "filtrado" if server.client_exception is TimeoutError else "cerrado"  # Windows: refused
    _expect_state(funcion, server.address, expected)


@probar.case(
    "cierra el socket en los tres casos",
    hint="usa `with socket.socket() as s:` (o close() en un finally): también cuando connect() falla.",
    time_limit=4.0,
)
def _(funcion, ctx):
    servers = [ctx.own(EchoServer()), ctx.own(faults.ClosedPort()), ctx.own(faults.NeverAccepts())]

    with no_unclosed_sockets():
        for server in servers:
            funcion(server.address, 0.3)


# -- 7.3 ---------------------------------------------------------------------------
esperar = exercise("7.3", "Esperar a que un servidor arranque, con backoff", "esperar_servidor")


class _LateServer:
    """A port that refuses connections now and gets an echo server ``after`` seconds later.

    The port is held by a :class:`~labsupport.faults.ClosedPort` until the echo server takes
    it, so no other program can grab it in between. ``stop()`` cancels what has not happened.
    """

    def __init__(self, after: float) -> None:
        self._closed = faults.ClosedPort()
        self.address = self._closed.address
        self._echo: EchoServer | None = None
        self._lock = threading.Lock()
        self._stopped = False
        self._timer = threading.Timer(after, self._open)
        self._timer.daemon = True
        self._timer.start()

    def _open(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._closed.stop()
            self._echo = EchoServer(self.address[0], self.address[1])

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
        self._timer.cancel()
        self._timer.join(2.0)
        self._closed.stop()
        if self._echo is not None:
            self._echo.stop()


def _outcome(ctx, action) -> str:
    """"ConnectionRefusedError" if ``action`` raised it; otherwise what it did, in Spanish.

    Only text is kept, never the exception: a kept traceback would keep the student's
    frames, and their sockets, alive past the leak check.
    """
    try:
        result = action()
    except ConnectionRefusedError:
        return "ConnectionRefusedError"
    except Exception as exc:
        return f"lanzó {type(exc).__name__}: {exc}"
    if isinstance(result, socket.socket):
        ctx.own(result)
    return f"devolvió {result!r:.60}"


def _check_connected(sock: object, address: tuple[str, int]) -> socket.socket:
    if not isinstance(sock, socket.socket):
        raise Fail(f"se esperaba un socket conectado y tu función devolvió {sock!r:.60}")
    try:
        peer = sock.getpeername()
    except OSError:
        raise Fail("el socket que devolvió tu función no está conectado") from None
    if tuple(peer[:2]) != tuple(address):
        raise Fail("el socket está conectado a otra dirección")
    sock.settimeout(1.0)
    sock.sendall(b"hola")
    if sock.recv(100) != b"Echo: hola":
        raise Fail("el socket no habla con el servidor de eco")
    return sock


@esperar.case(
    "el servidor ya está en marcha: conecta al primer intento y devuelve el socket",
    hint="si connect() funciona, devuelve el socket abierto (no lo cierres: lo usará quien te llamó).",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    ctx.own(_check_connected(funcion(server.address, 6, 0.02), server.address))


@esperar.case(
    "el servidor arranca 0,3 s tarde: reintenta hasta conectar",
    hint="captura ConnectionRefusedError, espera y vuelve a intentarlo con un socket nuevo.",
    time_limit=4.0,
)
def _(funcion, ctx):
    late = ctx.own(_LateServer(after=0.3))
    sock = funcion(late.address, 8, 0.05)
    if isinstance(sock, socket.socket):
        ctx.own(sock)
    _check_connected(sock, late.address)


@esperar.case(
    "nunca arranca: tras los intentos lanza la última excepción, sin sockets abiertos",
    hint="no devuelvas None: tras el último intento vuelve a lanzar la excepción (raise). Y cierra el "
    "socket de cada intento fallido.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.ClosedPort())
    with no_unclosed_sockets():
        got = _outcome(ctx, lambda: funcion(server.address, 4, 0.01))
    if got != "ConnectionRefusedError":
        raise Fail(f"se esperaba que lanzara ConnectionRefusedError y tu función {got}")


@esperar.case(
    "espera cada vez el doble (backoff exponencial)",
    hint="espera espera * 2**intento: 0,04 s, 0,08 s, 0,16 s... (time.sleep).",
    time_limit=4.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.ClosedPort())
    start = time.monotonic()
    got = _outcome(ctx, lambda: funcion(server.address, 5, 0.04))
    elapsed = time.monotonic() - start
    if got != "ConnectionRefusedError":
        raise Fail(f"se esperaba ConnectionRefusedError tras 5 intentos y tu función {got}")
    minimum = 0.04 * (1 + 2 + 4 + 8)  # sleeping can only make it longer, never shorter
    if elapsed < 0.9 * minimum:
        raise Fail(f"con 5 intentos y espera=0.04 las pausas suman al menos {minimum:.2f} s, y tu función "
                   f"terminó en {elapsed:.2f} s: ¿espera siempre lo mismo?")


@esperar.case(
    "un error que no es de red no se reintenta (TypeError al instante)",
    hint="captura solo ConnectionRefusedError y TimeoutError (nunca un except: desnudo ni except Exception): "
    "un error de programación no se arregla esperando.",
    time_limit=2.5,
)
def _(funcion, ctx):
    try:
        outcome = funcion(("127.0.0.1", "80"), 3, 1.0)  # the port as text: a bug, not the network
    except TypeError:
        return
    except Exception as exc:
        raise Fail(f"se esperaba el TypeError de connect() y tu función lanzó {type(exc).__name__}: {exc}") from None
    if isinstance(outcome, socket.socket):
        ctx.own(outcome)
    raise Fail(f"se esperaba que lanzara el TypeError de connect() y tu función devolvió {outcome!r:.60}")
