"""What a server costs by number of clients: threads, resident memory and latency, side by side.

Notebook 08 measures a thread-per-client server and a ``selectors`` one with 10, 100 and 500
idle clients (:func:`labsupport.server_cost.measure`). Three panels share the x axis (clients,
logarithmic): threads (logarithmic too, so 1 and 501 both read), the resident memory gained
(MiB) and the latency of an echo (ms), the fastest of a few (the one that is stable under load).
Each point carries its value, so the figure can be read without the axes; labels at one x keep
the order of their values and never overlap (:func:`_label_offsets`); nothing measured goes into a title.
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


#: Points between a label's baseline and its point (above it, or below it), and between the
#: baselines of two labels at one x.
LABEL_LIFT = 6.0
LABEL_DROP = 11.0
LABEL_GAP = 11.0


def _label_offsets(panel: Any, points: Sequence[tuple[float, float]]) -> list[float]:
    """How far from its point (in points; negative: below) each label at one x goes, so that no
    label overlaps another label or another point.

    The labels keep the order of their values. With two or more points at this x, the lowest
    one's label goes below its point when there is room (so it never sits between its point and
    the next one up); the others go above their points, each at least :data:`LABEL_GAP` above the
    label under it: two close values (0.0 and 0.1) get two readable labels, in the order of their points.
    """
    to_points = 72.0 / panel.figure.dpi
    heights = [panel.transData.transform(p)[1] * to_points for p in points]
    bottom = panel.get_window_extent().y0 * to_points
    order = sorted(range(len(points)), key=lambda k: heights[k])
    offsets = [0.0] * len(points)
    top = -float("inf")
    if len(order) > 1 and heights[order[0]] - LABEL_DROP - LABEL_GAP >= bottom:
        offsets[order[0]], top = -LABEL_DROP, heights[order[0]]  # the next label goes above this point
        order = order[1:]
    for i in order:
        baseline = max(heights[i] + LABEL_LIFT, top + LABEL_GAP)
        offsets[i], top = baseline - heights[i], baseline
    return offsets


def _label(panel: Any, costs: Mapping[str, Sequence[Any]], attribute: str, fmt: str) -> None:
    """Each point's value over it, in its series' colour, on a white ground (a line under it stays behind)."""
    series = [[(c.clients, getattr(c, attribute)) for c in s] for s in costs.values()]
    panel.get_ylim()  # the limits are final: where a value falls on the panel is known
    offsets: dict[tuple[int, int], float] = {}
    for x in sorted({x for s in series for x, _ in s}):
        at_x = [(i, j) for i, s in enumerate(series) for j, (px, _) in enumerate(s) if px == x]
        for key, offset in zip(at_x, _label_offsets(panel, [series[i][j] for i, j in at_x]), strict=True):
            offsets[key] = offset
    for i, points in enumerate(series):
        color = SERIES[i % len(SERIES)]
        for j, (x, y) in enumerate(points):
            panel.annotate(
                fmt.format(y), (x, y), textcoords="offset points", xytext=(0, offsets[i, j]), ha="center",
                fontsize=8, color=color, bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
            )


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
            panel.plot(xs, ys, marker="o", color=SERIES[i % len(SERIES)], label=label, gid=f"{attribute}:{label}")
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
        _label(panel, costs, attribute, fmt)
    axes[0].legend(fontsize=9, frameon=False)
    return axes
