"""``/raw/...``: responses that break HTTP on purpose, for sections 3 and 6 of the guide.

Each endpoint writes its bytes exactly (no helper "fixes" them) and says in its docstring
what a client sees. ``http.client`` is named because the notebooks compare it with the
guide's hand-written parser.

==========================  ==========================================================
``/raw/close-delimited``    200 without Content-Length; the body ends when the server
                            closes. ``http.client`` reads it whole.
``/raw/chunked``            200 with Transfer-Encoding: chunked, several chunks (and a
                            chunk extension); the connection stays open.
``/raw/short-body``         declares more bytes than it sends, then closes:
                            ``http.client.IncompleteRead``.
``/raw/reset``              sends half the body, then RST (SO_LINGER 0):
                            ``ConnectionResetError``.
``/raw/endless-headers``    a new header line every ``interval`` s (0.1), never the empty
                            line; ``http.client`` gives up after 100 headers
                            (``HTTPException``); a recv timeout never fires.
``/raw/silent``             reads the request and never answers: ``TimeoutError`` on a
                            client with a timeout; held (without a thread) until the
                            client closes.
``/raw/lf-only``            exactly the guide's section 6 sample: LF line endings and
                            ``Content-Length: 25`` for a 26-byte body, then closes.
``/raw/bad-status``         status line ``HTTP/1.1 OK 200``: ``http.client.BadStatusLine``.
``/raw/slices``             a correct response sent ``size`` bytes at a time, ``delay`` s
                            apart: recv returns fragments, UTF-8 characters cut in two.
==========================  ==========================================================
"""

from __future__ import annotations

import time
from collections.abc import Callable

from . import samples
from .chunked import LAST_CHUNK, encode_chunk
from .handler import Handler
from .protocol import HttpError, StopResponse, float_param, http_date, int_param

#: The guide's sample response (section 6), byte for byte: LF endings, 25 declared, 26 sent.
GUIDE_LF_RESPONSE = (
    b"HTTP/1.1 200 OK\n"
    b"Content-Type: application/json\n"
    b"Content-Length: 25\n"
    b"Server: nginx/1.18.0\n"
    b"\n"
    b'{"message": "Hello World"}'
)
TEXT_TYPE = "text/plain; charset=utf-8"
#: /raw/silent gives up after this long even if the client never closes.
SILENT_CAP = 300.0
ENDLESS_MAX_LINES = 10_000


def _head(status: str, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Date: {http_date()}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def raw_close_delimited(req: Handler) -> None:
    """200 with no Content-Length: the body is "everything until the server closes"."""
    req.close_connection = True
    req.send_raw(
        _head("200 OK", f"Content-Type: {TEXT_TYPE}", "Connection: close") + samples.SAMPLE_TEXT, 200, last=True
    )


def raw_chunked(req: Handler) -> None:
    """200 with Transfer-Encoding: chunked: one chunk per line, the first with an extension."""
    lines = samples.SAMPLE_TEXT.splitlines(keepends=True)
    out = [_head("200 OK", f"Content-Type: {TEXT_TYPE}", "Transfer-Encoding: chunked")]
    for i, line in enumerate(lines):
        out.append(encode_chunk(line, b";nota=primer-trozo" if i == 0 else b""))
    out.append(LAST_CHUNK)
    req.send_raw(b"".join(out), 200, last=True)


def raw_short_body(req: Handler) -> None:
    """Declares the whole text, sends half of it, closes: a truncated download."""
    req.close_connection = True
    body = samples.SAMPLE_TEXT
    head = _head("200 OK", f"Content-Type: {TEXT_TYPE}", f"Content-Length: {len(body)}", "Connection: close")
    req.send_raw(head + body[: len(body) // 2], 200, last=True)


def raw_reset(req: Handler) -> None:
    """Half the body, a moment for it to arrive, then a reset instead of a clean close."""
    body = samples.SAMPLE_TEXT
    head = _head("200 OK", f"Content-Type: {TEXT_TYPE}", f"Content-Length: {len(body)}")
    req.send_raw(head + body[: len(body) // 2], 200)
    req.server.sleep(0.05)
    req.close_now_with_reset()


def raw_endless_headers(req: Handler) -> None:
    """Header lines forever (until the client leaves, ``max_delay`` passes or 10 000 lines)."""
    srv = req.server
    interval = float_param(req.args.get("interval", "0.1"), "interval", 0.001, srv.max_delay)
    req.close_connection = True
    req.send_raw(b"HTTP/1.1 200 OK\r\n", 200)
    deadline = time.monotonic() + srv.max_delay
    for i in range(ENDLESS_MAX_LINES):
        if time.monotonic() >= deadline or not srv.sleep(interval):
            return
        req.send_raw(b"X-Relleno-%d: estas cabeceras no terminan nunca\r\n" % i)


def raw_silent(req: Handler) -> None:
    """Read the request, answer nothing; hold the connection until the client closes.

    The server keeps reading (and dropping) what the client sends, without a thread: the
    connection goes back to the selector until EOF, ``stop()`` or ``SILENT_CAP`` seconds.
    """
    req.close_connection = True
    req.status = 0
    req.silent = True


def raw_lf_only(req: Handler) -> None:
    """The guide's sample: the parser's ``split('\\r\\n\\r\\n')`` finds nothing in it."""
    req.close_connection = True
    req.send_raw(GUIDE_LF_RESPONSE, 200, last=True)


def raw_bad_status(req: Handler) -> None:
    """A status line with its parts swapped: ``HTTP/1.1 OK 200``."""
    req.close_connection = True
    body = samples.SAMPLE_TEXT
    req.send_raw(
        _head("OK 200", f"Content-Type: {TEXT_TYPE}", f"Content-Length: {len(body)}", "Connection: close") + body,
        200,
        last=True,
    )


def raw_slices(req: Handler) -> None:
    """A correct 200 whose bytes leave in ``size``-byte slices, ``delay`` seconds apart."""
    srv = req.server
    args = req.args
    size = int_param(args.get("size", "7"), "size", 1, 65536)
    delay = float_param(args.get("delay", "0.02"), "delay", 0, srv.max_delay)
    body = samples.UTF8_DEMO
    data = _head("200 OK", f"Content-Type: {TEXT_TYPE}", f"Content-Length: {len(body)}") + body
    slices = range(0, len(data), size)
    if delay * (len(slices) - 1) > srv.max_delay:
        raise HttpError(400, f"con ese size y ese delay el envío duraría más de {srv.max_delay:g} s.")
    for i, start in enumerate(slices):
        if i and delay and not srv.sleep(delay):
            raise StopResponse
        req.send_raw(data[start : start + size], 200, last=i == len(slices) - 1)


RAW: dict[str, Callable[[Handler], None]] = {
    "close-delimited": raw_close_delimited,
    "chunked": raw_chunked,
    "short-body": raw_short_body,
    "reset": raw_reset,
    "endless-headers": raw_endless_headers,
    "silent": raw_silent,
    "lf-only": raw_lf_only,
    "bad-status": raw_bad_status,
    "slices": raw_slices,
}


def view_raw(req: Handler, name: str) -> None:
    view = RAW.get(name)
    if view is None:
        raise HttpError(404, f"no existe /raw/{name[:60]}; las respuestas defectuosas son: {', '.join(RAW)}.")
    view(req)
