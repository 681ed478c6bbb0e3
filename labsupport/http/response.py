"""Writing responses: one ``sendall`` per response where possible, bytes counted, log kept.

A mixin of the connection handler (``handler.Handler``). Routes use ``respond``,
``respond_json``, ``fail``, ``start_stream`` / ``write_chunk`` / ``end_stream`` and
``send_raw``. The request is added to the server's log just before its last bytes leave, so
a client that has read its whole response always finds it in ``server.requests()``.
"""

from __future__ import annotations

import time
from typing import Any

from .._closing import arm_reset
from .chunked import LAST_CHUNK, encode_chunk
from .protocol import NO_BODY_STATUSES, PHRASES, HttpError, dumps, error_body, error_page, http_date


class ResponseWriter:
    """The response half of :class:`~labsupport.http.handler.Handler`."""

    def _record(self, pending: int = 0) -> None:
        """Add this request to the server's log, once.

        Called just before the response's last bytes are written (``pending`` of them), so a
        client that has read its whole response always finds it in ``server.requests()``.
        """
        if not self._recorded:
            self._recorded = True
            duration = time.perf_counter() - self._t0
            self.server._record_request(
                self.peer, self.command, self.path, self.status, self.bytes_sent + pending, duration
            )

    def _write(self, data: bytes) -> None:
        self.connection.sendall(data)
        self.bytes_sent += len(data)

    def _head_bytes(self, status: int, headers: Any, length: int | None) -> bytes:
        self.status = status
        self.started = True
        out = [
            f"HTTP/1.1 {status} {PHRASES.get(status, 'Unknown')}\r\n"
            f"Server: {self.server_version}\r\nDate: {http_date()}\r\n"
        ]
        for name, value in headers:
            out.append(f"{name}: {value}\r\n")
        if length is not None:
            out.append(f"Content-Length: {length}\r\n")
        elif self.chunked:
            out.append("Transfer-Encoding: chunked\r\n")
        if self.close_connection:
            out.append("Connection: close\r\n")
        elif self.request_version == "HTTP/1.0":
            out.append("Connection: keep-alive\r\n")
        out.append("\r\n")
        return "".join(out).encode("latin-1")

    def respond(self, status: int = 200, body: bytes = b"", content_type: str | None = None, headers: Any = ()) -> None:
        """Status line, headers and body in one ``sendall``; HEAD gets the same headers."""
        if content_type is not None:
            headers = [("Content-Type", content_type), *headers]
        if status in NO_BODY_STATUSES or status < 200:
            data = self._head_bytes(status, headers, None)
        else:
            data = self._head_bytes(status, headers, len(body))
            if not self.is_head:
                data += body
        self._record(len(data))
        self._write(data)

    def respond_json(self, obj: Any, status: int = 200, headers: Any = ()) -> None:
        try:
            body = dumps(obj)
        except RecursionError:
            raise HttpError(400, "el JSON de la petición está anidado a demasiada profundidad.") from None
        self.respond(status, body, "application/json", headers)

    def fail(self, status: int, explain: str, *, close: bool = False, headers: Any = (), page: bool = False) -> None:
        """A Spanish error: plain text, or an HTML page with ``page=True``; ``close=True`` ends the connection."""
        if close:
            self.close_connection = True
        self.server._log("http-error", self.peer, f"{status} {self.command} {self.path[:80]}: {explain}")
        if page:
            self.respond(status, error_page(status, explain), "text/html; charset=utf-8", headers)
        else:
            self.respond(status, error_body(status, explain), self.error_content_type, headers)

    def start_stream(self, status: int, content_type: str, headers: Any = (), length: int | None = None) -> bool:
        """Send the head of a streamed response; returns False for HEAD (send nothing more).

        Without ``length`` the body is chunked (HTTP/1.1) or ends by closing (HTTP/1.0).
        """
        if length is None:
            if self.request_version == "HTTP/1.1":
                self.chunked = True
            else:
                self.close_connection = True
        head = self._head_bytes(status, [("Content-Type", content_type), *headers], length)
        if self.is_head or length == 0:
            self._record(len(head))
        self._remaining = length
        self._write(head)
        return not self.is_head

    def write_chunk(self, data: bytes) -> None:
        if not data:
            return
        if self.chunked:
            self._write(encode_chunk(data))
            return
        if self._remaining is not None:
            self._remaining -= len(data)
            if self._remaining <= 0:
                self._record(len(data))
        self._write(data)

    def end_stream(self) -> None:
        if self.chunked:
            self._record(len(LAST_CHUNK))
            self._write(LAST_CHUNK)

    def send_raw(self, data: bytes, status: int = 0, *, last: bool = False) -> None:
        """Bytes exactly as given (the /raw/ faults); the status is only for the log."""
        if status:
            self.status = status
        self.started = True
        if last:
            self._record(len(data))
        self._write(data)

    # -- the standard library's hooks --------------------------------------------------
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors: a Spanish text body, then the connection is closed.

        ``message`` is the reason phrase in the standard library; here the status line keeps
        the standard English phrase (what clients compare) and the Spanish text goes in the body.
        """
        text = explain or message or PHRASES.get(code, "error")
        self.fail(code, text, close=True)

    def _try_error(self, code: int, explain: str) -> None:
        try:
            self.fail(code, explain, close=True)
        except OSError:
            pass

    def close_now_with_reset(self) -> None:
        """Make the coming close send RST instead of FIN (SO_LINGER on, 0 seconds)."""
        arm_reset(self.connection)
        self._reset = True
        self.close_connection = True
