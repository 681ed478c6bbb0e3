"""A server's request log as a table, refreshed on demand.

Server threads never write to the notebook (the text would land in whatever cell runs
next); they append to a log. This widget reads that log from the main thread when the
student presses «Actualizar» (or calls ``refresh()``): "live" without a background thread
touching an output. It shows ``server.requests()`` for the HTTP server and the generic
event log (``server.log()``) for any other course server.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .._address import format_address
from ._common import LabWidget, esc, fmt_elapsed, ipywidgets, table_html

#: Rows shown (the newest); the server keeps more.
MAX_ROWS = 50

_HTTP_COLUMNS = ("Tiempo (s)", "Cliente", "Método", "Ruta", "Estado", "Bytes enviados", "Duración")
_EVENT_COLUMNS = ("Tiempo (s)", "Evento", "Cliente", "Detalle")


class RequestLog(LabWidget):
    """Widget: «Actualizar», «Vaciar» and the last requests (or events) the server recorded."""

    title = "Registro de peticiones del servidor"
    css_class = "lab-request-log"

    def __init__(self, server: Any, *, max_rows: int = MAX_ROWS) -> None:
        w = ipywidgets()
        if not (hasattr(server, "requests") or hasattr(server, "log")):
            from .._errors import LabError

            raise LabError(
                f"Se esperaba un servidor del curso (por ejemplo lab.HttpServer()) y se recibió "
                f"{type(server).__name__}: no tiene registro que mostrar."
            )
        self.server = server
        self.max_rows = max_rows
        self.http = hasattr(server, "requests")
        self.columns = _HTTP_COLUMNS if self.http else _EVENT_COLUMNS
        #: the rows on display, oldest first, as tuples of strings (what the table shows)
        self.rows: list[tuple[str, ...]] = []
        self.total = 0
        self.button = w.Button(description="Actualizar", icon="refresh")
        self.button.add_class("lab-send")
        self.clear_button = w.Button(description="Vaciar", icon="trash")
        self.summary = w.HTML()
        self.table = w.HTML()
        self.table.add_class("lab-table")
        self.button.on_click(lambda _button: self.refresh())
        self.clear_button.on_click(lambda _button: self.clear())
        self._finish([w.HBox([self.button, self.clear_button]), self.summary, self.table])
        self.refresh()

    def refresh(self) -> list[tuple[str, ...]]:
        """Read the server's log again and redraw the table; return the rows shown."""
        records = self.server.requests() if self.http else self.server.log()
        self.total = len(records)
        shown = records[-self.max_rows :] if self.max_rows else []
        self.rows = [self._row(r) for r in shown]
        try:
            where = format_address(self.server.address)
        except Exception:  # a stopped server has no address any more
            where = "servidor detenido"
        what = "peticiones" if self.http else "eventos"
        more = f" (se muestran las {len(shown)} últimas)" if len(shown) < self.total else ""
        self.summary.value = f"{esc(where)}: {self.total} {what}{more}"
        self.table.value = table_html(self.columns, reversed(self.rows), "lab-log") if self.rows else ""
        return self.rows

    def clear(self) -> None:
        """Empty the server's log (for the next experiment) and the table."""
        if self.http and hasattr(self.server, "clear_requests"):
            self.server.clear_requests()
        elif hasattr(self.server, "clear_log"):
            self.server.clear_log()
        self.refresh()

    def _row(self, record: Any) -> tuple[str, ...]:
        is_record = dataclasses.is_dataclass(record) and not isinstance(record, type)
        fields = dataclasses.asdict(record) if is_record else dict(record)
        if self.http:
            return (
                f"{fields.get('time', 0):.3f}",
                str(fields.get("peer", "")),
                str(fields.get("method", "")),
                str(fields.get("path", "")),
                str(fields.get("status", "") or "—"),
                str(fields.get("bytes_sent", "")),
                fmt_elapsed(float(fields.get("duration", 0.0))),
            )
        return (
            f"{fields.get('time', 0):.3f}",
            str(fields.get("kind", "")),
            str(fields.get("peer", "")),
            str(fields.get("detail", "")),
        )


def request_log(server: Any, *, max_rows: int = MAX_ROWS) -> RequestLog:
    """The request log of ``server`` (an HttpServer; any course server shows its events)."""
    return RequestLog(server, max_rows=max_rows)
