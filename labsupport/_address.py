"""Loopback-only address checks, done without any name resolution.

The course never sends a packet outside the machine and never asks a resolver: a
hostname other than ``localhost`` is rejected before any socket call could look it up.
"""

from __future__ import annotations

import ipaddress
import socket

from ._errors import NoIPv6Error, NotLoopbackError


def resolve_host(host: str, *, allow_external: bool = False) -> tuple[str, socket.AddressFamily]:
    """Return ``(numeric_host, family)`` for a loopback host, without DNS.

    ``localhost`` maps to ``127.0.0.1``. Any other name is refused, because looking it up
    would leave the machine. Addresses outside loopback need ``allow_external=True``
    (the classroom server's explicit flag).
    """
    if host in ("localhost", ""):
        host = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise NotLoopbackError(
            f"Se esperaba una dirección IP numérica de loopback (127.0.0.1 o ::1) y se recibió "
            f"{host!r}. El curso no resuelve nombres para no salir de tu máquina: usa '127.0.0.1'."
        ) from None
    if not ip.is_loopback and not allow_external:
        raise NotLoopbackError(
            f"La dirección {host} no es de loopback. Los servidores del curso solo escuchan en "
            "127.0.0.1 o ::1; para exponerlos en otra interfaz hace falta pedirlo explícitamente."
        )
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    if family == socket.AF_INET6 and not socket.has_ipv6:
        raise no_ipv6_error()
    return str(ip), family


def no_ipv6_error(cause: OSError | None = None) -> NoIPv6Error:
    """The Spanish explanation for a machine without IPv6 on loopback."""
    detail = f" (el sistema dijo: {cause})" if cause else ""
    return NoIPv6Error(
        "Esta máquina no tiene IPv6 en la interfaz de loopback, así que no se puede usar ::1"
        f"{detail}. Usa 127.0.0.1 (IPv4); los ejemplos IPv6 del cuaderno se pueden saltar."
    )


def format_address(address: tuple) -> str:
    """``127.0.0.1:8080`` or ``[::1]:8080``: one stable spelling for every printed address."""
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
