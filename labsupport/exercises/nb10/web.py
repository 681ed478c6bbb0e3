"""10.5 (project): the whole HTTP response to one request for a file of a folder, without leaving it."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ...http.client import find_header, parse_status_line, split_response
from .. import Fail, brief, exercise, expect_type
from .._chaos import error_text
from .._outcome import call
from ..nb03 import _TempDir

servir = exercise("10.5", "Responder a una petición HTTP con un archivo de una carpeta", "responder_peticion")

TEXT = "Año nuevo en el servidor: cada «ñ» ocupa dos bytes.\n".encode()
IMAGE = bytes(range(256)) * 8
SECRET = b"CONTRASENA-DEL-SERVIDOR\n"


class _Site(_TempDir):
    """A folder to serve (raiz: texto.txt, imagen.bin, sub/nota.txt) and, outside it, secreto.txt and a
    sibling folder whose name starts like the served one (raiz-privada/secreto.txt): a containment
    test by string prefix ("…/raiz-privada".startswith("…/raiz")) lets it out."""

    def __init__(self) -> None:
        super().__init__()
        self.root = os.path.join(self.path, "raiz")
        os.makedirs(os.path.join(self.root, "sub"))
        for name, data in (("texto.txt", TEXT), ("imagen.bin", IMAGE), (os.path.join("sub", "nota.txt"), b"nota\n")):
            with open(os.path.join(self.root, name), "wb") as f:
                f.write(data)
        self.secret = os.path.join(self.path, "secreto.txt")
        os.makedirs(os.path.join(self.path, "raiz-privada"))
        for name in (self.secret, os.path.join(self.path, "raiz-privada", "secreto.txt")):
            with open(name, "wb") as f:
                f.write(SECRET)


def _answer(funcion: Callable[..., Any], site: _Site, request: bytes, garbage: bool = False,
            hostile: bool = False) -> tuple[int, Any, bytes]:
    """The student's response to ``request`` for ``site``, checked for shape: (status, parts, body).

    ``garbage``: the request is malformed (then an exception is told to become a 400); ``hostile``:
    its path is one the file system refuses (then an exception is told to become a 404)."""
    raw = _raw(funcion, site, request, garbage, hostile)
    parts = split_response(raw)
    status_line = parts.of("status")[0].data if parts.parts else b""
    try:
        _version, status, _reason = parse_status_line(status_line)
    except ValueError:
        raise Fail(f"la respuesta no empieza por una línea de estado HTTP (HTTP/1.1 200 OK): {brief(raw[:40])}") \
            from None
    if not parts.separator:
        raise Fail("la respuesta no tiene la línea en blanco que separa la cabecera del cuerpo (b'\\r\\n\\r\\n')")
    if parts.separator != b"\r\n\r\n" or not status_line.endswith(b"\r\n"):
        raise Fail("las líneas de la cabecera terminan en b'\\n': HTTP exige b'\\r\\n' en cada una")
    return status, parts, parts.body


def _raw(funcion: Callable[..., Any], site: _Site, request: bytes, garbage: bool = False,
         hostile: bool = False) -> bytes:
    """The bytes the student's function answered to ``request`` (Fail if it raised or returned no bytes)."""
    got, error = call(funcion, site.root, request)
    if error is not None:
        if isinstance(error, NotImplementedError):
            raise error
        advice = ": un servidor no se cae por una petición mal formada; responde 400 Bad Request" if garbage else ""
        if hostile:
            advice = (": un servidor no se cae por una ruta que el sistema de archivos no admite; captura el error "
                      "al buscar el archivo y responde 404 Not Found")
        raise Fail(f"con la petición {brief(request, 50)} tu función lanzó {error_text(error)}{advice}") from None
    return bytes(expect_type(got, (bytes, bytearray)))


def _content_length(parts: Any, status: int) -> int:
    value = find_header(parts.headers, "Content-Length")
    if value is None:
        raise Fail(f"la respuesta {status} no tiene Content-Length: el cliente no sabría dónde acaba el cuerpo")
    if not value.isdigit():
        raise Fail(f"Content-Length debe ser un número de bytes y es {brief(value)}")
    return int(value)


def _expect_length(parts: Any, status: int, body: bytes) -> None:
    """An error response too says how long its body is (the client waits for that many bytes)."""
    if _content_length(parts, status) != len(body):
        raise Fail(f"en la respuesta {status}, Content-Length no es la longitud del cuerpo ({len(body)} bytes)")


def _expect_status(status: int, wanted: tuple[int, ...], what: str) -> None:
    if status not in wanted:
        raise Fail(f"{what}: se esperaba {' o '.join(map(str, wanted))} y tu función respondió {status}")


def _expect_each(funcion: Callable[..., Any], site: _Site, requests: list[tuple[bytes, str]],
                 wanted: tuple[int, ...], **kind: bool) -> None:
    """Each ``(request, what)`` answered with a status in ``wanted`` and a right Content-Length."""
    for request, what in requests:
        status, parts, body = _answer(funcion, site, request, **kind)
        _expect_status(status, wanted, what)
        _expect_length(parts, status, body)


