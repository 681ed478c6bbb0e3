"""10.4: read one self-describing message (2-byte length, JSON header, body), checking every field first.

The format is the notebook's (:mod:`labsupport.framing.jsonheader`, Real Python's design): the
checker builds its messages with the course's own :func:`~labsupport.framing.encode_message`, so
the exercise and the reference implementation cannot drift apart. Broken messages are written
by hand here, one mistake each, each on a connection of its own (after garbage a stream cannot
be trusted again).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

from ...framing.jsonheader import HEADER_LENGTH, VERSION, encode_message
from .. import Context, Fail, brief, exercise
from .._chaos import arrived, consumed, converse, error_text, feed
from .._cuts import chaos_cuts, cut
from .._outcome import call, expect_connection_error
from ._shared import LIMIT

leer = exercise("10.4", "Leer un mensaje con cabecera JSON", "leer_mensaje_json")

MAXIMO = 1000
#: The messages of the right cases: (body, header fields besides version, content-type and length).
Sample = tuple[bytes, dict[str, Any]]
TEXT: Sample = ("¡Hola, año nuevo!".encode(), {"content_encoding": "utf-8", "autor": "Íñigo"})
PNG: Sample = (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), {})


def _message(body: bytes, fields: dict[str, Any], content_type: str = "text/plain") -> tuple[bytes, dict]:
    """The bytes of one message and the header dict a right answer returns for it."""
    raw = encode_message(body, content_type=content_type, **fields)
    (size,) = HEADER_LENGTH.unpack(raw[: HEADER_LENGTH.size])
    return raw, json.loads(raw[HEADER_LENGTH.size : HEADER_LENGTH.size + size])


def _explain(got: Any, header: dict, body: bytes, number: int, overread: int) -> str | None:
    """What is wrong with the ``number``-th result, from these values; None if right."""
    what = f"el mensaje {number}"
    before = f" (la llamada anterior leyó {overread} bytes de más, que eran de este mensaje)" if overread > 0 else ""
    if got is None:
        return f"para {what} tu función devolvió None, que es el fin de la conversación{before}"
    if not (isinstance(got, tuple) and len(got) == 2):
        return f"se esperaba una tupla (cabecera, cuerpo) y tu función devolvió {brief(got)}"
    cabecera, cuerpo = got
    if isinstance(cabecera, (bytes, bytearray, str)):
        return f"para {what} la cabecera es {type(cabecera).__name__}: devuelve el diccionario de json.loads(...)"
    if cabecera != header:
        return f"para {what} la cabecera debía ser {brief(header, 80)} y fue {brief(cabecera, 80)}{before}"
    if not isinstance(cuerpo, (bytes, bytearray)):
        return f"para {what} el cuerpo debe ser bytes y es {type(cuerpo).__name__}: no lo decodifiques"
    cuerpo = bytes(cuerpo)
    if cuerpo == body:
        return None
    if len(cuerpo) < len(body) and body.startswith(cuerpo):
        return (f"para {what} el cuerpo tiene solo los primeros {len(cuerpo)} de sus {len(body)} bytes "
                f"(content-length): el resto llegó en otro fragmento")
    return f"para {what} el cuerpo tiene {len(cuerpo)} bytes que no son los {len(body)} enviados{before}"


def _raised(error: Exception, i: int) -> str | None:
    if isinstance(error, (struct.error, ValueError, ConnectionError, KeyError, TypeError)):
        return (f"el mensaje {i + 1} es correcto y tu función lanzó {error_text(error)}: ¿lees la longitud con "
                "'!H' (2 bytes, big-endian) y luego exactamente esos bytes de cabecera?")
    return None


def _conversation(funcion: Callable[..., Any], ctx: Context, messages: list[Sample], end: bool = False) -> None:
    """The messages sent in chaos pieces, one call per message (then one more at the end if ``end``)."""
    built = [_message(body, fields) for body, fields in messages]
    bodies = [body for body, _ in messages]

    def judge(got: Any, i: int, overread: int) -> str | None:
        return _explain(got, built[i][1], bodies[i], i + 1, overread)

    converse(funcion, ctx, [raw for raw, _ in built], HEADER_LENGTH.size, judge, _raised, MAXIMO, end=end)


@leer.case(
    "un mensaje con la longitud, la cabecera JSON y el cuerpo partidos en fragmentos",
    hint="lee exactamente 2 bytes ('!H'), luego exactamente esa longitud de cabecera (json.loads), luego "
    "exactamente content-length bytes de cuerpo.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [TEXT])


@leer.case(
    "dos mensajes que llegan juntos: uno por llamada",
    hint="no leas de más: el cuerpo mide content-length bytes y lo que sigue es del mensaje siguiente.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [TEXT, PNG])


@leer.case(
    "un cuerpo vacío (content-length 0)",
    hint="con content-length 0 el cuerpo es b'': no leas nada más.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [(b"", {}), TEXT])


@leer.case(
    "cuando el otro extremo cierra entre dos mensajes, devuelve None",
    hint="si recv devuelve b'' antes del primer byte de la longitud, la conversación terminó: devuelve None.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [PNG], end=True)


@leer.case(
    "si la conexión se corta a mitad de mensaje, lanza ConnectionError",
    hint="un b'' a mitad de la longitud, de la cabecera o del cuerpo no es un final limpio: lanza ConnectionError.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    raw, header = _message(*TEXT)
    start = HEADER_LENGTH.size + len(json.dumps(header, ensure_ascii=False).encode())
    for size, where in ((1, "1 de los 2 bytes de la longitud"), (HEADER_LENGTH.size + 10, "parte de la cabecera"),
                        (start + 3, "parte del cuerpo")):
        sock = feed(ctx, cut(raw[:size], chaos_cuts(ctx.rng, [size], extra=1)), close=True)

        def returned(got: object, where: str = where) -> str:
            return f"el otro extremo cerró tras enviar {where} y tu función devolvió {brief(got)} sin avisar"

        def raised(error: Exception, where: str = where) -> str:
            return (f"el otro extremo cerró tras enviar {where} y tu función lanzó {error_text(error)}: un corte a "
                    "mitad de mensaje es una ConnectionError")

        expect_connection_error(funcion, sock, MAXIMO, returned=returned, raised=raised)


def _garbage(header: bytes, body: bytes = b"") -> bytes:
    return HEADER_LENGTH.pack(len(header)) + header + body


def _expect_value_error(funcion: Callable[..., Any], ctx: Context, raw: bytes, what: str) -> int | None:
    """Send ``raw`` (then FIN) and expect ValueError; return the bytes the student's code had read."""
    sock = feed(ctx, [raw], close=True)
    arrived(sock, len(raw))
    got, error = call(funcion, sock, MAXIMO)
    if isinstance(error, ValueError):
        return consumed(sock)
    if isinstance(error, (NotImplementedError, Fail)):
        raise error
    did = f"lanzó {error_text(error)}" if error is not None else f"devolvió {brief(got)}"
    raise Fail(f"{what}, y tu función {did}: lanza ValueError (con un mensaje que diga qué está mal)") from None


