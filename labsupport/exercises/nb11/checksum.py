"""11.4: a receiver that keeps the datagrams whose CRC-32 is right and drops the corrupt ones.

The checker sends ``total`` datagrams, ``datos + struct.pack("!I", zlib.crc32(datos))``, through the
relay to a socket it bound for the student; the relay (seeded) flips one bit of some. Which arrived
intact is read from the relay's events (the datagram as it left the relay); CRC-32 detects every
one-bit change, so an intact datagram is one the relay did not corrupt, and the answer is exact.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

from ..._wording import count
from .. import Context, Fail, brief, exercise, expect_type
from .._outcome import call
from ._shared import MAX_DATA, SEQ, payloads, percent, send_through

verificar = exercise("11.4", "Descartar los datagramas corruptos (CRC-32)", "recibir_verificado")


def framed(data: bytes) -> bytes:
    """``data`` and its CRC-32 trailer, as the statement says."""
    return data + SEQ.pack(zlib.crc32(data))


def intact(datagram: bytes) -> bool:
    return len(datagram) >= SEQ.size and framed(datagram[: -SEQ.size]) == datagram


#: The smallest buffer a recvfrom is plausibly given (the classic 512, 1024, 4096…): a student who kept only
#: intact datagrams smaller than this did not cut the others with a small buffer, it is something else.
SMALLEST_BUFFER = 512


def _kept_reading(arrived: list[bytes], fmt: str) -> list[bytes]:
    """The data a receiver keeps if it reads the CRC-32 with ``fmt`` ('<I': little-endian, as 'I' or '=I' on
    most machines): a right one with '!I'."""
    return [d[: -SEQ.size] for d in arrived if len(d) >= SEQ.size and zlib.crc32(d[: -SEQ.size]) ==
            struct.unpack(fmt, d[-SEQ.size :])[0]]


def _explain(got: list, sent: list[bytes], arrived: list[bytes], context: str) -> str | None:
    """What is wrong with the student's list, from the datagrams as they arrived; None if right."""
    expected = [d[: -SEQ.size] for d in arrived if intact(d)]
    for i, value in enumerate(got):
        if not isinstance(value, (bytes, bytearray)):
            raise Fail(f"el elemento {i} de tu lista es {brief(value)}: cada elemento son los bytes de unos datos")
    got = [bytes(v) for v in got]
    if got == expected:
        return None
    if any(v in arrived and len(v) >= SEQ.size for v in got):
        return "tu lista lleva los datagramas con sus 4 bytes de CRC-32 al final: devuelve solo los datos"
    corrupt = [i for i, d in enumerate(arrived) if not intact(d) and len(d) >= SEQ.size]
    accepted = [i for i in corrupt if arrived[i][: -SEQ.size] in got and arrived[i][: -SEQ.size] not in expected]
    if accepted:
        i = accepted[0]
        return (f"el datagrama {i + 1} llegó corrupto (el relé cambió un bit{context}) y sus datos están en tu lista: "
                "calcula zlib.crc32(datos) y compáralo con los 4 últimos bytes, struct.unpack('!I', ...)")
    short = [i for i, d in enumerate(arrived) if len(d) < SEQ.size]
    if short and b"" in got and b"" not in expected:
        size = count(len(arrived[short[0]]), "byte")
        return (f"el datagrama {short[0] + 1} tiene {size}, menos que los 4 del CRC-32, y tu función lo aceptó como "
                "datos vacíos: descarta un datagrama de menos de 4 bytes")
    dropped = [i for i, d in enumerate(arrived) if intact(d) and d[: -SEQ.size] not in got]
    if dropped and got == _kept_reading(arrived, "<I"):
        i = dropped[0]
        empty = ("; el de datos vacíos sí lo guardaste: su CRC-32, 0, se lee igual en los dos órdenes"
                 if b"" in got else "")
        return (f"el datagrama {i + 1} llegó íntegro y tu función lo descartó "
                f"({count(len(dropped), 'íntegro descartado', 'íntegros descartados')} de {len(expected)}{empty}): "
                "tu lista es justo la de quien lee el CRC-32 en little-endian, con '<I' o 'I'. Léelo con '!I' (orden "
                "de red): struct.unpack('!I', datagrama[-4:])")
    if dropped:
        i = dropped[0]
        kept = [len(d) for d in arrived if intact(d) and d[: -SEQ.size] in got]
        if kept and min(len(arrived[j]) for j in dropped) > max(kept) >= SMALLEST_BUFFER:
            why = (f" Mide {len(arrived[i])} bytes, y aceptaste los íntegros de hasta {max(kept)} bytes y descartaste "
                   "todos los mayores: si el búfer de tu recvfrom es menor que el datagrama, recvfrom lo corta sin "
                   "avisar y el CRC-32 ya no coincide; pide 65535.")
        else:
            why = (" ¿Lees el CRC-32 de los 4 últimos bytes con '!I' (orden de red), y lo calculas sobre los datos, "
                   "sin esos 4 bytes?")
        return (f"el datagrama {i + 1} llegó íntegro y tu función lo descartó "
                f"({count(len(dropped), 'íntegro descartado', 'íntegros descartados')} de {len(expected)}).{why}")
    return f"se esperaban los datos de {count(len(expected), 'datagrama')} íntegros, {brief(expected)}, y tu función " \
           f"devolvió {brief(got)}"


