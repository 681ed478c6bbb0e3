"""A proxy for the checkers: every answer reaches the student's socket in slices, one per recv().

"One ``recv()`` is one message" passes any case whose answer fits in one read, and most
answers of a course server do. Behind :class:`Slicer` none does: the first chunk of each
answer (the first the server sends after the client has sent something) is cut into
slices, at ``cut`` bytes and a few bytes after the blank line of an HTTP head when there is
one, and paced (:func:`~.sending.send_paced`: each slice once the student's socket, found by
:class:`~.reader.PeerReader`, has read the previous one). The rest flows at full speed.
In chaos mode (``rng``: the case's seeded generator) the first cut of each answer falls at a
seeded offset within its first ``2 × cut`` bytes (:mod:`.._cuts`), drawn by the answer's
position (connection, answer), so the same ``semilla`` replays the same cuts.

What the client sends is forwarded unchanged, and so are the closes: a FIN
(``shutdown(SHUT_WR)``) is passed on as a FIN, the server's RST reaches the client as an
RST (``ConnectionResetError``), so half-close and reset cases still work through it.
The proxy also keeps what crossed each way (``sent()``, ``received()``, up to
``RECORD_LIMIT`` bytes each), recorded before it is forwarded, so a case can say what
reached the server without another proxy in the chain.
"""

from __future__ import annotations

import itertools
import random
import socket
import threading
from collections.abc import Callable
from typing import Any

from ..._address import format_address
from ..._closing import arm_reset
from ..._server import StreamServer
from .._cuts import BLANK_LINE as _BLANK_LINE
from .._cuts import answer_rng, cut
from .reader import PeerReader
from .sending import send_paced

#: A cut falls this many bytes after the blank line that ends an HTTP head (body bytes that
#: arrive together with the head, then the rest of the body in a later piece).
_AFTER_HEAD = 2
#: bytes kept of each direction (more is forwarded, not kept)
RECORD_LIMIT = 32 * 1024 * 1024


def cut_points(chunk: bytes, first: int, rng: random.Random | None = None) -> list[int]:
    """The offsets where the first chunk of an answer is cut (0 < offset < len(chunk)).

    ``rng`` (chaos mode): the first cut at an offset drawn in ``1 … 2·first − 1`` instead of ``first``.
    """
    if rng is not None:
        first = rng.randint(1, max(1, 2 * first - 1))
    points = {first}
    end = chunk.find(_BLANK_LINE)
    if end >= 0:
        points.add(end + len(_BLANK_LINE) + _AFTER_HEAD)
    else:
        points.add(first + (len(chunk) - first) // 2)
    return sorted(p for p in points if 0 < p < len(chunk))


class Slicer(StreamServer):
    """A TCP proxy on loopback in front of ``target`` (a server or ``(host, port)``)."""

    name = "proxy que trocea las respuestas"

    def __init__(
        self, target: Any, *, cut: int = 5, rng: random.Random | None = None, timeout: float = 10.0, **kwargs: Any
    ) -> None:
        self.target = tuple(target.address if hasattr(target, "address") else target)
        self.cut = cut
        #: chaos mode: one number drawn from the case's generator (in the case's thread, so always
        #: the same), the seed of every answer's cuts
        self.seed: int | None = None if rng is None else rng.getrandbits(32)
        self._connections = itertools.count()
        self._record_lock = threading.Lock()
        self._sent, self._received = bytearray(), bytearray()
        super().__init__("127.0.0.1", 0, timeout=timeout, **kwargs)

    def _keep(self, kept: bytearray, data: bytes) -> None:
        with self._record_lock:
            kept += data[: max(RECORD_LIMIT - len(kept), 0)]

    def sent(self) -> bytes:
        """Every byte the clients sent, in order (all connections together)."""
        with self._record_lock:
            return bytes(self._sent)

    def received(self) -> bytes:
        """Every byte the server answered, in order (all connections together)."""
        with self._record_lock:
            return bytes(self._received)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        upstream = socket.create_connection(self.target, timeout=self.timeout)
        fresh = threading.Event()  # set when the client has sent something: a new answer is due
        fresh.set()
        peer = PeerReader(conn)  # the student's socket, found in this process
        answer = threading.Thread(
            target=self._answer,
            args=(upstream, conn, fresh, peer, next(self._connections)),
            daemon=True,
            name=f"{self.name}-{format_address(addr)}",
        )
        answer.start()
        try:
            self._forward(conn, upstream, fresh)
        finally:
            answer.join(self.timeout)
            upstream.close()

    def _forward(self, conn: socket.socket, upstream: socket.socket, fresh: threading.Event) -> None:
        """Client → server, unchanged; the client's FIN is passed on as a FIN."""
        try:
            while data := conn.recv(65536):
                fresh.set()
                self._keep(self._sent, data)
                upstream.sendall(data)
        except OSError:  # the client reset, went silent, or the answer side woke us
            _quietly(upstream.shutdown, socket.SHUT_RDWR)
            return
        _quietly(upstream.shutdown, socket.SHUT_WR)
        if self._stopping.is_set():
            _quietly(upstream.shutdown, socket.SHUT_RDWR)

    def _answer(
        self, upstream: socket.socket, conn: socket.socket, fresh: threading.Event, peer: PeerReader, number: int
    ) -> None:
        """Server → client, the first chunk of each answer in slices; FIN as FIN, RST as RST.

        ``number``: the connection's, in the order they were accepted (chaos mode draws by it).
        """
        sent = 0
        answers = itertools.count()
        try:
            while data := upstream.recv(65536):
                self._keep(self._received, data)
                if fresh.is_set():
                    fresh.clear()
                    rng = None if self.seed is None else answer_rng(self.seed, number, next(answers))
                    pieces = cut(data, cut_points(data, self.cut, rng))
                    # (on stop() the rest of the slices is skipped, and the loop goes on)
                    send_paced(conn, pieces, peer, sent_before=sent, stop=self._stopping)
                else:
                    conn.sendall(data)
                sent += len(data)
        except ConnectionResetError:
            arm_reset(conn)  # the handler's close() now sends RST to the client, as the server did
            _quietly(conn.shutdown, socket.SHUT_RD)  # wakes _forward; nothing is sent
            return
        except OSError:  # silence past the timeout, the client went away, or stop()
            _quietly(conn.shutdown, socket.SHUT_RDWR)
            return
        _quietly(conn.shutdown, socket.SHUT_WR)


def _quietly(call: Callable[..., object], *args: Any) -> None:
    try:
        call(*args)
    except OSError:
        pass
