"""How the course shows bytes and tables: one rule for each, in text and in HTML.

**Bytes.** Every view of bytes (the tap's tables and ``escaped()``, the response anatomy plot,
the request widget's raw request and response) follows the rule of Python's own ``repr()`` of
``bytes``, without the ``b'…'``: printable ASCII as is; ``\\r``, ``\\n``, ``\\t`` and ``\\\\``
escaped; every other byte as ``\\xNN``. So «año» on the wire reads ``a\\xc3\\xb1o``, not ``año``.

Why this view and not the decoded text: the course teaches that a socket carries bytes, not
characters, and its lessons are about the difference (``Content-Length`` counts bytes, so
``nombre=año`` is 11 bytes and not 10; a ``recv`` can cut the ñ between its two bytes; the
chunk sizes of ``chunked`` count bytes). A view that decoded UTF-8 would show ``año`` with
4 bytes beside it and hide the very thing being taught, and it would show a ñ cut in half as
something else than the complete one. With the escaped view each ``\\xNN`` is one byte, so a
student can count them, and it is exactly what ``print(datos)`` shows in the student's own
cells: the tools and Python never disagree. ASCII, which is what HTTP's framing is made of,
stays readable as it is; text is read where it is decoded (the widget's «respuesta
interpretada», the student's ``.decode("utf-8")``), and in HTML a UTF-8 character also shows
itself as a tooltip over its bytes.

**Tables.** `Table` is the one table of the course: aligned text in a terminal (and in
``print``), an HTML table in Jupyter, always left-aligned (JupyterLab right-aligns table cells
by default, which misaligns text). The widgets use the same HTML with borders drawn inline,
because the page's stylesheet does not reach inside a widget.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["Table", "Text", "escape_bytes", "escaped_lines", "fmt_bytes", "hexdump_bytes", "wire_html"]


# -- bytes ------------------------------------------------------------------------------
_ESCAPES = {0x5C: "\\\\", 0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t"}


def _escape_byte(b: int) -> str:
    if b in _ESCAPES:
        return _ESCAPES[b]
    if 0x20 <= b < 0x7F:
        return chr(b)
    return f"\\x{b:02x}"


def escape_bytes(data: bytes, limit: int | None = None, *, width: int | None = None) -> str:
    """``GET / HTTP/1.1\\r\\n``: the course's rule for bytes (see the module docstring).

    Unlike ``repr()`` the result never depends on which quotes the bytes contain, so it is
    stable to print. With ``limit``, at most that many bytes are shown; with ``width``, at
    most that many characters (an escape is never cut in half). Then ``…`` marks the cut.
    """
    shown = data if limit is None else data[:limit]
    out: list[str] = []
    used = 0
    for b in shown:
        token = _escape_byte(b)
        if width is not None and used + len(token) > width:
            return "".join(out) + "…"
        out.append(token)
        used += len(token)
    text = "".join(out)
    if len(shown) < len(data):
        text += "…"
    return text


def _lines(data: bytes) -> list[bytes]:
    """The data cut after each ``\\n`` (each piece keeps its line end; a lone ``\\r`` does not cut)."""
    pieces = data.split(b"\n")
    lines = [piece + b"\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


def fmt_bytes(n: int) -> str:
    """``1 048 576 bytes``: digits grouped by a space, as Spanish writes big numbers."""
    return f"{n:,} bytes".replace(",", " ")


def _more(left: int) -> str:
    return f"… ({fmt_bytes(left)} más)"


def escaped_lines(data: bytes, limit: int | None = None) -> str:
    """The bytes escaped, one line of text per ``\\n`` of the data (the ``\\r\\n`` stay visible)."""
    shown = data if limit is None else data[:limit]
    lines = [escape_bytes(line) for line in _lines(shown)]
    if limit is not None and len(data) > limit:
        lines.append(_more(len(data) - limit))
    return "\n".join(lines)


def hexdump_bytes(data: bytes, limit: int | None = None) -> str:
    """Offset, 16 bytes in hex and the printable ASCII: the classic ``hexdump -C`` view."""
    shown = data if limit is None else data[:limit]
    lines = []
    for offset in range(0, len(shown), 16):
        row = shown[offset : offset + 16]
        hexes = " ".join(f"{b:02x}" for b in row[:8]) + "  " + " ".join(f"{b:02x}" for b in row[8:])
        ascii_ = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        lines.append(f"{offset:08x}  {hexes:<48}  |{ascii_}|")
    if limit is not None and len(data) > limit:
        lines.append(_more(len(data) - limit))
    return "\n".join(lines)


def _characters(data: bytes) -> Iterator[tuple[str, str]]:
    """``(escaped bytes, character)`` for each UTF-8 character beyond ASCII, ``(escaped, "")`` otherwise.

    The escaped text is `escape_bytes`'s, byte for byte; the character is only a reading aid.
    """
    for ch in data.decode("utf-8", "surrogateescape"):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not part of valid UTF-8
            yield _escape_byte(code - 0xDC00), ""
        elif code < 0x80:
            yield _escape_byte(code), ""
        else:
            yield "".join(_escape_byte(b) for b in ch.encode("utf-8")), ch


def _wire_line_html(line: bytes) -> str:
    parts = []
    for escaped, ch in _characters(line):
        if ch:
            parts.append(f'<span title="{_esc(ch)}" style="text-decoration:underline dotted">{_esc(escaped)}</span>')
        else:
            parts.append(_esc(escaped))
    return "".join(parts)


def wire_html(data: bytes, limit: int = 4000) -> str:
    """Bytes as they crossed the wire, escaped by the course's rule, for a ``<pre>`` block.

    One line per ``\\n``; the ``\\r\\n`` or lone ``\\n`` that ends it is drawn in grey before the
    line break, so the difference that breaks naive parsers (LF-only responses) can be seen.
    Each UTF-8 character beyond ASCII is its ``\\xNN`` bytes, with the character as a tooltip.
    """
    parts = []
    for line in _lines(data[:limit]):
        for end in (b"\r\n", b"\n"):
            if line.endswith(end):
                mark = _esc(escape_bytes(end))
                parts.append(f'{_wire_line_html(line[: -len(end)])}<span style="color:#999">{mark}</span>\n')
                break
        else:
            parts.append(_wire_line_html(line))
    if len(data) > limit:
        parts.append(f'\n<span style="color:#999">{_esc(_more(len(data) - limit))}</span>')
    return "".join(parts)


# -- text and tables ----------------------------------------------------------------------
def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


class Text(str):
    """A string that a notebook shows as text, not as a quoted ``'...\\n...'`` repr."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


