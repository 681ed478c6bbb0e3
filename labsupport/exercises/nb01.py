"""Exercises of notebook 01, "Crear sockets": each case uses real sockets on loopback.

Each requirement of a statement has a case that fails without it, and the inputs are the
ones beginners get wrong: a socket closed by ``with`` before it is returned, ``0.0.0.0``
instead of ``127.0.0.1``, a fixed port, ``recvfrom(1024)`` on a larger datagram, a fixed
timeout instead of the one given, a port that is bound but not listening (``connect`` says
"free", ``bind`` says "in use"), a bare ``except``. Waiting is kept to what a lesson needs:
the timeouts that must fire are 0.2 s.
"""

from __future__ import annotations

import errno
import gc
import socket
import sys
import threading
from types import TracebackType

from .._server import DatagramServer
from ..echo import PREFIX, EchoServer, UdpEchoServer
from ..faults import ClosedPort
from . import Fail, brief, exercise, expect_type
from ._checks import no_unclosed_sockets


def _unclosed_by(what: str):
    """``no_unclosed_sockets``, after collecting older garbage: a socket that an earlier case or
    cell left in a reference cycle must not be blamed on this call."""
    gc.collect()
    return no_unclosed_sockets(what)


# -- 1.1 ---------------------------------------------------------------------------
servidor_local = exercise("1.1", "Un servidor TCP en un puerto libre", "crear_servidor_local")


def _server_socket(funcion, ctx, *, other_port: int | None = None) -> socket.socket:
    """Call ``crear_servidor_local()`` once: an open socket, owned by the case, or Fail saying why not."""
    try:
        sock = funcion()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        if other_port is not None:
            raise Fail(
                "la segunda llamada falló con EADDRINUSE mientras el servidor de la primera (puerto "
                f"{other_port}) seguía abierto: tu función usa siempre el mismo puerto"
            ) from None
        raise Fail("bind() falló con EADDRINUSE: el puerto que pides ya está ocupado (¿un puerto fijo?)") from None
    if isinstance(sock, socket.socket):
        ctx.own(sock)
        if sock.fileno() == -1:
            raise Fail("devolvió un socket ya cerrado (¿lo creaste con `with`? al salir del bloque se cierra)")
    return expect_type(sock, socket.socket)


@servidor_local.case(
    "devuelve un socket TCP sobre IPv4, abierto",
    hint="socket.socket(socket.AF_INET, socket.SOCK_STREAM), y devuélvelo sin cerrarlo (sin `with`).",
)
def _(funcion, ctx):
    sock = _server_socket(funcion, ctx)
    if sock.type != socket.SOCK_STREAM:
        raise Fail(f"es un socket {sock.type.name}, no SOCK_STREAM (TCP)")
    if sock.family != socket.AF_INET:
        raise Fail(f"es de la familia {sock.family.name}, no AF_INET (IPv4)")


@servidor_local.case(
    "está enlazado a 127.0.0.1",
    hint="bind(('127.0.0.1', 0)): solo la interfaz de loopback, no todas ('' o '0.0.0.0').",
)
def _(funcion, ctx):
    sock = _server_socket(funcion, ctx)
    host, port = sock.getsockname()[:2]
    if port == 0:
        raise Fail("el socket no está enlazado: falta bind()")
    if host == "0.0.0.0":
        raise Fail(
            "está en 0.0.0.0, todas las interfaces de la máquina (eso hacen bind(('', puerto)) o un "
            "listen() sin bind()); se pedía solo 127.0.0.1"
        )
    if host != "127.0.0.1":
        raise Fail(f"se esperaba la dirección 127.0.0.1 y tu socket está en {host!r}")


@servidor_local.case(
    "en un puerto que eligió el sistema: dos servidores a la vez",
    hint="el puerto 0 pide al sistema uno libre; léelo después con getsockname().",
)
def _(funcion, ctx):
    first = _server_socket(funcion, ctx)
    port = first.getsockname()[1]
    second = _server_socket(funcion, ctx, other_port=port)
    if second.getsockname()[1] == port:
        raise Fail(f"las dos llamadas dieron el mismo puerto ({port})")


