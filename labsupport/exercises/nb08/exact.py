"""8.2 ``recibir_exacto``: read exactly n bytes, however the peer splits them."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from .. import Context, Fail, brief, exercise, expect_type
from .._outcome import expect_connection_error
from .._pacing import PATIENCE, send_paced, student_finished, unread
from ._shared import (
    _connected_pair,
    _in_thread,
)

exacto = exercise("8.2", "Recibir exactamente n bytes", "recibir_exacto")


def _receive_exact(
    funcion: Callable[..., Any], ctx: Context, pieces: list[bytes], n: int, *, close: bool = False
) -> tuple[bytes, socket.socket]:
    """Call ``funcion(sock, n)`` while the peer sends ``pieces`` one read at a time (then closes)."""
    sock, peer = _connected_pair(ctx)
    finished = student_finished(funcion)

    def feed() -> None:
        try:
            send_paced(peer, pieces, sock, finished, wait_last=close)
            if close:
                peer.close()
        except OSError:
            pass

    feeder = _in_thread(feed, "comprobar-servidor")
    got = funcion(sock, n)
    feeder.join(PATIENCE)
    return bytes(expect_type(got, (bytes, bytearray))), sock


def _expect_n(got: bytes, expected: bytes) -> None:
    if got == expected:
        return
    n = len(expected)
    if len(got) < n:
        raise Fail(f"se pidieron {n} bytes y devolvió {len(got)}: los demás llegaron después, en otros recv")
    if len(got) > n:
        raise Fail(f"se pidieron {n} bytes y devolvió {len(got)}: leyó de más")
    raise Fail(f"devolvió {n} bytes, pero no los enviados: {brief(got)}")


@exacto.case(
    "junta los fragmentos hasta tener n bytes",
    hint="un recv devuelve lo que haya llegado: repite hasta reunir n bytes.",
    time_limit=3.0,
)
def _(funcion, ctx):
    payload = bytes(range(40))
    got, _ = _receive_exact(funcion, ctx, [payload[:7], payload[7:14], payload[14:]], 40)
    _expect_n(got, payload)


@exacto.case(
    "un bloque grande (300 000 bytes en tres envíos)",
    hint="ningún recv trae 300 000 bytes de una vez: repite hasta reunirlos.",
)
def _(funcion, ctx):
    payload = ctx.rng.randbytes(300_000)
    got, _ = _receive_exact(funcion, ctx, [payload[i : i + 100_000] for i in range(0, 300_000, 100_000)], 300_000)
    _expect_n(got, payload)


@exacto.case(
    "no lee de más: lo que sobra queda para el siguiente recv",
    hint="pide a recv como mucho lo que falta: recv(n - recibidos).",
    time_limit=3.0,
)
def _(funcion, ctx):
    got, sock = _receive_exact(funcion, ctx, [b"01234", b"56789ABCDEF"], 10)
    _expect_n(got, b"0123456789")
    left = unread(sock)
    if left is None:  # this system cannot count unread bytes: try to read them, briefly
        sock.settimeout(0.2)
        try:
            left = len(sock.recv(100))
        except TimeoutError:
            left = 0
    if left < 6:
        raise Fail(
            f"devolvió los 10 bytes pedidos, pero leyó también {6 - left} de los 6 siguientes (b'ABCDEF'), "
            "que ya no están en el socket para quien lea después"
        )


@exacto.case(
    "si el otro lado cierra antes de tiempo, lanza ConnectionError",
    hint="si recv devuelve b'' antes de tener n bytes, lanza ConnectionError (no devuelvas menos).",
    time_limit=3.0,
)
def _(funcion, ctx):
    expect_connection_error(  # another exception is reported as the student's, with the hint
        lambda: _receive_exact(funcion, ctx, [b"x" * 30], 100, close=True),
        returned=lambda got: (f"el otro lado cerró tras enviar 30 de los 100 bytes y tu función devolvió "
                              f"{len(got[0])} bytes sin avisar"),
    )
