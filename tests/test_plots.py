"""The course's figures: assert on what is plotted (artists, coordinates, texts), never on pixels."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import COMMAND_LIMIT, PATIENT
from matplotlib.colors import to_hex

import labsupport as lab
from labsupport import plots
from labsupport._server import StreamServer
from labsupport.events import EventKind
from labsupport.plots._style import COLORS
from labsupport.plots.sequence import STATES_NOTE
from labsupport.tap import TO_CLIENT, TO_SERVER, SideStates, TapEvent


@pytest.fixture(autouse=True)
def _close_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def arrows(ax) -> list[tuple[tuple[float, float], tuple[float, float], str]]:
    """(start, end, colour) of each arrow drawn with annotate."""
    out = []
    for t in ax.texts:
        if isinstance(t, matplotlib.text.Annotation) and t.arrow_patch is not None:
            out.append((tuple(t.xyann), tuple(t.xy), to_hex(t.arrow_patch.get_edgecolor())))
    return out


def render(ax, tmp_path, name: str) -> None:
    """Draw for real (text layout errors only appear at draw time) and check a PNG came out."""
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=50)
    assert path.stat().st_size > 1000


class SendThenReset(StreamServer):
    def handle(self, conn, addr):
        conn.recv(100)
        conn.sendall(b"parcial")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


# -- sequence -----------------------------------------------------------------------------
def test_sequence_of_a_real_echo_exchange(tmp_path):
    with lab.EchoServer() as eco, lab.Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola\r\n")
            c.recv(100)
        assert tap.wait_closed()
        ax = plots.sequence(tap)
    assert texts(ax)[:2] == ["cliente", "servidor"]
    labels = texts(ax)[2:]
    assert labels == ["", "conexión", "", "6 B  hola\\r\\n", "", "12 B  Echo: hola\\r\\n", "", "FIN", "", "FIN"]
    blue, green, orange, grey = (COLORS[k] for k in ("cliente→servidor", "servidor→cliente", "fin", "connect"))
    assert arrows(ax) == [
        ((0.0, 1), (1.0, 1), grey),
        ((0.0, 2), (1.0, 2), blue),
        ((1.0, 3), (0.0, 3), green),
        ((0.0, 4), (1.0, 4), orange),
        ((1.0, 5), (0.0, 5), orange),
    ]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # time goes down
    render(ax, tmp_path, "sequence")


def test_sequence_marks_a_reset_in_red():
    with SendThenReset() as srv, lab.Tap(srv) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola")
            with pytest.raises(ConnectionResetError):
                for _ in range(10):
                    assert c.recv(100)
        assert tap.wait_closed()
        ax = plots.sequence(tap, show_close=True)
    assert arrows(ax)[-1] == ((1.0, 4), (0.0, 4), COLORS["reset"])
    assert "RST" in texts(ax) and "cierre: por RST" in texts(ax)


def test_sequence_limits_events_and_numbers_connections():
    events = [TapEvent(0.0, c, EventKind.CONNECT, TO_SERVER) for c in (1, 2)]
    events += [TapEvent(0.1 * i, 1 + i % 2, EventKind.DATA, TO_CLIENT, 3, b"abc") for i in range(10)]
    ax = plots.sequence(events, limit=5)
    assert len(arrows(ax)) == 5
    assert "… y 7 eventos más" in texts(ax)
    assert "#1 conexión" in texts(ax) and "#2 3 B  abc" in texts(ax)


def test_sequence_excerpt_is_cut_by_characters_not_bytes():
    ax = plots.sequence([TapEvent(0.0, 1, EventKind.DATA, TO_SERVER, 100, bytes(range(128, 228)))], excerpt=12)
    label = next(t for t in texts(ax) if t.startswith("100 B"))
    assert label == "100 B  \\x80\\x81\\x82…"


def test_sequence_of_nothing_says_so():
    assert "(no hay eventos grabados)" in texts(plots.sequence([]))


def state_labels(ax) -> list[tuple[str, str]]:
    """(gid, text) of the TCP-state labels on the lifelines."""
    return [(t.get_gid(), t.get_text()) for t in ax.texts if (t.get_gid() or "").startswith("estado:")]


def test_sequence_writes_each_sides_state_where_it_changes():
    est = SideStates("ESTABLISHED", "ESTABLISHED")
    events = [
        TapEvent(0.0, 1, EventKind.CONNECT, TO_SERVER, states=est),
        TapEvent(0.1, 1, EventKind.DATA, TO_SERVER, 1, b"x", states=est),
        TapEvent(0.2, 1, EventKind.FIN, TO_SERVER, states=SideStates("FIN_WAIT_2", "CLOSE_WAIT")),
        TapEvent(0.3, 1, EventKind.DATA, TO_CLIENT, 1, b"y"),  # no reading: no label
        TapEvent(0.4, 1, EventKind.FIN, TO_CLIENT, states=SideStates("TIME_WAIT", None)),  # unknown: none
    ]
    ax = plots.sequence(events)
    assert state_labels(ax) == [
        ("estado:client:1", "ESTABLISHED"),
        ("estado:server:1", "ESTABLISHED"),
        ("estado:client:3", "FIN_WAIT_2"),
        ("estado:server:3", "CLOSE_WAIT"),
        ("estado:client:5", "TIME_WAIT"),
    ]
    client = next(t for t in ax.texts if t.get_gid() == "estado:client:1")
    server = next(t for t in ax.texts if t.get_gid() == "estado:server:1")
    assert client.get_position()[0] < 0.0 < 1.0 < server.get_position()[0]  # beside each lifeline
    assert STATES_NOTE in texts(ax)


def test_sequence_without_states_draws_none():
    ax = plots.sequence([TapEvent(0.0, 1, EventKind.CONNECT, TO_SERVER)])
    assert state_labels(ax) == [] and STATES_NOTE not in texts(ax)


@pytest.mark.skipif(not lab.sockstate.tcpinfo.supported(), reason="this system cannot read TCP states")
def test_sequence_of_a_real_echo_exchange_with_states(tmp_path):
    with lab.EchoServer() as eco, lab.Tap(eco, states=True) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola\r\n")
            c.recv(100)
        assert tap.wait_closed()
        ax = plots.sequence(tap)
    labels = state_labels(ax)
    client = [text for gid, text in labels if gid.startswith("estado:client:")]
    server = [text for gid, text in labels if gid.startswith("estado:server:")]
    # how far the other side got before each reading varies; where both ends finish does not
    assert client[0] == server[0] == "ESTABLISHED"
    assert client[-1] == "TIME_WAIT" and server[-1] == "CLOSED"  # the tap passed the client's close on first
    render(ax, tmp_path, "sequence-states")


# -- chunk sizes --------------------------------------------------------------------------
def test_chunk_sizes_by_index_with_the_recv_ceiling(tmp_path):
    sizes = [4096, 4096, 1500, 4096, 812]
    ax = plots.chunk_sizes(sizes, bufsize=4096)
    bars = ax.patches
    assert [b.get_height() for b in bars] == sizes
    assert [b.get_x() + b.get_width() / 2 for b in bars] == [1, 2, 3, 4, 5]
    assert [line.get_ydata()[0] for line in ax.lines] == [4096]
    assert "máximo pedido: recv(4096)" in texts(ax)
    assert "5 fragmentos, 14.3 KiB en total" in texts(ax)
    assert ax.get_xlabel() == "número de llamada a recv()"
    assert ax.get_title() == "Cuántos bytes devolvió cada recv()"
    render(ax, tmp_path, "chunks")


def test_chunk_sizes_accepts_bytes_pairs_and_a_tap():
    assert [b.get_height() for b in plots.chunk_sizes([b"ab", b"cde"]).patches] == [2, 3]
    ax = plots.chunk_sizes([(0.001, 10), (0.003, 20)])
    assert ax.get_xlabel() == "tiempo desde el inicio (ms)"
    segments = ax.collections[0].get_segments()
    assert [tuple(s[1]) for s in segments] == [(1.0, 10.0), (3.0, 20.0)]
    assert plots.chunk_sizes([(0.001, 10)], x="index").get_xlabel() == "número de llamada a recv()"
    with lab.EchoServer() as eco, lab.Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola")
            c.recv(100)
        assert tap.wait_closed()
        ax = plots.chunk_sizes(tap, x="index")
        assert [b.get_height() for b in ax.patches] == [10]
        assert [b.get_height() for b in plots.chunk_sizes(tap, x="index", direction=TO_SERVER).patches] == [4]


def test_chunk_sizes_rejects_bad_input_in_spanish():
    with pytest.raises(TypeError, match="espera tamaños"):
        plots.chunk_sizes(["hola"])
    with pytest.raises(ValueError, match="no traen tiempos"):
        plots.chunk_sizes([1, 2], x="time")


# -- attempts -----------------------------------------------------------------------------
def test_attempts_timeline(tmp_path):
    timelines = {
        "espera fija": [(0, False), (1, False), (2, True)],
        "backoff": [(0, False), (0.5, False), (1.5, False), (3.5, True)],
    }
    ax = plots.attempts(timelines)
    marks = [line for line in ax.lines if line.get_marker() in ("x", "o")]
    fails = [(list(m.get_xdata()), list(m.get_ydata())) for m in marks if m.get_marker() == "x"]
    oks = [(list(m.get_xdata()), list(m.get_ydata())) for m in marks if m.get_marker() == "o"]
    assert fails == [([0.0, 1.0], [0, 0]), ([0.0, 0.5, 1.5], [1, 1, 1])]
    assert oks == [([2.0], [0]), ([3.5], [1])]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["espera fija", "backoff"]
    assert texts(ax) == ["1 s", "1 s", "0.5 s", "1 s", "2 s"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["falló", "conectó"]
    render(ax, tmp_path, "attempts")


def test_attempts_needs_a_dict():
    with pytest.raises(TypeError, match="diccionario"):
        plots.attempts([(0, True)])


# -- latency ------------------------------------------------------------------------------
def test_percentile_matches_numpy():
    rng = np.random.default_rng(7)
    samples = list(rng.exponential(2.0, 257))
    for q in (0, 1, 50, 90, 99, 100):
        assert plots.percentile(samples, q) == pytest.approx(np.percentile(samples, q))
    with pytest.raises(ValueError, match="vacía"):
        plots.percentile([], 50)


def test_latency_histogram_with_percentile_lines(tmp_path):
    keep = [1.0] * 90 + [5.0] * 10
    close = [2.0] * 50 + [3.0] * 50
    ax = plots.latency({"keep-alive": keep, "close": close}, bins=10)
    assert len(ax.patches) == 20
    assert sum(p.get_height() for p in ax.patches) == 200
    lines = {line.get_gid(): line.get_xdata()[0] for line in ax.lines}
    assert lines == {
        "p50:keep-alive": 1.0,
        "p99:keep-alive": pytest.approx(plots.percentile(keep, 99)),
        "p50:close": 2.5,
        "p99:close": 3.0,
    }
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "keep-alive (100): p50 = 1.00 ms, p99 = 5.00 ms",
        "close (100): p50 = 2.50 ms, p99 = 3.00 ms",
    ]
    assert texts(ax).count(" p50") == 2
    render(ax, tmp_path, "latency")


def test_latency_of_a_plain_list_and_of_nothing():
    ax = plots.latency([3.0, 3.0, 3.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["peticiones (3): p50 = 3.00 ms, p99 = 3.00 ms"]
    with pytest.raises(ValueError, match="Faltan muestras"):
        plots.latency({"a": []})


# -- concat -------------------------------------------------------------------------------
def test_measure_concat_is_bounded_and_builds_the_same_bytes():
    sizes, results = plots.measure_concat((4096, 8192, 10_000), chunk=1000, repeat=1)
    assert sizes == [4096, 8192, 10_000]
    assert list(results) == ["respuesta += datos", "bytearray", 'b"".join(partes)']
    assert all(len(v) == 3 and all(s >= 0 for s in v) for v in results.values())
    sizes, results = plots.measure_concat((1024, 2048, 4096), budget=0.0)
    assert sizes == [1024] and all(len(v) == 1 for v in results.values())
    with pytest.raises(ValueError, match="entre 1 byte y 16 MiB"):
        plots.measure_concat((64 * 1024 * 1024,))


def test_concat_cost_plots_one_line_per_method_on_log_axes(tmp_path):
    sizes = [1024, 4096, 16384]
    results = {"respuesta += datos": [1e-5, 1e-4, 1e-2], "bytearray": [1e-5, 4e-5, 1.6e-4], "join": [0, 1e-5, 4e-5]}
    ax = plots.concat_cost(sizes, results)
    assert [line.get_label() for line in ax.lines] == list(results)
    assert list(ax.lines[0].get_ydata()) == [1e-5, 1e-4, 1e-2]
    assert min(ax.lines[2].get_ydata()) > 0  # 0 s cannot sit on a log axis
    assert list(ax.lines[1].get_xdata()) == sizes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1 KiB", "4 KiB", "16 KiB"]
    render(ax, tmp_path, "concat")
    with pytest.raises(ValueError, match="2 tiempos para 3 tamaños"):
        plots.concat_cost(sizes, {"x": [1, 2]})


# -- backlog ------------------------------------------------------------------------------
def test_backlog_bars(tmp_path):
    ax = plots.backlog({5: 6, 0: 1, 1: 2})
    assert [b.get_height() for b in ax.patches] == [1, 2, 6]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["listen(0)", "listen(1)", "listen(5)"]
    assert texts(ax) == ["1", "2", "6"]
    assert "cola sin accept()" in ax.get_title()  # the kernel queued them: nobody accepted them
    render(ax, tmp_path, "backlog")
    with pytest.raises(TypeError, match="diccionario"):
        plots.backlog({})


# -- anatomy ------------------------------------------------------------------------------
GOOD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhola\n"
GUIDE = b"""HTTP/1.1 200 OK
Content-Type: application/json
Content-Length: 25
Server: nginx/1.18.0

