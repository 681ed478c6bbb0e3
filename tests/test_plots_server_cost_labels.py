"""lab.plots.server_cost's value labels: at one x they keep the order of their values and never overlap."""

from __future__ import annotations

import importlib
import itertools
from typing import Any

import matplotlib.pyplot as plt
import pytest

from labsupport import plots
from labsupport.server_cost import Cost

module = importlib.import_module("labsupport.plots.server_cost")  # the package's name is the function

#: Close values as measured: at 10 clients 0.1 MiB (threads) and 0.0 (selectors), at 100 clients 1.4
#: and 0.0 (review08b); at 500 clients 0.038 ms and 0.041 ms (the latency points nearly touch).
THREADS = [Cost(10, 11, 0.1, 0.027), Cost(100, 101, 1.4, 0.026), Cost(500, 501, 9.4, 0.038)]
SELECTORS = [Cost(10, 1, 0.0, 0.041), Cost(100, 1, 0.0, 0.040), Cost(500, 1, 0.1, 0.041)]


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


def _label_heights(panel: Any) -> dict[float, list[tuple[float, float]]]:
    """{x: [(value, height of its label's baseline in points), ...]} from the panel's annotations."""
    to_points = 72.0 / panel.figure.dpi
    heights: dict[float, list[tuple[float, float]]] = {}
    for text in panel.texts:
        x, y = text.xy
        point = panel.transData.transform((x, y))[1] * to_points
        heights.setdefault(x, []).append((y, point + text.xyann[1]))
    return heights


def test_labels_at_one_x_are_in_the_order_of_their_values_and_apart() -> None:
    axes = plots.server_cost({"hilos": THREADS, "selectors": SELECTORS})
    for panel in axes:
        for x, labels in _label_heights(panel).items():
            ordered = sorted(labels)  # by value, the lower series first (ties: the same order)
            baselines = [height for _value, height in ordered]
            assert baselines == sorted(baselines), (panel.get_title(), x, labels)
            gaps = [b - a for a, b in itertools.pairwise(baselines)]
            assert all(gap >= module.LABEL_GAP - 1e-6 for gap in gaps), (panel.get_title(), x, labels)


def test_no_label_sits_on_a_point() -> None:
    """Each label is clear of its own point (above or below it) and of the other points at its x."""
    axes = plots.server_cost({"hilos": THREADS, "selectors": SELECTORS})
    for panel in axes:
        assert all(text.get_bbox_patch() is not None for text in panel.texts)  # a white ground over the lines
        for x, labels in _label_heights(panel).items():
            to_points = 72.0 / panel.figure.dpi
            points = [panel.transData.transform((x, value))[1] * to_points for value, _ in labels]
            for _value, baseline in labels:  # an 8-point label spans its baseline to about 7 points above it
                assert all(not (baseline - 4 < point < baseline + 10) for point in points), (panel.get_title(), x)
        assert all(text.xyann[1] >= module.LABEL_LIFT or text.xyann[1] <= -module.LABEL_DROP for text in panel.texts)
