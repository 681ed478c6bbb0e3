"""Hidden cases (``corregir --casos-ocultos FILE``): cases only the instructor has, run at grading time.

The file is Python that the instructor keeps and never hands out (it is not part of the
course's package nor of the student edition). Each case is written as the course's own
cases are (see :mod:`labsupport.exercises._framework`), with :func:`caso_oculto` instead of
``exercise(...).case``::

    from labsupport.exercises import Fail, expect_type
    from labsupport.grading.hidden import caso_oculto

    @caso_oculto("1.1", "dos números negativos")
    def _(funcion, ctx):
        if funcion(-2, -3) != -5:
            raise Fail("no suma bien dos negativos")

How they run: before the first cell of each notebook, the grader's kernel loads the file and
wraps :meth:`Exercise.run`; when the notebook calls ``lab.comprobar("1.1", f)`` the visible
cases run as always (the student's report is the usual one), then the hidden cases of 1.1
run against the same ``f``, with the same time limits and the same rules of blame, and their
counts go to a results file of the grader's own. Only counts leave the kernel: the row of
the exercise gets ``hidden_passed`` and ``hidden_total``; no name, message or hint of a
hidden case is written anywhere a student reads.

What this does not defend against (as for the rest of the grader, which checks work done in
good faith): the kernel runs the student's code next to the loaded cases, so code written to
look for them could read their functions in memory. The file copy the kernel loads is deleted
as soon as it is read.

Bad input: a file that does not compile or raises when loaded is reported with its name and
line (:class:`HiddenCasesError`), and grading goes on without hidden cases, saying so.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._errors import LabError
from .._results import Record, dump_record, make_record, parse_record
from ..exercises._framework import TIME_LIMIT, CaseCheck, Exercise

#: Environment of the grader's kernel: the copy of the hidden-cases file to load, and where
#: to append the counts (one :class:`~labsupport._results.Record` line per checked exercise).
FILE_ENV = "LABSUPPORT_OCULTOS"
RESULTS_ENV = "LABSUPPORT_OCULTOS_RESULTADOS"
#: The one line the kernel runs before the notebook (IPython's ``exec_lines``): no name is left behind.
KERNEL_LINE = "__import__('labsupport.grading.hidden', fromlist=['_']).install_from_env()"
#: The exercise id of a results line that says the file could not be loaded in the kernel.
LOAD_FAILED = "*"

_HIDDEN: dict[str, Exercise] = {}


class HiddenCasesError(LabError):
    """The hidden-cases file cannot be used; the message names the file and the line."""


def caso_oculto(
    exercise_id: str, name: str, *, hint: str = "", time_limit: float = TIME_LIMIT
) -> Callable[[CaseCheck], CaseCheck]:
    """Decorator: register ``check(funcion, ctx)`` as a hidden case of exercise ``exercise_id``."""
    exercise_id = str(exercise_id).strip()
    hidden = _HIDDEN.setdefault(exercise_id, Exercise(exercise_id, "casos ocultos", ""))
    return hidden.case(name, hint=hint, time_limit=time_limit)


def load(path: Path) -> dict[str, int]:
    """Load the file's cases (replacing any loaded before); exercise id -> how many hidden cases."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HiddenCasesError(f"No se puede leer el fichero de casos ocultos {path}: {exc}") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise HiddenCasesError(
            f"El fichero de casos ocultos {path} tiene un error de sintaxis en la línea {exc.lineno}: {exc.msg}."
        ) from None
    _HIDDEN.clear()
    try:
        exec(code, {"__name__": "casos_ocultos", "__file__": str(path)})  # the instructor's own file
    except Exception as exc:
        _HIDDEN.clear()
        line = next((f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == str(path)),
                    None)
        where = f" en la línea {line}" if line else ""
        raise HiddenCasesError(
            f"El fichero de casos ocultos {path} falló al cargarse{where}: {type(exc).__name__}: {exc}."
        ) from None
    if not _HIDDEN:
        raise HiddenCasesError(f"El fichero de casos ocultos {path} no define ningún caso (usa @caso_oculto).")
    return {exercise_id: len(ex.cases) for exercise_id, ex in _HIDDEN.items()}


def _append(path: str, record: Record) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(dump_record(record))


def install_from_env() -> None:
    """In the grader's kernel: load the hidden cases named by the environment and hook them in.

    Never raises (it runs before the student's first cell): a failure is written to the
    results file as a line for :data:`LOAD_FAILED`, which the grader reports.
    """
    source, results = os.environ.pop(FILE_ENV, ""), os.environ.pop(RESULTS_ENV, "")
    if not source or not results:
        return
    try:
        load(Path(source))
    except Exception as exc:
        _append(results, make_record(LOAD_FAILED, 0, 0, f"{type(exc).__name__}: {exc}"))
        return
    finally:
        Path(source).unlink(missing_ok=True)
    visible_run = Exercise.run

    def run_with_hidden(self: Exercise, function: Callable, *args: Any, **kwargs: Any) -> Any:
        """The visible cases as always (with the student's seed, if any), then the hidden ones with the defaults."""
        result = visible_run(self, function, *args, **kwargs)
        hidden = _HIDDEN.get(self.id)
        if hidden is not None and self is not hidden:
            outcome = visible_run(hidden, function)
            _append(results, make_record(self.id, outcome.passed, len(hidden.cases), outcome.status))
        return result

    Exercise.run = run_with_hidden  # type: ignore[method-assign]  # the hook: this kernel only


def read_results(path: Path) -> tuple[dict[str, Record], str]:
    """The last hidden-cases record of each exercise, and why the file could not load ("" if it did)."""
    records: dict[str, Record] = {}
    failed = ""
    if not path.exists():
        return records, failed
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        record = parse_record(line)
        if record is None:
            continue
        if record["ejercicio"] == LOAD_FAILED:
            failed = record["estado"]
        else:
            records[record["ejercicio"]] = record
    return records, failed
