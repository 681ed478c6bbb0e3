"""lab.ficha: what a socket's card says in each state, on real sockets."""

from __future__ import annotations

import socket
import sys

import pytest
from _sockstate_kit import SMALL_BUFFER, connection, fill, listener, wait_state
from conftest import PATIENT, settle

import labsupport as lab
from labsupport.sockstate import tcpinfo
from labsupport.sockstate.glosses import GLOSSES, gloss


def test_fresh_tcp_socket():
    with socket.socket() as s:
        card = lab.ficha(s)
        assert card["familia"] == "AF_INET (IPv4)"
        assert card["tipo"] == "SOCK_STREAM (TCP)"
        assert card["dirección local"].startswith("0.0.0.0:0 (sin enlazar")
        assert card["dirección remota"] == "— (sin conectar)"
        assert card["escuchando"] == "no"
        assert card["timeout"].startswith("ninguno (bloqueante")
        assert card["descriptor (fileno)"] == str(s.fileno())
        assert card["estado"] == "abierto"


def test_listening_and_connected_sockets():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert lab.ficha(server)["escuchando"] == "sí (listen)"
        assert lab.ficha(server)["dirección local"] == f"127.0.0.1:{port}"
        with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
            conn, _ = server.accept()
            with conn:
                card = lab.ficha(client)
                assert card["dirección remota"] == f"127.0.0.1:{port}"
                assert card["timeout"] == "2 s"
                assert lab.ficha(conn)["dirección remota"] == card["dirección local"]


def test_closed_socket():
    s = socket.socket()
    s.close()
    card = lab.ficha(s)
    assert card["estado"] == "cerrado"
    assert card["descriptor (fileno)"] == "-1"
    assert card["dirección local"] == "—"


def test_udp_and_nonblocking():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setblocking(False)
        card = lab.ficha(s)
        assert card["tipo"] == "SOCK_DGRAM (UDP)"
        assert card["escuchando"].startswith("no (UDP")
        assert card["timeout"] == "0 (no bloqueante)"


def test_ipv6_address_in_brackets():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
    except OSError:
        pytest.skip("sin IPv6 en loopback")
    with s:
        card = lab.ficha(s)
        assert card["familia"] == "AF_INET6 (IPv6)"
        assert card["dirección local"] == f"[::1]:{s.getsockname()[1]}"


def test_text_and_html_views():
    with socket.socket() as s:
        card = lab.ficha(s)
        text = repr(card)
        assert text.splitlines()[0] == "Ficha del socket"
        assert "descriptor (fileno)" in text
        html = card._repr_html_()
        assert html.startswith("<table>") and "<th style='text-align:left'>familia</th>" in html


def test_not_a_socket_gets_a_spanish_error():
    with pytest.raises(lab.LabError, match="espera un socket"):
        lab.ficha("127.0.0.1")


# -- the kernel's rows: TCP state and queues -------------------------------------------------
kernel = pytest.mark.skipif(not tcpinfo.supported(), reason="this system cannot read a socket's TCP state")
FAMILIES = [pytest.param(socket.AF_INET, id="ipv4"), pytest.param(socket.AF_INET6, id="ipv6")]


@kernel
@pytest.mark.parametrize("family", FAMILIES)
def test_card_of_a_listener_shows_listen_and_its_accept_queue(family):
    with listener(family, backlog=5) as lst:
        card = lab.ficha(lst)
        assert card["estado TCP"] == "LISTEN (escuchando: espera conexiones para accept())"
        assert card["en la cola de recepción"].startswith("— (escucha: su cola guarda conexiones")
        if sys.platform.startswith("linux"):
            assert card["esperando accept()"] == "0 conexiones (backlog: 5)"
            with socket.create_connection(lst.getsockname()[:2], timeout=PATIENT):
                assert settle(lambda: lab.ficha(lst)["esperando accept()"] == "1 conexión (backlog: 5)")


@kernel
@pytest.mark.parametrize("family", FAMILIES)
def test_card_of_a_connection_shows_its_state_and_unread_bytes(family):
    with connection(family) as (client, server):
        card = lab.ficha(client)
        assert card["estado TCP"] == "ESTABLISHED (conectado: los dos extremos pueden enviar)"
        assert card["en la cola de recepción"] == card["en la cola de envío"] == "0 bytes"
        assert "RTT" not in card.as_dict()  # it changes with every reading: only on request
        client.sendall(b"b" * 1000)
        expected = "1 000 bytes (llegaron y recv() aún no los leyó)"
        assert settle(lambda: lab.ficha(server)["en la cola de recepción"] == expected)
        client.shutdown(socket.SHUT_WR)
        assert settle(lambda: lab.ficha(server)["estado TCP"].startswith("CLOSE_WAIT (el otro extremo cerró"))
        assert wait_state(client, "FIN_WAIT_2") == "FIN_WAIT_2"
        assert lab.ficha(client)["estado TCP"].startswith("FIN_WAIT_2 (tu FIN llegó")


@kernel
def test_card_send_queue_and_last_ack():
    with connection(socket.AF_INET, client_rcvbuf=SMALL_BUFFER) as (client, server):
        client.shutdown(socket.SHUT_WR)
        assert wait_state(server, "CLOSE_WAIT") == "CLOSE_WAIT"
        fill(server, client)
        server.shutdown(socket.SHUT_WR)
        card = lab.ficha(server)
        assert card["estado TCP"].startswith("LAST_ACK (cerraste después del otro extremo")
        assert card["en la cola de envío"].endswith(" bytes (enviados y aún sin confirmar por el otro extremo)")


@kernel
def test_card_rtt_on_request_is_qualitative():
    with connection(socket.AF_INET) as (client, _server):
        value = lab.ficha(client, rtt=True)["RTT"]
        assert value == "aún sin medir" or value.endswith("ms (medido por el núcleo)")
    with socket.socket() as fresh:
        assert lab.ficha(fresh)["estado TCP"].startswith("CLOSED (sin conexión")


def test_card_of_udp_and_closed_sockets_says_what_applies():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        card = lab.ficha(udp, rtt=True)
        assert card["estado TCP"] == "no aplica: UDP no tiene conexión ni estados TCP"
        assert card["en la cola de recepción"] == card["RTT"] == "—"
    closed = socket.socket()
    closed.close()
    card = lab.ficha(closed)
    assert card["estado TCP"].startswith("socket cerrado: close() ya se llamó")
    assert "lab.conexiones" in card["estado TCP"] and card["en la cola de envío"] == "—"


def test_every_state_has_a_gloss():
    assert set(GLOSSES) == set(tcpinfo.STATES)
    assert gloss("TIME_WAIT").startswith("TIME_WAIT (cerró primero")
