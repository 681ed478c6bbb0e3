"""What a server costs by number of clients: threads, resident memory and latency, side by side.

Notebook 08 measures a thread-per-client server and a ``selectors`` one with 10, 100 and 500
idle clients (:func:`labsupport.server_cost.measure`). Three panels share the x axis (clients,
logarithmic): threads (logarithmic too, so 1 and 501 both read), the resident memory gained
(MiB) and the latency of an echo (ms), the fastest of a few (the one that is stable under load).
Each point carries its value, so the figure can be read without the axes; nothing measured goes
into a title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._style import SERIES

#: (attribute of a Cost, panel title, y label, logarithmic y, how a value is written)
PANELS = (
    ("threads", "Hilos del servidor", "hilos", True, "{:.0f}"),
    ("memory_mib", "Memoria residente ganada", "MiB", False, "{:.1f}"),
    ("min_ms", "Latencia del eco más rápido", "ms", False, "{:.2g}"),
)


def _new_panels(ax: Any) -> list[Any]:
    if ax is not None:
        axes = list(ax)
        if len(axes) != len(PANELS):
            raise ValueError(f"server_cost dibuja {len(PANELS)} paneles: pasa {len(PANELS)} Axes o ninguno.")
        return axes
    import matplotlib.pyplot as plt

    # Margins by hand: the constrained layout costs seconds for three panels on a loaded machine.
    fig, axes = plt.subplots(1, len(PANELS), figsize=(10.0, 3.4))
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.16, top=0.9, wspace=0.32)
    return list(axes)


def server_cost(costs: Mapping[str, Sequence[Any]], ax: Any = None) -> list[Any]:
    """Three panels, one line per server: ``{label: [Cost, ...]}`` as ``server_cost.measure`` returns.

    ``ax`` is None (a new figure) or three Axes to draw on; returns the three Axes.
    """
    if not isinstance(costs, Mapping) or not costs or not all(costs.values()):
        raise TypeError("server_cost espera un diccionario {servidor: lista de medidas}, sin listas vacías.")
    axes = _new_panels(ax)
    for (attribute, title, unit, log, fmt), panel in zip(PANELS, axes, strict=True):
        for i, (label, series) in enumerate(costs.items()):
            xs = [c.clients for c in series]
            ys = [getattr(c, attribute) for c in series]
            color = SERIES[i % len(SERIES)]
            panel.plot(xs, ys, marker="o", color=color, label=label, gid=f"{attribute}:{label}")
            for x, y in zip(xs, ys, strict=True):
                panel.annotate(  # each server's labels at its own height: close values do not overlap
                    fmt.format(y), (x, y), textcoords="offset points", xytext=(0, 6 + 10 * i), ha="center",
                    fontsize=8, color=color,
                )
        panel.set_xscale("log")
        if log:
            panel.set_yscale("log")
            panel.margins(y=0.2)
        else:  # from zero: a difference of microseconds must not look like a factor of three
            values = [getattr(c, attribute) for s in costs.values() for c in s]
            top = max(values)
            panel.set_ylim(min(0.0, *values), top * 1.45 if top > 0 else 1.0)  # room for the labels
        panel.set_xticks(sorted({c.clients for s in costs.values() for c in s}))
        panel.get_xaxis().set_major_formatter("{x:.0f}")
        panel.set_xlabel("clientes conectados")
        panel.set_ylabel(unit)
        panel.set_title(title, fontsize=11)
        for side in ("top", "right"):
            panel.spines[side].set_visible(False)
    axes[0].legend(fontsize=9, frameon=False)
    return axes
