"""The recording tap: it forwards exactly what crosses and records it, over real loopback sockets."""

from __future__ import annotations

import concurrent.futures
import os
import socket
import struct
import threading

import pytest
from _sockstate_kit import loopback_host
from conftest import PATIENT, settle

import labsupport as lab
from labsupport._server import StreamServer
from labsupport.events import EventKind
from labsupport.tap import TO_CLIENT, TO_SERVER, Direction, Tap, TapTargetError, escape_bytes, hexdump_bytes


def recv_all(sock: socket.socket, limit: int = 200) -> bytes:
    """Read until EOF, at most ``limit`` recv calls (a bounded loop)."""
    parts = []
    for _ in range(limit):
        data = sock.recv(65536)
        if not data:
            return b"".join(parts)
        parts.append(data)
    raise AssertionError("demasiados trozos: el otro lado no cerró")


def recv_response(sock: socket.socket) -> bytes:
    """One HTTP response with a Content-Length (or none: 204), however the bytes are split."""
    data = b""
    for _ in range(200):  # bounded: one recv() is not one message
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            if len(body) >= length:
                return data
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    raise AssertionError("respuesta sin terminar")


def kinds(tap: Tap, conn: int | None = None) -> list[tuple[EventKind, Direction | None]]:
    return [(e.kind, e.direction) for e in tap.events(conn=conn)]


class ReplyAfterEof(StreamServer):
    """Reads until the client's FIN, then answers how many bytes it got: needs half-close."""

    def handle(self, conn, addr):
        total = len(recv_all(conn))
        conn.sendall(f"recibidos {total} bytes".encode())


class SendThenReset(StreamServer):
    """Reads one request, sends a little, then closes with SO_LINGER 0: an RST, not a FIN."""

    def handle(self, conn, addr):
        conn.recv(100)
        conn.sendall(b"parcial")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # the base class closes conn when handle returns: with linger 0 that sends RST


def test_echo_exchange_is_forwarded_and_recorded_in_order(no_leaks):
    with lab.EchoServer() as eco, Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola\r\n")
            assert c.recv(100) == b"Echo: hola\r\n"
        assert tap.wait_closed()
        assert kinds(tap) == [
            (EventKind.CONNECT, TO_SERVER),
            (EventKind.DATA, TO_SERVER),
            (EventKind.DATA, TO_CLIENT),
            (EventKind.FIN, TO_SERVER),
            (EventKind.FIN, TO_CLIENT),
            (EventKind.CLOSE, None),
        ]
        assert tap.sent() == b"hola\r\n"
        assert tap.received() == b"Echo: hola\r\n"
        assert eco.received == [b"hola\r\n"]
        times = [e.time for e in tap.events()]
        assert times == sorted(times) and times[0] >= 0
        assert str(tap.summary()) == (
            "conexión 1: cliente→servidor 6 bytes, servidor→cliente 12 bytes; FIN del cliente, FIN del servidor"
        )
        table = str(tap.table())
        assert "Echo: hola\\r\\n" in table and "cierre" in table
        assert "t (ms)" not in table and "t (ms)" in str(tap.table(times=True))
        assert "<table>" in tap.table()._repr_html_()
        assert repr(tap).endswith(f"→ {eco.host}:{eco.port}>")


def test_several_connections_are_numbered_and_kept_apart(no_leaks):
    with lab.EchoServer(prefix=b"") as eco, Tap(eco) as tap:

        def one(i: int) -> bytes:
            with socket.create_connection(tap.address, timeout=PATIENT) as c:
                c.sendall(f"mensaje {i}".encode())
                return c.recv(100)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(one, range(8)))
        assert answers == [f"mensaje {i}".encode() for i in range(8)]
        assert tap.wait_closed()
        assert tap.connections() == list(range(1, 9))
        per_conn = sorted(tap.sent(conn=c) for c in tap.connections())
        assert per_conn == sorted(f"mensaje {i}".encode() for i in range(8))
        for c in tap.connections():
            assert tap.sent(conn=c) == tap.received(conn=c)


def test_one_mebibyte_each_way_is_forwarded_byte_for_byte(no_leaks):
    payload = os.urandom(1024 * 1024)
    with lab.EchoServer(prefix=b"") as eco, Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            writer = threading.Thread(target=lambda: (c.sendall(payload), c.shutdown(socket.SHUT_WR)))
            writer.start()
            echoed = recv_all(c, limit=10_000)
            writer.join(PATIENT)
            assert not writer.is_alive()
        assert echoed == payload
        assert tap.wait_closed()
        assert tap.sent() == payload and tap.received() == payload
        assert sum(e.size for e in tap.chunks(TO_SERVER)) == len(payload)
        assert not tap.truncated