@servidor_local.case(
    "está escuchando: acepta una conexión",
    hint="después de bind() llama a listen(); sin listen() un cliente recibe ConnectionRefusedError.",
)
def _(funcion, ctx):
    sock = _server_socket(funcion, ctx)
    try:
        client = ctx.own(socket.create_connection(sock.getsockname()[:2], timeout=5))
    except ConnectionRefusedError:
        raise Fail("un cliente que conecta recibe ConnectionRefusedError: el socket no escucha") from None
    sock.settimeout(5)
    conn, _ = sock.accept()
    ctx.own(conn)
    if conn.getpeername() != client.getsockname():
        raise Fail("la conexión aceptada no es la del cliente de la prueba")


# -- 1.2 ---------------------------------------------------------------------------
udp = exercise("1.2", "Enviar un datagrama UDP y esperar la respuesta", "enviar_udp")

#: The timeout given where it must fire (short, it always fires) and where it must not (generous).
SHORT, LONG = 0.2, 5.0
#: The late server answers this long after the datagram: well after SHORT, well before a fixed 1 s.
LATE = 0.6
BIG = 8000


def _student_socket(thread: int | None, port: int) -> socket.socket | None:
    """The open UDP socket bound to ``port`` in the locals of ``thread``'s frames (the student's)."""
    frame = sys._current_frames().get(thread) if thread is not None else None
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, socket.socket) and value.type == socket.SOCK_DGRAM and value.fileno() != -1:
                try:
                    if value.getsockname()[1] == port:
                        return value
                except OSError:
                    continue
        frame = frame.f_back
    return None


class _Spy(UdpEchoServer):
    """A UDP echo that finds the student's socket when a datagram arrives, to read its timeout later.

    Created in the case's thread, which then calls the student's function: the socket is
    looked for in that thread's frames only (the sender's port names it).

    The timeout is read after the student's function returned (``gettimeout()`` works on a
    closed socket too): it may be set after ``sendto()``, and only what was in effect for
    ``recvfrom()`` counts. ``delay`` makes the answer late (the server's own pause).
    """

    name = "servidor de eco UDP del corrector"

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        #: The thread that calls the student's function: the only one whose frames are read.
        self.client_thread = threading.get_ident()
        self.sockets: list[socket.socket | None] = []
        super().__init__()

    def handle_datagram(self, data: bytes, addr: tuple) -> bytes | None:
        self.sockets.append(_student_socket(self.client_thread, addr[1]))
        if self.delay and not self.sleep(self.delay):
            return None
        return super().handle_datagram(data, addr)

    def timeout_seen(self) -> str:
        """How the student's last socket was set up, in words: "tenía settimeout(1)", "no tenía timeout"…

        Call it once the student's function returned; it closes what the student left open,
        which this server kept alive (closing is checked by another case, not this one).
        """
        sock = self.sockets[-1] if self.sockets else None
        self.release()
        if sock is None:
            return "no encontrado"
        value = sock.gettimeout()
        return "no tenía timeout" if value is None else f"tenía settimeout({value:g})"

    def release(self) -> None:
        for sock in self.sockets:
            if sock is not None and sock.fileno() != -1:
                sock.close()


class _Mute(DatagramServer):
    """Receives and never answers. When stopped (after a time-out), it wakes the student's
    ``recvfrom`` with one datagram, so a thread without timeout does not stay blocked forever."""

    name = "servidor UDP mudo"

    def __init__(self) -> None:
        self.peers: list[tuple] = []
        super().__init__()

    def handle_datagram(self, data: bytes, addr: tuple) -> None:
        self.peers.append(addr)

    def _close_clients(self) -> None:
        for addr in self.peers:
            try:
                self._sock.sendto(b"(el corrector deja de esperar)", addr)
            except OSError:
                pass


def _open_sockets(tb: TracebackType | None) -> list[socket.socket]:
    """The open sockets in the locals of a traceback's frames: what a raising function left open."""
    found = []
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if isinstance(value, socket.socket) and value.fileno() != -1 and not any(value is s for s in found):
                found.append(value)
        tb = tb.tb_next
    return found


def _prose(seconds: float) -> str:
    """Seconds as prose writes them, with a decimal comma: 0,6."""
    return f"{seconds:g}".replace(".", ",")


