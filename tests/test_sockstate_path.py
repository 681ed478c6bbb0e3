"""labsupport.sockstate.path: the states both ends of real loopback connections go through, mark by mark.

Every state is produced, not waited for by luck: transient ones are settled by the mark itself
(bounded), and the ones a path must show while transient (SYN_SENT, FIN_WAIT_1, LAST_ACK) are held
by a full backlog or by a peer whose receive window is full (tests/_sockstate_kit.py).
"""

from __future__ import annotations

import socket
import struct
import sys

import pytest
from _sockstate_kit import SMALL_BUFFER, connection, drain, fill, listener, loopback_host
from _statepath_kit import active_close
from conftest import PATIENT, settle

from labsupport.sockstate import path as pathmod
from labsupport.sockstate import tcpinfo
from labsupport.sockstate.path import StatePath, StatePathError

FAMILIES = [pytest.param(socket.AF_INET, id="ipv4"), pytest.param(socket.AF_INET6, id="ipv6")]
live = pytest.mark.skipif(not tcpinfo.supported(), reason="this system cannot read a socket's TCP state")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux behaviour")
pytestmark = live


@pytest.mark.parametrize("family", FAMILIES)
def test_active_closer_ends_in_time_wait_the_other_in_closed(family):
    path = active_close(family)
    assert path.path("cliente") == ["CLOSED", "ESTABLISHED", "FIN_WAIT_2", "TIME_WAIT"]
    assert path.path("servidor") == ["LISTEN", "ESTABLISHED", "CLOSE_WAIT", "CLOSED"]
    assert path.moves("cliente") == [
        (2, "CLOSED", "ESTABLISHED"),
        (3, "ESTABLISHED", "FIN_WAIT_2"),
        (4, "FIN_WAIT_2", "TIME_WAIT"),
    ]
    assert [s.label for s in path.steps] == ["creados", "conectados", "el cliente cierra", "el servidor cierra"]


@pytest.mark.parametrize("family", FAMILIES)
def test_last_ack_held_by_a_full_window_then_closed(family):
    """The server closes with data the half-closed client does not read: its FIN waits, LAST_ACK."""
    with connection(family, client_rcvbuf=SMALL_BUFFER) as (client, server):
        path = StatePath(cliente=client, servidor=server)
        client.shutdown(socket.SHUT_WR)
        path.mark("el cliente envía FIN")
        sent = fill(server, client)
        server.close()  # the fd is gone: from now on the server's state comes from the system's list
        held = path.mark("el servidor cierra sin que el cliente lea", settle=0)
        assert held.states == {"cliente": "FIN_WAIT_2", "servidor": "LAST_ACK"}
        assert drain(client) == sent
        path.mark("el cliente lee todo")
        client.close()
        path.mark("el cliente cierra")
    assert path.path("servidor") == ["CLOSE_WAIT", "LAST_ACK", "CLOSED"]
    # the client's own record reads CLOSED once its FIN_WAIT_2 ends: its TIME_WAIT is the system's
    assert path.states("cliente")[-2:] == ["TIME_WAIT", "TIME_WAIT"]
    assert path.path("cliente") == ["FIN_WAIT_2", "TIME_WAIT"]


@pytest.mark.parametrize("family", FAMILIES)
def test_forgotten_close_leaves_the_peer_in_close_wait(family):
    with connection(family) as (client, server):
        path = StatePath(cliente=client, servidor=server)
        client.close()
        path.mark("el cliente cierra")
        assert server.recv(10) == b""  # the server sees EOF... and never calls close()
        path.mark("el servidor lee el EOF y olvida cerrar")
        path.mark("más tarde")
        assert path.states("servidor") == ["CLOSE_WAIT"] * 3
        assert path.states("cliente") == ["FIN_WAIT_2"] * 3  # its FIN was acknowledged, no FIN came back


@pytest.mark.parametrize("family", FAMILIES)
def test_reset_closes_both_ends_without_time_wait(family):
    with connection(family) as (client, server):
        path = StatePath(cliente=client, servidor=server)
        path.mark("conectados")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        path.mark("el cliente corta con RST")
        with pytest.raises(ConnectionResetError):
            server.recv(10)
    path.mark("el servidor cierra")
    assert path.path("cliente") == ["ESTABLISHED", "CLOSED"]
    assert path.path("servidor") == ["ESTABLISHED", "CLOSED"]
    assert path.states("cliente") == ["ESTABLISHED", "CLOSED", "CLOSED"]


