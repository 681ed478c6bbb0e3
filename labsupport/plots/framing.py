"""The bytes of a message, one box per byte, coloured by the field each belongs to.

Notebook 10 builds messages out of fields (a length, a JSON header, a body) and writes numbers
in two byte orders. Read as ``b'\\x00_{"version"...'`` they are a blur; drawn as boxes, which
byte belongs to which field, and where the most significant byte of a number goes, is seen at a
glance. A long field shows its first bytes and one box that says how many more follow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ._style import MONO, SERIES, new_axes

#: (field name, its bytes)
Field = tuple[str, bytes]
#: (row label, its fields in order)
Row = tuple[str, Sequence[Field]]

#: Bytes of a field shown before the box that stands for the rest.
MAX_SHOWN = 8
_SIGNIFICANCE = ("byte más significativo", "2.º byte", "3.º byte", "byte menos significativo")


@dataclasses.dataclass(frozen=True)
class Cell:
    """One box of the figure: a byte (its hex and, if printable, its character) or the rest of a field."""

    row: int
    x: int
    field: str
    text: str
    char: str = ""
    more: int = 0  # for the box that stands for the bytes not drawn: how many


def layout(rows: Sequence[Row], max_shown: int = MAX_SHOWN) -> list[Cell]:
    """The boxes to draw, left to right, row by row; tests and the figure share it."""
    cells = []
    for r, (_label, fields) in enumerate(rows):
        x = 0
        for name, data in fields:
            shown = data if len(data) <= max_shown else data[: max_shown - 1]
            for byte in shown:
                char = chr(byte) if 32 < byte < 127 else ""
                cells.append(Cell(r, x, name, f"{byte:02x}", char))
                x += 1
            if len(shown) < len(data):
                rest = len(data) - len(shown)
                cells.append(Cell(r, x, name, "…", f"+{rest}", more=rest))
                x += 1
    return cells


def field_colors(rows: Sequence[Row]) -> dict[str, str]:
    """One colour per field name, in order of first appearance (the same name: the same colour)."""
    names = list(dict.fromkeys(name for _, fields in rows for name, _ in fields))
    return {name: SERIES[i % len(SERIES)] for i, name in enumerate(names)}


def message_bytes(rows: Sequence[Row], ax: Any = None, *, max_shown: int = MAX_SHOWN) -> Any:
    """Each row a message (or a number), each byte a box coloured by its field; the legend counts bytes."""
    rows = [(label, [(name, bytes(data)) for name, data in fields]) for label, fields in rows]
    if not rows or not all(fields for _, fields in rows):
        raise TypeError("message_bytes espera filas (etiqueta, [(campo, bytes), ...]) con algún campo.")
    cells = layout(rows, max_shown)
    colors = field_colors(rows)
    width = max(c.x for c in cells) + 1
    ax = new_axes(ax, max(4.0, 0.45 * width + 2.5), 0.9 * len(rows) + 1.0)
    from matplotlib.patches import Patch, Rectangle

    for c in cells:
        y = len(rows) - 1 - c.row
        ax.add_patch(
            Rectangle(
                (c.x, y + 0.1), 0.92, 0.8, facecolor=colors[c.field], alpha=0.35 if c.more else 0.8, edgecolor="white"
            )
        )
        ax.text(c.x + 0.46, y + 0.6, c.text, ha="center", va="center", fontsize=8, family=MONO)
        if c.char:
            ax.text(c.x + 0.46, y + 0.3, c.char, ha="center", va="center", fontsize=7, family=MONO, color="#333333")
    ax.set_xlim(-0.1, width + 0.1)
    ax.set_ylim(0, len(rows))
    ax.set_yticks([len(rows) - 0.5 - r for r in range(len(rows))], [label for label, _ in rows], family=MONO)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    sizes: dict[str, int] = {}
    for _, fields in rows:
        for name, data in fields:
            sizes.setdefault(name, len(data))
    handles = [Patch(facecolor=colors[n], alpha=0.8, label=f"{n} ({sizes[n]} B)") for n in colors]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_title("Los bytes de cada mensaje, por campos", fontsize=11)
    return ax


def byte_order(value: int, ax: Any = None) -> Any:
    """``value`` as 4 bytes in network order (``!I``, big-endian) and in little-endian (``<I``)."""
    if not isinstance(value, int) or not 0 <= value < 2**32:
        raise TypeError(f"byte_order espera un entero entre 0 y 2**32 - 1; se recibió {value!r}.")
    big = value.to_bytes(4, "big")
    rows = [
        ("!I (red, big-endian)", [(name, big[i : i + 1]) for i, name in enumerate(_SIGNIFICANCE)]),
        ("<I (little-endian)", [(name, big[i : i + 1]) for i, name in reversed(list(enumerate(_SIGNIFICANCE)))]),
    ]
    ax = message_bytes(rows, ax)
    ax.set_title("El mismo número en los dos órdenes de bytes", fontsize=11)
    return ax