@servir.case(
    "GET de un texto con eñes: 200, Content-Length en bytes y el cuerpo tal cual",
    hint="lee el archivo en modo 'rb' y usa len(cuerpo) de esos bytes: una «ñ» son dos bytes.",
)
def _(funcion, ctx):
    site = ctx.own(_Site())
    status, parts, body = _answer(funcion, site, b"GET /texto.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    _expect_status(status, (200,), "GET /texto.txt")
    length = _content_length(parts, status)
    if length == len(TEXT.decode()) != len(TEXT):
        raise Fail(f"Content-Length es {length}, los caracteres del texto; el archivo tiene {len(TEXT)} bytes "
                   "(cada «ñ» ocupa dos)")
    if body != TEXT:
        raise Fail(f"el cuerpo no es el archivo: {len(body)} bytes y el archivo tiene {len(TEXT)} ({brief(body[:30])})")
    if length != len(body):
        raise Fail(f"Content-Length dice {length} y el cuerpo tiene {len(body)} bytes")


@servir.case(
    "GET de un archivo binario: el cuerpo idéntico, byte a byte",
    hint="no decodifiques el archivo: ábrelo con open(ruta, 'rb') y pon sus bytes en el cuerpo tal cual.",
)
def _(funcion, ctx):
    site = ctx.own(_Site())
    status, parts, body = _answer(funcion, site, b"GET /imagen.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    _expect_status(status, (200,), "GET /imagen.bin")
    if body != IMAGE or _content_length(parts, status) != len(IMAGE):
        raise Fail(f"el cuerpo tiene {len(body)} bytes y el archivo {len(IMAGE)}: no son los mismos bytes")


@servir.case(
    "un archivo que no existe, o una carpeta: 404, con su Content-Length",
    hint="si la ruta no es un archivo (os.path.isfile), responde 404 Not Found con un cuerpo corto y su longitud.",
)
def _(funcion, ctx):
    site = ctx.own(_Site())
    for path in ("/no-existe.txt", "/sub"):
        status, parts, body = _answer(funcion, site, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        _expect_status(status, (404,) if path != "/sub" else (403, 404), f"GET {path}")
        _expect_length(parts, status, body)


@servir.case(
    "HEAD: las mismas cabeceras que GET y ningún cuerpo",
    hint="HEAD responde como GET (el Content-Length del archivo), pero sin enviar el cuerpo.",
)
def _(funcion, ctx):
    site = ctx.own(_Site())
    status, parts, body = _answer(funcion, site, b"HEAD /texto.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    _expect_status(status, (200,), "HEAD /texto.txt")
    if body:
        raise Fail(f"la respuesta a HEAD trae un cuerpo de {len(body)} bytes: HEAD envía solo la cabecera")
    length = _content_length(parts, status)
    if length != len(TEXT):
        raise Fail(f"en HEAD, Content-Length debe ser el tamaño del archivo ({len(TEXT)} bytes) y es {length}")


@servir.case(
    "no sale de la carpeta: ../ y rutas absolutas dan 403 o 404",
    hint="resuelve la ruta (os.path.realpath) y comprueba que sigue dentro de la carpeta (os.path.commonpath) "
    "antes de abrir nada.",
)
def _(funcion, ctx):
    site = ctx.own(_Site())
    for path in ("/../secreto.txt", "/sub/../../secreto.txt", "/" + site.secret.lstrip("/"), "/" + site.secret,
                 "/../raiz-privada/secreto.txt"):
        status, parts, body = _answer(funcion, site, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        if SECRET in body or status == 200:
            prefix = (" (raiz-privada empieza por raiz: ¿compruebas la ruta con startswith? Compara carpetas "
                      "enteras, con os.path.commonpath o Path.is_relative_to)" if "privada" in path else "")
            leaked = " con el contenido de secreto.txt, que está fuera de la carpeta" if SECRET in body else ""
            raise Fail(f"GET {path} respondió {status}{leaked}: una ruta no debe salir de tu carpeta{prefix}")
        _expect_status(status, (403, 404), f"GET {path}")
        _expect_length(parts, status, body)


@servir.case(
    "una petición mal formada: 400, sin lanzar excepciones",
    hint="parte la línea de petición con split(' ') y comprueba que hay 3 partes, que la ruta empieza por '/' y "
    "que la versión empieza por 'HTTP/': si no, responde 400 Bad Request.",
)
def _(funcion, ctx):
    requests = (b"hola\r\n\r\n", b"GET\r\n\r\n", b"GET /texto.txt\r\n\r\n", b"\xff\xfe basura\r\n\r\n",
                b"GET texto.txt HTTP/1.1\r\n\r\n", b"GET /texto.txt FOO/1.1\r\n\r\n")
    _expect_each(funcion, ctx.own(_Site()), [(r, f"la petición {brief(r)}") for r in requests], (400,), garbage=True)


@servir.case(
    "una ruta que el sistema de archivos no admite (un byte nulo, un nombre de 300 bytes): 400 o 404, sin lanzar",
    hint="con un byte nulo, open, realpath o resolve lanzan ValueError, y con un nombre de más de 255 bytes, "
    "OSError: captúralos al buscar el archivo y responde 404 (o 400).",
)
def _(funcion, ctx):
    paths = (b"/%00", b"/texto.txt\x00.png", b"/" + b"a" * 300, b"/sub/" + b"%61" * 300)
    requests = [(b"GET " + p + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", f"GET {brief(p, 30)}") for p in paths]
    _expect_each(funcion, ctx.own(_Site()), requests, (400, 404), hostile=True)


@servir.case(
    "otro método (POST, DELETE): 405 o 501",
    hint="este servidor solo sabe GET y HEAD: a otro método responde 405 Method Not Allowed "
    "(o 501 Not Implemented).",
)
def _(funcion, ctx):
    requests = [(f"{m} /texto.txt HTTP/1.1\r\nHost: x\r\n\r\n".encode(), f"{m} /texto.txt") for m in ("POST", "DELETE")]
    _expect_each(funcion, ctx.own(_Site()), requests, (405, 501))

