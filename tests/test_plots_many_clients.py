"""lab.plots.many_clients: the plotted data (lines, labels, scales), never pixels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from labsupport import plots
from labsupport.concurrency import Point


def _point(clients: int, threads: int, memory: float, p50: float, p99: float) -> Point:
    return Point(clients, threads, memory, p50, p99, requests=2 * clients, intact=True)


THREADS = [_point(10, 11, 0.2, 0.4, 2.1), _point(100, 101, 2.7, 3.5, 6.6), _point(1000, 1001, 29.6, 41.8, 79.8)]
ASYNCIO = [_point(10, 1, 0.0, 0.8, 1.2), _point(100, 1, 0.0, 6.5, 12.0), _point(1000, 1, 4.7, 60.4, 120.7)]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _lines(panel) -> dict:
    return {line.get_gid(): (list(line.get_xdata()), list(line.get_ydata())) for line in panel.lines}


def test_threads_memory_and_both_percentiles_per_server():
    axes = plots.many_clients({"hilos": THREADS, "asyncio": ASYNCIO})
    assert len(axes) == 3
    xs = [10, 100, 1000]
    for attribute, panel in zip(("threads", "memory_mib"), axes[:2], strict=True):
        assert _lines(panel) == {
            f"{attribute}:hilos": (xs, [getattr(p, attribute) for p in THREADS]),
            f"{attribute}:asyncio": (xs, [getattr(p, attribute) for p in ASYNCIO]),
        }
    assert _lines(axes[2]) == {
        "p50_ms:hilos": (xs, [p.p50_ms for p in THREADS]),
        "p99_ms:hilos": (xs, [p.p99_ms for p in THREADS]),
        "p50_ms:asyncio": (xs, [p.p50_ms for p in ASYNCIO]),
        "p99_ms:asyncio": (xs, [p.p99_ms for p in ASYNCIO]),
    }
    styles = {line.get_gid(): line.get_linestyle() for line in axes[2].lines}
    assert styles["p50_ms:hilos"] == "-" and styles["p99_ms:hilos"] == "--"
    assert [p.get_xscale() for p in axes] == ["log"] * 3
    assert [p.get_yscale() for p in axes] == ["log", "linear", "log"]
    assert axes[1].get_ylim()[0] == 0  # memory from zero: 1 MiB must not look like a factor
    assert not any(ch.isdigit() for p in axes for ch in p.get_title())
    assert [t.get_text() for t in axes[0].texts] == ["11", "101", "1001", "1", "1", "1"]
    assert [t.get_text() for t in axes[1].texts] == ["0.2", "2.7", "29.6", "0.0", "0.0", "4.7"]
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["hilos", "asyncio"]


def test_draws_on_given_axes_and_checks_its_input():
    _fig, given = plt.subplots(1, 3)
    assert plots.many_clients({"hilos": THREADS}, ax=given) == list(given)
    with pytest.raises(ValueError, match="3 Axes"):
        plots.many_clients({"hilos": THREADS}, ax=given[:2])
    with pytest.raises(TypeError, match="diccionario"):
        plots.many_clients({"hilos": []})
    with pytest.raises(TypeError, match="diccionario"):
        plots.many_clients(THREADS)  # type: ignore[arg-type]
