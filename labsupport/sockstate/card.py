"""``lab.ficha(sock)``: a socket's state as a table a beginner can read.

A socket object prints as one long line (``<socket.socket fd=57, family=2, ...>``); the
course shows the same facts one per row, with Spanish names and what each value means.
Ports are always printed next to their host, so the test sanitizer can hide them.
"""

from __future__ import annotations

import socket

from .._address import format_address
from .._display import Table

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


def ficha(sock: socket.socket) -> SocketCard:
    """Describe ``sock``: family, type, local and remote address, listening, timeout, fileno, state."""
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
    ]
    return SocketCard(rows)


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
