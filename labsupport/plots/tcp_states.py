"""The TCP state diagram (RFC 793, figure 6) with the path one or two sockets actually took.

A table of states says *what* each end went through; the diagram says *where* that is in
TCP's life: which side closed first and so waits in TIME_WAIT, which one is left in
CLOSE_WAIT because it never closed. The eleven states are drawn where the RFC draws them,
with the classic arrows and their events in short Spanish ("recibe FIN / envía ACK");
the states an end was seen in are filled in its colour, and each arrow it took is thick
and numbered with the step (``StatePath.mark``) that saw the change.

Only what was observed is drawn. A change between two states that no single arrow joins
(the marks did not see the states in between, or an RST cut the connection) is a dashed
arrow straight from one to the other, never a guessed route through the diagram.

CLOSED is drawn twice, as in the RFC: at the top (a socket with no connection yet) and at
the bottom (the connection has ended). A path starts at the top one and, once it has left
it, comes back to the bottom one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ..sockstate.path import StatePath
from ._style import COLORS, new_axes

__all__ = ["EDGES", "NODES", "Move", "Traversal", "tcp_states", "traversal"]

#: where each node is drawn (x, y; y grows downwards), laid out as RFC 793's figure 6
_LEFT, _MID, _RIGHT = 1.2, 5.5, 9.8
NODES: dict[str, tuple[float, float]] = {
    "CLOSED": (_MID, 0.0),
    "LISTEN": (_MID, 1.7),
    "SYN_RECEIVED": (_LEFT, 3.4),
    "SYN_SENT": (_RIGHT, 3.4),
    "ESTABLISHED": (_MID, 5.1),
    "FIN_WAIT_1": (_LEFT, 6.8),
    "CLOSING": (_MID, 6.8),
    "CLOSE_WAIT": (_RIGHT, 6.8),
    "FIN_WAIT_2": (_LEFT, 8.5),
    "TIME_WAIT": (_MID, 8.5),
    "LAST_ACK": (_RIGHT, 8.5),
    "CLOSED_END": ((_MID + _RIGHT) / 2, 10.2),
}
_END = "CLOSED_END"

#: the RFC's arrows: (from, to, event / action, curvature, where the label goes: on the arrow or beside it)
EDGES: tuple[tuple[str, str, str, float, str], ...] = (
    ("CLOSED", "LISTEN", "escucha: listen()", 0.3, "left"),
    ("LISTEN", "CLOSED", "cierra", 0.3, "right"),
    ("CLOSED", "SYN_SENT", "conecta / envía SYN", -0.3, "on"),
    ("SYN_SENT", "CLOSED", "cierra", 0.0, "on"),
    ("LISTEN", "SYN_SENT", "envía SYN", 0.0, "on"),
    ("LISTEN", "SYN_RECEIVED", "recibe SYN / envía SYN+ACK", 0.0, "on"),
    ("SYN_SENT", "SYN_RECEIVED", "recibe SYN / envía ACK", 0.0, "above"),
    ("SYN_RECEIVED", "ESTABLISHED", "recibe ACK", 0.0, "on"),
    ("SYN_SENT", "ESTABLISHED", "recibe SYN+ACK / envía ACK", 0.0, "on"),
    ("SYN_RECEIVED", "FIN_WAIT_1", "cierra / envía FIN", 0.0, "on"),
    ("ESTABLISHED", "FIN_WAIT_1", "cierra / envía FIN", 0.0, "on"),
    ("ESTABLISHED", "CLOSE_WAIT", "recibe FIN / envía ACK", 0.0, "on"),
    ("FIN_WAIT_1", "FIN_WAIT_2", "recibe ACK", 0.0, "on"),
    ("FIN_WAIT_1", "CLOSING", "recibe FIN / envía ACK", 0.0, "below"),
    ("FIN_WAIT_2", "TIME_WAIT", "recibe FIN / envía ACK", 0.0, "above"),
    ("CLOSING", "TIME_WAIT", "recibe ACK", 0.0, "on"),
    ("CLOSE_WAIT", "LAST_ACK", "cierra / envía FIN", 0.0, "on"),
    ("LAST_ACK", _END, "recibe ACK", 0.0, "on"),
    ("TIME_WAIT", _END, "espera 2·MSL", 0.0, "on"),
)
_EDGE_KEYS = {(a, b) for a, b, *_rest in EDGES}
_PLACES = {  # label offset (dx, dy) and alignment for each place
    "on": (0.0, 0.0, "center", "center"),
    "above": (0.0, -0.14, "center", "bottom"),
    "below": (0.0, 0.14, "center", "top"),
    "left": (-0.12, 0.0, "right", "center"),
    "right": (0.12, 0.0, "left", "center"),
}

_BOX_W, _BOX_H = 2.3, 0.62
#: the colour of each end, in order (the first is the client's blue, the second the server's green)
_END_COLORS = (COLORS["cliente→servidor"], COLORS["servidor→cliente"])
_IDLE = "#9a9a9a"


@dataclasses.dataclass(frozen=True)
class Move:
    """One change of state of one end, as drawn: ``step`` numbers it; ``arrow`` is False for a jump."""

    end: str
    step: int
    source: str
    target: str
    arrow: bool


@dataclasses.dataclass(frozen=True)
class Traversal:
    """What the figure highlights: the nodes each end was seen in, its moves, the labels of the steps."""

    visited: dict[str, list[str]]
    moves: list[Move]
    steps: dict[int, str]


def _node_after(current: str | None, state: str) -> str:
    """The node that stands for ``state`` coming from node ``current`` (which CLOSED, top or bottom)."""
    if state != "CLOSED":
        return state
    if current is None or current == "CLOSED" or (current, "CLOSED") in _EDGE_KEYS:
        return "CLOSED"
    return _END


def _route(end: str, observed: Sequence[tuple[int, str]]) -> tuple[list[str], list[Move]]:
    nodes: list[str] = []
    moves: list[Move] = []
    current: str | None = None
    for step, state in observed:
        if state not in NODES:
            continue  # not a TCP state name: nothing to draw
        node = _node_after(current, state)
        if current is not None and node != current:
            moves.append(Move(end, step, current, node, (current, node) in _EDGE_KEYS))
        if node not in nodes:
            nodes.append(node)
        current = node
    return nodes, moves


def traversal(data: StatePath | Mapping[str, Sequence[str | None]] | Sequence[str | None]) -> Traversal:
    """The nodes and arrows to highlight for a `StatePath`, ``{end: [states]}`` or one list of states.

    A plain list is numbered by position (the first state is step 1); unknown readings
    (``None``) are skipped, as `StatePath.path` does.
    """
    if isinstance(data, StatePath):
        ends = {end: [(s.number, s.states[end]) for s in data.steps if end in s.states] for end in data.ends}
        steps = {s.number: s.label for s in data.steps}
    else:
        named = data if isinstance(data, Mapping) else {"socket": data}
        ends = {end: list(enumerate(states, start=1)) for end, states in named.items()}
        steps = {}
    visited: dict[str, list[str]] = {}
    moves: list[Move] = []
    for end, observed in ends.items():
        known = [(n, s) for n, s in observed if s is not None]
        visited[end], end_moves = _route(end, known)
        moves += end_moves
    moves.sort(key=lambda m: (m.step, list(ends).index(m.end)))
    return Traversal(visited, moves, steps)


def _edge_points(source: str, target: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where an arrow between two boxes starts and ends: on each box's border, towards the other."""
    (x0, y0), (x1, y1) = NODES[source], NODES[target]
    dx, dy = x1 - x0, y1 - y0

    def border(x: float, y: float, sx: float, sy: float) -> tuple[float, float]:
        tx = (_BOX_W / 2) / abs(sx) if sx else float("inf")
        ty = (_BOX_H / 2) / abs(sy) if sy else float("inf")
        t = min(tx, ty)
        return x + sx * t, y + sy * t

    return border(x0, y0, dx, dy), border(x1, y1, -dx, -dy)


