"""The course widgets, driven from Python against real servers on loopback (no browser).

Each widget is used the way a notebook (or a student's click) uses it: set values, call
``button.click()``, then read back what the widget shows and what it recorded.
"""

from __future__ import annotations

import hashlib
import json
import socket

import pytest
from conftest import COMMAND_LIMIT, PATIENT, settle

import labsupport as lab
from labsupport import faults
from labsupport._server import StreamServer
from labsupport.events import EventKind
from labsupport.http import BIG_FILE_SHA256, BIG_FILE_SIZE
from labsupport.http.client import RequestError, ResponseError, build_request, parse_header_lines
from labsupport.widgets import (
    FAULT_KEYS,
    Chat,
    FaultLab,
    RequestBuilder,
    TargetError,
    chat,
    download,
    fault_lab,
    request_builder,
    request_log,
)
from labsupport.widgets._fault_scenarios import PATIENT as FAULT_LAB_PATIENT
from labsupport.widgets.faultlab import UnknownFaultError


@pytest.fixture
def http():
    with lab.HttpServer() as server:
        yield server


@pytest.fixture
def echo():
    with lab.EchoServer() as server:
        yield server


def connects(server) -> int:
    return sum(1 for e in server.log() if e.kind is EventKind.CONNECT)


# -- what every widget shares ---------------------------------------------------------
def test_every_widget_shows_a_box_and_a_stable_one_line_text(http, echo):
    made = [
        request_builder(http),
        chat(echo),
        fault_lab(),
        download("/json", http),
        request_log(http),
    ]
    texts = set()
    for widget in made:
        bundle = widget._repr_mimebundle_()
        assert bundle["text/plain"] == repr(widget)
        assert "application/vnd.jupyter.widget-view+json" in bundle
        assert "\n" not in repr(widget) and "127.0.0.1" not in repr(widget)  # no port: nbval compares it
        assert "lab-widget" in widget.ui._dom_classes
        texts.add(repr(widget))
        widget.close()
    assert len(texts) == len(made)


def test_importing_the_package_does_not_import_ipywidgets():
    import subprocess
    import sys

    code = "import sys, labsupport, labsupport.widgets; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
        timeout=COMMAND_LIMIT, check=True)
    assert out.stdout.strip() == "False"


# -- request builder -----------------------------------------------------------------
def test_request_builder_get_shows_request_response_and_parsed_fields(http):
    rb = request_builder(http)
    rb.button.click()
    result = rb.last_result
    assert result.ok and result.error is None
    assert result.request.startswith(b"GET /get HTTP/1.1\r\n")
    assert f"\r\nHost: 127.0.0.1:{http.port}\r\n".encode() in result.request
    assert result.request.endswith(b"\r\n\r\n")
    resp = rb.last_response
    assert resp.status == 200 and resp.raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert json.loads(resp.body)["url"] == http.url("/get")
    assert resp.framing == "content-length" and resp.complete
    assert result.elapsed > 0
    assert "200 OK" in rb.status.value
    assert "\\r\\n" in rb.sent_html.value and "HTTP/1.1 200 OK" in rb.raw_html.value
    assert "Content-Type" in rb.parsed_html.value
    assert [r.path for r in http.requests()] == ["/get"]


def test_request_builder_counts_content_length_in_bytes(http):
    rb = request_builder(http)
    rb.method.value, rb.path.value, rb.body.value = "POST", "/post", "año"
    rb.button.click()
    assert b"\r\nContent-Length: 4\r\n" in rb.last_result.request
    assert rb.last_result.request.endswith("año".encode())
    assert json.loads(rb.last_response.body)["data"] == "año"
    assert "3 caracteres pero 4 bytes" in rb.sent_html.value


def test_request_builder_keep_alive_reuses_the_connection_and_close_does_not(no_leaks, http):
    rb = request_builder(http)
    rb.button.click()
    rb.button.click()
    assert (rb.last_result.reused, rb.last_result.kept_open) == (True, True)
    assert "conexión reutilizada" in rb.status.value
    assert connects(http) == 1
    rb.connection.value = "close"
    rb.button.click()
    assert b"\r\nConnection: close\r\n" in rb.last_result.request
    assert rb.last_result.reused and not rb.last_result.kept_open  # last request on the open one
    rb.button.click()
    assert not rb.last_result.reused
    assert connects(http) == 2
    assert len({r.peer for r in http.requests()}) == 2
    rb.close()


