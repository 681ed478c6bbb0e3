"""Exercises of notebook 01, "Crear sockets": each case uses real sockets on loopback.

Each requirement of a statement has a case that fails without it, and the inputs are the
ones beginners get wrong: a socket closed by ``with`` before it is returned, ``0.0.0.0``
instead of ``127.0.0.1``, a port of their own choosing instead of port 0, ``recvfrom(1024)``
(or 8192) on a 60 000-byte datagram, a fixed timeout instead of the one given, a global
``socket.setdefaulttimeout``, a datagram sent again on each time-out, a port that is bound but
not listening (``connect`` says "free", ``bind`` says "in use"), a UDP probe for a TCP port,
an ``except`` that turns every error into an answer.

What only the call shows (the port asked of ``bind()``, the socket type of a probe) is read
with an audit hook (:mod:`._binds`); how many datagrams were sent is counted by the checker's
own server up to a marker of its own, so no verdict depends on timing. Waiting is kept to
what a lesson needs: the timeouts that must fire are 0.2 s.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from .._server import DatagramServer
from .._wording import count, seconds
from ..echo import PREFIX, EchoServer, UdpEchoServer
from ..faults import ClosedPort
from . import Context, Fail, brief, exercise, expect_type
from ._binds import Watch, watch_binds
from ._checks import PATIENT
from ._leaks import watch_unclosed

# -- 1.1 ---------------------------------------------------------------------------
servidor_local = exercise("1.1", "Un servidor TCP en un puerto libre", "crear_servidor_local")

#: Said wherever a port of the student's own choosing shows: in every case, whatever it checks.
ASK_PORT_0 = "pide el puerto 0 y el sistema te da uno libre"


def _created(
    funcion: Callable[..., Any], ctx: Context, *, other_port: int | None = None
) -> tuple[socket.socket, Watch]:
    """Call ``crear_servidor_local()`` once: an open socket, owned by the case, and the binds it made."""
    try:
        with watch_binds() as seen:
            sock = funcion()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        if other_port is not None:
            raise Fail(
                "la segunda llamada falló con EADDRINUSE mientras el servidor de la primera (puerto "
                f"{other_port}) seguía abierto: tu función usa siempre el mismo puerto; {ASK_PORT_0}"
            ) from None
        raise Fail(f"bind() falló con EADDRINUSE: el puerto que pides ya está ocupado; {ASK_PORT_0}") from None
    if isinstance(sock, socket.socket):
        ctx.own(sock)
        if sock.fileno() == -1:
            raise Fail("devolvió un socket ya cerrado (¿lo creaste con `with`? al salir del bloque se cierra)")
    return expect_type(sock, socket.socket), seen


def _server_socket(funcion: Callable[..., Any], ctx: Context) -> socket.socket:
    return _created(funcion, ctx)[0]


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
    "pide el puerto 0 (el sistema elige uno libre): dos servidores a la vez",
    hint="bind(('127.0.0.1', 0)): el puerto 0 pide al sistema uno libre; léelo después con getsockname().",
)
def _(funcion, ctx):
    first, seen = _created(funcion, ctx)
    bind = seen.last_on(first)
    if bind is not None and bind.port != 0:
        raise Fail(
            f"tu función pidió el puerto {bind.port} (bind({bind.address!r})): un puerto que eliges tú, "
            f"aunque sea al azar, puede estar ocupado por otro programa; {ASK_PORT_0}"
        )
    port = first.getsockname()[1]
    second, _ = _created(funcion, ctx, other_port=port)
    if second.getsockname()[1] == port:
        raise Fail(f"las dos llamadas dieron el mismo puerto ({port})")


@servidor_local.case(
    "está escuchando: acepta una conexión",
    hint="después de bind() llama a listen(); sin listen() un cliente recibe ConnectionRefusedError.",
)
def _(funcion, ctx):
    sock = _server_socket(funcion, ctx)
    try:
        client = ctx.own(socket.create_connection(sock.getsockname()[:2], timeout=PATIENT))
    except ConnectionRefusedError:
        raise Fail("un cliente que conecta recibe ConnectionRefusedError: el socket no escucha") from None
    sock.settimeout(PATIENT)
    conn, _ = sock.accept()
    ctx.own(conn)
    if conn.getpeername() != client.getsockname():
        raise Fail("la conexión aceptada no es la del cliente de la prueba")


# -- 1.2 ---------------------------------------------------------------------------
udp = exercise("1.2", "Enviar un datagrama UDP y esperar la respuesta", "enviar_udp")

#: The timeout given where it must fire (short, it always fires) and where it must not (generous).
SHORT, LONG = 0.2, PATIENT
#: The late server answers this long after the datagram: far after SHORT (a stalled thread on a
#: loaded machine still times out first), and it costs a right answer nothing: its case ends at
#: SHORT and stopping the server cuts the wait.
LATE = 1.0
#: The big answer: more than any buffer a student would pick (1024, 4096, 8192), less than the
#: 65 507 bytes a UDP datagram can carry over IPv4.
BIG = 60_000


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


def _timeout_words(sock: socket.socket | None) -> str:
    """A socket's timeout in words: "tenía settimeout(1)", "no tenía timeout" (``gettimeout()``
    works on a closed socket too)."""
    if sock is None:
        return "no encontrado"
    value = sock.gettimeout()
    return "no tenía timeout" if value is None else f"tenía settimeout({value:g})"


class _Udp(DatagramServer):
    """The checker's UDP server: it counts every datagram and answers ``prefix + data`` (or
    ``reply``) at once (``delay=0``), the first one ``delay`` seconds late, or never (``None``).

    Created in the case's thread, which then calls the student's function: when a datagram
    arrives, the student's socket is looked for in that thread's frames (the sender's port
    names it), so that its timeout can be read when it matters: just before a late answer
    leaves (the timeout in effect while ``recvfrom`` waits) and after the function returned.
    """

    name = "servidor UDP del corrector"

    def __init__(self, delay: float | None = 0.0, reply: bytes | None = None) -> None:
        self.delay = delay
        self.reply = reply
        #: The thread that calls the student's function: the only one whose frames are read.
        self.client_thread = threading.get_ident()
        self.peers: list[tuple] = []
        self.sockets: list[socket.socket] = []
        #: The student's timeout while ``recvfrom`` waited, read as the late answer left.
        self.timeout_while_waiting = "no encontrado"
        self._marker = f"(marca del corrector {id(self)})".encode()
        self._marker_seen = threading.Event()
        self._late: threading.Thread | None = None
        super().__init__()

    def _bind(self, port: int) -> socket.socket:
        sock = super()._bind(port)
        if self.reply is not None:  # macOS sends at most 9216 bytes per datagram unless told
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2 * len(self.reply))
        return sock

    def handle_datagram(self, data: bytes, addr: tuple) -> bytes | None:
        if data == self._marker:
            self._marker_seen.set()
            return None
        self.peers.append(addr)
        found = _student_socket(self.client_thread, addr[1])
        if found is not None:
            self.sockets.append(found)
        reply = self.reply if self.reply is not None else PREFIX + data
        if self.delay == 0:
            return reply
        if self.delay is not None and self._late is None:
            self._late = threading.Thread(target=self._answer_late, args=(reply, addr, found), daemon=True)
            self._late.start()
        return None

    def _answer_late(self, reply: bytes, addr: tuple, student: socket.socket | None) -> None:
        if not self.sleep(self.delay or 0.0):
            return
        self.timeout_while_waiting = _timeout_words(student)
        try:
            self._sock.sendto(reply, addr)
        except OSError:
            pass

    def sent(self) -> int:
        """How many datagrams the student sent. The checker's own marker, sent now, is queued
        behind all of them (they left before the function returned): once the server has read
        it, it has counted every one, however loaded the machine."""
        with socket.socket(self.family, socket.SOCK_DGRAM) as marker:
            marker.sendto(self._marker, self.address)
        if not self._marker_seen.wait(PATIENT):
            raise RuntimeError("la marca del corrector no llegó a su propio servidor UDP")
        return len(self.peers)

    def timeout_seen(self) -> str:
        """How the student's last socket ended up: "tenía settimeout(1)", "no tenía timeout"…

        Call it once the student's function returned; it closes what the student left open,
        which this server kept alive (closing is checked by another case, not this one).
        """
        words = _timeout_words(self.sockets[-1] if self.sockets else None)
        self._release()
        return words

    def _release(self) -> None:
        for sock in self.sockets:
            if sock.fileno() != -1:
                sock.close()
        self.sockets.clear()

    def _close_clients(self) -> None:
        """On stop: end the late answer's wait, and wake a ``recvfrom`` without timeout with one
        datagram, so a student's thread does not stay blocked forever."""
        if self._late is not None:
            self._late.join(PATIENT)
        if self.delay != 0:
            for addr in self.peers:
                try:
                    self._sock.sendto(b"(el corrector deja de esperar)", addr)
                except OSError:
                    pass
        self._release()


