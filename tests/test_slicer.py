"""The checkers' slicing proxy: answers arrive in several pieces, closes and resets pass through."""

from __future__ import annotations

import socket
import time

import pytest

import labsupport as lab
from labsupport.exercises._pacing import Slicer, cut_points


def _pieces(sock):
    parts = []
    while data := sock.recv(65536):
        parts.append(data)
    return parts


def test_cut_points_split_an_http_head_from_most_of_its_body():
    chunk = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhola!"
    assert cut_points(chunk, 5) == [5, chunk.index(b"\r\n\r\n") + 6]
    assert cut_points(b"recibidos 3 bytes\n", 5) == [5, 11]
    assert cut_points(b"ab", 5) == []


def test_an_http_answer_arrives_in_three_pieces_and_then_the_fin():
    with lab.HttpServer() as web, Slicer(web) as slicer:
        with socket.create_connection(slicer.address, timeout=10) as sock:
            sock.sendall(b"GET /bytes/20?seed=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            parts = _pieces(sock)
        assert len(parts) >= 3 and len(parts[0]) == 5
        head, _, body = b"".join(parts).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and len(body) == 20
        slicer.check()


def test_the_client_fin_is_passed_on_so_a_half_close_server_answers():
    with lab.faults.HalfClose() as server, Slicer(server) as slicer:
        with socket.create_connection(slicer.address, timeout=10) as sock:
            sock.sendall(b"hola")
            sock.shutdown(socket.SHUT_WR)
            parts = _pieces(sock)
        assert parts == [b"recib", b"idos 4", b" bytes\n"]


def test_a_reset_from_the_server_reaches_the_client_as_a_reset():
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nuna parte"
    with lab.faults.Reset(wait_for=b"\r\n\r\n", send_first=first) as server, Slicer(server) as slicer:
        with socket.create_connection(slicer.address, timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
            got = bytearray()
            with pytest.raises(ConnectionResetError):
                while data := sock.recv(65536):
                    got += data
        assert bytes(got) == first


def test_a_large_answer_goes_through_whole():
    with lab.HttpServer() as web, Slicer(web) as slicer:
        with socket.create_connection(slicer.address, timeout=10) as sock:
            sock.sendall(b"GET /bytes/2000000?seed=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            body = b"".join(_pieces(sock)).partition(b"\r\n\r\n")[2]
        assert len(body) == 2_000_000


def test_a_late_reader_still_gets_one_slice_per_recv():
    """The proxy waits until the student has read a slice before sending the next: no luck involved."""
    with lab.HttpServer() as web, Slicer(web) as slicer:
        with socket.create_connection(slicer.address, timeout=10) as sock:
            sock.sendall(b"GET /bytes/20?seed=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            time.sleep(0.3)  # a reader that is late on a loaded machine: with pauses it would get everything
            first = sock.recv(65536)
            time.sleep(0.3)
            second = sock.recv(65536)
            rest = b"".join(_pieces(sock))
        assert first == b"HTTP/"
        head_rest, blank, body_start = second.partition(b"\r\n\r\n")
        assert head_rest.startswith(b"1.1 200") and blank and len(body_start) == 2
        assert len(rest) == 18
