"""The checkers' pacing: each piece is read alone, because the next waits for the reader."""

from __future__ import annotations

import socket
import sys
import threading

import pytest
from conftest import PATIENT, settle

from labsupport.exercises import _pacing

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIONREAD: Windows falls back to a pause")


@pytest.fixture
def pair():
    """A TCP connection on loopback: (sender, reader)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        a = socket.create_connection(listener.getsockname(), timeout=PATIENT)
        b, _ = listener.accept()
    b.settimeout(PATIENT)
    yield a, b
    a.close()
    b.close()


def wait_unread(reader, size):
    """Wait until at least ``size`` bytes are waiting on ``reader`` (they were sent in one piece)."""
    assert settle(lambda: (_pacing.unread(reader) or 0) >= size)


def test_unread_counts_what_nobody_read(pair):
    a, b = pair
    assert _pacing.unread(b) == 0
    a.sendall(b"hola")
    wait_unread(b, 4)
    assert _pacing.unread(b) == 4
    b.recv(1)
    assert _pacing.unread(b) == 3


def test_send_paced_sends_each_piece_after_the_previous_was_read(pair):
    a, b = pair
    pieces = [b"ho", b"la\nmun", b"do\n"]
    feeder = threading.Thread(target=_pacing.send_paced, args=(a, pieces, b))
    feeder.start()
    got = [b.recv(1000) for _ in pieces]  # a large recv: only the pacing keeps them apart
    feeder.join(PATIENT)
    assert got == pieces


def test_the_wait_ends_when_the_reader_is_finished(pair):
    a, b = pair
    _pacing.send_paced(a, [b"nadie lo ", b"leera!"], b, finished=lambda: True, wait_last=True)  # at once
    wait_unread(b, 15)
    assert _pacing.unread(b) == 15


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_INFO is Linux's")
def test_delivered_counts_bytes_read_or_not(pair):
    a, b = pair
    before = _pacing.delivered(b)
    a.sendall(b"12345")
    wait_unread(b, 5)
    b.recv(2)
    assert _pacing.delivered(b) - before == 5


def test_two_calls_in_a_row_stay_paced(pair):
    """The second call counts from what the reader has received, not from zero."""
    a, b = pair
    first, second = [b"uno ", b"dos "], [b"tres ", b"cuatro"]

    def feed():
        _pacing.send_paced(a, first, b, wait_last=True)
        _pacing.send_paced(a, second, b)

    feeder = threading.Thread(target=feed)
    feeder.start()
    got = [b.recv(1000) for _ in first + second]
    feeder.join(PATIENT)
    assert got == first + second


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/fd and TCP_INFO are Linux's")
def test_a_peer_reader_sees_the_socket_at_the_other_end(pair):
    a, b = pair
    peer = _pacing.PeerReader(a)  # the checker holds a; the student's socket is b
    a.sendall(b"hola")
    wait_unread(b, 4)
    assert peer.look() == _pacing.Reception(delivered=4, unread=4)
    b.recv(4)
    assert peer.look().consumed(4)
    b.close()
    assert peer.look() is _pacing.CLOSED


def test_a_paced_connection_gives_back_what_the_student_left_unread():
    pieces = [b"HTTP/1.1 200 OK\r\n", b"\r\n", b"cuerpo"]
    conn = _pacing.PacedConnection(pieces, close=False)
    try:
        assert conn.sock.recv(1000) == pieces[0]  # one piece, however large the recv
        assert conn.read_rest(100) == b"\r\ncuerpo"  # returns once all was sent and read: no wait for a FIN
    finally:
        conn.stop()
