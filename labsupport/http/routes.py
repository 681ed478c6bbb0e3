"""httpbin's endpoints, with httpbin's JSON field names and shapes, plus the routing table.

What a student learns here must work unchanged against the public httpbin service, so the
bodies keep its keys (``args``, ``headers``, ``origin``, ``url``, ``form``, ``data``,
``json``, ``files``, ``method``) and its redirect chains. What differs on purpose: a
parameter over the cap gets a Spanish 400 instead of being silently clamped, and every
redirect stays on this server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import collapse_rfc2231_value
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from . import documents, raw, samples
from .handler import Handler
from .protocol import HttpError, StopResponse, dumps, float_param, int_param

ENV_HEADERS = frozenset({"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port", "Via", "X-Request-Id"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


# -- building httpbin's dictionaries ----------------------------------------------------
def headers_dict(req: Handler) -> dict[str, str]:
    """Header names title-cased like werkzeug's (``user-agent`` -> ``User-Agent``)."""
    out: dict[str, str] = {}
    for name, value in req.headers.items():
        key = name.title()
        if key in ENV_HEADERS:
            continue
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def origin(req: Handler) -> str:
    return req.headers.get("X-Forwarded-For", req.client_address[0])


def full_url(req: Handler) -> str:
    if req.path.startswith("http://"):
        return req.path
    scheme = req.server.scheme
    host = req.headers.get("Host") or req.server.url("/").removeprefix(f"{scheme}://").rstrip("/")
    return f"{scheme}://{host}{req.path}"


