"""The lossy UDP relay, over real loopback sockets: each condition seen in what arrives, seeded decisions."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from conftest import PATIENT, settle

import labsupport as lab
from labsupport._errors import LabError
from labsupport._server import DatagramServer
from labsupport.events import EventKind
from labsupport.relay.udp import ACTIONS, UdpEvent, UdpRelay, UdpRelayError

#: A wait that must fire (nothing is coming): short.
MUST_FIRE = 0.3


class Sink(DatagramServer):
    """Keeps every datagram it gets, in order, and never answers."""

    name = "sumidero UDP"

    def __init__(self) -> None:
        self.received: list[bytes] = []
        super().__init__()

    def handle_datagram(self, data: bytes, addr: tuple) -> None:
        self.received.append(data)


@pytest.fixture
def client():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(PATIENT)
    yield sock
    sock.close()


def send_all(sock: socket.socket, relay: UdpRelay, messages: list[bytes]) -> None:
    for message in messages:
        sock.sendto(message, relay.address)


def messages(n: int) -> list[bytes]:
    return [b"mensaje %03d" % i for i in range(n)]


def test_untouched_datagrams_keep_their_boundaries_and_order(no_leaks, client):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco) as relay:
        sent = [b"a", b"bb" * 10, b"c" * 3000]
        send_all(client, relay, sent)
        replies = [client.recvfrom(65535)[0] for _ in sent]
        assert replies == [b"Echo: " + m for m in sent]
        stats = relay.stats()
        assert stats["ida"]["datagramas"] == stats["ida"]["pasa"] == 3
        assert settle(lambda: relay.stats()["vuelta"]["pasa"] == 3)
        relay.check()


def decisions(seed: int, n: int = 60, **conditions: float) -> list[str]:
    with Sink() as sink, lab.UdpRelay(sink, seed=seed, **conditions) as relay:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            send_all(sock, relay, messages(n))
            assert settle(lambda: relay.stats()["ida"]["datagramas"] == n)
        return [e.action for e in relay.events if e.direction == "ida"]


def test_same_seed_same_decisions_other_seed_others(no_leaks):
    first = decisions(7, loss=0.3, duplicate=0.2, corrupt=0.2)
    assert first == decisions(7, loss=0.3, duplicate=0.2, corrupt=0.2)
    assert first != decisions(8, loss=0.3, duplicate=0.2, corrupt=0.2)
    assert {"pasa", "perdido", "duplicado", "corrupto"} <= set(first)


def test_a_condition_does_not_change_the_others_decisions(no_leaks):
    """Every datagram draws the same numbers: adding duplication keeps which ones are lost."""
    lost = [a == "perdido" for a in decisions(3, loss=0.4) if a != "duplicado"]
    lost_with_dups = [a == "perdido" for a in decisions(3, loss=0.4, duplicate=0.5) if a != "duplicado"]
    assert lost == lost_with_dups


def test_loss_one_loses_everything(no_leaks, client):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco, loss=1.0) as relay:
        client.settimeout(MUST_FIRE)
        send_all(client, relay, messages(5))
        with pytest.raises(TimeoutError):
            client.recvfrom(100)
        assert eco.received == []
        assert [e.action for e in relay.events] == ["perdido"] * 5


def test_loss_only_on_the_way_back(no_leaks, client):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco, loss=1.0, direction="vuelta") as relay:
        client.settimeout(MUST_FIRE)
        send_all(client, relay, messages(3))
        assert settle(lambda: len(eco.received) == 3)
        with pytest.raises(TimeoutError):
            client.recvfrom(100)
        assert settle(lambda: relay.stats()["vuelta"]["perdido"] == 3)
        assert relay.stats()["ida"]["pasa"] == 3


def test_duplicate_one_sends_each_datagram_twice(no_leaks, client):
    with Sink() as sink, lab.UdpRelay(sink, duplicate=1.0) as relay:
        send_all(client, relay, [b"uno", b"dos"])
        assert settle(lambda: len(sink.received) == 4)
        assert sink.received == [b"uno", b"uno", b"dos", b"dos"]
        assert relay.stats()["ida"]["duplicado"] == 2
        assert relay.stats()["ida"]["datagramas"] == 2


def test_a_reordered_datagram_goes_after_the_next_one(no_leaks, client):
    with Sink() as sink, lab.UdpRelay(sink, reorder=1.0) as relay:
        client.sendto(b"primero", relay.address)
        assert settle(lambda: relay.stats()["ida"]["reordenado"] == 1)
        relay.set(reorder=0.0)
        client.sendto(b"segundo", relay.address)
        assert settle(lambda: len(sink.received) == 2)
        assert sink.received == [b"segundo", b"primero"]


def test_a_reordered_datagram_nobody_overtakes_still_arrives(no_leaks, client):
    with Sink() as sink, lab.UdpRelay(sink, reorder=1.0) as relay:
        client.sendto(b"solo", relay.address)
        assert settle(lambda: sink.received == [b"solo"])


def test_reordering_follows_the_recorded_decisions(no_leaks, client):
    with Sink() as sink, lab.UdpRelay(sink, seed=5, reorder=0.3) as relay:
        sent = messages(30)
        send_all(client, relay, sent)
        assert settle(lambda: len(sink.received) == 30)
        expected, held = [], []
        for event in relay.events:
            if event.action == "reordenado":
                held.append(event.data)
            else:
                expected += [event.data, *held]
                held = []
        assert sink.received == expected + held
        assert sink.received != sent and sorted(sink.received) == sent


def test_corrupt_flips_exactly_one_bit(no_leaks, client):
    with Sink() as sink, lab.UdpRelay(sink, corrupt=1.0) as relay:
        sent = messages(10)
        send_all(client, relay, sent)
        assert settle(lambda: len(sink.received) == 10)
        for original, arrived in zip(sent, sink.received, strict=True):
            assert len(arrived) == len(original)
            diff = int.from_bytes(original, "big") ^ int.from_bytes(arrived, "big")
            assert bin(diff).count("1") == 1
        assert [e.data for e in relay.events] == sink.received
        assert relay.stats()["ida"]["corrupto"] == 10


def test_delay_holds_each_datagram_at_least_that_long(no_leaks, client):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco, delay=0.2, direction="ida") as relay:
        start = time.monotonic()
        client.sendto(b"lento", relay.address)
        assert client.recvfrom(100)[0] == b"Echo: lento"
        assert time.monotonic() - start >= 0.2
        assert [e.action for e in relay.events] == ["retrasado", "pasa"]


def test_each_client_gets_its_own_replies(no_leaks):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco) as relay:
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
        try:
            for i, sock in enumerate(socks):
                sock.settimeout(PATIENT)
                sock.sendto(b"soy %d" % i, relay.address)
            for i, sock in enumerate(socks):
                assert sock.recvfrom(100)[0] == b"Echo: soy %d" % i
            assert sorted({e.client for e in relay.events}) == [1, 2, 3]
        finally:
            for sock in socks:
                sock.close()


def test_set_changes_conditions_while_running(no_leaks, client):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco) as relay:
        client.sendto(b"1", relay.address)
        assert client.recvfrom(100)[0] == b"Echo: 1"
        relay.set(loss=1.0, direction="ida")
        assert relay.conditions("ida").loss == 1.0 and relay.conditions("vuelta").loss == 0.0
        client.settimeout(MUST_FIRE)
        client.sendto(b"2", relay.address)
        with pytest.raises(TimeoutError):
            client.recvfrom(100)


def test_a_target_with_nobody_is_logged_not_raised(no_leaks, client):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = closed.getsockname()
    with lab.UdpRelay(nobody) as relay:
        client.sendto(b"hola", relay.address)
        client.sendto(b"hola", relay.address)
        assert settle(lambda: any(e.kind == EventKind.NETWORK_ERROR for e in relay.log()))
        relay.check()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"loss": 1.5}, ["loss", "0 a 1"]),
        ({"duplicate": -0.1}, ["duplicate", "0 a 1"]),
        ({"reorder": "mucho"}, ["reorder", "número"]),
        ({"corrupt": float("nan")}, ["corrupt", "número"]),
        ({"delay": -1}, ["delay", "0 a 10"]),
        ({"jitter": 11}, ["jitter", "0 a 10"]),
        ({"direction": "arriba"}, ["direction", "'ida'", "'vuelta'", "'ambas'"]),
        ({"seed": 1.5}, ["seed", "entero"]),
    ],
)
def test_bad_parameters_name_the_parameter_and_its_range(no_leaks, kwargs, words):
    with lab.UdpEchoServer() as eco:
        with pytest.raises(UdpRelayError) as info:
            lab.UdpRelay(eco, **kwargs)
    assert isinstance(info.value, LabError)
    for word in words:
        assert word in str(info.value)


def test_bad_set_and_bad_target(no_leaks):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco) as relay:
        with pytest.raises(UdpRelayError, match="perdida"):
            relay.set(perdida=0.1)
        with pytest.raises(UdpRelayError, match="loss"):
            relay.set(loss=2)
        assert relay.conditions("ida").loss == 0.0  # a refused set changes nothing
    with pytest.raises(UdpRelayError, match="UdpEchoServer"):
        lab.UdpRelay("127.0.0.1")
    with pytest.raises(UdpRelayError, match="65535"):
        lab.UdpRelay(("127.0.0.1", 0))
    with pytest.raises(lab.NotLoopbackError):
        lab.UdpRelay(("10.0.0.1", 9))


def test_stop_leaves_no_thread_nor_socket(no_leaks, client):
    threads = threading.active_count()
    relay = lab.UdpRelay(lab.UdpEchoServer(), delay=5.0, reorder=0.5)
    send_all(client, relay, messages(10))  # some still queued, some held, when stop() comes
    assert settle(lambda: relay.stats()["ida"]["datagramas"] == 10)
    relay.stop()
    relay.stop()
    assert not relay.running
    with pytest.raises(lab.ServerStoppedError):
        _ = relay.address
    assert relay not in lab.running_servers()
    assert threading.active_count() <= threads + 1  # the echo server's thread; no_leaks stops it


def test_events_are_udp_events_with_known_actions(no_leaks, client):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco, seed=2, loss=0.3, duplicate=0.3, corrupt=0.3) as relay:
        send_all(client, relay, messages(20))
        assert settle(lambda: relay.stats()["ida"]["datagramas"] == 20)
        assert all(isinstance(e, UdpEvent) and e.action in ACTIONS for e in relay.events)
        numbers = [e.number for e in relay.events if e.direction == "ida" and e.action != "duplicado"]
        assert numbers == list(range(1, 21))
        relay.clear()
        assert relay.events == []


def test_jitter_spreads_the_delay_and_never_goes_below_zero(no_leaks, client):
    with Sink() as sink, lab.UdpRelay(sink, seed=4, delay=0.01, jitter=0.01) as relay:
        send_all(client, relay, messages(10))
        assert settle(lambda: len(sink.received) == 10)
        assert sorted(sink.received) == messages(10)
        assert {e.action for e in relay.events} == {"retrasado"}  # 0.01 ± 0.01: a wait in [0, 0.02)


def test_an_ipv6_target_gets_an_ipv6_relay(no_leaks):
    try:
        eco = lab.UdpEchoServer("::1")
    except lab.NoIPv6Error:
        pytest.skip("sin IPv6 en loopback")
    with eco, lab.UdpRelay(eco) as relay, socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        assert relay.address[0] == "::1"
        sock.settimeout(PATIENT)
        sock.sendto(b"seis", relay.address)
        assert sock.recvfrom(100)[0] == b"Echo: seis"


def test_a_client_over_the_cap_is_dropped_and_logged(no_leaks):
    with lab.UdpEchoServer() as eco, lab.UdpRelay(eco) as relay:
        relay.max_clients = 1
        first, second = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
        with first, second:
            first.settimeout(PATIENT)
            first.sendto(b"uno", relay.address)
            assert first.recvfrom(100)[0] == b"Echo: uno"
            second.sendto(b"dos", relay.address)
            assert settle(lambda: any(e.kind == EventKind.REFUSED for e in relay.log()))
        assert eco.received == [b"uno"]
        assert "UdpRelay" in repr(relay) and "en marcha" in repr(relay)