def _open_sockets(tb: TracebackType | None) -> list[socket.socket]:
    """The open sockets in the locals of a traceback's frames: what a raising function left open."""
    found: list[socket.socket] = []
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if isinstance(value, socket.socket) and value.fileno() != -1 and not any(value is s for s in found):
                found.append(value)
        tb = tb.tb_next
    return found


@contextlib.contextmanager
def _default_timeout_kept(strict: bool) -> Iterator[None]:
    """Put back the default timeout of new sockets if the student's function changed it. In the
    case about the timeout (``strict``) that is a wrong answer: ``socket.setdefaulttimeout``
    holds for every socket the kernel creates afterwards, the student's and everyone else's."""
    before = socket.getdefaulttimeout()
    try:
        yield
    finally:
        after = socket.getdefaulttimeout()
        if after != before:
            socket.setdefaulttimeout(before)
            if strict:
                raise Fail(
                    f"tu función cambió el timeout por defecto de todos los sockets "
                    f"(socket.setdefaulttimeout({after if after is None else format(after, 'g')})): vale "
                    "para cada socket que se cree después en el kernel de Jupyter, también los que no son tuyos; pon "
                    "el timeout solo en tu socket, con settimeout(timeout)"
                )


def _call(
    funcion: Callable[..., Any], address: tuple[str, int], message: bytes, timeout: float, *, strict: bool = False
) -> Any:
    with _default_timeout_kept(strict):
        return funcion(address, message, timeout)


