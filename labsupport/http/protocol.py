"""What the local HTTP server says and how: HTTP's grammar, status names, Spanish errors, dates, JSON.

Kept apart from the connection handler so routes (``routes``, ``documents``, ``raw``) can
raise ``HttpError`` and check their parameters (:func:`int_param`, :func:`float_param`)
without importing it.
"""

from __future__ import annotations

import email.utils
import html
import json
import re
import time
from collections.abc import Callable, Sequence
from http import HTTPStatus
from json.encoder import encode_basestring
from typing import Any

TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Control bytes that may not appear in a request line or a header (HTAB is allowed).
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
VERSION = re.compile(rb"HTTP/[0-9]\.[0-9]")

#: Methods the server understands; any other valid token gets 501.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})

PHRASES = {s.value: s.phrase for s in HTTPStatus}
SPANISH_NAMES = {
    400: "Petición incorrecta",
    403: "Prohibido",
    404: "No encontrado",
    405: "Método no permitido",
    408: "Tiempo de espera agotado",
    411: "Falta la longitud",
    413: "Cuerpo demasiado grande",
    414: "URI demasiado larga",
    431: "Cabeceras demasiado grandes",
    500: "Error interno del servidor",
    501: "No implementado",
    503: "Servicio no disponible",
    505: "Versión HTTP no soportada",
}

_date_cache: list[Any] = [0, ""]


def http_date() -> str:
    """The Date header, formatted once per second (formatting it per request costs)."""
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = email.utils.formatdate(now, usegmt=True)
        _date_cache[0] = now
    return _date_cache[1]


def error_body(code: int, explain: str) -> bytes:
    """The Spanish plain-text body of every error response."""
    name = SPANISH_NAMES.get(code, PHRASES.get(code, "Error"))
    return f"Error {code} ({name}): {explain}\n".encode()


def error_page(code: int, explain: str) -> bytes:
    """The same error as a small HTML page, shaped like Flask's (what httpbin sends for 404/405)."""
    name = html.escape(SPANISH_NAMES.get(code, PHRASES.get(code, "Error")))
    text = html.escape(f"Error {code} ({SPANISH_NAMES.get(code, PHRASES.get(code, 'Error'))}): {explain}")
    return (
        f'<!doctype html>\n<html lang="es">\n<meta charset="utf-8">\n<title>{code} {name}</title>\n'
        f"<h1>{name}</h1>\n<p>{text}</p>\n"
    ).encode()


def dumps(obj: Any) -> bytes:
    """JSON as httpbin writes it (2-space indent, sorted keys, final newline), but UTF-8.

    httpbin escapes non-ASCII (``a\\u00f1o``); here ``año`` stays readable. ``json.loads``
    gives the same value for both, so code written against one works on the other.
    ``json.dumps(indent=2)`` gives the same text, but with ``indent`` the standard library
    falls back to its pure-Python encoder; this walk, with the C string escaper, is about
    three times faster on httpbin's small dictionaries.
    """
    out: list[str] = []
    _pretty(obj, "\n", out)
    out.append("\n")
    return "".join(out).encode()


def _pretty(obj: Any, newline: str, out: list[str]) -> None:
    if isinstance(obj, str):
        out.append(encode_basestring(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        inner = newline + "  "
        sep = "{" + inner
        for key in sorted(obj):
            out.append(sep)
            out.append(encode_basestring(key))
            out.append(": ")
            _pretty(obj[key], inner, out)
            sep = "," + inner
        out.append(newline + "}")
    elif isinstance(obj, list):
        if not obj:
            out.append("[]")
            return
        inner = newline + "  "
        sep = "[" + inner
        for item in obj:
            out.append(sep)
            _pretty(item, inner, out)
            sep = "," + inner
        out.append(newline + "]")
    else:  # numbers, True, False, None
        out.append(json.dumps(obj))


def int_param(text: object, what: str, low: int, high: int) -> int:
    """A whole-number path or query parameter from ``low`` to ``high``; anything else -> Spanish 400."""
    return int(_param(int, "un entero", text, what, low, high))


def float_param(text: object, what: str, low: float, high: float) -> float:
    """A path or query parameter that is a number (``0.5``, ``2``) from ``low`` to ``high``; else Spanish 400."""
    return _param(float, "un número", text, what, low, high)


def _param(kind: Callable[[str], float], name: str, text: object, what: str, low: float, high: float) -> float:
    try:
        value = kind(str(text))
    except ValueError:
        raise HttpError(400, f"{what} debe ser {name}; se recibió {text!r}.") from None
    if not low <= value <= high:  # also rejects nan
        raise HttpError(400, f"{what} debe estar entre {_show(low)} y {_show(high)}; se recibió {text}.")
    return value


def _show(x: float) -> str:
    """A bound as people write it: 10485760, 0.5, 10 (not 1.04858e+07 or 10.0)."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


class HttpError(Exception):
    """Raised by a route to answer ``status`` with a Spanish explanation."""

    def __init__(
        self,
        status: int,
        explain: str,
        *,
        close: bool = False,
        headers: Sequence[tuple[str, str]] = (),
        page: bool = False,
    ) -> None:
        super().__init__(explain)
        self.status = status
        self.explain = explain
        self.close = close
        self.headers = headers
        self.page = page  # an HTML page (text/html), as httpbin's Flask sends for 404 and 405


class StopResponse(Exception):
    """Raised by a route that must abandon its response (the server is stopping)."""
