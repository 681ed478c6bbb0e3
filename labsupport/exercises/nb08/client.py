"""8.3 ``enviar_mensaje``: the guide's echo client, fixed: send everything, read the whole echo."""

from __future__ import annotations

import itertools
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..._polling import wait_until
from ..._wording import seconds
from .. import Context, Fail, brief, exercise, expect_type
from .._pacing import PATIENCE, send_paced, student_finished
from ._shared import (
    BIG,
    IDLE,
    SLOW_START,
    _connected_pair,
    _counting,
    _CountingSocket,
    _in_thread,
)

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