def test_request_builder_reconnects_when_the_server_closed_the_idle_connection():
    with lab.HttpServer(timeout=0.2) as server:
        rb = request_builder(server)
        rb.button.click()
        assert rb.last_result.kept_open
        assert settle(lambda: any(e.kind is EventKind.CLOSE for e in server.log()))
        rb.button.click()
        assert rb.last_result.ok and not rb.last_result.reused
        rb.close()


def test_request_builder_reads_chunked_close_delimited_head_and_lf_only(http):
    rb = request_builder(http)
    rb.path.value = "/stream-bytes/3000"
    rb.button.click()
    assert rb.last_response.framing == "chunked" and rb.last_response.body_size == 3000
    assert rb.last_response.complete and rb.last_result.kept_open
    rb.path.value = "/raw/close-delimited"
    rb.button.click()
    assert rb.last_response.framing == "close" and rb.last_response.complete
    assert not rb.last_result.kept_open
    rb.method.value, rb.path.value = "HEAD", "/get"
    rb.button.click()
    assert rb.last_response.framing == "none" and rb.last_response.body == b""
    rb.method.value, rb.path.value = "GET", "/raw/lf-only"
    rb.button.click()
    assert rb.last_response.status == 200
    assert rb.last_response.body == b'{"message": "Hello World"'  # 25 declared, 26 sent
    assert "\\n" in rb.raw_html.value


def test_request_builder_shows_broken_responses_without_raising(http):
    rb = request_builder(http, timeout=PATIENT)  # short (0.3 s) only where the timeout must fire
    rb.path.value = "/raw/short-body"
    rb.button.click()
    resp = rb.last_response
    assert not resp.complete and resp.body_size < resp.expected
    assert "Respuesta incompleta" in rb.parsed_html.value
    rb.path.value = "/raw/bad-status"
    rb.button.click()
    assert isinstance(rb.last_result.error, ResponseError)
    assert b"HTTP/1.1 OK 200" in rb.last_response.raw  # what arrived is still shown
    rb.timeout.value = 0.3
    rb.path.value = "/raw/silent"
    rb.button.click()
    assert isinstance(rb.last_result.error, TimeoutError)
    rb.timeout.value = 0.5  # a header every 0.1 s: each recv() gets one in time, the overall limit (4 × 0.5 s) ends it
    rb.path.value = "/raw/endless-headers"
    rb.button.click()
    assert isinstance(rb.last_result.error, TimeoutError)
    assert rb.last_response.raw.startswith(b"HTTP/1.1 200")
    assert "TimeoutError" in rb.status.value
    rb.timeout.value = PATIENT
    rb.path.value = "/raw/reset"
    rb.button.click()
    assert isinstance(rb.last_result.error, ConnectionResetError)
    rb.path.value = "/status/404"
    rb.button.click()
    assert rb.last_response.status == 404 and rb.last_result.error is None


def test_request_builder_reads_past_100_continue_to_the_final_response(http):
    rb = request_builder(http)
    rb.method.value, rb.path.value, rb.body.value = "PUT", "/put", "hola"
    rb.headers.value = "Expect: 100-continue"
    rb.button.click()
    assert rb.last_response.status == 200 and json.loads(rb.last_response.body)["data"] == "hola"
    assert rb.last_response.raw.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    rb.method.value, rb.path.value, rb.body.value, rb.headers.value = "GET", "/get", "", ""
    rb.button.click()  # the same connection is still in step
    assert rb.last_result.reused and rb.last_response.status == 200


def test_request_builder_refuses_addresses_off_loopback_without_dns(http):
    with pytest.raises(lab.NotLoopbackError):
        request_builder("10.1.2.3:80")
    rb = request_builder(http)
    for bad in ("10.1.2.3:80", "ejemplo.invalid:80", "172.16.1.1:8080"):  # refused before any socket
        rb.destination.value = bad
        rb.button.click()
        assert isinstance(rb.last_result.error, lab.NotLoopbackError)
        assert rb.last_result.request == b""
        assert "solo se conectan a tu propia máquina" in rb.status.value
    for bad in ("127.0.0.1", "127.0.0.1:99999", "::1:80"):
        rb.destination.value = bad
        rb.button.click()
        assert isinstance(rb.last_result.error, TargetError), bad
    rb.destination.value = f"localhost:{http.port}"
    rb.button.click()
    assert rb.last_result.ok and rb.last_result.address == ("127.0.0.1", http.port)


def test_request_builder_reports_bad_input_in_spanish(http):
    rb = request_builder(http)
    rb.headers.value = "Accept: */*\nesto no es una cabecera"
    rb.button.click()
    assert isinstance(rb.last_result.error, RequestError)
    assert "línea 2" in rb.status.value
    rb.headers.value, rb.path.value = "", "sin barra"
    rb.button.click()
    assert isinstance(rb.last_result.error, RequestError)
    assert "La ruta debe empezar por" in rb.status.value
    assert http.requests() == []