def _check_case(funcion: Callable[..., Any], ctx: Context, datagrams: list[bytes], seed: int,
                corrupt: float = 0.0) -> None:
    sock, through = send_through(ctx, datagrams, seed, corrupt=corrupt)
    got, error = call(funcion, sock, len(datagrams))
    if error is not None:
        if isinstance(error, struct.error) and any(len(d) < SEQ.size for d in datagrams):
            raise Fail(f"tu función lanzó struct.error ({error}) con un datagrama de menos de 4 bytes: compruébalo "
                       "antes de desempaquetar y descártalo sin lanzar nada") from None
        raise error
    got = expect_type(got, list)
    arrived = [e.data for e in through.decided(len(datagrams)) if e.direction == "ida"]
    context = f"; semilla {seed}, {percent(corrupt)} de corruptos" if corrupt else ""
    problem = _explain(got, datagrams, arrived, context)
    if problem:
        raise Fail(problem)


def _texts(n: int) -> list[bytes]:
    return [framed(f"datos {i}: {'ñ' * i}".encode()) for i in range(n)]


@verificar.case(
    "6 datagramas íntegros (uno con datos vacíos): sus datos, sin los 4 bytes del CRC-32",
    hint="los 4 últimos bytes son el CRC-32 en orden de red: (crc,) = struct.unpack('!I', datagrama[-4:]); los datos "
    "son datagrama[:-4] y el datagrama es íntegro si zlib.crc32(datos) == crc.",
)
def _(funcion, ctx):
    datagrams = _texts(6)
    datagrams[3] = framed(b"")
    _check_case(funcion, ctx, datagrams, seed=1)


CORRUPT_SEED = 11


@verificar.case(
    f"{percent(0.4)} de corruptos (semilla {CORRUPT_SEED}): descarta cada datagrama cuyo CRC-32 no coincide",
    hint="recalcula zlib.crc32(datos) y compáralo con el CRC-32 que trae el datagrama: si no coincide, descártalo; "
    "lee exactamente total datagramas (los corruptos también cuentan).",
)
def _(funcion, ctx):
    _check_case(funcion, ctx, _texts(12), seed=CORRUPT_SEED, corrupt=0.4)


BIG_SEED = 11


@verificar.case(
    f"datagramas de hasta {MAX_DATA} bytes de datos y {percent(0.3)} de corruptos (semilla {BIG_SEED})",
    hint=f"un recvfrom con un búfer menor que el datagrama lo corta sin avisar (y el CRC-32 ya no coincide): pide "
    f"65535; {MAX_DATA} bytes de datos son {MAX_DATA + 4} con el CRC-32.",
)
def _(funcion, ctx):
    data = payloads("11.4", [MAX_DATA, 100, 5000, MAX_DATA - 1, 20, 3000])
    _check_case(funcion, ctx, [framed(d) for d in data], seed=BIG_SEED, corrupt=0.3)


SHORT_SEED = 10


@verificar.case(
    f"un datagrama de 2 bytes, demasiado corto para el CRC-32 (semilla {SHORT_SEED}): se descarta sin lanzar nada",
    hint="si len(datagrama) < 4 no lleva CRC-32: descártalo (continue) antes de desempaquetar nada.",
)
def _(funcion, ctx):
    datagrams = _texts(5)
    datagrams[2] = b"\0\0"  # its "CRC" read as an integer is 0, which is also crc32(b"")
    _check_case(funcion, ctx, datagrams, seed=SHORT_SEED, corrupt=0.25)
