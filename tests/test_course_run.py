"""benchmarks.course_run's bookkeeping around the runs: the median of repeated pairs, the load."""

from __future__ import annotations

import sys

import pytest

from benchmarks import course_run


def _fake_run(ratios: list[float]):
    calls = iter(ratios)

    def run(notebooks, slowest):
        ratio = next(calls)
        return {
            "fecha": f"run {ratio}",
            "carga_media_1min": {"antes_del_suelo": 1.0, "antes_del_curso": 1.5, "despues": 2.0},
            "razon_total": ratio,
            "curso": {"segundos": 10 * ratio},
            "suelo": {"segundos": 10.0},
        }

    return run


def test_repeated_pairs_report_the_one_with_the_median_ratio_and_summarise_all(monkeypatch):
    monkeypatch.setattr(course_run, "run", _fake_run([3.0, 1.5, 2.5]))
    chosen = course_run.repeated(None, 3, 3)
    assert chosen["razon_total"] == 2.5
    assert [r["razon_total"] for r in chosen["repeticiones"]] == [3.0, 1.5, 2.5]
    assert chosen["repeticiones"][1] == {
        "fecha": "run 1.5",
        "carga_media_1min": {"antes_del_suelo": 1.0, "antes_del_curso": 1.5, "despues": 2.0},
        "razon_total": 1.5,
        "curso_s": 15.0,
        "suelo_s": 10.0,
    }


def test_an_even_number_of_pairs_reports_the_lower_middle_one(monkeypatch):
    monkeypatch.setattr(course_run, "run", _fake_run([4.0, 1.0, 3.0, 2.0]))
    assert course_run.repeated(None, 3, 4)["razon_total"] == 2.0


def test_the_load_average_is_a_number_on_linux():
    load = course_run.load_average()
    if sys.platform.startswith("linux"):
        assert isinstance(load, float) and load >= 0
    else:
        assert load is None or load >= 0


def test_zero_pairs_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        course_run.main(["--veces", "0"])
    assert exit_.value.code == 2
    assert "--veces" in capsys.readouterr().err