def json_safe(data: bytes, content_type: str = "application/octet-stream") -> str:
    """Text as text; binary as a ``data:`` URL, as httpbin does."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _flatten(parsed: dict[str, list[Any]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def body_fields(req: Handler) -> dict[str, Any]:
    """``form``, ``files``, ``data`` and ``json`` of the request body."""
    body = req.body
    ctype = req.headers.get_content_type()
    form: dict[str, Any] = {}
    files: dict[str, Any] = {}
    data = json_safe(body)
    if ctype == "application/x-www-form-urlencoded":
        try:
            form = _flatten(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=1000))
        except ValueError:
            raise HttpError(400, "el formulario tiene demasiados campos (máximo 1000).") from None
        data = ""
    elif ctype == "multipart/form-data":
        form, files = _multipart(req.headers.get("Content-Type", ""), body)
        data = ""
    try:
        parsed_json = json.loads(body.decode("utf-8")) if body and not form and not files else None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
        parsed_json = None
    return {"form": form, "files": files, "data": data, "json": parsed_json}


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise HttpError(400, "cuerpo multipart/form-data mal formado (¿falta el boundary?).")
    form: dict[str, list[str]] = {}
    files: dict[str, list[str]] = {}
    for part in message.iter_parts():
        param = part.get_param("name", header="content-disposition")
        name = collapse_rfc2231_value(param) if param else ""  # a str, also for an RFC 2231 name*=
        payload = part.get_payload(decode=True)  # a part's bytes (None for a nested multipart)
        if not isinstance(payload, bytes):
            payload = b""
        if part.get_filename() is not None:
            files.setdefault(name, []).append(json_safe(payload, part.get_content_type()))
        else:
            form.setdefault(name, []).append(payload.decode("utf-8", "replace"))
    return _flatten(form), _flatten(files)


def request_dict(req: Handler, *keys: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    fields = body_fields(req) if {"form", "files", "data", "json"} & set(keys) else {}
    for key in keys:
        if key == "url":
            d["url"] = full_url(req)
        elif key == "args":
            d["args"] = req.args
        elif key == "headers":
            d["headers"] = headers_dict(req)
        elif key == "origin":
            d["origin"] = origin(req)
        elif key == "method":
            d["method"] = req.command
        else:
            d[key] = fields[key]
    return d


# -- the endpoints ------------------------------------------------------------------------
def view_get(req: Handler) -> None:
    req.respond_json(request_dict(req, "args", "headers", "origin", "url"))


def view_body(req: Handler) -> None:
    req.respond_json(request_dict(req, "args", "data", "files", "form", "headers", "json", "origin", "url"))


def view_anything(req: Handler, rest: str = "") -> None:
    keys = ("args", "data", "files", "form", "headers", "json", "method", "origin", "url")
    req.respond_json(request_dict(req, *keys))


def view_headers(req: Handler) -> None:
    req.respond_json({"headers": headers_dict(req)})


def view_ip(req: Handler) -> None:
    req.respond_json({"origin": origin(req)})


def view_user_agent(req: Handler) -> None:
    req.respond_json({"user-agent": req.headers.get("User-Agent")})


#: httpbin's body for /status/406, in Spanish.
NOT_ACCEPTABLE = {
    "message": "El cliente no pidió un tipo de contenido que se sepa servir.",
    "accept": ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"],
}


def view_status(req: Handler, codes: str) -> None:
    """``/status/418`` or, as httpbin, a weighted random choice: ``/status/200:3,500:1``.

    Headers and bodies as httpbin's: an empty ``text/html`` body, except the redirects
    (``Location``), 304, 401, 402, 406 (JSON) and 407. One difference on purpose: 418's teapot
    keeps ``Content-Type: text/plain; charset=utf-8`` (httpbin sends none): notebook 06 reads
    it, and a body without a type is what the course teaches against.
    """
    choices = []
    for item in codes.split(",")[:20]:
        code_text, _, weight_text = item.partition(":")
        code = int_param(code_text, "el código de estado", 200, 599)
        weight = float_param(weight_text, "el peso", 0, 1000) if weight_text else 1.0
        choices.append((code, weight))
    if len(choices) == 1:
        code = choices[0][0]
    else:
        if sum(w for _, w in choices) <= 0:
            raise HttpError(400, "la suma de los pesos debe ser mayor que 0.")
        code = random.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
    headers: list[tuple[str, str]] = []
    body = b""
    ctype: str | None = "text/html; charset=utf-8"  # httpbin's (Flask's) default for an empty response
    if code in (301, 302, 303, 305, 307):
        headers.append(("Location", "/redirect/1"))
        ctype = None
    elif code == 304:
        ctype = None
    elif code == 401:
        headers.append(("WWW-Authenticate", 'Basic realm="Fake Realm"'))
        ctype = None
    elif code == 402:
        body, ctype = b"Paga primero, por favor.", None  # ASCII: httpbin sends it with no Content-Type
        headers.append(("x-more-info", "https://www.rfc-editor.org/rfc/rfc9110#status.402"))
    elif code == 406:
        body, ctype = dumps(NOT_ACCEPTABLE), "application/json"
    elif code == 407:
        headers.append(("Proxy-Authenticate", 'Basic realm="Fake Realm"'))
        ctype = None
    elif code == 418:  # httpbin sends the teapot with no Content-Type; notebook 06 reads this one
        body, ctype = samples.TEAPOT, "text/plain; charset=utf-8"
        headers.append(("x-more-info", "https://www.rfc-editor.org/rfc/rfc2324"))
    req.respond(code, body, ctype, headers)


def _redirect(req: Handler, location: str, status: int = 302, page: bool = False) -> None:
    """``page=True``: a small HTML page with the link, as httpbin's /redirect and /absolute-redirect."""
    body = samples.redirect_page(location) if page else b""
    req.respond(status, body, "text/html; charset=utf-8", [("Location", location)])


def _hops(req: Handler, text: str) -> int:
    return int_param(text, "el número de redirecciones", 1, 100)


def view_redirect(req: Handler, n: str) -> None:
    hops = _hops(req, n)
    absolute = req.args.get("absolute", "false") == "true"
    if hops == 1:
        _redirect(req, req.server.url("/get") if absolute else "/get", page=True)
    elif absolute:
        _redirect(req, req.server.url(f"/absolute-redirect/{hops - 1}"), page=True)
    else:
        _redirect(req, f"/relative-redirect/{hops - 1}", page=True)


