"""The checkers' pacing: each piece is read alone, because the next waits for the reader."""

from __future__ import annotations

import socket
import sys
import threading

import pytest
from conftest import PATIENT

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


def test_unread_counts_what_nobody_read(pair):
    a, b = pair
    assert _pacing.unread(b) == 0
    a.sendall(b"hola")
    _pacing.wait_unread(b, 4)
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
    _pacing.wait_unread(b, 15)
    assert _pacing.unread(b) == 15


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_INFO is Linux's")
def test_delivered_counts_bytes_read_or_not(pair):
    a, b = pair
    before = _pacing.delivered(b)
    a.sendall(b"12345")
    _pacing.wait_unread(b, 5)
    b.recv(2)
    assert _pacing.delivered(b) - before == 5
