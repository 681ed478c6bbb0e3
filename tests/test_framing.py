"""labsupport.framing: the reference framings of notebook 10, over real loopback sockets.

Each reader must give whole messages however the stream is cut (byte by byte, several in one
segment), and a clear Spanish error, never a hang or a big allocation, for a malformed frame.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import tracemalloc

import pytest
from conftest import PATIENT

import labsupport as lab
from labsupport import framing
from labsupport.framing import kv


@pytest.fixture
def pair():
    """(sender, receiver): a TCP connection on loopback; the receiver's timeout must not fire."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sender = socket.create_connection(listener.getsockname(), timeout=PATIENT)
        receiver, _ = listener.accept()
    receiver.settimeout(PATIENT)
    yield sender, receiver
    sender.close()
    receiver.close()


def drip(sock: socket.socket, data: bytes, close: bool = True) -> threading.Thread:
    """Send ``data`` one byte per sendall from a thread (then FIN): the worst cut there is."""

    def run() -> None:
        for i in range(len(data)):
            sock.sendall(data[i : i + 1])
        if close:
            sock.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# -- recv_exactly ---------------------------------------------------------------------------
def test_recv_exactly_joins_a_drip_and_leaves_what_follows(pair):
    sender, receiver = pair
    drip(sender, b"abcdefgh").join(PATIENT)
    assert framing.recv_exactly(receiver, 5) == b"abcde"
    assert receiver.recv(100) == b"fgh"


def test_recv_exactly_of_a_large_block_sent_in_pieces(pair):
    sender, receiver = pair
    data = bytes(range(256)) * 4000
    thread = threading.Thread(target=lambda: [sender.sendall(data[i : i + 7000]) for i in range(0, len(data), 7000)])
    thread.start()
    assert framing.recv_exactly(receiver, len(data)) == data
    thread.join(PATIENT)


def test_recv_exactly_says_how_much_was_missing_when_the_peer_closes(pair):
    sender, receiver = pair
    sender.sendall(b"abc")
    sender.close()
    with pytest.raises(ConnectionError, match="faltaban 7 de 10 bytes"):
        framing.recv_exactly(receiver, 10)


def test_recv_exactly_refuses_a_negative_length(pair):
    with pytest.raises(ValueError, match="-1 bytes"):
        framing.recv_exactly(pair[1], -1)


def test_a_deadline_stops_a_drip_that_never_lets_the_per_recv_timeout_fire(pair):
    sender, receiver = pair
    receiver.settimeout(PATIENT)
    stop = threading.Event()

    def slow() -> None:
        while not stop.wait(0.05):
            sender.sendall(b"x")

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        with pytest.raises(TimeoutError, match="plazo"):
            framing.recv_exactly(receiver, 10_000, deadline=time.monotonic() + 0.3)
    finally:
        stop.set()
        thread.join(PATIENT)
    assert receiver.gettimeout() == PATIENT  # the socket's own timeout is given back


def test_a_silence_shorter_than_the_deadline_is_the_sockets_own_timeout(pair):
    receiver = pair[1]
    receiver.settimeout(0.2)
    with pytest.raises(TimeoutError) as info:
        framing.recv_exactly(receiver, 4, deadline=time.monotonic() + PATIENT)
    assert "plazo" not in str(info.value)


# -- delimiter ------------------------------------------------------------------------------
def test_line_reader_cuts_at_newlines_however_the_bytes_arrive(pair):
    sender, receiver = pair
    reader = framing.LineReader(receiver)
    drip(sender, b"uno\n\ndos tres\ncuatro\n")
    assert [reader.read_line() for _ in range(5)] == [b"uno", b"", b"dos tres", b"cuatro", None]


def test_line_reader_keeps_what_follows_for_the_next_line(pair):
    sender, receiver = pair
    reader = framing.LineReader(receiver)
    sender.sendall(b"uno\ndo")
    assert reader.read_line() == b"uno"
    assert reader.pending == b"do"


def test_line_reader_refuses_a_line_over_its_cap_without_waiting_for_its_end(pair):
    sender, receiver = pair
    sender.sendall(b"x" * 200)  # no newline, and the sender stays open
    with pytest.raises(framing.MessageTooLargeError, match="100 bytes"):
        framing.LineReader(receiver, max_line=100).read_line()


def test_line_reader_reports_a_line_cut_by_the_close(pair):
    sender, receiver = pair
    sender.sendall(b"medio")
    sender.close()
    with pytest.raises(ConnectionError, match="mitad de una línea"):
        framing.LineReader(receiver).read_line()


