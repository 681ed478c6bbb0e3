"""What every figure of the course shares: colours, fonts and how a new Axes is made.

Style is passed to each artist as arguments, never through ``rcParams`` or
``plt.style.context``: a notebook's own settings must stay exactly as the student left them.
"""

from __future__ import annotations

from typing import Any

from ..events import EventKind

#: one colour per meaning, the same in every figure
COLORS = {
    "cliente→servidor": "#1f77b4",  # blue: what the client sends
    "servidor→cliente": "#2ca02c",  # green: what the server answers
    EventKind.CONNECT: "#7f7f7f",
    EventKind.FIN: "#ff7f0e",  # orange: an orderly close
    EventKind.RESET: "#d62728",  # red: an abrupt one
    "ok": "#2ca02c",
    "fail": "#d62728",
    "muted": "#7f7f7f",
    "lane": "#bbbbbb",
}
#: a cycle for series that have no meaning of their own (methods, labels)
SERIES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
MONO = "monospace"


def new_axes(ax: Any, width: float, height: float) -> Any:
    """``ax`` itself, or a new figure's Axes through pyplot (so a notebook shows it inline)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    # no constrained layout: the inline backend saves with bbox_inches="tight", which already fits every
    # artist of a one-Axes figure, and constrained layout would add a text-extent pass to each figure
    _fig, ax = plt.subplots(figsize=(width, height))
    return ax


def human_bytes(n: float) -> str:
    """``512 B``, ``64 KiB``, ``1.5 MiB``: sizes as people read them."""
    for unit, scale in (("MiB", 1024**2), ("KiB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n:.0f} B"
