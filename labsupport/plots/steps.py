"""Where and when a client stops: one row per server, a mark at the end of each step.

Notebook 02 runs the same client (``connect()``, ``sendall()``, ``recv()``) against an echo
server, a closed port, a server that never accepts and one that accepts and says nothing.
The two ``TimeoutError`` last the same (the timeout) but stop different steps; a refusal
stops at once. On a shared time axis that is plain to see, with the timeout drawn as a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._style import COLORS, new_axes

#: What a step that worked says in its third field (the notebook's ``probar_pasos``).
OK_RESULT = "bien"

Step = tuple[str, float, str]


def _validated(runs: Mapping[str, Iterable[Step]]) -> dict[str, list[Step]]:
    if not isinstance(runs, Mapping):
        raise TypeError(
            "client_steps espera un diccionario {servidor: [(paso, segundos, resultado), ...]}, por ejemplo "
            '{"eco": [("connect()", 0.001, "bien")]}; se recibió ' + type(runs).__name__ + "."
        )
    out: dict[str, list[Step]] = {}
    for label, steps in runs.items():
        rows = []
        for step in steps:
            if not (isinstance(step, tuple) and len(step) == 3):
                raise TypeError(f"cada paso debe ser una tupla (paso, segundos, resultado); se recibió {step!r:.60}.")
            name, seconds, result = step
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                raise TypeError(f"los segundos de un paso deben ser un número ≥ 0; se recibió {seconds!r:.40}.")
            rows.append((str(name), float(seconds), str(result)))
        out[str(label)] = rows
    return out


def step_marks(steps: Iterable[Step]) -> list[tuple[float, bool]]:
    """``(time since the client started, ok)`` at the end of each step: the steps' running sum."""
    marks, end = [], 0.0
    for _name, seconds, result in steps:
        end += seconds
        marks.append((end, result == OK_RESULT))
    return marks


def client_steps(runs: Mapping[str, Iterable[Step]], ax: Any = None, *, timeout: float | None = None) -> Any:
    """One row per server: a grey line for the time the client spent, a dot per step that worked,
    a cross where it failed, and the last step's name and result written at the end.

    ``runs`` maps a label to its steps as ``(step, seconds, result)``, ``result`` being
    ``"bien"`` or the name of the exception. ``timeout`` draws a dashed vertical line there.
    """
    data = _validated(runs)
    ax = new_axes(ax, 8.0, 1.4 + 0.8 * max(len(data), 1))
    labels = list(data)
    end_max = 0.0
    for row, label in enumerate(labels):
        marks = step_marks(data[label])
        if not marks:
            continue
        end = marks[-1][0]
        end_max = max(end_max, end)
        ax.plot([0.0, end], [row, row], color=COLORS["lane"], linewidth=2, zorder=1)
        oks = [t for t, ok in marks if ok]
        fails = [t for t, ok in marks if not ok]
        ax.plot(oks, [row] * len(oks), "o", color=COLORS["ok"], markersize=9, zorder=3)
        ax.plot(fails, [row] * len(fails), "x", color=COLORS["fail"], markersize=10, mew=2.5, zorder=3)
        step, _seconds, result = data[label][-1]
        ax.annotate(f"{step} {result}", (end, row), xytext=(6, 8), textcoords="offset points", fontsize=9)
    right = max(end_max, timeout or 0.0)
    if timeout is not None:
        ax.axvline(timeout, color=COLORS["muted"], linestyle="--", linewidth=1, zorder=0)
        ax.text(timeout, -0.75, " timeout", color=COLORS["muted"], fontsize=8, va="bottom")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -1.0)
    ax.set_xlim(-0.03 * (right or 1.0), 1.6 * (right or 1.0))  # room for the labels on the right
    ax.set_xlabel("segundos desde que el cliente empieza")
    ax.set_title("Dónde y cuándo se detiene el cliente", fontsize=11)
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return ax
