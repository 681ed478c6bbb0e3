"""HttpServer against bad input, slow clients and too many clients, over real sockets.

After every case the server must answer the next client and leave no thread or file
descriptor behind (the ``guarded`` fixture checks both while the server still runs).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading

import pytest

try:
    import resource
except ImportError:  # Windows
    resource = None
from conftest import open_fds, settle
from test_http_endpoints import get_request, raw, raw_bytes, read_response

import labsupport as lab
from labsupport.events import EventKind
from labsupport.http import routes

TIMEOUT = 5.0


@pytest.fixture
def guarded():
    """A server whose threads and descriptors are counted before and after the test."""
    srv = lab.HttpServer(timeout=1.0)
    raw(srv.address, get_request("/get"))  # warm up: the accept thread has created its selector
    assert settle(lambda: srv.active_connections == 0, timeout=5.0)
    threads, fds = threading.active_count(), open_fds()
    yield srv
    # the server still serves a well-behaved client...
    [(code, _, body)] = raw(srv.address, get_request("/get", extra="Connection: close\r\n"))
    assert code == 200 and "url" in json.loads(body)
    # ...and every connection of the test has ended, with its thread and descriptor
    assert settle(lambda: srv.active_connections == 0, timeout=5.0)
    assert settle(lambda: threading.active_count() <= threads, timeout=5.0), threading.enumerate()
    if fds is not None:
        assert settle(lambda: open_fds() <= fds, timeout=5.0), f"{open_fds()} descriptores, antes {fds}"
    srv.check()  # nothing was a crash
    srv.stop()


def spanish_error(responses, status: int) -> None:
    assert len(responses) == 1, responses
    code, headers, body = responses[0]
    assert code == status
    assert headers["connection"] == "close"
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert body.decode().startswith(f"Error {status} (")


# -- malformed request lines and methods ----------------------------------------------------
@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"BAD\r\n\r\n", 400),
        (b"GET\r\n\r\n", 400),
        (b"GET /\r\n\r\n", 400),  # HTTP/0.9: no version
        (b"GET  /get HTTP/1.1\r\nHost: x\r\n\r\n", 400),  # two spaces
        (b"GET /get HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
        (b"GET /get HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /get HTTX/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /get http/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET get HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /a\xc3\xb1o HTTP/1.1\r\nHost: x\r\n\r\n", 400),  # raw UTF-8 in the path
        (b"GET /get\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400),  # NUL in the request line
        (b"\x00\x00\x00\x00\r\n\r\n", 400),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)) + b"\r\n\r\n", 400),  # TLS hello
        (b"G@T /get HTTP/1.1\r\nHost: x\r\n\r\n", 400),  # not a method token
        (b"BREW /get HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        (b"get /get HTTP/1.1\r\nHost: x\r\n\r\n", 501),  # methods are case-sensitive
    ],
    ids=lambda v: repr(v)[:40] if isinstance(v, bytes) else str(v),
)
def test_malformed_request_lines_get_a_spanish_error_and_close(guarded, request_bytes, status):
    spanish_error(raw(guarded.address, request_bytes), status)
    assert guarded.requests()[-1].status == status


@pytest.mark.parametrize(
    "header",
    [
        b"X-Nul: a\x00b",  # NUL in a value
        b"X-N\x00l: ab",  # NUL in a name
        b"Sin dos puntos",
        b"X-Espacio : antes de los dos puntos",
        b" continuada: obs-fold",
        b"X-Cr: a\rb",
        b": sin nombre",
    ],
)
def test_malformed_headers_get_400(guarded, header):
    spanish_error(raw(guarded.address, b"GET /get HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n"), 400)


def test_host_is_required_once_in_http11(guarded):
    spanish_error(raw(guarded.address, b"GET /get HTTP/1.1\r\n\r\n"), 400)
    spanish_error(raw(guarded.address, b"GET /get HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400)


# -- size limits: 414, 431, 413 ------------------------------------------------------------
def test_request_line_too_long_gets_414(guarded):
    spanish_error(raw(guarded.address, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"), 414)


def test_header_line_too_long_gets_431(guarded):
    spanish_error(raw(guarded.address, b"GET /get HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n"), 431)


def test_too_many_headers_get_431(guarded):
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(101))
    spanish_error(raw(guarded.address, b"GET /get HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"), 431)


def test_too_many_header_bytes_get_431(guarded):
    big = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 4000) for i in range(20))  # 80 KB in all
    spanish_error(raw(guarded.address, b"GET /get HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n"), 431)


def test_body_over_the_cap_gets_413_without_being_read(guarded):
    with lab.HttpServer(max_body=1000) as small:
        req = b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"
        spanish_error(raw(small.address, req), 413)
        chunked = b"POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"3e9\r\n" + b"x" * 1001
        spanish_error(raw(small.address, chunked + b"\r\n0\r\n\r\n"), 413)
    huge = b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"
    spanish_error(raw(guarded.address, huge), 413)


# -- bodies: framing mistakes ----------------------------------------------------------------
def test_content_length_and_transfer_encoding_together_get_400(guarded):
    req = b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    responses = raw(guarded.address, req)
    spanish_error(responses, 400)
    assert "Transfer-Encoding" in responses[0][2].decode()


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1,2", b"+5", b"\xc2\xb2", b""])
def test_bad_content_length_gets_400(guarded, value):
    spanish_error(
        raw(guarded.address, b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + b"\r\n\r\n"), 400
    )


def test_two_different_content_lengths_get_400(guarded):
    req = b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
    spanish_error(raw(guarded.address, req), 400)


def test_unknown_transfer_encoding_gets_501(guarded):
    req = b"POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
    spanish_error(raw(guarded.address, req), 501)


@pytest.mark.parametrize(
    "body", [b"zz\r\nhola\r\n0\r\n\r\n", b"4\r\nhola!!\r\n0\r\n\r\n", b"4\r\nhola\r\n0\r\n", b"\r\n"]
)
def test_malformed_chunked_bodies_get_400(guarded, body):
    req = b"POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    spanish_error(raw(guarded.address, req), 400)


def test_body_longer_than_declared_becomes_a_bad_next_request(guarded):
    req = b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhola mundo y algo mas\r\n\r\n"
    responses = raw(guarded.address, req)
    assert [r[0] for r in responses] == [200, 400]
    assert json.loads(responses[0][2])["data"] == "hola "
    assert responses[1][1]["connection"] == "close"


def test_body_shorter_than_declared_times_out_with_408(guarded):
    with socket.create_connection(guarded.address, timeout=TIMEOUT) as s:
        s.sendall(b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsolo esto")
        f = s.makefile("rb")
        code, headers, body = read_response(f)
        assert f.read() == b""  # and the server closed
        f.close()
    assert code == 408 and headers["connection"] == "close" and body.startswith(b"Error 408")


def test_body_cut_by_the_client_is_not_a_crash(guarded):
    with socket.create_connection(guarded.address, timeout=TIMEOUT) as s:
        s.sendall(b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nsolo esto")
        s.shutdown(socket.SHUT_WR)
        data = s.recv(4096)
    assert data.startswith(b"HTTP/1.1 400 ")


# -- path traversal, sent as raw bytes (no client normalizes them) ---------------------------
@pytest.fixture
def rooted(tmp_path):
    """A document root next to a secret file, with symlinks pointing inside and outside."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("sin enlaces simbólicos ni tuberías con nombre (Windows)")
    root = tmp_path / "raiz"
    root.mkdir()
    (root / "publico.txt").write_text("público\n", encoding="utf-8")
    (root / ".oculto").write_text("SECRETO\n")
    (tmp_path / "secreto.txt").write_text("SECRETO\n")
    os.symlink(tmp_path / "secreto.txt", root / "enlace-fuera.txt")
    os.symlink(tmp_path, root / "carpeta-fuera")
    os.symlink(root / "publico.txt", root / "enlace-dentro.txt")
    os.mkfifo(root / "tuberia")
    with lab.HttpServer(docroot=root, timeout=1.0) as srv:
        yield srv


