"""The anatomy of an HTTP response, drawn: status line, headers, blank line, body, with offsets.

A parser splits bytes at exact places: the first ``\\r\\n`` ends the status line, the empty
line (``\\r\\n\\r\\n``) ends the headers, and ``Content-Length`` says how many bytes follow.
Drawing the response with its byte offsets shows those places, and what goes wrong when a
response breaks the rules (the guide's sample uses bare ``\\n`` and miscounts its body). The
cutting itself is the client codec's (:func:`labsupport.http.client.split_response`), the one
the checkers use: the plot draws what they see.
"""

from __future__ import annotations

from typing import Any

from .._display import escape_bytes
from ..http.client import Part, ResponseParts, split_response
from ._style import COLORS, MONO, new_axes

#: The codec's names, kept here too: ``lab.plots.split_response(raw)`` is what the plot draws.
Anatomy = ResponseParts
__all__ = ["Anatomy", "Part", "anatomy", "split_response"]

_FILL = {"status": "#dbe9f6", "header": "#e5f3e0", "blank": "#fde9d4", "body": "#eeeeee"}


def anatomy(raw_response: bytes, ax: Any = None, *, width: int = 64, body_lines: int = 4) -> Any:
    """Draw the response one line per row: offset on the left, the escaped bytes, and what each part is.

    ``width`` characters of each line are shown; the body shows at most ``body_lines`` lines.
    Problems found (bare ``\\n``, a wrong ``Content-Length``...) are written in red below.
    """
    info = split_response(raw_response)
    rows: list[tuple[Part, bytes]] = []
    for part in info.parts:
        if part.kind != "body":
            rows.append((part, part.data))
            continue
        lines = part.data.splitlines(keepends=True)
        for line in lines[:body_lines]:
            rows.append((part, line))
        if len(lines) > body_lines:
            rows.append((part, b""))  # an ellipsis row
    height = len(rows) + len(info.problems) * 0.7
    ax = new_axes(ax, 10.0, 1.3 + 0.36 * max(height, 3))

    from matplotlib.patches import Rectangle

    box_x0, box_x1 = 0.1, 0.74
    offset = 0
    body_rows = [i for i, (p, _) in enumerate(rows) if p.kind == "body"]
    for i, (part, line) in enumerate(rows):
        if part.kind != "body":
            offset = part.start
        y = i
        ax.add_patch(
            Rectangle(
                (box_x0, y - 0.42),
                box_x1 - box_x0,
                0.84,
                facecolor=_FILL[part.kind],
                edgecolor="white",
                linewidth=1.5,
                gid=part.kind,
            )
        )
        if line or part.kind != "body":
            ax.text(box_x0 - 0.01, y, str(offset), ha="right", va="center", fontsize=8, color=COLORS["muted"])
            text = escape_bytes(line, width=width)
        else:
            more = len(part.data.splitlines()) - body_lines
            text = f"… ({more} línea más)" if more == 1 else f"… ({more} líneas más)"
        ax.text(box_x0 + 0.01, y, text, ha="left", va="center", fontsize=9, family=MONO, clip_on=True)
        offset += len(line)

    def bracket(first: int, last: int, label: str, color: str = "black") -> None:
        x = box_x1 + 0.015
        ax.plot(
            [x, x + 0.01, x + 0.01, x], [first - 0.35, first - 0.35, last + 0.35, last + 0.35], color=color, linewidth=1
        )
        ax.text(x + 0.025, (first + last) / 2, label, ha="left", va="center", fontsize=9, color=color)

    kinds = [p.kind for p, _ in rows]
    if "status" in kinds:
        bracket(0, 0, "línea de estado")
    headers = [i for i, k in enumerate(kinds) if k == "header"]
    if headers:
        bracket(headers[0], headers[-1], f"cabeceras ({len(headers)})")
    if "blank" in kinds:
        sep = escape_bytes(info.separator)
        bracket(
            kinds.index("blank"),
            kinds.index("blank"),
            f"línea en blanco\n(fin de cabeceras: {sep})",
            COLORS["fin"] if info.separator != b"\r\n\r\n" else "black",
        )
    if body_rows:
        body = info.of("body")[0]
        bracket(body_rows[0], body_rows[-1], f"cuerpo ({len(body.data)} bytes,\n{body.start}–{body.end - 1})")

    for j, problem in enumerate(info.problems):
        ax.text(
            0.0, len(rows) + 0.2 + j * 0.7, "⚠ " + problem, ha="left", va="center", fontsize=9, color=COLORS["reset"]
        )
    ax.text(box_x0 - 0.01, -0.9, "byte", ha="right", va="center", fontsize=8, color=COLORS["muted"])
    ax.set_xlim(0, 1)
    ax.set_ylim(height + 0.1, -1.2)
    ax.set_axis_off()
    ax.set_title("Anatomía de una respuesta HTTP", fontsize=12)
    return ax
