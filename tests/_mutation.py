"""The mutation suites of notebooks 06 and 07: :mod:`mutation_kit`'s run, alone, and one case at a time.

On top of :func:`mutation_kit.run` (``lab.comprobar`` under a hard time limit):

- each check first lets the case workers of the previous one end (a wrong answer cut at its
  limit may sleep on and drop sockets later, which the next leak check would blame);
- :func:`assert_caught` names the *case* that must catch the mistake, not only words
  somewhere in the report: the right case, with the right words, and no checker error.
"""

from __future__ import annotations

import gc
import threading
import time

import mutation_kit

#: No answer may keep ``lab.comprobar`` busier than this (every case has its own limit too).
HARD_LIMIT = 60.0
NOT_PASSED = ("fallo", "error", "tiempo")


#: How long a check waits for the workers an earlier check abandoned (a wrong answer asleep).
LEFTOVERS = 15.0


def _let_leftovers_end() -> None:
    """Wait (bounded) for case workers that an earlier check left running, then collect their garbage.

    A wrong answer cut at its time limit may go on for a while (a ``sleep`` cannot be
    interrupted) and drop unclosed sockets later; their ``ResourceWarning`` must not land in
    the next answer's leak check and be blamed on it.
    """
    deadline = time.monotonic() + LEFTOVERS
    for thread in threading.enumerate():
        if thread.name.startswith("comprobar-") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    gc.collect()


def check(exercise_id: str, function, limit: float = HARD_LIMIT):
    """``lab.comprobar(exercise_id, function)`` under a hard limit (:func:`mutation_kit.run`), alone."""
    _let_leftovers_end()
    return mutation_kit.run(exercise_id, function, limit)


def assert_caught(result, case: str, *words: str) -> None:
    """The case whose name contains ``case`` did not pass, and its message or hint contains ``words``."""
    report = repr(result)
    assert not result, report
    matches = [c for c in result.cases if case in c.name]
    assert matches, f"ningún caso contiene {case!r}:\n{report}"
    (c,) = matches
    assert c.status in NOT_PASSED, f"{c.name}: {c.status}\n{report}"
    assert all(other.status != "error del corrector" for other in result.cases), report
    said = f"{c.message} {c.hint}"
    missing = [w for w in words if w not in said]
    assert not missing, f"{c.name}: faltan {missing} en «{said}»\n{report}"


def assert_passes(result) -> None:
    assert result, repr(result)
    assert result.passed == result.total >= 4, repr(result)
