"""How an exercise is checked: real cases, a time limit each, a Spanish report that blames rightly.

A student's socket code fails in ways that freeze a notebook (a ``recv`` waiting for bytes
that never come), so every case runs in a worker thread. When the time limit passes, the
thread's stack is read (what it waits on, which line of the student's led there), then the
case's servers are stopped: that closes the connections and wakes a blocked ``recv``; a
loop that still spins is stopped with an exception injected into the thread.

The report has one line per case, the hint of a failed case, and the student's traceback
only when the student's code raised. Who raised is decided from the frames, never assumed:

====================  =====  ==============================================================
status                mark   when
====================  =====  ==============================================================
``ok``                ✔      the case passed
``fallo``             ✘      the case raised :class:`Fail` (or ``AssertionError``): a wrong answer
``error``             ✘      the student's code raised (a frame of theirs in the traceback, or
                             the call to their function raised)
``tiempo``            ◷      the time limit passed while the student's code ran (their call, or
                             something it returned, on the stack); the message names the blocking
                             call (``recv``, ``connect``, ``accept``, ``sendall``, ``sleep``, a TLS
                             handshake) or a thread spinning on the CPU, and the student's line
``pendiente``         ○      the student's code raised ``NotImplementedError``; the report names
                             the function that raised it (a helper may be the pending one)
``error del           ⚠      the checker itself raised or waited after the student's function
corrector``                  returned: "error del corrector, no de tu código"
====================  =====  ==============================================================

The marks are in every DejaVu font (the default on Linux desktops) and in the usual
symbol fonts of Windows and macOS; ⏱ and ⏳ are not, and showed as empty boxes.

API for case writers (backward compatible)::

    ej = exercise("3.2", "título", "nombre_de_la_funcion")   # from labsupport.exercises

    @ej.case("lo que se comprueba", hint="pista para el alumno", time_limit=5.0)
    def _(funcion, ctx):
        server = ctx.own(Drip(...))          # stopped after the case, even after a time-out
        data = expect_type(funcion(server.address), bytes)   # Fail if another type came back
        if data != expected:
            raise Fail(f"se esperaban {len(expected)} bytes y llegaron {len(data)}")
        ctx.rng.randrange(10)                # seeded per case: same input on every run

- ``expect_type(value, types, what="tu función")`` returns ``value`` or raises
  ``Fail("se esperaba bytes y tu función devolvió str: 'abc'")``.
- ``brief(value, limit=60)``: a short ``repr`` for messages.
- ``ctx.rng``: a ``random.Random`` seeded with the exercise id, the case name and the run's seed
  number (``lab.comprobar(id, f, semilla=N)``, 0 by default): the same inputs on every run with the
  same seed. A failed case that drew from it names its seed in the report, so the student can
  replay exactly that run, or draw other cuts and data with another number.
- ``funcion.running``: whether a call to the student's function is in progress (any thread).
  ``funcion`` is a wrapper (:class:`StudentFunction`) with the student function's name and
  doc; call it, pass it to a thread: both are followed.
- ``Fail`` is always a wrong answer, even raised from inside a fake object the checker lent
  to the student's code. Any other exception the case raises outside the student's code
  (``len(None)`` on what came back) is reported as the checker's own error, with its file and
  line, and never counts against the student: validate what came back with ``expect_type``.
- A case's own timeouts must not fire for a right answer: seconds (the default limit of a case
  is :data:`TIME_LIMIT`, 5 s); only a wait that must run out is short (0,2-0,3 s).
- A file that defines cases outside this package (a test's exercises) counts as checker code.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import html
import random
import socket
import threading
import traceback
from collections.abc import Callable
from typing import Any

from .._results import Record, Status, make_record
from .._wording import seconds
from . import _diagnose

OK, FAIL, ERROR, TIMEOUT, PENDING = Status.OK, Status.FAIL, Status.ERROR, Status.TIMEOUT, Status.PENDING
INTERNAL = Status.INTERNAL
_MARK: dict[str, str] = {OK: "✔", FAIL: "✘", ERROR: "✘", TIMEOUT: "◷", PENDING: "○", INTERNAL: "⚠"}

#: Default time limit of a case (seconds). A limit that must not fire for a right answer is
#: generous: it costs nothing when things go right and holds on a loaded machine.
TIME_LIMIT = 5.0


class Fail(AssertionError):
    """Raised by a check when the student's answer is wrong; the message says what and why."""


class CaseAbandoned(BaseException):
    """Injected into a worker that still runs after its time limit and teardown (a spinning loop)."""


