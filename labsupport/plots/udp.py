"""UDP through a lossy relay: the RTT of each ping and its losses; what losses cost a reliable sender.

A list of round-trip times with holes is hard to read; a bar per ping with a cross where it was lost,
and the timeout drawn across, shows at once which pings got no answer and how far the others were from
giving up. The goodput of stop-and-wait against the loss rate shows why each lost datagram costs a
whole timeout.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from typing import Any

from ._style import COLORS, SERIES, new_axes

__all__ = ["goodput", "ping_rtts"]


def ping_rtts(rtts: Sequence[float | None], ax: Any = None, *, timeout: float | None = None) -> Any:
    """One bar per ping, its round-trip time in milliseconds; a red cross for each ping lost (``None``).

    ``rtts[i]`` is the RTT in seconds of ping ``i + 1``, or ``None`` when no answer came before the
    timeout. ``timeout`` (seconds) is drawn as a dashed line. Minimum, mean and maximum of the answered
    ones go inside the figure, never in the title.
    """
    if isinstance(rtts, (str, bytes)) or not isinstance(rtts, Sequence):
        raise TypeError(
            "ping_rtts espera una lista con el RTT en segundos de cada ping, o None si se perdió, "
            f"por ejemplo [0.001, None, 0.002]; se recibió {type(rtts).__name__}."
        )
    ax = new_axes(ax, 8.0, 3.2)
    numbers = list(range(1, len(rtts) + 1))
    answered = [(n, rtt * 1000) for n, rtt in zip(numbers, rtts, strict=True) if rtt is not None]
    lost = [n for n, rtt in zip(numbers, rtts, strict=True) if rtt is None]
    ax.bar([n for n, _ in answered], [ms for _, ms in answered], color=COLORS["ok"], width=0.7, label="respuesta")
    ax.plot(lost, [0.0] * len(lost), "x", color=COLORS["fail"], markersize=10, mew=2.5, label="perdido", clip_on=False)
    if timeout is not None:
        ax.axhline(timeout * 1000, color=COLORS["muted"], linestyle="--", linewidth=1, label="timeout")
    if answered:
        values = [ms for _, ms in answered]
        summary = f"mín {min(values):.2f} ms · media {statistics.fmean(values):.2f} ms · máx {max(values):.2f} ms"
        ax.text(0.01, 0.97, summary, transform=ax.transAxes, ha="left", va="top", fontsize=8, color=COLORS["muted"])
    ax.text(
        0.99,
        0.97,
        f"perdidos: {len(lost)} de {len(rtts)}",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        color=COLORS["fail"],
    )
    ax.set_xticks(numbers)
    ax.set_xlim(0.3, max(len(rtts), 1) + 0.7)
    highest = max([ms for _, ms in answered] + [timeout * 1000 if timeout is not None else 0.0] + [1.0])
    ax.set_ylim(0, highest * 1.3)  # room above the bars and the timeout line for the two texts
    ax.set_xlabel("número de secuencia del ping")
    ax.set_ylabel("RTT (ms)")
    ax.set_title("El RTT de cada ping y los que se perdieron", fontsize=11)
    ax.legend(loc="upper center", fontsize=8, frameon=False, ncols=3, bbox_to_anchor=(0.5, -0.25))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def goodput(
    losses: Sequence[float],
    rates: Sequence[float],
    ax: Any = None,
    *,
    retransmissions: Sequence[int] | None = None,
    log: bool = True,
) -> Any:
    """Useful messages per second of a reliable sender against the loss rate of the relay.

    ``losses`` are probabilities (0-1, drawn as percentages), ``rates`` the messages delivered per
    second at each one. With ``retransmissions`` (how many datagrams were sent again at each loss
    rate) a second axis on the right shows them as bars. ``log``: a logarithmic rate axis, so that the
    rate without loss (a round trip per message) and with it (a timeout per loss) fit in one figure.
    """
    if len(losses) != len(rates) or (retransmissions is not None and len(retransmissions) != len(losses)):
        raise ValueError(
            "goodput espera una pérdida, un ritmo (y unas retransmisiones, si las das) por cada punto: "
            f"se recibieron {len(losses)} pérdidas y {len(rates)} ritmos."
        )
    ax = new_axes(ax, 7.0, 3.4)
    percents = [100 * p for p in losses]
    if retransmissions is not None:
        twin = ax.twinx()
        width = 0.6 * (min(b - a for a, b in itertools.pairwise(percents)) if len(percents) > 1 else 10)
        twin.bar(percents, list(retransmissions), width=width, color=SERIES[1], alpha=0.35, label="retransmisiones")
        twin.set_ylabel("retransmisiones", color=SERIES[1])
        twin.spines["top"].set_visible(False)
        ax.set_zorder(twin.get_zorder() + 1)  # the line over the bars
        ax.patch.set_visible(False)
    ax.plot(percents, list(rates), "o-", color=SERIES[0], linewidth=2, label="mensajes útiles por segundo")
    ax.set_xticks(percents, [f"{p:.0f} %" for p in percents])
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, None)
    ax.set_xlabel("pérdida en cada sentido (probabilidad por datagrama)")
    ax.set_ylabel("mensajes entregados por segundo", color=SERIES[0])
    ax.set_title("Parada y espera: lo que cuesta cada pérdida", fontsize=11)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.8)
    ax.spines["top"].set_visible(False)
    return ax
