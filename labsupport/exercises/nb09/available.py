"""Exercise 9.1, ``recibir_disponible(sock)``: read what has arrived on a non-blocking socket, never wait.

Three answers, told apart by the caller: the bytes that were there (every one of them, not
one ``recv()``'s worth), ``b""`` when nothing has arrived yet, ``None`` once the other end
closed and nothing is left. A reset is the caller's to see: ``ConnectionResetError`` goes on.

What was there is known from the kernel, never guessed: before the big call the checker waits
until the student's socket has received everything (``TCP_INFO``), and whether a socket is at
its end is asked with a ``MSG_PEEK`` read that takes nothing away.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from typing import Any

from ..._closing import arm_reset
from ..._polling import wait_until
from ..._wording import count, seconds
from ...sockstate.tcpinfo import tcp_state
from .. import Context, Fail, brief, exercise, expect_type
from .._outcome import call, expect_connection_error
from .._pacing import PATIENCE, delivered

#: The student's socket may hold this much unread (the system may double it): more than any recv().
RCVBUF = 1024 * 1024
#: What the far end tries to have waiting before the big call (less if the buffers hold less), and
#: what must have arrived at least when the function is called: far more than a recv() of 64 KiB.
BIG, ENOUGH = 1_500_000, 256 * 1024
#: Calls the drip case makes at most: a right answer needs one per piece and one for the end.
MAX_CALLS = 20
#: Where the kernel cannot count delivered bytes, the pause that stands in for "it has all arrived".
PAUSE = 0.2


def _pair(ctx: Context, rcvbuf: int | None = None) -> tuple[socket.socket, socket.socket]:
    """A loopback connection: (the student's end, non-blocking; the checker's end), both owned by ``ctx``."""
    listener = ctx.own(socket.socket())
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sock = ctx.own(socket.socket())
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(PATIENCE)
    sock.connect(listener.getsockname())
    far, _ = listener.accept()
    ctx.own(far)
    far.settimeout(PATIENCE)
    sock.setblocking(False)
    return sock, far


def _at_end(sock: socket.socket) -> bool | None:
    """Whether ``sock`` is at its end (the peer closed and nothing is left), without taking a byte.

    None if it cannot be asked (closed, reset)."""
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return None


def _check_mode(sock: socket.socket) -> None:
    """The socket must still be non-blocking: a timeout set on it turns 'never wait' into 'wait that long'."""
    if sock.fileno() == -1:
        raise Fail("tu función cerró el socket: no lo cierres, es de quien te llama (lo cierra cuando le "
                   "devuelves None)")
    mode = sock.gettimeout()
    if mode != 0.0:
        what = "bloqueante (sin timeout)" if mode is None else f"con un timeout de {seconds(mode)}"
        raise Fail(
            f"tu función dejó el socket {what}: así recv() espera a que llegue algo. Déjalo como te llega, "
            "no bloqueante, y captura BlockingIOError"
        )


def _calling(funcion: Callable[..., Any], sock: socket.socket) -> Any:
    """Call the student's function; a BlockingIOError that escapes is the mistake this exercise is about."""
    result, error = call(funcion, sock)
    if isinstance(error, BlockingIOError):
        raise Fail(
            "tu función lanzó BlockingIOError: en un socket no bloqueante, recv() lo lanza cuando no hay nada "
            "que leer todavía. No es un error: captúralo y devuelve lo que tengas (b'' si no había nada)"
        ) from None
    if error is not None:
        raise error
    return result


# -- 9.1 ---------------------------------------------------------------------------
disponible = exercise("9.1", "Leer lo que haya, sin esperar", "recibir_disponible")


@disponible.case(
    "si aún no ha llegado nada, devuelve b'' al instante (sin BlockingIOError)",
    hint="envuelve recv() en try/except BlockingIOError y devuelve b''; None es solo para el cierre del otro "
    "extremo, y el socket se queda no bloqueante.",
    time_limit=3.0,
)
def _(funcion, ctx):
    sock, _ = _pair(ctx)
    result = _calling(funcion, sock)
    if result is None:
        raise Fail(
            "no había llegado nada y tu función devolvió None, que significa «el otro extremo cerró»; la conexión "
            "sigue abierta: devuelve b''"
        )
    got = expect_type(result, (bytes, bytearray))
    if got:
        raise Fail(f"no había llegado nada y tu función devolvió {brief(got)}")
    _check_mode(sock)


