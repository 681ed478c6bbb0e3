"""10.1: fill a buffer with ``recv_into`` and a ``memoryview``: exactly, without copies, without reading more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._wording import count
from .. import Context, Fail, brief, exercise
from .._chaos import Counted, arrived, consumed, feed
from .._cuts import chaos_cuts, cut, cuts_text
from .._outcome import expect_connection_error
from ._shared import LIMIT

exacto = exercise("10.1", "Llenar un búfer con recv_into, sin copias", "recibir_exacto_en")


def _zero_run(buffer: bytes | bytearray) -> int:
    """How many bytes at the start of ``buffer`` were written before the first untouched (zero) tail."""
    return len(bytes(buffer).rstrip(b"\0"))


def _explain_fill(got: bytes, expected: bytes, pieces: list[bytes], cuts: list[int]) -> str | None:
    """What the student's code left in the buffer, in words true for these bytes; None if right."""
    if got == expected:
        return None
    how = cuts_text(cuts)
    if not any(got):
        return (f"el búfer que te pasé sigue a cero: tu función escribió en otro sitio. bufer[recibidos:] de un "
                f"bytearray es una copia; escribe en memoryview(bufer)[recibidos:] (los {len(expected)} bytes {how})")
    written = _zero_run(got)
    if got[:written] == expected[:written] and written < len(expected):
        filled = "se llenó 1 byte" if written == 1 else f"se llenaron {written} bytes"
        return (f"solo {filled} de los {len(expected)}: los bytes {how}, "
                "y faltó seguir llamando a recv_into")
    last = pieces[-1] if pieces else b""
    if got.startswith(last) and not expected.startswith(last):
        return (f"el búfer empieza por el último fragmento: cada recv_into escribió al principio; "
                f"escribe en vista[recibidos:] (los bytes {how})")
    return f"el búfer no tiene los {len(expected)} bytes enviados (empieza por {brief(bytes(got[:16]))}; {how})"


def _fill(funcion: Callable[..., Any], ctx: Context, payload: bytes, *, after: bytes = b"") -> tuple[Counted, list]:
    """Send ``payload`` (then ``after`` in the same piece) in chaos pieces; the student fills a
    bytearray of ``len(payload)``; Fail if it does not hold ``payload``."""
    cuts = chaos_cuts(ctx.rng, [len(payload)], extra=4)
    pieces = cut(payload, cuts)
    pieces[-1] += after
    sock = feed(ctx, pieces, close=False)
    bufer = bytearray(len(payload))
    sock.target = bufer
    funcion(sock, bufer)
    problem = _explain_fill(bytes(bufer), payload, pieces, cuts)
    if problem:
        raise Fail(problem)
    return sock, cuts


@exacto.case(
    "llena un bytearray con bytes que llegan en varios fragmentos",
    hint="un recv_into escribe lo que haya llegado: repite con memoryview(bufer)[recibidos:] hasta llenarlo.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _fill(funcion, ctx, bytes(range(1, 41)))


@exacto.case(
    "un búfer de 300 000 bytes (más de lo que trae un recv_into)",
    hint="ningún recv_into trae 300 000 bytes de una vez: repite recv_into(vista[recibidos:]), con "
    "vista = memoryview(bufer), hasta que recibidos == len(bufer).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _fill(funcion, ctx, ctx.rng.randbytes(300_000).replace(b"\0", b"\1"))


@exacto.case(
    "escribe solo en la memoryview que le pasan (una parte de un búfer mayor)",
    hint="trabaja sobre vista = memoryview(bufer) y escribe en vista[recibidos:] hasta llenarla: ni copias ni "
    "un búfer nuevo.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    payload = bytes(range(100, 150))
    cuts = chaos_cuts(ctx.rng, [len(payload)], extra=3)
    sock = feed(ctx, cut(payload, cuts), close=False)
    whole = bytearray(b"#" * 100)
    funcion(sock, memoryview(whole)[10:60])
    if whole[:10] != b"#" * 10 or whole[60:] != b"#" * 40:
        raise Fail("tu función escribió fuera de la memoryview que recibió: la memoryview ya es el sitio donde "
                   "escribir (len(bufer) bytes, desde su principio)")
    problem = _explain_fill(bytes(whole[10:60]).replace(b"#", b"\0"), payload, cut(payload, cuts), cuts)
    if problem:
        raise Fail(problem)


@exacto.case(
    "no lee de más: lo que sigue se queda en el socket para el mensaje siguiente",
    hint="repite recv_into(vista[recibidos:]), con vista = memoryview(bufer), hasta llenarlo: pide como mucho "
    "lo que falta, y nunca escribe más allá de esa ventana ni se lleva bytes del mensaje siguiente.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    payload, after = b"veinte bytes exactos", b"y esto es del otro"
    sock, _cuts = _fill(funcion, ctx, payload, after=after)
    arrived(sock, len(payload) + len(after))
    read = consumed(sock)
    if read is not None and read > len(payload):
        raise Fail(f"el búfer está bien, pero tu función leyó {read} bytes del socket para un búfer de "
                   f"{len(payload)}: {read - len(payload)} eran del mensaje siguiente ({brief(after)}) y se perdieron")


@exacto.case(
    "si el otro extremo cierra antes de llenarlo, lanza ConnectionError",
    hint="recv_into devuelve 0 cuando el otro extremo cerró: si aún no está lleno, lanza ConnectionError.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    sent = b"solo 23 bytes de los 40"
    sock = feed(ctx, cut(sent, chaos_cuts(ctx.rng, [len(sent)])), close=True)
    expect_connection_error(
        funcion, sock, bytearray(40),
        returned=lambda _: (f"el otro extremo cerró tras enviar {len(sent)} de los 40 bytes y tu función volvió sin "
                            "avisar: quien la llama creerá que el búfer está lleno"),
    )


@exacto.case(
    "sin copias: recv_into en el búfer que te pasan (ni recv() ni un búfer temporal)",
    hint="repite recv_into(vista[recibidos:]) (vista = memoryview(bufer)) hasta llenarlo: escribe directamente "
    "en el búfer; recv() o un bytearray temporal traen cada fragmento a otro objeto que luego hay que copiar.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    sock, _ = _fill(funcion, ctx, bytes(range(200, 250)))
    if sock.recvs:
        times = count(sock.recvs, "vez", "veces")
        raise Fail(f"el búfer está bien, pero tu función llamó {times} a recv() (y "
                   f"{count(sock.recv_intos, 'vez', 'veces')} a recv_into): cada recv() crea bytes que luego se copian")
    if sock.foreign:
        times = count(sock.foreign, "vez", "veces")
        raise Fail(f"el búfer está bien, pero {times} tu función llamó a recv_into con otro objeto (un búfer "
                   "temporal), no con el búfer que te pasé ni una memoryview suya: lo que leyó hubo que copiarlo "
                   "después, una copia por fragmento")
