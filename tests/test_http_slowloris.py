"""Slowloris and idle keep-alive connections: held by HttpServer's selector, never by a thread.

A bounded version of ``benchmarks/slowloris.py`` (1 000 + 1 000 there): 300 connections
that each sent half a request head and 300 idle keep-alive connections. While they are
held, no worker is busy and a new client is answered (how fast is the benchmark's
business); with a short ``timeout`` every one of them is closed by the server, the
half-sent ones after a 408.
"""

from __future__ import annotations

import http.client
import socket

import pytest
from conftest import settle

import labsupport as lab
from labsupport.events import EventKind

HALF_SENT = b"GET /get HTTP/1.1\r\nHost: x\r\n"
HELD = 300  # of each kind
PATIENT = 10.0  # a timeout that must not fire


@pytest.fixture(scope="module", autouse=True)
def enough_descriptors():
    """Each held connection costs two descriptors in this process (client and server side)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * HELD + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"el límite de descriptores ({hard}) no deja abrir {2 * HELD} conexiones")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def hold(srv: lab.HttpServer) -> tuple[list[socket.socket], list[socket.socket]]:
    """HELD half-sent heads and HELD idle keep-alive connections (each answered once)."""
    half, idle = [], []
    try:
        for _ in range(HELD):
            s = socket.create_connection(srv.address, timeout=PATIENT)
            s.sendall(HALF_SENT)
            half.append(s)
        for _ in range(HELD):
            s = socket.create_connection(srv.address, timeout=PATIENT)
            s.sendall(b"GET /ip HTTP/1.1\r\nHost: x\r\n\r\n")
            idle.append(s)
        for s in idle:
            head = s.recv(65536)
            assert head.startswith(b"HTTP/1.1 200 ") and b"Connection: close" not in head
    except BaseException:
        for s in half + idle:
            s.close()
        raise
    return half, idle


def test_a_new_client_is_answered_while_hundreds_are_held_without_a_thread():
    with lab.HttpServer(timeout=60.0) as srv:  # nothing held may time out during the test
        half, idle = hold(srv)
        try:
            assert settle(lambda: srv.active_connections == 2 * HELD, timeout=PATIENT)
            assert settle(lambda: srv._pool.busy == 0, timeout=PATIENT)  # held: no worker is busy
            workers = srv._pool.threads
            c = http.client.HTTPConnection(*srv.address, timeout=PATIENT)
            c.request("GET", "/get")
            r = c.getresponse()
            assert r.status == 200 and r.read()
            c.close()
            assert srv._pool.threads <= max(workers, 1) + 1  # the new request took one worker at most
            assert srv.active_connections >= 2 * HELD  # and none of the held ones was dropped
        finally:
            for s in half + idle:
                s.close()
        srv.check()


def test_every_held_connection_is_closed_by_the_timeouts():
    with lab.HttpServer(timeout=0.3) as srv:  # timeouts that must fire: short
        half, idle = hold(srv)
        try:
            for s in half:  # 408, then the server's FIN (a TimeoutError here: never closed)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                assert data.startswith(b"HTTP/1.1 408 ") and b"Connection: close\r\n" in data
                assert "no llegó completa" in data.decode() or "no terminaron" in data.decode()
            for s in idle:
                assert s.recv(100) == b""  # closed without a word: nothing was half sent
        finally:
            for s in half + idle:
                s.close()
        assert settle(lambda: srv.active_connections == 0, timeout=PATIENT)
        assert sum(r.status == 408 for r in srv.requests()) == HELD
        assert sum(e.kind is EventKind.TIMEOUT for e in srv.log()) == HELD
        srv.check()
