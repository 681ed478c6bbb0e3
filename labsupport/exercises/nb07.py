"""Exercises of notebook 07, "Excepciones": real failures from the fault servers, never faked.

Every exception a case hands to the student, or expects from the student's code, is
produced on loopback by :mod:`labsupport.faults` (a refused port, a full accept queue, a
silent server, a reset, a hang-up, a name resolved with ``AI_NUMERICHOST``, a port in use,
a Unix socket path that does not exist). Two are built by hand because loopback cannot
produce them, and the case says so: ``EHOSTUNREACH`` (it needs a router) and
``ConnectionAbortedError`` (the local system aborting a connection, mostly Windows).

Timing is used only where it cannot go wrong: a lower bound (a timeout never fires early,
a ``sleep`` never ends early), or a time limit many times longer than a right answer needs.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import faults
from .._wording import seconds
from ..echo import EchoServer
from . import Context, Fail, exercise
from ._framework import brief
from ._leaks import watch_unclosed


def _capture(action: Callable[[], object]) -> BaseException:
    """Run ``action`` and return the exception it raises (it must raise one)."""
    try:
        action()
    except BaseException as exc:  # the point is to keep whatever it was
        return exc
    raise AssertionError("se esperaba una excepción y no se produjo ninguna")  # a bug of this module


def _dial(address: tuple[str, int], timeout: float) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


#: A timeout that must fire (the servers never answer): short.
SHORT = 0.2

# -- 7.1 ---------------------------------------------------------------------------
clasificar = exercise("7.1", "Clasificar una excepción de red", "clasificar_error")

_ORDER_HINT = (
    "comprueba primero las clases más concretas: gaierror, TimeoutError, ConnectionRefusedError, "
    "ConnectionResetError y BrokenPipeError son todas subclases de OSError (y las tres últimas, de "
    "ConnectionError)."
)
_CATEGORIES = ("nombre", "tiempo", "rechazada", "cortada", "tubería rota", "sistema", "programa")
#: A dictionary without the key a case looks up (a KeyError, the student program's own error).
_EMPTY: dict[str, int] = {}


def _expect_category(funcion: Callable[..., Any], exc: BaseException, expected: str, what: str = "") -> None:
    got = funcion(exc)
    if got == expected:
        return
    name = what or type(exc).__name__
    why = ""
    if not isinstance(got, str):
        why = f": devuelve una de las categorías, en texto ({', '.join(map(repr, _CATEGORIES))})"
    elif expected == "tiempo" and got == "sistema" and isinstance(exc, OSError) and exc.errno is None:
        why = (": este TimeoutError no tiene errno (lo lanza Python al agotarse su timeout), así que compararlo "
               "con errno.ETIMEDOUT no basta: usa isinstance(error, TimeoutError), antes que OSError")
    elif got == "sistema" and expected != "programa":
        why = f": {type(exc).__name__} es un OSError, pero más concreto; compruébalo antes que OSError"
    elif got == "cortada" and isinstance(exc, ConnectionError):
        why = (f": {type(exc).__name__} es un ConnectionError, pero no un ConnectionResetError; "
               "compara con la clase concreta, no con ConnectionError")
    elif got == "programa" and isinstance(exc, OSError):
        why = (f": {type(exc).__name__} es una subclase de OSError, así que es 'sistema': usa "
               "isinstance(error, OSError), no type(error) == OSError")
    raise Fail(f"para {name} se esperaba {expected!r} y tu función devolvió {brief(got)}{why}")


@clasificar.case(
    "un nombre que no se resuelve (socket.gaierror) → 'nombre'",
    hint="usa isinstance(error, socket.gaierror) antes de comprobar OSError: " + _ORDER_HINT,
    time_limit=3.0,
)
def _(funcion, ctx):
    exc = _capture(lambda: faults.resolve_numeric(faults.unresolvable_host(), 80))
    _expect_category(funcion, exc, "nombre")


@clasificar.case(
    "connect() a un puerto cerrado (ConnectionRefusedError) → 'rechazada'",
    hint=_ORDER_HINT,
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.ClosedPort())
    exc = _capture(lambda: ctx.own(_dial(server.address, 5.0)))
    _expect_category(funcion, exc, "rechazada")


@clasificar.case(
    "connect() y recv() que agotan el tiempo (TimeoutError, con errno None) → 'tiempo'",
    hint="socket.timeout es TimeoutError: isinstance(error, TimeoutError) vale para connect y para recv; el "
    "timeout de Python no trae errno (None), así que no compares con errno.ETIMEDOUT.",
    time_limit=3.0,
)
def _(funcion, ctx):
    full = ctx.own(faults.NeverAccepts())
    if full.client_exception is TimeoutError:  # Windows refuses instead of dropping the SYN
        exc = _capture(lambda: ctx.own(_dial(full.address, SHORT)))
        _expect_category(funcion, exc, "tiempo", "el TimeoutError de connect()")
    silent = ctx.own(faults.Silent())
    sock = ctx.own(_dial(silent.address, 5.0))
    sock.settimeout(SHORT)
    _expect_category(funcion, _capture(lambda: sock.recv(100)), "tiempo", "el TimeoutError de recv()")


@clasificar.case(
    "el servidor corta con RST (ConnectionResetError) → 'cortada'",
    hint=_ORDER_HINT,
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.Reset(wait_for=b""))
    sock = ctx.own(_dial(server.address, 5.0))
    sock.sendall(b"hola")
    _expect_category(funcion, _capture(lambda: sock.recv(100)), "cortada")


@clasificar.case(
    "escribir en una conexión que el otro cerró (BrokenPipeError) → 'tubería rota'",
    hint="BrokenPipeError es un ConnectionError, como ConnectionResetError: compruébalo por su propia clase.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.Hangup())
    sock = ctx.own(_dial(server.address, 5.0))
    exc = _capture(lambda: faults.write_until_broken_pipe(sock))
    if not isinstance(exc, BrokenPipeError):  # another system's answer (see Hangup.on_other_systems)
        raise Fail(f"este sistema dio {type(exc).__name__} en vez de BrokenPipeError; avisa al profesor")
    _expect_category(funcion, exc, "tubería rota")


def _missing_unix_path(ctx: Context) -> BaseException | None:
    """FileNotFoundError from connecting a Unix socket to a path that does not exist (None without AF_UNIX)."""
    if not hasattr(socket, "AF_UNIX"):
        return None
    sock = ctx.own(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    return _capture(lambda: sock.connect(os.path.join(tempfile.gettempdir(), "no-existe-este-socket.sock")))


@clasificar.case(
    "otros OSError, también subclases que no están en la tabla → 'sistema'",
    hint="todo OSError que no sea uno de los cinco de la tabla es 'sistema', también sus subclases "
    "(ConnectionAbortedError, FileNotFoundError): isinstance(error, OSError), y después de los concretos.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    clash = ctx.own(socket.socket())
    _expect_category(funcion, _capture(lambda: clash.bind(server.address)), "sistema", "EADDRINUSE (puerto ocupado)")
    unix = _missing_unix_path(ctx)
    if unix is not None:
        _expect_category(funcion, unix, "sistema", "FileNotFoundError (un socket Unix que no existe)")
    # Loopback cannot produce these two (a router; the local system aborting): built by hand.
    _expect_category(funcion, OSError(errno.EHOSTUNREACH, "No route to host"), "sistema", "EHOSTUNREACH")
    aborted = ConnectionAbortedError(errno.ECONNABORTED, "Software caused connection abort")
    _expect_category(funcion, aborted, "sistema", "ConnectionAbortedError")


@clasificar.case(
    "lo que no es de red → 'programa' (TypeError, ValueError, KeyError)",
    hint="lo que no es OSError es un fallo del programa, no de la red: 'programa' (comprueba OSError, no "
    "Exception).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    sock = ctx.own(_dial(server.address, 5.0))
    _expect_category(funcion, _capture(lambda: sock.sendall("texto, no bytes")), "programa", "TypeError")
    _expect_category(funcion, _capture(lambda: int("ochenta")), "programa", "ValueError")
    _expect_category(funcion, _capture(lambda: _EMPTY["puerto"]), "programa", "KeyError")


# -- 7.2 ---------------------------------------------------------------------------
probar = exercise("7.2", "¿Abierto, cerrado o filtrado?", "probar_puerto")

_STATES = ("abierto", "cerrado", "filtrado")


def _expect_state(
    funcion: Callable[..., Any], address: tuple[str, int], expected: str, timeout: float = SHORT
) -> float:
    """Call ``probar_puerto``, check the answer; return how long it took."""
    start = time.monotonic()
    got = funcion(address, timeout)
    elapsed = time.monotonic() - start
    if got != expected:
        why = ""
        if got not in _STATES:
            why = f": devuelve uno de {_STATES}"
        elif expected == "filtrado" and got == "cerrado":
            why = (": el servidor no respondió (TimeoutError), no lo rechazó; si capturas OSError para "
                   "'cerrado', TimeoutError también cae ahí: captura ConnectionRefusedError")
        elif expected == "cerrado" and got == "filtrado":
            why = ": el sistema respondió que no hay nadie (ConnectionRefusedError): eso es 'cerrado'"
        raise Fail(f"se esperaba {expected!r} y tu función devolvió {brief(got)}{why}")
    return elapsed


@probar.case(
    "un servidor que acepta → 'abierto'",
    hint="si connect() funciona, el puerto está abierto: cierra el socket y devuelve 'abierto'.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    _expect_state(funcion, server.address, "abierto")


@probar.case(
    "nadie escucha (ConnectionRefusedError) → 'cerrado'",
    hint="captura ConnectionRefusedError: el sistema del otro lado respondió «aquí no hay nadie».",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.ClosedPort())
    _expect_state(funcion, server.address, "cerrado")


@probar.case(
    "no llega respuesta (TimeoutError) → 'filtrado', esperando el timeout que le pasas (0,2 s y 1,5 s)",
    hint="pon settimeout(timeout) ANTES de connect(), con el timeout que te pasan (no uno fijo), y captura "
    "TimeoutError: sin timeout, connect() espera más de un minuto.",
    time_limit=6.0,
)
def _(funcion, ctx):
    server = ctx.own(faults.NeverAccepts())
    if server.client_exception is not TimeoutError:  # Windows: a full queue is refused
        _expect_state(funcion, server.address, "cerrado")
        return
    # No fixed timeout passes both: it would have to be >= 1.35 s (a timeout never fires early)
    # and <= 1.2 s (the short wait plus a whole second of margin for a loaded machine).
    short, long_ = SHORT, 1.5
    elapsed = _expect_state(funcion, server.address, "filtrado", short)
    if elapsed > short + 1.0:
        raise Fail(f"con timeout={short:g} tu función tardó {seconds(elapsed, 1)} en rendirse: usaste un timeout "
                   "fijo, no el que te pasan")
    elapsed = _expect_state(funcion, server.address, "filtrado", long_)
    if elapsed < 0.9 * long_:  # a timeout never fires early: a shorter wait is a timeout of its own
        raise Fail(f"con timeout={long_:g} tu función se rindió a los {seconds(elapsed, 1)}: usa el timeout que "
                   "te pasan, no uno fijo")


@probar.case(
    "cierra el socket en los tres casos",
    hint="usa `with socket.socket() as s:` (o close() en un finally): también cuando connect() falla.",
    time_limit=4.0,
)
def _(funcion, ctx):
    servers = [ctx.own(EchoServer()), ctx.own(faults.ClosedPort()), ctx.own(faults.NeverAccepts())]
    with watch_unclosed():
        for server in servers:
            funcion(server.address, SHORT)


# -- 7.3 ---------------------------------------------------------------------------
esperar = exercise("7.3", "Esperar a que un servidor arranque, con espera exponencial", "esperar_servidor")


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
        self._timer.join(5.0)
        self._closed.stop()
        if self._echo is not None:
            self._echo.stop()


def _outcome(ctx: Context, action: Callable[[], object]) -> tuple[str, object]:
    """What ``action`` did: ("raised", exception class name) or ("returned", value), in text.

    Only the class is kept, never the exception: a kept traceback would keep the student's
    frames, and their sockets, alive past the leak check.
    """
    try:
        result = action()
    except Exception as exc:
        return "raised", type(exc).__name__
    if isinstance(result, socket.socket):
        ctx.own(result)
    return "returned", result


def _said(outcome: tuple[str, object]) -> str:
    kind, value = outcome
    return f"lanzó {value}" if kind == "raised" else f"devolvió {brief(value)}"


def _check_connected(sock: object, address: tuple[str, int]) -> socket.socket:
    if not isinstance(sock, socket.socket):
        raise Fail(f"se esperaba un socket conectado y tu función devolvió {brief(sock)}")
    try:
        peer = sock.getpeername()
    except OSError:
        raise Fail("el socket que devolvió tu función no está conectado") from None
    if tuple(peer[:2]) != tuple(address):
        raise Fail("el socket está conectado a otra dirección")
    sock.settimeout(5.0)
    sock.sendall(b"hola")
    answer = b""
    while len(answer) < len(b"Echo: hola") and (data := sock.recv(100)):  # the checker reads in a loop too
        answer += data
    if answer != b"Echo: hola":
        raise Fail("el socket no habla con el servidor de eco")
    return sock


@esperar.case(
    "el servidor ya está en marcha: conecta al primer intento y devuelve el socket",
    hint="si connect() funciona, devuelve el socket abierto (no lo cierres: lo usará quien te llamó).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    ctx.own(_check_connected(funcion(server.address, 6, 0.02, 5.0), server.address))


@esperar.case(
    "el servidor arranca 0,3 s tarde: reintenta hasta conectar",
    hint="captura ConnectionRefusedError, espera y vuelve a intentarlo con un socket nuevo.",
    time_limit=5.0,
)
def _(funcion, ctx):
    late = ctx.own(_LateServer(after=0.3))
    sock = funcion(late.address, 10, 0.02, 5.0)
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
    with watch_unclosed():
        got = _outcome(ctx, lambda: funcion(server.address, 4, 0.01, 5.0))
    if got != ("raised", "ConnectionRefusedError"):
        raise Fail(f"se esperaba que lanzara ConnectionRefusedError y tu función {_said(got)}")


@esperar.case(
    "nunca acepta: reintenta también TimeoutError, cada intento con el timeout que le pasas",
    hint="TimeoutError también se reintenta (el servidor puede estar saturado), y cada intento espera como "
    "mucho `timeout`: socket.create_connection(direccion, timeout=timeout).",
    time_limit=2.5,
)
def _(funcion, ctx):
    server = ctx.own(faults.NeverAccepts())
    if server.client_exception is not TimeoutError:  # Windows refuses a full queue: nothing to time out
        return
    attempts, wait = 3, SHORT
    with watch_unclosed():  # its collection at the end is not the student's time
        start = time.monotonic()
        got = _outcome(ctx, lambda: funcion(server.address, attempts, 0.01, wait))
        elapsed = time.monotonic() - start
    if got != ("raised", "TimeoutError"):
        raise Fail(f"se esperaba que lanzara TimeoutError tras {attempts} intentos y tu función {_said(got)}")
    minimum = attempts * wait  # a timeout never fires early
    if elapsed < 0.9 * minimum:
        raise Fail(f"{attempts} intentos de {seconds(wait, 1)} duran al menos {seconds(minimum, 1)}, y tu función "
                   f"lanzó TimeoutError a los {seconds(elapsed, 1)}: ¿no reintentas TimeoutError, o no usas el "
                   "timeout?")


def _refused_after(funcion: Callable[..., Any], ctx: Context, attempts: int, espera: float) -> float:
    """Run ``esperar_servidor`` on a port that always refuses; it must raise ConnectionRefusedError. Its duration."""
    server = ctx.own(faults.ClosedPort())
    start = time.monotonic()
    got = _outcome(ctx, lambda: funcion(server.address, attempts, espera, 5.0))
    elapsed = time.monotonic() - start
    if got != ("raised", "ConnectionRefusedError"):
        raise Fail(f"se esperaba ConnectionRefusedError tras {attempts} intentos y tu función {_said(got)}")
    return elapsed


@esperar.case(
    "espera cada vez el doble (espera exponencial)",
    hint="espera espera * 2**intento: 0,03 s, 0,06 s, 0,12 s... (time.sleep).",
    time_limit=4.0,
)
def _(funcion, ctx):
    elapsed = _refused_after(funcion, ctx, 5, 0.03)
    minimum = 0.03 * (1 + 2 + 4 + 8)  # sleeping can only make it longer, never shorter
    if elapsed < 0.9 * minimum:
        raise Fail(f"con 5 intentos y espera=0.03 las pausas suman al menos {seconds(minimum, 1)}, y tu función "
                   f"terminó en {seconds(elapsed)}: ¿espera siempre lo mismo?")


@esperar.case(
    "un error que no es de red no se reintenta: sale al momento",
    hint="captura solo ConnectionRefusedError y TimeoutError (nunca un except: desnudo ni except Exception): "
    "un error de programación no se arregla esperando.",
    time_limit=2.5,
)
def _(funcion, ctx):
    # direccion=None is wrong for connect() and for create_connection() alike (TypeError in both);
    # espera=5: a function that retries it sleeps past the time limit, one that does not returns at once.
    got = _outcome(ctx, lambda: funcion(None, 3, 5.0, 5.0))
    if got[0] == "raised" and got[1] not in ("ConnectionRefusedError", "TimeoutError"):
        return
    raise Fail(f"con direccion=None (un fallo del programa) se esperaba que la excepción saliera al momento, "
               f"y tu función {_said(got)}")


@esperar.case(
    "otro OSError (socket.gaierror) no se reintenta: sale tras un solo intento",
    hint="captura solo ConnectionRefusedError y TimeoutError, no OSError: un nombre o un puerto que no se "
    "resuelven (gaierror) no se arreglan esperando.",
    time_limit=2.5,
)
def _(funcion, ctx):
    # A service name that does not exist: getaddrinfo fails at once (EAI_SERVICE, no DNS query, the
    # host is numeric); a bare socket.connect() gives TypeError instead, also not to be retried.
    # espera=5: one pause already goes past the time limit.
    got = _outcome(ctx, lambda: funcion(("127.0.0.1", "puerto-inexistente"), 3, 5.0, 5.0))
    if got[0] == "raised" and got[1] not in ("ConnectionRefusedError", "TimeoutError"):
        return
    raise Fail(f"con el puerto 'puerto-inexistente' (socket.gaierror) se esperaba que la excepción saliera al "
               f"momento, y tu función {_said(got)}")


@esperar.case(
    "la primera pausa es espera, y no hay pausa tras el último intento",
    hint="pausa espera * 2**intento con intento = 0, 1, 2...: la primera es espera; y tras el último intento "
    "fallido lanza la excepción sin dormir (nadie va a reintentar).",
    time_limit=6.0,
)
def _(funcion, ctx):
    elapsed = _refused_after(funcion, ctx, 3, 0.4)
    # Right: 0.4 + 0.8 = 1.2 s. First pause doubled: 2.4 s; a pause after the last attempt too: 2.8 s.
    if elapsed > 2.0:
        raise Fail(f"con 3 intentos y espera=0.4 las pausas suman 1,2 s (0,4 s + 0,8 s), y tu función tardó "
                   f"{seconds(elapsed, 1)}: ¿la primera pausa es espera * 2 en vez de espera, o duermes también "
                   "tras el último intento?")
