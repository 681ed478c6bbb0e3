"""Threads vs selectors vs asyncio by number of busy clients: threads, resident memory, latency.

Notebook 09 measures the three echo servers with 10, 100 and 1 000 clients that all send at
once (:func:`labsupport.concurrency.comparison.compare`). Three panels share the x axis (clients,
logarithmic): the server's threads (logarithmic, so 1 and 1 001 both read), the resident
memory the process gained (MiB, from zero) and the latency of an echo, p50 as a solid line and
p99 dashed (ms, logarithmic: it grows with the clients for all three). Threads and memory carry
their values, placed as in :func:`~labsupport.plots.server_cost.server_cost`; nothing measured
goes into a title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._style import SERIES
from .server_cost import _label, _new_panels

#: (attribute of a Point, panel title, y label, logarithmic y, how a value is written)
COUNTED = (
    ("threads", "Hilos del servidor", "hilos", True, "{:.0f}"),
    ("memory_mib", "Memoria residente ganada", "MiB", False, "{:.1f}"),
)
LATENCY_TITLE = "Latencia de un eco, todos a la vez"


def _axis(panel: Any, xs: list[int], unit: str, title: str) -> None:
    from matplotlib.ticker import NullLocator

    panel.set_xscale("log")
    panel.set_xticks(xs)
    # no minor ticks: the clients are the three major ones, and a logarithmic axis's minor ticks are
    # most of the cost of drawing the figure (seconds on a loaded machine, for no information)
    panel.xaxis.set_minor_locator(NullLocator())
    panel.yaxis.set_minor_locator(NullLocator())
    panel.get_xaxis().set_major_formatter("{x:.0f}")
    panel.set_xlabel("clientes conectados")
    panel.set_ylabel(unit)
    panel.set_title(title, fontsize=11)
    for side in ("top", "right"):
        panel.spines[side].set_visible(False)


def many_clients(points: Mapping[str, Sequence[Any]], ax: Any = None) -> list[Any]:
    """Three panels, one colour per server: ``{label: [Point, ...]}`` as ``compare`` returns.

    ``ax`` is None (a new figure) or three Axes to draw on; returns the three Axes. Each line
    has a ``gid`` (``"threads:asyncio"``, ``"p99_ms:selectors"``…) so tests can find its data.
    """
    if not isinstance(points, Mapping) or not points or not all(points.values()):
        raise TypeError("many_clients espera un diccionario {servidor: lista de medidas}, sin listas vacías.")
    if ax is not None and len(list(ax)) != 3:
        raise ValueError("many_clients dibuja 3 paneles: pasa 3 Axes o ninguno.")
    axes = _new_panels(ax)
    xs = sorted({p.clients for s in points.values() for p in s})
    for (attribute, title, unit, log, fmt), panel in zip(COUNTED, axes[:2], strict=True):
        for i, (label, series) in enumerate(points.items()):
            panel.plot(
                [p.clients for p in series],
                [getattr(p, attribute) for p in series],
                marker="o",
                color=SERIES[i % len(SERIES)],
                label=label,
                gid=f"{attribute}:{label}",
            )
        if log:
            panel.set_yscale("log")
            panel.margins(y=0.2)
        else:  # from zero: a small difference must not look like a large one
            values = [getattr(p, attribute) for s in points.values() for p in s]
            top = max(values)
            panel.set_ylim(min(0.0, *values), top * 1.45 if top > 0 else 1.0)  # room for the labels
        _axis(panel, xs, unit, title)
        _label(panel, points, attribute, fmt)
    latency = axes[2]
    for i, (label, series) in enumerate(points.items()):
        color = SERIES[i % len(SERIES)]
        clients = [p.clients for p in series]
        latency.plot(
            clients, [p.p50_ms for p in series], marker="o", color=color, label=f"{label} p50", gid=f"p50_ms:{label}"
        )
        latency.plot(
            clients,
            [p.p99_ms for p in series],
            marker="x",
            linestyle="--",
            color=color,
            label=f"{label} p99",
            gid=f"p99_ms:{label}",
        )
    latency.set_yscale("log")
    _axis(latency, xs, "ms", LATENCY_TITLE)
    latency.legend(fontsize=7, frameon=False)
    axes[0].legend(fontsize=9, frameon=False)
    return axes
