"""Latency of many requests: a histogram with the median and the 99th percentile marked.

An average hides the slow requests that users notice; p50 says what is typical and p99
what the unlucky one in a hundred gets. Several series (for example keep-alive vs
``Connection: close``) share the same bins so they can be compared by eye.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ._style import SERIES, new_axes


def percentile(samples: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0–100), interpolated linearly like NumPy's default."""
    data = sorted(float(s) for s in samples)
    if not data:
        raise ValueError("No hay muestras: no se puede calcular un percentil de una lista vacía.")
    if not 0 <= q <= 100:
        raise ValueError(f"El percentil debe estar entre 0 y 100; se recibió {q}.")
    pos = (len(data) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def _ms(value: float) -> str:
    """Milliseconds with the digits that matter: 0.714, 2.00, 45.3, 1200."""
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _series(samples: Iterable[float] | Mapping[str, Iterable[float]]) -> dict[str, list[float]]:
    if isinstance(samples, Mapping):
        series = {str(k): [float(x) for x in v] for k, v in samples.items()}
    else:
        series = {"peticiones": [float(x) for x in samples]}
    empty = [k for k, v in series.items() if not v]
    if empty or not series:
        raise ValueError(f"Faltan muestras de latencia (serie vacía: {', '.join(empty) or 'ninguna serie'}).")
    return series


def latency(
    samples_ms: Iterable[float] | Mapping[str, Iterable[float]],
    ax: Any = None,
    *,
    bins: int = 30,
    percentiles: tuple[float, ...] = (50, 99),
) -> Any:
    """Histogram of latencies in milliseconds, with a dashed line at p50 and a dotted one at p99.

    ``samples_ms`` is a list of latencies or ``{label: latencies}``. The legend gives each
    series' percentiles.
    """
    series = _series(samples_ms)
    ax = new_axes(ax, 8.0, 3.8)
    lo = min(min(v) for v in series.values())
    hi = max(max(v) for v in series.values())
    if hi == lo:
        hi = lo + 1.0
    # Latencies have long tails: a few slow requests would squash the rest into one bar on a
    # linear axis, so when they span more than 20x the bins are log-spaced (and so is the axis).
    logarithmic = lo > 0 and hi / lo > 20
    if logarithmic:
        edges = [lo * (hi / lo) ** (i / bins) for i in range(bins + 1)]
        ax.set_xscale("log")
    else:
        edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)]
    styles = ("--", ":", "-.")
    for i, (label, values) in enumerate(series.items()):
        color = SERIES[i % len(SERIES)]
        marks = [(q, percentile(values, q)) for q in percentiles]
        text = ", ".join(f"p{q:g} = {_ms(v)} ms" for q, v in marks)
        ax.hist(values, bins=edges, color=color, alpha=0.55, label=f"{label} ({len(values)}): {text}")
        for j, (q, v) in enumerate(marks):
            ax.axvline(v, color=color, linestyle=styles[j % len(styles)], linewidth=1.6, gid=f"p{q:g}:{label}")
            ax.text(
                v,
                0.99,
                f" p{q:g}",
                transform=ax.get_xaxis_transform(),
                rotation=90,
                ha="right",
                va="top",
                fontsize=8,
                color=color,
            )
    ax.set_xlabel("latencia (ms)")
    ax.set_ylabel("peticiones")
    ax.set_title("Latencia de las peticiones (líneas: " + ", ".join(f"p{q:g}" for q in percentiles) + ")", fontsize=11)
    ax.legend(fontsize=9, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
