"""Exercises of notebook 04, "Cerrar conexiones": half-close, closing on every path, the server's half.

Closing is judged by what the other side sees, never by trusting the student's code: the
peer's log says whether EOF (FIN) arrived, a ``ResourceWarning`` caught while the garbage
collector runs says whether a socket was left open, and a client of ours reads until
``b""`` to see whether the student's server closed after answering. Every answer the
student reads comes in fragments (the :class:`~._pacing.Slicer` in front, or a size no
``recv`` can hold), every timeout is the one the case passes in (``espera``), and a
request too big for one ``send()`` checks ``sendall``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .._address import format_address
from .._closing import arm_reset
from .._server import BackgroundServer
from ..events import EventKind
from ..faults import HalfClose, Reset
from ..http import HttpServer
from ..http.routes import random_bytes
from . import Context, Fail, brief, exercise, expect_type
from ._checks import read_to_eof
from ._leaks import watch_unclosed
from ._outcome import call, exception_text, mismatch, watch_unclosed_if
from ._pacing import Slicer, send_paced

#: big enough to arrive in many pieces on loopback, small enough to stay fast
BIG = bytes(range(256)) * 1200  # 307 200 bytes
#: more than one send() takes on loopback (about 4-5 MB here, less on macOS and Windows); a
#: repeated pattern, since making 9 MB of pseudo-random bytes costs more than sending them
HUGE = 9_000_000
HUGE_DATA = (bytes(range(256)) * (HUGE // 256 + 1))[:HUGE]
#: a timeout that must not fire for a right answer; one that must fire is ``SHORT``
GENEROUS, SHORT = 2.0, 0.3
#: a right answer's TimeoutError comes ``SHORT`` s after the call; a hard-coded timeout of 1.5 s or more
#: is caught by its duration (over ``SHORT + SLACK``), none at all by the case's time limit; a right
#: answer would need its wake-up delayed by more than a second to be mistaken for one
SLACK = 1.2
#: 18 bytes, 12 characters: counting characters, or decoding each fragment, shows
SALUDO = "¡hola, año! 👋".encode()


def _silent_listener(ctx: Context) -> tuple[str, int]:
    """The address of a socket that listens and never accepts: ``connect`` works, nothing answers.

    The kernel completes the handshake and queues the connection; what the client sends
    stays unread and no byte, FIN or RST ever comes back, so only the client's own timeout
    ends its ``recv``.
    """
    listener = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    return listener.getsockname()


def _bytes_before_fin(server: HalfClose) -> int | None:
    """How many bytes a HalfClose server had received when the client's FIN came (None: no FIN)."""
    for event in server.log():
        if event.kind is EventKind.FIN:
            return int(event.detail.split()[0])
    return None


def _timeout_case(funcion: Callable[..., Any], ctx: Context, args: tuple[Any, ...], espera: float) -> None:
    """The server never answers: TimeoutError must reach the caller after ``espera``, socket closed."""
    with watch_unclosed("tu función, al saltar el timeout,"):
        start = time.monotonic()
        result, error = call(funcion, *args)
        took = time.monotonic() - start  # before the garbage collection that ends the watch
    if error is None:
        raise Fail(
            f"el servidor nunca respondió y tu función devolvió {result!r:.60} sin lanzar nada: "
            "deja que el TimeoutError llegue a quien llama (no lo captures)"
        )
    if not isinstance(error, TimeoutError):
        raise error
    if took > espera + SLACK:
        raise Fail(
            f"lanzó TimeoutError, pero tras {took:.1f} s, mucho más que espera={espera:g} s: usa la espera que te pasan"
        )


# -- 4.1 ---------------------------------------------------------------------------
medio = exercise("4.1", "Un cliente de medio cierre", "enviar_y_esperar")


def _half_close(
    funcion: Callable[..., Any],
    ctx: Context,
    datos: bytes,
    reply: str = "count",
    sliced: bool = True,
    closes: bool = False,
) -> tuple[bytes, HalfClose]:
    """Call the student's client against a HalfClose server (answers come in slices)."""
    server = ctx.own(HalfClose(reply=reply, timeout=10.0))
    address = ctx.own(Slicer(server, rng=ctx.rng)).address if sliced else server.address
    with watch_unclosed_if(closes):
        result, error = call(funcion, address, datos, GENEROUS)
    if isinstance(error, TimeoutError):
        # This server answers at once after EOF: a timeout means the FIN did not come in time.
        # (Its log may show an EOF anyway: the one sent by close() when the student's `with` ended.)
        raise Fail(
            f"tu función lanzó TimeoutError tras {GENEROUS:g} s: el servidor esperaba tu fin de envío "
            "(shutdown(socket.SHUT_WR)) para responder, y no lo recibió a tiempo"
        )
    if error is not None:
        raise error
    return bytes(expect_type(result, (bytes, bytearray))), server


