"""Every transport fault gives its real exception on a real client socket, every time."""

from __future__ import annotations

import errno
import http.client
import socket
import sys

import pytest
from conftest import open_fds, settle

import labsupport as lab
from labsupport import faults
from labsupport.events import EventKind

RUNS = range(3)  # each fault must behave the same on repeated runs
T = 5.0  # generous bound on any operation that should succeed at once (it must not fire)
SHORT = 0.2  # a timeout that must fire: short, whatever the load


def dial(server, timeout: float = T) -> socket.socket:
    return socket.create_connection(server.address, timeout=timeout)


def read_all(sock: socket.socket, limit: int = 100) -> list[bytes]:
    """Every chunk until EOF, at most ``limit`` reads (bounded)."""
    chunks = []
    for _ in range(limit):
        data = sock.recv(65536)
        if not data:
            return chunks
        chunks.append(data)
    raise AssertionError("el servidor no cerró tras 100 lecturas")


# -- connect() faults ------------------------------------------------------------------
@pytest.mark.parametrize("run", RUNS)
def test_closed_port_refuses(no_leaks, run):
    with faults.ClosedPort() as srv:
        with pytest.raises(ConnectionRefusedError):
            dial(srv).close()
        assert srv.client_exception is ConnectionRefusedError


def test_closed_port_keeps_the_port_from_others(no_leaks):
    with faults.ClosedPort() as srv:
        other = socket.socket()
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with other, pytest.raises(OSError):
            other.bind(srv.address)


@pytest.mark.parametrize("run", RUNS)
def test_never_accepts_times_out_on_connect(no_leaks, run):
    with faults.NeverAccepts() as srv:
        assert srv.backlog_full and srv.fillers >= 1
        assert srv.client_exception is TimeoutError  # what this Linux does
        with pytest.raises(TimeoutError):
            dial(srv, timeout=SHORT).close()


class _ProbingNeverAccepts(faults.NeverAccepts):
    """The path macOS and Windows take: no TCP_INFO, the last probe must time out."""

    def _kernel_says_full(self, wait):
        return False


def test_never_accepts_by_probing_as_on_other_systems(no_leaks):
    with _ProbingNeverAccepts(probe_timeout=0.1) as srv:
        assert srv.backlog_full and srv.client_exception is TimeoutError
        with pytest.raises(TimeoutError):
            dial(srv, timeout=SHORT).close()


# -- faults after accept() -------------------------------------------------------------
@pytest.mark.parametrize("run", RUNS)
def test_silent_gives_a_read_timeout(no_leaks, run):
    with faults.Silent() as srv, dial(srv) as c:
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        c.settimeout(SHORT)
        with pytest.raises(TimeoutError):
            c.recv(100)


def test_silent_closes_after_hold(no_leaks):
    with faults.Silent(hold=0.1) as srv, dial(srv) as c:
        assert c.recv(100) == b""


@pytest.mark.parametrize("run", RUNS)
def test_reset_after_sending_some_bytes(no_leaks, run):
    with faults.Reset(send_first=b"hola", wait_for=b"\n") as srv, dial(srv) as c:
        c.sendall(b"pregunta\n")
        assert c.recv(100) == b"hola"
        with pytest.raises(ConnectionResetError):
            c.recv(100)
        with pytest.raises(BrokenPipeError):  # after the RST, writing is a broken pipe
            c.sendall(b"x")
        assert any(e.kind is EventKind.RESET for e in srv.log())


@pytest.mark.parametrize("run", RUNS)
def test_reset_at_once_is_a_reset_wherever_it_shows(no_leaks, run):
    with faults.Reset(wait_for=None) as srv:
        with pytest.raises(ConnectionResetError):  # in connect, sendall or recv: always this class
            with dial(srv) as c:
                c.sendall(b"x")
                c.recv(10)


@pytest.mark.parametrize("run", RUNS)
def test_hangup_then_broken_pipe(no_leaks, run):
    with faults.Hangup() as srv, dial(srv) as c:
        with pytest.raises(BrokenPipeError):
            faults.write_until_broken_pipe(c)


def test_broken_pipe_helper_refuses_an_open_peer(no_leaks):
    with lab.EchoServer() as srv, dial(srv) as c:
        with pytest.raises(lab.LabError, match="no ha cerrado"):
            faults.write_until_broken_pipe(c, timeout=SHORT)


