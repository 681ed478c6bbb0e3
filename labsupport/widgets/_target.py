"""Where a widget connects: a course server, ``host:port`` or an ``http://`` URL, loopback only.

The widgets accept what a student has at hand (the server object, its address, the
text ``127.0.0.1:8080``) and turn it into ``(host, port)`` without any name resolution:
``_address.resolve_host`` refuses names other than ``localhost`` and any address outside
loopback, with a Spanish message, before a socket is created.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from .._address import format_address, resolve_host
from .._errors import LabError, NotLoopbackError


class TargetError(LabError, ValueError):
    """A widget was given something that is not a loopback ``host:port``."""


def loopback_host(host: str) -> str:
    """The numeric loopback address for ``host``, or a Spanish refusal (never a DNS query)."""
    try:
        return resolve_host(host)[0]
    except NotLoopbackError:
        raise NotLoopbackError(
            f"Los widgets del curso solo se conectan a tu propia máquina (127.0.0.1, ::1 o localhost) "
            f"y sin resolver nombres; {host!r} no es una de esas direcciones. Usa por ejemplo "
            "'127.0.0.1:8080' o el servidor del curso."
        ) from None


def parse_port(text: str, given: Any) -> int:
    try:
        port = int(text)
    except (TypeError, ValueError):
        port = -1
    if not 1 <= port <= 65535:
        raise TargetError(
            f"El puerto debe ser un número entre 1 y 65535 y se recibió {text!r} (en {given!r}). "
            "Escribe la dirección como 127.0.0.1:8080."
        )
    return port


def loopback_address(target: Any) -> tuple[str, int]:
    """``(host, port)`` from a server, a tuple, ``"host:port"``, ``"[::1]:port"`` or a URL."""
    if hasattr(target, "address") and not isinstance(target, (str, bytes, tuple)):
        host, port = target.address[:2]
        return loopback_host(host), int(port)
    if isinstance(target, tuple) and len(target) >= 2:
        return loopback_host(str(target[0])), parse_port(target[1], target)
    if not isinstance(target, str) or not target.strip():
        raise TargetError(
            f"Se esperaba un servidor del curso, una tupla (host, puerto) o un texto como "
            f"'127.0.0.1:8080', y se recibió {target!r}."
        )
    text = target.strip()
    if "://" in text:
        return url_parts(text)[:2]
    host, sep, port = text.rpartition(":")
    if not sep or (host.count(":") and not host.startswith("[")):
        raise TargetError(
            f"Falta el puerto en {text!r}: escribe la dirección como 127.0.0.1:8080 (o [::1]:8080 para IPv6)."
        )
    return loopback_host(host), parse_port(port, text)


def url_parts(url: str) -> tuple[str, int, str]:
    """``(host, port, path_with_query)`` of an ``http://`` URL on loopback (no DNS)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme == "https":
        raise TargetError(
            f"{url!r} usa https, que exige TLS; estos widgets hablan HTTP en claro con sockets "
            "(como la guía). Usa una URL http:// de un servidor del curso."
        )
    if parts.scheme != "http" or not parts.hostname:
        raise TargetError(f"Se esperaba una URL como http://127.0.0.1:8080/ruta y se recibió {url!r}.")
    host = loopback_host(parts.hostname)
    try:
        port = parts.port or 80
    except ValueError:
        raise TargetError(f"El puerto de {url!r} no es válido (debe estar entre 1 y 65535).") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return host, port, path


def host_header(address: tuple[str, int]) -> str:
    """The ``Host`` value for an address: port included, IPv6 in brackets."""
    return format_address(address)
