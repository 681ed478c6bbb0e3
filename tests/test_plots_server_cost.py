"""lab.plots.server_cost: the plotted data (lines, labels, scales), never pixels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from labsupport import plots
from labsupport.server_cost import Cost

THREADS = [Cost(10, 11, 0.2, 0.031), Cost(100, 101, 2.0, 0.03), Cost(500, 501, 9.5, 0.029)]
SELECTORS = [Cost(10, 1, 0.0, 0.07), Cost(100, 1, 0.0, 0.05), Cost(500, 1, 0.1, 0.06)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_three_panels_one_line_per_server():
    axes = plots.server_cost({"hilos": THREADS, "selectors": SELECTORS})
    assert len(axes) == 3
    for attribute, panel in zip(("threads", "memory_mib", "min_ms"), axes, strict=True):
        lines = {line.get_gid(): (list(line.get_xdata()), list(line.get_ydata())) for line in panel.lines}
        assert lines == {
            f"{attribute}:hilos": ([10, 100, 500], [getattr(c, attribute) for c in THREADS]),
            f"{attribute}:selectors": ([10, 100, 500], [getattr(c, attribute) for c in SELECTORS]),
        }
        assert panel.get_xscale() == "log"
        assert not any(ch.isdigit() for ch in panel.get_title())
    assert axes[0].get_yscale() == "log" and axes[1].get_yscale() == "linear"
    assert axes[1].get_ylim()[0] == 0 and axes[2].get_ylim()[0] == 0  # no magnified micro-differences
    assert [t.get_text() for t in axes[0].texts] == ["11", "101", "501", "1", "1", "1"]
    assert [t.get_text() for t in axes[1].texts][:3] == ["0.2", "2.0", "9.5"]
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["hilos", "selectors"]


def test_draws_on_given_axes_and_checks_its_input():
    _fig, given = plt.subplots(1, 3)
    assert list(plots.server_cost({"a": THREADS}, ax=given)) == list(given)
    with pytest.raises(ValueError, match="3 Axes"):
        plots.server_cost({"a": THREADS}, ax=given[:2])
    for bad in ([], {}, {"a": []}):
        with pytest.raises(TypeError, match="diccionario"):
            plots.server_cost(bad)
