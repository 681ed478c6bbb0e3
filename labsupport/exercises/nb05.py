"""Exercises of notebook 05, "Clientes HTTP": a POST counted in bytes, exact request bytes, keep-alive.

What the student's code put on the wire is judged from the wire: a :class:`~labsupport.tap.Tap`
in front of the HTTP server records the request bytes and the server's answer, and the
server's own JSON says how it understood the body. Requests built by the student are sent
and read back with ``http.client.HTTPResponse``, which frames by ``Content-Length`` exactly
as any real client would.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from urllib.parse import parse_qs

from .._address import format_address
from .._http_routes import random_bytes
from ..http import HttpServer
from ..tap import Tap
from . import Fail, exercise

# -- shared ------------------------------------------------------------------------------


def _head_and_body(data: bytes) -> tuple[bytes, bytes]:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep and b"\n\n" in data:
        raise Fail(f"las líneas acaban en \\n sin \\r: HTTP exige \\r\\n ({data[:60]!r})")
    if not sep:
        raise Fail(f"no hay línea vacía (\\r\\n\\r\\n) que separe cabeceras y cuerpo en {data[:60]!r}")
    return head, body


def _header(head: bytes, name: str) -> str | None:
    """The value of header ``name`` (case-insensitive) in a head block, or None."""
    for line in head.split(b"\r\n")[1:]:
        key, colon, value = line.partition(b":")
        if colon and key.strip().lower() == name.lower().encode():
            return value.strip().decode("latin-1")
    return None


def _server_json(tap: Tap) -> dict:
    """The server's JSON answer as the tap saw it (so what the student returned does not matter)."""
    raw = tap.received()
    head, body = _head_and_body(raw)
    if not head.startswith(b"HTTP/1.1 200"):
        status_line = head.split(b"\r\n")[0].decode("latin-1")
        raise Fail(f"el servidor no respondió 200: {status_line!r}")
    return json.loads(body)


def _send_and_read(address: tuple[str, int], request: bytes) -> tuple[int, bytes]:
    """Send ``request`` on a new connection; read one response framed like http.client does."""
    with socket.create_connection(address, timeout=2) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        try:
            response.begin()
            return response.status, response.read()
        except TimeoutError:
            raise Fail(
                "el servidor no respondió en 2 s: espera más bytes de los que enviaste (¿Content-Length "
                "mayor que el cuerpo?) o falta la línea vacía final"
            ) from None
        finally:
            response.close()


# -- 5.1 -------------------------------------------------------------------------------
formulario = exercise("5.1", "Un POST con la longitud en bytes", "enviar_formulario")

_FORM_HINT = "Content-Length es el número de bytes del cuerpo: len(datos.encode('utf-8')), no len(datos)."


def _post_case(funcion, ctx, datos: str) -> tuple[Tap, bytes]:
    server = ctx.own(HttpServer())
    tap = ctx.own(Tap(server))
    answer = funcion(tap.address, "/post", datos)
    expected = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(datos, keep_blank_values=True).items()}
    form = _server_json(tap)["form"]
    if form != expected:
        raise Fail(f"el servidor entendió el formulario {form} y se esperaba {expected}")
    return tap, answer


@formulario.case(
    "un formulario en ASCII llega entero",
    hint="petición: «POST /post HTTP/1.1», Host, Content-Type: application/x-www-form-urlencoded, "
    "Content-Length, Connection: close, línea vacía y el cuerpo; después lee hasta b''.",
)
def _(funcion, ctx):
    _post_case(funcion, ctx, "nombre=Ana&curso=sockets")


@formulario.case("«nombre=año» llega con su eñe y su o", hint=_FORM_HINT)
def _(funcion, ctx):
    _post_case(funcion, ctx, "nombre=año")


@formulario.case("acentos, signos y un emoji: cada carácter puede ocupar de 1 a 4 bytes", hint=_FORM_HINT)
def _(funcion, ctx):
    _post_case(funcion, ctx, "ciudad=Málaga&saludo=¡hola! 👋")


@formulario.case(
    "la cabecera Host lleva el puerto",
    hint="el servidor no está en el puerto 80: escribe Host: 127.0.0.1:PUERTO (host y puerto de la dirección).",
)
def _(funcion, ctx):
    tap, _ = _post_case(funcion, ctx, "x=1")
    head, _ = _head_and_body(tap.sent())
    expected = format_address(tap.address)
    if _header(head, "Host") != expected:
        raise Fail(f"la cabecera Host decía {_header(head, 'Host')!r} y se esperaba {expected!r}")