def brief(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, with "…" when cut: for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_names(types: type | tuple[type, ...]) -> str:
    names = [("None" if t is type(None) else t.__name__) for t in (types if isinstance(types, tuple) else (types,))]
    return " o ".join(names)


def expect_type(value: Any, types: type | tuple[type, ...], what: str = "tu función") -> Any:
    """Return ``value`` if it is an instance of ``types``; else Fail saying what came back.

    >>> expect_type("abc", bytes)
    Traceback (most recent call last):
    ...
    labsupport.exercises._framework.Fail: se esperaba bytes y tu función devolvió str: 'abc'
    """
    if isinstance(value, types):
        return value
    shown = "None" if value is None else f"{type(value).__name__}: {brief(value)}"
    raise Fail(f"se esperaba {_type_names(types)} y {what} devolvió {shown}")


class _WatchedRandom(random.Random):
    """A ``random.Random`` that remembers whether anything was drawn from it.

    Every draw of the standard generator (``randint``, ``choice``, ``shuffle``, ``randbytes``…)
    goes through ``random()`` or ``getrandbits()``: watching those two is watching them all.
    """

    drawn = False

    def random(self) -> float:
        self.drawn = True
        return super().random()

    def getrandbits(self, k: int) -> int:
        self.drawn = True
        return super().getrandbits(k)


class Context:
    """What one case owns: servers and sockets closed after the case, even after a timeout."""

    def __init__(self, seed_text: str = "", number: int = 0) -> None:
        self._owned: list[Any] = []
        #: Seeded randomness for the case: the same inputs on every run with the same seed.
        #: Seed 0 draws from the case's own text (exercise id and case name), as every run did
        #: before seeds had numbers: the data of the older cases are unchanged.
        self.rng = _WatchedRandom(seed_text if number == 0 else f"{seed_text}#{number}")

    @property
    def seeded(self) -> bool:
        """Whether the case drew from ``rng``: only then does its seed change what it did."""
        return self.rng.drawn

    def own(self, thing: Any) -> Any:
        """Keep ``thing`` (a server with stop() or a socket with close()) for the teardown."""
        self._owned.append(thing)
        return thing

    def close(self) -> None:
        """Stop and close what the case owns. A socket is shut down first: on Linux only that
        wakes a thread blocked in its ``accept()`` or ``recv()`` (``close()`` alone does not)."""
        for thing in reversed(self._owned):
            if isinstance(thing, socket.socket):
                with contextlib.suppress(OSError):
                    thing.shutdown(socket.SHUT_RDWR)
            try:
                (thing.stop if hasattr(thing, "stop") else thing.close)()
            except Exception:
                pass
        self._owned.clear()


class StudentFunction:
    """The student's function as the cases see it: it keeps what it raised and who is inside it."""

    def __init__(self, function: Callable) -> None:
        self._function = function
        self._raised: list[BaseException] = []
        self._inside: dict[int, int] = {}  # thread ident -> calls in progress
        self.calls = 0
        self._lock = threading.Lock()
        try:
            functools.update_wrapper(self, function)
        except (AttributeError, TypeError):
            pass

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        me = threading.get_ident()
        with self._lock:
            self._inside[me] = self._inside.get(me, 0) + 1
            self.calls += 1
        try:
            return self._function(*args, **kwargs)
        except BaseException as exc:
            self._raised.append(exc)
            raise
        finally:
            with self._lock:
                self._inside[me] -= 1

    @property
    def code(self) -> Any:
        """The code object of the student's function (None for a builtin or a class)."""
        return getattr(self._function, "__code__", None)

    def raised(self, error: BaseException) -> bool:
        """Whether ``error`` came out of a call to the student's function (the very object)."""
        return any(error is e for e in self._raised)

    def threads_inside(self) -> list[int]:
        """The threads where a call to the student's function is in progress."""
        with self._lock:
            return [ident for ident, depth in self._inside.items() if depth > 0]

    @property
    def running(self) -> bool:
        return bool(self.threads_inside())


#: What a case is: a function of the student's function and the case's context that raises Fail.
CaseCheck = Callable[[Callable, "Context"], None]


@dataclasses.dataclass
class Case:
    name: str
    run: CaseCheck
    hint: str
    time_limit: float


@dataclasses.dataclass
class CaseResult:
    name: str
    status: str
    message: str = ""
    hint: str = ""
    error: BaseException | None = dataclasses.field(default=None, repr=False)
    #: For ``pendiente``: the student's helper that raised NotImplementedError ("" if their function itself).
    pending_function: str = ""
    #: The seed of a failed case that drew from ``ctx.rng`` (None otherwise): shown, so it can be replayed.
    seed: int | None = None


class Exercise:
    """An exercise: an id like "3.2", a title, and the cases its function must pass."""

    def __init__(self, exercise_id: str, title: str, function_name: str) -> None:
        self.id = exercise_id
        self.title = title
        self.function_name = function_name
        self.cases: list[Case] = []

    def case(
        self, name: str, *, hint: str, time_limit: float = TIME_LIMIT
    ) -> Callable[[CaseCheck], CaseCheck]:
        """Decorator: register ``check(funcion, ctx)`` as a case of this exercise."""

        def register(check: CaseCheck) -> CaseCheck:
            code = getattr(check, "__code__", None)
            if code is not None:
                _diagnose.register_case_file(code.co_filename)
            self.cases.append(Case(name, check, hint, time_limit))
            return check

        return register

    def run(self, function: Callable, seed: int = 0) -> Result:
        results = []
        for case in self.cases:
            result = _run_case(case, function, f"{self.id}/{case.name}", seed)
            results.append(result)
            if result.status == PENDING:
                break
        report = Result(self, results)
        from .. import progress  # lab.progreso()'s map of the course: never raises, never prints

        progress.record(report)
        return report


def _run_case(case: Case, function: Callable, seed_text: str, number: int = 0) -> CaseResult:
    ctx = Context(seed_text, number)
    result = _run_in_worker(case, function, ctx)
    if result.status in (FAIL, ERROR, TIMEOUT) and ctx.seeded:
        result.seed = number
    return result


def _run_in_worker(case: Case, function: Callable, ctx: Context) -> CaseResult:
    student = StudentFunction(function)
    outcome: dict[str, BaseException | None] = {}

    def work() -> None:
        try:
            case.run(student, ctx)
            outcome["error"] = None
        except BaseException as exc:  # the student's code may raise anything
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"comprobar-{case.name}", daemon=True)
    worker.start()
    worker.join(case.time_limit)
    if worker.is_alive():
        result = _timed_out(case, worker, student)
        if worker.is_alive() or "error" not in outcome:
            ctx.close()  # wakes a recv() blocked on one of the case's servers
            _stop(worker)
            return result
        # It ended while being watched (just past the limit): its own outcome is the truth.
    ctx.close()
    return _classify(case, outcome.get("error"), student)