def view_relative_redirect(req: Handler, n: str) -> None:
    hops = _hops(req, n)
    _redirect(req, "/get" if hops == 1 else f"/relative-redirect/{hops - 1}")


def view_absolute_redirect(req: Handler, n: str) -> None:
    hops = _hops(req, n)
    _redirect(req, req.server.url("/get" if hops == 1 else f"/absolute-redirect/{hops - 1}"), page=True)


def local_target(url: str) -> bool:
    """True for a relative reference or an http URL to 127.0.0.1, localhost or [::1]."""
    if not url or any(c in url for c in "\\\r\n\t\x00 ") or not url.isprintable():
        return False
    try:
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        return False
    if not parts.scheme and not parts.netloc:
        return not url.startswith("//")
    return parts.scheme == "http" and hostname in LOCAL_HOSTS and "@" not in parts.netloc


def view_redirect_to(req: Handler) -> None:
    args = req.args
    url = args.get("url")
    if not isinstance(url, str) or not url:
        raise HttpError(400, "falta el parámetro url, por ejemplo /redirect-to?url=/get.")
    if not local_target(url):
        raise HttpError(
            400,
            f"solo se redirige dentro de esta máquina: una ruta (/get) o http://127.0.0.1, "
            f"http://localhost o http://[::1] con cualquier puerto; se recibió {url[:100]!r}.",
        )
    status = 302
    if "status_code" in args:
        wanted = int_param(args["status_code"], "status_code", 100, 599)
        if 300 <= wanted < 400:
            status = wanted
    # headers are ASCII: "/año" leaves as "/a%C3%B1o" (httpbin sends raw UTF-8 bytes instead)
    _redirect(req, quote(url, safe="/:?#[]@!$&'()*+,;=%~"), status)


def view_delay(req: Handler, seconds: str) -> None:
    delay = float_param(seconds, "el retardo en segundos", 0, req.server.max_delay)
    if not req.server.sleep(delay):
        raise StopResponse
    req.respond_json(request_dict(req, "args", "data", "files", "form", "headers", "origin", "url"))


def random_bytes(size: int, seed: Any) -> bytes:
    """Deterministic bytes for a seed (the same on every machine and Python), else random.

    httpbin draws them with ``random.randint`` one by one; SHAKE-256 gives megabytes in
    milliseconds and its output is fixed by the standard, not by a Python version.
    """
    if seed is None:
        return os.urandom(size)
    return hashlib.shake_256(b"labsupport/bytes/" + str(seed).encode()).digest(size)


def _seed(req: Handler) -> Any:
    args = req.args
    return int_param(args["seed"], "seed", -(2**63), 2**63 - 1) if "seed" in args else None


def view_bytes(req: Handler, n: str) -> None:
    size = int_param(n, "el número de bytes", 0, req.server.max_size)
    req.respond(200, random_bytes(size, _seed(req)), "application/octet-stream")


def view_stream_bytes(req: Handler, n: str) -> None:
    """Chunked (Transfer-Encoding: chunked), ``chunk_size`` bytes per chunk (10240 as httpbin)."""
    size = int_param(n, "el número de bytes", 0, req.server.max_size)
    args = req.args
    chunk = int_param(args.get("chunk_size", "10240"), "chunk_size", 1, 1024 * 1024)
    data = random_bytes(size, _seed(req))
    if req.start_stream(200, "application/octet-stream"):
        for start in range(0, size, chunk):
            req.write_chunk(data[start : start + chunk])
        req.end_stream()


