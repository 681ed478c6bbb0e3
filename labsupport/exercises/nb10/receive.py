"""10.3: receive one length-prefixed message: exactly, one per call, with a limit checked before the body."""

from __future__ import annotations

import struct
import tracemalloc
from collections.abc import Callable
from typing import Any

from ..._wording import count, decimal
from .. import Context, Fail, brief, exercise, expect_type
from .._chaos import arrived, consumed, converse, error_text, feed
from .._cuts import chaos_cuts, cut
from .._outcome import call, expect_connection_error
from ._shared import HEADER, LIMIT

recibir = exercise("10.3", "Recibir un mensaje con su longitud delante, con un límite", "recibir_mensaje")

MAXIMO = 1000


def _explain_message(got: Any, body: bytes, number: int, overread: int) -> str | None:
    """How the ``number``-th message came back wrong, from these bytes; None if right."""
    if isinstance(got, (bytes, bytearray)) and bytes(got) == body:
        return None
    what = f"el mensaje {number} ({len(body)} bytes)"
    before = (f" (la llamada anterior leyó {count(overread, 'byte')} de más, que eran de este mensaje)"
              if overread > 0 else "")
    if got is None:
        return f"para {what} tu función devolvió None, que es el fin de la conversación{before}"
    got = bytes(expect_type(got, (bytes, bytearray)))
    if got == HEADER.pack(len(body)) + body:
        return f"para {what} devolvió también los 4 bytes de la cabecera: devuelve solo el cuerpo"
    if len(got) < len(body) and body.startswith(got):
        return (f"para {what} devolvió solo los primeros {len(got)}: el resto llegó en otro fragmento "
                f"(un recv no es un mensaje){before}")
    if got.startswith(body):
        return f"para {what} devolvió {len(got)} bytes: el mensaje y {len(got) - len(body)} del siguiente"
    return f"para {what} devolvió {len(got)} bytes que no son los enviados ({brief(got[:16])}){before}"


def _little_endian(error: Exception, body: bytes) -> str:
    """If ``error`` is the limit raised for a length read in little endian, say so."""
    wrong = struct.unpack("<I", HEADER.pack(len(body)))[0]
    if isinstance(error, ValueError) and wrong > MAXIMO:
        return (f" La cabecera {brief(HEADER.pack(len(body)))} es {len(body)} en big-endian ('!I') y {wrong} "
                "en little-endian ('<I'): ¿la lees con '<I' o 'I'?")
    return ""


def _judge(bodies: list[bytes]) -> Callable[[Any, int, int], str | None]:
    return lambda got, i, overread: _explain_message(got, bodies[i], i + 1, overread)


def _raised(bodies: list[bytes]) -> Callable[[Exception, int], str | None]:
    def explain(error: Exception, i: int) -> str | None:
        if not isinstance(error, (struct.error, ValueError, ConnectionError)):
            return None
        said = f"para el mensaje {i + 1} ({len(bodies[i])} bytes) tu función lanzó {error_text(error)}."
        if isinstance(error, ValueError) and len(bodies[i]) == MAXIMO:
            return (f"{said} Un mensaje de exactamente maximo bytes se acepta: ¿comparas n >= maximo? El límite es "
                    f"n > maximo.{_little_endian(error, bodies[i]).replace(' ¿la lees', ' ¿O la lees')}")
        return said + _little_endian(error, bodies[i])
    return explain


def _conversation(funcion: Callable[..., Any], ctx: Context, bodies: list[bytes], *, end: bool = False) -> None:
    """The bodies framed, sent in chaos pieces; one call per message (then one more at the end if ``end``)."""
    framed = [HEADER.pack(len(b)) + b for b in bodies]
    converse(funcion, ctx, framed, HEADER.size, _judge(bodies), _raised(bodies), MAXIMO, end=end)