def _timed_out(case: Case, worker: threading.Thread, student: StudentFunction) -> CaseResult:
    """Explain a time-out from the stacks: the student's code that waits, or the checker's.

    The student's code is running if a call to their function is in progress (on the worker or
    on a thread of the checker's) or if a frame of theirs is on the worker's stack: an object or
    a function their function returned (a decorator's wrapper, a client's method).
    """
    limit = f"no terminó en {seconds(case.time_limit)}"
    inside = student.threads_inside()
    ident = worker.ident if (not inside or worker.ident in inside) else inside[0]
    thread = next((t for t in threading.enumerate() if t.ident == ident), worker)
    seen = _diagnose.observe(thread)
    snap = seen.last
    if inside or (snap is not None and snap.student_function):
        return CaseResult(case.name, TIMEOUT, f"{limit}: tu función {_diagnose.explain_wait(seen)}", case.hint)
    what = ""
    if snap is not None:
        call = f" en {_diagnose.short_name(snap.call)}()" if snap.call else ""
        where = f" ({snap.checker_where})" if snap.checker_where else ""
        what = f"{call}{where}"
    when = "ya había terminado" if student.calls else "aún no se había llamado"
    return CaseResult(
        case.name,
        INTERNAL,
        f"{limit}: tu función {when} y quien esperaba era el corrector{what}. "
        "Error del corrector, no de tu código.",
    )


def _stop(worker: threading.Thread) -> None:
    """Let the worker end after the teardown (at most 1 s); if it still runs, inject CaseAbandoned.

    The injected exception stops a loop of Python code; a thread blocked in a system call on
    a socket the checker does not own cannot be stopped and stays behind (a daemon thread).
    """
    worker.join(0.5)
    for _ in range(5):
        if not worker.is_alive() or worker.ident is None:
            return
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(CaseAbandoned))
        worker.join(0.1)


