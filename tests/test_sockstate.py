"""lab.ficha: what a socket's card says in each state, on real sockets."""

from __future__ import annotations

import socket

import pytest

import labsupport as lab


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
