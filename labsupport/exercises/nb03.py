"""Exercises of notebook 03, "Solicitar documentos": read to the end, split, download, send it all.

The cases talk to real servers on loopback: fragments come from :class:`~labsupport.faults.Drip`
and ``/raw/slices``, documents and error pages from :class:`~labsupport.http.HttpServer`,
and a partial ``send`` from a client socket with a small send buffer. Each one targets a
bug of the guide's section 3 (one ``recv`` is not a response, decoding binary bodies,
saving error pages as files, ``send`` instead of ``sendall``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import threading

from .._http_content import UTF8_DEMO
from .._server import StreamServer
from ..faults import Drip, Hangup
from ..http import DEFAULT_DOCROOT, HttpServer
from . import Fail, exercise
from ._checks import fetch, no_unclosed_sockets

#: Text with two-byte UTF-8 characters: 7-byte pieces cut some of them in two.
TEXT = (
    "Año nuevo, señales nuevas: los sockets entregan bytes, no mensajes. "
    "Una eñe ocupa dos bytes y puede llegar partida entre dos recv(). ¡Ánimo, pingüino!\n"
).encode()
#: 1 MiB that is not UTF-8 (every byte value appears), so decoding it fails.
BINARY = bytes(range(256)) * 4096


def _client(server, ctx, timeout: float = 2.0) -> socket.socket:
    return ctx.own(socket.create_connection(server.address, timeout=timeout))


def _same_bytes(got: object, expected: bytes, what: str) -> None:
    if isinstance(got, str):
        raise Fail(f"{what}: devolvió texto (str) y se esperaban bytes: no decodifiques")
    if not isinstance(got, (bytes, bytearray)):
        raise Fail(f"{what}: se esperaban bytes y devolvió {type(got).__name__}")
    if bytes(got) != expected:
        if len(got) < len(expected) and expected.startswith(bytes(got)):
            raise Fail(f"{what}: llegaron {len(got)} de {len(expected)} bytes (¿te quedaste en el primer trozo?)")
        raise Fail(f"{what}: se esperaban {len(expected)} bytes y devolvió {len(got)} bytes distintos")


# -- 3.1 ---------------------------------------------------------------------------
recibir = exercise("3.1", "Recibir la respuesta entera", "recibir_todo")


@recibir.case(
    "junta los trozos de una respuesta que llega por goteo",
    hint="llama a recv() en un bucle hasta que devuelva b'' (el otro extremo cerró) y junta los trozos.",
)
def _(funcion, ctx):
    server = ctx.own(Drip(payload=TEXT, piece=7, delay=0.01))
    _same_bytes(funcion(_client(server, ctx)), TEXT, "respuesta por goteo")


@recibir.case(
    "una respuesta vacía: devuelve b''",
    hint="si el primer recv() ya devuelve b'', no hay nada más: devuelve b'' (bytes vacíos).",
)
def _(funcion, ctx):
    server = ctx.own(Hangup())
    _same_bytes(funcion(_client(server, ctx)), b"", "respuesta vacía")


@recibir.case(
    "1 MiB de datos binarios llega entero y sin decodificar",
    hint="devuelve bytes: b''.join(partes) o un bytearray; .decode() falla con datos que no son texto.",
)
def _(funcion, ctx):
    server = ctx.own(Drip(payload=BINARY, piece=64 * 1024, delay=0))
    _same_bytes(funcion(_client(server, ctx)), BINARY, "1 MiB binario")


# -- 3.2 ---------------------------------------------------------------------------
separar = exercise("3.2", "Separar cabeceras y cuerpo", "separar_respuesta")


def _split(funcion, response: bytes):
    result = funcion(response)
    if not (isinstance(result, tuple) and len(result) == 3):
        raise Fail(f"se esperaba una tupla (linea_estado, cabeceras, cuerpo) y devolvió {type(result).__name__}")
    status, headers, body = result
    if not isinstance(status, str):
        raise Fail(f"la línea de estado debe ser texto (str) y es {type(status).__name__}")
    if not isinstance(headers, dict):
        raise Fail(f"las cabeceras deben ser un diccionario y son {type(headers).__name__}")
    return status, headers, body


@separar.case(
    "un documento de texto: estado, cabeceras y cuerpo",
    hint="respuesta.split(b'\\r\\n\\r\\n', 1) separa la cabecera del cuerpo; la cabecera, por b'\\r\\n'.",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    status, headers, body = _split(funcion, fetch(server.address, "/docs/texto.txt"))
    if status != "HTTP/1.1 200 OK":
        raise Fail(f"la línea de estado debía ser 'HTTP/1.1 200 OK' y fue {status!r:.60}")
    if headers.get("Content-Type") != "text/plain; charset=utf-8":
        raise Fail(
            f"cabeceras['Content-Type'] debía ser 'text/plain; charset=utf-8' y fue "
            f"{headers.get('Content-Type')!r:.60} (¿quitaste el espacio tras los dos puntos?)"
        )
    _same_bytes(body, (DEFAULT_DOCROOT / "texto.txt").read_bytes(), "cuerpo")


@separar.case(
    "una cabecera con ':' en su valor (la hora de Date)",
    hint="parte cada línea solo por los primeros dos puntos: linea.split(':', 1).",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    response = fetch(server.address, "/get")
    date_line = next(line for line in response.split(b"\r\n") if line.startswith(b"Date:"))
    expected = date_line.split(b":", 1)[1].strip().decode("ascii")
    _status, headers, _body = _split(funcion, response)
    if headers.get("Date") != expected:
        raise Fail(f"cabeceras['Date'] debía ser {expected!r} y fue {headers.get('Date')!r:.60}")


@separar.case(
    "una imagen PNG: el cuerpo sigue siendo bytes, idéntico",
    hint="decodifica solo la parte de las cabeceras; el cuerpo se devuelve como bytes, tal cual.",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    _status, headers, body = _split(funcion, fetch(server.address, "/docs/imagen.png"))
    _same_bytes(body, (DEFAULT_DOCROOT / "imagen.png").read_bytes(), "cuerpo de la imagen")
    if headers.get("Content-Length") != str(len(body)):
        raise Fail(f"Content-Length debía ser {len(body)} y fue {headers.get('Content-Length')!r:.40}")


@separar.case(
    "un cuerpo que contiene b'\\r\\n\\r\\n' se queda entero",
    hint="separa solo en la PRIMERA línea en blanco: split(b'\\r\\n\\r\\n', 1), con el 1.",
)
def _(funcion, ctx):
    body = "primera parte\r\n\r\nsegunda parte, con eñe".encode()
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    _status, _headers, got = _split(funcion, response)
    _same_bytes(got, body, "cuerpo con una línea en blanco dentro")


@separar.case(
    "una respuesta sin cuerpo (404 de /status/404)",
    hint="si no hay nada después de la línea en blanco, el cuerpo es b''.",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    status, _headers, body = _split(funcion, fetch(server.address, "/status/404"))
    if status != "HTTP/1.1 404 Not Found":
        raise Fail(f"la línea de estado debía ser 'HTTP/1.1 404 Not Found' y fue {status!r:.60}")
    _same_bytes(body, b"", "cuerpo vacío")


# -- 3.3 ---------------------------------------------------------------------------
descargar = exercise("3.3", "Una descarga que comprueba el estado", "descargar")


class _TempDir:
    """A folder for one case's downloads, removed when the case ends."""

    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="labsupport-3.3-")

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _download(funcion, ctx, path: str, name: str) -> tuple[object, str]:
    server = ctx.own(HttpServer())
    target = os.path.join(ctx.own(_TempDir()).path, name)
    with no_unclosed_sockets():
        status = funcion(server.host, server.port, path, target)
    return status, target


