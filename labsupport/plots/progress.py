"""The student's progress map: one square per exercise, one row per notebook, coloured by its last result.

``lab.progreso()`` draws it under its table: at a glance, which notebooks are done, where a
check failed and what was never checked. The exercise id is written in its square, so the
map reads without colours too (and a test reads it back).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._style import COLORS, new_axes

#: One colour per last result; "sin comprobar" is a pale grey square: nothing there yet.
STATUS_COLORS = {
    "ok": COLORS["ok"],
    "fallo": COLORS["fail"],
    "pendiente": "#e3b341",
    "error del corrector": "#9467bd",
    "sin comprobar": "#e6e6e6",
}


def _notebook(exercise_id: str) -> str:
    head = exercise_id.split(".", 1)[0]
    return f"{int(head):02d}" if head.isdigit() else head


def progress(items: Iterable[tuple[str, str]], ax: Any = None) -> Any:
    """Squares for ``items``, ``(exercise id, last result)`` in course order: a row per notebook.

    A result outside :data:`STATUS_COLORS` raises ValueError naming the valid ones.
    """
    from matplotlib.patches import Patch, Rectangle

    rows: dict[str, list[tuple[str, str]]] = {}
    for exercise_id, status in items:
        if status not in STATUS_COLORS:
            raise ValueError(f"resultado desconocido {status!r} en {exercise_id}: se esperaba uno de "
                             + ", ".join(STATUS_COLORS))
        rows.setdefault(_notebook(str(exercise_id)), []).append((str(exercise_id), status))
    width = max((len(r) for r in rows.values()), default=1)
    ax = new_axes(ax, 1.6 + 0.9 * width, 1.2 + 0.42 * max(len(rows), 1))
    for y, exercises in enumerate(rows.values()):
        for x, (exercise_id, status) in enumerate(exercises):
            ax.add_patch(Rectangle((x + 0.05, y + 0.08), 0.9, 0.84, facecolor=STATUS_COLORS[status],
                                   edgecolor="white", gid=exercise_id))
            dark = status in ("ok", "fallo", "error del corrector")
            ax.text(x + 0.5, y + 0.5, exercise_id, ha="center", va="center", fontsize=9,
                    color="white" if dark else "black")
    ax.set_xlim(0, width)
    ax.set_ylim(max(len(rows), 1), 0)  # the first notebook on top
    ax.set_yticks([y + 0.5 for y in range(len(rows))], [f"cuaderno {n}" for n in rows])
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    handles = [Patch(facecolor=color, label=status) for status, color in STATUS_COLORS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    ax.set_title("Tu progreso: cada casilla es un ejercicio", fontsize=11)
    return ax
