"""The sequence diagram of a relay's recording marks each toxic where it acted (on the plotted data)."""

from __future__ import annotations

import socket

import matplotlib.pyplot as plt
import pytest
from conftest import PATIENT
from matplotlib.colors import to_hex

import labsupport as lab
from labsupport import plots
from labsupport.plots.sequence import TOXIC_COLOR


@pytest.fixture(autouse=True)
def _close_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def marks(ax) -> dict[int, tuple[float, float]]:
    """row -> (x, y) of each toxic's cross."""
    out = {}
    for line in ax.lines:
        gid = line.get_gid() or ""
        if gid.startswith("toxico-marca:"):
            (x,), (y,) = line.get_xdata(), line.get_ydata()
            out[int(gid.split(":")[1])] = (float(x), float(y))
            assert to_hex(line.get_color()) == TOXIC_COLOR
    return out


def notes(ax) -> dict[int, str]:
    """row -> the text written under it about the toxic."""
    return {int(t.get_gid().split(":")[1]): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("toxico:")}


def test_each_toxic_is_marked_on_the_event_it_acted_on(tmp_path):
    with lab.EchoServer() as eco, lab.Relay(eco) as relay:
        relay.add("latency", "ida", latency=0.05)
        relay.add("limit_data", "vuelta", bytes=4)
        with socket.create_connection(relay.address, timeout=PATIENT) as c:
            c.sendall(b"hola")
            assert c.recv(100) == b"Echo"
        assert relay.wait_closed()
        ax = plots.sequence(relay)
    # rows: 1 connection, 2 the request (delayed), 3 the answer (cut), 4 the relay's FIN to both ends
    assert marks(ax) == {2: (0.0, 2.0), 3: (1.0, 3.0), 4: (0.5, 4.0)}
    assert notes(ax)[2] == "latency_ida: retrasado 50 ms"
    assert notes(ax)[3] == "limit_data_vuelta: pasan 4 de 10 bytes; luego cierra"
    assert notes(ax)[4].startswith("limit_data_vuelta: el proxy cierra (FIN)")
    path = tmp_path / "relay.png"
    ax.figure.savefig(path, dpi=50)
    assert path.stat().st_size > 1000


def test_a_plain_tap_gets_no_toxic_marks():
    with lab.EchoServer() as eco, lab.Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola")
            assert c.recv(100) == b"Echo: hola"
        assert tap.wait_closed()
        ax = plots.sequence(tap)
    assert marks(ax) == {} and notes(ax) == {}