@formulario.case(
    "devuelve la respuesta completa, en bytes",
    hint="junta todo lo que devuelva recv() hasta b'' y devuélvelo tal cual, sin decodificar.",
)
def _(funcion, ctx):
    tap, answer = _post_case(funcion, ctx, "nombre=año")
    if not isinstance(answer, (bytes, bytearray)) or bytes(answer) != tap.received():
        shown = f"{len(answer)} bytes" if isinstance(answer, (bytes, bytearray)) else type(answer).__name__
        raise Fail(f"el servidor envió {len(tap.received())} bytes y tu función devolvió {shown}")


# -- 5.2 -------------------------------------------------------------------------------
construir = exercise("5.2", "Los bytes exactos de una petición", "construir_peticion")

_BARE_LF = re.compile(rb"(?<!\r)\n")


def _built(funcion, *args) -> bytes:
    request = funcion(*args)
    if not isinstance(request, (bytes, bytearray)):
        raise Fail(f"se esperaban bytes y devolvió {type(request).__name__}: codifica la petición con .encode()")
    return bytes(request)


@construir.case(
    "un GET: línea de petición, Host con puerto, CRLF y línea vacía final",
    hint="f'GET {ruta} HTTP/1.1\\r\\nHost: {host}:{puerto}\\r\\n...\\r\\n\\r\\n'.encode(): cada línea acaba en \\r\\n.",
)
def _(funcion, ctx):
    request = _built(funcion, "GET", "127.0.0.1", 8080, "/get", "")
    if _BARE_LF.search(request):
        raise Fail("hay un salto de línea \\n sin \\r delante: HTTP separa las líneas con \\r\\n")
    if not request.startswith(b"GET /get HTTP/1.1\r\n"):
        raise Fail(f"la petición debería empezar por b'GET /get HTTP/1.1\\r\\n' y empieza por {request[:24]!r}")
    if not request.endswith(b"\r\n\r\n"):
        raise Fail(f"un GET sin cuerpo termina con la línea vacía (\\r\\n\\r\\n); el tuyo acaba en {request[-8:]!r}")
    head, _ = _head_and_body(request)
    if _header(head, "Host") != "127.0.0.1:8080":
        raise Fail(f"la cabecera Host debería ser '127.0.0.1:8080' y es {_header(head, 'Host')!r}")
    if _header(head, "Content-Length") not in (None, "0"):
        raise Fail("un GET sin cuerpo no necesita Content-Length (y si lo lleva, debe ser 0)")


@construir.case(
    "un POST con «año» declara 11 bytes en Content-Length",
    hint="codifica primero el cuerpo (cuerpo.encode('utf-8')) y usa len() de esos bytes.",
)
def _(funcion, ctx):
    body = "nombre=año&ciudad=Málaga"
    request = _built(funcion, "POST", "127.0.0.1", 8080, "/post", body)
    head, sent_body = _head_and_body(request)
    if not head.startswith(b"POST /post HTTP/1.1\r\n"):
        raise Fail(f"la petición debería empezar por b'POST /post HTTP/1.1\\r\\n' y empieza por {head[:25]!r}")
    if sent_body != body.encode():
        raise Fail(f"después de la línea vacía debería ir el cuerpo en UTF-8 {body.encode()!r} y va {sent_body!r}")
    length = _header(head, "Content-Length")
    if length != str(len(body.encode())):
        raise Fail(
            f"Content-Length debería ser {len(body.encode())} (bytes) y es {length!r}"
            + (" (eso son caracteres)" if length == str(len(body)) else "")
        )


@construir.case(
    "con IPv6, el host va entre corchetes en Host",
    hint="una dirección IPv6 tiene «:» dentro: Host: [::1]:8080 (si ':' in host, ponlo entre [ ]).",
)
def _(funcion, ctx):
    request = _built(funcion, "GET", "::1", 8080, "/", "")
    head, _ = _head_and_body(request)
    if _header(head, "Host") != "[::1]:8080":
        raise Fail(f"la cabecera Host debería ser '[::1]:8080' y es {_header(head, 'Host')!r}")


