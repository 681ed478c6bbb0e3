"""``lab.comprobar(id, funcion)``: check a student's answer against real local servers.

The exercises of notebook NN live in ``nbNN.py`` and are imported only when one of them
is checked. When the environment variable ``LABSUPPORT_RESULTADOS`` names a file, each
check also appends one JSON line there: that is how ``python -m labsupport corregir``
learns the results of a notebook it runs.

Case writers use ``exercise``, ``Fail``, ``expect_type`` and ``brief`` from here; the rules of
blame (student's code or checker's) and the report are in :mod:`._framework`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable

from .._errors import BadSeedError, NotCallableError, UnknownExerciseError
from .._results import RESULTS_ENV, dump_record
from ._framework import INTERNAL, Context, Exercise, Fail, Result, brief, expect_type

__all__ = [
    "INTERNAL", "Context", "Exercise", "Fail", "Result", "brief", "comprobar", "exercise", "expect_type",
    "known_ids",
]

_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, title: str, function_name: str) -> Exercise:
    """Create and register an exercise (called by the nbNN modules at import)."""
    ex = Exercise(exercise_id, title, function_name)
    _REGISTRY[exercise_id] = ex
    return ex


def _load_notebook_module(exercise_id: str) -> None:
    notebook = exercise_id.split(".", 1)[0]
    if notebook.isdigit():
        try:
            importlib.import_module(f".nb{int(notebook):02d}", __name__)
        except ModuleNotFoundError as exc:
            if not exc.name or not exc.name.endswith(f"nb{int(notebook):02d}"):
                raise


def known_ids() -> list[str]:
    """Every exercise id of the course (imports all the nbNN modules)."""
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("nb"):
            importlib.import_module(f".{info.name}", __name__)
    return sorted(_REGISTRY, key=lambda i: tuple(int(p) for p in i.split(".")))


def comprobar(exercise_id: str, funcion: Callable, semilla: int = 0) -> Result:
    """Run exercise ``exercise_id``'s cases on ``funcion``; return the report (truthy if all pass).

    ``semilla``: the seed of the cases' random data and cuts (0 by default: the same on every run).
    A failed case that used them names its seed; passing it again replays that very run. Under
    ``corregir`` (``LABSUPPORT_RESULTADOS`` set) it is always 0: a grade never depends on a seed
    the student picked.
    """
    exercise_id = str(exercise_id).strip()
    if isinstance(semilla, bool) or not isinstance(semilla, int) or semilla < 0:
        raise BadSeedError(
            f"semilla debe ser un número entero mayor o igual que 0 y recibió {semilla!r}. "
            f"Por ejemplo: lab.comprobar({exercise_id!r}, mi_funcion, semilla=1)."
        )
    if exercise_id not in _REGISTRY:
        _load_notebook_module(exercise_id)
    if exercise_id not in _REGISTRY:
        ids = ", ".join(known_ids())
        raise UnknownExerciseError(
            f"No existe el ejercicio {exercise_id!r}. Los ejercicios del curso son: {ids}. "
            "Copia el número tal como aparece en el enunciado, por ejemplo lab.comprobar(\"1.1\", mi_funcion)."
        )
    if not callable(funcion):
        ex = _REGISTRY[exercise_id]
        raise NotCallableError(
            f"lab.comprobar espera una función como segundo argumento y recibió "
            f"{type(funcion).__name__} ({funcion!r:.40}). Pasa el nombre de la función sin "
            f"paréntesis: lab.comprobar({exercise_id!r}, {ex.function_name})."
        )
    if os.environ.get(RESULTS_ENV):  # graded by corregir: every student with the same inputs
        semilla = 0
    result = _REGISTRY[exercise_id].run(funcion, semilla)
    if result.pending_function and result.pending_function != result.function_name:
        result.pending_exercise = _exercise_of(result.pending_function)
    _record(result)
    return result


def _exercise_of(function_name: str) -> str:
    """The id of the exercise whose function is ``function_name`` ("" if none is)."""
    known_ids()
    return next((i for i, ex in _REGISTRY.items() if ex.function_name == function_name), "")


def _record(result: Result) -> None:
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(dump_record(result.as_record()))
