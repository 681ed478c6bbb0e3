"""The mutation suites of notebooks 06 and 07: :mod:`mutation_kit`'s run, alone, and one case at a time.

On top of :func:`mutation_kit.run` (``lab.comprobar`` under a hard time limit):

- :func:`assert_caught` names the *case* that must catch the mistake, not only words
  somewhere in the report: the right case, with the right words, and no checker error.
"""

from __future__ import annotations

import mutation_kit

#: No answer may keep ``lab.comprobar`` busier than this (every case has its own limit too).
HARD_LIMIT = 60.0
NOT_PASSED = ("fallo", "error", "tiempo")


def check(exercise_id: str, function, limit: float = HARD_LIMIT):
    """``lab.comprobar(exercise_id, function)`` under a hard limit (:func:`mutation_kit.run`).

    A wrong answer cut at its limit may go on in the background and drop unclosed sockets
    later; the leak watch only blames sockets born in its own block and thread, so the next
    check needs no wait for it.
    """
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
