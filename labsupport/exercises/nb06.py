"""Exercises of notebook 06, "La respuesta del servidor": parse, decode and frame real responses.

6.1 and 6.2 take bytes; the bytes come from the course's own
:class:`~labsupport.http.HttpServer` (its ``/raw/`` endpoints send responses byte for byte as
the guide's examples do, mistakes included) or are written here to hold one trap each.
6.3 and 6.4 read from a socket. Their connections are :class:`~._pacing.PacedConnection`: the far end
sends one piece at a time, each only after the student's socket has read the previous one,
so "one ``recv()`` is one message" and "look for the blank line in the newest fragment only"
fail on every run, never by luck; and the connection stays open (keep-alive) unless the case
is about the server closing, so reading "until ``b''``" waits for the time limit.

Every message is computed from what came back; a case that checks what the student's socket
still holds reads it itself, so "bytes lost" is measured, not guessed.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..http import DEFAULT_DOCROOT, HttpServer
from ..http.client import split_response
from ..http.samples import SAMPLE_TEXT, UTF8_DEMO
from . import Context, Fail, exercise
from ._checks import fetch
from ._cuts import seeded_slices
from ._framework import brief
from ._outcome import exception_text, expect_connection_error
from ._pacing import PacedConnection, slices
from ._pacing.reader import delivered, unread


def _kind(value: object) -> str:
    """What came back, for a message: "None", or its type and a short repr ("str 'HTTP/1.1 200 OK'")."""
    return "None" if value is None else f"{type(value).__name__} {brief(value, 50)}"


def _same(what: str, got: object, expected: object) -> None:
    if got != expected:
        raise Fail(f"{what}: se esperaba {brief(expected)} y tu función dio {brief(got)}")


def _split(raw: bytes) -> tuple[bytes, bytes]:
    """Head and body, cut by the course's codec (the head without the blank line)."""
    parts = split_response(raw)
    return parts.head, parts.body


# -- 6.1 ---------------------------------------------------------------------------
parser = exercise("6.1", "Analizar una respuesta desde bytes", "parsear_respuesta")

_KEYS = ("version", "codigo", "mensaje", "headers", "cuerpo")


def _parsed(funcion: Callable[..., Any], data: bytes) -> dict:
    """Call the student's parser and validate the shape of what came back."""
    result = funcion(data)
    if not isinstance(result, dict):
        raise Fail(f"se esperaba un diccionario y tu función devolvió {_kind(result)}")
    missing = [k for k in _KEYS if k not in result]
    if missing:
        raise Fail(f"al diccionario le faltan las claves {missing} (tiene {sorted(map(str, result))})")
    if not isinstance(result["headers"], dict):
        raise Fail(f"'headers' debe ser un diccionario y es {_kind(result['headers'])}")
    body = result["cuerpo"]
    if isinstance(body, str):
        raise Fail("'cuerpo' es texto (str): el cuerpo se queda en bytes, sin decodificar")
    if not isinstance(body, (bytes, bytearray)):
        raise Fail(f"'cuerpo' debe ser bytes y es {_kind(body)}")
    return result


