"""The TCP relay with toxics: each toxic's effect on what the client receives, over real loopback sockets.

Timing rule: a delay is asserted as a lower bound only (a loaded machine is slower, never faster);
a wait that must fire is short, one that must not fire is generous (``PATIENT``).
"""

from __future__ import annotations

import select
import socket
import threading
import time

import pytest
from conftest import PATIENT, settle

import labsupport as lab
from labsupport.events import EventKind
from labsupport.relay import TOXICS, Relay, RelayEvent, ToxicError
from labsupport.tap import TO_CLIENT, TO_SERVER

MUST_FIRE = 0.3


def connect(relay: Relay) -> socket.socket:
    sock = socket.create_connection(relay.address, timeout=PATIENT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_exactly(sock: socket.socket, n: int) -> list[bytes]:
    """The fragments ``recv`` returned until ``n`` bytes arrived (bounded; b"" ends it early)."""
    parts: list[bytes] = []
    for _ in range(1000):
        if sum(map(len, parts)) >= n:
            break
        data = sock.recv(65536)
        if not data:
            break
        parts.append(data)
    return parts


def read_until_end(sock: socket.socket) -> tuple[bytes, str]:
    """Everything until the end, and how it ended: ``"eof"`` or ``"reset"`` (bounded)."""
    got = b""
    for _ in range(1000):
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return got, "reset"
        if not data:
            return got, "eof"
        got += data
    raise AssertionError("el otro extremo no cerró")


def replay(relay: Relay) -> list[tuple]:
    """What a run recorded, without times and ports: equal for two runs that did the same."""
    return [
        (e.conn, str(e.kind), str(e.direction), e.size, e.data, e.toxic, e.action)
        for e in relay.events()
        if e.kind is not EventKind.CONNECT
    ]


def test_without_toxics_it_is_a_tap_and_every_event_is_a_relay_event(no_leaks):
    with lab.EchoServer() as eco, lab.Relay(eco) as relay:
        with connect(relay) as c:
            c.sendall(b"hola")
            assert b"".join(read_exactly(c, 10)) == b"Echo: hola"
        assert relay.wait_closed()
        events = relay.events()
        assert all(isinstance(e, RelayEvent) and e.toxic == "" for e in events)
        assert [e.kind for e in events] == [
            EventKind.CONNECT,
            EventKind.DATA,
            EventKind.DATA,
            EventKind.FIN,
            EventKind.FIN,
            EventKind.CLOSE,
        ]
        assert relay.sent() == b"hola" and relay.received() == b"Echo: hola"
        relay.check()


def test_latency_in_both_directions_delays_the_answer_by_at_least_twice_the_latency(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        name = relay.add("latency", latency=0.2)
        assert name == "latency_ambas"
        with connect(relay) as c:
            start = time.monotonic()
            c.sendall(b"hola")
            assert b"".join(read_exactly(c, 10)) == b"Echo: hola"
            assert time.monotonic() - start >= 0.4
        assert relay.wait_closed()
        acted = relay.toxic_events(name)
        assert [(e.kind, e.direction, e.action) for e in acted] == [
            (EventKind.DATA, TO_SERVER, "retrasado 200 ms"),
            (EventKind.DATA, TO_CLIENT, "retrasado 200 ms"),
        ]
        relay.check()


def test_a_toxic_added_and_removed_on_a_live_connection_acts_only_meanwhile(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        with connect(relay) as c:
            c.sendall(b"uno")
            assert b"".join(read_exactly(c, 9)) == b"Echo: uno"
            name = relay.add("latency", "vuelta", latency=0.2)
            start = time.monotonic()
            c.sendall(b"dos")
            assert b"".join(read_exactly(c, 9)) == b"Echo: dos"
            assert time.monotonic() - start >= 0.2
            relay.remove(name)
            assert relay.toxics == []
            c.sendall(b"tres")
            assert b"".join(read_exactly(c, 10)) == b"Echo: tres"
        assert relay.wait_closed()
        answers = relay.chunks(TO_CLIENT)
        assert [(e.data, e.toxic) for e in answers] == [(b"Echo: uno", ""), (b"Echo: dos", name), (b"Echo: tres", "")]
        relay.check()


def test_bandwidth_paces_the_bytes_and_keeps_them_intact(no_leaks):
    payload = bytes(range(256)) * 4  # 1024 bytes
    with lab.EchoServer(prefix=b"") as eco, Relay(eco) as relay:
        relay.add("bandwidth", "vuelta", rate=2000)
        with connect(relay) as c:
            start = time.monotonic()
            c.sendall(payload)
            got = b"".join(read_exactly(c, len(payload)))
            elapsed = time.monotonic() - start
        assert got == payload
        step = 2000 // 20
        assert elapsed >= (len(payload) - step) / 2000  # every piece but the last waited its share
        assert relay.wait_closed()
        assert all(e.action == "a 2000 bytes/s" for e in relay.toxic_events())
        relay.check()


def test_slow_close_delays_the_fin_not_the_data(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("slow_close", "vuelta", delay=0.3)
        with connect(relay) as c:
            c.sendall(b"hola")
            assert b"".join(read_exactly(c, 10)) == b"Echo: hola"
            c.shutdown(socket.SHUT_WR)
            start = time.monotonic()
            assert c.recv(100) == b""
            assert time.monotonic() - start >= 0.3
        assert relay.wait_closed()
        fin = relay.toxic_events("slow_close_vuelta")
        assert [(e.kind, e.direction, e.action) for e in fin] == [(EventKind.FIN, TO_CLIENT, "FIN retrasado 300 ms")]
        relay.check()


def test_timeout_zero_is_a_blackhole_until_it_is_removed(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        name = relay.add("timeout", "ida")
        with connect(relay) as c:
            c.sendall(b"uno")
            c.settimeout(MUST_FIRE)
            with pytest.raises(TimeoutError):
                c.recv(100)
            relay.remove(name)
            c.settimeout(PATIENT)
            c.sendall(b"dos")
            assert b"".join(read_exactly(c, 9)) == b"Echo: dos"
        assert relay.wait_closed()
        assert eco.received == [b"dos"]
        assert [(e.data, e.action) for e in relay.toxic_events(name)] == [(b"uno", "descartado: no pasa")]
        relay.check()


def test_timeout_closes_the_connection_after_its_seconds(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("timeout", "ida", timeout=0.2)
        with connect(relay) as c:
            c.sendall(b"hola")
            assert read_until_end(c) == (b"", "eof")  # a FIN, whether or not the relay had read b"hola"
        assert relay.wait_closed()
        assert eco.received == []
        assert relay.sent() == b"hola"  # read, and dropped
        ended = [e for e in relay.toxic_events() if e.kind is EventKind.TIMEOUT]
        assert len(ended) == 1 and ended[0].direction is None and "0.2 s" in ended[0].action
        relay.check()


def test_limit_data_closes_with_a_fin_although_the_client_sent_more_than_it_let_pass(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("limit_data", "ida", bytes=4)
        with connect(relay) as c:
            c.sendall(b"hola mundo")
            got, how = read_until_end(c)
        assert how == "eof" and b"Echo: hola".startswith(got)
        assert relay.wait_closed()
        assert settle(lambda: eco.received == [b"hola"])
        relay.check()


def test_reset_peer_after_some_bytes_cuts_the_answer_with_an_rst(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("reset_peer", "vuelta", bytes=5)
        with connect(relay) as c:
            c.sendall(b"hola mundo")
            got, how = read_until_end(c)
        assert how == "reset"
        assert b"Echo: hola mundo".startswith(got) and len(got) <= 5
        assert relay.wait_closed()
        resets = [e for e in relay.events() if e.kind is EventKind.RESET]
        assert [(e.direction, e.toxic) for e in resets] == [(None, "reset_peer_vuelta")]
        relay.check()


def test_reset_peer_after_some_seconds_reaches_a_silent_client(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("reset_peer", after=0.2)
        with connect(relay) as c:
            start = time.monotonic()
            assert read_until_end(c) == (b"", "reset")
            assert time.monotonic() - start >= 0.2 - 0.05  # counted from the relay's accept, a moment earlier
        assert relay.wait_closed()
        relay.check()


def test_slicer_cuts_the_answer_into_pieces_of_its_size(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("slicer", "vuelta", size=8, delay=2.0)  # must not be outrun by a stalled reader: seconds
        with connect(relay) as c:
            c.sendall(b"hola mundo")
            parts = read_exactly(c, 16)
        assert b"".join(parts) == b"Echo: hola mundo"
        assert len(parts[0]) <= 8 and len(parts) >= 2  # the second piece left two seconds later
        assert relay.wait_closed()
        assert [e.action for e in relay.toxic_events()] == ["en 2 piezas: 8+8 bytes"]
        relay.check()


def test_coalesce_joins_the_writes_of_its_window_into_one(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("coalesce", "ida", window=2.0)  # the three sends must fall inside it, even on a loaded machine
        with connect(relay) as c:
            for word in (b"uno", b"dos", b"tres"):
                c.sendall(word)
            assert b"".join(read_exactly(c, 16)) == b"Echo: unodostres"
        assert relay.wait_closed()
        assert eco.received == [b"unodostres"]
        assert relay.sent() == b"unodostres"
        relay.check()


def test_limit_data_ends_the_answer_after_its_bytes(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("limit_data", "vuelta", bytes=8)
        with connect(relay) as c:
            c.sendall(b"hola mundo")
            assert read_until_end(c) == (b"Echo: ho", "eof")
        assert relay.wait_closed()
        fins = [e for e in relay.events() if e.kind is EventKind.FIN and e.toxic]
        assert [(e.direction, e.toxic) for e in fins] == [(None, "limit_data_vuelta")]
        relay.check()


def test_an_http_page_through_the_slicer_arrives_whole(no_leaks):
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with lab.HttpServer() as web, Relay(web) as relay:
        with socket.create_connection(web.address, timeout=PATIENT) as direct:
            direct.sendall(request)
            expected, _ = read_until_end(direct)
        relay.add("slicer", "vuelta", size=100, variation=50)
        with connect(relay) as c:
            c.sendall(request)
            got, how = read_until_end(c)
        assert how == "eof" and got.split(b"\r\n")[0] == expected.split(b"\r\n")[0]
        assert got.partition(b"\r\n\r\n")[2] == expected.partition(b"\r\n\r\n")[2]
        assert relay.wait_closed()
        relay.check()


def _truncated(seed: int, n: int = 12) -> list[bool]:
    """For each of ``n`` connections, whether a limit_data with probability 0.5 cut its answer."""
    with lab.EchoServer() as eco, Relay(eco, seed=seed) as relay:
        relay.add("limit_data", "vuelta", probability=0.5, bytes=2)
        cut = []
        for _ in range(n):
            with connect(relay) as c:
                c.sendall(b"hola")
                got, _ = read_until_end_after_shutdown(c)
            cut.append(got == b"Ec")
            assert got in (b"Ec", b"Echo: hola")
        relay.check()
    return cut


def read_until_end_after_shutdown(c: socket.socket) -> tuple[bytes, str]:
    c.shutdown(socket.SHUT_WR)
    return read_until_end(c)


def test_probability_is_seeded_per_connection(no_leaks):
    first, again, other = _truncated(1), _truncated(1), _truncated(2)
    assert first == again
    assert first != other
    assert 0 < sum(first) < len(first)


def _jittery_run(seed: int) -> list[tuple]:
    with lab.EchoServer() as eco, Relay(eco, seed=seed) as relay:
        relay.add("latency", latency=0.01, jitter=0.01)
        relay.add("slicer", "vuelta", size=4, variation=3)
        for word in (b"hola mundo", b"adios"):
            with connect(relay) as c:
                c.sendall(word)
                assert b"".join(read_exactly(c, len(word) + 6)) == b"Echo: " + word
            assert relay.wait_closed()  # one connection's events, then the next's
        relay.check()
        return replay(relay)


def test_the_same_seed_replays_the_same_events_and_another_seed_does_not(no_leaks):
    first = _jittery_run(7)
    assert first == _jittery_run(7)
    assert first != _jittery_run(8)
    assert any("piezas" in action for *_, action in first)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (dict(kind="latency", latency=-1), ["'latency'", "≥ 0"]),
        (dict(kind="latency", jitter=float("nan")), ["'jitter'", "≥ 0"]),
        (dict(kind="bandwidth", rate=-5), ["'rate'", "> 0"]),
        (dict(kind="bandwidth", rate=0), ["'rate'", "> 0"]),
        (dict(kind="bandwidth"), ["'rate'"]),
        (dict(kind="latency", probability=1.5), ["'probability'", "entre 0 y 1"]),
        (dict(kind="latency", probability=-0.1), ["'probability'", "entre 0 y 1"]),
        (dict(kind="latenzy"), ["'latenzy'", "latency", "limit_data"]),
        (dict(kind="latency", direction="arriba"), ["'direction'", "'ida'", "'vuelta'", "'ambas'"]),
        (dict(kind="latency", retraso=1), ["'retraso'", "latency, jitter"]),
        (dict(kind="slicer", size=0), ["'size'", "≥ 1"]),
        (dict(kind="slicer", size=4, variation=4), ["'variation'", "menor que 'size'"]),
        (dict(kind="limit_data", bytes=2.5), ["'bytes'", "entero"]),
        (dict(kind="reset_peer", bytes=3, after=1), ["'bytes'", "'after'"]),
        (dict(kind="coalesce", window=0), ["'window'", "> 0"]),
    ],
)
def test_bad_parameters_get_a_spanish_error_naming_the_parameter_and_its_range(call, words, no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        kind = call.pop("kind")
        with pytest.raises(ToxicError) as info:
            relay.add(kind, **call)
        assert isinstance(info.value, lab.LabError)
        for word in words:
            assert word in str(info.value)
        assert relay.toxics == []


def test_names_removal_and_the_list_of_toxics(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        assert relay.add("latency", "ida", latency=0.1) == "latency_ida"
        assert relay.add("latency", "ida", latency=0.2) == "latency_ida_2"
        assert relay.add("slicer", name="trocitos") == "trocitos"
        with pytest.raises(ToxicError, match="trocitos"):
            relay.add("slicer", name="trocitos")
        assert [(t.name, t.kind, t.direction) for t in relay.toxics] == [
            ("latency_ida", "latency", "ida"),
            ("latency_ida_2", "latency", "ida"),
            ("trocitos", "slicer", "ambas"),
        ]
        assert relay.toxics[1]["latency"] == 0.2
        relay.remove("latency_ida")
        with pytest.raises(ToxicError, match=r"'latency_ida'.*'latency_ida_2', 'trocitos'"):
            relay.remove("latency_ida")
        assert len(relay.toxics_table()) == 2
        relay.clear()
        assert relay.toxics == [] and set(TOXICS) >= {"latency", "limit_data"}


def test_stop_in_the_middle_of_a_long_latency_and_a_blackhole_leaves_nothing_behind(no_leaks):
    eco = lab.EchoServer()
    relay = Relay(eco)
    relay.add("latency", "vuelta", latency=30)
    relay.add("timeout", "ida", probability=1.0, name="agujero")
    slow = connect(relay)
    slow.sendall(b"x")
    assert settle(lambda: bool(relay.toxic_events("agujero")))  # the relay holds it now
    relay.remove("agujero")
    busy = connect(relay)
    busy.sendall(b"y")
    assert settle(lambda: len(relay.chunks(TO_CLIENT)) == 1)  # the answer waits in the latency
    relay.stop()
    for c in (slow, busy):
        assert read_until_end(c)[0] == b""
        c.close()
    eco.stop()
    relay.check()
    assert relay not in lab.running_servers()


def test_the_table_says_which_toxic_acted_and_what_it_did(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("limit_data", "vuelta", bytes=4)
        with connect(relay) as c:
            c.sendall(b"hola")
            assert read_until_end(c) == (b"Echo", "eof")
        assert relay.wait_closed()
        table = relay.table()
        assert table.header[-1] == "tóxico"
        column = [row[-1] for row in table.rows]
        assert "limit_data_vuelta: pasan 4 de 10 bytes; luego cierra" in column
        assert any(cell.startswith("limit_data_vuelta: el proxy cierra (FIN)") for cell in column)


def test_record_false_keeps_sizes_and_toxic_actions_but_no_bytes(no_leaks):
    with lab.EchoServer() as eco, Relay(eco, record=False) as relay:
        relay.add("slicer", "vuelta", size=5)
        with connect(relay) as c:
            c.sendall(b"hola")
            assert b"".join(read_exactly(c, 10)) == b"Echo: hola"
        assert relay.wait_closed()
        answer = relay.chunks(TO_CLIENT)
        assert [(e.size, e.data, e.action) for e in answer] == [(10, b"", "en 2 piezas: 5+5 bytes")]
        relay.check()


class TwoAnswers(lab.StreamServer):
    """Answers b"uno", then b"dos" once the test says the relay has read the first one."""

    def __init__(self, **kwargs):
        self.go = threading.Event()
        super().__init__(**kwargs)

    def handle(self, conn, addr):
        conn.recv(100)
        conn.sendall(b"uno")
        if self.go.wait(PATIENT):
            conn.sendall(b"dos")


def test_latency_delays_each_fragment_from_its_arrival_without_holding_the_next(no_leaks):
    # a link's latency delays every byte by the same time: the relay keeps reading while a fragment
    # waits, so the second answer is read long before the first has left (with 2 s of latency)
    with TwoAnswers() as srv, Relay(srv) as relay:
        relay.add("latency", "vuelta", latency=2.0)
        with connect(relay) as c:
            start = time.monotonic()
            c.sendall(b"?")
            assert settle(lambda: relay.received() == b"uno")
            srv.go.set()
            assert settle(lambda: relay.received() == b"unodos")
            assert select.select([c], [], [], 0)[0] == []  # both read, nothing delivered yet
            assert b"".join(read_exactly(c, 6)) == b"unodos"
            assert time.monotonic() - start >= 2.0
        assert relay.wait_closed()
        relay.check()


def test_a_toxic_removed_and_added_again_under_its_name_decides_afresh(no_leaks):
    with lab.EchoServer() as eco, Relay(eco) as relay:
        relay.add("limit_data", "vuelta", bytes=4, name="corte")
        with connect(relay) as c:
            c.sendall(b"hola")
            assert read_until_end(c) == (b"Echo", "eof")
        relay.remove("corte")
        relay.add("limit_data", "vuelta", bytes=6, name="corte")  # its count starts again
        with connect(relay) as c:
            c.sendall(b"hola")
            assert read_until_end(c) == (b"Echo: ", "eof")
        with pytest.raises(ToxicError, match="'name'"):
            relay.add("latency", name="")
        relay.check()
