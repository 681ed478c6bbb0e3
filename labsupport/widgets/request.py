"""The request builder: type an HTTP request, send it with a socket, see every byte.

It replaces "write a client first": students change the method, the path, a header or
the ``Connection`` choice and compare the raw request, the raw response and what a parser
makes of it, plus the time it took. The request is written by hand (``labsupport.http.client``), so what
is shown is exactly what crossed the socket; the body's ``Content-Length`` is counted in
bytes (the guide counts characters), and with ``keep-alive`` the next request reuses the
same connection, as the widget reports.
"""

from __future__ import annotations

import dataclasses
import json
import select
import socket
import time
from typing import TYPE_CHECKING, Any

from .._address import format_address
from ..http import client
from ..http.client import RawResponse
from ._common import (
    LabWidget,
    error_html,
    esc,
    explain,
    fmt_bytes,
    fmt_elapsed,
    ipywidgets,
    pre,
    table_html,
    wire_html,
)
from ._target import host_header, loopback_address

DEFAULT_HEADERS = "Accept: */*\nUser-Agent: curso-sockets/1.0"
_RETRYABLE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)

if TYPE_CHECKING:
    from ..http import HttpServer


@dataclasses.dataclass
class Exchange:
    """One press of "Enviar": what was sent, what came back (or the error), how long."""

    address: tuple[str, int] | None = None
    request: bytes = b""
    response: RawResponse | None = None
    error: BaseException | None = None
    elapsed: float = 0.0
    reused: bool = False  # sent over a keep-alive connection opened by an earlier request
    kept_open: bool = False  # the connection stays open for the next request

    @property
    def ok(self) -> bool:
        return self.error is None and self.response is not None and self.response.complete


