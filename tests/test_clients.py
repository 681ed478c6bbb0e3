"""lab.clients: the slow reader against a right echo server and against one that loses data."""

from __future__ import annotations

import socket

import labsupport as lab
from labsupport import clients
from labsupport._server import StreamServer


class SwallowsSendTimeouts(StreamServer):
    """Notebook 08's first threaded handler: a short timeout on sendall, and the error swallowed."""

    def handle(self, conn, addr):
        conn.settimeout(0.1)
        while True:
            try:
                data = conn.recv(4096)
                if not data:
                    return
                conn.sendall(b"Echo: " + data)
            except TimeoutError:
                continue


def test_payload_never_contains_the_prefix():
    data = clients.payload(100_003)
    assert len(data) == 100_003 and clients.PREFIX not in data


def test_slow_reader_gets_the_whole_echo_from_a_right_server(no_leaks):
    with lab.EchoServer() as server:
        outcome = clients.slow_reader(server.address)
    assert outcome.intact and not outcome.broken and outcome.other_served
    assert outcome.sent == outcome.returned == clients.SIZE
    assert outcome.held_back  # the buffers hold less than the payload: the server made it wait
    assert outcome.lines() == [
        "un cliente envía 6 MiB y no lee nada hasta que el servidor deja de leerle, y 1 s más;"
        " después lo lee todo",
        "bytes enviados: 6291456 · bytes de eco recibidos (sin los «Echo: »): todos, en orden",
        "¿el eco llegó entero? True",
    ]


def test_slow_reader_sees_the_bytes_a_swallowed_send_timeout_lost(no_leaks):
    with SwallowsSendTimeouts() as server:
        outcome = clients.slow_reader(server.address, check_other=False)
    assert not outcome.intact and outcome.returned < outcome.size
    assert outcome.other_served is None
    assert outcome.comparison() == "menos de los enviados"
    assert str(outcome).endswith("¿el eco llegó entero? False")


def test_echo_once(no_leaks):
    with lab.EchoServer() as server:
        assert clients.echo_once(server.address)
        assert not clients.echo_once(server.address, prefix=b"Otro: ")
    with socket.socket() as bound:  # bound, never listening: refused
        bound.bind(("127.0.0.1", 0))
        assert not clients.echo_once(bound.getsockname())


def test_stalled_leaves_the_server_stuck_sending_until_the_client_cuts(no_leaks):
    with lab.EchoServer() as server:
        with clients.stalled(server.address) as stuck:
            assert stuck.held_back and 0 < stuck.sent < clients.STALLED_SIZE  # the server stopped reading from it
            assert clients.echo_once(server.address)  # a thread per client: someone else is served meanwhile
        assert clients.echo_once(server.address)  # the cut ended the stuck handler, not the server
        server.check()