def _classify(case: Case, error: BaseException | None, student: StudentFunction) -> CaseResult:
    if error is None:
        return CaseResult(case.name, OK)
    if isinstance(error, Fail):  # raised on purpose by the checker, even from inside a fake it lent
        return CaseResult(case.name, FAIL, str(error), case.hint)
    by_student = student.raised(error) or _diagnose.raised_by_student(error)
    if not by_student:
        if isinstance(error, AssertionError):  # a plain assert of the checker: a wrong answer
            return CaseResult(case.name, FAIL, str(error), case.hint)
        where = _diagnose.checker_location(error)
        message = f"error del corrector, no de tu código: {type(error).__name__}: {error} ({where})"
        return CaseResult(case.name, INTERNAL, message, error=error)
    if isinstance(error, NotImplementedError) and _diagnose.raised_in_student_code(error):
        raiser = _diagnose.raising_student_code(error)
        name = "" if raiser is None or raiser is student.code else raiser.co_name  # "": the function itself
        return CaseResult(case.name, PENDING, error=error, pending_function=name)
    if _diagnose.raised_at_call(error, __file__):
        message = f"no se pudo llamar a tu función: {type(error).__name__}: {error}"
        return CaseResult(case.name, ERROR, message, case.hint)
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
        statuses = {c.status for c in cases}
        if PENDING in statuses:
            self.status = PENDING
        elif self.passed == self.total:
            self.status = OK
        elif statuses & {FAIL, ERROR, TIMEOUT}:
            self.status = FAIL
        else:
            self.status = INTERNAL
        #: Set by ``comprobar`` when the pending function is another exercise's: "3.2".
        self.pending_exercise = ""

    def __bool__(self) -> bool:
        return self.status == OK

    def as_record(self) -> Record:
        return make_record(self.exercise_id, self.passed, self.total, self.status)

    @property
    def pending_function(self) -> str:
        """The student's function that still raises NotImplementedError ("" if none)."""
        return next((c.pending_function for c in self.cases if c.status == PENDING), "")

    def lines(self) -> list[str]:
        head = f"Ejercicio {self.exercise_id} · {self.title}"
        if self.status == PENDING:
            return [f"{_MARK[PENDING]} {head}: pendiente.", *self._pending_advice()]
        out = [head]
        for c in self.cases:
            out.append(f"  {_MARK[c.status]} {c.name}" + (f": {c.message}" if c.message else ""))
            if c.status in (FAIL, ERROR, TIMEOUT) and c.hint:
                out.append(f"      Pista: {c.hint}")
            if c.seed is not None:
                out.append(f"      {self._seed_line(c.seed)}")
        out.append(f"Resultado: {self.passed}/{self.total} casos superados. {self._verdict()}")
        first_error = next((c.error for c in self.cases if c.status == ERROR and c.error), None)
        if first_error is not None:
            trace = _student_traceback(first_error)
            if trace:
                out += ["", "Dónde falló tu código (primer error):", *trace]
        return out

    def _seed_line(self, seed: int) -> str:
        """How to replay a case whose data were drawn at random (cuts, bytes), and how to vary them."""
        call = f"lab.comprobar({self.exercise_id!r}, {self.function_name}, semilla={seed})"
        return (f"Semilla {seed}: lo que este caso elige al azar (los datos, o dónde corta lo que te envía) sale de "
                f"ella, igual en cada ejecución; {call} lo repite, y con otra (semilla={seed + 1}…) elige otra cosa.")

    def _verdict(self) -> str:
        if self:
            return "¡Todo correcto!"
        marks = sorted({_MARK[c.status] for c in self.cases if c.status in (FAIL, ERROR, TIMEOUT)})
        advice = f"Revisa los casos marcados con {' o '.join(marks)}." if marks else ""
        if any(c.status == INTERNAL for c in self.cases):
            advice += (" " if advice else "") + (
                f"Los casos marcados con {_MARK[INTERNAL]} fallaron por un error del corrector, no de tu "
                "código: avisa a quien te da el curso."
            )
        return advice

    def _pending_advice(self) -> list[str]:
        raised = self.pending_function or self.function_name
        if raised == self.function_name:  # the exercise's own function (whatever the student named it)
            return [
                f"   Sustituye `raise NotImplementedError(...)` en {raised}() por tu solución "
                "y vuelve a ejecutar la celda."
            ]
        other = f" (la del ejercicio {self.pending_exercise})" if self.pending_exercise else ""
        return [
            f"   {self.function_name}() usa {raised}(){other}, que todavía lanza NotImplementedError.",
            f"   Escribe primero {raised}(), ejecuta su celda y vuelve a ejecutar esta.",
        ]

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        color = {OK: "#1a7f37", PENDING: "#9a6700", INTERNAL: "#9a6700"}.get(self.status, "#cf222e")
        lines = self.lines()
        body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in lines[1:])
        return (
            f"<div style='border-left:4px solid {color};padding:4px 10px'>"
            f"<b>{html.escape(lines[0])}</b><br>{body}</div>"
        )


def _student_traceback(error: BaseException) -> list[str]:
    """The traceback from the student's first frame on: none of the checker's own frames.

    Empty when no frame of the student's code is in it (then the message says it all).
    """
    tb = traceback.TracebackException.from_exception(error)
    frames = list(tb.stack)
    first = next((i for i, f in enumerate(frames) if _diagnose.is_student_file(f.filename)), None)
    if first is None:
        return []
    kept = [f for f in frames[first:] if not _diagnose.is_checker_file(f.filename)]
    tb.stack = traceback.StackSummary.from_list(kept)
    return [line.rstrip("\n") for line in tb.format()]