@pytest.mark.parametrize(
    "path",
    [
        b"/docs/../secreto.txt",
        b"/docs/../../../../../../etc/passwd",
        b"/docs/%2e%2e/secreto.txt",
        b"/docs/%2E%2E%2Fsecreto.txt",
        b"/docs/..%2fsecreto.txt",
        b"/docs/%252e%252e/secreto.txt",
        b"/docs/..%5csecreto.txt",
        b"/docs/..\\secreto.txt",
        b"/docs//etc/passwd",
        b"/docs/%2fetc%2fpasswd",
        b"/docs/%2F..%2F..%2Fsecreto.txt",
        b"/docs/./../secreto.txt",
        b"/docs/publico.txt%00.png",
        b"/docs/C:/Windows/win.ini",
        b"/docs/.oculto",
        b"/docs/enlace-fuera.txt",
        b"/docs/carpeta-fuera/secreto.txt",
        b"/docs/carpeta-fuera",
        b"/docs/tuberia",
        b"/docs/%ff%fe",
        b"//etc/passwd",
        b"/../secreto.txt",
    ],
)
def test_path_traversal_never_leaves_the_root(rooted, path):
    wire = raw_bytes(rooted.address, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status = int(wire.split(b" ", 2)[1])
    assert status in (400, 403, 404), wire[:200]
    assert b"SECRETO" not in wire and b"root:" not in wire
    rooted.check()


def test_symlink_inside_the_root_is_served(rooted):
    [(code, _, body)] = raw(rooted.address, get_request("/docs/enlace-dentro.txt"))
    assert code == 200 and body.decode() == "público\n"


# -- parameters over the caps ------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/delay/11",
        "/delay/abc",
        "/delay/nan",
        "/delay/-1",
        "/bytes/-1",
        "/bytes/10485761",
        "/bytes/99999999999999999999",
        "/stream-bytes/x",
        "/stream-bytes/10?chunk_size=0",
        "/status/abc",
        "/status/99",
        "/status/600",
        "/redirect/0",
        "/redirect/101",
        "/relative-redirect/x",
        "/drip?numbytes=0",
        "/drip?duration=20",
        "/drip?duration=6&delay=6",
        "/docs/texto.txt?rate=1",
        "/docs/grande.bin?rate=2048",
        "/raw/slices?size=1&delay=1",
        "/raw/endless-headers?interval=0",
        "/bytes/10?seed=x",
    ],
)
def test_bad_parameters_get_400_with_a_spanish_reason(guarded, path):
    c = http.client.HTTPConnection(*guarded.address, timeout=TIMEOUT)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read().decode()
    assert r.status == 400
    assert body.startswith("Error 400 (Petición incorrecta): ")
    assert r.getheader("Connection") is None  # a bad parameter does not end the connection
    c.request("GET", "/ip")
    assert c.getresponse().read()
    c.close()


