"""Exercises of notebook 04, "Cerrar conexiones": half-close, closing with ``with``, the server's half.

Closing is judged by what the other side sees, never by trusting the student's code:
the peer's log says whether EOF (FIN) arrived, a ``ResourceWarning`` caught while the
garbage collector runs says whether a socket was left open, and a client of ours reads
until ``b""`` to see whether the student's server closed after answering.
"""

from __future__ import annotations

import gc
import socket
import threading
import traceback
import warnings

from .._address import format_address
from ..faults import HalfClose, Reset, Silent
from ..http import HttpServer
from . import Fail, exercise

#: big enough to arrive in many pieces on loopback, small enough to stay fast
BIG = bytes(range(256)) * 1200  # 307 200 bytes


def _call_and_check_closed(call, what: str):
    """Run ``call()``; fail if a socket it created was left open (Python warns on collection).

    Returns ``(result, exception)``: an exception raised by ``call`` is returned, not raised,
    so that the caller can judge it after the check for leaked sockets.
    """
    result, error = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            result = call()
        except (OSError, ValueError) as exc:  # network errors are part of some cases
            error = exc
        if error is not None:
            # The traceback's frames hold the student's locals (their socket among them):
            # clear them, keeping file and line numbers for the report.
            traceback.clear_frames(error.__traceback__)
        gc.collect()
    if any(issubclass(w.category, ResourceWarning) for w in caught):
        raise Fail(f"{what} dejó un socket sin cerrar (Python avisó con ResourceWarning)")
    return result, error


def _saw_eof(server) -> bool:
    return any(e.kind == "eof" for e in server.log())


# -- 4.1 ---------------------------------------------------------------------------
medio = exercise("4.1", "Un cliente de medio cierre", "enviar_y_esperar")


