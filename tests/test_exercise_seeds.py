"""Seeds and chaos cuts: the same ``semilla`` replays a run, another changes it, and a failure names it."""

from __future__ import annotations

import random

import pytest

from labsupport import LabError
from labsupport.exercises import Exercise, Fail, comprobar
from labsupport.exercises._cuts import BLANK_LINE, blank_line_cut, cut, seeded_slices
from labsupport.exercises._pacing.slicer import cut_points


def _drawing_exercise(seen: list[bytes]) -> Exercise:
    """One case that draws its data from ``ctx.rng`` and fails when the function returns False."""
    ex = Exercise("99.9", "Con datos al azar", "adivina")

    @ex.case("recibe datos al azar", hint="pista")
    def _(funcion, ctx):
        data = ctx.rng.randbytes(8)
        seen.append(data)
        if not funcion(data):
            raise Fail("no")

    return ex


def _fixed_exercise() -> Exercise:
    ex = Exercise("99.8", "Sin azar", "fija")

    @ex.case("recibe siempre lo mismo", hint="pista")
    def _(funcion, ctx):
        if not funcion(b"hola"):
            raise Fail("no")

    return ex


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    seen: list[bytes] = []
    ex = _drawing_exercise(seen)
    for seed in (0, 0, 7, 7):
        ex.run(lambda data: True, seed)
    assert seen[0] == seen[1] and seen[2] == seen[3] and seen[0] != seen[2]


def test_a_failed_case_that_drew_at_random_names_its_seed_and_how_to_replay_it():
    result = _drawing_exercise([]).run(lambda data: False, 7)
    text = repr(result)
    assert result.cases[0].seed == 7 and result.seed == 7
    assert "Semilla 7" in text and "lab.comprobar('99.9', adivina, semilla=7)" in text and "semilla=8" in text


def test_a_passed_case_or_one_without_randomness_shows_no_seed():
    assert "Semilla" not in repr(_drawing_exercise([]).run(lambda data: True, 3))
    failed = _fixed_exercise().run(lambda data: False, 3)
    assert not failed and failed.cases[0].seed is None and "Semilla" not in repr(failed)


@pytest.mark.parametrize("semilla", [-1, 1.5, "2", True, None])
def test_comprobar_refuses_a_seed_that_is_not_a_whole_number(semilla):
    with pytest.raises(LabError, match="semilla debe ser un número entero"):
        comprobar("1.1", lambda: None, semilla=semilla)


def test_seeded_slices_keep_every_byte_and_always_cut_the_blank_line_in_two():
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhola\n"
    for seed in range(50):
        pieces = seeded_slices(random.Random(seed), response, 7)
        assert b"".join(pieces) == response and all(pieces)
        assert not any(BLANK_LINE in p for p in pieces), pieces  # no fragment holds the whole blank line
        assert max(map(len, pieces)) <= 7 * 3 // 2 + 1


def test_seeded_slices_differ_between_seeds_and_repeat_with_one():
    data = bytes(range(200))
    assert seeded_slices(random.Random(1), data, 10) == seeded_slices(random.Random(1), data, 10)
    assert seeded_slices(random.Random(1), data, 10) != seeded_slices(random.Random(2), data, 10)
    assert seeded_slices(random.Random(1), b"", 10) == [b""]


def test_the_slicer_in_chaos_mode_cuts_the_blank_line_and_repeats_its_cuts_for_one_seed():
    chunk = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhola\n"
    points = cut_points(chunk, 5, seed=1234)
    assert points == cut_points(chunk, 5, seed=1234)
    assert blank_line_cut(chunk)[0] in points and 1 <= points[0] <= 9
    assert not any(BLANK_LINE in p for p in cut(chunk, points))
    assert cut_points(chunk, 5) == [5, chunk.index(BLANK_LINE) + 6]  # without a seed, as before
