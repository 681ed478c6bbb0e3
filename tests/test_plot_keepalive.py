"""lab.plots.keep_alive: asserts on the plotted data (bar heights, labels), never on pixels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from test_plots import _close_figures  # noqa: F401  (autouse: every figure a test opens is closed)

from labsupport import plots


def test_bars_are_the_medians_in_milliseconds_with_their_connections():
    ax = plots.keep_alive([0.001, 0.002, 0.1], [0.004, 0.005, 0.006, 0.5], connections=(1, 4))
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([2.0, 5.5])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["keep-alive\n(1 conexión)", "Connection: close\n(4 conexiones)"]
    assert [t.get_text() for t in ax.texts] == ["2.00 ms", "5.50 ms"]
    assert not any(ch.isdigit() for ch in ax.get_title())


def test_draws_on_the_axes_it_is_given_and_without_connection_counts():
    _fig, ax = plt.subplots()
    assert plots.keep_alive([0.01], [0.02], ax=ax) is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == ["keep-alive", "Connection: close"]


@pytest.mark.parametrize(("ka", "close"), [([], [0.1]), ([0.1], ["x"]), ([-1.0], [0.1])])
def test_bad_times_get_a_spanish_message(ka, close):
    with pytest.raises(ValueError, match=r"tiempos|segundos"):
        plots.keep_alive(ka, close)
