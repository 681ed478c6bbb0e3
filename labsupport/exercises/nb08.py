"""Exercises of notebook 08, "Ejemplo completo": an echo server and client that respect framing."""

from __future__ import annotations

import socket
import threading
import time

from ..echo import EchoServer
from ..faults import Drip, Truncate
from . import Fail, exercise
from ._checks import read_to_eof


def _connected_pair(ctx) -> tuple[socket.socket, socket.socket]:
    """A real TCP connection on loopback: (client side, server side)."""
    listener = ctx.own(socket.socket())
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = ctx.own(socket.create_connection(listener.getsockname(), timeout=3))
    server_side, _ = listener.accept()
    ctx.own(server_side)
    server_side.settimeout(3)
    return client, server_side


def _feed(client: socket.socket, pieces: list[bytes], pause: float) -> threading.Thread:
    """Send ``pieces`` with pauses from another thread, then half-close (EOF for the handler)."""

    def run() -> None:
        try:
            for piece in pieces:
                client.sendall(piece)
                time.sleep(pause)
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# -- 8.1 ---------------------------------------------------------------------------
lineas = exercise("8.1", "Un manejador de eco que respeta los mensajes", "manejar_lineas")


def _check_lines(funcion, ctx, pieces: list[bytes], pause: float, expected: bytes) -> None:
    client, server_side = _connected_pair(ctx)
    feeder = _feed(client, pieces, pause)
    funcion(server_side)
    feeder.join(2)
    server_side.close()
    got = read_to_eof(client)
    if got != expected:
        raise Fail(f"el cliente recibió {got!r} y esperaba {expected!r}")


@lineas.case(
    "dos mensajes que llegan en un solo recv",
    hint="un recv puede traer varios mensajes: separa por b'\\n' y responde a cada uno.",
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"hola\nadi\xc3\xb3s\n"], 0, "Echo: hola\nEcho: adiós\n".encode())


@lineas.case(
    "un mensaje partido en varios recv",
    hint="guarda lo que llega en un búfer y responde solo cuando haya una línea completa.",
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"ho", b"la\nmun", b"do\n"], 0.05, b"Echo: hola\nEcho: mundo\n")


@lineas.case(
    "termina cuando el cliente cierra, respondiendo lo que quede",
    hint="cuando recv devuelve b'' el cliente terminó: responde el trozo sin '\\n' que quede y sal del bucle.",
)
def _(funcion, ctx):
    _check_lines(funcion, ctx, [b"uno\ndos"], 0, b"Echo: uno\nEcho: dos\n")


# -- 8.2 ---------------------------------------------------------------------------
exacto = exercise("8.2", "Recibir exactamente n bytes", "recibir_exacto")


@exacto.case(
    "junta los trozos hasta tener n bytes",
    hint="un recv devuelve lo que haya llegado: repite hasta reunir n bytes.",
)
def _(funcion, ctx):
    payload = bytes(range(40))
    server = ctx.own(Drip(payload=payload, piece=7, delay=0.02))
    sock = ctx.own(socket.create_connection(server.address, timeout=3))
    got = funcion(sock, 40)
    if got != payload:
        raise Fail(f"se esperaban los 40 bytes enviados y devolvió {len(got)} bytes distintos")


@exacto.case(
    "no lee de más: lo que sobra queda para el siguiente recv",
    hint="pide a recv como mucho lo que falta: recv(n - recibidos).",
)
def _(funcion, ctx):
    client, server_side = _connected_pair(ctx)
    server_side.sendall(b"0123456789ABCDEF")
    time.sleep(0.05)
    first = funcion(client, 10)
    rest = client.recv(100)
    if first != b"0123456789" or rest != b"ABCDEF":
        raise Fail(f"devolvió {first!r} y después quedaba {rest!r}; se esperaba b'0123456789' y b'ABCDEF'")


@exacto.case(
    "si el otro lado cierra antes de tiempo, lanza ConnectionError",
    hint="si recv devuelve b'' antes de tener n bytes, lanza ConnectionError (no devuelvas menos).",
)
def _(funcion, ctx):
    server = ctx.own(Truncate(payload=b"x" * 100, keep=30))
    sock = ctx.own(socket.create_connection(server.address, timeout=3))
    try:
        got = funcion(sock, 100)
    except ConnectionError:
        return
    raise Fail(f"el servidor cerró tras 30 de 100 bytes y tu función devolvió {len(got)} bytes sin avisar")


# -- 8.3 ---------------------------------------------------------------------------
cliente = exercise("8.3", "El cliente de eco, arreglado", "enviar_mensaje")


def _echo_case(funcion, ctx, message: str) -> None:
    server = ctx.own(EchoServer(prefix=b""))  # a plain echo: the answer is the message itself
    sock = ctx.own(socket.create_connection(server.address, timeout=3))
    answer = funcion(sock, message)
    if answer != message:
        shown = answer if len(str(answer)) < 60 else f"{str(answer)[:40]}… ({len(answer)} caracteres)"
        raise Fail(f"se esperaba el mismo mensaje ({len(message)} caracteres) y devolvió {shown!r}")


@cliente.case("un mensaje corto", hint="sendall(mensaje.encode('utf-8')) y lee la respuesta.")
def _(funcion, ctx):
    _echo_case(funcion, ctx, "hola")


@cliente.case(
    "un mensaje de 5000 caracteres (no cabe en un recv(1024))",
    hint="la respuesta mide lo mismo que el mensaje en bytes: lee hasta tenerla entera.",
)
def _(funcion, ctx):
    _echo_case(funcion, ctx, "abcdefghij" * 500)


@cliente.case(
    "acentos: cuenta bytes, no caracteres",
    hint="'ñ' ocupa 2 bytes en UTF-8: compara longitudes en bytes y decodifica al final.",
)
def _(funcion, ctx):
    _echo_case(funcion, ctx, "año pequeño " * 300)