def test_request_builder_against_a_closed_port_shows_connection_refused():
    with faults.ClosedPort() as closed:
        rb = request_builder(closed)
        rb.button.click()
    assert isinstance(rb.last_result.error, ConnectionRefusedError)
    assert "ConnectionRefusedError" in rb.status.value


def test_request_builder_without_target_starts_a_server_and_close_stops_it(no_leaks):
    rb = request_builder()
    assert rb.server is None and rb.destination.value == ""
    rb.button.click()
    assert rb.last_result.ok
    server = rb.server
    assert server.running and rb.destination.value == f"127.0.0.1:{server.port}"
    rb.close()
    assert not server.running


def test_build_request_keeps_a_declared_content_length_and_rejects_bad_methods():
    raw = build_request("post", "/post", [("Content-Length", "3")], "año".encode(), host="h", connection="close")
    assert raw.count(b"Content-Length") == 1 and b"Content-Length: 3\r\n" in raw
    assert raw.startswith(b"POST /post HTTP/1.1\r\nHost: h\r\n")
    with pytest.raises(RequestError):
        build_request("GE T", "/", [], b"", host="h", connection="close")
    with pytest.raises(RequestError):
        parse_header_lines("Mala Cabecera: x")
    assert parse_header_lines("\nA: 1\n\nB:2  \n") == [("A", "1"), ("B", "2")]


# -- chat ------------------------------------------------------------------------------
def test_chat_shows_the_echo_and_keeps_one_connection(echo):
    c = chat(echo)
    assert isinstance(c, Chat) and not c.connected
    c.text.value = "hola"
    c.button.click()
    assert c.transcript == ["Tú: hola", "Servidor: Echo: hola"]
    assert c.text.value == ""
    assert "Servidor: Echo: hola" in c.conversation.value
    c.text.value = "adiós"
    c.button.click()
    assert c.transcript[-1] == "Servidor: Echo: adiós"
    assert connects(echo) == 1
    c.close()


def test_chat_reads_the_whole_echo_of_a_long_message(echo):
    message = "ñ" * 6000  # 12 000 bytes: several recv() on both sides, ñ cut in two
    c = chat(echo)
    reply = c.send(message)
    assert reply.replace("Echo: ", "") == message
    assert c.transcript[-1].startswith("Servidor: Echo: ") and len(c.transcript) == 2
    c.close()


def test_chat_quit_disconnects_and_the_next_message_reconnects(no_leaks, echo):
    c = chat(echo)
    assert c.disconnect_button.disabled and not c.button.disabled  # nothing to disconnect yet
    c.send("uno")
    assert not c.disconnect_button.disabled
    c.text.value = "quit"
    c.button.click()
    assert not c.connected and c.transcript[-1] == "(desconectado)"
    assert c.disconnect_button.disabled and not c.button.disabled  # «Enviar» reconnects
    c.send("dos")
    assert c.transcript[-1] == "Servidor: Echo: dos"
    # the conversation opens scrolled to its end: the newest line is what a student sees
    assert "column-reverse" in c.conversation.value and c.conversation.value.rstrip().endswith("dos</pre></div>")
    assert connects(echo) == 2
    c.close()


def test_chat_reports_refused_hangup_and_silence():
    with faults.ClosedPort() as closed:
        c = chat(closed)
        assert c.send("hola") is None
        assert c.transcript[-1] == "(error: ConnectionRefusedError)"
        assert "ConnectionRefusedError" in c.status.value
    with faults.Truncate(keep=12) as closing:  # sends 12 bytes, then FIN (never RST)
        c = chat(closing)
        c.send("hola")
        assert c.transcript[-2:] == ["Servidor: Los sockets ", "(el servidor cerró la conexión)"]
        assert not c.connected
    with faults.Silent() as silent:
        c = chat(silent, timeout=0.3)
        c.send("hola")
        assert c.transcript[-1] == "(sin respuesta en 0.3 s)" and c.connected
        c.close()


class _SlowEcho(StreamServer):
    """Echoes each message in two pieces with a pause longer than the chat's ``quiet``."""

    def handle(self, conn, addr):
        while data := conn.recv(4096):
            half = len(data) // 2
            conn.sendall(b"Echo: " + data[:half])
            if not self.sleep(0.5):
                return
            conn.sendall(b"Echo: " + data[half:])


class _AlwaysOk(StreamServer):
    def handle(self, conn, addr):
        while conn.recv(4096):
            conn.sendall(b"OK\n")