def _control(start: tuple[float, float], end: tuple[float, float], rad: float) -> tuple[float, float]:
    """The control point of matplotlib's ``arc3`` curve of curvature ``rad``, in this Axes' data.

    arc3 shifts the middle by ``rad * (dy, -dx)`` in display space, where y grows upwards; this
    Axes' y grows downwards (with equal aspect), hence the signs.
    """
    (x0, y0), (x1, y1) = start, end
    return (x0 + x1) / 2 - rad * (y1 - y0), (y0 + y1) / 2 + rad * (x1 - x0)


def _point(start: tuple[float, float], end: tuple[float, float], rad: float, t: float) -> tuple[float, float]:
    """The point at ``t`` (0 start, 1 end) of the arc3 curve: a quadratic Bézier curve."""
    cx, cy = _control(start, end, rad)
    a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t**2
    return a * start[0] + b * cx + c * end[0], a * start[1] + b * cy + c * end[1]


def _crosses_a_box(source: str, target: str, rad: float) -> bool:
    """True if the curve from ``source`` to ``target`` runs through another state's box."""
    start, end = _edge_points(source, target)
    for i in range(1, 40):
        x, y = _point(start, end, rad, i / 40)
        for node, (nx, ny) in NODES.items():
            if node not in (source, target) and abs(x - nx) < _BOX_W / 2 + 0.05 and abs(y - ny) < _BOX_H / 2 + 0.05:
                return True
    return False


