"""labsupport.sockstate.tcpinfo: each TCP state produced on real loopback sockets and read back.

The live tests need a system that can read the state (Linux, macOS); the parsers are tested on
every system with records laid out as the kernel headers say.
"""

from __future__ import annotations

import socket
import struct
import sys

import pytest
from _sockstate_kit import SMALL_BUFFER, connection, drain, fill, listener, wait_state
from conftest import PATIENT, settle

from labsupport.sockstate import tcpinfo

FAMILIES = [pytest.param(socket.AF_INET, id="ipv4"), pytest.param(socket.AF_INET6, id="ipv6")]
live = pytest.mark.skipif(not tcpinfo.supported(), reason="this system cannot read a socket's TCP state")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux behaviour")


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_listen_and_its_accept_queue(family):
    with listener(family, backlog=3) as lst:
        assert tcpinfo.tcp_state(lst) == "LISTEN"
        assert tcpinfo.queues(lst) == (None, None)  # a listener queues connections, not bytes
        if sys.platform.startswith("linux"):
            assert tcpinfo.accept_queue(lst) == (0, 3)
            with socket.create_connection(lst.getsockname()[:2], timeout=PATIENT):
                assert settle(lambda: tcpinfo.accept_queue(lst) == (1, 3))


@live
@linux
@pytest.mark.parametrize("family", FAMILIES)
def test_syn_sent_behind_a_full_backlog(family):
    """listen(0) holds one finished connection; Linux then drops the next SYN: it stays SYN_SENT."""
    with listener(family, backlog=0) as lst:
        address = lst.getsockname()[:2]
        with socket.create_connection(address, timeout=PATIENT):
            assert settle(lambda: tcpinfo.accept_queue(lst)[0] == 1)
            with socket.socket(family, socket.SOCK_STREAM) as late:
                late.setblocking(False)
                assert late.connect_ex(address) != 0  # EINPROGRESS: the handshake has not finished
                assert tcpinfo.tcp_state(late) == "SYN_SENT"
                assert tcpinfo.queues(late) == (0, 0)


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_established_both_ends(family):
    with connection(family) as (client, server):
        assert tcpinfo.tcp_state(client) == tcpinfo.tcp_state(server) == "ESTABLISHED"
        assert tcpinfo.queues(client) == (0, 0)
        measured = tcpinfo.rtt(client)
        assert measured is None or 0 < measured < 60


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_half_close_fin_wait_2_and_close_wait(family):
    with connection(family) as (client, server):
        client.shutdown(socket.SHUT_WR)
        assert wait_state(client, "FIN_WAIT_2") == "FIN_WAIT_2"
        assert wait_state(server, "CLOSE_WAIT") == "CLOSE_WAIT"
        assert server.recv(1) == b""  # what CLOSE_WAIT means: the peer's FIN has arrived


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_fin_wait_1_while_the_peer_window_is_full(family):
    with connection(family, client_rcvbuf=SMALL_BUFFER) as (client, server):
        sent = fill(server, client)
        server.shutdown(socket.SHUT_WR)  # the FIN waits behind data the client cannot take
        assert tcpinfo.tcp_state(server) == "FIN_WAIT_1"
        assert tcpinfo.tcp_state(client) == "ESTABLISHED"
        assert drain(client) == sent
        assert wait_state(client, "CLOSE_WAIT") == "CLOSE_WAIT"
        assert wait_state(server, "FIN_WAIT_2") == "FIN_WAIT_2"


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_last_ack_then_closed(family):
    with connection(family, client_rcvbuf=SMALL_BUFFER) as (client, server):
        client.shutdown(socket.SHUT_WR)
        assert wait_state(server, "CLOSE_WAIT") == "CLOSE_WAIT"
        sent = fill(server, client)
        server.shutdown(socket.SHUT_WR)  # CLOSE_WAIT -> LAST_ACK; the FIN cannot go yet
        assert tcpinfo.tcp_state(server) == "LAST_ACK"
        assert tcpinfo.tcp_state(client) == "FIN_WAIT_2"
        assert drain(client) == sent  # the client takes it all, then the FIN, and ACKs it
        assert wait_state(server, "CLOSED") == "CLOSED"
        # the side that closed first: its own socket reads CLOSED (its TIME_WAIT belongs to no socket)
        assert wait_state(client, "CLOSED") == "CLOSED"


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_fresh_socket_is_closed(family):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        assert tcpinfo.tcp_state(sock) == "CLOSED"


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_receive_queue_counts_unread_bytes(family):
    with connection(family) as (client, server):
        client.sendall(b"a" * 1000)
        assert settle(lambda: tcpinfo.queues(server)[0] == 1000), tcpinfo.queues(server)
        assert server.recv(400) == b"a" * 400
        assert tcpinfo.queues(server)[0] == 600


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_send_queue_grows_when_the_peer_does_not_read(family):
    with connection(family, client_rcvbuf=SMALL_BUFFER) as (client, server):
        sent = fill(server, client)
        unacked = tcpinfo.queues(server)[1]
        assert unacked is not None and 0 < unacked <= sent
        received = tcpinfo.queues(client)[0]  # every byte sent is still queued or has arrived
        assert received is not None and 0 < received <= sent <= received + unacked