def test_chat_waits_for_an_echo_that_comes_in_pieces_and_not_for_another_answer(no_leaks):
    with _SlowEcho() as slow:
        c = chat(slow)
        assert c.quiet < 0.5  # the pause is longer than the silence that ends a different answer
        assert c.send("hola, ¿qué tal?") == "Echo: hola, ¿Echo: qué tal?"  # 17 bytes: 8, then 9
        assert "sin el eco completo" not in "".join(c.transcript)
        c.close()
    with _AlwaysOk() as ok:
        c = chat(ok)
        assert c.send("hola") == "OK\n"  # not the echo: it ends after `quiet` of silence
        assert c.transcript[-1] == "(respuesta sin el eco completo: el servidor dejó de enviar)"
        c.close()


def test_chat_ignores_an_empty_message_and_refuses_off_loopback(echo):
    c = chat(echo)
    c.button.click()
    assert c.transcript == [] and "Escribe un mensaje" in c.status.value
    with pytest.raises(lab.NotLoopbackError):
        chat(("10.0.0.1", 7))
    with pytest.raises(TargetError):
        chat(12345)


# -- fault lab -------------------------------------------------------------------------
EXPECTED = {
    "closed-port": ("connect()", ConnectionRefusedError, "ECONNREFUSED"),
    "never-accepts": ("connect()", TimeoutError, "—"),
    "silent": ("recv()", TimeoutError, "—"),
    "reset": ("recv()", ConnectionResetError, "ECONNRESET"),
    "broken-pipe": ("send()", BrokenPipeError, "EPIPE"),
    "gaierror": ("getaddrinfo()", socket.gaierror, "EAI_NONAME"),
    "drip": ("recv()", None, "—"),
    "truncate": ("recv()", None, "—"),
    "half-close": ("recv()", TimeoutError, "—"),
    "half-close-shutdown": ("recv()", None, "—"),
}


#: The faults that leave a call waiting: only there does the chosen (short) timeout apply.
WAITING = {"never-accepts": "connect()", "silent": "recv()", "half-close": "recv()"}


def test_fault_lab_produces_each_fault_with_its_exception_and_errno(no_leaks):
    assert set(FAULT_KEYS) == set(EXPECTED)
    lab_ = fault_lab(timeout=0.2)
    assert isinstance(lab_, FaultLab)
    for key, (step, exc_class, errno_name) in EXPECTED.items():
        lab_.fault.value = key
        assert lab_.timeout.disabled == (key not in WAITING), key
        lab_.button.click()
        result = lab_.last_result
        assert result.key == key and result.step == step, result
        assert result.timeout == (0.2 if key in WAITING else FAULT_LAB_PATIENT), result
        if exc_class is None:
            assert result.exception is None and result.outcome, result
        else:
            assert isinstance(result.exception, exc_class), result
            assert result.exception_name in lab_.result_html.value
        assert result.errno_name == errno_name
        assert result.rounded == round(result.elapsed, 1)
    assert "b&#x27;recibidos 4 bytes" in lab_.result_html.value
    assert len(lab_.history) == len(EXPECTED)
    assert lab_.table.value.count("<tr>") == len(EXPECTED) + 1
    assert lab.running_servers() == []  # every fault server was stopped


def test_fault_lab_timeout_is_the_client_socket_timeout_of_the_waiting_call():
    lab_ = fault_lab(timeout=0.3, fault="silent")
    assert "se aplica a recv()" in lab_.explanation.value and not lab_.timeout.disabled
    for key in WAITING:
        result = lab_.run(key)
        assert isinstance(result.exception, TimeoutError) and result.step == WAITING[key], result
        assert result.timeout == 0.3
        assert result.elapsed >= 0.3  # never before its timeout (upper bound not asserted)
    assert "Timeout (s)" in lab_.table.value and "(timeout 0.3 s)" in lab_.result_html.value


def test_fault_lab_meets_a_fault_that_comes_by_itself_with_a_patient_timeout():
    lab_ = fault_lab(timeout=0.1, fault="reset")
    assert lab_.timeout.disabled and "no llega a agotarse" in lab_.explanation.value
    lab_.button.click()
    assert isinstance(lab_.last_result.exception, ConnectionResetError)
    assert lab_.last_result.timeout == FAULT_LAB_PATIENT
    assert f"(timeout generoso de {FAULT_LAB_PATIENT:g} s)" in lab_.result_html.value
    assert f"{FAULT_LAB_PATIENT:g} (generoso)" in lab_.table.value
    lab_.fault.value = "silent"
    assert not lab_.timeout.disabled