def test_encode_line_refuses_a_newline_and_escaping_round_trips():
    with pytest.raises(ValueError, match="delimitador"):
        framing.encode_line(b"a\nb")
    for data in [b"a\nb", b"\\n", b"\\", b"\n\n\\\\n", bytes(range(256))]:
        escaped = framing.escape(data)
        assert b"\n" not in escaped
        assert framing.unescape(escaped) == data


def test_unescape_rejects_an_unknown_escape():
    with pytest.raises(framing.FramingError, match="escape"):
        framing.unescape(b"a\\tb")


# -- fixed size and length prefix -------------------------------------------------------------
def test_fixed_size_pads_and_strips_and_refuses_what_does_not_fit(pair):
    sender, receiver = pair
    drip(sender, framing.encode_fixed(b"hola", 8) + framing.encode_fixed(b"12345678", 8))
    assert [framing.recv_fixed(receiver, 8), framing.recv_fixed(receiver, 8)] == [b"hola", b"12345678"]
    with pytest.raises(ValueError):
        framing.encode_fixed(b"123456789", 8)


def test_length_prefix_is_four_bytes_big_endian():
    assert framing.encode_prefixed(b"hola") == b"\x00\x00\x00\x04hola"


def test_prefixed_messages_survive_a_drip_and_end_with_none(pair):
    sender, receiver = pair
    messages = [b"hola", b"", b"con \n dentro", bytes(1000)]
    drip(sender, b"".join(map(framing.encode_prefixed, messages)))
    assert [framing.recv_prefixed(receiver) for _ in messages] == messages
    assert framing.recv_prefixed(receiver) is None


def test_several_prefixed_messages_in_one_segment(pair):
    sender, receiver = pair
    sender.sendall(framing.encode_prefixed(b"a") + framing.encode_prefixed(b"bb") + framing.encode_prefixed(b"ccc"))
    assert [framing.recv_prefixed(receiver) for _ in range(3)] == [b"a", b"bb", b"ccc"]


def test_a_peer_announcing_4_gib_gets_a_clear_error_before_any_allocation(pair):
    sender, receiver = pair
    sender.sendall(struct.pack("!I", 0xFFFF_FFFF) + b"basura")
    tracemalloc.start()
    try:
        with pytest.raises(framing.MessageTooLargeError, match=r"4 GiB.*límite es 1 MiB"):
            framing.recv_prefixed(receiver)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


def test_a_prefix_cut_by_the_close_is_an_incomplete_message(pair):
    sender, receiver = pair
    sender.sendall(b"\x00\x00")
    sender.close()
    with pytest.raises(ConnectionError):
        framing.recv_prefixed(receiver)


# -- JSON header ------------------------------------------------------------------------------
def test_json_header_message_round_trips_byte_by_byte(pair):
    sender, receiver = pair
    body = "¡Hola, año nuevo!".encode()
    drip(sender, framing.encode_message(body, content_type="text/plain", content_encoding="utf-8") * 2)
    for _ in range(2):
        message = framing.recv_message(receiver)
        assert message.header == {
            "version": 1, "content-type": "text/plain", "content-length": 19, "content-encoding": "utf-8"
        }
        assert message.text() == "¡Hola, año nuevo!"


def _frame(header: str) -> bytes:
    raw = header.encode()
    return struct.pack("!H", len(raw)) + raw


@pytest.mark.parametrize(
    ("frame", "error", "words"),
    [
        (_frame('{"version": 1, "content-type": "x", "content-length": -1}'), framing.FramingError, "entero de 0"),
        (_frame('{"version": 1, "content-type": "x", "content-length": "5"}'), framing.FramingError, "entero"),
        (_frame('{"version": 1, "content-type": "x", "content-length": true}'), framing.FramingError, "entero"),
        (_frame('{"version": 1, "content-type": "x", "content-length": 4294967296}'),
         framing.MessageTooLargeError, "4 GiB"),
        (_frame('{"version": 1, "content-type": "x"}')[:15], framing.IncompleteMessageError, "faltaban"),
        (b"\x00", framing.IncompleteMessageError, "faltaban 1 de 2"),
        (_frame('{"version": 1, '), framing.FramingError, "JSON válido"),
        (_frame("[1, 2]"), framing.FramingError, "objeto JSON"),
        (_frame('{"version": 2, "content-type": "x", "content-length": 0}'), framing.VersionError, "versión 2"),
        (_frame('{"version": 1, "content-length": 0}'), framing.FramingError, "content-type"),
        (struct.pack("!H", 2) + b"\xff\xfe", framing.FramingError, "UTF-8"),
        (b"\x00\x00", framing.FramingError, "0 bytes"),
    ],
    ids=["negativa", "texto", "booleano", "4GiB", "cortada", "sin-longitud", "json-roto", "lista", "version",
         "sin-tipo", "no-utf8", "vacia"],
)
def test_malformed_json_frames_get_a_clear_spanish_error_and_never_hang(pair, frame, error, words):
    sender, receiver = pair
    sender.sendall(frame)
    sender.close()
    with pytest.raises(error, match=words) as info:
        framing.recv_message(receiver, deadline=time.monotonic() + PATIENT)
    assert isinstance(info.value, (ValueError, ConnectionError))