_NOTHING_READ = (
    "tu función devolvió b'' (nada), y este servidor responde siempre tras tu FIN: ¿cerraste también "
    "tu lectura (SHUT_RDWR o close())? El medio cierre es shutdown(socket.SHUT_WR): sigues pudiendo leer"
)


def _count_reply(funcion: Callable[..., Any], ctx: Context, datos: bytes, closes: bool = False) -> None:
    answer, server = _half_close(funcion, ctx, datos, closes=closes)
    expected = f"recibidos {len(datos)} bytes\n".encode()
    if answer == expected:
        return
    got = _bytes_before_fin(server)
    if got is not None and got < len(datos):
        raise Fail(
            f"el servidor recibió {got} de {len(datos)} bytes antes de tu FIN: send() envía solo lo que cabe "
            "en el búfer y devuelve cuántos; usa sendall()"
        )
    if not answer:  # this server always answers after the client's FIN
        raise Fail(_NOTHING_READ)
    raise Fail(mismatch(answer, expected))


@medio.case(
    "recibe la respuesta, que solo llega después del medio cierre y en varios fragmentos",
    hint="después de sendall(datos) llama a sock.shutdown(socket.SHUT_WR), y lee con recv() en un bucle hasta b''.",
)
def _(funcion, ctx):
    _count_reply(funcion, ctx, SALUDO)


@medio.case(
    "lee entera una respuesta de 300 KB, que ningún recv() trae de una vez",
    hint="un recv() devuelve un fragmento: repite recv() hasta que devuelva b'' (el FIN del servidor).",
)
def _(funcion, ctx):
    answer, _ = _half_close(funcion, ctx, BIG, reply="echo", sliced=False)
    if not answer:
        raise Fail(_NOTHING_READ)
    if answer != BIG:
        raise Fail(mismatch(answer, BIG))


@medio.case(
    "envía enteros 9 MB, más de lo que cabe en un send()",
    hint="los 9 MB tienen que salir enteros (sendall(datos), no send()) y la respuesta se lee entera, con "
    "recv() en un bucle hasta b''.",
    time_limit=8.0,
)
def _(funcion, ctx):
    _count_reply(funcion, ctx, HUGE_DATA)


@medio.case(
    "sin datos que enviar, también funciona, y el socket se cierra",
    hint="sendall(b'') no envía nada; el shutdown(SHUT_WR) sigue siendo lo que avisa al servidor. "
    "Un `with socket.create_connection(...) as sock:` cierra el socket al salir.",
)
def _(funcion, ctx):
    _count_reply(funcion, ctx, b"", closes=True)


@medio.case(
    "si el servidor no responde, el TimeoutError llega en ≈ espera segundos y el socket se cierra",
    hint="socket.create_connection(direccion, timeout=espera) dentro de un with: usa la espera que te pasan, "
    "no captures el TimeoutError y el with cierra el socket también cuando salta.",
)
def _(funcion, ctx):
    _timeout_case(funcion, ctx, (_silent_listener(ctx), b"hola", SHORT), SHORT)


# -- 4.2 ---------------------------------------------------------------------------
pedir = exercise("4.2", "Una descarga que siempre cierra el socket", "pedir")


def _get(server: BackgroundServer, path: str) -> bytes:
    host = format_address(server.address)
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


def _fetch(
    funcion: Callable[..., Any], ctx: Context, address: tuple[str, int], request: bytes, closes: bool = False
) -> bytes:
    with watch_unclosed_if(closes):
        result, error = call(funcion, address, request, GENEROUS)
    if error is not None:
        raise error
    return bytes(expect_type(result, (bytes, bytearray)))