@pytest.mark.parametrize("run", RUNS)
def test_drip_gives_several_fragments(no_leaks, run):
    payload = "año, señal, ¿qué?".encode() * 3
    with faults.Drip(payload=payload, piece=5, delay=0.01) as srv, dial(srv) as c:
        chunks = read_all(c)
    assert b"".join(chunks) == payload
    assert len(chunks) >= 3  # pauses between pieces: recv sees fragments
    assert max(len(x) for x in chunks) < len(payload)


def test_drip_after_the_request(no_leaks):
    with faults.Drip(payload=b"0123456789", piece=2, delay=0.0, wait_for=b"\r\n\r\n") as srv, dial(srv) as c:
        c.settimeout(SHORT)
        with pytest.raises(TimeoutError):  # nothing before the request ends
            c.recv(10)
        c.settimeout(T)
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert b"".join(read_all(c)) == b"0123456789"


@pytest.mark.parametrize("run", RUNS)
def test_truncate_sends_only_part_then_eof(no_leaks, run):
    with faults.Truncate(payload=b"x" * 100, keep=30) as srv, dial(srv) as c:
        c.sendall(b"datos que el servidor no lee no deben causar un RST")
        assert b"".join(read_all(c)) == b"x" * 30


def test_truncated_http_body_is_incomplete_read_in_http_client(no_leaks):
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n" + b"y" * 50
    with faults.Truncate(payload=response, keep=len(response) - 20, wait_for=b"\r\n\r\n") as srv:
        conn = http.client.HTTPConnection(*srv.address, timeout=T)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            with pytest.raises(http.client.IncompleteRead):
                resp.read()
        finally:
            conn.close()


@pytest.mark.parametrize("run", RUNS)
def test_half_close_answers_only_after_shut_wr(no_leaks, run):
    with faults.HalfClose() as srv, dial(srv) as c:
        c.sendall(b"a" * 1000)
        c.settimeout(SHORT)
        with pytest.raises(TimeoutError):  # no EOF yet: no answer
            c.recv(100)
        c.settimeout(T)
        c.shutdown(socket.SHUT_WR)
        assert b"".join(read_all(c)) == b"recibidos 1000 bytes\n"


def test_half_close_echo_and_its_cap(no_leaks):
    with faults.HalfClose(reply="echo") as srv, dial(srv) as c:
        c.sendall("eñe".encode())
        c.shutdown(socket.SHUT_WR)
        assert b"".join(read_all(c)) == "eñe".encode()
    with faults.HalfClose(reply="echo", max_bytes=4) as srv, dial(srv) as c:
        c.sendall(b"0123456789")
        c.shutdown(socket.SHUT_WR)
        answer = b"".join(read_all(c))
        assert answer.startswith("ERROR: más de 4 bytes".encode()) and answer.endswith(b"0123")


# -- flaky -----------------------------------------------------------------------------
def exchange(server) -> bytes | type[BaseException]:
    """One attempt of a retry loop: connect, send, read; the result or the exception's class."""
    try:
        with dial(server) as c:
            c.sendall(b"hola")
            return c.recv(100)
    except OSError as exc:
        return type(exc)


@pytest.mark.parametrize("run", RUNS)
def test_flaky_fails_n_times_then_serves_and_counts(no_leaks, run):
    with faults.Flaky(failures=3) as srv:
        results = [exchange(srv) for _ in range(5)]
        assert results == [ConnectionResetError] * 3 + [b"Echo: hola"] * 2
        log = srv.attempt_log()
        assert srv.attempts == 5 and [a.number for a in log] == [1, 2, 3, 4, 5]
        assert [a.failed for a in log] == [True, True, True, False, False]
        times = [a.time for a in log]
        assert times == sorted(times) and all(t >= 0 for t in times)
        srv.reset(failures=1)
        assert srv.attempts == 0
        assert [exchange(srv) for _ in range(2)] == [ConnectionResetError, b"Echo: hola"]


def test_flaky_close_and_response_and_repeat(no_leaks):
    with faults.Flaky(failures=1, fail_with="close", response=b"listo", repeat=True) as srv:
        assert srv.client_exception is None
        assert [exchange(srv) for _ in range(4)] == [b"", b"listo", b"", b"listo"]


