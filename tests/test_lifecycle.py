"""The lifecycle every server shares, tested with the echo servers over real loopback sockets."""

from __future__ import annotations

import concurrent.futures
import re
import socket
import threading

import pytest
from conftest import COMMAND_LIMIT, PATIENT, open_fds, settle

import labsupport as lab
from labsupport._server import StreamServer
from labsupport.events import EventKind


def test_thousand_start_stop_cycles_leave_nothing_behind():
    threads, fds = threading.active_count(), open_fds()
    ports = set()
    for _ in range(1000):
        server = lab.EchoServer()
        ports.add(server.port)
        server.stop()
    assert settle(lambda: threading.active_count() == threads)
    if fds is not None:
        assert open_fds() == fds
    assert lab.running_servers() == []
    assert len(ports) > 1


def test_stop_twice_and_with_block(no_leaks):
    server = lab.EchoServer()
    server.stop()
    server.stop()
    with lab.EchoServer() as srv:
        assert srv.running
    assert not srv.running


def test_two_servers_never_share_a_port(no_leaks):
    servers = [lab.EchoServer() for _ in range(20)]
    assert len({s.port for s in servers}) == 20
    for s in servers:
        s.stop()


def test_used_after_stop_gives_a_spanish_error(no_leaks):
    server = lab.EchoServer()
    server.stop()
    with pytest.raises(lab.ServerStoppedError, match="detenido"):
        _ = server.address
    with pytest.raises(lab.ServerStoppedError, match="no puede volver a arrancar"):
        server.start()


def test_stopped_server_refuses_connections(no_leaks):
    server = lab.EchoServer()
    address = server.address
    server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=PATIENT).close()


def test_start_false_binds_but_waits(no_leaks):
    server = lab.EchoServer(start=False)
    assert 1024 <= server.port <= 65535 and not server.running
    with server:
        with socket.create_connection(server.address, timeout=PATIENT) as c:
            c.sendall(b"x")
            assert c.recv(100) == b"Echo: x"


class _Broken(StreamServer):
    def handle(self, conn, addr):
        conn.recv(10)
        raise ValueError("fallo del manejador")


def test_handler_exception_comes_back_from_check(no_leaks):
    server = _Broken()
    with socket.create_connection(server.address, timeout=PATIENT) as c:
        c.sendall(b"hola")
        assert c.recv(10) == b""  # the server closed the connection after the error
    assert settle(lambda: server.errors())
    with pytest.raises(ValueError, match="fallo del manejador"):
        server.check()
    server.check()  # reported once
    server.stop()


def test_many_concurrent_clients_each_get_their_own_echo(no_leaks):
    server = lab.EchoServer(max_connections=64)

    def talk(i: int) -> bytes:
        with socket.create_connection(server.address, timeout=PATIENT) as c:
            message = f"cliente {i}".encode()
            c.sendall(message)
            expected = b"Echo: " + message
            got = b""
            while len(got) < len(expected):
                chunk = c.recv(100)
                if not chunk:
                    break
                got += chunk
            return got

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(talk, range(50)))
    assert answers == [f"Echo: cliente {i}".encode() for i in range(50)]
    server.stop()
    server.check()


def test_silent_client_is_dropped_after_the_timeout(no_leaks):
    server = lab.EchoServer(timeout=0.3)  # must fire: short
    with socket.create_connection(server.address, timeout=PATIENT) as c:
        assert c.recv(10) == b""  # closed by the server (b""), not by our own timeout (TimeoutError)
    assert settle(lambda: any(e.kind is EventKind.TIMEOUT for e in server.log()))
    server.stop()


def test_connection_cap_closes_extra_clients(no_leaks):
    server = lab.EchoServer(max_connections=2)
    held = [socket.create_connection(server.address, timeout=PATIENT) for _ in range(2)]
    for c in held:  # make sure both are being handled
        c.sendall(b"a")
        assert c.recv(10) == b"Echo: a"
    with socket.create_connection(server.address, timeout=PATIENT) as extra:
        assert extra.recv(10) == b""
    assert any(e.kind is EventKind.REFUSED for e in server.log())
    for c in held:
        c.close()
    server.stop()


def test_stop_all_stops_everything(no_leaks):
    servers = [lab.EchoServer(), lab.UdpEchoServer()]
    assert lab.stop_all() >= 2
    assert not any(s.running for s in servers)


def test_udp_echo(no_leaks):
    with lab.UdpEchoServer() as server, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        c.settimeout(PATIENT)
        c.sendto("año".encode(), server.address)
        data, peer = c.recvfrom(100)
        assert data == "Echo: año".encode() and peer == server.address


def test_ipv6_echo_or_clear_spanish_error(no_leaks):
    try:
        server = lab.EchoServer("::1")
    except lab.NoIPv6Error as exc:
        assert "IPv6" in str(exc)
        return
    with server, socket.create_connection(server.address, timeout=PATIENT) as c:
        assert c.family == socket.AF_INET6
        c.sendall(b"v6")
        assert c.recv(10) == b"Echo: v6"


def test_non_binary_utf8_does_not_crash(no_leaks):
    with lab.EchoServer() as server, socket.create_connection(server.address, timeout=PATIENT) as c:
        c.sendall(b"\xff\xfe")
        assert c.recv(10) == b"Echo: \xff\xfe"
        server.check()


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "servidor.invalid"])
def test_refuses_non_loopback_without_permission(host):
    with pytest.raises(lab.NotLoopbackError):
        lab.EchoServer(host)


def test_import_starts_nothing():
    import subprocess
    import sys

    code = (
        "import threading, sys, labsupport as lab; "
        "assert threading.active_count() == 1; "
        "assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=COMMAND_LIMIT)
    assert out.stdout.strip() == "ok", out.stderr


def test_a_stopped_server_says_how_a_notebook_makes_a_new_one():
    from labsupport import faults

    for server, spelled in ((lab.EchoServer(), "lab.EchoServer()"), (faults.Reset(), "lab.faults.Reset()")):
        server.stop()
        with pytest.raises(lab.ServerStoppedError, match=re.escape(spelled)):
            _ = server.port
