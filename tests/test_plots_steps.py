"""lab.plots.client_steps: assert on what is plotted (marks, lanes, labels, the timeout line), never pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from labsupport import plots
from labsupport.plots._style import COLORS
from labsupport.plots.steps import step_marks

RUNS = {
    "eco": [("connect()", 0.001, "bien"), ("sendall()", 0.0005, "bien"), ("recv()", 0.002, "bien")],
    "cerrado": [("connect()", 0.0008, "ConnectionRefusedError")],
    "nunca_acepta": [("connect()", 0.25, "TimeoutError")],
    "mudo": [("connect()", 0.001, "bien"), ("sendall()", 0.001, "bien"), ("recv()", 0.25, "TimeoutError")],
}


@pytest.fixture(autouse=True)
def _close_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def marks(ax, marker: str) -> list[tuple[float, float]]:
    """(x, row) of every point drawn with ``marker``."""
    return [
        (round(float(x), 6), float(y))
        for line in ax.lines
        if line.get_marker() == marker
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True)
    ]


def test_step_marks_are_the_running_sum_of_the_steps():
    assert [(round(t, 6), ok) for t, ok in step_marks(RUNS["mudo"])] == [(0.001, True), (0.002, True), (0.252, False)]


def test_one_row_per_server_with_a_mark_at_the_end_of_each_step(tmp_path):
    ax = plots.client_steps(RUNS, timeout=0.25)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(RUNS)
    assert marks(ax, "o") == [(0.001, 0.0), (0.0015, 0.0), (0.0035, 0.0), (0.001, 3.0), (0.002, 3.0)]
    assert marks(ax, "x") == [(0.0008, 1.0), (0.25, 2.0), (0.252, 3.0)]
    ok_colour = {to_hex(line.get_color()) for line in ax.lines if line.get_marker() == "o"}
    fail_colour = {to_hex(line.get_color()) for line in ax.lines if line.get_marker() == "x"}
    assert ok_colour == {COLORS["ok"]} and fail_colour == {COLORS["fail"]}
    lanes = [line for line in ax.lines if line.get_linestyle() == "-" and line.get_marker() in ("None", "")]
    assert [(tuple(line.get_xdata()), line.get_ydata()[0]) for line in lanes] == [
        ((0.0, pytest.approx(0.0035)), 0),
        ((0.0, 0.0008), 1),
        ((0.0, 0.25), 2),
        ((0.0, pytest.approx(0.252)), 3),
    ]
    labels = [t.get_text() for t in ax.texts]
    assert labels == [
        "recv() bien",
        "connect() ConnectionRefusedError",
        "connect() TimeoutError",
        "recv() TimeoutError",
        " timeout",
    ]
    timeout_lines = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [tuple(line.get_xdata()) for line in timeout_lines] == [(0.25, 0.25)]
    assert ax.get_xlim()[1] > 0.252  # room for the labels on the right
    assert ax.get_title() == "Dónde y cuándo se detiene el cliente"  # no numbers in the title
    path = tmp_path / "steps.png"
    ax.figure.savefig(path, dpi=50)
    assert path.stat().st_size > 1000


def test_without_timeout_there_is_no_dashed_line_and_it_draws_on_a_given_axes():
    _fig, given = plt.subplots()
    ax = plots.client_steps({"eco": RUNS["eco"]}, ax=given)
    assert ax is given
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [t.get_text() for t in ax.texts] == ["recv() bien"]


def test_bad_input_gets_a_spanish_message():
    with pytest.raises(TypeError, match="espera un diccionario"):
        plots.client_steps([("connect()", 0.1, "bien")])
    with pytest.raises(TypeError, match="tupla"):
        plots.client_steps({"eco": ["connect()"]})
    with pytest.raises(TypeError, match="número ≥ 0"):
        plots.client_steps({"eco": [("connect()", -1, "bien")]})
