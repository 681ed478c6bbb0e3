"""Chaos mode for the checkers: the byte stream cut at seeded points, paced, and measured.

Written for notebook 10 (framing), usable by any checker whose student reads messages from a
socket: :func:`feed` hands the student a socket fed in chaos pieces, :func:`converse` runs a whole
conversation of framed messages, one call of the student's function per message.

The cuts are drawn from ``ctx.rng`` by :mod:`._cuts` (seeded with the exercise, the case and
``semilla``: the same cuts on every run, and a failed case names its cuts and its seed, so a
student can replay them). They always split each message's
header in two and never fall on the boundary between two messages, so the end of one message and
the start of the next travel in one piece (coalesced). The pieces are paced
(:class:`~._pacing.PacedConnection`: each leaves once the student's socket has read the last), so
no late ``recv()`` finds two waiting: "one ``recv()`` is one message" fails on every run, whatever
the load. How many bytes the student's code read is asked of the kernel (``TCP_INFO`` and
``FIONREAD``), so "it read too much" is measured, not guessed.
"""

from __future__ import annotations

import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

from .._polling import wait_until
from .._wording import count
from ._cuts import chaos_cuts, cut, cuts_text, ends
from ._framework import Context, Fail, brief
from ._outcome import call, exception_text
from ._pacing import PATIENCE, PacedConnection, reception
from ._pacing.reader import _BYTES_RECEIVED, unread

#: The timeout of the sockets handed to the student: it must not fire (a case's own time limit
#: cuts a hanging answer first).
STUDENT_TIMEOUT = 10.0


def error_text(error: BaseException) -> str:
    """``exception_text``, with ``struct.error`` named so (its own name is only ``error``)."""
    text = exception_text(error)
    return f"struct.{text}" if type(error) is struct.error else text


class Counted(socket.socket):
    """The student's end of the connection, counting its reads (nothing read is changed).

    ``target``: the buffer the checker handed to the student; every ``recv_into`` into another
    object (a temporary ``bytearray``, a copy) is counted in ``foreign``: what it reads must be
    copied afterwards, the copy per fragment that ``recv_into`` exists to avoid.
    """

    recvs = 0
    recv_intos = 0
    foreign = 0
    target: Any = None

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self.recvs += 1
        return super().recv(bufsize, flags)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self.recv_intos += 1
        if self.target is not None and not over(buffer, self.target):
            self.foreign += 1
        return super().recv_into(buffer, nbytes, flags)


def over(buffer: Any, target: Any) -> bool:
    """Whether ``buffer`` is ``target`` itself or a view of the same memory (a memoryview's ``obj``)."""
    base = target.obj if isinstance(target, memoryview) else target
    return buffer is target or buffer is base or (isinstance(buffer, memoryview) and buffer.obj is base)


def feed(ctx: Context, pieces: list[bytes], *, close: bool = True) -> Counted:
    """The student's socket on a connection whose far end sends ``pieces`` paced (then FIN if ``close``).

    The very connection of a :class:`PacedConnection`, as a :class:`Counted` socket (a duplicate
    of its descriptor, ``socket.dup()``, which works on Windows too: the kernel's counts are the
    same socket's).
    """
    paced = ctx.own(PacedConnection(pieces, close=close))
    dup = paced.sock.dup()
    sock = ctx.own(Counted(dup.family, dup.type, dup.proto, fileno=dup.detach()))
    sock.settimeout(STUDENT_TIMEOUT)
    return sock


#: ``tcpi_state`` values once the peer's FIN has arrived (Linux's ``include/net/tcp_states.h``):
#: CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT.
_FIN_RECEIVED = frozenset({8, 9, 11, 6})


def consumed(sock: socket.socket) -> int | None:
    """Bytes the program has read from ``sock`` so far (None where the kernel cannot tell).

    ``tcpi_bytes_received`` counts the peer's FIN as one byte (it takes a sequence number): once
    the FIN is in, that byte is taken off, so a message never names a byte that was never sent.
    The state and the count come from one ``TCP_INFO`` (the same instant).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _BYTES_RECEIVED + 8)
        delivered = int(struct.unpack_from("Q", info, _BYTES_RECEIVED)[0])
    except (OSError, struct.error, ValueError):
        return None
    left = unread(sock)
    if left is None:
        return None
    return delivered - (info[0] in _FIN_RECEIVED) - left


def arrived(sock: socket.socket, total: int) -> None:
    """Wait until ``total`` bytes have reached ``sock`` (read or not): then what is unread is exact."""
    wait_until(lambda: (seen := reception(sock)) is None or seen.delivered >= total, PATIENCE)


def converse(
    funcion: Callable[..., Any],
    ctx: Context,
    framed: list[bytes],
    header: int,
    judge: Callable[[Any, int, int], str | None],
    raised: Callable[[Exception, int], str | None],
    *args: Any,
    end: bool = False,
) -> None:
    """Send the ``framed`` messages in chaos pieces and call ``funcion(sock, *args)`` once per message.

    ``judge(got, i, overread)`` says what is wrong with the i-th result (None if right); ``overread``:
    bytes the previous call read past its message (measured). ``raised(error, i)`` explains an
    exception the i-th call raised (None: report it as the student's error); when the previous
    call read past its message, that is said instead: the i-th call saw a stream that no longer
    starts at its message, so what it raised is a consequence, not the mistake. ``end``: the far end
    closes after the last message and one more call must return None (a clean end).
    """
    cuts = chaos_cuts(ctx.rng, [len(m) for m in framed], header=header)
    sock = feed(ctx, cut(b"".join(framed), cuts), close=end)
    overread = 0
    for i, stop in enumerate(ends([len(m) for m in framed])):
        got, error = call(funcion, sock, *args)
        if error is not None:
            if isinstance(error, (NotImplementedError, Fail)):
                raise error
            if overread > 0:
                gone = "ese byte ya no estaba" if overread == 1 else "esos bytes ya no estaban"
                raise Fail(f"para el mensaje {i + 1} tu función lanzó {error_text(error)}, porque la llamada "
                           f"anterior leyó {count(overread, 'byte')} de más, del principio de este mensaje, y "
                           f"{gone} en el socket. Los bytes {cuts_text(cuts)}.") from None
            problem = raised(error, i)
            if problem is None:
                raise error
            raise Fail(f"{problem} Los bytes {cuts_text(cuts)}.") from None
        problem = judge(got, i, overread)
        if problem:
            raise Fail(f"{problem}; los bytes {cuts_text(cuts)}")
        read = consumed(sock)
        overread = 0 if read is None else read - stop
    if not end:
        return
    got, error = call(funcion, sock, *args)
    if error is not None and not isinstance(error, (NotImplementedError, Fail)):
        raise Fail(f"el otro extremo cerró entre dos mensajes (un final limpio) y tu función lanzó "
                   f"{error_text(error)}: si recv devuelve b'' antes del primer byte de la cabecera, "
                   "no hay más mensajes; devuelve None") from None
    if error is not None:
        raise error
    if got is not None:
        raise Fail(f"el otro extremo cerró entre dos mensajes y tu función devolvió {brief(got)}: devuelve None")