@construir.case(
    "el servidor HTTP acepta un GET y un POST construidos así",
    hint="la petición debe estar completa: línea de petición, cabeceras con \\r\\n, línea vacía y el cuerpo.",
    time_limit=6.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer(timeout=2.0))
    host, port = server.address
    status, body = _send_and_read(server.address, _built(funcion, "GET", host, port, "/get?curso=sockets", ""))
    if status != 200:
        raise Fail(f"el servidor respondió {status} al GET: {body[:120].decode('utf-8', 'replace')}")
    if json.loads(body)["headers"].get("Host") != format_address(server.address):
        raise Fail("el servidor recibió otra cabecera Host; debe ser la dirección real, con su puerto")
    text = '{"saludo": "¡hola, año nuevo!"}'
    status, body = _send_and_read(server.address, _built(funcion, "POST", host, port, "/post", text))
    if status != 200:
        raise Fail(f"el servidor respondió {status} al POST: {body[:120].decode('utf-8', 'replace')}")
    data = json.loads(body)["data"]
    if data != text:
        raise Fail(f"el servidor recibió el cuerpo {data!r} y se envió {text!r}")


# -- 5.3 -------------------------------------------------------------------------------
varias = exercise("5.3", "Varias peticiones por una sola conexión (keep-alive)", "pedir_varias")

_KEEP_HINT = (
    "lee la cabecera hasta \\r\\n\\r\\n, toma Content-Length y lee exactamente esos bytes de cuerpo; "
    "lo que sobre ya es de la respuesta siguiente. No esperes a b'': con keep-alive el servidor no cierra."
)


def _bodies(funcion, ctx, paths: list[str]) -> tuple[HttpServer, list]:
    server = ctx.own(HttpServer(timeout=5.0))
    bodies = funcion(server.address, list(paths))
    if not isinstance(bodies, list):
        raise Fail(f"se esperaba una lista de cuerpos (bytes) y devolvió {type(bodies).__name__}")
    if len(bodies) != len(paths):
        raise Fail(f"se pidieron {len(paths)} rutas y devolvió {len(bodies)} cuerpos")
    return server, bodies


def _compare(bodies: list, expected: list[bytes], paths: list[str]) -> None:
    for path, got, want in zip(paths, bodies, expected, strict=True):
        if not isinstance(got, (bytes, bytearray)):
            raise Fail(f"el cuerpo de {path} debería ser bytes y es {type(got).__name__}")
        if bytes(got) != want:
            raise Fail(f"el cuerpo de {path} debería medir {len(want)} bytes y mide {len(got)}, o no coincide")


@varias.case("tres respuestas, cada una con su cuerpo exacto", hint=_KEEP_HINT)
def _(funcion, ctx):
    paths = ["/bytes/10?seed=1", "/bytes/2000?seed=2", "/bytes/33?seed=3"]
    _, bodies = _bodies(funcion, ctx, paths)
    _compare(bodies, [random_bytes(10, 1), random_bytes(2000, 2), random_bytes(33, 3)], paths)


@varias.case(
    "usa una sola conexión para todas",
    hint="crea el socket una vez, antes del bucle, y envía todas las peticiones por él (sin Connection: close).",
)
def _(funcion, ctx):
    paths = ["/bytes/5?seed=1", "/bytes/6?seed=2", "/bytes/7?seed=3", "/bytes/8?seed=4"]
    server, bodies = _bodies(funcion, ctx, paths)
    _compare(bodies, [random_bytes(n, s) for n, s in ((5, 1), (6, 2), (7, 3), (8, 4))], paths)
    connections = sum(e.kind == "connect" for e in server.log())
    if connections != 1:
        raise Fail(f"el servidor vio {connections} conexiones para {len(paths)} peticiones; con keep-alive basta una")


@varias.case(
    "un cuerpo grande, uno vacío y uno que llega a trozos con pausas",
    hint="repite recv() hasta tener Content-Length bytes (un recv no lo trae todo); con Content-Length: 0 no leas.",
    time_limit=4.0,
)
def _(funcion, ctx):
    paths = ["/bytes/300000?seed=7", "/bytes/0", "/drip?numbytes=12&duration=0.3", "/bytes/4?seed=8"]
    _, bodies = _bodies(funcion, ctx, paths)
    _compare(bodies, [random_bytes(300000, 7), b"", b"*" * 12, random_bytes(4, 8)], paths)