def test_flaky_close_is_remote_disconnected_in_http_client(no_leaks):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    with faults.Flaky(failures=1, fail_with="close", response=ok, wait_for=b"\r\n\r\n") as srv:
        outcomes = []
        for _ in range(2):
            conn = http.client.HTTPConnection(*srv.address, timeout=T)
            try:
                conn.request("GET", "/")
                outcomes.append(conn.getresponse().read())
            except http.client.RemoteDisconnected as exc:
                assert isinstance(exc, ConnectionResetError)
                outcomes.append("desconectado")
            finally:
                conn.close()
        assert outcomes == ["desconectado", b"ok"]


def test_flaky_attempt_times_follow_the_clients_clock(no_leaks):
    import time

    with faults.Flaky(failures=1) as srv:
        before = time.monotonic()
        exchange(srv)
        after = time.monotonic()
        assert before <= srv.attempt_log()[0].at <= after


# -- names and errno -------------------------------------------------------------------
def test_gaierror_without_any_dns_query(monkeypatch):
    calls = []
    real = socket.getaddrinfo

    def spy(host, port, *args, **kwargs):  # records, then calls the real function
        calls.append((host, kwargs.get("flags", args[3] if len(args) > 3 else 0)))
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", spy)
    name = faults.unresolvable_host()
    assert name.endswith(".invalid")
    with pytest.raises(socket.gaierror):
        faults.resolve_numeric(name, 80)
    with pytest.raises(socket.gaierror):
        faults.connect_numeric((name, 80), timeout=T)
    assert calls and all(flags & socket.AI_NUMERICHOST for _, flags in calls)


def test_connect_numeric_reaches_loopback_only(no_leaks):
    with lab.EchoServer() as srv:
        with faults.connect_numeric(srv.address, timeout=T) as c:
            c.sendall(b"x")
            assert c.recv(100) == b"Echo: x"
    with pytest.raises(lab.NotLoopbackError):
        faults.connect_numeric(("0.0.0.0", 80), timeout=T)


def test_errno_table_is_honest():
    rows = {r.name: r for r in faults.errno_table()}
    for name in ("ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"):
        assert rows[name].number == getattr(errno, name)
    assert rows["ECONNREFUSED"].exception == "ConnectionRefusedError"
    assert rows["EPIPE"].exception == "BrokenPipeError"
    assert rows["EHOSTUNREACH"].exception == "OSError"
    assert not rows["EHOSTUNREACH"].producible and not rows["ENETUNREACH"].producible
    assert "loopback" in rows["EHOSTUNREACH"].how
    assert rows["EAI_NONAME"].exception == "gaierror" and rows["EAI_NONAME"].producible
    assert rows["ETIMEDOUT"].exception == "TimeoutError"
    assert "NeverReads" in rows["ETIMEDOUT"].how and "NeverAccepts" not in rows["ETIMEDOUT"].how
    python_timeout = rows["(ninguno)"]
    assert python_timeout.number is None and python_timeout.exception == "TimeoutError"
    assert "errno es None" in python_timeout.how
    assert "Windows" in rows["ECONNABORTED"].how and "router" not in rows["ECONNABORTED"].how


def _kernel_timeout_on_send():
    with faults.NeverReads() as srv, socket.create_connection(srv.address) as c:  # no Python timeout
        assert faults.set_kernel_timeout(c, SHORT) is faults.KERNEL_TIMEOUT
        for _ in range(1000):  # at most 64 MiB: the buffers fill long before
            c.sendall(bytes(65536))


def _python_timeout_on_recv():
    with faults.Silent() as srv, dial(srv) as c:
        c.settimeout(SHORT)
        c.recv(10)


def _reset_on_recv():
    with faults.Reset() as srv, dial(srv) as c:
        c.sendall(b"x")
        c.recv(10)


def _broken_pipe():
    with faults.Hangup() as srv, dial(srv) as c:
        faults.write_until_broken_pipe(c)


def _refused():
    with faults.ClosedPort() as srv:
        dial(srv)


def _address_in_use():
    with lab.EchoServer() as srv, socket.socket() as other:
        other.bind(srv.address)


def _no_name():
    faults.resolve_numeric(faults.unresolvable_host())


PRODUCERS = {
    "ECONNREFUSED": _refused,
    "ETIMEDOUT": _kernel_timeout_on_send,
    "(ninguno)": _python_timeout_on_recv,
    "ECONNRESET": _reset_on_recv,
    "EPIPE": _broken_pipe,
    "EADDRINUSE": _address_in_use,
    "EAI_NONAME": _no_name,
}


