"""What every course widget shares: the wrapper object, lazy ipywidgets, HTML snippets.

Each widget function returns a small object (not an ipywidgets box) so that:

- tests and notebooks drive it by name (``w.button.click()``, ``w.path.value = ...``) and
  read the result back (``w.last_response``, ``w.transcript``, ``w.last_result``);
- its ``text/plain`` representation is one stable line, which nbval compares, while the
  browser still renders the box (``w.ui``) through the widget mime type.

Callbacks run in the kernel's main thread and only ever change widget values (mostly
``HTML`` widgets): no ``with out:`` (it misbehaves headless) and no thread writes to an output.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

_ERROR_STYLE = "color:#b00020"
_PRE_STYLE = (
    "margin:0;padding:4px 6px;background:#f6f8fa;border:1px solid #d0d7de;border-radius:3px;"
    "max-height:18em;overflow:auto;white-space:pre-wrap;word-break:break-all;font-size:12px"
)
# ipywidgets gives every HTML widget a line height equal to an input's height (28 px), which
# is right for one line next to a button and far too loose for paragraphs and tables; and it
# puts a ToggleButtons' description above the buttons instead of beside them, unlike every
# other control. Scoped to the course's widgets (class ``lab-widget``).
_STYLE = (
    "<style>"
    ".lab-widget .widget-html > .widget-html-content{line-height:1.45;padding:3px 0}"
    ".lab-widget .widget-toggle-buttons{display:flex;align-items:center}"
    ".lab-widget .widget-toggle-buttons > .widget-label{text-align:right;"
    "margin-right:var(--jp-widgets-inline-margin,4px);flex-shrink:0}"
    "</style>"
)
_CELL_STYLE = "border:1px solid #d0d7de;padding:2px 8px;text-align:left;vertical-align:top"


def ipywidgets() -> Any:
    """Import ipywidgets only when a widget is built (``import labsupport`` stays cheap)."""
    import ipywidgets as widgets

    return widgets


class LabWidget:
    """Base of the course widgets: ``.ui`` is the ipywidgets box that gets displayed."""

    #: Spanish one-line description, used as the stable text representation.
    title = "widget del curso"
    #: CSS class put on the box, so a browser test (or a stylesheet) can find it.
    css_class = "lab-widget"

    ui: Any

    def _finish(self, children: Sequence[Any]) -> None:
        """Build ``self.ui``: the title (with the widgets' shared style) above ``children``."""
        w = ipywidgets()
        heading = w.HTML(f"{_STYLE}<b>{esc(self.title)}</b>")
        self.ui = w.VBox([heading, *children], layout=w.Layout(width="100%", max_width="900px"))
        self.ui.add_class("lab-widget")
        self.ui.add_class(self.css_class)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        data = self.ui._repr_mimebundle_(include=include, exclude=exclude, **kwargs) or {}
        data["text/plain"] = repr(self)
        return data

    def __repr__(self) -> str:
        return f"<{self.title}>"

    def close(self) -> None:
        """Close the widget's views and whatever connection or server it opened."""
        _close_tree(self.ui)


def _close_tree(widget: Any) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


# -- HTML snippets (values of HTML widgets) -----------------------------------------
def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def pre(inner_html: str) -> str:
    """A scrollable monospace block; ``inner_html`` must already be escaped."""
    return f'<pre style="{_PRE_STYLE}">{inner_html}</pre>'


def error_html(message: str) -> str:
    return f'<span class="lab-error" style="{_ERROR_STYLE}">{esc(message)}</span>'


def table_html(headers: Sequence[str], rows: Iterable[Sequence[Any]], css_class: str = "") -> str:
    head = "".join(f'<th style="{_CELL_STYLE};background:#f0f0f0">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL_STYLE}">{esc(v)}</td>' for v in row) + "</tr>" for row in rows)
    return (
        f'<table class="{esc(css_class)}" style="border-collapse:collapse;font-size:12px">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def wire_html(data: bytes, limit: int = 4000) -> str:
    """Bytes as they crossed the wire: text where it is text, line ends made visible.

    ``\\r\\n`` and a lone ``\\n`` are drawn as grey marks before the line break, so the
    difference that breaks naive parsers (LF-only responses) can be seen; bytes that are
    not UTF-8 appear as ``\\xNN``.
    """
    shown = data[:limit]
    text = shown.decode("utf-8", "backslashreplace")
    parts = []
    for line in text.splitlines(keepends=True):
        if line.endswith("\r\n"):
            parts.append(esc(line[:-2]) + '<span style="color:#999">\\r\\n</span>\n')
        elif line.endswith("\n"):
            parts.append(esc(line[:-1]) + '<span style="color:#999">\\n</span>\n')
        else:
            parts.append(esc(line))
    if len(data) > limit:
        parts.append(f'\n<span style="color:#999">… ({fmt_bytes(len(data) - limit)} más)</span>')
    return "".join(parts)


# -- numbers people read ------------------------------------------------------------
def fmt_bytes(n: int) -> str:
    """``1 048 576 bytes``: thin grouping so big sizes stay readable in Spanish."""
    return f"{n:,} bytes".replace(",", " ")


def fmt_elapsed(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


# -- what an exception means, in one Spanish sentence -------------------------------
_HINTS = (
    ("gaierror", "El nombre no se pudo resolver a una dirección (error de resolución de nombres)."),
    ("ConnectionRefusedError", "Nadie escucha en ese puerto: el sistema rechazó la conexión (RST)."),
    ("ConnectionResetError", "El otro extremo cerró la conexión de golpe (RST)."),
    ("ConnectionAbortedError", "La conexión se abortó en este extremo."),
    ("BrokenPipeError", "Se escribió en una conexión que el otro extremo ya había cerrado."),
    ("TimeoutError", "No llegó nada dentro del tiempo límite."),
    ("ResponseError", "Lo recibido no es una respuesta HTTP válida."),
)


def explain(exc: BaseException) -> str:
    """``Clase: mensaje`` plus, for network errors, what usually causes them."""
    from .._errors import LabError

    if isinstance(exc, LabError):  # misuse of the course's tools: the message says it all
        return str(exc)
    names = [cls.__name__ for cls in type(exc).__mro__]
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    for name, hint in _HINTS:
        if name in names:
            return f"{text}. {hint}"
    return text
