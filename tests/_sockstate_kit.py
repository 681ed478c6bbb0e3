"""Real loopback connections brought, deterministically, into each TCP state (for the sockstate tests).

No state here depends on timing luck. A state the kernel reaches at once (FIN_WAIT_2 after the
peer's ACK) is waited for, polling, bounded by PATIENT. States that only last until a packet comes
back (FIN_WAIT_1, LAST_ACK) are held by a peer whose receive window is full: the FIN waits behind
data the peer cannot take, so it is not even sent until the peer reads.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from conftest import PATIENT, settle

from labsupport.sockstate import tcpinfo

SMALL_BUFFER = 4096


def loopback_host(family: socket.AddressFamily) -> str:
    """The loopback address of ``family``, skipping the test where ::1 is unavailable."""
    if family == socket.AF_INET:
        return "127.0.0.1"
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("sin IPv6 en loopback")
    return "::1"


@contextlib.contextmanager
def listener(family: socket.AddressFamily, backlog: int = 5) -> Iterator[socket.socket]:
    host = loopback_host(family)
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        sock.listen(backlog)
        yield sock


@contextlib.contextmanager
def connection(
    family: socket.AddressFamily, *, client_rcvbuf: int | None = None, server_rcvbuf: int | None = None
) -> Iterator[tuple[socket.socket, socket.socket]]:
    """``(client, server)``: both ends of an ESTABLISHED connection; buffer sizes set before connecting."""
    with listener(family) as lst:
        if server_rcvbuf:
            lst.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, server_rcvbuf)  # inherited by accept()
        client = socket.socket(family, socket.SOCK_STREAM)
        with client:
            if client_rcvbuf:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, client_rcvbuf)
            client.settimeout(PATIENT)
            client.connect(lst.getsockname()[:2])
            lst.settimeout(PATIENT)
            server, _ = lst.accept()
            with server:
                server.settimeout(PATIENT)
                yield client, server


def wait_state(sock: socket.socket, state: str) -> str | None:
    """Wait (bounded) until ``sock`` reads ``state``; return the state it last read."""
    settle(lambda: tcpinfo.tcp_state(sock) == state, PATIENT)
    return tcpinfo.tcp_state(sock)


def fill(sender: socket.socket, receiver: socket.socket) -> int:
    """Send until ``sender``'s buffer is full and ``receiver`` (which never reads) cannot take more.

    Returns the bytes sent. Afterwards data is left in ``sender``'s send queue that the peer's
    full window keeps from going: a FIN queued after it cannot be sent until ``receiver`` reads.
    """
    sent = 0
    chunk = b"x" * 65536
    sender.setblocking(False)
    try:
        for _ in range(10_000):  # bounded: a few MiB at most before the buffers are full
            try:
                sent += sender.send(chunk)
            except BlockingIOError:
                break
    finally:
        sender.settimeout(PATIENT)
    unacked = tcpinfo.queues(sender)[1]
    assert unacked is not None and unacked > SMALL_BUFFER * 2, unacked
    return sent


def drain(sock: socket.socket) -> int:
    """Read until the peer's FIN (``b""``); returns the bytes read."""
    total = 0
    for _ in range(100_000):
        data = sock.recv(65536)
        if not data:
            return total
        total += len(data)
    raise AssertionError("the peer never closed")