@pytest.mark.parametrize("row", faults.errno_table(), ids=lambda r: r.name)
def test_every_row_marked_producible_is_produced_for_real_with_its_errno(no_leaks, row):
    """What the table promises, done: the exception class *and* the errno Python reports."""
    if not row.producible:
        assert row.name not in PRODUCERS or not sys.platform.startswith("linux")
        return
    with pytest.raises(OSError) as caught:
        PRODUCERS[row.name]()
    assert type(caught.value).__name__ == row.exception
    assert caught.value.errno == row.number


# -- the kernel's own deadline, and a process out of descriptors -----------------------
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_USER_TIMEOUT es de Linux")


@linux_only
def test_never_reads_with_a_python_timeout_is_pythons_timeout(no_leaks):
    with faults.NeverReads() as srv, dial(srv) as c:
        c.settimeout(SHORT)
        with pytest.raises(TimeoutError) as caught:
            for _ in range(1000):
                c.sendall(bytes(65536))
        assert caught.value.errno is None  # Python stopped waiting; the connection is still alive
        assert srv.log()[1].kind == EventKind.RECEIVE_BUFFER


@linux_only
def test_connect_without_python_timeout_gets_the_kernels_etimedout(no_leaks):
    with faults.NeverAccepts() as srv, socket.socket() as c:
        faults.set_kernel_timeout(c, SHORT)  # checked at the SYN's first retransmission (1 s)
        with pytest.raises(TimeoutError) as caught:
            c.connect(srv.address)
        assert caught.value.errno == errno.ETIMEDOUT


def test_kernel_timeout_elsewhere_falls_back_to_pythons_timeout(monkeypatch):
    from labsupport.faults import kernel as fault_kernel

    monkeypatch.setattr(fault_kernel, "KERNEL_TIMEOUT", False)  # as on macOS and Windows
    with socket.socket() as c:
        assert faults.set_kernel_timeout(c, SHORT) is False
        assert c.gettimeout() == SHORT  # nothing can wait forever
    with socket.socket() as c, pytest.raises(faults.FaultParameterError):
        faults.set_kernel_timeout(c, -1)


@pytest.mark.skipif(sys.platform == "win32", reason="sin resource en Windows")
def test_descriptor_limit_is_per_process_and_restored():
    import resource

    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    opened = []
    try:
        with faults.descriptor_limit(free=3):
            with pytest.raises(OSError) as caught:
                for _ in range(10):
                    opened.append(socket.socket())
    finally:
        for s in opened:
            s.close()
    assert caught.value.errno == errno.EMFILE  # the process's limit (ENFILE would be the system's)
    assert len(opened) == 3
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == before


# -- orders: why a retry may duplicate a POST ------------------------------------------
def post(server, key: str = "") -> bytes | type[BaseException]:
    """One POST: the whole answer, or the class of the exception."""
    extra = f"Idempotency-Key: {key}\r\n" if key else ""
    try:
        with dial(server) as c:
            c.sendall(f"POST /pedidos HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Content-Length: 0\r\n\r\n".encode())
            # no shutdown(SHUT_WR): the head is complete, and after an RST it would raise ENOTCONN
            # (an OSError, not the lesson's ConnectionResetError): 50 in 400 under a CPU hog
            return b"".join(read_all(c))
    except OSError as exc:
        return type(exc)


def test_orders_a_retry_after_a_lost_answer_places_the_order_twice(no_leaks):
    with faults.Orders(failures=1) as shop:
        assert post(shop) is ConnectionResetError  # the order went in, the answer was lost
        answer = post(shop)  # the retry
        assert answer.startswith(b"HTTP/1.1 201 Created") and answer.endswith("pedido n.º 2\n".encode())
        assert shop.orders == 2 and shop.requests == 2
        assert [o.answered for o in shop.order_log()] == [False, True]


def test_orders_an_idempotency_key_makes_the_retry_safe(no_leaks):
    with faults.Orders(failures=1) as shop:
        assert post(shop, key="7f3a") is ConnectionResetError
        answer = post(shop, key="7f3a")
        assert answer.startswith(b"HTTP/1.1 200 OK") and "pedido n.º 1 (repetido".encode() in answer
        assert shop.orders == 1 and shop.requests == 2
        assert post(shop, key="otra").endswith("pedido n.º 2\n".encode())
        shop.reset(failures=0)
        assert shop.orders == 0 and post(shop).endswith("pedido n.º 1\n".encode())


