"""Download with a progress bar and the file's SHA-256, the way the guide's should have been.

The guide's ``descargar_archivo`` saves whatever arrives, error pages included, and never
checks that the file is whole. This widget streams the body through SHA-256 (and to a
file, if asked) while a progress bar follows ``Content-Length``; the file is only put in
place when the status is 2xx and every announced byte arrived, otherwise it says why not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._address import format_address
from ..http import client
from ._common import LabWidget, error_html, esc, explain, fmt_bytes, fmt_elapsed, ipywidgets
from ._target import host_header, loopback_address, url_parts

#: Seconds between two progress-bar updates (each one is a message to the browser).
PROGRESS_EVERY = 0.05
#: A download may take this long in all (slow ``?rate=`` downloads are capped at 10 s by the server).
MAX_TOTAL = 120.0

if TYPE_CHECKING:
    from ..http import HttpServer


@dataclasses.dataclass
class DownloadResult:
    url: str
    status: int = 0
    size: int = 0  # body bytes received
    expected: int | None = None  # Content-Length, when announced
    sha256: str = ""  # hex digest of the bytes received
    elapsed: float = 0.0
    path: str | None = None  # where the file was saved (None: not saved)
    error: BaseException | None = None
    problem: str = ""  # Spanish: why the download does not count (bad status, incomplete)

    @property
    def ok(self) -> bool:
        """2xx, complete, no error: the only case in which the file is worth keeping."""
        return self.error is None and not self.problem and 200 <= self.status < 300


class Download(LabWidget):
    """Widget: «Descargar», a progress bar, and the size, time and SHA-256 at the end."""

    title = "Descarga con barra de progreso"
    css_class = "lab-download"

    def __init__(
        self,
        url_or_path: str,
        server: Any = None,
        *,
        destino: str | os.PathLike[str] | None = None,
        timeout: float = 5.0,
    ) -> None:
        w = ipywidgets()
        self._server: HttpServer | None = None
        self._given_server = server
        self.source = url_or_path
        self.destino = Path(destino) if destino is not None else None
        self.timeout = timeout
        self.last_result: DownloadResult | None = None
        if url_or_path.startswith("/"):
            if server is not None:
                loopback_address(server)  # refuse a non-loopback target now, not on click
        else:
            url_parts(url_or_path)  # same: a bad URL is refused when the widget is made
        self.button = w.Button(description="Descargar", button_style="primary", icon="download")
        self.button.add_class("lab-send")
        self.progress = w.IntProgress(value=0, min=0, max=100, description="0 %")
        self.progress.add_class("lab-progress")
        self.info = w.HTML(f"Origen: <code>{esc(url_or_path)}</code>")
        self.result_html = w.HTML()
        self.result_html.add_class("lab-status")
        self.button.on_click(lambda _button: self.start())
        self._finish([self.info, w.HBox([self.button, self.progress]), self.result_html])

    @property
    def server(self) -> HttpServer | None:
        """The HTTP server this widget started itself (None when it was given one or a URL)."""
        return self._server

    def _resolve(self) -> tuple[tuple[str, int], str, str]:
        if not self.source.startswith("/"):
            host, port, path = url_parts(self.source)
            return (host, port), path, self.source
        server = self._given_server
        if server is None:
            if self._server is None or not self._server.running:
                self._server = _new_server()
            server = self._server
        address = loopback_address(server)
        return address, self.source, f"http://{format_address(address)}{self.source}"

    def start(self) -> DownloadResult:
        """Download now (what the button does); update the bar and the result; never raise."""
        result = DownloadResult(url=self.source)
        self.progress.value, self.progress.max, self.progress.description = 0, 100, "0 %"
        self.progress.bar_style = ""
        self.result_html.value = "Descargando…"
        digest = hashlib.sha256()
        partial = None
        out = None
        start = time.monotonic()
        try:
            address, path, result.url = self._resolve()
            self.info.value = f"Origen: <code>{esc(result.url)}</code>"
            if self.destino is not None:
                partial = self.destino.with_name(self.destino.name + ".parcial")
                out = open(partial, "wb")  # closed in the finally below
            last_update = 0.0

            def on_data(chunk: bytes, received: int, total: int | None) -> None:
                nonlocal last_update
                digest.update(chunk)
                if out is not None:
                    out.write(chunk)
                now = time.monotonic()
                if now - last_update >= PROGRESS_EVERY:
                    last_update = now
                    self._progress(received, total)

            request = client.build_request(
                "GET", path, [("Accept", "*/*")], b"", host=host_header(address), connection="close"
            )
            start = time.monotonic()
            with socket.create_connection(address, timeout=self.timeout) as sock:
                resp = client.exchange(
                    sock,
                    request,
                    method="GET",
                    timeout=self.timeout,
                    total=MAX_TOTAL,
                    caps=client.Caps(keep_body=0, record_cap=0),  # the body goes to the hash and the file
                    on_data=on_data,
                )
            result.status, result.size, result.expected = resp.status, resp.body_size, resp.expected
            self._progress(resp.body_size, resp.expected)
            if not 200 <= resp.status < 300:
                result.problem = (
                    f"el servidor respondió {resp.status} {resp.reason}: lo recibido es una página de error, "
                    "no el archivo"
                )
            elif not resp.complete:
                result.problem = (
                    f"incompleta: se anunciaron {resp.expected} bytes y llegaron {resp.body_size}"
                    if resp.expected is not None
                    else "incompleta: la conexión terminó antes del final"
                )
        except Exception as exc:  # shown in the widget: a callback must not raise
            result.error = exc
        finally:
            if out is not None:
                out.close()
        result.elapsed = time.monotonic() - start
        result.sha256 = digest.hexdigest()
        if partial is not None and self.destino is not None:
            if result.ok:
                os.replace(partial, self.destino)
                result.path = str(self.destino)
            else:
                partial.unlink(missing_ok=True)
        self.last_result = result
        self._show(result)
        return result

    def _progress(self, received: int, total: int | None) -> None:
        if total:
            self.progress.max = total
            self.progress.value = min(received, total)
            self.progress.description = f"{100 * received // total} %"
        else:  # no Content-Length (chunked or close-delimited): show bytes, bar stays full
            self.progress.max = 1
            self.progress.value = 1
            self.progress.description = f"{received // 1024} KiB"

    def _show(self, result: DownloadResult) -> None:
        if result.error is not None:
            self.progress.bar_style = "danger"
            self.result_html.value = error_html(explain(result.error))
            return
        lines = [
            f"Estado: <b>{result.status}</b> · {fmt_bytes(result.size)} en {fmt_elapsed(result.elapsed)}",
            f"SHA-256: <code class='lab-sha256'>{esc(result.sha256)}</code>",
        ]
        if result.problem:
            self.progress.bar_style = "danger"
            kept = " No se guarda el archivo." if self.destino is not None else ""
            lines.append(error_html(f"La descarga no vale: {result.problem}.{kept}"))
        else:
            self.progress.bar_style = "success"
            if result.path:
                lines.append(f"Guardado en <code>{esc(result.path)}</code>")
        self.result_html.value = "<br>".join(lines)

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
        super().close()


def download(
    url_or_server_path: str,
    server: Any = None,
    *,
    destino: str | os.PathLike[str] | None = None,
    timeout: float = 5.0,
) -> Download:
    """A download widget for ``http://127.0.0.1:PORT/...`` or a path such as ``/docs/grande.bin``.

    A path is fetched from ``server`` (or from an HTTP server of the course started on the
    first click). With ``destino`` the file is written there, only if the download is good.
    """
    return Download(url_or_server_path, server, destino=destino, timeout=timeout)


def _new_server() -> HttpServer:
    """A course HTTP server of the widget's own, imported only when the widget needs one."""
    from ..http import HttpServer

    return HttpServer()