#: Inline styles of a boxed table (widgets: the notebook's stylesheet does not reach them).
_BOX_TABLE = "border-collapse:collapse;font-size:12px"
_BOX_CELL = "border:1px solid #d0d7de;padding:2px 8px;text-align:left;vertical-align:top"
_LEFT = "text-align:left"


class Table:
    """Rows of strings: aligned text for ``print``, an HTML table for Jupyter and widgets.

    ``header`` names the columns (``None``: a key/value card whose first column heads each
    row); ``title`` goes above (the HTML caption), ``note`` below. ``indent`` starts each
    text line; ``code`` puts every HTML cell in ``<code>`` (for excerpts of bytes).
    """

    def __init__(
        self,
        header: Sequence[str] | None,
        rows: Iterable[Sequence[Any]],
        note: str = "",
        *,
        title: str = "",
        indent: str = "",
        code: bool = False,
    ) -> None:
        self.header = list(header) if header is not None else None
        self.rows = [[str(cell) for cell in row] for row in rows]
        self.note = note
        self.title = title
        self.indent = indent
        self.code = code

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        lines = [self.title] if self.title else []
        table = ([self.header] if self.header is not None else []) + self.rows
        if table:
            widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
            body = [
                (self.indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))).rstrip()
                for row in table
            ]
            if self.header is not None:
                body.insert(1, self.indent + "  ".join("-" * w for w in widths))
            lines += body
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        return self.html()

    def html(self, *, boxed: bool = False, css_class: str = "") -> str:
        """The HTML table; ``boxed`` draws the borders inline (for a widget's HTML)."""
        cell = f'style="{_BOX_CELL}"' if boxed else f"style='{_LEFT}'"
        head_cell = f'style="{_BOX_CELL};background:#f0f0f0"' if boxed else cell
        attrs = (f' class="{_esc(css_class)}"' if css_class else "") + (f' style="{_BOX_TABLE}"' if boxed else "")

        def content(text: str) -> str:
            return f"<code>{_esc(text)}</code>" if self.code else _esc(text)

        parts = [f"<table{attrs}>"]
        if self.title:
            parts.append(f"<caption>{_esc(self.title)}</caption>")
        if self.header is not None:
            heads = "".join(f"<th {head_cell}>{_esc(h)}</th>" for h in self.header)
            parts.append(f"<thead><tr>{heads}</tr></thead>")
        for row in self.rows:
            cells = [f"<td {cell}>{content(c)}</td>" for c in row]
            if self.header is None and row:  # a card: the first column names the row
                cells[0] = f"<th {head_cell}>{_esc(row[0])}</th>"
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
        if self.note:
            parts.append(f"<p>{_esc(self.note)}</p>")
        return "".join(parts)
