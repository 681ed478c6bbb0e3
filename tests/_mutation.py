"""The mutation suite's two tools: run a checker under a hard time limit, and say what it must catch.

A wrong answer must get ✘ (or ◷) on the case that tests its mistake, with words in the
message or the hint that name *that* mistake; a right answer written in another style must
pass. ``lab.comprobar`` runs in a thread joined with a hard limit, so a checker that hangs
fails its test instead of freezing the suite.
"""

from __future__ import annotations

import gc
import threading
import time

import labsupport as lab

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
    """``lab.comprobar(exercise_id, function)``, failing the test if it runs longer than ``limit``."""
    _let_leftovers_end()
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = lab.comprobar(exercise_id, function)
        except BaseException as exc:  # a crash of the checker itself fails the test below
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"mutacion-{exercise_id}", daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"lab.comprobar({exercise_id!r}, …) no terminó en {limit} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


def assert_caught(result, case: str, *words: str) -> None:
    """The case whose name contains ``case`` did not pass, and its message or hint contains ``words``."""
    report = repr(result)
    assert not result, report
    matches = [c for c in result.cases if case in c.name]
    assert matches, f"ningún caso contiene {case!r}:\n{report}"
    (c,) = matches
    assert c.status in NOT_PASSED, f"{c.name}: {c.status}\n{report}"
    said = f"{c.message} {c.hint}"
    missing = [w for w in words if w not in said]
    assert not missing, f"{c.name}: faltan {missing} en «{said}»\n{report}"


def assert_passes(result) -> None:
    assert result, repr(result)
    assert result.passed == result.total >= 4, repr(result)
