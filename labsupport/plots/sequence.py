"""A sequence diagram of a tap recording: who sent what, in which order, and how each side closed.

Text tables list the events; the diagram makes the *conversation* visible: the request goes
right, the answer comes back left in one or several pieces, the FINs cross (or an RST cuts it).
Events are spaced by order, not by time, so a diagram looks the same every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..events import EventKind
from ..tap import TO_SERVER, Tap, TapEvent
from ._style import COLORS, MONO, new_axes

#: x of each lane
CLIENT_X, SERVER_X = 0.0, 1.0
_ARROW_KINDS = (EventKind.CONNECT, EventKind.DATA, EventKind.FIN, EventKind.RESET)
_CLOSES = (EventKind.FIN, EventKind.RESET)


def _events_of(tap_or_events: Tap | Iterable[TapEvent]) -> list[TapEvent]:
    if isinstance(tap_or_events, Tap):
        return tap_or_events.events()
    return list(tap_or_events)


def arrow_label(event: TapEvent, excerpt: int = 28, with_conn: bool = False) -> str:
    """The text written on one arrow: size and excerpt for data, the name for the rest."""
    if event.kind is EventKind.DATA:
        text = f"{event.size} B  {event.excerpt(excerpt)}"
    elif event.kind is EventKind.CONNECT:
        text = "conexión"
    elif event.kind in _CLOSES:
        text = event.label
    else:
        text = f"{event.label}: {event.detail}" if event.detail else event.label
    return f"#{event.conn} {text}" if with_conn else text


def sequence(
    tap_or_events: Tap | Iterable[TapEvent],
    ax: Any = None,
    *,
    limit: int = 40,
    excerpt: int = 28,
    show_close: bool = False,
) -> Any:
    """Draw the recording as a sequence diagram and return the Axes.

    One arrow per chunk (labelled ``size  excerpt``), a dashed one for the connection, orange
    for a FIN and red for an RST. At most ``limit`` events are drawn (a note says how many
    were left out); ``show_close`` adds a line where the tap closed each connection.
    """
    events = [e for e in _events_of(tap_or_events) if show_close or e.kind is not EventKind.CLOSE]
    shown = events[:limit]
    with_conn = len({e.conn for e in shown}) > 1
    ax = new_axes(ax, 9.0, 1.4 + 0.42 * max(len(shown), 2))

    bottom = len(shown) + 0.4
    for x, name in ((CLIENT_X, "cliente"), (SERVER_X, "servidor")):
        ax.plot([x, x], [0.2, bottom], color=COLORS["lane"], linewidth=2, zorder=1)
        ax.text(
            x,
            -0.1,
            name,
            ha="center",
            va="bottom",
            fontsize=11,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#f2f2f2", "edgecolor": COLORS["lane"]},
        )

    for row, event in enumerate(shown, start=1):
        label = arrow_label(event, excerpt, with_conn)
        if event.kind in _ARROW_KINDS and event.direction is not None:
            start, end = (CLIENT_X, SERVER_X) if event.direction is TO_SERVER else (SERVER_X, CLIENT_X)
            color = COLORS.get(event.kind if event.kind is not EventKind.DATA else str(event.direction), "black")
            style = {
                "arrowstyle": "-|>",
                "color": color,
                "linewidth": 2.4 if event.kind is EventKind.RESET else 1.6,
                "linestyle": "--" if event.kind is EventKind.CONNECT else "-",
                "shrinkA": 0,
                "shrinkB": 0,
            }
            ax.annotate("", xy=(end, row), xytext=(start, row), arrowprops=style, zorder=3)
            ax.text(
                (start + end) / 2,
                row - 0.1,
                label,
                ha="center",
                va="bottom",
                fontsize=9,
                family=MONO if event.kind is EventKind.DATA else None,
                fontweight="bold" if event.kind in _CLOSES else "normal",
                color=color if event.kind is not EventKind.DATA else "black",
                zorder=4,
            )
        else:  # close, timeout, error: something the tap did, written across both lanes
            ax.plot([CLIENT_X, SERVER_X], [row, row], color=COLORS["muted"], linewidth=0.8, linestyle=":")
            ax.text(
                0.5,
                row - 0.1,
                label,
                ha="center",
                va="bottom",
                fontsize=9,
                color=COLORS["muted"],
                style="italic",
            )

    if len(events) > len(shown):
        ax.text(
            0.5,
            bottom + 0.3,
            f"… y {len(events) - len(shown)} eventos más",
            ha="center",
            va="top",
            fontsize=9,
            color=COLORS["muted"],
        )
    if not shown:
        ax.text(0.5, 1, "(no hay eventos grabados)", ha="center", va="center", color=COLORS["muted"])

    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(bottom + 0.5, -0.6)  # time goes down
    ax.set_axis_off()
    ax.set_title("Diagrama de secuencia: lo que cruzó por la conexión", fontsize=12)
    return ax
