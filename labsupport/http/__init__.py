"""The local HTTP server: httpbin's endpoints, documents and broken responses, on loopback.

The guide's HTTP examples call the public httpbin service; the course calls :class:`HttpServer` instead,
so every example runs offline and the same in every classroom::

    srv = HttpServer()                 # 127.0.0.1, free port, already serving
    srv.url("/get")                    # 'http://127.0.0.1:PORT/get'
    srv.requests()                     # what it answered: method, path, status, bytes, time

Endpoints (httpbin's names and JSON shapes; HEAD works on every GET route):

- ``/get /post /put /patch /delete /anything(/...)``: the request echoed as JSON (``args``,
  ``headers``, ``origin``, ``url``, ``form``, ``data``, ``json``, ``files``, ``method``).
- ``/headers /ip /user-agent /status/{code} /redirect/{n} /relative-redirect/{n}
  /absolute-redirect/{n} /redirect-to?url=`` (local targets only) ``/delay/{s}
  /bytes/{n}?seed= /stream-bytes/{n}`` (chunked) ``/drip /html /json /robots.txt
  /encoding/utf8``.
- ``/docs/NAME``: files of the document root (``texto.txt``, ``pagina.html``,
  ``imagen.png``) and the virtual 8 MiB ``grande.bin`` (SHA-256 in :data:`BIG_FILE_SHA256`);
  ``?rate=BYTES_PER_SECOND`` slows a download down to watch a progress bar.
- ``/raw/...``: responses broken on purpose (see ``labsupport.http.raw``).

Differences from httpbin, on purpose (``tests/test_http_httpbin.py`` runs the real httpbin
next to this server and compares status, Content-Type and JSON fields endpoint by endpoint):
a parameter over a cap or not a number gets ``400`` with a Spanish reason in plain text
(httpbin clamps silently, or fails with 500 or 404); redirects never leave this machine;
texts are Spanish (error pages: plain text, but an HTML page for an unknown route, 404, and
a wrong method, 405, as httpbin's); /status/418 keeps its ``Content-Type``; JSON keeps ``ñ``
readable instead of ``\\u00f1``.

The package, one idea per module: ``server`` (HttpServer), ``selector`` (the thread that
watches idle connections), ``workers`` (the pool that runs requests), ``connection`` (a
socket and its read buffer), ``handler`` (one request, read, routed and answered),
``protocol`` (HTTP's grammar, status names, Spanish errors), ``routes`` (httpbin's
endpoints), ``documents`` (files to download under ``/docs/``), ``raw`` (``/raw/``),
``samples`` (the fixed sample bodies: pages, JSON, texts), ``chunked`` (the chunked
coding, read the same way by server and client). And ``client``: the course's one HTTP/1.1
client codec (write a request, read a response from a socket, cut raw bytes into parts),
used by the widgets, the anatomy plot and the checkers; :func:`fetch` is its one-call form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._lazy import load

if TYPE_CHECKING:
    from .client import fetch
    from .documents import BIG_FILE_NAME, BIG_FILE_SHA256, BIG_FILE_SIZE, DEFAULT_DOCROOT, big_file_bytes
    from .server import HttpServer, RequestRecord

#: Each public name and the module it lives in, imported on first use (as ``labsupport`` does): a
#: plot or a widget that needs only the client codec does not load the server, its routes and ssl.
_EXPORTS = {
    "BIG_FILE_NAME": ".documents",
    "BIG_FILE_SHA256": ".documents",
    "BIG_FILE_SIZE": ".documents",
    "DEFAULT_DOCROOT": ".documents",
    "HttpServer": ".server",
    "RequestRecord": ".server",
    "big_file_bytes": ".documents",
    "fetch": ".client",
}

__all__ = [
    "BIG_FILE_NAME",
    "BIG_FILE_SHA256",
    "BIG_FILE_SIZE",
    "DEFAULT_DOCROOT",
    "HttpServer",
    "RequestRecord",
    "big_file_bytes",
    "fetch",
]


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted({*__all__, *globals()})