def test_fault_lab_explains_the_chosen_fault_and_refuses_unknown_ones():
    lab_ = fault_lab()
    lab_.fault.value = "reset"
    assert faults.Reset.summary[:20] in lab_.explanation.value
    lab_.fault.value = "gaierror"
    assert "AI_NUMERICHOST" in lab_.explanation.value
    assert lab_.run("no-existe") is None and "no-existe" in lab_.result_html.value
    with pytest.raises(UnknownFaultError):
        fault_lab(fault="no-existe")


# -- download --------------------------------------------------------------------------
def test_download_shows_progress_and_the_sha256(http):
    d = download("/docs/grande.bin", http)
    d.button.click()
    result = d.last_result
    assert result.ok and result.status == 200
    assert result.size == BIG_FILE_SIZE and result.sha256 == BIG_FILE_SHA256
    assert (d.progress.value, d.progress.max) == (BIG_FILE_SIZE, BIG_FILE_SIZE)
    assert d.progress.description == "100 %" and d.progress.bar_style == "success"
    assert BIG_FILE_SHA256 in d.result_html.value
    assert result.url == http.url("/docs/grande.bin")


def test_download_saves_only_good_files(http, tmp_path):
    target = tmp_path / "texto.txt"
    d = download(http.url("/docs/texto.txt"), destino=target)
    d.start()
    assert d.last_result.ok and d.last_result.path == str(target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == d.last_result.sha256
    bad = tmp_path / "no.txt"
    d = download("/docs/no-existe.txt", http, destino=bad)
    d.start()
    assert d.last_result.status == 404 and not d.last_result.ok
    assert "página de error" in d.last_result.problem and "No se guarda" in d.result_html.value
    d = download("/raw/short-body", http, destino=bad)
    d.start()
    assert d.last_result.problem.startswith("incompleta") and d.progress.bar_style == "danger"
    assert list(tmp_path.iterdir()) == [target]  # no error page, no partial file


def test_download_of_a_chunked_body_and_errors(http):
    d = download("/stream-bytes/5000", http)
    d.start()
    assert d.last_result.ok and d.last_result.size == 5000 and d.last_result.expected is None
    with faults.ClosedPort() as closed:
        d = download(f"http://127.0.0.1:{closed.port}/x")
        d.start()
    assert isinstance(d.last_result.error, ConnectionRefusedError)
    with pytest.raises(lab.NotLoopbackError):
        download("http://10.0.0.1/archivo")
    with pytest.raises(TargetError, match="TLS"):
        download("https://127.0.0.1/archivo")


def test_download_without_server_starts_one_and_close_stops_it(no_leaks):
    d = download("/json")
    d.start()
    assert d.last_result.ok and d.server.running
    server = d.server
    d.close()
    assert not server.running


# -- request log ------------------------------------------------------------------------
def test_request_log_shows_requests_after_refresh(http):
    log = request_log(http)
    assert log.rows == [] and "0 peticiones" in log.summary.value
    rb = request_builder(http)
    for path in ("/get", "/status/418", "/json"):
        rb.path.value = path
        rb.button.click()
    assert log.rows == []  # nothing changes by itself: no thread writes to the widget
    log.button.click()
    assert [(r[2], r[3], r[4]) for r in log.rows] == [
        ("GET", "/get", "200"),
        ("GET", "/status/418", "418"),
        ("GET", "/json", "200"),
    ]
    assert "/status/418" in log.table.value and "3 peticiones" in log.summary.value
    log.clear_button.click()
    assert log.rows == [] and http.requests() == []


def test_request_log_keeps_the_newest_rows_and_works_for_any_server(http, echo):
    log = request_log(http, max_rows=2)
    rb = request_builder(http)
    for _ in range(3):
        rb.button.click()
    log.refresh()
    assert len(log.rows) == 2 and "se muestran las 2 últimas" in log.summary.value
    events = request_log(echo)
    chat(echo).send("hola")
    assert settle(lambda: "connect" in [row[1] for row in events.refresh()])
    echo.stop()
    events.refresh()
    assert "servidor detenido" in events.summary.value
    with pytest.raises(lab.LabError):
        request_log(object())


def test_request_builder_is_a_course_widget(http):
    rb = request_builder(http)
    assert isinstance(rb, RequestBuilder) and repr(rb) == "<Constructor de peticiones HTTP>"


def test_fault_lab_run_from_python_selects_the_fault_it_runs():
    lab_ = fault_lab()
    lab_.fault.value = "silent"
    result = lab_.run("reset")
    assert result is not None and isinstance(result.exception, ConnectionResetError)
    assert lab_.fault.value == "reset" and faults.Reset.summary[:20] in lab_.explanation.value