def _jump_rad(source: str, target: str) -> float:
    """A curvature for a jump that runs through no other box (the least bent one that does)."""
    for rad in (0.25, -0.25, 0.12, -0.12, 0.4, -0.4, 0.55, -0.55, 0.7, -0.7, 0.85, -0.85, 1.0, -1.0, 0.0):
        if not _crosses_a_box(source, target, rad):
            return rad
    return 0.25


def _arrow(ax: Any, source: str, target: str, rad: float, **style: Any) -> Any:
    from matplotlib.patches import FancyArrowPatch

    start, end = _edge_points(source, target)
    patch = FancyArrowPatch(
        start,
        end,
        connectionstyle=f"arc3,rad={rad}",
        arrowstyle="-|>",
        mutation_scale=14,
        shrinkA=2,
        shrinkB=2,
        **style,
    )
    ax.add_patch(patch)
    return patch


def _draw_nodes(ax: Any, visited: dict[str, list[str]], colors: dict[str, str]) -> None:
    from matplotlib.patches import FancyBboxPatch, Rectangle

    for node, (x, y) in NODES.items():
        seen_by = [end for end, nodes in visited.items() if node in nodes]
        edge = colors[seen_by[0]] if len(seen_by) == 1 else ("#333333" if seen_by else _IDLE)
        box = FancyBboxPatch(
            (x - _BOX_W / 2, y - _BOX_H / 2),
            _BOX_W,
            _BOX_H,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            facecolor="white",
            edgecolor=edge,
            linewidth=2.6 if seen_by else 1.0,
            zorder=2,
            gid=f"estado:{node}",
        )
        ax.add_patch(box)
        width = (_BOX_W - 0.08) / max(len(seen_by), 1)
        for i, end in enumerate(seen_by):  # one band per end that was seen here
            band = Rectangle(
                (x - _BOX_W / 2 + 0.04 + i * width, y - _BOX_H / 2 + 0.04),
                width,
                _BOX_H - 0.08,
                facecolor=colors[end],
                alpha=0.3,
                linewidth=0,
                zorder=2.5,
                gid=f"visitado:{node}:{end}",
            )
            ax.add_patch(band)
        name = "CLOSED" if node == _END else node
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold" if seen_by else "normal",
            color="black" if seen_by else "#555555",
            zorder=3,
        )