def test_closed_and_udp_sockets_read_nothing():
    closed = socket.socket()
    closed.close()
    assert tcpinfo.tcp_state(closed) is None and tcpinfo.queues(closed) == (None, None)
    assert "cerrado" in tcpinfo.missing_reason(closed)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        assert tcpinfo.tcp_state(udp) is None and tcpinfo.rtt(udp) is None
        assert tcpinfo.missing_reason(udp).startswith("no aplica: UDP")


@pytest.mark.skipif(sys.platform != "win32", reason="Windows only")
def test_windows_says_why():  # pragma: no cover - run on Windows
    with socket.socket() as sock:
        assert tcpinfo.tcp_state(sock) is None
        assert tcpinfo.missing_reason(sock).startswith("no disponible en Windows")


# -- the layouts, on every system --------------------------------------------------------------
def _linux_record(state: int, unacked: int = 0, sacked: int = 0, rtt_us: int = 0, retrans: int = 0) -> bytes:
    words = [0] * 24
    words[4], words[5], words[15], words[23] = unacked, sacked, rtt_us, retrans
    return struct.pack("=8B24I", state, 0, 0, 0, 0, 0, 0, 0, *words) + bytes(256 - 104)


def test_parse_linux_layout():
    record = tcpinfo.parse_linux(_linux_record(1, rtt_us=1500, retrans=2))
    assert record == tcpinfo.TcpInfo("ESTABLISHED", rtt=0.0015, retransmitted=2)
    assert tcpinfo.parse_linux(_linux_record(10, unacked=1, sacked=5)) == tcpinfo.TcpInfo(
        "LISTEN", accept_ready=1, backlog=5
    )
    assert tcpinfo.parse_linux(_linux_record(6)).state == "TIME_WAIT"
    assert tcpinfo.parse_linux(_linux_record(99)) is None
    assert tcpinfo.parse_linux(b"\x01" * 50) is None  # too short to be a tcp_info


def test_parse_macos_layout():
    def record(state: int, sbbytes: int = 0, srtt_ms: int = 0) -> bytes:
        words = [0] * 13
        words[7], words[10] = sbbytes, srtt_ms
        return struct.pack("=4B13I", state, 0, 0, 0, *words) + bytes(112 - 56)

    assert tcpinfo.parse_macos(record(4, sbbytes=700, srtt_ms=3)) == tcpinfo.TcpInfo(
        "ESTABLISHED", rtt=0.003, send_queue=700
    )
    assert tcpinfo.parse_macos(record(9)).state == "FIN_WAIT_2"  # macOS numbers its states differently
    assert tcpinfo.parse_macos(record(1)) == tcpinfo.TcpInfo("LISTEN")


def test_every_name_is_an_rfc_793_state():
    named = {*tcpinfo._LINUX_STATES.values(), *tcpinfo._MACOS_STATES.values(), *tcpinfo._PSUTIL_STATES.values()}
    assert named == set(tcpinfo.STATES)
    assert tcpinfo.from_psutil("FIN_WAIT1") == "FIN_WAIT_1" and tcpinfo.from_psutil("NONE") is None