def _reply(
    funcion: Callable[..., Any], address: tuple[str, int], message: bytes, timeout: float, *, strict: bool = False
) -> bytes:
    return expect_type(_call(funcion, address, message, timeout, strict=strict), bytes)


def _retries(sent: int, outcome: str, what: str) -> Fail:
    return Fail(
        f"{what} tu función envió {count(sent, 'datagrama')} {outcome}: cada reintento vuelve a "
        "esperar y la espera total pasa del timeout; envía uno y espera timeout una sola vez"
    )


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
    "una respuesta de 60 000 bytes llega entera",
    hint="recvfrom(n) corta el datagrama a n bytes y el resto se pierde: pide 65535, más que cualquier "
    "datagrama UDP (sobre IPv4 llevan 65 507 bytes como mucho).",
)
def _(funcion, ctx):
    expected = ctx.rng.randbytes(BIG)
    server = ctx.own(_Udp(reply=expected))
    answer = _reply(funcion, server.address, b"dame muchos bytes", LONG)
    if len(answer) < len(expected) and expected.startswith(answer):
        raise Fail(
            f"llegaron {len(answer)} de los {len(expected)} bytes del datagrama: "
            "un recvfrom más pequeño que el datagrama lo corta"
        )
    if answer != expected:
        raise Fail(f"se esperaban los {len(expected)} bytes del datagrama y devolvió otros {len(answer)}")