def _draw_edges(ax: Any, taken: set[tuple[str, str]]) -> None:
    for source, target, label, rad, place in EDGES:
        used = (source, target) in taken
        _arrow(
            ax,
            source,
            target,
            rad,
            color="#555555" if used else _IDLE,
            linewidth=1.0,
            zorder=1,
            gid=f"flecha:{source}->{target}",
        )
        x, y = _point(*_edge_points(source, target), rad, 0.5)
        dx, dy, ha, va = _PLACES[place]
        box = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
        ax.text(
            x + dx,
            y + dy,
            label,
            ha=ha,
            va=va,
            fontsize=7.5,
            color="#222222" if used else "#6d6d6d",
            zorder=4.5 if used else 1.5,
            bbox=box if place == "on" else None,
        )


def _draw_moves(ax: Any, moves: list[Move], colors: dict[str, str]) -> None:
    rads = {(a, b): rad for a, b, _label, rad, _place in EDGES}
    sharing: dict[tuple[str, str], list[str]] = {}
    for move in moves:
        users = sharing.setdefault((move.source, move.target), [])
        if move.end not in users:
            users.append(move.end)
    for move in moves:
        pair = (move.source, move.target)
        users = sharing[pair]
        spread = 0.16 * (users.index(move.end) - (len(users) - 1) / 2)  # two ends on one arrow: side by side
        rad = (rads[pair] if move.arrow else _jump_rad(*pair)) + spread
        kind = "recorrido" if move.arrow else "salto"
        _arrow(
            ax,
            move.source,
            move.target,
            rad,
            color=colors[move.end],
            linewidth=3.2,
            zorder=4,
            linestyle="-" if move.arrow else (0, (4, 2)),
            gid=f"{kind}:{move.source}->{move.target}:{move.end}:{move.step}",
        )
        # the number sits near the start of the arrow, clear of the event written at its middle
        x, y = _point(*_edge_points(*pair), rad, 0.28 if move.arrow else 0.4)
        ax.text(
            x,
            y,
            str(move.step),
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            color="white",
            zorder=5,
            gid=f"paso:{move.end}:{move.step}",
            bbox={"boxstyle": "circle,pad=0.25", "facecolor": colors[move.end], "edgecolor": "white"},
        )


def tcp_states(
    data: StatePath | Mapping[str, Sequence[str | None]] | Sequence[str | None],
    ax: Any = None,
    *,
    steps: bool = True,
) -> Any:
    """Draw the TCP state diagram with the path of each end highlighted, and return the Axes.

    ``data`` is a `StatePath` (its ends and numbered steps), ``{"cliente": [...], "servidor":
    [...]}`` or one list of state names. ``steps`` lists, under the diagram, what each
    numbered step was (for a `StatePath`).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    route = traversal(data)
    ends = list(route.visited)
    colors = {end: _END_COLORS[i % len(_END_COLORS)] for i, end in enumerate(ends)}
    ax = new_axes(ax, 11.0, 11.0)
    _draw_edges(ax, {(m.source, m.target) for m in route.moves})
    _draw_nodes(ax, route.visited, colors)
    _draw_moves(ax, route.moves, colors)

    handles: list[Any] = [
        Patch(facecolor=colors[e], alpha=0.5, edgecolor=colors[e], label=e) for e in ends if route.visited[e]
    ]
    if any(not m.arrow for m in route.moves):
        handles.append(
            Line2D(
                [],
                [],
                color="#555555",
                linewidth=2.4,
                linestyle=(0, (4, 2)),
                label="salto directo: ningún paso vio estados intermedios",
            )
        )
    if handles:
        ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1.0, 0.0), fontsize=9, frameon=False)
    used = sorted({m.step for m in route.moves})
    if steps and route.steps and used:
        lines = [f"{n}  {route.steps[n]}" for n in used]
        ax.text(-0.4, 11.0, "Pasos:\n" + "\n".join(lines), ha="left", va="top", fontsize=9, linespacing=1.4)
    if not any(route.visited.values()):
        ax.text(_MID, 11.0, "(no se observó ningún estado)", ha="center", va="top", fontsize=9, color=COLORS["muted"])
    bottom = 11.0 + (0.42 * (len(used) + 1) if steps and route.steps and used else 0.6)
    ax.set_xlim(-0.5, 11.5)
    ax.set_ylim(bottom, -0.8)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title("El diagrama de estados de TCP y el camino recorrido", fontsize=12)
    return ax
