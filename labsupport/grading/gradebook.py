"""Points: what each exercise is worth, and every student's score per exercise, notebook and course.

Every export reads its numbers from one :class:`Gradebook`, so that nbgrader's CSV, Canvas,
Gradescope and the wide CSV can never disagree about a grade.

The rules (one place for all of them):

- An exercise is worth one point per case by default (its visible cases plus its hidden
  ones), and partial credit is by case: 2 of 3 cases passed is 2 of 3 points.
- ``--puntos FILE`` (``ejercicio,puntos``) gives an exercise another value P; it is then
  shared among its cases: 2 of 3 cases passed is 2/3 × P.
- How many cases an exercise has is what its reports say (every student ran the same
  checker); when nobody's notebook reported it, the course's own exercise says it; when
  neither can (an exercise no one ran and the course does not know), it is worth 0 and the
  summary says so, so that an instructor gives it points with ``--puntos``.
- A notebook is worth the sum of its exercises, the course the sum of its notebooks. The
  notebooks graded are the ones at least one student handed in: a notebook nobody submitted
  is not part of this assignment, and a student who did not hand in a graded notebook gets 0
  of its points.
- A student in the roster (``--lista``) with no folder gets 0 in every notebook.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import io
from collections.abc import Iterable
from pathlib import Path

from .._errors import LabError
from .roster import Roster
from .rows import Row
from .scan import sort_key


class PointsError(LabError):
    """The ``--puntos`` file cannot be used: the message names the file and the line."""


@dataclasses.dataclass(frozen=True)
class Score:
    """Points earned out of points possible (rounded to hundredths, as the LMSs show them)."""

    points: float
    max_points: float

    def __add__(self, other: Score) -> Score:
        return Score(round(self.points + other.points, 2), round(self.max_points + other.max_points, 2))


ZERO = Score(0.0, 0.0)


def read_points(path: Path) -> dict[str, float]:
    """Exercise id -> points, from a CSV with columns ``ejercicio`` and ``puntos`` (, or ; as separator)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PointsError(f"No existe el fichero de puntos {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PointsError(f"No se puede leer el fichero de puntos {path} (guárdalo como CSV UTF-8): {exc}") from None
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "ejercicio" not in fields or "puntos" not in fields:
        raise PointsError(f"{path}: la primera línea debe tener las columnas «ejercicio» y «puntos».")
    table: dict[str, float] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        exercise, value = row.get("ejercicio", ""), row.get("puntos", "").replace(",", ".")
        if not exercise:
            continue
        try:
            points = float(value)
        except ValueError:
            raise PointsError(f"{path}, línea {number}: «{value}» no es un número de puntos.") from None
        if points < 0 or exercise in table:
            why = "puntos negativos" if points < 0 else f"el ejercicio {exercise} ya estaba en otra línea"
            raise PointsError(f"{path}, línea {number}: {why}.")
        table[exercise] = points
    return table


def course_case_counts(exercise_ids: Iterable[str]) -> dict[str, int]:
    """How many cases the course's own checker has for each id it knows (others are left out)."""
    import importlib

    from .. import exercises

    wanted = set(exercise_ids)
    for prefix in {i.split(".", 1)[0] for i in wanted if i.split(".", 1)[0].isdigit()}:
        try:  # only the notebooks' modules these ids belong to ("5.2" -> nb05), as lab.comprobar loads them
            importlib.import_module(f"labsupport.exercises.nb{int(prefix):02d}")
        except Exception:  # not a course notebook, or a module that does not import here: no fallback
            continue
    registry = exercises._REGISTRY  # read only: the count of each exercise's cases
    return {i: len(registry[i].cases) for i in wanted if i in registry}


@dataclasses.dataclass
class Gradebook:
    """Every score of a grading, and who the students are."""

    students: list[str]
    notebooks: list[str]
    exercises: dict[str, list[str]]
    max_points: dict[str, float]
    rows: dict[tuple[str, str, str], Row]
    points: dict[str, float]
    case_counts: dict[str, int]
    submitted: dict[tuple[str, str], _dt.datetime] = dataclasses.field(default_factory=dict)
    roster: Roster | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    hidden_counts: dict[str, int] = dataclasses.field(default_factory=dict)  # exercise -> its hidden cases

    def exercise(self, student: str, notebook: str, exercise: str) -> Score:
        possible = self.max_points.get(exercise, 0.0)
        row = self.rows.get((student, notebook, exercise))
        cases = self.case_counts.get(exercise, 0)
        if row is None or cases == 0:
            return Score(0.0, possible)
        passed = (row.passed or 0) + (row.hidden_passed or 0)
        return Score(round(possible * min(passed, cases) / cases, 2), possible)

    def notebook(self, student: str, notebook: str) -> Score:
        total = ZERO
        for exercise in self.exercises.get(notebook, []):
            total += self.exercise(student, notebook, exercise)
        return total

    def notebook_max(self, notebook: str) -> float:
        """What a notebook is worth (the same for every student)."""
        return round(sum(self.max_points.get(e, 0.0) for e in self.exercises.get(notebook, [])), 2)

    def course_max(self) -> float:
        return round(sum(self.notebook_max(n) for n in self.notebooks), 2)

    def total(self, student: str) -> Score:
        total = ZERO
        for notebook in self.notebooks:
            total += self.notebook(student, notebook)
        return total

    def handed_in(self, student: str, notebook: str) -> bool:
        return (student, notebook) in self.submitted or any(
            key[0] == student and key[1] == notebook for key in self.rows
        )

    def row(self, student: str, notebook: str, exercise: str) -> Row | None:
        return self.rows.get((student, notebook, exercise))


def build(
    rows: list[Row],
    *,
    points: dict[str, float] | None = None,
    hidden_counts: dict[str, int] | None = None,
    roster: Roster | None = None,
    submitted: dict[tuple[str, str], _dt.datetime] | None = None,
) -> Gradebook:
    """The gradebook of ``rows``: see the module's docstring for the rules."""
    points, hidden_counts = points or {}, hidden_counts or {}
    students: list[str] = []
    exercises: dict[str, list[str]] = {}
    by_key: dict[tuple[str, str, str], Row] = {}
    visible: dict[str, int] = {}
    for row in rows:
        if row.student not in students:
            students.append(row.student)
        if not row.exercise or not row.notebook:
            continue
        ids = exercises.setdefault(row.notebook, [])
        if row.exercise not in ids:
            ids.append(row.exercise)
        by_key[(row.student, row.notebook, row.exercise)] = row
        if row.total is not None:
            visible[row.exercise] = max(visible.get(row.exercise, 0), row.total)
    for ids in exercises.values():
        ids.sort(key=sort_key)
    all_ids = [i for ids in exercises.values() for i in ids]
    unknown = [i for i in all_ids if i not in visible]
    visible.update({i: n for i, n in course_case_counts(unknown).items() if i not in visible})
    cases = {i: visible.get(i, 0) + hidden_counts.get(i, 0) for i in all_ids}
    warnings = []
    max_points: dict[str, float] = {}
    for exercise_id in all_ids:
        if exercise_id in points:
            max_points[exercise_id] = points[exercise_id]
        else:
            max_points[exercise_id] = float(cases[exercise_id])
        if cases[exercise_id] == 0:
            max_points[exercise_id] = 0.0
            warnings.append(
                f"No se sabe cuántos casos tiene el ejercicio {exercise_id} (ningún cuaderno lo comprobó y el "
                "curso no lo conoce): vale 0 puntos. Dale puntos con --puntos si debe contar."
            )
    for exercise_id in sorted(set(points) - set(all_ids), key=sort_key):
        warnings.append(f"El fichero de puntos da puntos al ejercicio {exercise_id}, que no está en ningún cuaderno "
                        "corregido: no cuenta.")
    if roster is not None:
        students += [folder for folder in roster.people if folder not in students]
    return Gradebook(
        students=students,
        notebooks=sorted(exercises),
        exercises=exercises,
        max_points=max_points,
        rows=by_key,
        points=points,
        case_counts=cases,
        submitted=dict(submitted or {}),
        roster=roster,
        warnings=warnings,
        hidden_counts=dict(hidden_counts),
    )


def number(value: float) -> str:
    """A score for a file other tools read: a point, no trailing ".0" noise beyond one decimal."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
