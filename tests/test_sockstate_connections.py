"""lab.conexiones: the machine's TCP sockets as psutil lists them, on real loopback connections."""

from __future__ import annotations

import os
import socket
import sys

import psutil
import pytest
from _sockstate_kit import connection, loopback_host
from conftest import PATIENT, settle

import labsupport as lab
from labsupport._address import format_address
from labsupport.sockstate import connections

FAMILIES = [pytest.param(socket.AF_INET, id="ipv4"), pytest.param(socket.AF_INET6, id="ipv6")]
#: macOS without root lists only this process's sockets: a TIME_WAIT belongs to none
ONLY_MINE = sys.platform == "darwin" and os.geteuid() != 0


def _address(sock_address) -> str:
    return format_address(sock_address[:2])


@pytest.mark.parametrize("family", FAMILIES)
def test_both_ends_with_this_process_pid_listener_first(family):
    with connection(family) as (client, server):
        port = server.getsockname()[1]
        table = lab.conexiones(puerto=port)
        # this connection's rows: an earlier connection on the same port number may linger in TIME_WAIT
        ends = {_address(server.getsockname()), _address(client.getsockname())}
        rows = [r for r in table.as_dicts() if r["estado"] == "LISTEN" or r["local"] in ends]
        assert [r["estado"] for r in rows] == ["LISTEN", "ESTABLISHED", "ESTABLISHED"]
        assert {r["pid"] for r in rows} == {os.getpid()}
        # listener, then the server's end, then the client's: whatever the random ports are
        assert rows[1]["local"] == _address(server.getsockname()) == rows[2]["remota"]
        assert rows[2]["local"] == _address(client.getsockname()) == rows[1]["remota"]
        text = str(table)
        assert f"pid {os.getpid()} (este proceso)" in text
        assert str(port) not in table.title  # ports are printed only next to their host


@pytest.mark.skipif(ONLY_MINE, reason="macOS without root cannot list TIME_WAIT")
@pytest.mark.parametrize("family", FAMILIES)
def test_time_wait_belongs_to_no_process(family):
    with connection(family) as (client, server):
        port = server.getsockname()[1]
        client_address = _address(client.getsockname())
        client.close()  # the client closes first ...
        assert server.recv(1) == b""
        server.close()  # ... so the client's end is the one left in TIME_WAIT

        def time_wait_rows():
            return [f for f in lab.conexiones(puerto=port) if f["estado"] == "TIME_WAIT"]

        assert settle(lambda: len(time_wait_rows()) == 1), lab.conexiones(puerto=port)
        (row,) = time_wait_rows()
        assert row["local"] == client_address and row["pid"] is None
        assert "— (ninguno: la guarda el núcleo)" in str(lab.conexiones(puerto=port))


@pytest.mark.parametrize("family", FAMILIES)
def test_close_wait_stays_with_the_process_that_did_not_close(family):
    with connection(family) as (client, server):
        port = server.getsockname()[1]
        client.close()

        def states():
            return {f["local"]: (f["estado"], f["pid"]) for f in lab.conexiones(puerto=port)}

        server_end = _address(server.getsockname())
        assert settle(lambda: states().get(server_end) == ("CLOSE_WAIT", os.getpid())), states()


def test_queues_filled_for_the_sockets_given():
    with connection(socket.AF_INET) as (client, server):
        port = server.getsockname()[1]
        client.sendall(b"q" * 1000)

        def server_end():
            rows = lab.conexiones(puerto=port, sockets=[client, server]).as_dicts()
            return next(r for r in rows if r["remota"] == _address(client.getsockname()))

        assert settle(lambda: server_end()["recepción"] == 1000), server_end()
        assert all(r["recepción"] is None for r in lab.conexiones(puerto=port))  # no sockets: unknown
        assert "—" in str(lab.conexiones(puerto=port))


def test_course_servers_only():
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        with lab.EchoServer() as echo:
            with socket.create_connection(echo.address, timeout=PATIENT) as client:
                client.sendall(b"hola\n")
                assert client.recv(100)  # the server has accepted it
                table = lab.conexiones(curso=True)
                locals_ = [f["local"] for f in table]
                assert _address(echo.address) in locals_
                assert _address(client.getsockname()) in locals_
                assert _address(foreign.getsockname()) not in locals_
                assert table.states()[0] == "LISTEN"
    assert "No hay ningún servidor del curso en marcha." in str(lab.conexiones(curso=True))


@pytest.mark.parametrize("family", FAMILIES)
def test_filter_by_address_with_and_without_port(family):
    host = loopback_host(family)
    with connection(family) as (client, server):
        client_address = _address(client.getsockname())
        server_address = _address(server.getsockname())
        rows = lab.conexiones(direccion=client_address).as_dicts()
        # both ends of this connection, and only rows that touch the address: another process's connection
        # may share the client's ephemeral port towards another destination (Linux reuses it), so the
        # rows cannot be expected to be exactly these two (a stress run saw a third)
        pairs = {(r["local"], r["remota"]) for r in rows}
        assert {(client_address, server_address), (server_address, client_address)} <= pairs
        assert all(client_address in (r["local"], r["remota"]) for r in rows), rows
        everyone = lab.conexiones(direccion=host, puerto=server.getsockname()[1])
        assert len(everyone) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"puerto": 0}, "entre 1 y 65535"),
        ({"puerto": "80"}, "entre 1 y 65535"),
        ({"puerto": True}, "entre 1 y 65535"),
        ({"direccion": "mi-servidor"}, "no es una dirección IP"),  # a name: refused, never looked up
        ({"direccion": "127.0.0.1:99999"}, "entre 1 y 65535"),
        ({"direccion": 127}, "debe ser un texto"),
        ({"sockets": ["127.0.0.1"]}, "espera una lista de sockets"),
    ],
)
def test_bad_input_gets_a_spanish_message(kwargs, message):
    with pytest.raises(lab.LabError, match=message):
        lab.conexiones(**kwargs)


def test_no_match_says_so():
    with socket.socket() as lone:
        lone.bind(("127.0.0.1", 0))  # bound, never listening: not a TCP socket the system lists
        table = lab.conexiones(direccion=_address(lone.getsockname()))
        assert len(table) == 0 and "Ninguna conexión TCP coincide" in table.note


def test_without_permission_lists_only_this_process(monkeypatch):
    """macOS without root: net_connections raises AccessDenied (forced here; the fallback is real)."""

    def denied(kind="inet"):
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "net_connections", denied)
    with connection(socket.AF_INET) as (_client, server):
        port = server.getsockname()[1]
        table = lab.conexiones(puerto=port)
        assert table.states() == ["LISTEN", "ESTABLISHED", "ESTABLISHED"]
        assert {f["pid"] for f in table} == {os.getpid()}
        assert "solo se pueden listar las conexiones de este proceso" in table.note


def test_psutil_states_map_to_rfc_names():
    listed, _ = connections.list_connections()
    assert {c.state for c in listed} <= set(lab.sockstate.tcpinfo.STATES)
