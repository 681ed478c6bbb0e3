"""Keep-alive against ``Connection: close``: the typical time of one request, each way.

Notebook 05 times the same GET many times over one persistent connection and over a new
connection each time. The median is the figure to compare (half the requests took less,
half more), and it says little about one slow request, so an outlier on a loaded machine
does not change the picture. Each bar is labelled with how many connections it cost.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from ._style import SERIES, new_axes

KEEP_ALIVE = "keep-alive"
CLOSE = "Connection: close"


def _connections(n: int | None) -> str:
    if n is None:
        return ""
    return f"\n({n} {'conexión' if n == 1 else 'conexiones'})"


def keep_alive(
    with_keep_alive: Sequence[float],
    with_close: Sequence[float],
    *,
    connections: tuple[int | None, int | None] = (None, None),
    ax: Any = None,
) -> Any:
    """Two bars: the median seconds per request with keep-alive and with ``Connection: close``.

    Times are given in seconds and drawn in milliseconds, each bar labelled with its median;
    ``connections`` (how many each way opened) goes under the bar's name.
    """
    series = {KEEP_ALIVE: list(with_keep_alive), CLOSE: list(with_close)}
    for name, times in series.items():
        if not times:
            raise ValueError(f"No hay tiempos para «{name}»: pasa una lista de segundos por petición.")
        if any(not isinstance(t, (int, float)) or t < 0 for t in times):
            raise ValueError(f"Los tiempos de «{name}» deben ser segundos (números ≥ 0).")
    medians = [statistics.median(times) * 1000 for times in series.values()]
    names = [name + _connections(n) for name, n in zip(series, connections, strict=True)]
    ax = new_axes(ax, 7.0, 3.4)
    ax.bar(names, medians, color=[SERIES[0], SERIES[1]], width=0.5)
    for x, m in enumerate(medians):
        ax.annotate(f"{m:.2f} ms", (x, m), ha="center", va="bottom", xytext=(0, 2), textcoords="offset points")
    ax.set_ylabel("mediana por petición (ms)")
    ax.margins(y=0.15)
    ax.set_title("Peticiones GET al mismo servidor: ¿cuánto tarda la típica?", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
