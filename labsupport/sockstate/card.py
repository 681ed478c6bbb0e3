"""``lab.ficha(sock)``: a socket's state as a table a beginner can read.

A socket object prints as one long line (``<socket.socket fd=57, family=2, ...>``); the
course shows the same facts one per row, with Spanish names and what each value means.
Ports are always printed next to their host, so the test sanitizer can hide them.

For TCP the card adds what only the kernel knows (`tcpinfo`): the TCP state with what it
means, and the bytes waiting in the receive and send queues. Where the system cannot say,
the row says so and why; nothing is guessed. The RTT is shown only on request
(``rtt=True``): it changes from one reading to the next, so it is never a stable output.
"""

from __future__ import annotations

import socket

from .._address import format_address
from .._display import Table, fmt_bytes
from . import tcpinfo
from .glosses import gloss

_FAMILIES = {socket.AF_INET: "AF_INET (IPv4)", socket.AF_INET6: "AF_INET6 (IPv6)"}
_TYPES = {socket.SOCK_STREAM: "SOCK_STREAM (TCP)", socket.SOCK_DGRAM: "SOCK_DGRAM (UDP)"}


class SocketCard(Table):
    """The rows of a socket's card (name, value); text in a terminal, an HTML table in Jupyter."""

    def __init__(self, rows: list[tuple[str, str]], title: str = "Ficha del socket") -> None:
        super().__init__(None, rows, title=title, indent="  ")

    def as_dict(self) -> dict[str, str]:
        return {name: value for name, value in self.rows}

    def __getitem__(self, key: str) -> str:
        return self.as_dict()[key]


def ficha(sock: socket.socket, *, rtt: bool = False) -> SocketCard:
    """Describe ``sock``: family, type, addresses, listening, timeout, fileno, state; for TCP the
    kernel's view (TCP state, queues; with ``rtt=True`` also the round-trip time)."""
    if not isinstance(sock, socket.socket):
        from .._errors import LabError

        raise LabError(
            f"lab.ficha espera un socket (socket.socket) y recibió {type(sock).__name__}. "
            "Crea uno con socket.socket(...) y pásalo a la ficha."
        )
    closed = sock.fileno() == -1
    rows = [
        ("familia", _FAMILIES.get(sock.family, str(sock.family))),
        ("tipo", _TYPES.get(sock.type, str(sock.type))),
        ("dirección local", _local(sock, closed)),
        ("dirección remota", _remote(sock, closed)),
        ("escuchando", _listening(sock, closed)),
        ("timeout", _timeout(sock)),
        ("descriptor (fileno)", str(sock.fileno())),
        ("estado", "cerrado" if closed else "abierto"),
        *_kernel_rows(sock, rtt),
    ]
    return SocketCard(rows)


def _kernel_rows(sock: socket.socket, with_rtt: bool) -> list[tuple[str, str]]:
    """The rows only the kernel can fill: TCP state, queues (and the accept queue of a listener)."""
    record = tcpinfo.info(sock)
    if record is None:
        reason = tcpinfo.missing_reason(sock)
        short = "—" if sock.fileno() == -1 or sock.type != socket.SOCK_STREAM else reason.split(":")[0]
        rows = [("estado TCP", reason), (_RECEIVE, short), (_SEND, short)]
        return rows + ([("RTT", short)] if with_rtt else [])
    rows = [("estado TCP", gloss(record.state))]
    if record.state == "LISTEN":
        waiting, backlog = tcpinfo.accept_queue(sock)
        rows += [
            (_RECEIVE, _LISTENER_QUEUE),
            (_SEND, _LISTENER_QUEUE),
            ("esperando accept()", _ready(waiting, backlog)),
        ]
    else:
        received, unacked = tcpinfo.queues(sock)
        rows += [
            (_RECEIVE, _queue(received, "llegaron y recv() aún no los leyó")),
            (_SEND, _queue(unacked, "enviados y aún sin confirmar por el otro extremo")),
        ]
    if with_rtt:
        rows.append(("RTT", _rtt(record.rtt)))
    return rows


_RECEIVE, _SEND = "en la cola de recepción", "en la cola de envío"
_LISTENER_QUEUE = "— (escucha: su cola guarda conexiones, no bytes)"
_NOT_GIVEN = "no disponible en este sistema"


def _queue(size: int | None, meaning: str) -> str:
    if size is None:
        return _NOT_GIVEN
    return f"{fmt_bytes(size)} ({meaning})" if size else fmt_bytes(0)


def _ready(waiting: int | None, backlog: int | None) -> str:
    if waiting is None:
        return _NOT_GIVEN
    noun = "conexión" if waiting == 1 else "conexiones"
    return f"{waiting} {noun} (backlog: {backlog})"


def _rtt(seconds: float | None) -> str:
    """Rounded: the kernel's smoothed RTT changes with every reading."""
    if seconds is None:
        return "aún sin medir"
    if seconds < 0.001:
        return "menos de 1 ms (medido por el núcleo)"
    return f"unos {seconds * 1000:.0f} ms (medido por el núcleo)"


def _local(sock: socket.socket, closed: bool) -> str:
    if closed:
        return "—"
    address = sock.getsockname()
    if address[1] == 0:
        return f"{format_address(address)} (sin enlazar: bind() aún no se llamó)"
    return format_address(address)


def _remote(sock: socket.socket, closed: bool) -> str:
    if closed:
        return "—"
    try:
        return format_address(sock.getpeername())
    except OSError:
        return "— (sin conectar)"


def _listening(sock: socket.socket, closed: bool) -> str:
    if closed or sock.type != socket.SOCK_STREAM:
        return "—" if closed else "no (UDP no escucha: recibe datagramas)"
    option = getattr(socket, "SO_ACCEPTCONN", None)
    if option is None:  # not every system exposes it
        return "desconocido en este sistema"
    try:
        return "sí (listen)" if sock.getsockopt(socket.SOL_SOCKET, option) else "no"
    except OSError:
        return "desconocido en este sistema"


def _timeout(sock: socket.socket) -> str:
    value = sock.gettimeout()
    if value is None:
        return "ninguno (bloqueante: puede esperar para siempre)"
    if value == 0:
        return "0 (no bloqueante)"
    return f"{value:g} s"