@parser.case(
    "línea de estado: versión, código (int) y mensaje con espacios (404 Not Found)",
    hint="la primera línea es «HTTP/1.1 404 Not Found»: split(' ', 2) da tres partes (el mensaje puede "
    "tener espacios); y el código se convierte con int().",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    r = _parsed(funcion, fetch(server.address, "/status/404"))
    _same("la versión", r["version"], "HTTP/1.1")
    if r["codigo"] == "404":
        raise Fail("el código es el texto '404': conviértelo en número con int()")
    _same("el código", r["codigo"], 404)
    _same("el mensaje", r["mensaje"], "Not Found")


@parser.case(
    "cabeceras: nombre en minúsculas, valor sin espacios alrededor, «:» dentro del valor",
    hint="parte cada línea en el PRIMER «:» (split(':', 1)), y usa .strip() en los dos lados y .lower() "
    "en el nombre.",
    time_limit=3.0,
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
    headers = _parsed(funcion, raw)["headers"]
    upper = sorted(k for k in headers if isinstance(k, str) and k != k.lower())
    if upper:
        raise Fail(f"hay nombres de cabecera que no están en minúsculas: {upper}")
    location = headers.get("location")
    if location in ("http", " http"):
        raise Fail("headers['location'] quedó en 'http': cortaste también en los «:» del valor")
    if isinstance(location, str) and location != location.strip():
        raise Fail(f"headers['location'] tiene espacios alrededor: {location!r}")
    _same("headers['content-type']", headers.get("content-type"), "text/plain; charset=utf-8")
    _same("headers['location']", location, "http://127.0.0.1:8080/get?a=1")
    _same("headers['content-length']", headers.get("content-length"), "2")


@parser.case(
    "cuerpo binario intacto: una imagen PNG real, en bytes",
    hint="no decodifiques el cuerpo: sepáralo de las cabeceras en bytes (datos.find(b'\\r\\n\\r\\n')) y "
    "decodifica solo las cabeceras (iso-8859-1).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    expected = (Path(DEFAULT_DOCROOT) / "imagen.png").read_bytes()
    body = bytes(_parsed(funcion, fetch(server.address, "/docs/imagen.png"))["cuerpo"])
    if body != expected:
        raise Fail(f"el cuerpo tiene {len(body)} bytes y la imagen {len(expected)}: deben ser idénticos; "
                   + _png_damage(body, expected))


def _png_damage(body: bytes, expected: bytes) -> str:
    """What the student's parser did to the image, told from the bytes it returned."""
    if body == expected.replace(b"\r\n", b"\n"):
        return ("cambiaste \\r\\n por \\n también en el cuerpo (la imagen contiene esos bytes): haz ese cambio, "
                "si acaso, solo en las cabeceras")
    if body and expected.endswith(body):
        return (f"es el final de la imagen, sin sus primeros {len(expected) - len(body)} bytes: se cortó dentro "
                "del cuerpo; busca primero b'\\r\\n\\r\\n', y b'\\n\\n' solo si no está")
    for errors in ("ignore", "replace"):
        if body == expected.decode("utf-8", errors).encode("utf-8"):
            return f"es la imagen decodificada como UTF-8 (errors='{errors}') y vuelta a codificar: no la decodifiques"
    if body and expected.startswith(body):
        return "es el principio de la imagen: faltan bytes del final"
    return f"empieza por {brief(body, 30)} y la imagen por {brief(expected, 30)}"


@parser.case(
    "el cuerpo acaba donde dice Content-Length (aunque sigan llegando bytes)",
    hint="convierte headers['content-length'] con int() y corta: cuerpo[:n]; y separa las cabeceras solo "
    "en la PRIMERA línea en blanco (el cuerpo puede contener otra).",
    time_limit=3.0,
)
def _(funcion, ctx):
    body = b"primera\r\n\r\nrespuesta"  # a blank line inside the body too
    first = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    got = bytes(_parsed(funcion, first + b"HTTP/1.1 204 No Content\r\n\r\n")["cuerpo"])
    if got == b"primera":
        raise Fail("el cuerpo se cortó en la línea en blanco que hay DENTRO del cuerpo: separa solo en la primera")
    if got.startswith(body) and len(got) > len(body):
        raise Fail(f"el cuerpo tiene {len(got)} bytes y Content-Length dice {len(body)}: córtalo en cuerpo[:n]")
    _same("el cuerpo", got, body)


@parser.case(
    "líneas que terminan solo en \\n (la respuesta de ejemplo de la guía)",
    hint="si no encuentras b'\\r\\n\\r\\n' busca b'\\n\\n'; y quita el '\\r' del final de cada línea si lo hay.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    r = _parsed(funcion, fetch(server.address, "/raw/lf-only"))
    _same("el código", r["codigo"], 200)
    _same("headers['content-type']", r["headers"].get("content-type"), "application/json")
    _same("headers['server']", r["headers"].get("server"), "nginx/1.18.0")
    _same("el cuerpo (los 25 bytes que anuncia Content-Length)", bytes(r["cuerpo"]), b'{"message": "Hello World"')


@parser.case(
    "sin Content-Length, el cuerpo es todo lo que queda",
    hint="si no hay cabecera content-length, el cuerpo es todo lo que viene tras la línea en blanco.",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    r = _parsed(funcion, fetch(server.address, "/raw/close-delimited"))
    _same("el cuerpo", bytes(r["cuerpo"]), SAMPLE_TEXT)


# -- 6.2 ---------------------------------------------------------------------------
chunked = exercise("6.2", "Decodificar un cuerpo troceado (chunked)", "decodificar_chunked")


def _decoded(funcion: Callable[..., Any], body: bytes) -> bytes:
    """The student's decoder on ``body``; a ValueError that reveals a known slip becomes its explanation."""
    try:
        result = funcion(body)
    except ValueError as exc:
        text = str(exc)
        if "base 16" in text and ("b''" in text or "\\r" in text or text.endswith("''")):
            raise Fail(
                f"tu función lanzó ValueError ({text[:60]}): intentó leer un tamaño donde está el \\r\\n que "
                "cierra los datos del trozo anterior; tras los datos de cada trozo salta también su \\r\\n"
            ) from None
        if "base 16" in text and ";" in text:
            raise Fail(
                f"tu función lanzó ValueError ({text[:60]}): quita la «;extensión» antes de int(…, 16)"
            ) from None
        if "base 10" in text:
            raise Fail(f"tu función lanzó ValueError ({text[:60]}): los tamaños van en hexadecimal, int(texto, 16)"
                       ) from None
        raise
    if isinstance(result, str):
        raise Fail("tu función devolvió texto (str): devuelve los bytes tal cual, sin decodificar")
    if not isinstance(result, (bytes, bytearray)):
        raise Fail(f"se esperaban bytes y tu función devolvió {_kind(result)}")
    return bytes(result)


def _same_data(got: bytes, expected: bytes, body: bytes) -> None:
    if got == expected:
        return
    first_line = body.split(b"\r\n", 1)[0]
    if first_line and first_line in got:
        raise Fail(f"el resultado incluye la línea de tamaño {first_line!r}: solo van los datos de los trozos")
    if expected.startswith(got) and got:
        raise Fail(f"llegaron {len(got)} de {len(expected)} bytes: ¿te quedaste en el primer trozo?")
    raise Fail(f"se esperaban {len(expected)} bytes ({brief(expected, 40)}) y tu función devolvió "
               f"{len(got)} ({brief(got, 40)})")


@chunked.case(
    "el cuerpo de /raw/chunked, con una extensión «;nota=...» en el primer trozo",
    hint="la línea de tamaño puede llevar «;extensión»: quédate con lo de antes del «;» y usa int(texto, 16).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    _, body = _split(fetch(server.address, "/raw/chunked"))
    _same_data(_decoded(funcion, body), SAMPLE_TEXT, body)


@chunked.case(
    "el \\r\\n que cierra los datos de cada trozo, y tamaños en hexadecimal (A, 1A, 1a)",
    hint="cada trozo es: tamaño en hexadecimal, \\r\\n, los datos, \\r\\n. Tras los datos salta también su "
    "\\r\\n (pos = inicio + tamaño + 2); «1A» y «1a» son 26: int(b'1A', 16).",
    time_limit=3.0,
)
def _(funcion, ctx):
    letters = b"abcdefghijklmnopqrstuvwxyz"
    body = b"A\r\n0123456789\r\n1A\r\n" + letters + b"\r\n1a\r\n" + letters.upper() + b"\r\n0\r\n\r\n"
    _same_data(_decoded(funcion, body), b"0123456789" + letters + letters.upper(), body)


@chunked.case(
    "datos binarios con b'\\r\\n' dentro de un trozo",
    hint="no partas el cuerpo por b'\\r\\n' ni busques b'0\\r\\n\\r\\n' para encontrar el final: los dos pueden ir "
    "dentro de los datos. Lee el tamaño y toma exactamente ese número de bytes.",
    time_limit=3.0,
)
def _(funcion, ctx):
    data = b"\x00\xff\r\n0\r\n\r\n\xfe"  # looks like a last chunk, but it is data
    body = b"%x\r\n%s\r\n3\r\nfin\r\n0\r\n\r\n" % (len(data), data)
    got = _decoded(funcion, body)
    if got != data + b"fin" and got in (data, data[: data.index(b"0\r\n")]):
        raise Fail(f"tu función devolvió {brief(got, 40)}: se paró en el b'0\\r\\n\\r\\n' que va DENTRO de los "
                   "datos del primer trozo, y el segundo trozo (b'fin') se perdió")
    _same_data(got, data + b"fin", body)


@chunked.case(
    "el trozo 0 termina: un cuerpo vacío, y las cabeceras finales (trailers) no son datos",
    hint="al leer un tamaño 0 ya no vienen datos: devuelve lo acumulado (b'' si no hay nada); las cabeceras "
    "finales que vengan detrás, hasta la línea en blanco, no son parte de los datos; y lo que venga tras esa "
    "línea en blanco ya no es de este cuerpo: ignóralo.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _same("el cuerpo decodificado de b'0\\r\\n\\r\\n'", _decoded(funcion, b"0\r\n\r\n"), b"")
    body = b"3\r\nabc\r\n0\r\nX-Suma: 1234\r\n\r\n"
    _same_data(_decoded(funcion, body), b"abc", body)
    followed = body + b"HTTP/1.1 200 OK\r\n"  # the next response has begun to arrive
    try:
        got = _decoded(funcion, followed)
    except ValueError as exc:
        raise Fail(f"con {brief(followed, 70)} tu función lanzó ValueError ({str(exc)[:40]}): el cuerpo ya estaba "
                   "completo en la línea en blanco; lo que va detrás es de la respuesta siguiente") from None
    _same_data(got, b"abc", followed)


@chunked.case(
    "un cuerpo al que le falta el final (el trozo 0, o la línea en blanco que lo cierra) lanza ValueError",
    hint="si se acaban los bytes antes del trozo 0, o un trozo trae menos datos de los que anuncia, o tras el "
    "trozo 0 (y sus cabeceras finales) falta la línea en blanco b'\\r\\n', el cuerpo está incompleto: lanza "
    "ValueError en vez de devolver lo que hay.",
    time_limit=3.0,
)
def _(funcion, ctx):
    whole = b"5\r\nhola \r\n6\r\nmundo!\r\n0\r\n\r\n"
    cuts = [whole[:len(b"5\r\nhol")], whole[:len(b"5\r\nhola \r\n")], whole[:len(b"5\r\nhola \r\n6\r\nmundo!\r\n")]]
    for body in [*cuts, whole[:-2], b"3\r\nabc\r\n0\r\nX-Suma: 1234\r\n"]:
        try:
            got = funcion(body)
        except ValueError:
            continue
        except Exception as exc:
            raise Fail(f"con el cuerpo cortado en {body!r} tu función lanzó {type(exc).__name__}; "
                       "se pide ValueError") from None
        missing = "le falta el final"
        if body not in cuts:  # the last chunk came, the empty line that closes the message did not
            missing = ("llegó el trozo 0, pero le falta la línea en blanco que cierra el mensaje tras las cabeceras "
                       "finales (RFC 9112 §7.1): en una conexión que sigue abierta, esos bytes estropearían la "
                       "respuesta siguiente")
        raise Fail(f"con el cuerpo cortado en {body!r} ({missing}) tu función devolvió "
                   f"{brief(got, 40)} en vez de lanzar ValueError")


@chunked.case(
    "3000 bytes aleatorios de /stream-bytes (un servidor real, trozos de 700 bytes)",
    hint="acumula los datos de cada trozo en una lista y únelos al final con b''.join(trozos).",
    time_limit=3.0,
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    _, expected = _split(fetch(server.address, "/bytes/3000?seed=6"))
    _, body = _split(fetch(server.address, "/stream-bytes/3000?seed=6&chunk_size=700"))
    _same_data(_decoded(funcion, body), expected, body)


# -- 6.3 ---------------------------------------------------------------------------
heads = exercise("6.3", "Leer las cabeceras de un socket", "leer_cabeceras")

_HEAD = (
    b"HTTP/1.1 200 OK\r\nServer: labsupport-http/0.1\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: %d\r\n\r\n" % len(SAMPLE_TEXT)
)
_RESPONSE = _HEAD + SAMPLE_TEXT


def _paced(ctx: Context, pieces: list[bytes], *, close: bool = False) -> PacedConnection:
    return ctx.own(PacedConnection(pieces, close=close))


def _head_result(result: object) -> tuple[bytes, bytes]:
    if not isinstance(result, tuple) or len(result) != 2:
        raise Fail(f"se esperaba una tupla (cabecera, resto) y tu función devolvió {_kind(result)}")
    head, rest = result
    for what, value in (("la cabecera", head), ("el resto", rest)):
        if isinstance(value, str):
            raise Fail(f"{what} es texto (str): devuelve bytes, sin decodificar")
        if not isinstance(value, (bytes, bytearray)):
            raise Fail(f"{what} debe ser bytes y es {_kind(value)}")
    return bytes(head), bytes(rest)


def _check_head(funcion: Callable[..., Any], conn: PacedConnection, response: bytes, cut: int = 0) -> None:
    """The head must be exact, and rest + what is still unread must be the body: nothing lost.

    ``cut``: where the first piece ends, when the case splits the blank line there.
    """
    head, body = _split(response)
    got_head, rest = _head_result(funcion(conn.sock))
    if got_head == head + b"\r\n\r\n":
        raise Fail("la cabecera incluye la línea en blanco final: devuelve lo de antes de b'\\r\\n\\r\\n'")
    if cut and got_head == response[:cut] and not rest:
        raise Fail("tu función devolvió lo recibido hasta un b'\\r\\n' y el resto vacío: no encontró b'\\r\\n\\r\\n', "
                   "que llegó partido entre dos recv() (b'...\\r\\n' en uno y b'\\r\\n...' en el siguiente)")
    if got_head == head + b"\r\n":
        raise Fail("la cabecera termina en b'\\r\\n': devuelve lo de antes de b'\\r\\n\\r\\n', sin ningún "
                   "salto de línea final")
    if got_head != head:
        if head.startswith(got_head):
            raise Fail(f"la cabecera está incompleta: {len(got_head)} de {len(head)} bytes (¿un solo recv()?)")
        raise Fail(f"la cabecera debía ser {brief(head, 50)} y tu función devolvió {brief(got_head, 50)}")
    if not body.startswith(rest):
        raise Fail(f"el resto debía ser el principio del cuerpo y es {brief(rest, 50)}")
    unread = conn.read_rest(len(body) - len(rest))
    if rest + unread != body:
        lost = len(body) - len(rest) - len(unread)
        raise Fail(f"se perdieron {lost} bytes del cuerpo: llegaron junto con las cabeceras y tu función no los "
                   "devolvió en el resto")


@heads.case(
    "las cabeceras llegan en fragmentos de 7 bytes",
    hint="un recv() no trae «las cabeceras»: acumula los fragmentos en un bytearray hasta que contenga "
    "b'\\r\\n\\r\\n'.",
    time_limit=3.0,
)
def _(funcion, ctx):
    _check_head(funcion, _paced(ctx, slices(_RESPONSE, 7)), _RESPONSE)


@heads.case(
    "la línea en blanco llega partida entre dos recv() (b'...\\r\\n' y b'\\r\\n...')",
    hint="busca b'\\r\\n\\r\\n' en TODO lo acumulado, no solo en el último fragmento: puede llegar partida.",
    time_limit=3.0,
)
def _(funcion, ctx):
    head, _ = _split(_RESPONSE)
    cut = len(head) + 2
    conn = _paced(ctx, [_RESPONSE[:cut], _RESPONSE[cut:]], close=True)
    try:
        _check_head(funcion, conn, _RESPONSE, cut)
    except ConnectionError:
        raise Fail("tu función lanzó ConnectionError, pero la línea en blanco sí llegó, partida entre dos recv(): "
                   "búscala en todo lo acumulado") from None


@heads.case(
    "el principio del cuerpo llega junto con las cabeceras: va en el resto",
    hint="lo que llega tras b'\\r\\n\\r\\n' en la misma lectura es el principio del cuerpo: devuélvelo como "
    "resto (datos.partition(b'\\r\\n\\r\\n')), no lo tires.",
    time_limit=3.0,
)
def _(funcion, ctx):
    head, _ = _split(_RESPONSE)
    cut = len(head) + 4 + 40
    _check_head(funcion, _paced(ctx, [_RESPONSE[:cut], _RESPONSE[cut:]]), _RESPONSE)


@heads.case(
    "una conexión persistente (keep-alive), que sigue abierta: devuelve en cuanto llega la línea en blanco",
    hint="no esperes a que el servidor cierre: en cuanto lo acumulado contenga b'\\r\\n\\r\\n', devuelve.",
    time_limit=3.0,
)
def _(funcion, ctx):
    response = b"HTTP/1.1 204 No Content\r\nServer: labsupport-http/0.1\r\n\r\n"
    _check_head(funcion, _paced(ctx, [response]), response)


@heads.case(
    "el servidor cierra antes de la línea en blanco: ConnectionError",
    hint="cuando recv() devuelve b'' el servidor cerró: si aún no tienes la línea en blanco, lanza "
    "ConnectionError (si no, el bucle da vueltas para siempre).",
    time_limit=3.0,
)
def _(funcion, ctx):
    conn = _paced(ctx, [b"HTTP/1.1 200 OK\r\nContent-Type: te"], close=True)
    expect_connection_error(
        funcion, conn.sock,
        raised=lambda exc: f"se esperaba ConnectionError y tu función lanzó {exception_text(exc)}",
        returned=lambda result: (f"el servidor cerró sin enviar la línea en blanco y tu función devolvió "
                                 f"{_kind(result)}: lanza ConnectionError"),
    )


# -- 6.4 ---------------------------------------------------------------------------
reader = exercise("6.4", "Leer una respuesta entera de un socket", "leer_respuesta")


def _response(status: str, headers: list[str], body: bytes = b"") -> bytes:
    return ("\r\n".join([f"HTTP/1.1 {status}", *headers]) + "\r\n\r\n").encode("iso-8859-1") + body


def _chunk(data: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in slices(data, 97)) + b"0\r\n\r\n"


def _answer(funcion: Callable[..., Any], sock: socket.socket) -> tuple[int, dict, bytes]:
    result = funcion(sock)
    if not isinstance(result, tuple) or len(result) != 3:
        raise Fail(f"se esperaba una tupla (codigo, headers, cuerpo) y tu función devolvió {_kind(result)}")
    code, headers, body = result
    if not isinstance(code, int) or isinstance(code, bool):
        raise Fail(f"el código debe ser un int y es {_kind(code)}")
    if not isinstance(headers, dict):
        raise Fail(f"headers debe ser un diccionario y es {_kind(headers)}")
    if isinstance(body, str):
        raise Fail("el cuerpo es texto (str): devuélvelo en bytes")
    if not isinstance(body, (bytes, bytearray)):
        raise Fail(f"el cuerpo debe ser bytes y es {_kind(body)}")
    return code, headers, bytes(body)


def _same_body(body: bytes, expected: bytes) -> None:
    if body == expected:
        return
    if body.startswith(expected):
        raise Fail(f"el cuerpo tiene {len(body)} bytes y debía tener {len(expected)}: te sobran bytes")
    if expected.startswith(body):
        raise Fail(f"el cuerpo tiene {len(body)} de {len(expected)} bytes: faltan los del final")
    if body and expected.endswith(body):
        raise Fail(f"al cuerpo le faltan sus primeros {len(expected) - len(body)} bytes: ¿tiraste los que "
                   "llegaron junto con las cabeceras?")
    raise Fail(f"el cuerpo debía ser {brief(expected, 40)} y es {brief(body, 40)}")


@reader.case(
    "Content-Length en una conexión que sigue abierta, el cuerpo en fragmentos de 1000 bytes",
    hint="con Content-Length no esperes al cierre (recv devolvería b'' solo al cerrar el servidor): lee hasta "
    "tener exactamente ese número de bytes de cuerpo.",
    time_limit=3.0,
)
def _(funcion, ctx):
    body = _pseudo_random(5000)
    response = _response("200 OK", ["Content-Type: application/octet-stream", f"Content-Length: {len(body)}"], body)
    code, _, got = _answer(funcion, _paced(ctx, slices(response, 1000)).sock)
    _same("el código", code, 200)
    _same_body(got, body)


@reader.case(
    "troceado (Transfer-Encoding: chunked) en una conexión que sigue abierta, sin el troceado en el cuerpo",
    hint="si headers['transfer-encoding'] es 'chunked', lee hasta que el cuerpo troceado esté completo (tu "
    "decodificar_chunked lanza ValueError mientras falte) y devuelve los datos ya sin el troceado.",
    time_limit=3.0,
)
def _(funcion, ctx):
    response = _response("200 OK", ["Content-Type: text/plain; charset=utf-8", "Transfer-Encoding: chunked"],
                         _chunk(UTF8_DEMO))
    code, headers, body = _answer(funcion, _paced(ctx, seeded_slices(ctx.rng, response, 150)).sock)
    _same("el código", code, 200)
    if body.startswith(b"61\r\n"):
        raise Fail("el cuerpo aún lleva el troceado (líneas de tamaño): decodifícalo")
    _same_body(body, UTF8_DEMO)
    _same("headers['transfer-encoding']", headers.get("transfer-encoding"), "chunked")


_TRAILER = b"X-Suma: 1234\r\n\r\n"


def _read_so_far(sock: socket.socket) -> int | None:
    """At most how many bytes ``sock``'s reader has taken (None where the system cannot tell).

    Read when the student's function has returned, so nobody reads any more: the unread count
    is taken first, the delivered count second, so a piece arriving in between can only make
    the figure larger: "fewer than N bytes were read" is then certain.
    """
    left = unread(sock)
    got = delivered(sock)
    return None if left is None or got is None else got - left


@reader.case(
    "cabeceras finales (trailers) en otro fragmento tras el trozo 0, y detrás una segunda respuesta en la misma "
    "conexión",
    hint="el cuerpo troceado no acaba en el trozo 0: tras él vienen las cabeceras finales (si las hay) y la "
    "línea en blanco, que son de esta respuesta; sigue leyendo hasta tenerlas (tu decodificar_chunked lanza "
    "ValueError mientras falte la línea en blanco), y no busques b'0\\r\\n\\r\\n' al final de lo leído.",
    time_limit=3.0,
)
def _(funcion, ctx):
    first = _response("200 OK", ["Content-Type: text/plain", "Transfer-Encoding: chunked"], b"3\r\nabc\r\n0\r\n")
    second = _response("200 OK", ["Content-Type: text/plain", "Content-Length: 2", "Connection: close"], b"ok")
    conn = _paced(ctx, [first, _TRAILER, second], close=True)  # each piece once the previous one was read
    try:
        code, _, body = _answer(funcion, conn.sock)
    except ConnectionError:
        raise Fail("con la primera respuesta tu función lanzó ConnectionError, pero el servidor solo cierra tras "
                   "enviar la segunda, y la segunda solo sale cuando se ha leído la primera entera: siguió leyendo "
                   "tras la línea en blanco que cierra el cuerpo troceado (X-Suma: 1234 y luego b'\\r\\n')") from None
    _same("el código de la primera respuesta", code, 200)
    if b"X-Suma" in body:
        raise Fail(f"el cuerpo es {brief(body, 40)}: las cabeceras finales (X-Suma: 1234) no son datos")
    _same_body(body, b"abc")
    taken = _read_so_far(conn.sock)
    left_trailer = taken is not None and taken < len(first) + len(_TRAILER)
    try:
        answer = _answer(funcion, conn.sock)
    except (Fail, NotImplementedError):
        raise
    except Exception as exc:
        if not left_trailer:
            raise
        raise Fail(f"la segunda llamada lanzó {type(exc).__name__} ({str(exc)[:40]}): {_LEFT}") from None
    if answer[0] != 200 or answer[2] != b"ok":
        said = (f"la segunda respuesta debía ser 200 con el cuerpo b'ok' y tu función dio {answer[0]} y "
                f"{brief(answer[2], 30)}")
        raise Fail(f"{said}: {_LEFT}" if left_trailer else said)


_LEFT = ("tras devolver la primera, en el socket seguían sin leer sus cabeceras finales y su línea en blanco "
         "(X-Suma: 1234, b'\\r\\n'), que la lectura siguiente tomó por el principio de la segunda respuesta")


@reader.case(
    "sin Content-Length ni chunked: el cuerpo acaba cuando el servidor cierra",
    hint="sin ninguna de las dos cabeceras, lee con recv() hasta que devuelva b''.",
    time_limit=3.0,
)
def _(funcion, ctx):
    response = _response("200 OK", ["Content-Type: text/plain; charset=utf-8", "Connection: close"], SAMPLE_TEXT)
    code, _, body = _answer(funcion, _paced(ctx, seeded_slices(ctx.rng, response, 64), close=True).sock)
    _same("el código", code, 200)
    _same_body(body, SAMPLE_TEXT)


@reader.case(
    "el servidor cierra antes de que llegue todo el cuerpo (Content-Length o chunked): ConnectionError",
    hint="si recv() devuelve b'' cuando aún faltan bytes de Content-Length, o antes de que termine el cuerpo "
    "troceado, lanza ConnectionError: devolver lo que hay haría pasar por entera una respuesta cortada.",
    time_limit=3.0,
)
def _(funcion, ctx):
    data = _pseudo_random(3000)
    by_length = _response("200 OK", ["Content-Type: application/octet-stream", "Content-Length: 3000"], data[:1800])
    pieces = _chunk(SAMPLE_TEXT)
    by_chunks = _response("200 OK", ["Content-Type: text/plain", "Transfer-Encoding: chunked"], pieces[:60])
    for what, response in (("Content-Length: 3000 y 1800 bytes de cuerpo", by_length),
                           (f"un cuerpo troceado cortado a los 60 de sus {len(pieces)} bytes", by_chunks)):
        _expect_error_on_a_cut_body(funcion, _paced(ctx, seeded_slices(ctx.rng, response, 500), close=True), what)


def _expect_error_on_a_cut_body(funcion: Callable[..., Any], conn: PacedConnection, what: str) -> None:
    """``funcion`` reads a response whose body ``conn``'s server cut by closing (``what``): ConnectionError."""
    expect_connection_error(
        funcion, conn.sock,
        accept=(http.client.IncompleteRead,),  # http.client's word for it
        raised=lambda exc: (f"con {what}, el servidor cerró y tu función lanzó {type(exc).__name__} "
                            f"({str(exc)[:40]}); se pide ConnectionError"),
        returned=lambda result: (f"con {what}, el servidor cerró a mitad del cuerpo y tu función devolvió "
                                 f"{_kind(result)}: lanza ConnectionError"),
    )


@reader.case(
    "nombres de cabecera en minúsculas: «content-length» y «transfer-encoding»",
    hint="los nombres de cabecera no distinguen mayúsculas: pásalos a minúsculas y busca 'content-length' y "
    "'transfer-encoding' (muchos servidores, y HTTP/2, los envían así).",
    time_limit=3.0,
)
def _(funcion, ctx):
    plain = _response("200 OK", ["content-type: text/plain", f"content-length: {len(SAMPLE_TEXT)}"], SAMPLE_TEXT)
    _, _, body = _answer(funcion, _paced(ctx, seeded_slices(ctx.rng, plain, 50)).sock)
    _same_body(body, SAMPLE_TEXT)
    chunked_ = _response("200 OK", ["content-type: text/plain", "transfer-encoding: chunked"], _chunk(SAMPLE_TEXT))
    _, _, body = _answer(funcion, _paced(ctx, seeded_slices(ctx.rng, chunked_, 50)).sock)
    _same_body(body, SAMPLE_TEXT)


@reader.case(
    "el cuerpo llega entero junto con las cabeceras, y le siguen bytes que no son suyos",
    hint="los bytes de cuerpo que llegaron junto con las cabeceras ya cuentan (empieza con ellos); y corta en "
    "Content-Length: lo que venga detrás no es de este cuerpo.",
    time_limit=3.0,
)
def _(funcion, ctx):
    response = _response("200 OK", ["Content-Type: text/plain", "Content-Length: 12"], b"hola, mundo!")
    code, _, body = _answer(funcion, _paced(ctx, [response + b"HTTP/1.1 200 OK\r\n"]).sock)
    _same("el código", code, 200)
    _same_body(body, b"hola, mundo!")


@reader.case(
    "204 y 304 no tienen cuerpo, y la conexión sirve para otra petición (servidor real)",
    hint="las respuestas 204 y 304 nunca llevan cuerpo: devuelve b'' sin leer más.",
    time_limit=3.0,
)
def _(funcion, ctx):
    # 1xx are interim answers (http.client reads past them to the real one): not asked here.
    server = ctx.own(HttpServer())
    sock = ctx.own(socket.create_connection(server.address, timeout=5))
    for path, expected in (("/status/204", 204), ("/status/304", 304)):
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("ascii"))
        code, _, body = _answer(funcion, sock)
        _same("el código", code, expected)
        _same(f"el cuerpo de un {expected}", body, b"")
    size = 100_000  # more than any recv() buffer: one recv() cannot be the whole answer
    sock.sendall(f"GET /bytes/{size}?seed=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("ascii"))
    code, _, body = _answer(funcion, sock)
    _same("el código de la tercera respuesta", code, 200)
    _same("la longitud del tercer cuerpo", len(body), size)


def _pseudo_random(n: int) -> bytes:
    """``n`` bytes that look random, the same on every run, with a b'\\r\\n\\r\\n' inside."""
    out, x = bytearray(), 12345
    while len(out) < n:
        x = (1103515245 * x + 12345) % 2**31
        out.append(x >> 16 & 0xFF)
    out[100:104] = b"\r\n\r\n"
    return bytes(out)