@recibir.case(
    "un mensaje con la cabecera partida y el cuerpo en varios fragmentos",
    hint="lee exactamente 4 bytes de cabecera (pueden llegar en dos recv), n = struct.unpack('!I', ...)[0], "
    "y luego exactamente n bytes.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, ["trescientos bytes, con eñes: ñ".encode().ljust(300, b".")])


@recibir.case(
    "tres mensajes que llegan juntos y partidos: uno por llamada",
    hint="no leas de más: lo que sigue a un mensaje es del siguiente y debe quedarse en el socket "
    "(pide a recv solo lo que falta).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [b"primero", "el segundo, más largo: ñandú".encode() * 9, b"tercero"])


@recibir.case(
    "un mensaje vacío (longitud 0) devuelve b''",
    hint="la longitud 0 es un mensaje vacío: devuelve b'' (None es para cuando la conexión terminó).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [b"antes", b"", b"despues"])


@recibir.case(
    "cuando el otro extremo cierra entre dos mensajes, devuelve None",
    hint="si recv devuelve b'' antes del primer byte de la cabecera, la conversación terminó: devuelve None.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [b"el ultimo mensaje"], end=True)


@recibir.case(
    "si la conexión se corta a mitad de la cabecera o del cuerpo, lanza ConnectionError",
    hint="un b'' a mitad de mensaje no es un final limpio: lanza ConnectionError (no devuelvas lo que tengas).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    whole = HEADER.pack(50) + b"x" * 50
    for sent, where in ((whole[:2], "2 de los 4 bytes de la cabecera"), (whole[:30], "26 de los 50 bytes del cuerpo")):
        sock = feed(ctx, cut(sent, chaos_cuts(ctx.rng, [len(sent)], extra=1)), close=True)

        def returned(got: object, where: str = where) -> str:
            return f"el otro extremo cerró tras enviar {where} y tu función devolvió {brief(got)} sin avisar"

        def raised(error: Exception, where: str = where) -> str:
            return (f"el otro extremo cerró tras enviar {where} y tu función lanzó {error_text(error)}: un corte a "
                    "mitad de mensaje es una ConnectionError")

        expect_connection_error(funcion, sock, MAXIMO, returned=returned, raised=raised)


@recibir.case(
    f"un mensaje de exactamente maximo bytes ({MAXIMO}) se acepta",
    hint="el límite es «más de maximo»: n > maximo, no n >= maximo (y la longitud se lee en orden de red, '!I').",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _conversation(funcion, ctx, [bytes(i % 200 + 1 for i in range(MAXIMO))])


#: Memory a refusal may take (Python's own work, the checker's threads): far below what is announced.
ALLOWANCE = 4 * 1024 * 1024


def _traced(funcion: Callable[..., Any], *args: Any) -> tuple[Any, BaseException | None, int]:
    """``call(funcion, *args)`` and the peak of memory Python reserved meanwhile (``tracemalloc``)."""
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        got, error = call(funcion, *args)
        return got, error, tracemalloc.get_traced_memory()[1]
    finally:
        if not tracing:
            tracemalloc.stop()


def _mib(size: int) -> str:
    """A size for prose, rounded to whole units: «4 GiB», «64 MiB», «300 bytes»."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if size >= scale:
            return f"{decimal(size / scale, 0)} {unit}"
    return count(size, "byte")


def _refused(funcion: Callable[..., Any], ctx: Context, announced: int, body: bytes, maximo: int) -> None:
    """A peer announces ``announced`` bytes (more than ``maximo``) and sends ``body`` in the same piece,
    then FIN: ValueError must come out, with nothing of the body read nor reserved."""
    data = HEADER.pack(announced) + body
    sock = feed(ctx, [data], close=True)
    arrived(sock, len(data))
    got, error, peak = _traced(funcion, sock, maximo)
    read = consumed(sock)
    told = f"el otro extremo anunció {announced} bytes (maximo={maximo})"
    if isinstance(error, NotImplementedError | Fail):
        raise error
    if isinstance(error, MemoryError):
        raise Fail(f"{told} y tu función lanzó MemoryError: intentó reservarlos. Compara n con maximo en cuanto "
                   "tengas la cabecera, antes de reservar nada") from None
    if peak > ALLOWANCE:
        raise Fail(f"{told} y tu función reservó unos {_mib(peak)} antes de comprobar la longitud: si "
                   "n > maximo, lanza ValueError sin reservar el cuerpo") from None
    if isinstance(error, ValueError):
        if read is not None and read > HEADER.size:
            raise Fail(f"{told} y tu función lanzó ValueError, pero después de leer {count(read - HEADER.size, 'byte')}"
                       " del cuerpo: comprueba la longitud en cuanto tengas la cabecera, antes de leer o reservar nada")
        return
    did = f"lanzó {error_text(error)}" if error is not None else f"devolvió {brief(got)}"
    body_read = (f" tras leer {count(read - HEADER.size, 'byte')} del cuerpo"
                 if read is not None and read > HEADER.size else "")
    raise Fail(f"{told} y tu función {did}{body_read}: en cuanto leas la cabecera, si n > maximo lanza ValueError, "
               f"sin leer ni reservar el cuerpo.{_order_guess(announced, maximo)}") from None


def _order_guess(announced: int, maximo: int) -> str:
    """When the announced length read in little endian fits under ``maximo``, the likelier mistake is the
    byte order, not the comparison: a '<I' answer compares a small number and lets it through."""
    wrong = struct.unpack("<I", HEADER.pack(announced))[0]
    if wrong > maximo:
        return ""
    header = brief(HEADER.pack(announced))
    return (f" O quizá la comparación está bien y lees la longitud al revés: la cabecera {header} "
            f"es {announced} en big-endian ('!I') y {wrong} en little-endian ('<I'): ¿la lees con '<I' o 'I'?")


@recibir.case(
    f"uno que anuncia más de maximo: ValueError antes de leer el cuerpo (maximo={MAXIMO})",
    hint="comprueba n > maximo nada más leer la cabecera y lanza ValueError: no leas el cuerpo antes.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _refused(funcion, ctx, MAXIMO + 1, b"z" * (MAXIMO + 1), MAXIMO)


@recibir.case(
    f"uno que anuncia 64 MiB: ValueError sin reservarlos (maximo={MAXIMO})",
    hint="compara n con maximo antes de bytearray(n) o recv(n): los dos reservan lo que pides.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _refused(funcion, ctx, 64 * 2**20, b"", MAXIMO)


@recibir.case(
    "uno que anuncia 4 GiB: ValueError al instante, sin reservar 4 GiB ni esperarlos",
    hint="la longitud la dice el otro extremo y puede mentir: compárala con maximo antes de reservar memoria.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _refused(funcion, ctx, 2**32 - 1, b"basura" * 10, 1_000_000)
