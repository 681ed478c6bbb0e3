"""How an exercise is checked: real cases, a time limit each, a Spanish report.

A student's socket code fails in ways that freeze a notebook (a ``recv`` waiting for bytes
that never come), so every case runs the student's function in a worker thread. When the
time limit passes, the case's servers are stopped: that closes the connections, which
wakes the blocked ``recv``, and the worker ends instead of lingering.
"""

from __future__ import annotations

import dataclasses
import html
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HERE = str(Path(__file__).resolve().parent)

OK, FAIL, ERROR, TIMEOUT, PENDING = "ok", "fallo", "error", "tiempo", "pendiente"
_MARK = {OK: "✔", FAIL: "✘", ERROR: "✘", TIMEOUT: "⏱", PENDING: "⏳"}


class Fail(AssertionError):
    """Raised by a check when the student's answer is wrong; the message says what and why."""


class Context:
    """What one case owns: servers and sockets closed after the case, even after a timeout."""

    def __init__(self) -> None:
        self._owned: list[Any] = []

    def own(self, thing: Any) -> Any:
        """Keep ``thing`` (a server with stop() or a socket with close()) for the teardown."""
        self._owned.append(thing)
        return thing

    def close(self) -> None:
        for thing in reversed(self._owned):
            try:
                (thing.stop if hasattr(thing, "stop") else thing.close)()
            except Exception:
                pass
        self._owned.clear()


@dataclasses.dataclass
class Case:
    name: str
    run: Callable[[Callable, Context], None]
    hint: str
    time_limit: float


@dataclasses.dataclass
class CaseResult:
    name: str
    status: str
    message: str = ""
    hint: str = ""
    error: BaseException | None = dataclasses.field(default=None, repr=False)


class Exercise:
    """An exercise: an id like "3.2", a title, and the cases its function must pass."""

    def __init__(self, exercise_id: str, title: str, function_name: str) -> None:
        self.id = exercise_id
        self.title = title
        self.function_name = function_name
        self.cases: list[Case] = []

    def case(self, name: str, *, hint: str, time_limit: float = 3.0):
        """Decorator: register ``check(funcion, ctx)`` as a case of this exercise."""

        def register(check: Callable[[Callable, Context], None]) -> Callable:
            self.cases.append(Case(name, check, hint, time_limit))
            return check

        return register

    def run(self, function: Callable) -> Result:
        results = []
        for case in self.cases:
            result = _run_case(case, function)
            results.append(result)
            if result.status == PENDING:
                break
        return Result(self, results)


def _run_case(case: Case, function: Callable) -> CaseResult:
    ctx = Context()
    outcome: dict[str, BaseException | None] = {}

    def work() -> None:
        try:
            case.run(function, ctx)
            outcome["error"] = None
        except BaseException as exc:  # the student's code may raise anything
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"comprobar-{case.name}", daemon=True)
    worker.start()
    worker.join(case.time_limit)
    timed_out = worker.is_alive()
    ctx.close()  # wakes a recv() blocked on one of the case's servers
    if timed_out:
        worker.join(1.0)
        return CaseResult(
            case.name,
            TIMEOUT,
            f"no terminó en {case.time_limit:g} s (¿un recv() que espera datos que nunca llegan?)",
            case.hint,
        )
    error = outcome.get("error")
    if error is None:
        return CaseResult(case.name, OK)
    if isinstance(error, NotImplementedError):
        return CaseResult(case.name, PENDING, error=error)
    if isinstance(error, AssertionError):
        return CaseResult(case.name, FAIL, str(error), case.hint)
    message = f"tu función lanzó {type(error).__name__}: {error}"
    return CaseResult(case.name, ERROR, message, case.hint, error)


class Result:
    """What ``lab.comprobar`` returns: truthy when every case passed; shows itself as the report."""

    def __init__(self, exercise: Exercise, cases: list[CaseResult]) -> None:
        self.exercise_id = exercise.id
        self.title = exercise.title
        self.function_name = exercise.function_name
        self.cases = cases
        self.total = len(exercise.cases)
        self.passed = sum(c.status == OK for c in cases)
        if any(c.status == PENDING for c in cases):
            self.status = PENDING
        elif self.passed == self.total:
            self.status = OK
        else:
            self.status = FAIL

    def __bool__(self) -> bool:
        return self.status == OK

    def as_record(self) -> dict[str, Any]:
        return {
            "ejercicio": self.exercise_id,
            "superados": self.passed,
            "total": self.total,
            "estado": self.status,
        }

    def lines(self) -> list[str]:
        head = f"Ejercicio {self.exercise_id} · {self.title}"
        if self.status == PENDING:
            return [
                f"⏳ {head}: pendiente.",
                f"   Sustituye `raise NotImplementedError(...)` en {self.function_name}() por tu solución "
                "y vuelve a ejecutar la celda.",
            ]
        out = [head]
        for c in self.cases:
            out.append(f"  {_MARK[c.status]} {c.name}" + (f": {c.message}" if c.message else ""))
            if c.status != OK and c.hint:
                out.append(f"      Pista: {c.hint}")
        verdict = "¡Todo correcto!" if self else "Revisa los casos marcados con ✘ o ⏱."
        out.append(f"Resultado: {self.passed}/{self.total} casos superados. {verdict}")
        first_error = next((c.error for c in self.cases if c.status == ERROR and c.error), None)
        if first_error is not None:
            out.append("")
            out.append("Dónde falló tu código (primer error):")
            out.extend(_student_traceback(first_error))
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        color = {OK: "#1a7f37", PENDING: "#9a6700"}.get(self.status, "#cf222e")
        lines = self.lines()
        body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in lines[1:])
        return (
            f"<div style='border-left:4px solid {color};padding:4px 10px'>"
            f"<b>{html.escape(lines[0])}</b><br>{body}</div>"
        )


def _student_traceback(error: BaseException) -> list[str]:
    """The traceback without the checker's own frames: only where the student's code was."""
    tb = traceback.TracebackException.from_exception(error)
    tb.stack = traceback.StackSummary.from_list([f for f in tb.stack if not f.filename.startswith(_HERE)])
    return [line.rstrip("\n") for line in tb.format()]
