"""Running a student's answer through ``lab.comprobar`` as a mutation test does: with a hard time
limit, and looking at what the report says about the cases that failed.

A wrong answer must get ✘ (or ◷) with words that name its mistake, in the message or the
hint of a failed case; a right answer in another style than the master solution must pass.
Neither may end in "error del corrector".
"""

from __future__ import annotations

import threading

import pytest

import labsupport as lab

FAILED = ("fallo", "error", "tiempo")


def stub(*args):
    """What the student edition has in place of a solution."""
    raise NotImplementedError("Escribe aquí tu solución")


def read_all(sock):
    """Read until the peer closes: the loop both right and wrong answers share."""
    partes = []
    while fragmento := sock.recv(65536):
        partes.append(fragmento)
    return b"".join(partes)


def budget(exercise_id: str) -> float:
    """The most a whole ``lab.comprobar`` may take: every case cut at its own limit, twice over, plus
    slack for starting and stopping servers. A limit that must not fire is generous: a wrong answer
    that hangs in every case, on a loaded machine, still ends well within it."""
    from labsupport.exercises import _REGISTRY, _load_notebook_module

    _load_notebook_module(exercise_id)
    return 2 * sum(case.time_limit for case in _REGISTRY[exercise_id].cases) + 15


def run(exercise_id: str, function, limit: float):
    """``lab.comprobar(exercise_id, function)``, failing the test if it takes over ``limit`` seconds
    (or the exercise's :func:`budget`, if larger): then the checker itself hung."""
    limit = max(limit, budget(exercise_id))
    box = {}

    def work():
        box["result"] = lab.comprobar(exercise_id, function)

    worker = threading.Thread(target=work, name=f"mutacion-{exercise_id}", daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"lab.comprobar({exercise_id!r}, {function.__name__}) no terminó en {limit} s"
    return box["result"]


def failed_text(result) -> str:
    """The messages and hints of the failed cases, one line each."""
    return "\n".join(f"{c.name}: {c.message} | {c.hint}" for c in result.cases if c.status in FAILED)


def assert_caught(exercise_id: str, function, words: tuple[str, ...], limit: float):
    """The wrong answer fails, the checker blames nothing of its own, and the report names the mistake."""
    result = run(exercise_id, function, limit)
    report = repr(result)
    assert not result, report
    assert result.status != "pendiente", report
    assert all(c.status != "error del corrector" for c in result.cases), report
    text = failed_text(result).lower()
    for word in words:
        assert word.lower() in text, f"{function.__name__}: falta {word!r} en\n{report}"
    return result


def assert_passes(exercise_id: str, function, limit: float):
    result = run(exercise_id, function, limit)
    assert result, repr(result)
    assert result.passed == result.total >= 4, repr(result)
    return result


def suite(exercise_ids: tuple[str, ...], right: list, wrong: list, limit: float) -> tuple:
    """The three tests of a notebook's mutation suite, to bind to module-level names.

    ``right``: ``(id, function)``; ``wrong``: ``(id, function, words of its hint or message)``.
    The suite itself is checked: every exercise has at least 4 cases, 6 wrong answers and the
    master's style plus 2 other right ones, and is "pendiente" for the student edition's stub.
    """

    @pytest.mark.parametrize(("exercise_id", "function"), right, ids=[f.__name__ for _, f in right])
    def test_right_answers_in_any_style_pass(exercise_id, function):
        assert_passes(exercise_id, function, limit)

    @pytest.mark.parametrize(("exercise_id", "function", "words"), wrong, ids=[f.__name__ for _, f, _ in wrong])
    def test_classic_mistakes_get_a_cross_and_the_hint_that_names_them(exercise_id, function, words):
        assert_caught(exercise_id, function, words, limit)

    def test_every_exercise_has_four_cases_six_mistakes_and_three_right_styles():
        from labsupport.exercises import _REGISTRY

        for exercise_id in exercise_ids:
            assert sum(e == exercise_id for e, _, _ in wrong) >= 6
            assert sum(e == exercise_id for e, _ in right) >= 3
            assert run(exercise_id, stub, limit).status == "pendiente"
            assert len(_REGISTRY[exercise_id].cases) >= 4

    return (
        test_right_answers_in_any_style_pass,
        test_classic_mistakes_get_a_cross_and_the_hint_that_names_them,
        test_every_exercise_has_four_cases_six_mistakes_and_three_right_styles,
    )
