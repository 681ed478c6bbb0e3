"""How many bytes each ``recv`` returned: the picture that kills "one recv = one message".

The guide's loops assume ``recv(4096)`` returns whole messages. Plotted, the sizes of a real
download show full buffers, short pieces and a small last one: any size up to the buffer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._wording import count
from ..tap import TO_CLIENT, Direction, Tap, TapEvent
from ._style import COLORS, human_bytes, new_axes


def chunk_records(
    sizes_or_records: Tap | Iterable[Any], direction: Direction | str = TO_CLIENT
) -> tuple[list[float] | None, list[int]]:
    """``(times or None, sizes)`` from what a notebook has at hand.

    Accepts a :class:`~labsupport.tap.Tap` (its chunks in ``direction``), tap events,
    the ``bytes`` pieces themselves, plain sizes, or ``(time, size)`` pairs.
    """
    if isinstance(sizes_or_records, Tap):
        items: list[Any] = sizes_or_records.chunks(direction)
    else:
        items = list(sizes_or_records)
    if items and all(isinstance(i, TapEvent) for i in items):
        return [e.time for e in items], [e.size for e in items]
    if all(isinstance(i, tuple) and len(i) == 2 for i in items) and items:
        return [float(t) for t, _ in items], [int(s) for _, s in items]
    sizes = []
    for item in items:
        if isinstance(item, (bytes, bytearray, memoryview)):
            sizes.append(len(item))
        elif isinstance(item, int) and not isinstance(item, bool) and item >= 0:
            sizes.append(item)
        else:
            raise TypeError(
                "chunk_sizes espera tamaños (enteros ≥ 0), los fragmentos en bytes, pares (tiempo, tamaño), "
                f"eventos de un Tap o el Tap mismo; se recibió {item!r}."
            )
    return None, sizes


def chunk_sizes(
    sizes_or_records: Tap | Iterable[Any],
    ax: Any = None,
    *,
    bufsize: int | None = None,
    x: str = "auto",
    direction: Direction | str = TO_CLIENT,
) -> Any:
    """Bars of the size of each chunk, by order (``x="index"``) or time (``x="time"``).

    ``bufsize`` draws the ceiling asked of ``recv`` (for example 4096). With ``x="auto"``,
    time is used when the records carry it (tap events, ``(t, size)`` pairs).
    """
    times, sizes = chunk_records(sizes_or_records, direction)
    if x not in ("auto", "index", "time"):
        raise ValueError(f'x debe ser "auto", "index" o "time"; se recibió {x!r}.')
    if x == "time" and times is None:
        raise ValueError("Estos datos no traen tiempos: usa x='index' o pasa pares (tiempo, tamaño).")
    ax = new_axes(ax, 8.0, 3.6)
    color = COLORS[str(Direction(direction))] if isinstance(sizes_or_records, Tap) else COLORS["cliente→servidor"]
    if times is not None and x != "index":
        xs = [t * 1000 for t in times]
        ax.vlines(xs, 0, sizes, color=color, linewidth=2)
        ax.plot(xs, sizes, "o", color=color, markersize=4)
        ax.set_xlabel("tiempo desde el inicio (ms)")
    else:
        ax.bar(range(1, len(sizes) + 1), sizes, color=color, width=0.8)
        ax.set_xlabel("número de llamada a recv()")
    if bufsize:
        ax.axhline(bufsize, color=COLORS["reset"], linestyle="--", linewidth=1.2)
        ax.text(
            0.99,
            bufsize,
            f"máximo pedido: recv({bufsize})",
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=9,
            color=COLORS["reset"],
        )
    total = sum(sizes)
    ax.set_ylabel("bytes devueltos")
    ax.set_ylim(0, max([*sizes, bufsize or 0, 1]) * 1.3)  # headroom for the texts
    # the counts go inside the plot, not in the title: the title is part of the Axes' text
    # repr, which a notebook prints and nbval compares, and the counts vary between runs
    ax.text(
        0.01,
        0.97,
        f"{count(len(sizes), 'fragmento')}, {human_bytes(total)} en total",
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=9,
        color=COLORS["muted"],
    )
    ax.set_title("Cuántos bytes devolvió cada recv()", fontsize=11)
    return ax