def _expect_download(answer: bytes, body: bytes) -> None:
    status = b"HTTP/1.1 200 "
    _, sep, got = answer.partition(b"\r\n\r\n")
    if not sep and (status.startswith(answer) or answer.startswith(status)):
        raise Fail(
            f"tu función devolvió solo {len(answer)} bytes ({brief(answer, 30)}), sin llegar al final de la "
            "cabecera: la respuesta llegó en varios fragmentos y faltó seguir leyendo"
        )
    if not answer.startswith(status):
        raise Fail(f"la respuesta debería empezar por {status!r} y empieza por {answer[:20]!r}")
    if got != body:
        raise Fail(mismatch(got, body, "tu función, en el cuerpo,"))


@pedir.case(
    "devuelve la respuesta HTTP completa, que llega en varios fragmentos",
    hint="envía con sendall() y lee en un bucle hasta que recv() devuelva b'' (Connection: close: el servidor cierra).",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    slicer = ctx.own(Slicer(server, rng=ctx.rng))
    _expect_download(_fetch(funcion, ctx, slicer.address, _get(server, "/bytes/3000?seed=4")), random_bytes(3000, 4))


@pedir.case(
    "una respuesta de 300 KB llega entera, y el socket se cierra",
    hint="ningún recv() trae 300 KB de una vez: repite hasta b'' y junta los fragmentos (lista y b''.join); "
    "`with` cierra el socket al salir.",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    answer = _fetch(funcion, ctx, server.address, _get(server, "/bytes/300000?seed=5"), closes=True)
    _expect_download(answer, random_bytes(300000, 5))


@pedir.case(
    "una petición de 9 MB llega entera al servidor",
    hint="la petición tiene que salir entera (sendall(peticion), no send()) y lo que devuelves es la respuesta "
    "entera, desde la línea de estado.",
    time_limit=8.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer(timeout=GENEROUS))
    slicer = ctx.own(Slicer(server, rng=ctx.rng))
    request = (
        f"POST /status/200 HTTP/1.1\r\nHost: {format_address(slicer.address)}\r\n"
        f"Content-Length: {HUGE}\r\nConnection: close\r\n\r\n"
    ).encode() + HUGE_DATA
    result, error = call(funcion, slicer.address, request, GENEROUS)
    arrived = len(slicer.sent())
    if arrived < len(request):
        raise Fail(
            f"el servidor recibió {arrived} de {len(request)} bytes de la petición: send() envía solo "
            "una parte y devuelve cuántos; usa sendall()"
        )
    if error is not None:
        raise error
    answer = bytes(expect_type(result, (bytes, bytearray)))
    if not answer.startswith(b"HTTP/1.1 200 "):
        raise Fail(f"la respuesta debería empezar por b'HTTP/1.1 200 ' y empieza por {answer[:20]!r}")


@pedir.case(
    "si el servidor corta la conexión (RST) a mitad, el error llega a quien llama y el socket se cierra",
    hint="no captures el error (ni devuelvas lo que llevabas): `with` cierra el socket también cuando salta.",
)
def _(funcion, ctx):
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nlos primeros bytes del cuerpo"
    server = ctx.own(Reset(wait_for=b"\r\n\r\n", send_first=first, timeout=5.0))
    slicer = ctx.own(Slicer(server, rng=ctx.rng))
    with watch_unclosed("tu función, al cortarse la conexión,"):
        result, error = call(funcion, slicer.address, _get(server, "/bytes/5000"), GENEROUS)
    if isinstance(error, ConnectionResetError):
        return
    if error is not None:
        raise error
    got = len(result) if isinstance(result, (bytes, bytearray)) else None
    shown = f"devolvió {got} bytes" if got is not None else f"devolvió {result!r:.40}"
    raise Fail(
        f"el servidor cortó la conexión (RST) tras enviar {len(first)} bytes y tu función {shown} sin lanzar "
        "nada: ConnectionResetError debe llegar a quien llama"
    )


@pedir.case(
    "si el servidor no responde, el TimeoutError llega en ≈ espera segundos y el socket se cierra",
    hint="socket.create_connection(direccion, timeout=espera): usa la espera que te pasan y no captures el error.",
)
def _(funcion, ctx):
    address = _silent_listener(ctx)
    request = f"GET / HTTP/1.1\r\nHost: {format_address(address)}\r\n\r\n".encode()
    _timeout_case(funcion, ctx, (address, request, SHORT), SHORT)


# -- 4.3 ---------------------------------------------------------------------------
servidor = exercise("4.3", "La otra mitad: un servidor que responde tras el EOF", "atender")

#: the server side's receive buffer: 300 KB can then never arrive in one recv()
SMALL_RCVBUF = 32 * 1024


def _pair(ctx: Context) -> tuple[socket.socket, socket.socket]:
    """A connection on loopback: (our client, the server side handed to the student)."""
    listener = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RCVBUF)  # inherited by accept()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = ctx.own(socket.create_connection(listener.getsockname(), timeout=GENEROUS))
    listener.settimeout(GENEROUS)
    conn, _ = listener.accept()
    ctx.own(conn)
    conn.settimeout(GENEROUS)
    return client, conn


def _send_pieces(
    client: socket.socket, pieces: list[bytes], conn: socket.socket, then_reset: bool = False
) -> threading.Thread:
    """Our client sends ``pieces`` from its own thread, each once the student's ``conn`` has read
    the previous one (so no recv() gets two), then EOF (or RST)."""

    def run() -> None:
        try:
            send_paced(client, pieces, conn)
            if then_reset:
                arm_reset(client)
                client.close()
            else:
                client.shutdown(socket.SHUT_WR)
        except OSError:  # the student's server closed early: the checks below say so
            pass

    sender = threading.Thread(target=run, name="comprobar-4.3-cliente", daemon=True)
    sender.start()
    return sender


def _serve(funcion: Callable[..., Any], ctx: Context, pieces: list[bytes]) -> bytes:
    """What our client reads from the student's server after sending ``pieces`` and EOF."""
    client, conn = _pair(ctx)
    sender = _send_pieces(client, pieces, conn)
    funcion(conn)
    sender.join(GENEROUS)
    if conn.fileno() != -1:
        raise Fail("tu función terminó sin cerrar la conexión: llama a conexion.close() (o usa `with conexion:`)")
    try:
        return read_to_eof(client)
    except ConnectionResetError:
        raise Fail(
            "tu servidor cerró sin leer todo lo que envió el cliente, y el cierre fue un RST: "
            "el cliente recibió ConnectionResetError en vez de la respuesta"
        ) from None


def _expect_count(answer: bytes, data: bytes) -> None:
    expected = f"recibidos {len(data)} bytes\n".encode()
    if answer != expected:
        raise Fail(f"el cliente envió {len(data)} bytes y esperaba {expected!r}, pero recibió {answer!r:.60}")


@servidor.case(
    "cuenta los bytes de «¡hola, año! 👋», que llegan en tres fragmentos (uno parte la ñ)",
    hint="suma len(fragmento) de cada recv() hasta b'' (bytes, sin decodificar) y después envía "
    "f'recibidos {total} bytes\\n'.encode().",
)
def _(funcion, ctx):
    pieces = [SALUDO[:4], SALUDO[4:10], SALUDO[10:]]  # ñ is bytes 9-10: the second piece ends inside it
    _expect_count(_serve(funcion, ctx, pieces), SALUDO)


@servidor.case(
    "cuenta 300 KB, que nunca llegan en un solo recv()",
    hint="repite recv() hasta que devuelva b'' (el medio cierre del cliente) sumando len() de cada fragmento.",
)
def _(funcion, ctx):
    _expect_count(_serve(funcion, ctx, [BIG]), BIG)


@servidor.case(
    "un cliente que no envía nada recibe «recibidos 0 bytes»",
    hint="si el primer recv() ya devuelve b'', no has recibido nada: responde igualmente.",
)
def _(funcion, ctx):
    _expect_count(_serve(funcion, ctx, []), b"")


@servidor.case(
    "responde y cierra: el cliente recibe la respuesta y después el FIN (b'')",
    hint="después de sendall(respuesta), cierra: `with conexion:` alrededor de todo lo hace por ti.",
)
def _(funcion, ctx):
    data = b"hola, servidor"
    _expect_count(_serve(funcion, ctx, [data[:5], data[5:]]), data)


@servidor.case(
    "si el cliente corta la conexión (RST), cierra la suya igualmente",
    hint="`with conexion:` cierra también cuando recv() lanza ConnectionResetError (puedes dejar que el error salga).",
)
def _(funcion, ctx):
    client, conn = _pair(ctx)
    _send_pieces(client, [b"hola, "], conn, then_reset=True).join(GENEROUS)
    _, error = call(funcion, conn)
    if error is not None and not isinstance(error, OSError):
        raise error
    if conn.fileno() != -1:
        what = f"lanzó {exception_text(error)}" if error else "terminó"
        raise Fail(f"el cliente cortó con RST, tu función {what} y la conexión quedó sin cerrar: usa `with conexion:`")
