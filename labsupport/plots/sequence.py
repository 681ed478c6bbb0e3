"""A sequence diagram of a tap recording: who sent what, in which order, and how each side closed.

Text tables list the events; the diagram makes the *conversation* visible: the request goes
right, the answer comes back left in one or several pieces, the FINs cross (or an RST cuts it).
Events are spaced by order, not by time, so a diagram looks the same every run.

A tap made with ``states=True`` also records the TCP state of its two sockets after each
event; the diagram writes them on the lifelines, small, each time one changes: beside the
client, the state of the tap's socket that plays the client towards the server; beside the
server, the one that plays the server towards the client (`labsupport.tap.SideStates`).
Events without states (any other tap, or a system that cannot say) get no label.

A relay's recording (``lab.Relay``, the tap with toxics) also says which toxic acted on each
event: the diagram marks it with a purple cross and writes the toxic's name and what it did
under the arrow.
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
#: the colour of a toxic's mark (labsupport.relay): none of the event colours
TOXIC_COLOR = "#7b3294"
#: characters of a toxic's note that fit between the lanes (the table has the whole text)
TOXIC_NOTE_WIDTH = 72
#: the note under a diagram that shows states: whose states they are
STATES_NOTE = (
    "Estados TCP leídos en el proxy tras cada evento, cuando cambian: junto al cliente, el de su socket\n"
    "hacia el servidor (hace de cliente); junto al servidor, el de su socket hacia el cliente (hace de servidor)"
)


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

    _draw_toxics(ax, shown)
    with_states = _draw_states(ax, shown)
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

    if with_states:
        ax.text(0.5, bottom + 0.75, STATES_NOTE, ha="center", va="top", fontsize=8, color=COLORS["muted"])
    margin = 0.42 if with_states else 0.25
    ax.set_xlim(-margin, 1 + margin)
    ax.set_ylim(bottom + (1.3 if with_states else 0.5), -0.6)  # time goes down
    ax.set_axis_off()
    ax.set_title("Diagrama de secuencia: lo que cruzó por la conexión", fontsize=12)
    return ax


def _draw_toxics(ax: Any, shown: list[TapEvent]) -> None:
    """Mark each event a toxic of the relay acted on (``labsupport.relay``): a purple cross where the
    toxic acted (the sender's lane; mid-way for what the relay did itself) and, under the arrow, the
    toxic's name and what it did. Events of a plain tap have no ``toxic``: nothing is drawn."""
    for row, event in enumerate(shown, start=1):
        toxic = getattr(event, "toxic", "")
        if not toxic:
            continue
        x = 0.5 if event.direction is None else (CLIENT_X if event.direction is TO_SERVER else SERVER_X)
        ax.plot([x], [row], marker="X", markersize=9, color=TOXIC_COLOR, zorder=6, gid=f"toxico-marca:{row}")
        note = f"{toxic}: {getattr(event, 'action', '')}"
        ax.text(
            0.5,
            row + 0.17,  # below the cross
            note if len(note) <= TOXIC_NOTE_WIDTH else note[: TOXIC_NOTE_WIDTH - 1] + "…",
            ha="center",
            va="top",
            fontsize=8,
            color=TOXIC_COLOR,
            style="italic",
            gid=f"toxico:{row}",
            zorder=4,
        )


def _draw_states(ax: Any, shown: list[TapEvent]) -> bool:
    """Write each side's TCP state beside its lifeline where it changed; True if any was written."""
    last: dict[str, str | None] = {"client": None, "server": None}
    wrote = False
    for row, event in enumerate(shown, start=1):
        if event.states is None:
            continue
        for side, x, ha in (("client", CLIENT_X - 0.03, "right"), ("server", SERVER_X + 0.03, "left")):
            state = getattr(event.states, side)
            if state is None or state == last[side]:
                continue
            last[side] = state
            wrote = True
            ax.text(
                x,
                row + 0.12,
                state,
                ha=ha,
                va="center",
                fontsize=8,
                family=MONO,
                color="#333333",
                gid=f"estado:{side}:{row}",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "#fff6d5", "edgecolor": "#d9c27a", "linewidth": 0.6},
                zorder=5,
            )
    return wrote
