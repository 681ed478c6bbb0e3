"""Notebook 11's pinger and stop-and-wait, through the lossy relay over real loopback sockets."""

from __future__ import annotations

import socket
import struct

import pytest
from conftest import PATIENT

import labsupport as lab
from labsupport.datagrams import StopAndWaitReceiver, ping, stop_and_wait

MESSAGES = [b"mensaje %d" % i for i in range(12)]


def _lost_pings(relay: lab.UdpRelay, direction: str) -> list[int]:
    return [int(e.data.split()[1]) for e in relay.events if e.direction == direction and e.action == "perdido"]


def test_the_pinger_loses_exactly_the_pings_the_relay_lost(no_leaks):
    # 1 s: a wait that must fire for a lost ping and must not for a delivered one (RTTs of milliseconds)
    with lab.UdpEchoServer(prefix=b"") as eco, lab.UdpRelay(eco, seed=24, loss=0.3) as relay:
        report = ping(relay.address, 10, 1.0)
        lost = sorted(_lost_pings(relay, "ida") + _lost_pings(relay, "vuelta"))
    assert len(report.rtts) == 10
    assert [i for i, rtt in enumerate(report.rtts, start=1) if rtt is None] == lost
    assert _lost_pings(relay, "ida") and _lost_pings(relay, "vuelta")  # the seed loses in both directions
    assert all(rtt > 0 for rtt in report.answered)


def test_the_pinger_drops_each_duplicated_reply_instead_of_counting_it(no_leaks):
    # seed 2: the last ping and its replies are not duplicated, so every copy is read while a later ping waits
    with lab.UdpEchoServer(prefix=b"") as eco, lab.UdpRelay(eco, seed=2, duplicate=0.3) as relay:
        report = ping(relay.address, 10, PATIENT)  # nothing is lost: a wait that must not fire
        copies = relay.stats()["ida"]["duplicado"] + relay.stats()["vuelta"]["duplicado"]
    assert report.lost == 0
    assert report.stale == copies > 0


def test_stop_and_wait_delivers_everything_once_in_order_through_a_bad_network(no_leaks):
    with StopAndWaitReceiver() as rx, lab.UdpRelay(rx, seed=3, loss=0.2, duplicate=0.2, reorder=0.2) as relay:
        report = stop_and_wait(relay.address, MESSAGES, 0.2, 30)
        rx.check()
    assert rx.delivered == MESSAGES
    assert report.retransmissions > 0 and report.sent == len(MESSAGES) + report.retransmissions
    assert rx.duplicates > 0
    assert sum(report.sends) == report.sent and len(report.sends) == len(MESSAGES)


def test_each_message_is_retransmitted_once_per_datagram_of_it_the_relay_lost(no_leaks):
    messages = MESSAGES[:6]
    with StopAndWaitReceiver() as rx, lab.UdpRelay(rx, seed=6, loss=0.3) as relay:
        report = stop_and_wait(relay.address, messages, 1.0, 10)  # 1 s: must fire on a loss, not on an ACK
        lost = [struct.unpack("!I", e.data[:4])[0] for e in relay.events if e.action == "perdido"]
    assert rx.delivered == messages and lost
    assert [sends - 1 for sends in report.sends] == [lost.count(i) for i in range(len(messages))]


def test_stop_and_wait_without_loss_sends_each_message_once(no_leaks):
    with StopAndWaitReceiver() as rx:
        report = stop_and_wait(rx.address, MESSAGES, PATIENT, 3)
    assert rx.delivered == MESSAGES and report.retransmissions == 0 and rx.duplicates == 0
    assert report.sends == [1] * len(MESSAGES)


def test_stop_and_wait_gives_up_after_its_tries(no_leaks):
    with StopAndWaitReceiver() as rx, lab.UdpRelay(rx, loss=1.0) as relay:
        with pytest.raises(TimeoutError, match="mensaje 0 no se confirmó tras 2 intentos"):
            stop_and_wait(relay.address, MESSAGES, 0.2, 2)
        assert relay.stats()["ida"]["perdido"] == 2


def test_the_receiver_ignores_short_datagrams_and_numbers_from_the_future(no_leaks):
    with StopAndWaitReceiver() as rx, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(PATIENT)
        sock.sendto(b"ab", rx.address)
        sock.sendto(struct.pack("!I", 5) + b"futuro", rx.address)
        sock.sendto(struct.pack("!I", 0) + b"cero", rx.address)
        assert sock.recv(100) == struct.pack("!I", 0)  # the only one acknowledged
        sock.sendto(struct.pack("!I", 0) + b"cero", rx.address)
        assert sock.recv(100) == struct.pack("!I", 0)
        assert rx.delivered == [b"cero"] and rx.duplicates == 1