def test_half_close_passes_through(no_leaks):
    with ReplyAfterEof() as srv, Tap(srv) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"a" * 1000)
            c.shutdown(socket.SHUT_WR)  # FIN: "I am done sending, still reading"
            assert recv_all(c) == b"recibidos 1000 bytes"
        assert tap.wait_closed()
        got = [k for k in kinds(tap) if k[0] != EventKind.DATA]
        assert got == [("connect", TO_SERVER), ("fin", TO_SERVER), ("fin", TO_CLIENT), ("close", None)]
        assert tap.received() == b"recibidos 1000 bytes"
        srv.check()


def test_server_reset_reaches_the_client_as_connection_reset(no_leaks):
    with SendThenReset() as srv, Tap(srv) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola")
            got = b""
            with pytest.raises(ConnectionResetError):
                for _ in range(10):
                    data = c.recv(100)
                    assert data, "se esperaba RST y llegó FIN"
                    got += data
        assert tap.wait_closed()
        resets = tap.events(kind=EventKind.RESET)
        assert [(e.conn, e.direction) for e in resets] == [(1, TO_CLIENT)]
        assert not tap.events(kind=EventKind.FIN)
        assert tap.events()[-1].detail == "por RST"
        assert tap.received() == b"parcial"
        assert got in (b"", b"parcial")  # Linux may drop unread data when the RST arrives
        assert "RST del servidor" in tap.summary()


def test_client_reset_reaches_the_server(no_leaks):
    with lab.EchoServer() as eco, Tap(eco) as tap:
        c = socket.create_connection(tap.address, timeout=PATIENT)
        c.sendall(b"hola")
        assert c.recv(100) == b"Echo: hola"
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        assert tap.wait_closed()
        # strings name kinds too (students' code): what comes back is the kind itself
        assert [(e.kind, e.direction) for e in tap.events(kind=("reset", "fin"))] == [(EventKind.RESET, TO_SERVER)]
        assert settle(lambda: any("ConnectionResetError" in e.detail for e in eco.log()))


def test_unreachable_server_is_a_reset_for_the_client(no_leaks):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    with Tap(("127.0.0.1", closed_port)) as tap:
        # The tap accepts, fails to reach the server and resets at once: the RST may be back
        # before connect() returns (seen under load), or reach the first recv().
        with pytest.raises(ConnectionResetError), socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.recv(100)
        assert tap.wait_closed()
        errors = tap.events(kind=EventKind.ERROR)
        assert len(errors) == 1 and "ConnectionRefusedError" in errors[0].detail


def get(tap: Tap, path: str, connection: str = "close") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {tap.host}:{tap.port}\r\nConnection: {connection}\r\n\r\n".encode()


def test_http_download_through_the_tap_is_identical_to_a_direct_one(no_leaks):
    with lab.HttpServer() as srv, Tap(srv) as tap:
        path = "/bytes/300000?seed=7"
        with socket.create_connection(srv.address, timeout=PATIENT) as c:
            c.sendall(get(tap, path))
            direct = recv_all(c, limit=1000)
        request = get(tap, path)
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(request)
            response = recv_all(c, limit=1000)
        assert tap.wait_closed()
        assert response.startswith(b"HTTP/1.1 200 OK\r\n")
        assert response.split(b"\r\n\r\n", 1)[1] == direct.split(b"\r\n\r\n", 1)[1]
        assert tap.sent() == request and tap.received() == response
        lines = tap.escaped(TO_SERVER).splitlines()
        assert lines[0] == "GET /bytes/300000?seed=7 HTTP/1.1\\r\\n" and lines[-1] == "\\r\\n"
        seen = [e.kind for e in tap.events() if e.kind is not EventKind.DATA]
        assert seen == [EventKind.CONNECT, EventKind.FIN, EventKind.FIN, EventKind.CLOSE]
        assert [r.path for r in srv.requests()] == [path, path]
        srv.check()


def test_http_keep_alive_two_requests_on_one_connection(no_leaks):
    with lab.HttpServer() as srv, Tap(srv) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            answers = []
            for path in ("/status/204", "/robots.txt"):
                c.sendall(get(tap, path, "keep-alive"))
                answers.append(recv_response(c))
        assert tap.wait_closed()
        assert answers[0].startswith(b"HTTP/1.1 204") and answers[1].startswith(b"HTTP/1.1 200")
        assert tap.connections() == [1]
        assert tap.sent() == get(tap, "/status/204", "keep-alive") + get(tap, "/robots.txt", "keep-alive")
        assert tap.received().startswith(answers[0] + answers[1][:10])
        first_chunks = [(e.direction, e.data[:12]) for e in tap.chunks()][:2]
        assert first_chunks == [(TO_SERVER, b"GET /status/"), (TO_CLIENT, b"HTTP/1.1 204")]


