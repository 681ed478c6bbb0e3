"""A timeline of retry attempts: when each one happened and whether it worked.

Retrying with a fixed delay hammers a server at a steady beat; exponential backoff with
jitter spreads the attempts out. Side by side on one time axis the difference is obvious.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from ._style import COLORS, new_axes


def _validated(timelines: Mapping[str, Iterable[tuple[float, bool]]]) -> dict[str, list[tuple[float, bool]]]:
    if not isinstance(timelines, Mapping):
        raise TypeError(
            "attempts espera un diccionario {etiqueta: [(tiempo, éxito), ...]}, por ejemplo "
            '{"espera fija": [(0, False), (1, True)]}; se recibió ' + type(timelines).__name__ + "."
        )
    out = {}
    for label, attempts in timelines.items():
        rows = [(float(t), bool(ok)) for t, ok in attempts]
        out[str(label)] = sorted(rows, key=lambda r: r[0])
    return out


def attempts(timelines: Mapping[str, Iterable[tuple[float, bool]]], ax: Any = None, *, waits: bool = True) -> Any:
    """One row per strategy: a cross for each failed attempt, a dot for the one that worked.

    ``timelines`` maps a label (``"espera fija"``, ``"backoff exponencial"``) to its attempts
    as ``(seconds since the first attempt, ok)``. With ``waits``, the wait before each
    retry is written above the line.
    """
    data = _validated(timelines)
    ax = new_axes(ax, 8.0, 1.2 + 0.9 * max(len(data), 1))
    labels = list(data)
    all_t = [t for points in data.values() for t, _ in points]
    span = (max(all_t) - min(all_t)) if all_t else 0.0
    for row, label in enumerate(labels):
        points = data[label]
        if not points:
            continue
        ts = [t for t, _ in points]
        ax.plot([ts[0], ts[-1]], [row, row], color=COLORS["lane"], linewidth=2, zorder=1)
        fails = [t for t, ok in points if not ok]
        oks = [t for t, ok in points if ok]
        ax.plot(fails, [row] * len(fails), "x", color=COLORS["fail"], markersize=10, mew=2.5, zorder=3)
        ax.plot(oks, [row] * len(oks), "o", color=COLORS["ok"], markersize=10, zorder=3)
        if waits:
            below = False  # short waits alternate above and below the line, so labels never collide
            for (t0, _), (t1, _) in itertools.pairwise(points):
                if t1 - t0 < 0.05 * span:  # too short to write on: the marks already touch
                    continue
                below = not below if t1 - t0 < 0.12 * span else False
                ax.text(
                    (t0 + t1) / 2,
                    row + 0.16 if below else row - 0.14,
                    f"{t1 - t0:.2g} s",
                    ha="center",
                    va="top" if below else "bottom",
                    fontsize=8,
                    color=COLORS["muted"],
                )
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -1.1)  # room above the first row for the legend
    ax.set_xlabel("tiempo desde el primer intento (s)")
    ax.set_title("Reintentos: cuándo ocurrió cada intento", fontsize=11)
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    # a legend with both marks even if the first row has no success or no failure
    from matplotlib.lines import Line2D

    ax.legend(
        handles=[
            Line2D([], [], marker="x", linestyle="", color=COLORS["fail"], mew=2.5, markersize=9, label="falló"),
            Line2D([], [], marker="o", linestyle="", color=COLORS["ok"], markersize=9, label="conectó"),
        ],
        loc="upper right",
        fontsize=9,
        frameon=False,
        ncols=2,
    )
    return ax