{"message": "Hello World"}"""


def test_split_response_keeps_offsets():
    info = plots.split_response(GOOD)
    assert [(p.kind, p.start, p.end) for p in info.parts] == [
        ("status", 0, 17),
        ("header", 17, 43),
        ("header", 43, 62),
        ("blank", 62, 64),
        ("body", 64, 69),
    ]
    assert all(GOOD[p.start : p.end] == p.data for p in info.parts)
    assert info.separator == b"\r\n\r\n" and info.problems == []


def test_split_response_finds_the_guides_errata():
    info = plots.split_response(GUIDE)
    assert info.separator == b"\n\n"
    assert info.of("body")[0].data == b'{"message": "Hello World"}'
    assert info.problems == [
        "Hay líneas que terminan en \\n sin \\r: HTTP exige \\r\\n.",
        "Content-Length dice 25 bytes, pero el cuerpo tiene 26.",
    ]
    assert plots.split_response(b"HTTP/1.1 200 OK").problems == [
        "No hay línea en blanco: no se sabe dónde terminan las cabeceras."
    ]
    with pytest.raises(TypeError, match="en bytes"):
        plots.split_response("HTTP/1.1 200 OK\r\n\r\n")


def test_anatomy_draws_each_part_with_its_offset(tmp_path):
    ax = plots.anatomy(GOOD)
    assert [p.get_gid() for p in ax.patches] == ["status", "header", "header", "blank", "body"]
    shown = texts(ax)
    for offset, line in [("0", "HTTP/1.1 200 OK\\r\\n"), ("17", "Content-Type: text/plain\\r\\n"), ("62", "\\r\\n")]:
        assert shown[shown.index(line) - 1] == offset
    assert "hola\\n" in shown
    assert {"línea de estado", "cabeceras (2)", "cuerpo (5 bytes,\n64–68)"} <= set(shown)
    assert "línea en blanco\n(fin de cabeceras: \\r\\n\\r\\n)" in shown
    render(ax, tmp_path, "anatomy")


def test_anatomy_of_the_guides_sample_warns_in_red():
    ax = plots.anatomy(GUIDE)
    warnings = [t for t in ax.texts if t.get_text().startswith("⚠")]
    assert [t.get_text() for t in warnings] == [
        "⚠ Hay líneas que terminan en \\n sin \\r: HTTP exige \\r\\n.",
        "⚠ Content-Length dice 25 bytes, pero el cuerpo tiene 26.",
    ]
    assert all(to_hex(t.get_color()) == COLORS["reset"] for t in warnings)


def test_anatomy_shortens_long_bodies():
    body = b"".join(b"linea %d\n" % i for i in range(10))
    ax = plots.anatomy(b"HTTP/1.1 200 OK\r\n\r\n" + body, body_lines=3)
    assert [p.get_gid() for p in ax.patches].count("body") == 4
    assert "… (7 líneas más)" in texts(ax)


# -- the rules every figure follows --------------------------------------------------------
ALL = [
    lambda ax: plots.sequence([TapEvent(0.0, 1, EventKind.DATA, TO_SERVER, 1, b"x")], ax=ax),
    lambda ax: plots.chunk_sizes([1, 2], ax=ax),
    lambda ax: plots.attempts({"a": [(0, False), (1, True)]}, ax=ax),
    lambda ax: plots.latency([1.0, 2.0], ax=ax),
    lambda ax: plots.concat_cost([1, 2], {"a": [1.0, 2.0]}, ax=ax),
    lambda ax: plots.backlog({0: 1}, ax=ax),
    lambda ax: plots.anatomy(GOOD, ax=ax),
]


def test_figures_draw_on_the_given_axes_and_leave_global_state_alone(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("una figura del curso llamó a plt.show()")

    monkeypatch.setattr(plt, "show", no_show)
    rc = dict(matplotlib.rcParams)
    _fig, axes = plt.subplots(1, len(ALL))
    figures = plt.get_fignums()
    for draw, ax in zip(ALL, axes, strict=True):
        assert draw(ax) is ax
    assert plt.get_fignums() == figures  # no new figure when ax is given
    for draw in ALL:
        ax = draw(None)
        assert ax.figure.number in plt.get_fignums()  # pyplot-managed: a notebook shows it
    assert dict(matplotlib.rcParams) == rc


def test_titles_carry_no_measured_numbers():
    """A notebook prints the Axes' repr (title and labels): it must not change between runs."""
    a = plots.chunk_sizes([1, 2, 3])
    b = plots.chunk_sizes([4096, 10])
    assert repr(a) == repr(b)
    assert repr(plots.latency([1.0, 2.0])) == repr(plots.latency([7.0, 9.0, 30.0]))


def test_importing_plots_does_not_import_matplotlib():
    code = "import sys, labsupport.plots; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
        timeout=COMMAND_LIMIT, check=True)
    assert out.stdout.strip() == "False"


def test_latency_with_a_long_tail_uses_log_bins():
    fast = [0.2 + 0.01 * i for i in range(50)]
    ax = plots.latency({"rápidas y alguna lenta": [*fast, 30.0, 45.0]}, bins=10)
    assert ax.get_xscale() == "log"
    heights = [p.get_height() for p in ax.patches]
    assert sum(h > 0 for h in heights) >= 3  # the fast requests spread over several bars
    assert plots.latency([1.0, 2.0, 3.0]).get_xscale() == "linear"
