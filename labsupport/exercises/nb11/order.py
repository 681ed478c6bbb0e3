"""11.2: a receiver that discards duplicates and orders the messages by their sequence number.

The checker sends the ``n`` datagrams, ``struct.pack("!I", i) + datos``, through the relay to a socket
it bound for the student; the relay (seeded) duplicates some and holds others back until the next one
has gone out, and loses none, so every message arrives. What is expected is what was sent; the
relay's events only explain a wrong answer (which message came twice, which one overtook which).
"As soon as you have the n" is checked by datagrams that never stop: copies of an old message that
keep coming after the n, every DRIP_EVERY, until the function returns; a receiver that waits for
silence before it returns never sees it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from ..._wording import count, seconds
from .. import Context, Fail, brief, exercise, expect_type
from ._shared import MAX_DATA, SEQ, Drip, payloads, percent, send_through

ordenar = exercise("11.2", "Sin duplicados y en orden", "recibir_en_orden")

#: The copies of an old message that keep coming after the n in the case that checks "no esperes a nada más".
DRIP_EVERY = 0.05


def _explain(got: list, messages: list[bytes], duplicated: list[int], overtaken: list[int], context: str) -> str | None:
    """What is wrong with ``got`` (the student's list), in words true for what was sent; None if right."""
    n = len(messages)
    if got == messages:
        return None
    framed = [SEQ.pack(i) + m for i, m in enumerate(messages)]
    for i, value in enumerate(got):
        if not isinstance(value, (bytes, bytearray)):
            raise Fail(f"el elemento {i} de tu lista es {brief(value)}: cada mensaje son los bytes de sus datos")
    got = [bytes(v) for v in got]
    if any(v in framed for v in got):
        return "tus mensajes llevan todavía los 4 bytes del número de secuencia delante: devuelve solo los datos"
    def cut_from(m: bytes) -> list[int]:
        return sorted({len(v) for v in got if v and v not in messages and len(v) < len(m) and m.startswith(v)})

    cut = [i for i, m in enumerate(messages) if cut_from(m)]
    if cut:
        i = cut[0]
        sizes = cut_from(messages[i])
        return (f"el mensaje {i} tiene {len(messages[i])} bytes de datos y en tu lista tiene {sizes[0]}: recvfrom "
                f"corta el datagrama que no cabe en su búfer ({len(messages[i]) + SEQ.size} bytes con el número) y el "
                "resto se pierde sin avisar; pide un búfer que quepa entero (65535)")
    if len(got) < n:
        missing = [i for i, m in enumerate(messages) if m not in got]
        gone = (f" (falta el {missing[0]})" if len(missing) == 1 else
                f" (faltan los números {', '.join(map(str, missing))})" if missing else "")
        early = (f"; el {n - 1} llegó antes que el {overtaken[-1]}, y no es el último en llegar"
                 if overtaken and overtaken[-1] == n - 2 else "")
        return (f"tu lista tiene {count(len(got), 'mensaje')} de {n}{gone}{early}{context}: vuelve cuando tengas los "
                f"{n} números distintos, lleguen en el orden que lleguen")
    for i, m in enumerate(messages):
        copies = got.count(m)
        expected = messages.count(m)
        if copies > expected:
            missing = [j for j, other in enumerate(messages) if other not in got]
            also = f" y falta el {missing[0]}" if missing else ""
            came = " (llegó duplicado)" if i in duplicated else ""
            return (f"el mensaje {i}{came} está {copies} veces en tu lista{also}{context}: guarda cada número de "
                    "secuencia una sola vez")
        if copies < expected:
            twin = next(j for j, other in enumerate(messages) if other == m and j != i)
            return (f"en tu lista falta el mensaje {max(i, twin)}: tiene los mismos datos que el {min(i, twin)} pero "
                    "es otro mensaje (otro número de secuencia); descarta los duplicados por su número, no por sus "
                    "datos")
    if len(got) > n:
        return f"tu lista tiene {count(len(got), 'mensaje')} y se enviaron {n}{context}"
    order = [messages.index(v) for v in got]
    return (f"tu lista tiene los {n} mensajes en el orden {brief(order)}{context}: ordénalos por su número de "
            "secuencia (0, 1, 2…), no por el orden en que llegaron")


def _order_case(
    funcion: Callable[..., Any], ctx: Context, messages: list[bytes], seed: int, *, drip: bool = False,
    **conditions: float
) -> None:
    sock, through = send_through(ctx, [SEQ.pack(i) + m for i, m in enumerate(messages)], seed, **conditions)
    dripping = None
    if drip:  # after the n, a copy of the message 0 every DRIP_EVERY (through the relay) until the function returns
        out = ctx.own(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        copy = SEQ.pack(0) + messages[0]
        dripping = ctx.own(Drip(lambda: out.sendto(copy, through.address), DRIP_EVERY, most=200))
    got = funcion(sock, len(messages))
    if dripping is not None:
        dripping.stop()
    got = expect_type(got, list)
    events = [e for e in through.decided(len(messages)) if e.direction == "ida"]
    duplicated = [SEQ.unpack(e.data[:4])[0] for e in events if e.action == "duplicado"]
    overtaken = [SEQ.unpack(e.data[:4])[0] for e in events if "reordenado" in e.effects]
    said = ", ".join(f"{name} del {percent(p)}" for name, p in
                     (("duplicados", conditions.get("duplicate", 0)), ("desorden", conditions.get("reorder", 0))) if p)
    context = f" (relé con semilla {seed}: {said})" if said else ""
    problem = _explain(got, messages, duplicated, overtaken, context)
    if problem:
        raise Fail(problem)


def _texts(n: int) -> list[bytes]:
    return [f"mensaje {i}: {'ñ' * i}".encode() for i in range(n)]


@ordenar.case(
    "8 mensajes en orden y sin duplicados: solo los datos, sin los 4 bytes del número",
    hint="el número va en los 4 primeros bytes, en orden de red: (i,) = struct.unpack('!I', datagrama[:4]); los "
    "datos son datagrama[4:].",
)
def _(funcion, ctx):
    _order_case(funcion, ctx, _texts(8), seed=1)


DUP_SEED = 6


@ordenar.case(
    f"duplicados del {percent(0.4)} (semilla {DUP_SEED}): cada mensaje una vez, aunque dos tengan los mismos datos",
    hint="guarda los mensajes por su número de secuencia (un dict número → datos) y descarta un número que ya "
    "tienes, no unos datos que ya tienes (dos mensajes pueden traer los mismos); cuenta números distintos, no "
    "datagramas.",
)
def _(funcion, ctx):
    messages = _texts(10)
    messages[6] = messages[3]  # the same data, another message
    _order_case(funcion, ctx, messages, seed=DUP_SEED, duplicate=0.4)


REORDER_SEED = 23


@ordenar.case(
    f"desorden del {percent(0.4)} (semilla {REORDER_SEED}): por número de secuencia, aunque el último llegue antes",
    hint="el orden de llegada no es el de envío: guarda cada mensaje por su número y, cuando tengas los n, "
    "devuélvelos del 0 al n-1; el último número puede llegar antes que otros.",
)
def _(funcion, ctx):
    _order_case(funcion, ctx, _texts(10), seed=REORDER_SEED, reorder=0.4)


BOTH_SEED = 13


@ordenar.case(
    f"duplicados y desorden (semilla {BOTH_SEED}), con mensajes de hasta {MAX_DATA} bytes y uno vacío",
    hint=f"guarda cada mensaje por su número de secuencia, una vez, y devuélvelos del 0 al n-1; un recvfrom con un "
    f"búfer menor que el datagrama lo corta sin avisar: pide 65535 (un mensaje de {MAX_DATA} bytes de datos son "
    f"{MAX_DATA + 4} con el número); un mensaje vacío (b'') también es un mensaje.",
)
def _(funcion, ctx):
    messages = payloads("11.2", [MAX_DATA, 3000, 0, 5000, 1500, MAX_DATA - 1])
    _order_case(funcion, ctx, messages, seed=BOTH_SEED, duplicate=0.3, reorder=0.3)


@ordenar.case(
    f"8 mensajes y después copias del primero cada {seconds(DRIP_EVERY)}: vuelve en cuanto tengas los 8",
    hint="en cuanto tengas los n números distintos, devuelve la lista: no esperes a que deje de llegar nada (con UDP "
    "siempre puede llegar otro duplicado), ni a un timeout.",
)
def _(funcion, ctx):
    _order_case(funcion, ctx, _texts(8), seed=1, drip=True)