@linux
@pytest.mark.parametrize("family", FAMILIES)
def test_syn_sent_held_behind_a_full_backlog(family):
    with listener(family, backlog=0) as lst:
        address = lst.getsockname()[:2]
        with socket.create_connection(address, timeout=PATIENT):
            assert settle(lambda: tcpinfo.accept_queue(lst)[0] == 1)
            with socket.socket(family, socket.SOCK_STREAM) as late:
                path = StatePath(cliente=late)
                path.mark("creado")
                late.setblocking(False)
                assert late.connect_ex(address) != 0
                path.mark("connect() con la cola llena", settle=0)
    assert path.path("cliente") == ["CLOSED", "SYN_SENT"]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_mark_waits_out_fin_wait_1_and_can_read_it_when_held(family):
    with connection(family, client_rcvbuf=SMALL_BUFFER) as (client, server):
        path = StatePath(servidor=server)
        server.shutdown(socket.SHUT_WR)  # nothing queued: the ACK comes back at once
        assert path.mark("medio cierre").states == {"servidor": "FIN_WAIT_2"}
    with connection(family, client_rcvbuf=SMALL_BUFFER) as (client, server):
        path = StatePath(servidor=server)
        fill(server, client)
        server.shutdown(socket.SHUT_WR)  # the FIN waits behind data the client cannot take
        assert path.mark("medio cierre con el búfer lleno", settle=0).states == {"servidor": "FIN_WAIT_1"}
        assert path.mark("tampoco espera", settle=0.2).states == {"servidor": "FIN_WAIT_1"}


def test_an_end_tracked_later_is_absent_before_and_the_table_says_so():
    host = loopback_host(socket.AF_INET)
    with socket.socket() as lst:
        lst.bind((host, 0))
        lst.listen()
        path = StatePath({"escucha": lst})
        path.mark("escuchando")
        with socket.create_connection(lst.getsockname(), timeout=PATIENT) as client:
            path.track("cliente", client)
            path.mark("conectado")
    rows = path.table().rows
    assert rows == [["1", "escuchando", "LISTEN", "—"], ["2", "conectado", "LISTEN", "ESTABLISHED"]]
    assert path.ends == ["escucha", "cliente"]
    assert path.states("cliente") == ["ESTABLISHED"]
    assert "paso" in str(path) and "<table" in path._repr_html_()
    assert repr(path) == "<StatePath escucha, cliente: 2 pasos>"


def test_unknown_when_the_system_list_cannot_be_read(monkeypatch):
    """macOS without root: psutil raises AccessDenied; a closed socket's state is unknown, not CLOSED."""
    import psutil

    def denied(kind="inet"):
        raise psutil.AccessDenied()

    with connection(socket.AF_INET) as (client, _server):
        path = StatePath(cliente=client)
        client.close()
        monkeypatch.setattr(psutil, "net_connections", denied)
        monkeypatch.setattr(pathmod, "_linux_states", lambda wanted: None)  # as if /proc were not there
        step = path.mark("el cliente cierra")
    assert step.states == {"cliente": None}
    assert path.table().rows[0][2] == "desconocido"
    assert path.path("cliente") == []
    assert pathmod.system_states([(("127.0.0.1", 1), None)]) is None


def test_misuse_is_told_in_spanish():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(StatePathError, match="sockets TCP"):
        StatePath(datagramas=udp)
    with pytest.raises(StatePathError, match="sockets TCP"):
        StatePath(cliente="127.0.0.1")  # type: ignore[arg-type]
    path = StatePath()
    with pytest.raises(StatePathError, match="No hay ningún extremo «cliente»"):
        path.states("cliente")
    assert "Aún no hay pasos" in str(path)


@linux
@pytest.mark.parametrize("family", FAMILIES)
def test_the_kernel_table_and_psutil_agree(family):
    """On Linux the states come from /proc/net/tcp*; psutil, used elsewhere, must say the same."""
    with listener(family) as lst, connection(family) as (client, _server):
        closed_first = socket.socket(family, socket.SOCK_STREAM)
        closed_first.connect(lst.getsockname()[:2])
        peer, _ = lst.accept()
        keys = {
            "LISTEN": (pathmod._addr(lst.getsockname()), None),
            "ESTABLISHED": (pathmod._addr(client.getsockname()), pathmod._addr(client.getpeername())),
            "TIME_WAIT": (pathmod._addr(closed_first.getsockname()), pathmod._addr(closed_first.getpeername())),
        }
        closed_first.close()
        assert settle(lambda: pathmod._linux_states({keys["TIME_WAIT"]}) == {keys["TIME_WAIT"]: "FIN_WAIT_2"})
        peer.close()
        assert settle(lambda: pathmod._linux_states({keys["TIME_WAIT"]}) == {keys["TIME_WAIT"]: "TIME_WAIT"})
        wanted = set(keys.values())
        from_proc = pathmod._linux_states(wanted)
        assert from_proc == pathmod._psutil_states(wanted) == {key: state for state, key in keys.items()}