def _saved(target: str, expected: bytes, what: str) -> None:
    if not os.path.exists(target):
        raise Fail(f"{what}: la descarga terminó pero no se creó el archivo")
    with open(target, "rb") as f:
        _same_bytes(f.read(), expected, f"{what} (contenido del archivo)")


@descargar.case(
    "descarga un documento de texto y devuelve 200",
    hint=(
        "pide la ruta con Connection: close (si no, el servidor no cierra y recv() espera), lee hasta b'', "
        "separa en b'\\r\\n\\r\\n' y escribe el cuerpo en 'wb'."
    ),
)
def _(funcion, ctx):
    status, target = _download(funcion, ctx, "/docs/texto.txt", "texto.txt")
    if status != 200:
        raise Fail(f"se esperaba que devolviera el código 200 (un int) y devolvió {status!r:.40}")
    _saved(target, (DEFAULT_DOCROOT / "texto.txt").read_bytes(), "texto.txt")


@descargar.case(
    "descarga una imagen PNG byte a byte",
    hint="abre el archivo en modo binario ('wb') y escribe los bytes del cuerpo, sin decodificar.",
)
def _(funcion, ctx):
    status, target = _download(funcion, ctx, "/docs/imagen.png", "imagen.png")
    if status != 200:
        raise Fail(f"se esperaba 200 y devolvió {status!r:.40}")
    _saved(target, (DEFAULT_DOCROOT / "imagen.png").read_bytes(), "imagen.png")


