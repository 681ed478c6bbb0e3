"""What every course widget shares: the wrapper object, lazy ipywidgets, HTML snippets.

Tables and views of bytes are the course's own (`labsupport._display`), here as HTML values.

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

from .._display import Table
from .._display import fmt_bytes as fmt_bytes  # re-exported: the widgets import them from here
from .._display import wire_html as wire_html

_ERROR_STYLE = "color:#b00020"
_BOX_STYLE = "background:#f6f8fa;border:1px solid #d0d7de;border-radius:3px;max-height:18em;overflow:auto;"
_TEXT_STYLE = "margin:0;padding:4px 6px;white-space:pre-wrap;word-break:break-all;font-size:12px"
_PRE_STYLE = _BOX_STYLE + _TEXT_STYLE
# a box whose children run bottom to top opens scrolled to its end, where a log's newest line is
_FOLLOW_STYLE = _BOX_STYLE + "display:flex;flex-direction:column-reverse"
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

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
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


def pre(inner_html: str, *, newest_last: bool = False) -> str:
    """A scrollable monospace block; ``inner_html`` must already be escaped.

    ``newest_last``: for a log that grows at the bottom (the chat's conversation), the block opens
    scrolled to its end instead of its top, so the last reply is what a student sees.
    """
    if newest_last:
        return f'<div class="lab-follow" style="{_FOLLOW_STYLE}"><pre style="{_TEXT_STYLE}">{inner_html}</pre></div>'
    return f'<pre style="{_PRE_STYLE}">{inner_html}</pre>'


def error_html(message: str) -> str:
    return f'<span class="lab-error" style="{_ERROR_STYLE}">{esc(message)}</span>'


def table_html(headers: Sequence[str], rows: Iterable[Sequence[Any]], css_class: str = "") -> str:
    """The course's `Table` as a widget's HTML value: borders inline, ``css_class`` for tests."""
    return Table(headers, rows).html(boxed=True, css_class=css_class)


# -- numbers people read ------------------------------------------------------------
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