class RequestBuilder(LabWidget):
    """Widget: build an HTTP request field by field and send it over a raw socket."""

    title = "Constructor de peticiones HTTP"
    css_class = "lab-request-builder"

    def __init__(self, target: Any = None, *, path: str = "/get", timeout: float = 5.0) -> None:
        w = ipywidgets()
        self._server: HttpServer | None = None  # started lazily when target is None, stopped by close()
        self._sock: socket.socket | None = None
        self._sock_address: tuple[str, int] | None = None
        self.last_result: Exchange | None = None
        initial = "" if target is None else format_address(loopback_address(target))
        label = {"style": {"description_width": "9em"}}
        self.destination = w.Text(
            value=initial,
            placeholder="vacío: el servidor HTTP del curso",
            description="Servidor:",
            **label,
        )
        self.method = w.Dropdown(options=client.METHODS, value="GET", description="Método:", **label)
        self.path = w.Text(value=path, description="Ruta:", **label)
        self.headers = w.Textarea(
            value=DEFAULT_HEADERS,
            description="Cabeceras:",
            placeholder="Nombre: valor (una por línea)",
            layout=w.Layout(width="95%", height="5em"),
            **label,
        )
        self.body = w.Textarea(
            value="",
            description="Cuerpo:",
            placeholder="texto del cuerpo (se envía en UTF-8)",
            layout=w.Layout(width="95%", height="4em"),
            **label,
        )
        self.connection = w.ToggleButtons(
            options=[("keep-alive", "keep-alive"), ("close", "close")],
            value="keep-alive",
            description="Connection:",
            **label,
        )
        self.timeout = w.BoundedFloatText(
            value=timeout, min=0.1, max=30.0, step=0.5, description="Timeout (s):", **label
        )
        self.button = w.Button(description="Enviar", button_style="primary", icon="paper-plane")
        self.button.add_class("lab-send")
        self.status = w.HTML(value="Pulsa «Enviar» para mandar la petición.")
        self.status.add_class("lab-status")
        self.parsed_html = w.HTML()
        self.parsed_html.add_class("lab-parsed")
        self.sent_html = w.HTML()
        self.raw_html = w.HTML()
        self.button.on_click(lambda _button: self.send())
        self._finish(
            [
                self.destination,
                w.HBox([self.method, self.path]),
                self.headers,
                self.body,
                self.connection,
                w.HBox([self.timeout, self.button]),
                self.status,
                self.parsed_html,
                self.sent_html,
                self.raw_html,
            ]
        )

    # -- what the button does ------------------------------------------------------
    @property
    def last_response(self) -> RawResponse | None:
        """The last response parsed (None before sending or when the request failed)."""
        return self.last_result.response if self.last_result else None

    @property
    def server(self) -> HttpServer | None:
        """The HTTP server this widget started itself (None when it was given a target)."""
        return self._server

    def send(self) -> Exchange:
        """Send the request described by the fields; update the views; never raise."""
        result = Exchange()
        start = time.monotonic()
        try:
            result.address = self._address()
            body = self.body.value.encode("utf-8")
            result.request = client.build_request(
                self.method.value,
                self.path.value.strip(),
                client.parse_header_lines(self.headers.value),
                body,
                host=host_header(result.address),
                connection=self.connection.value,
            )
            start = time.monotonic()
            result.response, result.reused = self._exchange(result.address, result.request)
            result.kept_open = self.connection.value == "keep-alive" and result.response.keeps_alive
        except Exception as exc:  # shown in the widget: a callback must not raise
            result.error = exc
            result.response = client.partial_response(exc)
        result.elapsed = time.monotonic() - start
        if not result.kept_open:
            self._drop_connection()
        self.last_result = result
        self._show(result)
        return result

    def _address(self) -> tuple[str, int]:
        text = self.destination.value.strip()
        if text:
            return loopback_address(text)
        if self._server is None or not self._server.running:
            self._server = _new_server()
        self.destination.value = format_address(self._server.address)
        return self._server.address

    def _exchange(self, address: tuple[str, int], request: bytes) -> tuple[RawResponse, bool]:
        timeout = float(self.timeout.value)
        method = self.method.value
        if self._sock is not None and (self._sock_address != address or not _idle_and_open(self._sock)):
            self._drop_connection()
        if self._sock is not None:
            try:
                return client.exchange(self._sock, request, method=method, timeout=timeout), True
            except _RETRYABLE:
                # the server closed the idle keep-alive connection just as we reused it:
                # like http.client, try once more on a fresh connection
                self._drop_connection()
        self._sock = socket.create_connection(address, timeout=timeout)
        self._sock_address = address
        return client.exchange(self._sock, request, method=method, timeout=timeout), False

    def _drop_connection(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._sock_address = None

    def close(self) -> None:
        self._drop_connection()
        if self._server is not None:
            self._server.stop()
        super().close()

    # -- views -----------------------------------------------------------------------
    def _show(self, result: Exchange) -> None:
        self.sent_html.value = (
            f"<b>Petición enviada</b> ({fmt_bytes(len(result.request))}){_body_note(self.body.value)}"
            + pre(wire_html(result.request))
            if result.request
            else ""
        )
        resp = result.response
        if resp is not None and resp.raw:
            self.raw_html.value = f"<b>Respuesta recibida, en bruto</b> ({fmt_bytes(len(resp.raw))})" + pre(
                wire_html(resp.raw)
            )
        else:
            self.raw_html.value = ""
        if result.error is not None:
            took = f" ({fmt_elapsed(result.elapsed)})" if result.request else ""
            self.status.value = error_html(explain(result.error)) + took
            self.parsed_html.value = _parsed(resp) if resp is not None and resp.status else ""
            return
        assert resp is not None
        connection = "reutilizada" if result.reused else "nueva"
        after = "sigue abierta" if result.kept_open else "cerrada"
        self.status.value = (
            f'<span class="lab-status-line"><b>{esc(resp.status_line)}</b></span> · '
            f"{fmt_elapsed(result.elapsed)} · conexión {connection}, {after}"
        )
        self.parsed_html.value = _parsed(resp)


def _idle_and_open(sock: socket.socket) -> bool:
    """An idle keep-alive socket is usable when nothing is waiting to be read on it.

    If it is readable, the server either closed it (EOF) or sent bytes nobody asked for;
    either way it must not carry the next request.
    """
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _body_note(text: str) -> str:
    chars, size = len(text), len(text.encode("utf-8"))
    if chars == size:
        return ""
    return f" — el cuerpo tiene {chars} caracteres pero {size} bytes en UTF-8: Content-Length cuenta bytes"


def _parsed(resp: RawResponse) -> str:
    parts = [f"<b>Respuesta interpretada</b>: estado <b>{resp.status}</b> {esc(resp.reason)}"]
    if resp.headers:
        parts.append(table_html(["Cabecera", "Valor"], resp.headers, "lab-headers"))
    framing = {
        "content-length": f"delimitado por Content-Length ({resp.expected} bytes)",
        "chunked": "en trozos (Transfer-Encoding: chunked)",
        "close": "delimitado por el cierre de la conexión",
        "none": "sin cuerpo",
    }.get(resp.framing, resp.framing)
    parts.append(f"<div>Cuerpo: {fmt_bytes(resp.body_size)}, {esc(framing)}</div>")
    if not resp.complete:
        if resp.expected is not None and resp.body_size < resp.expected:
            missing = f"se esperaban {resp.expected} bytes y llegaron {resp.body_size}"
        else:
            missing = "la conexión terminó antes del final del cuerpo"
        parts.append(error_html(f"Respuesta incompleta: {missing}."))
    if resp.body:
        parts.append(pre(esc(_body_text(resp))))
    return "".join(parts)


def _body_text(resp: RawResponse, limit: int = 4000) -> str:
    body = resp.body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return f"({fmt_bytes(len(body))} que no son texto UTF-8; los primeros 64 en hexadecimal)\n" + " ".join(
            f"{b:02x}" for b in body[:64]
        )
    if "json" in (resp.header("Content-Type") or ""):
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} caracteres más)"


def request_builder(target: Any = None, *, path: str = "/get", timeout: float = 5.0) -> RequestBuilder:
    """A request builder against ``target`` (an HttpServer, ``"127.0.0.1:PORT"``...).

    With no target it starts the course's HTTP server on the first «Enviar» and stops it
    with ``close()``. Only loopback addresses are accepted, and no name is resolved.
    """
    return RequestBuilder(target, path=path, timeout=timeout)


def _new_server() -> HttpServer:
    """A course HTTP server of the widget's own, imported only when the widget needs one."""
    from ..http import HttpServer

    return HttpServer()