def view_drip(req: Handler) -> None:
    """``numbytes`` asterisks spread over ``duration`` seconds, after ``delay`` seconds.

    Bytes due within the same 10 ms go out together, so a large ``numbytes`` does not
    become millions of ``send`` calls.
    """
    srv = req.server
    args = req.args
    numbytes = int_param(args.get("numbytes", "10"), "numbytes", 1, srv.max_size)
    duration = float_param(args.get("duration", "2"), "duration", 0, srv.max_delay)
    delay = float_param(args.get("delay", "0"), "delay", 0, srv.max_delay)
    code = int_param(args.get("code", "200"), "code", 200, 599)
    if duration + delay > srv.max_delay:
        raise HttpError(400, f"delay + duration no puede pasar de {srv.max_delay:g} s.")
    if delay and not srv.sleep(delay):
        raise StopResponse
    if not req.start_stream(code, "application/octet-stream", length=numbytes):
        return
    pause = duration / numbytes
    sent = 0
    start = time.monotonic()
    while sent < numbytes:
        due = numbytes if pause == 0 else min(numbytes, int((time.monotonic() - start) / pause) + 1)
        if due > sent:
            req.write_chunk(b"*" * (due - sent))
            sent = due
        if sent < numbytes and not srv.sleep(max(pause, 0.01)):
            raise StopResponse


def view_html(req: Handler) -> None:
    req.respond(200, samples.HTML_PAGE, "text/html; charset=utf-8")


def view_json(req: Handler) -> None:
    req.respond(200, dumps(samples.SLIDESHOW), "application/json")


def view_robots(req: Handler) -> None:
    req.respond(200, samples.ROBOTS_TXT, "text/plain")


def view_utf8(req: Handler) -> None:
    req.respond(200, samples.UTF8_DEMO, "text/html; charset=utf-8")


def view_index(req: Handler) -> None:
    req.respond(200, samples.INDEX_HTML, "text/html; charset=utf-8")


# -- routing ------------------------------------------------------------------------------
GET = frozenset({"GET", "HEAD"})
ANY = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE"})

#: exact path -> (view, methods)
EXACT: dict[str, tuple[Callable[..., None], frozenset[str]]] = {
    "/": (view_index, GET),
    "/get": (view_get, GET),
    "/post": (view_body, frozenset({"POST"})),
    "/put": (view_body, frozenset({"PUT"})),
    "/patch": (view_body, frozenset({"PATCH"})),
    "/delete": (view_body, frozenset({"DELETE"})),
    "/anything": (view_anything, ANY),
    "/headers": (view_headers, GET),
    "/ip": (view_ip, GET),
    "/user-agent": (view_user_agent, GET),
    "/redirect-to": (view_redirect_to, ANY),
    "/drip": (view_drip, GET),
    "/html": (view_html, GET),
    "/json": (view_json, GET),
    "/robots.txt": (view_robots, GET),
    "/encoding/utf8": (view_utf8, GET),
}

#: first path segment -> (view taking the rest of the path, methods)
PREFIX: dict[str, tuple[Callable[..., None], frozenset[str]]] = {
    "anything": (view_anything, ANY),
    "status": (view_status, ANY),
    "redirect": (view_redirect, GET),
    "relative-redirect": (view_relative_redirect, GET),
    "absolute-redirect": (view_absolute_redirect, GET),
    "delay": (view_delay, ANY),
    "bytes": (view_bytes, GET),
    "stream-bytes": (view_stream_bytes, GET),
    "docs": (documents.view_document, GET),
    "raw": (raw.view_raw, frozenset({"GET"})),  # byte-exact faults: HEAD would get a body
}


def dispatch(req: Handler, path: str) -> None:
    """Find the view for ``path`` (no regular expression: two dictionary lookups)."""
    found = EXACT.get(path)
    args: tuple[str, ...] = ()
    if found is None:
        segment, slash, rest = path[1:].partition("/")
        found = PREFIX.get(segment) if slash else None
        args = (rest,)
        if found is not None and not rest and segment not in ("anything", "docs"):
            found = None
    if found is None:
        raise HttpError(404, f"no existe la ruta {path[:200]!r} en este servidor; la página / las enumera.", page=True)
    view, methods = found
    method = req.command
    if method == "OPTIONS":
        allow = ", ".join(sorted(methods | {"OPTIONS"}))
        req.respond(200, b"", "text/html; charset=utf-8", [("Allow", allow)])
        return
    if method not in methods:
        allow = ", ".join(sorted(methods | {"OPTIONS"}))
        raise HttpError(
            405, f"{path[:100]} no acepta {method}; acepta {allow}.", headers=[("Allow", allow)], page=True
        )
    view(req, *args)