def test_orders_a_get_places_nothing_and_half_requests_are_ignored(no_leaks):
    with faults.Orders(failures=0) as shop:
        with dial(shop) as c:
            c.sendall(b"GET /pedidos HTTP/1.1\r\nhost: x\r\n\r\n")
            assert b"".join(read_all(c)).endswith(b"pedidos: 0\n")
        with dial(shop) as c:
            c.sendall(b"POST /ped")  # never completes the head
            c.shutdown(socket.SHUT_WR)
            assert read_all(c) == []
        assert shop.orders == 0 and shop.requests == 1
        with pytest.raises(faults.FaultParameterError):
            faults.Orders(failures=-1)


def test_catalog_names_every_fault_and_its_exception():
    rows = faults.catalog()
    assert [r["fallo"] for r in rows] == [c.__name__ for c in faults.FAULTS]
    by_name = {r["fallo"]: r for r in rows}
    assert by_name["Reset"]["excepción en el cliente"] == "ConnectionResetError"
    assert by_name["Drip"]["excepción en el cliente"] == "ninguna"
    assert all(r["qué ve el cliente"] for r in rows)


# -- safety, parameters, lifecycle -----------------------------------------------------
@pytest.mark.parametrize("cls", faults.FAULTS)
def test_faults_refuse_non_loopback_and_names(cls):
    with pytest.raises(lab.NotLoopbackError):
        cls(host="0.0.0.0")
    with pytest.raises(lab.NotLoopbackError):
        cls(host="example.invalid")


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (faults.Drip, {"payload": "texto"}, "bytes, no texto"),
        (faults.Drip, {"delay": 99}, "entre"),
        (faults.Drip, {"payload": b"x" * 1000, "piece": 1, "delay": 1}, "máximo es 60 s"),
        (faults.Truncate, {"payload": b"abc", "keep": 10}, "entre 0 y 3"),
        (faults.Flaky, {"fail_with": "explotar"}, "'reset' o 'close'"),
        (faults.HalfClose, {"reply": "eco"}, "'count' o 'echo'"),
        (faults.Silent, {"hold": -1}, "entre"),
        (faults.NeverAccepts, {"max_fillers": 0}, "entre"),
    ],
)
def test_bad_parameters_get_spanish_errors(no_leaks, cls, kwargs, match):
    with pytest.raises(faults.FaultParameterError, match=match):
        cls(**kwargs)


def test_ipv6_loopback_faults():
    if not socket.has_ipv6:
        pytest.skip("sin IPv6")
    try:
        closed = faults.ClosedPort(host="::1")
    except lab.NoIPv6Error:
        pytest.skip("sin IPv6 en loopback")
    with closed, pytest.raises(ConnectionRefusedError):
        socket.create_connection(closed.address, timeout=T).close()
    with faults.NeverAccepts(host="::1") as srv, pytest.raises(TimeoutError):
        socket.create_connection(srv.address, timeout=SHORT).close()
    with faults.Reset(host="::1") as srv, socket.create_connection(srv.address, timeout=T) as c:
        c.sendall(b"x")
        with pytest.raises(ConnectionResetError):
            c.recv(10)


def test_stop_during_open_connections_leaves_nothing_behind():
    import threading

    threads, fds = threading.active_count(), open_fds()
    servers = [
        faults.Silent(hold=60),
        faults.Drip(payload=b"x" * 20, piece=1, delay=1.0),
        faults.HalfClose(),
        faults.Reset(delay=5.0),
        faults.NeverAccepts(),
        faults.ClosedPort(),
        faults.Flaky(failures=0),
        faults.Orders(),
        faults.NeverReads(),
    ]
    clients = []
    for srv in servers:
        if not isinstance(srv, (faults.NeverAccepts, faults.ClosedPort)):
            clients.append(dial(srv))
    streams = [s for s in servers if isinstance(s, faults.FaultServer)]
    assert len(streams) == len(clients) - 1  # NeverReads' client waits in the queue, no handler
    assert settle(lambda: all(s.active_connections == 1 for s in streams))
    for srv in servers:
        srv.stop()
        srv.check()  # no handler raised
    for c in clients:
        c.close()
    assert settle(lambda: threading.active_count() <= threads), threading.enumerate()
    if fds is not None:
        assert settle(lambda: open_fds() <= fds)
    assert lab.running_servers() == []
