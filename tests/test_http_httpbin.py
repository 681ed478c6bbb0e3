"""HttpServer next to the real httpbin: same status, Content-Type and JSON fields, endpoint by endpoint.

Students move from the course's server to the public httpbin service, so what they learn
here must hold there. httpbin's own Flask app runs on werkzeug's server in a thread, on
127.0.0.1 (nothing leaves the machine), and every request below goes to both servers.

Compared: the status, the Content-Type, the names of the JSON fields (and their values where
the request fixes them: ``args``, ``data``, ``form``, ``json``, ``method``, the header names),
and the headers that carry meaning (``Location``, ``WWW-Authenticate``, ``Allow``...).
Differences on purpose, each checked to be exactly what it says (so this list stays true):

- ``/status/418``: the teapot keeps ``Content-Type: text/plain; charset=utf-8``; httpbin
  sends it without one (notebook 06 reads it; a body without a type is what the course
  teaches against).
- a parameter that is not a number or is out of range (``/delay/abc``, ``/redirect/0``,
  ``/bytes/abc``): a Spanish ``400`` in plain text that names the parameter; httpbin answers
  ``500`` (an exception inside the app) or ``404``.

httpbin (0.10.4 on PyPI) pins ``greenlet<3`` for Python < 3.12, which Playwright's
``greenlet>=3.1`` contradicts, although httpbin never imports greenlet: so the test extra
lists httpbin's real dependencies and httpbin is installed with ``pip install --no-deps``.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading

import pytest

import labsupport as lab

try:
    import httpbin
    from werkzeug.serving import make_server
except ImportError:  # make test installs it; conda's environment.yml cannot say --no-deps
    pytest.skip("httpbin no está instalado: pip install --no-deps httpbin==0.10.4", allow_module_level=True)

TIMEOUT = 10.0  # must not fire
MEANINGFUL = ("location", "www-authenticate", "proxy-authenticate", "allow", "x-more-info")
JSON_BODY = json.dumps({"curso": "sockets", "año": 2024}).encode()
FORM_BODY = b"nombre=Ana&nombre=Luis&ciudad=Le%C3%B3n"


@pytest.fixture(scope="module")
def real_httpbin():
    """httpbin's address, on 127.0.0.1, for the whole module."""
    quiet = logging.getLogger("werkzeug")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # werkzeug logs every request to stderr
    real = make_server("127.0.0.1", 0, httpbin.app, threaded=True)
    thread = threading.Thread(target=real.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield real.server_address[:2]
    finally:
        real.shutdown()
        real.server_close()
        thread.join(TIMEOUT)
        quiet.setLevel(level)


@pytest.fixture
def servers(real_httpbin):
    """(httpbin's address, HttpServer's address): ours is new for each test (stop_all runs after each)."""
    with lab.HttpServer() as ours:
        yield real_httpbin, ours.address


def ask(address, method: str, path: str, body: bytes | None = None, ctype: str | None = None):
    """(status, headers with lower-case names, body) of one request on a new connection."""
    headers = {"User-Agent": "curso-sockets/1.0", "X-Curso": "sockets"}
    if ctype:
        headers["Content-Type"] = ctype
    c = http.client.HTTPConnection(*address, timeout=TIMEOUT)
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def same(servers, method: str, path: str, body: bytes | None = None, ctype: str | None = None) -> tuple:
    """Ask both; assert status, Content-Type, meaningful headers and JSON field names agree."""
    (real_status, real_h, real_b), (our_status, our_h, our_b) = (
        ask(address, method, path, body, ctype) for address in servers
    )
    where = f"{method} {path}"
    assert our_status == real_status, where
    assert our_h.get("content-type") == real_h.get("content-type"), where
    for name in MEANINGFUL:
        assert (name in our_h) == (name in real_h), f"{where}: {name}"
    if name_is_json(real_h) and method != "HEAD":
        real_j, our_j = json.loads(real_b), json.loads(our_b)
        assert sorted(our_j) == sorted(real_j), where
        return real_j, our_j
    assert (len(our_b) == 0) == (len(real_b) == 0), where  # both empty, or both with a body
    return real_h, our_h


def name_is_json(headers: dict) -> bool:
    return headers.get("content-type", "").startswith("application/json")


# -- every endpoint both servers have --------------------------------------------------------
GET_ROUTES = [
    "/", "/get?curso=sockets&n=1&n=2", "/anything", "/anything/algo?x=1", "/headers", "/ip", "/user-agent",
    "/redirect/1", "/redirect/3", "/redirect/2?absolute=true", "/relative-redirect/2", "/absolute-redirect/2",
    "/redirect-to?url=/get", "/redirect-to?url=/get&status_code=307", "/delay/0", "/bytes/16?seed=1",
    "/stream-bytes/16", "/drip?numbytes=5&duration=0", "/html", "/json", "/robots.txt", "/encoding/utf8",
    "/no-existe", "/status/abc",
]


@pytest.mark.parametrize("path", GET_ROUTES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_get_routes_answer_as_httpbin(servers, method, path):
    same(servers, method, path)


@pytest.mark.parametrize("code", [200, 201, 202, 204, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402,
                                  403, 404, 406, 407, 410, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_status_codes_answer_as_httpbin(servers, method, code):
    same(servers, method, f"/status/{code}")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_body_methods_echo_the_same_fields_and_values(servers, method):
    path = f"/{method.lower()}?q=1"
    real, ours = same(servers, method, path, JSON_BODY, "application/json")
    for key in ("args", "data", "json", "form", "files"):
        assert ours[key] == real[key], key
    real, ours = same(servers, method, path, FORM_BODY, "application/x-www-form-urlencoded")
    for key in ("args", "data", "json", "form", "files"):
        assert ours[key] == real[key], key
    real, ours = same(servers, "POST", "/anything/x", JSON_BODY, "application/json")
    assert ours["method"] == real["method"] == "POST"


def test_echoed_request_fields_agree(servers):
    real, ours = same(servers, "GET", "/get?curso=sockets&n=1&n=2")
    assert ours["args"] == real["args"] == {"curso": "sockets", "n": ["1", "2"]}
    assert ours["origin"] == real["origin"] == "127.0.0.1"
    assert ours["url"].split("/", 3)[3] == real["url"].split("/", 3)[3] == "get?curso=sockets&n=1&n=2"
    real, ours = same(servers, "GET", "/headers")
    assert sorted(ours["headers"]) == sorted(real["headers"])
    assert ours["headers"]["X-Curso"] == real["headers"]["X-Curso"] == "sockets"
    real, ours = same(servers, "GET", "/user-agent")
    assert ours == real == {"user-agent": "curso-sockets/1.0"}


def test_wrong_method_and_options_answer_as_httpbin(servers):
    same(servers, "POST", "/get")  # 405, an HTML page, Allow
    same(servers, "DELETE", "/headers")
    same(servers, "OPTIONS", "/get")  # 200 with Allow


# -- the differences on purpose, checked so the docstring stays true -------------------------------
def test_the_teapot_keeps_its_content_type(servers):
    (real_status, real_h, _), (our_status, our_h, body) = (ask(a, "GET", "/status/418") for a in servers)
    assert real_status == our_status == 418
    assert "content-type" not in real_h and our_h["content-type"] == "text/plain; charset=utf-8"
    assert b"tetera" in body


@pytest.mark.parametrize("path", ["/delay/abc", "/redirect/0", "/bytes/abc"])
def test_bad_parameters_get_a_spanish_400_where_httpbin_fails(servers, path):
    logging.getLogger("httpbin").disabled = True  # its app logs the exception it raises
    (real_status, _, _), (our_status, our_h, body) = (ask(a, "GET", path) for a in servers)
    assert real_status in (404, 500)
    assert our_status == 400 and our_h["content-type"] == "text/plain; charset=utf-8"
    assert body.decode().startswith("Error 400 (Petición incorrecta): ")