def test_http_reset_mid_body_reaches_the_client(no_leaks):
    with lab.HttpServer() as srv, Tap(srv) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(get(tap, "/raw/reset", "keep-alive"))
            with pytest.raises(ConnectionResetError):
                for _ in range(20):
                    assert c.recv(65536), "se esperaba RST y llegó FIN"
        assert tap.wait_closed()
        ends = [(e.kind, e.direction) for e in tap.events(kind=(EventKind.FIN, EventKind.RESET))]
        assert ends == [(EventKind.RESET, TO_CLIENT)]
        assert tap.received().startswith(b"HTTP/1.1 200 OK\r\n")


def test_guides_lf_sample_crosses_unchanged(no_leaks):
    from labsupport.http.raw import GUIDE_LF_RESPONSE

    with lab.HttpServer() as srv, Tap(srv) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(get(tap, "/raw/lf-only"))
            assert recv_all(c) == GUIDE_LF_RESPONSE
        assert tap.wait_closed()
        assert tap.received() == GUIDE_LF_RESPONSE
        assert "Content-Length: 25\\n" in tap.escaped(TO_CLIENT).splitlines()


def test_idle_connection_is_closed_after_the_timeout(no_leaks):
    with lab.EchoServer() as eco, Tap(eco, timeout=0.2) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            assert c.recv(100) == b""  # nothing sent: the tap gives up and closes
        assert tap.wait_closed()
        assert [e.kind for e in tap.events()] == [EventKind.CONNECT, EventKind.TIMEOUT, EventKind.CLOSE]


def test_stop_with_open_connections_leaves_nothing_behind(no_leaks):
    eco = lab.EchoServer()
    tap = Tap(eco)
    clients = [socket.create_connection(tap.address, timeout=PATIENT) for _ in range(3)]
    for c in clients:
        c.sendall(b"x")
        assert c.recv(10) == b"Echo: x"
    tap.stop()
    tap.stop()
    for c in clients:
        assert c.recv(10) == b""
        c.close()
    eco.stop()
    tap.check()


def test_reset_clears_the_recording_and_restarts_numbering(no_leaks):
    with lab.EchoServer() as eco, Tap(eco) as tap:
        for msg in (b"uno", b"dos"):
            with socket.create_connection(tap.address, timeout=PATIENT) as c:
                c.sendall(msg)
                c.recv(100)
            assert tap.wait_closed()
        assert tap.connections() == [1, 2]
        tap.reset()
        assert tap.events() == [] and tap.sent() == b""
        assert str(tap.summary()) == "Sin conexiones grabadas."
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"tres")
            c.recv(100)
        assert tap.wait_closed()
        assert tap.connections() == [1] and tap.sent() == b"tres"


def test_recording_cap_keeps_sizes_and_forwards_everything(no_leaks):
    with lab.EchoServer(prefix=b"") as eco, Tap(eco, max_record_bytes=10) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"0123456789abcdef")
            got = b""
            for _ in range(10):
                got += c.recv(100)
                if len(got) >= 16:
                    break
        assert got == b"0123456789abcdef"
        assert tap.wait_closed()
        assert tap.truncated
        assert sum(e.size for e in tap.chunks()) == 32
        assert tap.sent() == b"0123456789" and tap.received() == b""


def test_views_of_bytes():
    assert escape_bytes(b"GET / HTTP/1.1\r\n\x00\\ \xc3\xb1") == "GET / HTTP/1.1\\r\\n\\x00\\\\ \\xc3\\xb1"
    assert escape_bytes(b"abcdef", 3) == "abc…"
    dump = hexdump_bytes(b"GET / HTTP/1.1\r\nHost: x\r\n")
    first, second = dump.splitlines()
    assert first == "00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|"
    assert second.startswith("00000010  48 6f 73 74") and second.endswith("|Host: x..|")
    assert hexdump_bytes(b"x" * 40, 16).splitlines()[-1] == "… (24 bytes más)"


def test_hexdump_and_escaped_are_shown_as_text_in_a_notebook(no_leaks):
    with lab.EchoServer() as eco, Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola\n")
            c.recv(100)
        assert tap.wait_closed()
        assert repr(tap.hexdump()) == "00000000  68 6f 6c 61 0a" + " " * 34 + "  |hola.|"
        assert repr(tap.escaped("servidor→cliente")) == "Echo: hola\\n"