@descargar.case(
    "un 404 no se guarda como si fuera el archivo",
    hint="lee el código de la línea de estado (int(linea.split()[1])) y escribe el archivo solo si es 200.",
)
def _(funcion, ctx):
    status, target = _download(funcion, ctx, "/docs/no-existe.png", "no-existe.png")
    if os.path.exists(target):
        raise Fail("el servidor respondió 404 y tu función guardó la página de error como si fuera la imagen")
    if status != 404:
        raise Fail(f"se esperaba que devolviera 404 y devolvió {status!r:.40}")


@descargar.case(
    "una respuesta que llega a trozos se guarda entera",
    hint="no basta un recv(): repite hasta b''. Y pide Connection: close, o el servidor no cerrará.",
)
def _(funcion, ctx):
    status, target = _download(funcion, ctx, "/raw/slices?size=16&delay=0.002", "trozos.txt")
    if status != 200:
        raise Fail(f"se esperaba 200 y devolvió {status!r:.40}")
    _saved(target, UTF8_DEMO, "trozos.txt")


# -- 3.4 ---------------------------------------------------------------------------
enviar = exercise("3.4", "Tu propio sendall()", "enviar_todo")

#: A small send buffer: one send() of a large buffer then takes only part of it.
SMALL_SNDBUF = 64 * 1024


class _Sink(StreamServer):
    """Reads every connection to the end and keeps how many bytes arrived and their SHA-256."""

    name = "sumidero"

    def __init__(self) -> None:
        self.done = threading.Event()
        self.total = 0
        self.sha256 = ""
        super().__init__()

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        digest, total = hashlib.sha256(), 0
        while data := conn.recv(65536):
            digest.update(data)
            total += len(data)
        self.total, self.sha256 = total, digest.hexdigest()
        self.done.set()


class _NoSendall(socket.socket):
    """A real TCP socket whose sendall() is off limits: the exercise is to write it."""

    def sendall(self, *args, **kwargs):
        raise Fail("usaste sendall(): el ejercicio es escribirlo tú con send() en un bucle")


def _send_through(funcion, ctx, data: bytes) -> None:
    sink = ctx.own(_Sink())
    sock = ctx.own(_NoSendall(socket.AF_INET, socket.SOCK_STREAM))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_SNDBUF)
    sock.settimeout(2)
    sock.connect(sink.address)
    funcion(sock, data)
    sock.shutdown(socket.SHUT_WR)  # EOF: the sink has everything that was sent
    if not sink.done.wait(2):
        raise Fail("el servidor no recibió el final de los datos a tiempo")
    if sink.total != len(data):
        raise Fail(f"llegaron {sink.total} de {len(data)} bytes: send() envió solo una parte y faltó repetir")
    if sink.sha256 != hashlib.sha256(data).hexdigest():
        raise Fail("llegaron todos los bytes, pero no en el orden correcto (¿repetiste un trozo?)")


@enviar.case(
    "un mensaje corto llega entero",
    hint="n = sock.send(datos) devuelve cuántos bytes salieron; sigue con datos[n:] hasta que no quede nada.",
)
def _(funcion, ctx):
    _send_through(funcion, ctx, "hola, año".encode())


@enviar.case(
    "4 MiB con un búfer de envío pequeño llegan enteros y en orden",
    hint="un send() con muchos datos envía solo lo que cabe en el búfer: repite con lo que falta.",
)
def _(funcion, ctx):
    _send_through(funcion, ctx, hashlib.shake_256(b"3.4").digest(4 * 1024 * 1024))


@enviar.case(
    "sin datos no envía nada y termina",
    hint="con datos == b'' el bucle no debe dar ni una vuelta (while enviados < len(datos)).",
)
def _(funcion, ctx):
    _send_through(funcion, ctx, b"")
