"""``listen(n)``: how many connections the kernel queues before the next one has to wait.

Notebook 01 connects clients to a server that never calls ``accept`` and counts how many
``connect`` calls finish at once for each backlog. The bars show that the number is the
kernel's decision (on Linux, ``n + 1``), not an exact limit on clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._style import COLORS, new_axes


def backlog(results: Mapping[int, int], ax: Any = None) -> Any:
    """Bars: for each ``listen(n)`` (key), the connections queued before one waited (value)."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError("backlog espera un diccionario no vacío {n de listen(n): conexiones en cola}.")
    items = sorted((int(n), int(q)) for n, q in results.items())
    ax = new_axes(ax, 7.0, 3.6)
    xs = list(range(len(items)))
    bars = ax.bar(xs, [q for _, q in items], color=COLORS["cliente→servidor"], width=0.6)
    for bar, (_, q) in zip(bars, items, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), str(q), ha="center", va="bottom", fontsize=10)
    ax.set_xticks(xs, [f"listen({n})" for n, _ in items])
    ax.set_ylabel("conexiones en cola")
    ax.set_xlabel("backlog pedido")
    ax.set_ylim(0, max(q for _, q in items) * 1.2 + 1)
    ax.set_title("Conexiones que entraron en la cola sin accept() antes de que la siguiente esperase", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
