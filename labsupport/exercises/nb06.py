"""Exercises of notebook 06, "La respuesta del servidor": parse, decode and frame real responses.

The bytes come from the course's own :class:`~labsupport.http.HttpServer` (its ``/raw/``
endpoints send responses byte for byte as the guide's examples do, mistakes included), so
a student's parser meets exactly what a socket delivers: CRLF or bare LF, binary bodies,
chunked bodies with extensions, connections that stay open after the response.
"""

from __future__ import annotations

import socket
from pathlib import Path

from .._http_content import SAMPLE_TEXT, UTF8_DEMO
from ..http import DEFAULT_DOCROOT, HttpServer
from . import Fail, exercise
from ._checks import fetch


def _request(path: str, *, close: bool) -> bytes:
    connection = "close" if close else "keep-alive"
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {connection}\r\n\r\n".encode("ascii")


def _split(raw: bytes) -> tuple[bytes, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def _dict_result(result: object) -> dict:
    if not isinstance(result, dict):
        raise Fail(f"se esperaba un diccionario y tu función devolvió {type(result).__name__}")
    missing = [k for k in ("version", "codigo", "mensaje", "headers", "cuerpo") if k not in result]
    if missing:
        raise Fail(f"al diccionario le faltan las claves {missing}")
    return result


def _same(what: str, got: object, expected: object) -> None:
    if got != expected:
        shown = repr(got)
        if len(shown) > 80:
            shown = shown[:80] + "…"
        raise Fail(f"{what}: se esperaba {expected!r:.80} y tu función dio {shown}")


# -- 6.1 ---------------------------------------------------------------------------
parser = exercise("6.1", "Parsear una respuesta desde bytes", "parsear_respuesta")


@parser.case(
    "línea de estado: versión, código (int) y mensaje con espacios (404 Not Found)",
    hint="la primera línea es «HTTP/1.1 404 Not Found»: split(b' ', 2) da tres partes; int() del código.",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    r = _dict_result(funcion(fetch(server.address, "/status/404")))
    _same("la versión", r["version"], "HTTP/1.1")
    _same("el código", r["codigo"], 404)
    _same("el mensaje", r["mensaje"], "Not Found")


@parser.case(
    "cabeceras: nombre en minúsculas, valor sin espacios alrededor, «:» dentro del valor",
    hint="parte cada línea en el primer «:» (split(':', 1)), y usa .strip() y .lower() en el nombre.",
    time_limit=2.0,
)
def _(funcion, ctx):
    raw = (
        b"HTTP/1.1 302 Found\r\n"
        b"Content-TYPE:   text/plain; charset=utf-8  \r\n"
        b"LOCATION: http://127.0.0.1:8080/get?a=1\r\n"
        b"content-length: 2\r\n"
        b"\r\n"
        b"ok"
    )
    r = _dict_result(funcion(raw))
    headers = r["headers"]
    if not isinstance(headers, dict):
        raise Fail(f"'headers' debe ser un diccionario y es {type(headers).__name__}")
    _same("headers['content-type']", headers.get("content-type"), "text/plain; charset=utf-8")
    _same("headers['location']", headers.get("location"), "http://127.0.0.1:8080/get?a=1")
    _same("headers['content-length']", headers.get("content-length"), "2")
    extra = sorted(k for k in headers if k != k.lower())
    if extra:
        raise Fail(f"hay nombres de cabecera que no están en minúsculas: {extra}")


@parser.case(
    "cuerpo binario intacto: una imagen PNG real, en bytes",
    hint="no decodifiques el cuerpo: sepáralo de las cabeceras con bytes (datos.find(b'\\r\\n\\r\\n')).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    expected = (Path(DEFAULT_DOCROOT) / "imagen.png").read_bytes()
    r = _dict_result(funcion(fetch(server.address, "/docs/imagen.png")))
    body = r["cuerpo"]
    if not isinstance(body, (bytes, bytearray)):
        raise Fail(f"'cuerpo' debe ser bytes y es {type(body).__name__}: ¿lo decodificaste?")
    if bytes(body) != expected:
        raise Fail(f"el cuerpo tiene {len(body)} bytes y la imagen tiene {len(expected)}; deben ser idénticos")


@parser.case(
    "el cuerpo acaba donde dice Content-Length (aunque sigan llegando bytes)",
    hint="lee headers['content-length'], conviértelo con int() y corta: cuerpo[:n].",
    time_limit=2.0,
)
def _(funcion, ctx):
    body = b"primera\r\n\r\nrespuesta"  # a blank line inside the body too
    first = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    second = b"HTTP/1.1 204 No Content\r\n\r\n"
    r = _dict_result(funcion(first + second))
    _same("el cuerpo", bytes(r["cuerpo"]), body)


@parser.case(
    "líneas que terminan solo en \\n (la respuesta de ejemplo de la guía)",
    hint="si no encuentras b'\\r\\n\\r\\n' busca b'\\n\\n'; y quita el '\\r' del final de cada línea si lo hay.",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    r = _dict_result(funcion(fetch(server.address, "/raw/lf-only")))
    _same("el código", r["codigo"], 200)
    _same("headers['content-type']", r["headers"].get("content-type"), "application/json")
    _same("headers['server']", r["headers"].get("server"), "nginx/1.18.0")
    _same("el cuerpo (los 25 bytes que anuncia Content-Length)", bytes(r["cuerpo"]), b'{"message": "Hello World"')


@parser.case(
    "sin Content-Length, el cuerpo es todo lo que queda",
    hint="si no hay cabecera content-length, el cuerpo es todo lo que viene tras la línea en blanco.",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    r = _dict_result(funcion(fetch(server.address, "/raw/close-delimited")))
    _same("el cuerpo", bytes(r["cuerpo"]), SAMPLE_TEXT)


# -- 6.2 ---------------------------------------------------------------------------
chunked = exercise("6.2", "Decodificar un cuerpo troceado (chunked)", "decodificar_chunked")


def _bytes_result(result: object) -> bytes:
    if not isinstance(result, (bytes, bytearray)):
        raise Fail(f"se esperaban bytes y tu función devolvió {type(result).__name__}")
    return bytes(result)


@chunked.case(
    "el cuerpo de /raw/chunked, con una extensión «;nota=...» en el primer trozo",
    hint="la línea de tamaño puede llevar «;extensión»: quédate con lo de antes del «;» y usa int(texto, 16).",
    time_limit=2.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    _, body = _split(fetch(server.address, "/raw/chunked"))
    _same("el cuerpo decodificado", _bytes_result(funcion(body)), SAMPLE_TEXT)


@chunked.case(
    "tamaños en hexadecimal, en mayúsculas y en minúsculas",
    hint="«1A» y «1a» son 26: int(b'1A', 16) funciona con bytes y con las dos formas.",
    time_limit=2.0,
)
def _(funcion, ctx):
    letters = b"abcdefghijklmnopqrstuvwxyz"
    body = b"A\r\n0123456789\r\n1A\r\n" + letters + b"\r\n1a\r\n" + letters.upper() + b"\r\n0\r\n\r\n"
    _same("el cuerpo decodificado", _bytes_result(funcion(body)), b"0123456789" + letters + letters.upper())


@chunked.case(
    "datos binarios con b'\\r\\n' dentro de un trozo",
    hint="no partas el cuerpo por b'\\r\\n': lee el tamaño y toma exactamente ese número de bytes.",
    time_limit=2.0,
)
def _(funcion, ctx):
    data = b"\x00\xff\r\n0\r\n\r\n\xfe"  # looks like a last chunk, but it is data
    body = b"%x\r\n%s\r\n3\r\nfin\r\n0\r\n\r\n" % (len(data), data)
    _same("el cuerpo decodificado", _bytes_result(funcion(body)), data + b"fin")


@chunked.case(
    "un cuerpo vacío: solo el trozo final «0»",
    hint="el trozo de tamaño 0 marca el final: devuelve lo acumulado (b'' si no hay nada).",
    time_limit=2.0,
)
def _(funcion, ctx):
    _same("el cuerpo decodificado", _bytes_result(funcion(b"0\r\n\r\n")), b"")


@chunked.case(
    "ignora las cabeceras finales (trailers) tras el trozo 0",
    hint="al leer el trozo de tamaño 0, termina: lo que venga después no es parte del cuerpo.",
    time_limit=2.0,
)
def _(funcion, ctx):
    body = b"3\r\nabc\r\n0\r\nX-Suma: 1234\r\n\r\n"
    _same("el cuerpo decodificado", _bytes_result(funcion(body)), b"abc")


@chunked.case(
    "3000 bytes aleatorios de /stream-bytes (un servidor real)",
    hint="acumula los trozos en una lista y únelos al final con b''.join(trozos).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    _, expected = _split(fetch(server.address, "/bytes/3000?seed=6"))
    _, body = _split(fetch(server.address, "/stream-bytes/3000?seed=6&chunk_size=700"))
    got = _bytes_result(funcion(body))
    if got != expected:
        raise Fail(f"se esperaban los 3000 bytes del servidor y tu función devolvió {len(got)} bytes distintos")


# -- 6.3 ---------------------------------------------------------------------------
reader = exercise("6.3", "Leer una respuesta entera de un socket", "leer_respuesta")


def _exchange(funcion, sock: socket.socket, path: str) -> tuple[int, dict, bytes]:
    sock.sendall(_request(path, close=False))
    result = funcion(sock)
    if not isinstance(result, tuple) or len(result) != 3:
        raise Fail(f"se esperaba una tupla (codigo, headers, cuerpo) y tu función devolvió {result!r:.80}")
    code, headers, body = result
    if not isinstance(body, (bytes, bytearray)):
        raise Fail(f"el cuerpo debe ser bytes y es {type(body).__name__}")
    return code, headers, bytes(body)


def _connect(ctx, server: HttpServer) -> socket.socket:
    sock = ctx.own(socket.create_connection(server.address, timeout=5))
    return sock


@reader.case(
    "Content-Length en una conexión que sigue abierta (keep-alive)",
    hint="con Content-Length no esperes al cierre (recv devolvería b'' solo al cerrar el servidor): "
    "lee hasta tener exactamente ese número de bytes de cuerpo.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    sock = _connect(ctx, server)
    _, expected = _split(fetch(server.address, "/bytes/5000?seed=3"))
    code, _, body = _exchange(funcion, sock, "/bytes/5000?seed=3")
    _same("el código", code, 200)
    if body != expected:
        raise Fail(f"se esperaban 5000 bytes y el cuerpo tiene {len(body)}")


@reader.case(
    "troceado (Transfer-Encoding: chunked) en una conexión que sigue abierta",
    hint="si headers['transfer-encoding'] es 'chunked', lee trozos (tamaño en hexadecimal) hasta el trozo 0.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    code, headers, body = _exchange(funcion, _connect(ctx, server), "/raw/chunked")
    _same("el código", code, 200)
    _same("el cuerpo decodificado", body, SAMPLE_TEXT)
    if headers.get("transfer-encoding") != "chunked":
        raise Fail("las cabeceras deben ir en minúsculas: falta headers['transfer-encoding']")


@reader.case(
    "sin Content-Length ni chunked: el cuerpo acaba cuando el servidor cierra",
    hint="sin ninguna de las dos cabeceras, lee con recv() hasta que devuelva b''.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    code, _, body = _exchange(funcion, _connect(ctx, server), "/raw/close-delimited")
    _same("el código", code, 200)
    _same("el cuerpo", body, SAMPLE_TEXT)


@reader.case(
    "la respuesta llega a trozos de 13 bytes (cabeceras cortadas por la mitad)",
    hint="un recv() no trae «las cabeceras»: acumula en un bytearray hasta encontrar b'\\r\\n\\r\\n'.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    code, _, body = _exchange(funcion, _connect(ctx, server), "/raw/slices?size=13&delay=0.002")
    _same("el código", code, 200)
    if body != UTF8_DEMO:
        raise Fail(f"se esperaban {len(UTF8_DEMO)} bytes de cuerpo y llegaron {len(body)}")


@reader.case(
    "204 No Content no tiene cuerpo, y la conexión sirve para otra petición",
    hint="las respuestas 1xx, 204 y 304 nunca llevan cuerpo: devuelve b'' sin leer más.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    sock = _connect(ctx, server)
    code, _, body = _exchange(funcion, sock, "/status/204")
    _same("el código", code, 204)
    _same("el cuerpo", body, b"")
    code, _, body = _exchange(funcion, sock, "/bytes/10?seed=1")
    _same("el código de la segunda respuesta", code, 200)
    _same("la longitud del segundo cuerpo", len(body), 10)