@medio.case(
    "recibe la respuesta que solo llega después del medio cierre",
    hint="después de sendall(datos) llama a sock.shutdown(socket.SHUT_WR): el servidor espera ese FIN "
    "para responder.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HalfClose(timeout=5.0))
    answer = funcion(server.address, b"hola, servidor")
    if answer != b"recibidos 14 bytes\n":
        raise Fail(f"se esperaba b'recibidos 14 bytes\\n' y devolvió {answer!r}")


@medio.case(
    "lee hasta el final una respuesta larga que llega a trozos",
    hint="un solo recv() devuelve solo un trozo: repite recv() hasta que devuelva b'' (el FIN del servidor).",
    time_limit=4.0,
)
def _(funcion, ctx):
    server = ctx.own(HalfClose(reply="echo", timeout=5.0))
    answer = funcion(server.address, BIG)
    if not isinstance(answer, (bytes, bytearray)):
        raise Fail(f"se esperaban bytes y devolvió {type(answer).__name__}")
    if bytes(answer) != BIG:
        raise Fail(f"el servidor devolvió {len(BIG)} bytes y tu función devolvió {len(answer)}")


@medio.case(
    "sin datos que enviar, también funciona",
    hint="sendall(b'') no envía nada; el shutdown(SHUT_WR) sigue siendo lo que avisa al servidor.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HalfClose(timeout=5.0))
    answer = funcion(server.address, b"")
    if answer != b"recibidos 0 bytes\n":
        raise Fail(f"se esperaba b'recibidos 0 bytes\\n' y devolvió {answer!r}")


@medio.case(
    "cierra su socket al terminar",
    hint="usa `with socket.create_connection(direccion, timeout=2) as sock:`, que llama a close() al salir.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HalfClose(timeout=5.0))
    _, error = _call_and_check_closed(lambda: funcion(server.address, b"adios"), "tu función")
    if error is not None:
        raise error
    if not _saw_eof(server):
        raise Fail("el servidor nunca recibió el fin de envío (EOF): falta shutdown(socket.SHUT_WR)")


# -- 4.2 ---------------------------------------------------------------------------
pedir = exercise("4.2", "Una descarga que siempre cierra el socket", "pedir")


def _http_request(server) -> bytes:
    return (
        f"GET /bytes/3000?seed=4 HTTP/1.1\r\nHost: {format_address(server.address)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


@pedir.case(
    "devuelve la respuesta HTTP completa",
    hint="envía con sendall() y lee en un bucle hasta que recv() devuelva b'' (el servidor cierra: "
    "la petición dice Connection: close).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    answer = funcion(server.address, _http_request(server))
    if not isinstance(answer, (bytes, bytearray)):
        raise Fail(f"se esperaban bytes y devolvió {type(answer).__name__}")
    answer = bytes(answer)
    if not answer.startswith(b"HTTP/1.1 200 "):
        raise Fail(f"la respuesta debería empezar por b'HTTP/1.1 200 ' y empieza por {answer[:20]!r}")
    _, sep, body = answer.partition(b"\r\n\r\n")
    if not sep or len(body) != 3000:
        raise Fail(f"el cuerpo debería medir 3000 bytes y mide {len(body)}: ¿lees hasta b''?")


@pedir.case(
    "si el servidor corta la conexión, el error llega a quien llama y el socket se cierra",
    hint="no captures el error: `with` cierra el socket también cuando salta una excepción.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(Reset(wait_for=b"\r\n\r\n", timeout=5.0))
    request = f"GET / HTTP/1.1\r\nHost: {format_address(server.address)}\r\n\r\n".encode()
    result, error = _call_and_check_closed(lambda: funcion(server.address, request), "tu función")
    if not isinstance(error, ConnectionResetError):
        raise Fail(
            "el servidor cortó con RST: se esperaba que ConnectionResetError llegara a quien llama, "
            + (f"pero lanzó {type(error).__name__}" if error else f"pero devolvió {result!r:.60}")
        )


@pedir.case(
    "si el servidor no responde, lanza TimeoutError en pocos segundos y cierra",
    hint="socket.create_connection(direccion, timeout=2): sin timeout, recv() esperaría para siempre.",
    time_limit=4.0,
)
def _(funcion, ctx):
    server = ctx.own(Silent(hold=30.0, timeout=30.0))
    request = f"GET / HTTP/1.1\r\nHost: {format_address(server.address)}\r\n\r\n".encode()
    result, error = _call_and_check_closed(lambda: funcion(server.address, request), "tu función")
    if not isinstance(error, TimeoutError):
        raise Fail(
            "el servidor nunca responde: se esperaba TimeoutError, "
            + (f"pero lanzó {type(error).__name__}" if error else f"pero devolvió {result!r:.60}")
        )


# -- 4.3 ---------------------------------------------------------------------------
servidor = exercise("4.3", "La otra mitad: un servidor que responde tras el EOF", "atender")


def _serve_once(funcion, ctx, data: bytes) -> bytes:
    """Hand ``funcion`` the server side of a connection whose client sends ``data`` then EOF.

    The client writes from its own thread: 300 KB do not fit in the socket buffers, so the
    student's server must be reading while they are sent. Returns what the client read
    until the student's FIN.
    """
    listener = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = ctx.own(socket.create_connection(listener.getsockname(), timeout=1))
    listener.settimeout(1)
    conn, _ = listener.accept()
    ctx.own(conn)
    conn.settimeout(2)

    def send_then_eof() -> None:
        try:
            client.sendall(data)
            client.shutdown(socket.SHUT_WR)
        except OSError:  # the student's server closed early: the checks below say so
            pass

    sender = threading.Thread(target=send_then_eof, name="comprobar-4.3-cliente", daemon=True)
    sender.start()
    funcion(conn)
    sender.join(2)
    parts = []
    try:
        while chunk := client.recv(65536):
            parts.append(chunk)
    except TimeoutError:
        raise Fail(
            "después de responder, tu servidor no cerró la conexión: el cliente esperó el FIN (b'') en vano"
        ) from None
    except ConnectionResetError:
        if parts:  # the answer came before the reset: the comparison says what was wrong
            return b"".join(parts)
        raise Fail(
            "tu servidor cerró sin leer todo lo que envió el cliente, y el cierre fue un RST: "
            "el cliente recibió ConnectionResetError en vez de la respuesta"
        ) from None
    return b"".join(parts)


@servidor.case(
    "responde «recibidos N bytes» después del EOF del cliente",
    hint="lee con conexion.recv() en un bucle hasta b'' y después envía f'recibidos {n} bytes\\n'.encode().",
)
def _(funcion, ctx):
    answer = _serve_once(funcion, ctx, b"hola, servidor")
    if answer != b"recibidos 14 bytes\n":
        raise Fail(f"el cliente esperaba b'recibidos 14 bytes\\n' y recibió {answer!r}")


@servidor.case(
    "cuenta todos los bytes aunque lleguen a trozos",
    hint="suma len(trozo) de cada recv(): 300 KB nunca llegan en un solo recv().",
    time_limit=4.0,
)
def _(funcion, ctx):
    answer = _serve_once(funcion, ctx, BIG)
    expected = f"recibidos {len(BIG)} bytes\n".encode()
    if answer != expected:
        raise Fail(f"el cliente esperaba {expected!r} y recibió {answer!r}")


@servidor.case(
    "un cliente que no envía nada recibe «recibidos 0 bytes»",
    hint="si el primer recv() ya devuelve b'', no has recibido nada: responde igualmente.",
)
def _(funcion, ctx):
    answer = _serve_once(funcion, ctx, b"")
    if answer != b"recibidos 0 bytes\n":
        raise Fail(f"el cliente esperaba b'recibidos 0 bytes\\n' y recibió {answer!r}")
