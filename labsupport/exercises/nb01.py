"""Exercises of notebook 01, "Crear sockets": each case uses real sockets on loopback."""

from __future__ import annotations

import socket

from ..echo import EchoServer, UdpEchoServer
from . import Fail, exercise
from ._checks import no_unclosed_sockets

# -- 1.1 ---------------------------------------------------------------------------
servidor_local = exercise("1.1", "Un servidor TCP en un puerto libre", "crear_servidor_local")


def _listening_socket(funcion, ctx) -> socket.socket:
    sock = funcion()
    if not isinstance(sock, socket.socket):
        raise Fail(f"se esperaba que devolviera un socket y devolvió {type(sock).__name__}")
    ctx.own(sock)
    return sock


@servidor_local.case("devuelve un socket TCP sobre IPv4", hint="socket.socket(socket.AF_INET, socket.SOCK_STREAM)")
def _(funcion, ctx):
    sock = _listening_socket(funcion, ctx)
    if sock.family != socket.AF_INET or sock.type != socket.SOCK_STREAM:
        raise Fail(f"se esperaba AF_INET + SOCK_STREAM y es {sock.family.name} + {sock.type.name}")


@servidor_local.case(
    "está enlazado a 127.0.0.1 en un puerto que eligió el sistema",
    hint="bind(('127.0.0.1', 0)): el puerto 0 pide al sistema uno libre.",
)
def _(funcion, ctx):
    sock = _listening_socket(funcion, ctx)
    host, port = sock.getsockname()
    if host != "127.0.0.1":
        raise Fail(f"se esperaba la dirección 127.0.0.1 y tu socket está en {host!r}")
    if port == 0:
        raise Fail("el socket no está enlazado: falta bind()")
    second = ctx.own(_listening_socket(funcion, ctx))
    if second.getsockname()[1] == port:
        raise Fail(f"dos llamadas dieron el mismo puerto ({port}): ¿usas un puerto fijo?")


@servidor_local.case(
    "acepta una conexión (está escuchando)",
    hint="después de bind() llama a listen(); sin listen() un cliente recibe ConnectionRefusedError.",
)
def _(funcion, ctx):
    sock = _listening_socket(funcion, ctx)
    try:
        client = ctx.own(socket.create_connection(sock.getsockname(), timeout=1))
    except ConnectionRefusedError:
        raise Fail("un cliente que conecta recibe ConnectionRefusedError: el socket no escucha") from None
    sock.settimeout(1)
    conn, _ = sock.accept()
    ctx.own(conn)
    if conn.getpeername() != client.getsockname():
        raise Fail("la conexión aceptada no es la del cliente de la prueba")


# -- 1.2 ---------------------------------------------------------------------------
udp = exercise("1.2", "Enviar un datagrama UDP y esperar la respuesta", "enviar_udp")


@udp.case("recibe el eco de un mensaje", hint="sendto(mensaje, direccion) y después recvfrom(...)")
def _(funcion, ctx):
    server = ctx.own(UdpEchoServer())
    answer = funcion(server.address, b"hola")
    if answer != b"Echo: hola":
        raise Fail(f"se esperaba b'Echo: hola' y devolvió {answer!r}")


@udp.case(
    "envía bytes, no texto: «año» en UTF-8",
    hint="UDP envía bytes: el mensaje ya llega como bytes, devuelve lo recibido sin decodificar.",
)
def _(funcion, ctx):
    server = ctx.own(UdpEchoServer())
    message = "año".encode()
    answer = funcion(server.address, message)
    if answer != b"Echo: " + message:
        raise Fail(f"se esperaba {b'Echo: ' + message!r} y devolvió {answer!r}")


@udp.case(
    "si nadie responde, lanza TimeoutError en vez de colgarse",
    hint="UDP no avisa si el datagrama se pierde: pon settimeout(1) antes de recvfrom().",
    time_limit=4.0,
)
def _(funcion, ctx):
    mute = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    mute.bind(("127.0.0.1", 0))  # receives, never answers
    try:
        answer = funcion(mute.getsockname(), b"hola?")
    except TimeoutError:
        return
    raise Fail(f"se esperaba TimeoutError y devolvió {answer!r}")


# -- 1.3 ---------------------------------------------------------------------------
ocupado = exercise("1.3", "¿Está ocupado este puerto?", "puerto_ocupado")


@ocupado.case(
    "un puerto con un servidor escuchando está ocupado",
    hint="intenta bind(('127.0.0.1', puerto)) y captura OSError con errno EADDRINUSE.",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    if funcion(server.port) is not True:
        raise Fail(f"el puerto {server.port} tiene un servidor y tu función no devolvió True")


@ocupado.case(
    "un puerto libre no está ocupado, y sigue libre después",
    hint="si bind() funciona, el puerto estaba libre: cierra ese socket y devuelve False.",
)
def _(funcion, ctx):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    if funcion(port) is not False:
        raise Fail(f"el puerto {port} estaba libre y tu función no devolvió False")
    again = ctx.own(socket.socket())
    try:
        again.bind(("127.0.0.1", port))
    except OSError:
        raise Fail(f"después de tu función el puerto {port} quedó ocupado: ¿cerraste el socket?") from None


@ocupado.case(
    "cierra el socket que usa para probar",
    hint="usa `with socket.socket() as s:` o cierra el socket en un finally.",
)
def _(funcion, ctx):
    server = ctx.own(EchoServer())
    with no_unclosed_sockets():
        funcion(server.port)