@disponible.case(
    "devuelve todo lo que ya ha llegado, más de lo que trae un recv()",
    hint="un recv() trae como mucho lo que le pides: repítelo, juntando los fragmentos, hasta que lance "
    "BlockingIOError (ya no queda nada), y devuelve todo junto.",
)
def _(funcion, ctx):
    sock, far = _pair(ctx, rcvbuf=RCVBUF)
    data = ctx.rng.randbytes(BIG)
    far.setblocking(False)
    sent = 0
    while sent < BIG:
        try:
            sent += far.send(data[sent:])
        except BlockingIOError:
            break  # the buffers are full: that much is waiting
    # A smaller receive buffer than asked for leaves the rest in the far end's queue: wait for what fits
    # (Linux reports twice the size asked for, and about half of it holds data).
    room = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2
    _arrived(sock, min(sent, ENOUGH, room))
    there = delivered(sock) or sent  # what had arrived when the function was called (unknown: all of it)
    got = bytes(expect_type(_calling(funcion, sock), (bytes, bytearray)))
    # Right: everything that was there, perhaps more (what the far end still had queued flows in as it reads).
    if got != data[: len(got)]:
        raise Fail(f"ya habían llegado {there} bytes y tu función devolvió {len(got)} que no son esos (ni los "
                   "primeros de ellos)")
    if len(got) < there:
        raise Fail(
            f"ya habían llegado {there} bytes y tu función devolvió {len(got)}: un recv() trae como mucho lo que "
            "le pides (y a veces menos); hay que repetirlo hasta que lance BlockingIOError"
        )
    _check_mode(sock)


def _arrived(sock: socket.socket, total: int, fin: bool = False) -> None:
    """Wait until ``total`` bytes (and, with ``fin``, the FIN) have reached ``sock``: the kernel says so."""
    if delivered(sock) is None:
        time.sleep(PAUSE)  # no kernel count here: the best a portable check can do
        return

    def there() -> bool:
        return (delivered(sock) or 0) >= total and (not fin or tcp_state(sock) in ("CLOSE_WAIT", None))

    if not wait_until(there, PATIENCE):
        raise RuntimeError(f"los {total} bytes enviados no llegaron al socket en {PATIENCE:g} s")


def _drip(funcion: Callable[..., Any], sock: socket.socket, far: socket.socket, pieces: list[bytes]) -> list[Any]:
    """The far end sends ``pieces`` one at a time, the last one together with its FIN; the student's function
    is called once each has arrived (the last with its FIN: what was there and the end, in one call), then
    again until it returns None (at most :data:`MAX_CALLS` calls in all)."""
    results: list[Any] = []
    total = 0
    for i, piece in enumerate(pieces):
        far.sendall(piece)
        total += len(piece)
        last = i == len(pieces) - 1
        if last:
            far.shutdown(socket.SHUT_WR)
        _arrived(sock, total, fin=last)
        results.append(_calling(funcion, sock))
    while results[-1] is not None and len(results) < MAX_CALLS:
        expect_type(results[-1], (bytes, bytearray))
        results.append(_calling(funcion, sock))
    return results


@disponible.case(
    "llamada a llamada devuelve lo que va llegando; con el cierre (FIN), lo que quedaba y después None",
    hint="si recv() devuelve b'', el otro extremo cerró: devuelve lo que llevabas juntado (si tenías algo) o None "
    "(si no tenías nada: será en la llamada siguiente). No cierres el socket: es de quien te llama.",
)
def _(funcion, ctx):
    sock, far = _pair(ctx)
    pieces = [b"ho", b"la, ", "año\n".encode()]  # the last one comes with the FIN
    data = b"".join(pieces)
    results = _drip(funcion, sock, far, pieces)
    got = b"".join(bytes(r) for r in results if r is not None)
    returned = ", ".join("None" if r is None else brief(bytes(r), 20) for r in results[:6])
    if not data.startswith(got[: len(data)]) or len(got) > len(data):
        raise Fail(
            f"el otro extremo envió {brief(data)} y tus llamadas devolvieron {returned}…: devolvieron otra vez bytes "
            "ya devueltos (¿MSG_PEEK?) o bytes que no se enviaron"
        )
    if results[-1] is not None:
        empties = next((i for i, r in enumerate(reversed(results)) if r), len(results))
        if _at_end(sock):
            raise Fail(
                f"el otro extremo cerró (FIN) y tu función devolvió b'' {count(empties, 'vez', 'veces')} "
                "seguidas, lo mismo que cuando aún no ha llegado nada: cuando recv() devuelve b'', devuelve None, "
                "para que quien llama sepa que debe cerrar"
            )
        raise Fail(f"tras {MAX_CALLS} llamadas tu función aún no había devuelto None ({returned}…)")
    if got != data:
        raise Fail(
            f"tu función devolvió None, pero se perdieron {len(data) - len(got)} de los {len(data)} bytes que llegaron "
            "antes del cierre: devuélvelos primero, y el None en la llamada siguiente"
        )
    _check_mode(sock)


@disponible.case(
    "si el otro extremo corta la conexión (RST), el ConnectionResetError llega a quien llama",
    hint="captura solo BlockingIOError (no OSError ni Exception, que también atrapan ConnectionResetError): "
    "quien llama tiene que enterarse del corte.",
    time_limit=3.0,
)
def _(funcion, ctx):
    sock, far = _pair(ctx)
    arm_reset(far)
    far.close()
    select.select([sock], [], [], PATIENCE)
    expect_connection_error(
        funcion,
        sock,
        returned=lambda got: (
            f"el otro extremo cortó la conexión (RST) y tu función devolvió {brief(got)} sin lanzar nada: no "
            "captures el ConnectionResetError, deja que llegue a quien llama"
        ),
    )
