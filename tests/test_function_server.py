"""lab.FunctionServer: a notebook's server function with the course's lifecycle, on real sockets."""

from __future__ import annotations

import socket

import pytest
from conftest import PATIENT

import labsupport as lab
from labsupport.function_server import ServerFunctionError


def echo_server(parar, al_arrancar, prefix=b"Echo: "):
    """A small blocking echo server in one thread, as a notebook would write it."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.05)
        al_arrancar(server.getsockname())
        while not parar.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(PATIENT)
                while data := conn.recv(4096):
                    conn.sendall(prefix + data)


def test_starts_serves_and_stops(no_leaks):
    server = lab.FunctionServer(echo_server, b">> ")
    assert server in lab.running_servers() and server.alive
    assert lab.clients.echo_once(server.address, prefix=b">> ")
    server.stop()
    server.stop()
    assert not server.alive and server not in lab.running_servers()
    with pytest.raises(lab.ServerStoppedError, match="detenido"):
        _ = server.address


def test_with_block_and_stop_all(no_leaks):
    with lab.FunctionServer(echo_server) as server:
        assert server.running
    assert not server.running
    other = lab.FunctionServer(echo_server)
    assert lab.stop_all() >= 1 and not other.alive


def test_an_error_before_listening_is_raised_where_the_server_was_created(no_leaks):
    def broken(parar, al_arrancar):
        raise ValueError("puerto imposible")

    with pytest.raises(ValueError, match="puerto imposible"):
        lab.FunctionServer(broken)
    assert lab.running_servers() == []


def test_a_function_that_never_says_its_address_gets_a_spanish_error(no_leaks):
    def forgetful(parar, al_arrancar):
        return None

    with pytest.raises(ServerFunctionError, match="no llamó a al_arrancar"):
        lab.FunctionServer(forgetful)


def test_a_crash_is_kept_for_check_and_its_clients_see_the_connection_end(no_leaks, capsys):
    def crashes_on_first_client(parar, al_arrancar):
        with socket.create_server(("127.0.0.1", 0)) as server:
            al_arrancar(server.getsockname())
            conn, _ = server.accept()  # held only in this frame's locals
            conn.recv(10)
            raise BlockingIOError("el búfer de envío está lleno")

    server = lab.FunctionServer(crashes_on_first_client)
    with socket.create_connection(server.address, timeout=PATIENT) as client:
        client.sendall(b"hola")
        try:
            seen = client.recv(10)  # EOF or RST, never the timeout: the dead server's socket closed
        except ConnectionResetError:
            seen = b""
    assert seen == b""
    assert server.wait(PATIENT) and not server.alive
    assert [type(e) for e in server.errors()] == [BlockingIOError]
    with pytest.raises(BlockingIOError, match="lleno"):
        server.check()
    server.check()  # re-raised once
    assert capsys.readouterr().err == ""  # the thread printed nothing
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(server.address, timeout=PATIENT)
    server.stop()