def _reply(funcion, address, message: bytes, timeout: float) -> bytes:
    return expect_type(funcion(address, message, timeout), bytes)


@udp.case(
    "recibe el eco de un mensaje",
    hint="sendto(mensaje, direccion) y después recvfrom(...); devuelve los bytes recibidos.",
)
def _(funcion, ctx):
    server = ctx.own(UdpEchoServer())
    answer = _reply(funcion, server.address, b"hola", LONG)
    if answer != PREFIX + b"hola":
        raise Fail(f"se esperaba {PREFIX + b'hola'!r} y devolvió {brief(answer)}")


@udp.case(
    "envía los bytes tal cual: «año» en UTF-8",
    hint="el mensaje ya llega como bytes: envíalo sin encode() y devuelve lo recibido sin decode().",
)
def _(funcion, ctx):
    server = ctx.own(UdpEchoServer())
    message = "año".encode()
    answer = _reply(funcion, server.address, message, LONG)
    if answer != PREFIX + message:
        raise Fail(f"se esperaba {PREFIX + message!r} y devolvió {brief(answer)}")


@udp.case(
    f"un datagrama de {BIG + len(PREFIX)} bytes llega entero",
    hint="recvfrom(n) corta el datagrama a n bytes y el resto se pierde: pide 65535, más que cualquier datagrama UDP.",
)
def _(funcion, ctx):
    server = ctx.own(UdpEchoServer())
    message = bytes(i % 251 for i in range(BIG))
    expected = PREFIX + message
    answer = _reply(funcion, server.address, message, LONG)
    if len(answer) < len(expected) and expected.startswith(answer):
        raise Fail(
            f"llegaron {len(answer)} de los {len(expected)} bytes del datagrama: "
            "un recvfrom más pequeño que el datagrama lo corta"
        )
    if answer != expected:
        raise Fail(f"se esperaban {len(expected)} bytes (el eco del mensaje) y devolvió otros {len(answer)}")


@udp.case(
    "usa el timeout que le pasan, no uno fijo",
    hint="socket.settimeout(timeout), con el parámetro timeout, antes de recvfrom().",
)
def _(funcion, ctx):
    spy = ctx.own(_Spy())
    for timeout in (4.5, 2.5):
        _reply(funcion, spy.address, b"hola", timeout)
        seen = spy.timeout_seen()
        if seen.startswith("tenía settimeout(") and seen != f"tenía settimeout({timeout:g})":
            raise Fail(f"con timeout={timeout:g} tu socket {seen}: usa el valor que te pasan")
    # Whatever the style (settimeout, select…), a late answer must not be waited for.
    late = ctx.own(_Spy(delay=LATE))
    try:
        answer = funcion(late.address, b"hola", SHORT)
    except TimeoutError:
        late.release()
        return
    seen = late.timeout_seen()
    how = f" (tu socket {seen})" if seen != "no encontrado" else ""
    if answer == PREFIX + b"hola":
        raise Fail(
            f"con timeout={SHORT:g} debía lanzar TimeoutError, pero esperó a la respuesta que el servidor "
            f"mandó a los {_prose(LATE)} s{how}"
        )
    raise Fail(
        f"con timeout={SHORT:g} y una respuesta que tarda {_prose(LATE)} s debía lanzar TimeoutError y "
        f"devolvió {brief(answer)}"
    )


@udp.case(
    "si nadie responde, lanza TimeoutError (sin colgarse) y cierra el socket",
    hint="UDP no avisa si el datagrama se pierde: settimeout(timeout) antes de recvfrom(), deja salir el "
    "TimeoutError (no lo captures) y crea el socket con `with`, que lo cierra también entonces.",
    time_limit=3.0,
)
def _(funcion, ctx):
    mute = ctx.own(_Mute())
    try:
        answer = funcion(mute.address, b"hola?", SHORT)
    except TimeoutError as exc:
        left = _open_sockets(exc.__traceback__)
        for sock in left:
            sock.close()
        if left:
            raise Fail("lanzó TimeoutError, bien, pero dejó abierto su socket") from None
        return
    raise Fail(f"nadie respondía: se esperaba TimeoutError y devolvió {brief(answer)}")