def test_caps_are_configurable():
    with lab.HttpServer(max_delay=0.5, max_size=1000) as srv:
        c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
        for path, status in (("/delay/1", 400), ("/delay/0.01", 200), ("/bytes/1001", 400), ("/bytes/1000", 200)):
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            assert r.status == status, path
        c.close()


def test_unknown_route_and_wrong_method(guarded):
    [(code, _, body)] = raw(guarded.address, get_request("/no-existe"))
    assert code == 404 and "no existe la ruta" in body.decode()
    [(code, headers, _)] = raw(guarded.address, get_request("/get", "POST"))
    assert code == 405 and headers["allow"] == "GET, HEAD, OPTIONS"


# -- slow and idle clients, too many clients -----------------------------------------------------
def test_idle_keep_alive_connection_is_closed_after_the_timeout(guarded):
    with socket.create_connection(guarded.address, timeout=TIMEOUT) as s:
        assert s.recv(100) == b""  # the server closed it; TimeoutError here would mean it never did
    assert any(e.kind is EventKind.TIMEOUT for e in guarded.log())


def test_headers_sent_too_slowly_get_408(guarded):
    with socket.create_connection(guarded.address, timeout=TIMEOUT) as s:
        s.sendall(b"GET /get HTTP/1.1\r\nHost: x\r\n")
        received = b""
        for i in range(40):  # one header every 0.1 s: each recv is quick, the whole is too slow
            try:
                s.sendall(b"X-Lento-%d: si\r\n" % i)
            except OSError:
                break
            s.settimeout(0.1)
            try:
                received = s.recv(4096)
            except TimeoutError:
                continue
            break
    assert received.startswith(b"HTTP/1.1 408 ")


