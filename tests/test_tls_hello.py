"""The ClientHello reader on real handshakes (the course's TLS server behind a tap) and on bad bytes."""

from __future__ import annotations

import socket

import pytest

import labsupport as lab
from labsupport.tls_hello import NotClientHelloError, parse_client_hello, record_names, records


def _capture(server_hostname, alpn=None, request=b""):
    """What a real client sent through a tap: its handshake, then (encrypted) ``request``."""
    with lab.TlsHttpServer() as server, lab.Tap(server) as tap:
        context = lab.tls.client_context()
        if alpn:
            context.set_alpn_protocols(alpn)
        with socket.create_connection(tap.address, timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
                if request:
                    tls.sendall(request)
                    while tls.recv(65536):
                        pass
        assert tap.wait_closed(10)
        return tap.sent()


def test_the_server_name_and_alpn_travel_in_clear_and_the_request_does_not():
    request = b"GET /get?secreto=42 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    sent = _capture("localhost", ["http/1.1"], request)
    hello = parse_client_hello(sent)
    assert hello.server_name == "localhost"
    assert hello.alpn == ("http/1.1",)
    assert "TLS 1.3" in hello.versions and hello.cipher_suites > 0
    assert b"localhost" in sent[: hello.size + 5]
    assert b"secreto" not in sent and b"GET" not in sent
    assert record_names(sent)[0] == "handshake" and "application_data" in record_names(sent)


def test_no_sni_when_the_client_names_the_server_by_ip_address():
    hello = parse_client_hello(_capture("127.0.0.1"))
    assert hello.server_name is None
    assert hello.alpn == ()


def test_records_skip_a_record_cut_short():
    whole = bytes([23, 3, 3, 0, 2]) + b"ab"
    assert records(whole + bytes([23, 3, 3, 0, 9]) + b"abc") == [(23, b"ab")]
    assert record_names(whole + bytes([21, 3, 3, 0, 0])) == ["application_data", "alert"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"GET / HTTP/1.1\r\n\r\n", "tipo 22"),
        (b"", "no hay bytes"),
        (bytes([22, 3, 1, 0, 4, 2, 0, 0, 0]), "tipo 1"),
        (bytes([22, 3, 1, 0, 6, 1, 0, 0, 50, 3, 3]), "declara 50 bytes"),
        (bytes([22, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3]), "cortado"),
    ],
)
def test_bytes_that_are_not_a_client_hello_get_a_spanish_message(data, words):
    with pytest.raises(NotClientHelloError, match=words):
        parse_client_hello(data)