@udp.case(
    "cierra el socket cuando llega la respuesta",
    hint="`with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:` lo cierra al salir.",
)
def _(funcion, ctx):
    server = ctx.own(UdpEchoServer())
    with _unclosed_by("tu función"):
        funcion(server.address, b"hola", LONG)


# -- 1.3 ---------------------------------------------------------------------------
ocupado = exercise("1.3", "¿Está ocupado este puerto?", "puerto_ocupado")


def _answer(funcion, port: int) -> bool:
    return expect_type(funcion(port), bool)


def _free_port(host: str = "127.0.0.1") -> int:
    """A port with nothing bound on ``host`` right now (bound and closed: no connection, no TIME_WAIT)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _still_free(port: int) -> None:
    with socket.socket() as again:
        try:
            again.bind(("127.0.0.1", port))
        except OSError:
            raise Fail(f"después de tu función el puerto {port} quedó ocupado: ¿cerraste el socket?") from None


@ocupado.case(
    "un puerto con un servidor escuchando está ocupado",
    hint="intenta bind(('127.0.0.1', puerto)) y captura OSError con errno EADDRINUSE: devuelve True.",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    if _answer(funcion, server.port) is not True:
        raise Fail(f"el puerto {server.port} tiene un servidor escuchando y tu función devolvió False")


@ocupado.case(
    "un puerto enlazado pero sin escuchar también está ocupado",
    hint="prueba con bind(), no con connect(): connect() solo ve si alguien escucha, y el puerto puede "
    "estar enlazado por un socket que no escucha.",
)
def _(funcion, ctx):
    closed = ctx.own(ClosedPort())
    if _answer(funcion, closed.port) is not True:
        raise Fail(
            f"el puerto {closed.port} está enlazado por un socket que no escucha (bind() falla con "
            "EADDRINUSE) y tu función devolvió False"
        )


@ocupado.case(
    "un puerto libre no está ocupado, y sigue libre después",
    hint="si bind() funciona, el puerto estaba libre: cierra ese socket y devuelve False.",
)
def _(funcion, ctx):
    port = _free_port()
    if _answer(funcion, port) is not False:
        raise Fail(f"el puerto {port} estaba libre y tu función devolvió True")
    _still_free(port)


@ocupado.case(
    "mira 127.0.0.1: un puerto ocupado solo en 127.0.0.2 está libre en 127.0.0.1",
    hint="enlaza ('127.0.0.1', puerto); '' o '0.0.0.0' son todas las direcciones y chocan con cualquiera.",
)
def _(funcion, ctx):
    other = ctx.own(socket.socket())
    try:
        other.bind(("127.0.0.2", 0))
    except OSError:
        return  # this system has only 127.0.0.1 on loopback (macOS): nothing to tell apart
    other.listen()
    port = other.getsockname()[1]
    try:
        _still_free(port)
    except Fail:
        return  # 127.0.0.1 has that port busy too (another program): no case to make
    if _answer(funcion, port) is not False:
        raise Fail(
            f"el puerto {port} solo está ocupado en 127.0.0.2 y tu función devolvió True: ¿enlazas todas "
            "las direcciones ('' o '0.0.0.0')?"
        )


@ocupado.case(
    "cierra el socket que usa para probar, esté el puerto libre u ocupado",
    hint="usa `with socket.socket() as s:`: se cierra también cuando bind() lanza la excepción.",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    with _unclosed_by("con el puerto ocupado, tu función"):
        funcion(server.port)
    with no_unclosed_sockets("con el puerto libre, tu función"):  # the garbage before was just collected
        funcion(_free_port())


@ocupado.case(
    "un puerto que no existe (70000) no es «ocupado» ni «libre»: deja salir la excepción",
    hint="captura solo OSError con errno EADDRINUSE; un `except:` o `except Exception:` esconde otros errores.",
)
def _(funcion, ctx):
    try:
        answer = funcion(70000)
    except NotImplementedError:
        raise
    except Exception:
        return
    raise Fail(f"con el puerto 70000, que no existe (van de 0 a 65535), tu función devolvió {brief(answer)}")
