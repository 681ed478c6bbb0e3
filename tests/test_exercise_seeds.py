"""Seeds and chaos cuts: the same ``semilla`` replays a run, another changes it, and a failure names it."""

from __future__ import annotations

import random
import socket

import pytest

import labsupport as lab
from labsupport import LabError, exercises
from labsupport.exercises import Exercise, Fail, comprobar
from labsupport.exercises._cuts import BLANK_LINE, answer_rng, seeded_slices
from labsupport.exercises._pacing import Slicer
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
    assert result.cases[0].seed == 7
    assert "Semilla 7" in text and "lab.comprobar('99.9', adivina, semilla=7)" in text and "semilla=8" in text


def test_a_passed_case_or_one_without_randomness_shows_no_seed():
    assert "Semilla" not in repr(_drawing_exercise([]).run(lambda data: True, 3))
    failed = _fixed_exercise().run(lambda data: False, 3)
    assert not failed and failed.cases[0].seed is None and "Semilla" not in repr(failed)


@pytest.mark.parametrize("semilla", [-1, 1.5, "2", True, None])
def test_comprobar_refuses_a_seed_that_is_not_a_whole_number(semilla):
    with pytest.raises(LabError, match="semilla debe ser un número entero"):
        comprobar("1.1", lambda: None, semilla=semilla)


def test_seeded_slices_keep_every_byte_and_never_split_the_blank_line():
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhola\n"
    for seed in range(50):
        pieces = seeded_slices(random.Random(seed), response, 7)
        assert b"".join(pieces) == response and all(pieces)
        assert any(BLANK_LINE in p for p in pieces), pieces  # a bug of its own, with its own case (6.3)
        assert max(map(len, pieces)) <= 7 * 3 // 2 + len(BLANK_LINE)


def test_seeded_slices_differ_between_seeds_and_repeat_with_one():
    data = bytes(range(200))
    assert seeded_slices(random.Random(1), data, 10) == seeded_slices(random.Random(1), data, 10)
    assert seeded_slices(random.Random(1), data, 10) != seeded_slices(random.Random(2), data, 10)
    assert seeded_slices(random.Random(1), b"", 10) == [b""]


def test_the_slicer_draws_an_answers_cuts_by_its_position_not_its_bytes():
    """Two answers that differ (a Date: header a second later) are cut the same with one seed."""
    first = b"HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 23:59:59 GMT\r\n\r\nhola\n"
    later = first.replace(b"59:59", b"00:00")
    assert cut_points(first, 5, answer_rng(7, 0, 0)) == cut_points(later, 5, answer_rng(7, 0, 0))
    seen = {cut_points(first, 5, answer_rng(seed, 0, 0))[0] for seed in range(40)}
    assert len(seen) > 3 and all(1 <= c <= 9 for c in seen)
    assert cut_points(first, 5) == [5, first.index(BLANK_LINE) + 6]  # without chaos mode, as before


def _first_piece_through_a_slicer(seed: int) -> int:
    """The size of the first recv() through a chaos Slicer in front of a real HttpServer."""
    with lab.HttpServer() as server, Slicer(server, rng=random.Random(seed)) as slicer:
        with socket.create_connection(slicer.address, timeout=10) as sock:
            sock.sendall(b"GET /get HTTP/1.1\r\nHost: x\r\n\r\n")
            return len(sock.recv(65536))  # paced: one piece per recv


def test_the_same_seed_replays_the_slicers_cuts_against_a_real_server():
    sizes = [_first_piece_through_a_slicer(seed) for seed in (3, 3, 3)]
    assert len(set(sizes)) == 1 and 1 <= sizes[0] <= 9, sizes


def test_under_corregir_the_seed_is_always_zero(monkeypatch, tmp_path):
    """A grade never depends on a seed the student picked."""
    monkeypatch.setenv("LABSUPPORT_RESULTADOS", str(tmp_path / "r.jsonl"))
    seen: list[bytes] = []
    ex = _drawing_exercise(seen)
    monkeypatch.setitem(exercises._REGISTRY, ex.id, ex)
    comprobar(ex.id, lambda data: True, semilla=5)
    ex.run(lambda data: True, 0)
    assert seen[0] == seen[1]