def test_a_body_over_the_limit_is_refused_before_it_is_read(pair):
    sender, receiver = pair
    sender.sendall(framing.encode_message(bytes(2000)))
    with pytest.raises(framing.MessageTooLargeError, match="cuerpo"):
        framing.recv_message(receiver, max_body=1000)
    assert framing.recv_exactly(receiver, 2000) == bytes(2000)  # the body is still unread: nothing was read of it


# -- arrival --------------------------------------------------------------------------------
def test_wait_arrived_makes_three_sends_come_out_of_one_recv(pair):
    sender, receiver = pair
    for message in (b"hola\n", b"que tal\n", b"adios\n"):
        sender.sendall(message)
    if not framing.wait_arrived(receiver, 19):
        pytest.skip("this system cannot count unread bytes (FIONREAD)")
    assert receiver.recv(1024) == b"hola\nque tal\nadios\n"


# -- key-value server -------------------------------------------------------------------------
def test_kv_answers_follow_the_protocol():
    store: dict[str, str] = {}
    assert kv.answer(store, b"SET ciudad C\xc3\xa1diz la bella") == b"200 OK"
    assert kv.answer(store, b"GET ciudad") == "200 Cádiz la bella".encode()
    assert kv.answer(store, b"DEL ciudad") == b"200 OK"
    assert kv.answer(store, b"GET ciudad") == b"404 no existe"
    assert kv.answer(store, b"DEL ciudad") == b"404 no existe"
    for bad in [b"GET", b"GET a b", b"SET", b"FOO x", b"", b"\xff"]:
        assert kv.answer(store, bad).startswith(b"400 ")


def test_kv_server_over_a_drip_and_a_pipeline():
    with framing.KeyValueServer() as server, socket.create_connection(server.address, timeout=PATIENT) as client:
        reader = framing.LineReader(client)
        drip(client, b"SET a 1\r\nSET b dos\nGET b\nGET z\n", close=False).join(PATIENT)
        assert [reader.read_line() for _ in range(4)] == [b"200 OK", b"200 OK", b"200 dos", b"404 no existe"]
        client.sendall(b"SET x " + b"y" * 5000 + b"\n")
        assert reader.read_line() == "413 línea demasiado larga".encode()
        assert reader.read_line() is None
    server.check()


def test_kv_store_is_capped(monkeypatch):
    monkeypatch.setattr(kv, "MAX_KEYS", 2)
    store: dict[str, str] = {}
    assert [kv.answer(store, f"SET k{i} v".encode())[:3] for i in range(3)] == [b"200", b"200", b"507"]
    assert kv.answer(store, b"SET k0 otro") == b"200 OK"  # changing a key that exists still works


def test_framing_is_reachable_from_lab():
    assert lab.framing.recv_exactly is framing.recv_exactly


def _drip_until(sock: socket.socket, stop: threading.Event, first: bytes = b"") -> threading.Thread:
    """Send ``first``, then one byte every 0.05 s until ``stop``: a peer no per-recv timeout catches."""

    def run() -> None:
        sock.sendall(first)
        while not stop.wait(0.05):
            sock.sendall(b"x")

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("reader", ["line", "prefixed", "json"])
def test_every_reader_honours_the_deadline_of_the_whole_message(pair, reader):
    sender, receiver = pair
    stop = threading.Event()
    first = {"line": b"", "prefixed": struct.pack("!I", 10_000), "json": b""}[reader]
    thread = _drip_until(sender, stop, first)
    deadline = time.monotonic() + 0.3
    read = {
        "line": lambda: framing.LineReader(receiver).read_line(deadline=deadline),
        "prefixed": lambda: framing.recv_prefixed(receiver, deadline=deadline),
        "json": lambda: framing.recv_message(receiver, deadline=deadline),  # b"xx" announces a 30840-byte header
    }[reader]
    try:
        with pytest.raises(TimeoutError, match="plazo"):
            read()
    finally:
        stop.set()
        thread.join(PATIENT)


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KiB (1024 bytes)"), (1_048_576, "1 MiB (1048576 bytes)"),
     (0xFFFF_FFFF, "4294967295 bytes (≈ 4 GiB)"), (1500, "1500 bytes (≈ 1 KiB)")],
)
def test_sizes_are_written_for_people(n, text):
    assert framing.size_text(n) == text
