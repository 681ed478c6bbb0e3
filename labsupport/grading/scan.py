"""What there is to grade: the exercises a notebook calls, and each student's notebooks.

Read from the notebooks' text, never by running them: the master notebooks say which
exercises each notebook has, a submission says which of them it still calls.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbformat is imported only when a notebook is read: ``--help`` stays fast
    from nbformat import NotebookNode

_CALL = re.compile(r"""comprobar\(\s*(?:exercise_id\s*=\s*|ejercicio\s*=\s*)?["']([^"']+)["']""")

#: Folders that are never part of a submission (nor copied to run it).
SKIPPED_DIRS = (".ipynb_checkpoints", "__pycache__")


def exercise_cells(nb: NotebookNode) -> dict[str, int]:
    """Exercise id -> index of the first code cell that calls ``lab.comprobar`` for it.

    Commented-out lines do not count: a student who comments the call out has not
    submitted the exercise.
    """
    found: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            if line.lstrip().startswith("#"):
                continue
            for exercise_id in _CALL.findall(line):
                found.setdefault(exercise_id, index)
    return found


def sort_key(exercise_id: str) -> tuple[tuple[int, int | str], ...]:
    """Order "1.2" before "1.10" (numbers as numbers, anything else after them)."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-_]", exercise_id))


def master_exercises(masters: Path | None) -> dict[str, dict[str, int]]:
    """Notebook file name -> its exercises, read from the master notebooks (empty if none)."""
    import nbformat

    table: dict[str, dict[str, int]] = {}
    if masters is None or not masters.is_dir():
        return table
    for path in sorted(masters.glob("*.ipynb")):
        try:
            table[path.name] = exercise_cells(nbformat.read(path, as_version=4))
        except Exception:  # an unreadable master is not a course notebook: its submissions are not graded
            continue
    return table


def is_hidden(part: str) -> bool:
    """A checkpoint, cache or hidden entry: never graded, never copied."""
    return part in SKIPPED_DIRS or part.startswith(".")


def students(folder: Path) -> list[Path]:
    """The student subfolders of ``folder``, by name."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def student_notebooks(folder: Path) -> dict[str, Path]:
    """File name -> path of every notebook in a student's folder; the shallowest copy wins if a name repeats."""
    found: dict[str, Path] = {}
    paths = sorted(folder.rglob("*.ipynb"), key=lambda p: (len(p.parts), str(p)))
    for path in paths:
        if any(is_hidden(part) for part in path.relative_to(folder).parts):
            continue
        found.setdefault(path.name, path)
    return found