def test_bad_targets_get_spanish_errors():
    with pytest.raises(TapTargetError, match="servidor del curso"):
        Tap("127.0.0.1:80")
    with pytest.raises(TapTargetError, match="entre 1 y 65535"):
        Tap(("127.0.0.1", 0))
    with pytest.raises(lab.NotLoopbackError):
        Tap(("192.0.2.1", 80))
    assert lab.Tap is Tap


def test_ping_pong_records_one_chunk_per_message_in_order(no_leaks):
    with lab.EchoServer(prefix=b"") as eco, Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            for i in range(20):
                c.sendall(bytes([65 + i]))
                assert c.recv(10) == bytes([65 + i])
        assert tap.wait_closed()
        data = [(e.direction, e.data) for e in tap.chunks()]
        assert data == [(way, bytes([65 + i])) for i in range(20) for way in (TO_SERVER, TO_CLIENT)]


# -- the TCP states of the tap's sockets (Tap(..., states=True)) ----------------------------
class CloseWhenTold(StreamServer):
    """Echoes one message, reads to EOF, then closes only when the test says so.

    The test reads the tap's states after the client's FIN before the server can answer it:
    without the wait the row of that FIN could already show the server's close.
    """

    def __init__(self, *args, **kwargs):
        self.go = threading.Event()
        super().__init__(*args, **kwargs)

    def handle(self, conn, addr):
        conn.sendall(b"Echo: " + conn.recv(100))
        while conn.recv(100):
            pass
        self.go.wait(PATIENT)


def states_of(tap: Tap) -> list[tuple[EventKind, str | None, str | None]]:
    return [(e.kind, e.states.client, e.states.server) for e in tap.events() if e.states is not None]


needs_states = pytest.mark.skipif(not lab.sockstate.tcpinfo.supported(), reason="this system cannot read TCP states")


@needs_states
@pytest.mark.parametrize("family", [socket.AF_INET, socket.AF_INET6], ids=["ipv4", "ipv6"])
def test_states_of_an_orderly_close_started_by_the_client(family, no_leaks):
    host = loopback_host(family)
    with CloseWhenTold(host=host) as srv, Tap(srv, host=host, states=True) as tap:
        with socket.create_connection(tap.address[:2], timeout=PATIENT) as c:
            c.sendall(b"hola")
            assert c.recv(100) == b"Echo: hola"
            c.shutdown(socket.SHUT_WR)
            assert settle(lambda: any(e.kind is EventKind.FIN and e.states for e in tap.events()))
            srv.go.set()
            assert recv_all(c) == b""
        assert tap.wait_closed()
        assert states_of(tap) == [
            (EventKind.CONNECT, "ESTABLISHED", "ESTABLISHED"),
            (EventKind.DATA, "ESTABLISHED", "ESTABLISHED"),
            (EventKind.DATA, "ESTABLISHED", "ESTABLISHED"),
            # passed on, the client's FIN leaves the tap's client side waiting in FIN_WAIT_2 and
            # its server side, which received it, in CLOSE_WAIT: what client and server go through
            (EventKind.FIN, "FIN_WAIT_2", "CLOSE_WAIT"),
            # the server's FIN: the side that closed first ends in TIME_WAIT, the other in CLOSED
            (EventKind.FIN, "TIME_WAIT", "CLOSED"),
            (EventKind.CLOSE, "TIME_WAIT", "CLOSED"),
        ]
        table = tap.table(states=True)
        assert table.header[-2:] == ["estado (cliente)", "estado (servidor)"]
        assert table.rows[3][-2:] == ["FIN_WAIT_2", "CLOSE_WAIT"]


@needs_states
def test_states_of_a_reset_leave_no_time_wait(no_leaks):
    with lab.EchoServer() as eco, Tap(eco, states=True) as tap:
        c = socket.create_connection(tap.address, timeout=PATIENT)
        c.sendall(b"hola\n")
        assert c.recv(100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        assert tap.wait_closed()
        rows = states_of(tap)
    # read as the RST arrived: the socket it reached is CLOSED, the other not yet touched
    assert [r for r in rows if r[0] is EventKind.RESET] == [(EventKind.RESET, "ESTABLISHED", "CLOSED")]
    assert rows[-1] == (EventKind.CLOSE, "CLOSED", "CLOSED")  # passed on as RST: no TIME_WAIT anywhere
    assert rows[0] == (EventKind.CONNECT, "ESTABLISHED", "ESTABLISHED")


def test_states_are_off_by_default(no_leaks):
    with lab.EchoServer() as eco, Tap(eco) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola\n")
            assert c.recv(100)
        assert tap.wait_closed()
        assert all(e.states is None for e in tap.events())
        assert {row[-1] for row in tap.table(states=True).rows} == {"—"}