@udp.case(
    "usa el timeout que le pasan, con un solo datagrama",
    hint="settimeout(timeout) en tu socket, con el parámetro timeout, antes de recvfrom(); un sendto() y un "
    "recvfrom(): si salta el timeout, deja salir el TimeoutError.",
)
def _(funcion, ctx):
    spy = ctx.own(_Udp())
    for timeout in (4.5, 2.5):
        _reply(funcion, spy.address, b"hola", timeout, strict=True)
        seen = spy.timeout_seen()
        if seen.startswith("tenía settimeout(") and seen != f"tenía settimeout({timeout:g})":
            raise Fail(f"con timeout={timeout:g} tu socket {seen}: usa el valor que te pasan")
    # Whatever the style (settimeout, select…), a late answer must not be waited for.
    late = ctx.own(_Udp(delay=LATE))
    try:
        answer = _call(funcion, late.address, b"hola", SHORT, strict=True)
    except TimeoutError:
        answer = None
    sent, waiting, seen = late.sent(), late.timeout_while_waiting, late.timeout_seen()
    echo, given = PREFIX + b"hola", f"tenía settimeout({SHORT:g})"
    if sent > 1:
        outcome = {None: "y al final lanzó TimeoutError", echo: "y devolvió la respuesta que llegó tarde"}
        raise _retries(sent, outcome.get(answer, f"y devolvió {brief(answer)}"), f"con timeout={SHORT:g}")
    if answer is None:
        return
    if answer != echo:
        raise Fail(
            f"con timeout={SHORT:g} y una respuesta que tarda {seconds(LATE)} debía lanzar TimeoutError y "
            f"devolvió {brief(answer)}"
        )
    if waiting == given:
        why = f"tu socket {given} mientras esperaba: ¿vuelves a llamar a recvfrom() cuando salta el timeout?"
    elif waiting == "no tenía timeout" and seen == given:
        why = (
            f"recvfrom() esperó sin timeout y tu socket {given} solo después: ¿pusiste settimeout() "
            "después de recvfrom()?"
        )
    else:
        why = f"tu socket {seen}" if seen != "no encontrado" else "¿usaste el timeout?"
    raise Fail(
        f"con timeout={SHORT:g} debía lanzar TimeoutError, pero esperó a la respuesta que el servidor mandó "
        f"al cabo de {seconds(LATE)}: {why}"
    )


@udp.case(
    "si nadie responde, lanza TimeoutError (sin colgarse) y cierra el socket",
    hint="UDP no avisa si el datagrama se pierde: settimeout(timeout) antes de recvfrom(), deja salir el "
    "TimeoutError (no lo captures) y crea el socket con `with`, que lo cierra también entonces.",
    time_limit=3.0,
)
def _(funcion, ctx):
    mute = ctx.own(_Udp(delay=None))
    try:
        answer = _call(funcion, mute.address, b"hola?", SHORT)
    except TimeoutError as exc:
        left = _open_sockets(exc.__traceback__)
        for sock in left:
            sock.close()
        if left:
            raise Fail("lanzó TimeoutError, bien, pero dejó abierto su socket") from None
        if (sent := mute.sent()) > 1:
            raise _retries(sent, "antes de lanzar TimeoutError", "nadie respondía y") from None
        return
    raise Fail(f"nadie respondía: se esperaba TimeoutError y devolvió {brief(answer)}")


@udp.case(
    "cierra el socket cuando llega la respuesta",
    hint="`with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:` lo cierra al salir.",
)
def _(funcion, ctx):
    server = ctx.own(UdpEchoServer())
    with watch_unclosed("tu función"):
        _call(funcion, server.address, b"hola", LONG)


# -- 1.3 ---------------------------------------------------------------------------
ocupado = exercise("1.3", "¿Está ocupado este puerto TCP?", "puerto_ocupado")

#: The port whose bind() the checker makes fail with PermissionError: the web's port, reserved
#: (below 1024) on Linux for programs without privileges, which is where that error is met.
RESERVED = 80
#: Said wherever a probe used UDP for a TCP port.
UDP_IS_OTHER = "los puertos UDP son otros que los TCP: prueba con un socket SOCK_STREAM"