def test_slowloris_hundreds_of_idle_connections_do_not_block_a_new_client(guarded):
    idle = []
    try:
        for _ in range(300):
            s = socket.create_connection(guarded.address, timeout=TIMEOUT)
            s.sendall(b"GET /get HTTP/1.1\r\nHost: x\r\n")  # headers never finished
            idle.append(s)
        assert settle(lambda: guarded.active_connections == 300, timeout=5.0)
        c = http.client.HTTPConnection(*guarded.address, timeout=TIMEOUT)
        c.request("GET", "/get")
        assert c.getresponse().status == 200
        c.close()
    finally:
        for s in idle:
            s.close()


def test_over_the_connection_cap_answers_503_and_closes():
    threads, fds = threading.active_count(), open_fds()
    with lab.HttpServer(max_connections=3) as srv:
        held = [socket.create_connection(srv.address, timeout=TIMEOUT) for _ in range(3)]
        assert settle(lambda: srv.active_connections == 3, timeout=TIMEOUT)
        c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
        c.request("GET", "/get")
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        assert r.status == 503 and r.getheader("Connection") == "close" and r.getheader("Retry-After") == "1"
        assert body.startswith("Error 503 (Servicio no disponible)")
        assert srv.requests()[-1].status == 503
        held.pop().close()
        assert settle(lambda: srv.active_connections == 2, timeout=TIMEOUT)
        [(code, _, _)] = raw(srv.address, get_request("/ip"))
        assert code == 200
        for s in held:
            s.close()
    assert settle(lambda: threading.active_count() <= threads, timeout=TIMEOUT)
    if fds is not None:
        assert settle(lambda: open_fds() <= fds, timeout=TIMEOUT)


def test_default_connection_cap_allows_a_classroom():
    with lab.HttpServer() as srv:
        assert 16 <= srv.max_connections <= 10_000
        assert srv.backlog() >= 128
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0] if resource else resource
    if limit is not None and limit != resource.RLIM_INFINITY and limit >= 4160:
        assert srv.max_connections >= 2048  # a slowloris of 1 000 and 1 000 idle clients fit


# -- stop() is fast whatever the handlers are doing -------------------------------------------------
@pytest.mark.parametrize("path", ["/delay/10", "/raw/silent", "/raw/endless-headers", "/drip?duration=9&numbytes=9"])
def test_stop_ends_long_responses(no_leaks, path):
    srv = lab.HttpServer()
    s = socket.create_connection(srv.address, timeout=TIMEOUT)
    s.sendall(get_request(path))
    assert settle(lambda: srv.active_connections == 1, timeout=TIMEOUT)
    srv.stop()  # returns only after every handler thread has ended
    assert not srv.running and srv.active_connections == 0
    try:
        while s.recv(65536):  # the client sees the connection end (no TimeoutError)
            pass
    except ConnectionResetError:
        pass
    s.close()


# -- a bug in a route reaches check(), the client gets a 500 -----------------------------------------
def test_a_crashing_route_answers_500_and_check_raises(guarded, monkeypatch):
    def boom(req):
        raise ZeroDivisionError("fallo a propósito")

    monkeypatch.setitem(routes.EXACT, "/boom", (boom, routes.GET))
    spanish_error(raw(guarded.address, get_request("/boom")), 500)
    with pytest.raises(ZeroDivisionError, match="a propósito"):
        guarded.check()


# -- loopback only --------------------------------------------------------------------------------
def test_binds_loopback_by_default_and_refuses_other_addresses():
    with lab.HttpServer() as srv:
        assert srv._sock.getsockname()[0] == "127.0.0.1"
    for host in ("0.0.0.0", "example.invalid", "192.0.2.1"):
        with pytest.raises(lab.NotLoopbackError):
            lab.HttpServer(host)


@pytest.mark.parametrize("depth", [950, 100_000])
def test_deeply_nested_json_is_not_a_crash(guarded, depth):
    c = http.client.HTTPConnection(*guarded.address, timeout=TIMEOUT)
    c.request("POST", "/post", body=b"[" * depth + b"]" * depth, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    assert r.status in (200, 400)
