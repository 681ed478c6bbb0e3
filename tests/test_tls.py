"""The TLS servers: verified https on loopback, plain text refused, clean stop."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading

import pytest
from conftest import PATIENT, settle

import labsupport as lab
from labsupport import tls
from labsupport.events import EventKind


def _https_get(server, path="/get", context=None):
    conn = http.client.HTTPSConnection(
        server.host, server.port, timeout=PATIENT, context=context or tls.client_context()
    )
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_https_get_is_verified_and_answered(no_leaks):
    with lab.TlsHttpServer() as srv:
        status, body = _https_get(srv)
        assert status == 200
        assert json.loads(body)["headers"]["Host"] == f"127.0.0.1:{srv.port}"
        assert srv.url("/get") == f"https://127.0.0.1:{srv.port}/get"
        assert [e.kind for e in srv.log() if e.kind in (EventKind.TLS, EventKind.TLS_ERROR)] == [EventKind.TLS]


def test_keep_alive_requests_share_one_tls_connection(no_leaks):
    with lab.TlsHttpServer() as srv:
        conn = http.client.HTTPSConnection(srv.host, srv.port, timeout=PATIENT, context=tls.client_context())
        try:
            for n in (10, 20, 30):
                conn.request("GET", f"/bytes/{n}?seed=1")
                assert len(conn.getresponse().read()) == n
        finally:
            conn.close()
        assert sum(e.kind is EventKind.TLS for e in srv.log()) == 1
        assert [r.status for r in srv.requests()] == [200, 200, 200]


def test_plain_text_to_the_tls_port_gets_no_http_answer(no_leaks):
    with lab.TlsHttpServer() as srv:
        with socket.create_connection(srv.address, timeout=PATIENT) as client:
            client.sendall(f"GET /get HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nConnection: close\r\n\r\n".encode())
            received = b""
            try:
                while chunk := client.recv(4096):
                    received += chunk
            except ConnectionResetError:  # Linux: the server closed with our request unread
                pass
        assert not received.startswith(b"HTTP/")
        assert settle(lambda: any(e.kind is EventKind.TLS_ERROR for e in srv.log()))
        errors = [e.detail for e in srv.log() if e.kind is EventKind.TLS_ERROR]
        assert "texto plano" in errors[0]
        srv.check()  # a client's mistake is not a server bug


def test_the_system_trust_store_does_not_know_the_test_ca(no_leaks):
    with lab.TlsHttpServer() as srv, socket.create_connection(srv.address, timeout=PATIENT) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")
        assert settle(lambda: any(e.kind is EventKind.TLS_ERROR for e in srv.log()))


def test_host_name_is_checked(no_leaks):
    with lab.TlsEchoServer() as srv, socket.create_connection(srv.address, timeout=PATIENT) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            tls.client_context().wrap_socket(raw, server_hostname="127.0.0.2")


def test_tls_echo_and_the_ca_is_made_once(no_leaks):
    with lab.TlsEchoServer() as srv:
        context = tls.client_context()
        with context.wrap_socket(
            socket.create_connection(srv.address, timeout=PATIENT), server_hostname="127.0.0.1"
        ) as c:
            c.sendall("año".encode())
            assert c.recv(100) == "Echo: año".encode()
            assert c.version() in ("TLSv1.2", "TLSv1.3")
    assert tls.ca_pem().startswith(b"-----BEGIN CERTIFICATE-----")
    assert tls.ca_pem() == tls.ca_pem()


def test_ipv6(no_leaks):
    try:
        srv = lab.TlsEchoServer("::1")
    except lab.NoIPv6Error:
        pytest.skip("sin IPv6 en loopback")
    with (
        srv,
        tls.client_context().wrap_socket(
            socket.create_connection(srv.address, timeout=PATIENT), server_hostname="::1"
        ) as c,
    ):
        c.sendall(b"hola")
        assert c.recv(100) == b"Echo: hola"


def test_stop_wakes_a_handler_blocked_in_a_tls_read(no_leaks):
    srv = lab.TlsEchoServer(timeout=30)
    raw = socket.create_connection(srv.address, timeout=PATIENT)
    client = tls.client_context().wrap_socket(raw, server_hostname="127.0.0.1")
    client.sendall(b"x")
    assert client.recv(100) == b"Echo: x"  # the handler is now blocked reading, with a 30 s timeout
    assert srv.active_connections == 1
    stopper = threading.Thread(target=srv.stop)
    stopper.start()
    stopper.join(PATIENT)
    assert not stopper.is_alive()
    assert srv.active_connections == 0
    client.close()


def test_a_client_that_never_handshakes_is_dropped_at_the_server_timeout(no_leaks):
    with lab.TlsHttpServer(timeout=0.3) as srv, socket.create_connection(srv.address, timeout=PATIENT) as c:
        assert c.recv(100) == b""  # the server gave up on the handshake and closed
        assert settle(lambda: srv.active_connections == 0)


def test_json_url_field_says_https_over_tls():
    with lab.TlsHttpServer() as server:
        conn = http.client.HTTPSConnection(server.host, server.port, timeout=PATIENT, context=lab.tls.client_context())
        conn.request("GET", "/get?x=1")
        body = json.loads(conn.getresponse().read())
        conn.close()
    assert body["url"].startswith("https://127.0.0.1:")
    assert body["url"].endswith("/get?x=1")