def _answer(funcion: Callable[..., Any], port: int, *, busy: bool = False) -> bool:
    """The student's answer for ``port``; when the port is busy in TCP and the answer is False
    because the probe was a UDP socket, say so (the bind the audit hook saw tells)."""
    with watch_binds() as seen:
        answer = expect_type(funcion(port), bool)
    if busy and answer is False and seen.udp:
        raise Fail(f"tu función probó el puerto {port} con un socket UDP (SOCK_DGRAM): {UDP_IS_OTHER}")
    return answer


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
    "un puerto con un servidor TCP escuchando está ocupado",
    hint="con un socket TCP (SOCK_STREAM: los puertos UDP son otros), intenta bind(('127.0.0.1', puerto)) "
    "y captura OSError con errno EADDRINUSE: devuelve True.",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    if _answer(funcion, server.port, busy=True) is not True:
        raise Fail(f"el puerto {server.port} tiene un servidor escuchando y tu función devolvió False")


@ocupado.case(
    "un puerto enlazado pero sin escuchar también está ocupado",
    hint="prueba con bind(), no con connect(): connect() solo ve si alguien escucha, y el puerto puede "
    "estar enlazado por un socket que no escucha.",
)
def _(funcion, ctx):
    closed = ctx.own(ClosedPort())
    if _answer(funcion, closed.port, busy=True) is not True:
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


#: Ports tried for "busy only on 127.0.0.2": one also in use on 127.0.0.1 is skipped (on a busy
#: machine the kernel hands the same port number to connections on other addresses).
_PORT_TRIES = 50


def _free_on_127_0_0_1(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _busy_only_on_127_0_0_2(ctx: Context) -> int | None:
    """A port with a listener on 127.0.0.2 and nothing on 127.0.0.1 (None: no 127.0.0.2 here).

    Tried up to :data:`_PORT_TRIES` times, so the case is never skipped because one port number
    was also taken on 127.0.0.1 by another program (that once let a wrong answer pass).
    """
    for _ in range(_PORT_TRIES):
        other = ctx.own(socket.socket())
        try:
            other.bind(("127.0.0.2", 0))
        except OSError:
            return None
        other.listen()
        port = other.getsockname()[1]
        if _free_on_127_0_0_1(port):
            return int(port)
        other.close()
    return None


@ocupado.case(
    "mira 127.0.0.1: un puerto ocupado solo en 127.0.0.2 está libre en 127.0.0.1",
    hint="enlaza ('127.0.0.1', puerto); '' o '0.0.0.0' son todas las direcciones y chocan con cualquiera.",
)
def _(funcion, ctx):
    found = _busy_only_on_127_0_0_2(ctx)
    if found is None:
        return  # this system has only 127.0.0.1 on loopback (macOS): nothing to tell apart
    port = found
    if _answer(funcion, port) is not False and _free_on_127_0_0_1(port):
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
    with watch_unclosed("con el puerto ocupado, tu función"):
        funcion(server.port)
    with watch_unclosed("con el puerto libre, tu función"):
        funcion(_free_port())


@ocupado.case(
    "si bind() falla por otra razón (puerto 70000, PermissionError), deja salir la excepción",
    hint="captura solo el OSError con errno EADDRINUSE y vuelve a lanzar los demás con `raise`; un `except:`, "
    "`except Exception:` o `except OSError:` sin mirar el errno convierte cualquier error en una respuesta.",
)
def _(funcion, ctx):
    try:
        answer = funcion(70000)
    except NotImplementedError:
        raise
    except Exception:
        pass
    else:
        raise Fail(f"con el puerto 70000, que no existe (van de 0 a 65535), tu función devolvió {brief(answer)}")
    with watch_binds(refuse_port=RESERVED) as seen:
        try:
            answer = funcion(RESERVED)
        except NotImplementedError:
            raise
        except Exception:
            if seen.refused:
                return  # the checker's PermissionError (or what the student made of it) came out
            raise
    if not seen.refused:
        raise Fail(
            f"con el puerto {RESERVED} tu función devolvió {brief(answer)} sin llamar a bind() con ese puerto: "
            "la respuesta tiene que salir de bind()"
        )
    raise Fail(
        f"el corrector hizo que bind() en el puerto {RESERVED} fallara con PermissionError (errno EACCES, lo que "
        "pasa en Linux con un puerto por debajo de 1024 sin permisos de administrador) y tu función devolvió "
        f"{brief(answer)}: ese puerto no está ocupado y tampoco sabes si está libre; solo EADDRINUSE quiere "
        "decir «ocupado»"
    )
