"""HttpServer endpoints over real loopback sockets: raw bytes and http.client, GET and HEAD."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
import urllib.parse

import pytest

import labsupport as lab
from labsupport.events import EventKind
from labsupport.http import BIG_FILE_SHA256, BIG_FILE_SIZE, big_file_bytes, samples

TIMEOUT = 5.0


# -- a tiny, strict response reader for raw sockets ------------------------------------
def read_response(f, method: str = "GET") -> tuple[int, dict[str, str], bytes] | None:
    """Read one response from a buffered socket file: (status, headers lower-cased, body)."""
    line = f.readline()
    if not line:
        return None
    assert line.endswith(b"\r\n"), line
    version, status, _ = line.decode("latin-1").split(" ", 2)
    assert version == "HTTP/1.1"
    headers: dict[str, str] = {}
    while (h := f.readline()) != b"\r\n":
        assert h.endswith(b"\r\n") and b":" in h, h
        name, value = h.decode("latin-1").split(":", 1)
        headers[name.strip().lower()] = value.strip()
    code = int(status)
    if method == "HEAD" or code in (204, 304):
        return code, headers, b""
    if "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        parts = []
        while size := int(f.readline().split(b";")[0], 16):
            parts.append(f.read(size))
            assert f.readline() == b"\r\n"
        assert f.readline() == b"\r\n"
        body = b"".join(parts)
    else:
        body = f.read()
    return code, headers, body


def raw(address, data: bytes, method: str = "GET", timeout: float = TIMEOUT):
    """Send raw bytes, half-close, and parse every response until the server closes."""
    with socket.create_connection(address, timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        f = s.makefile("rb")
        out = []
        while (r := read_response(f, method)) is not None:
            out.append(r)
        f.close()
    return out


def raw_bytes(address, data: bytes, timeout: float = TIMEOUT) -> bytes:
    """Everything the server sends back until it closes."""
    with socket.create_connection(address, timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def get_request(path: str, method: str = "GET", host: str = "127.0.0.1", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


@pytest.fixture
def srv():
    with lab.HttpServer() as server:
        yield server
        server.check()


# -- every GET route, with http.client and raw bytes, GET and HEAD -----------------------
def _json(body: bytes):
    return json.loads(body)


GET_ROUTES = [
    # path, status, content type prefix, check of the body
    ("/", 200, "text/html", lambda b: b"httpbin" in b),
    ("/get?a=1&a=2&b=a%C3%B1o", 200, "application/json",
     lambda b: _json(b)["args"] == {"a": ["1", "2"], "b": "año"}
     and set(_json(b)) == {"args", "headers", "origin", "url"}),
    ("/headers", 200, "application/json", lambda b: "Host" in _json(b)["headers"]),
    ("/ip", 200, "application/json", lambda b: _json(b) == {"origin": "127.0.0.1"}),
    ("/user-agent", 200, "application/json", lambda b: _json(b)["user-agent"] == "prueba/1.0"),
    ("/status/418", 418, "text/plain", lambda b: b"tetera" in b),
    ("/status/204", 204, None, lambda b: b == b""),
    ("/status/500", 500, None, lambda b: b == b""),
    ("/redirect/2", 302, None, lambda b: True),
    ("/relative-redirect/2", 302, None, lambda b: True),
    ("/absolute-redirect/2", 302, None, lambda b: True),
    ("/redirect-to?url=%2Fget", 302, None, lambda b: True),
    ("/delay/0", 200, "application/json", lambda b: "url" in _json(b) and "json" not in _json(b)),
    ("/bytes/100?seed=3", 200, "application/octet-stream", lambda b: len(b) == 100),
    ("/stream-bytes/100?seed=3&chunk_size=30", 200, "application/octet-stream", lambda b: len(b) == 100),
    ("/drip?numbytes=5&duration=0", 200, "application/octet-stream", lambda b: b == b"*****"),
    ("/html", 200, "text/html", lambda b: "Mancha" in b.decode()),
    ("/json", 200, "application/json", lambda b: "slides" in _json(b)["slideshow"]),
    ("/robots.txt", 200, "text/plain", lambda b: b.startswith(b"User-agent: *")),
    ("/encoding/utf8", 200, "text/html; charset=utf-8", lambda b: "pingüino" in b.decode()),
    ("/anything/algo?x=1", 200, "application/json", lambda b: _json(b)["method"] == "GET"),
    ("/docs/texto.txt", 200, "text/plain; charset=utf-8", lambda b: "eñe" in b.decode()),
    ("/docs/pagina.html", 200, "text/html; charset=utf-8", lambda b: b'src="imagen.png"' in b),
    ("/docs/imagen.png", 200, "image/png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
]  # fmt: skip


@pytest.mark.parametrize(("path", "status", "ctype", "check"), GET_ROUTES, ids=[r[0] for r in GET_ROUTES])
def test_get_routes_with_http_client_get_and_head(srv, path, status, ctype, check):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("GET", path, headers={"User-Agent": "prueba/1.0"})
    r = c.getresponse()
    body = r.read()
    assert r.status == status
    if ctype:
        assert r.getheader("Content-Type").startswith(ctype)
    assert check(body)
    c.request("HEAD", path, headers={"User-Agent": "prueba/1.0"})  # same connection: keep-alive
    h = c.getresponse()
    assert h.read() == b""
    assert h.status == status
    assert h.getheader("Content-Type") == r.getheader("Content-Type")
    if r.getheader("Content-Length") is not None and not path.startswith("/anything"):
        assert h.getheader("Content-Length") == r.getheader("Content-Length")
    c.close()


@pytest.mark.parametrize(("path", "status", "ctype", "check"), GET_ROUTES, ids=[r[0] for r in GET_ROUTES])
def test_get_routes_with_raw_bytes_get_and_head(srv, path, status, ctype, check):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: prueba/1.0\r\n\r\n"
        f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: prueba/1.0\r\n\r\n"
    ).encode()
    with socket.create_connection(srv.address, timeout=TIMEOUT) as s:
        s.sendall(request)  # two pipelined requests on one connection
        f = s.makefile("rb")
        code, headers, body = read_response(f)
        hcode, hheaders, _ = read_response(f, "HEAD")
        s.shutdown(socket.SHUT_WR)
        assert f.read() == b""  # nothing after the HEAD response: no body leaked
        f.close()
    assert code == hcode == status
    assert check(body)
    if ctype:
        assert headers["content-type"].startswith(ctype)
    assert "date" in headers and "server" in headers
    assert headers.get("content-length") == hheaders.get("content-length") or path.startswith("/anything")


# -- httpbin's JSON shapes -------------------------------------------------------------
BODY_KEYS = {"args", "data", "files", "form", "headers", "json", "origin", "url"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_body_methods_echo_json_like_httpbin(srv, method):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    payload = json.dumps({"ciudad": "Logroño", "n": 3}).encode()
    c.request(method, f"/{method.lower()}?q=1", body=payload, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    d = json.loads(r.read())
    assert r.status == 200 and r.getheader("Content-Type") == "application/json"
    assert set(d) == BODY_KEYS
    assert d["json"] == {"ciudad": "Logroño", "n": 3}
    assert d["data"] == payload.decode()
    assert d["args"] == {"q": "1"} and d["form"] == {} and d["files"] == {}
    assert d["url"] == f"http://{srv.host}:{srv.port}/{method.lower()}?q=1"
    assert d["headers"]["Content-Length"] == str(len(payload))
    c.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_body_methods_with_raw_bytes_and_byte_length(srv, method):
    body = "nombre=Begoña&año=2024".encode()  # 22 characters, 24 bytes
    req = (
        f"{method} /{method.lower()} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    [(code, _, out)] = raw(srv.address, req)
    d = json.loads(out)
    assert code == 200
    assert d["form"] == {"nombre": "Begoña", "año": "2024"}
    assert d["data"] == "" and d["json"] is None


def test_anything_reports_method_and_accepts_every_method(srv):
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"):
        [(code, _, body)] = raw(srv.address, get_request("/anything/x/y", method))
        assert code == 200 and json.loads(body)["method"] == method


def test_multipart_form_and_files(srv):
    boundary = "limite123"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="campo"\r\n\r\nvalor ñ\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="archivo"; filename="a.bin"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"\xff\x00\x01"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("POST", "/post", body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    d = json.loads(c.getresponse().read())
    assert d["form"] == {"campo": "valor ñ"}
    assert d["files"] == {"archivo": "data:application/octet-stream;base64,/wAB"}
    c.close()


def test_binary_body_becomes_a_data_url(srv):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("POST", "/post", body=b"\x89PNG\xff")
    d = json.loads(c.getresponse().read())
    assert d["data"].startswith("data:application/octet-stream;base64,")
    assert d["json"] is None
    c.close()


def test_chunked_request_body_is_decoded(srv):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("POST", "/post", body=iter([b"hola ", b"mundo"]), encode_chunked=True,
              headers={"Transfer-Encoding": "chunked"})  # fmt: skip
    d = json.loads(c.getresponse().read())
    assert d["data"] == "hola mundo"
    assert d["headers"]["Transfer-Encoding"] == "chunked"
    c.close()


def test_expect_100_continue_gets_an_interim_response(srv):
    body = b"x=1"
    req = (
        "POST /post HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(srv.address, timeout=TIMEOUT) as s:
        s.sendall(req)
        f = s.makefile("rb")
        assert f.readline() == b"HTTP/1.1 100 Continue\r\n" and f.readline() == b"\r\n"
        s.sendall(body)
        code, _, out = read_response(f)
        f.close()
    assert code == 200 and json.loads(out)["form"] == {"x": "1"}


# -- status, redirects -----------------------------------------------------------------
def test_status_codes_and_their_headers(srv):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    for code in (200, 201, 301, 302, 304, 400, 401, 404, 503, 599):
        c.request("GET", f"/status/{code}")
        r = c.getresponse()
        assert r.read() == b"" and r.status == code
        if code in (301, 302):
            assert r.getheader("Location") == "/redirect/1"
        if code == 401:
            assert "Basic" in r.getheader("WWW-Authenticate")
    c.request("POST", "/status/201")
    r = c.getresponse()
    r.read()
    assert r.status == 201
    c.request("GET", "/status/200:0,404:1")  # httpbin's weighted choice
    r = c.getresponse()
    r.read()
    assert r.status == 404
    c.close()


def _follow(srv, path: str, limit: int = 10) -> list[tuple[int, str]]:
    hops = []
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    for _ in range(limit):
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        location = r.getheader("Location")
        hops.append((r.status, location))
        if not location:
            break
        parsed = urllib.parse.urlsplit(location)
        if parsed.netloc:
            assert parsed.netloc == f"{srv.host}:{srv.port}"  # absolute redirects stay here
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    c.close()
    return hops


def test_redirect_chains_end_at_get(srv):
    assert _follow(srv, "/redirect/3") == [
        (302, "/relative-redirect/2"),
        (302, "/relative-redirect/1"),
        (302, "/get"),
        (200, None),
    ]
    assert [h[0] for h in _follow(srv, "/absolute-redirect/3")] == [302, 302, 302, 200]
    assert _follow(srv, "/absolute-redirect/1")[0][1] == srv.url("/get")
    assert _follow(srv, "/redirect/2?absolute=true")[0][1] == srv.url("/absolute-redirect/1")


@pytest.mark.parametrize(
    "target",
    ["/get", "get", "http://127.0.0.1/get", "http://localhost:8080/x", "http://[::1]:9/", "http://127.0.0.1:1/"],
)
def test_redirect_to_accepts_local_targets(srv, target):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("GET", "/redirect-to?" + urllib.parse.urlencode({"url": target, "status_code": "307"}))
    r = c.getresponse()
    r.read()
    assert r.status == 307 and r.getheader("Location") == target
    c.close()


def test_redirect_to_a_non_ascii_path_is_percent_encoded(srv):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("GET", "/redirect-to?" + urllib.parse.urlencode({"url": "/año/€?q=ü"}))
    r = c.getresponse()
    r.read()
    assert r.status == 302 and r.getheader("Location") == "/a%C3%B1o/%E2%82%AC?q=%C3%BC"
    c.close()
    srv.check()


@pytest.mark.parametrize(
    "target",
    [
        "http://example.invalid/",
        "https://127.0.0.1/",
        "//example.invalid/x",
        "http://127.0.0.1@example.invalid/",
        "http:\\\\example.invalid",
        "ftp://127.0.0.1/",
        "/get\r\nSet-Cookie: x=1",
        "http://10.0.0.1/",
        "",
    ],
)
def test_redirect_to_refuses_other_targets_in_spanish(srv, target):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("GET", "/redirect-to?" + urllib.parse.urlencode({"url": target}))
    r = c.getresponse()
    body = r.read().decode()
    assert r.status == 400 and r.getheader("Location") is None
    assert "Error 400" in body
    c.close()


# -- bytes, streams, documents -----------------------------------------------------------
def test_bytes_with_a_seed_are_deterministic_and_without_are_not(srv):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    bodies = []
    for path in ("/bytes/64?seed=7", "/bytes/64?seed=7", "/stream-bytes/64?seed=7", "/bytes/64", "/bytes/64"):
        c.request("GET", path)
        bodies.append(c.getresponse().read())
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[3] != bodies[4]
    c.close()


def test_stream_bytes_is_chunked_on_the_wire(srv):
    [(code, headers, body)] = raw(srv.address, get_request("/stream-bytes/25000?seed=1&chunk_size=10000"))
    assert code == 200 and headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    assert len(body) == 25000
    head = raw_bytes(srv.address, get_request("/stream-bytes/25000?chunk_size=10000", extra="Connection: close\r\n"))
    assert head.count(b"\r\n2710\r\n") == 2  # two chunks of 0x2710 = 10000 bytes


def test_big_virtual_file_has_the_published_hash(srv):
    assert hashlib.sha256(big_file_bytes()).hexdigest() == BIG_FILE_SHA256
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    c.request("GET", "/docs/grande.bin")
    r = c.getresponse()
    assert int(r.getheader("Content-Length")) == BIG_FILE_SIZE
    digest = hashlib.sha256()
    while block := r.read(65536):
        digest.update(block)
    assert digest.hexdigest() == BIG_FILE_SHA256
    assert srv.requests()[-1].bytes_sent > BIG_FILE_SIZE
    c.request("HEAD", "/docs/grande.bin")
    h = c.getresponse()
    assert h.read() == b"" and int(h.getheader("Content-Length")) == BIG_FILE_SIZE
    assert srv.requests()[-1].bytes_sent < 1000
    c.close()


def test_custom_docroot_and_a_throttled_download(srv, tmp_path):
    (tmp_path / "nota.txt").write_text("ñandú\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "datos.csv").write_bytes(b"a,b\n" * 5000)
    with lab.HttpServer(docroot=tmp_path) as mine:
        c = http.client.HTTPConnection(*mine.address, timeout=TIMEOUT)
        c.request("GET", "/docs/nota.txt")
        assert c.getresponse().read().decode() == "ñandú\n"
        c.request("GET", "/docs/sub/datos.csv?rate=200000")  # 20 000 bytes at 200 kB/s
        r = c.getresponse()
        assert r.getheader("Content-Type") == "text/csv; charset=utf-8"
        assert r.read() == b"a,b\n" * 5000
        c.request("GET", "/docs/texto.txt")  # not in this root
        r = c.getresponse()
        r.read()
        assert r.status == 404
        c.close()
    with pytest.raises(lab.LabError, match="no existe"):
        lab.HttpServer(docroot=tmp_path / "no-existe")


def test_directories_are_never_listed(srv):
    for path in ("/docs/", "/docs", "/docs//", "/docs/%2e"):
        [(code, _, body)] = raw(srv.address, get_request(path))
        assert code in (403, 404)
        assert b"texto.txt" not in body


# -- the /raw/ faults -------------------------------------------------------------------
def _client_get(srv, path: str, timeout: float = TIMEOUT):
    c = http.client.HTTPConnection(*srv.address, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r, r.read()
    finally:
        c.close()


def test_raw_close_delimited_and_chunked_are_read_whole_by_http_client(srv):
    r, body = _client_get(srv, "/raw/close-delimited")
    assert r.getheader("Content-Length") is None and r.getheader("Transfer-Encoding") is None
    assert body.decode().endswith("✅\n")
    r2, body2 = _client_get(srv, "/raw/chunked")
    assert r2.getheader("Transfer-Encoding") == "chunked"
    assert body2 == body
    wire = raw_bytes(srv.address, get_request("/raw/close-delimited"))
    assert wire.endswith(body) and b"Content-Length" not in wire
    chunked_wire = raw_bytes(srv.address, get_request("/raw/chunked", extra="Connection: close\r\n"))
    assert b";nota=primer-trozo\r\n" in chunked_wire and chunked_wire.endswith(b"\r\n0\r\n\r\n")


def test_raw_short_body_gives_incomplete_read(srv):
    with pytest.raises(http.client.IncompleteRead):
        _client_get(srv, "/raw/short-body")
    wire = raw_bytes(srv.address, get_request("/raw/short-body"))
    head, body = wire.split(b"\r\n\r\n", 1)
    declared = int(next(h for h in head.split(b"\r\n") if h.startswith(b"Content-Length")).split(b":")[1])
    assert 0 < len(body) < declared


def test_raw_reset_gives_connection_reset(srv):
    with pytest.raises(ConnectionResetError):
        _client_get(srv, "/raw/reset")
    with pytest.raises(ConnectionResetError):
        raw_bytes(srv.address, get_request("/raw/reset"))


def test_raw_endless_headers_never_end(srv):
    with pytest.raises(http.client.HTTPException, match="100 headers"):
        _client_get(srv, "/raw/endless-headers?interval=0.001")
    with socket.create_connection(srv.address, timeout=TIMEOUT) as s:
        s.sendall(get_request("/raw/endless-headers?interval=0.001"))
        f = s.makefile("rb")
        lines = [f.readline() for _ in range(30)]
        f.close()
    assert lines[0] == b"HTTP/1.1 200 OK\r\n"
    assert all(line.startswith(b"X-Relleno-") for line in lines[1:])


def test_raw_silent_times_out_and_is_released_when_the_client_leaves(srv):
    with pytest.raises(TimeoutError):
        _client_get(srv, "/raw/silent", timeout=0.3)
    with socket.create_connection(srv.address, timeout=0.3) as s:
        s.sendall(get_request("/raw/silent"))
        with pytest.raises(TimeoutError):
            s.recv(100)
    from conftest import settle

    assert settle(lambda: srv.active_connections == 0, timeout=3.0)
    assert srv.requests()[-1].status == 0


def test_raw_lf_only_is_the_guides_sample_byte_for_byte(srv):
    wire = raw_bytes(srv.address, get_request("/raw/lf-only"))
    assert wire == (
        b"HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 25\nServer: nginx/1.18.0\n\n"
        b'{"message": "Hello World"}'
    )
    assert b"\r\n\r\n" not in wire
    _, body = _client_get(srv, "/raw/lf-only")  # lenient http.client: reads only the 25 declared bytes
    assert body == b'{"message": "Hello World"'


def test_raw_bad_status_line(srv):
    with pytest.raises(http.client.BadStatusLine):
        _client_get(srv, "/raw/bad-status")
    assert raw_bytes(srv.address, get_request("/raw/bad-status")).startswith(b"HTTP/1.1 OK 200\r\n")


def test_raw_slices_arrive_in_pieces_that_cut_utf8(srv):
    with socket.create_connection(srv.address, timeout=TIMEOUT) as s:
        s.sendall(get_request("/raw/slices?size=5&delay=0.002", extra="Connection: close\r\n"))
        chunks = []
        while chunk := s.recv(4096):
            chunks.append(chunk)
    data = b"".join(chunks)
    body = data.split(b"\r\n\r\n", 1)[1]
    assert body.decode() == samples.UTF8_DEMO.decode()
    assert len(chunks) > 10  # fragments, not one message
    broken = 0
    for chunk in chunks:
        try:
            chunk.decode()
        except UnicodeDecodeError:
            broken += 1
    assert broken > 0


def test_raw_unknown_and_head_are_refused(srv):
    [(code, _, body)] = raw(srv.address, get_request("/raw/nada"))
    assert code == 404 and "lf-only" in body.decode()
    [(code, headers, _)] = raw(srv.address, get_request("/raw/lf-only", "HEAD"), method="HEAD")
    assert code == 405 and headers["allow"] == "GET, OPTIONS"


# -- keep-alive, records, misc ------------------------------------------------------------
def test_keep_alive_serves_many_requests_on_one_connection(srv):
    c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
    peers = set()
    for i in range(20):
        c.request("GET", f"/get?i={i}")
        r = c.getresponse()
        assert json.loads(r.read())["args"] == {"i": str(i)}
        assert r.getheader("Connection") is None
        peers.add(c.sock.getsockname())
    c.close()
    assert len(peers) == 1
    records = srv.requests()
    assert [r.path for r in records] == [f"/get?i={i}" for i in range(20)]
    assert len({r.peer for r in records}) == 1
    assert all(r.method == "GET" and r.status == 200 and r.bytes_sent > 0 and r.duration >= 0 for r in records)
    srv.clear_requests()
    assert srv.requests() == []


def test_http10_closes_unless_keep_alive_is_asked(srv):
    responses = raw(srv.address, b"GET /get HTTP/1.0\r\n\r\nGET /get HTTP/1.0\r\n\r\n")
    assert len(responses) == 1 and responses[0][1]["connection"] == "close"
    both = raw(srv.address, b"GET /ip HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /ip HTTP/1.0\r\n\r\n")
    assert [r[0] for r in both] == [200, 200] and both[0][1]["connection"] == "keep-alive"
    [(code, headers, body)] = raw(srv.address, b"GET /stream-bytes/10 HTTP/1.0\r\n\r\n")
    assert code == 200 and len(body) == 10 and "transfer-encoding" not in headers


def test_connection_close_is_honoured(srv):
    responses = raw(srv.address, get_request("/get", extra="Connection: close\r\n") + get_request("/ip"))
    assert len(responses) == 1 and responses[0][1]["connection"] == "close"


def test_options_lists_allowed_methods(srv):
    [(code, headers, _)] = raw(srv.address, get_request("/post", "OPTIONS"))
    assert code == 200 and headers["allow"] == "OPTIONS, POST"


def test_absolute_form_target_is_accepted(srv):
    [(code, _, body)] = raw(srv.address, get_request(f"http://{srv.host}:{srv.port}/get?x=1"))
    assert code == 200 and json.loads(body)["args"] == {"x": "1"}


def test_url_helper_and_ipv6():
    with lab.HttpServer() as v4:
        assert v4.url() == f"http://127.0.0.1:{v4.port}/"
        assert v4.url("get") == f"http://127.0.0.1:{v4.port}/get"
    if not socket.has_ipv6:
        pytest.skip("sin IPv6")
    try:
        v6 = lab.HttpServer("::1")
    except lab.NoIPv6Error:
        pytest.skip("sin IPv6 en loopback")
    with v6:
        assert v6.url("/get") == f"http://[::1]:{v6.port}/get"
        c = http.client.HTTPConnection("::1", v6.port, timeout=TIMEOUT)
        c.request("GET", "/absolute-redirect/1")
        r = c.getresponse()
        r.read()
        assert r.getheader("Location") == f"http://[::1]:{v6.port}/get"
        c.request("GET", "/ip")
        assert json.loads(c.getresponse().read()) == {"origin": "::1"}
        c.close()


def test_server_is_quiet_on_stderr(srv, capfd):
    raw(srv.address, b"BAD\r\n\r\n")
    raw(srv.address, get_request("/nada"))
    raw(srv.address, get_request("/get"))
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert any(e.kind is EventKind.HTTP_ERROR for e in srv.log())


def test_fast_json_writer_matches_the_standard_library():
    from labsupport.http.protocol import dumps

    samples = [
        {"args": {"a": ["1", "2"], "b": "año"}, "vacío": {}, "lista": [], "z": [1, 2.5, None, True, False]},
        {"texto": 'comillas " barra \\ nul \x00 tab \t emoji 🐍', "n": -0.0, "grande": 10**30},
        [[[]], {}, [{"k": [1, {"j": None}]}]],
        {},
        "ñ",
        3,
    ]
    for obj in samples:
        assert dumps(obj).decode() == json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_request_log_is_bounded():
    with lab.HttpServer(request_log_size=5) as srv:
        c = http.client.HTTPConnection(*srv.address, timeout=TIMEOUT)
        for i in range(12):
            c.request("GET", f"/status/{200 + i}")
            c.getresponse().read()
        c.close()
        assert [r.status for r in srv.requests()] == [207, 208, 209, 210, 211]


# -- the course's one-call client: whole or an error ------------------------------------
def test_fetch_returns_a_response_whole_or_raises_never_cuts_it(srv):
    from labsupport.http.client import MAX_RESPONSE, ResponseTooLargeError, fetch, split_response
    from labsupport.http.routes import random_bytes

    whole = fetch(srv.address, "/bytes/3000?seed=2")
    assert split_response(whole).body == random_bytes(3000, 2)
    assert fetch(srv.address, "/bytes/3000?seed=2", limit=len(whole)) == whole  # exactly the cap: whole
    with pytest.raises(ResponseTooLargeError, match=f"pasa de {len(whole) - 1} bytes"):
        fetch(srv.address, "/bytes/3000?seed=2", limit=len(whole) - 1)
    with pytest.raises(ResponseTooLargeError, match=re.escape("pasa de 4 MiB (el servidor envió más)")):
        fetch(srv.address, f"/bytes/{MAX_RESPONSE + 1000}")
