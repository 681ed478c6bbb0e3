"""A shop that takes the order and then loses the answer: why retrying can duplicate a POST.

A retry loop cannot tell "the request never arrived" from "the request arrived, was acted
upon, and the answer was lost": both end in ``ConnectionResetError``. This server makes the
second case happen every time, and counts, so a notebook can show the duplicate:

- every ``POST`` it reads is an order **placed** (its number is taken) before anything is
  written back;
- the first ``failures`` requests then get RST instead of the answer
  (``ConnectionResetError`` in the client's ``recv``);
- an ``Idempotency-Key: <key>`` header (the IETF draft of that name; Stripe and others use
  it) makes a repeated key *not* a new order: the shop answers with the first one's number;
- any other method (``GET``) only reads: it answers how many orders there are and places none.

Requests are HTTP heads (read up to the blank line, at most 64 KiB); a body is not read.
"""

from __future__ import annotations

import dataclasses
import socket
from typing import Any

from .._address import format_address
from .._closing import arm_reset, close_gracefully
from ..events import EventKind
from .base import FailsFirst


@dataclasses.dataclass(frozen=True)
class Order:
    """One request the shop read: its method, its key, and the order number it got (0 for a GET)."""

    method: str
    key: str
    number: int
    repeated: bool  # a key already seen: no new order
    answered: bool  # False when the answer was lost (RST)


def _head_fields(request: bytes) -> tuple[str, str]:
    """(method, Idempotency-Key or "") of an HTTP request head; names compared in lower case."""
    lines = request.split(b"\r\n\r\n", 1)[0].decode("iso-8859-1").split("\r\n")
    method = lines[0].split(" ", 1)[0].upper() if lines and lines[0] else ""
    key = ""
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "idempotency-key":
            key = value.strip()[:200]
    return method, key


class Orders(FailsFirst[Order]):
    """Records every POST as an order, then loses the first ``failures`` answers (RST).

    ``orders`` is how many orders were placed; ``requests`` how many requests arrived;
    ``order_log()`` says what happened to each. ``reset(failures)`` starts again.
    """

    label = "tienda que pierde respuestas"
    client_exception = ConnectionResetError
    summary = (
        "registra el pedido y, las primeras N veces, corta la conexión (RST) antes de responder: "
        "reintentar duplica el pedido."
    )

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, failures: int = 1, **kwargs: Any):
        self._keys: dict[str, int] = {}
        kwargs.setdefault("wait_for", b"\r\n\r\n")
        super().__init__(host, port, failures=failures, **kwargs)

    @property
    def orders(self) -> int:
        """Orders placed (a repeated key is not a new one)."""
        with self._lock:
            return sum(1 for o in self._records if o.method == "POST" and not o.repeated)

    @property
    def requests(self) -> int:
        """Requests the shop read, whatever happened to their answers."""
        with self._lock:
            return len(self._records)

    def order_log(self) -> list[Order]:
        """Every request, oldest first: method, key, order number, whether it was answered."""
        return self._copy_records()

    def _forget(self) -> None:
        self._keys.clear()

    def _take(self, method: str, key: str) -> Order:
        with self._lock:
            lose = len(self._records) < self.failures
            placed = sum(1 for o in self._records if o.method == "POST" and not o.repeated)
            if method != "POST":
                order = Order(method, key, 0, False, not lose)
            elif key and key in self._keys:
                order = Order(method, key, self._keys[key], True, not lose)
            else:
                order = Order(method, key, placed + 1, False, not lose)
                if key:
                    self._keys[key] = order.number
            self._records.append(order)
            return order

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        request = self.read_request(conn, peer)
        if b"\r\n\r\n" not in request:
            return  # not a complete request: nothing placed, nothing answered
        method, key = _head_fields(request)
        order = self._take(method, key)
        if not order.answered:
            self._log(EventKind.ANSWER_LOST, peer, f"{method} registrado; RST en vez de la respuesta")
            arm_reset(conn)
            return
        if method != "POST":
            status, text = "200 OK", f"pedidos: {self.orders}\n"
        elif order.repeated:
            status, text = "200 OK", f"pedido n.º {order.number} (repetido: misma clave)\n"
        else:
            status, text = "201 Created", f"pedido n.º {order.number}\n"
        body = text.encode()
        conn.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("ascii") + body
        )
        close_gracefully(conn)
