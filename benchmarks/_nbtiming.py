"""pytest plugin: each nbval cell's setup / call / teardown time, written to a JSON file.

Loaded with ``-p benchmarks._nbtiming --tiempos-salida FILE`` next to nbval's own flags. nbval
starts a notebook's kernel in the setup of its first cell and stops it in the teardown of its
last, so the three phases of a notebook's items add up to the notebook's whole cost, and the
first setup alone is the kernel start. Each cell's CPU time in the kernel process is read
from /proc around its call (Linux): a slow cell with little CPU is waiting (a timeout, a
sleep), one with as much CPU as wall time is computing.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

#: Keyed by the item's id(): a notebook outside pytest's rootdir gets a node id of just "::Cell N".
_cells: dict[int, dict] = {}
_started = [0.0]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--tiempos-salida", default=None, help="JSON con el tiempo de cada celda (benchmarks)")


def pytest_sessionstart(session: pytest.Session) -> None:
    _started[0] = time.perf_counter()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for order, item in enumerate(items):
        cell = getattr(item, "cell", None)
        source = cell.source if cell is not None else ""
        first = next((line for line in source.splitlines() if line.strip()), "")
        _cells[id(item)] = {
            "orden": order,
            "cuaderno": Path(str(item.fspath)).name,
            "celda": item.name,
            "primera_linea": first[:80],
            "setup": 0.0,
            "call": 0.0,
            "teardown": 0.0,
            "cpu_nucleo": None,
            "resultado": "",
        }


def _kernel_cpu(item: pytest.Item) -> float | None:
    """User + system seconds of the notebook's kernel process so far (None off Linux)."""
    km = getattr(getattr(item.parent, "kernel", None), "km", None)
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    before = _kernel_cpu(item)
    yield
    after = _kernel_cpu(item)
    entry = _cells.get(id(item))
    if entry is not None and before is not None and after is not None:
        entry["cpu_nucleo"] = round(after - before, 3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = (yield).get_result()
    entry = _cells.get(id(item))
    if entry is None:
        return
    entry[report.when] = round(report.duration, 6)
    if (report.when == "call" or report.outcome == "failed") and entry["resultado"] != "failed":
        entry["resultado"] = report.outcome


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = session.config.getoption("--tiempos-salida")
    if not out:
        return
    cells = sorted(_cells.values(), key=lambda c: c["orden"])
    data = {"segundos_sesion": round(time.perf_counter() - _started[0], 3), "celdas": cells}
    Path(out).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