@leer.case(
    f"una cabecera que no sirve: ValueError (no es JSON, no es un objeto, le falta un campo, versión {VERSION + 1})",
    hint="json.loads lanza ValueError si no es JSON; comprueba además que es un dict, que tiene version y "
    f"content-length y que version == {VERSION}.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    ok = {"version": VERSION, "content-type": "text/plain", "content-length": 2}
    bad = [
        (b"{version: 1}", "la cabecera no es JSON"),
        (b"[1, 2, 3]", "la cabecera es una lista JSON, no un objeto"),
        (json.dumps("version y content-length").encode(), "la cabecera es un texto JSON, no un objeto"),
        (json.dumps({k: v for k, v in ok.items() if k != "version"}).encode(), "a la cabecera le falta version"),
        (json.dumps({k: v for k, v in ok.items() if k != "content-length"}).encode(),
         "a la cabecera le falta content-length"),
        (json.dumps({**ok, "version": VERSION + 1}).encode(), f"la cabecera es de la versión {VERSION + 1}"),
    ]
    for header, what in bad:
        _expect_value_error(funcion, ctx, _garbage(header, b"ok"), what)


@leer.case(
    "un content-length que no es un entero de 0 o más: ValueError",
    hint="comprueba isinstance(n, int) y n >= 0 antes de usarlo (el otro extremo puede enviar cualquier cosa).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    for length in (-1, "2", 1.5):
        header = json.dumps({"version": VERSION, "content-type": "text/plain", "content-length": length}).encode()
        _expect_value_error(funcion, ctx, _garbage(header, b"ok"), f"content-length es {length!r}")


@leer.case(
    f"un content-length de más de maximo ({MAXIMO}): ValueError antes de leer el cuerpo",
    hint="compara content-length con maximo en cuanto tengas la cabecera, antes de leer o reservar el cuerpo.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    raw = encode_message(b"z" * (MAXIMO + 1), content_type="text/plain")
    read = _expect_value_error(funcion, ctx, raw, f"la cabecera anuncia {MAXIMO + 1} bytes (maximo={MAXIMO})")
    body_start = len(raw) - (MAXIMO + 1)
    if read is not None and read > body_start:
        raise Fail(f"la cabecera anuncia {MAXIMO + 1} bytes (maximo={MAXIMO}) y tu función lanzó ValueError, pero "
                   f"después de leer {read - body_start} bytes del cuerpo: comprueba el límite antes de leerlo")
