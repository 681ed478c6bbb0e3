"""lab.plots.ping_rtts and lab.plots.goodput: assert on what is plotted (bars, crosses, lines, labels), never pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from labsupport import plots

RTTS = [0.002, None, 0.004, 0.001, None]


@pytest.fixture(autouse=True)
def _close_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_one_bar_per_answered_ping_in_milliseconds_and_a_cross_per_lost_one():
    ax = plots.ping_rtts(RTTS, timeout=0.25)
    bars = [(round(p.get_x() + p.get_width() / 2, 6), round(p.get_height(), 6)) for p in ax.patches]
    assert bars == [(1.0, 2.0), (3.0, 4.0), (4.0, 1.0)]
    crosses = [line for line in ax.lines if line.get_marker() == "x"]
    assert [list(line.get_xdata()) for line in crosses] == [[2, 5]]
    timeout_line = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [list(line.get_ydata()) for line in timeout_line] == [[250.0, 250.0]]
    assert "perdidos: 2 de 5" in texts(ax)
    assert "mín 1.00 ms · media 2.33 ms · máx 4.00 ms" in texts(ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4", "5"]


def test_no_number_in_the_title_and_the_axes_given_is_used():
    _fig, ax = plt.subplots()
    assert plots.ping_rtts([None, None], ax=ax) is ax
    assert not any(ch.isdigit() for ch in ax.get_title())
    assert "perdidos: 2 de 2" in texts(ax)
    assert not any(t.startswith("mín") for t in texts(ax))  # nothing answered: no summary


def test_ping_rtts_refuses_something_that_is_not_a_list():
    with pytest.raises(TypeError, match="lista"):
        plots.ping_rtts(0.5)


def test_goodput_draws_rate_against_loss_in_percent_with_retransmission_bars():
    ax = plots.goodput([0.0, 0.1, 0.3], [90.0, 15.0, 4.0], retransmissions=[0, 3, 10])
    (line,) = [line for line in ax.lines if line.get_marker() == "o"]
    assert list(line.get_xdata()) == [0.0, 10.0, 30.0]
    assert list(line.get_ydata()) == [90.0, 15.0, 4.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0 %", "10 %", "30 %"]
    assert ax.get_yscale() == "log"
    (twin,) = [other for other in ax.figure.axes if other is not ax]
    assert [round(p.get_height()) for p in twin.patches] == [0, 3, 10]
    assert not any(ch.isdigit() for ch in ax.get_title())


def test_goodput_linear_and_mismatched_lengths():
    ax = plots.goodput([0.0, 0.5], [10.0, 1.0], log=False)
    assert ax.get_yscale() == "linear" and len(ax.figure.axes) == 1
    with pytest.raises(ValueError, match="una pérdida, un ritmo"):
        plots.goodput([0.0, 0.5], [10.0])
