"""Event kinds: one name per idea, equal to its string, and a misspelt kind is an error, not silence."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import PATIENT, settle

import labsupport as lab
from labsupport.events import EventKind, UnknownEventKindError
from labsupport.tap import TO_SERVER, TapEvent


def test_a_kind_is_its_string_wherever_a_string_is_read():
    assert EventKind.FIN == "fin" and "network-error" == EventKind.NETWORK_ERROR
    assert str(EventKind.HTTP_ERROR) == f"{EventKind.HTTP_ERROR}" == "http-error"
    assert f"{EventKind.HTTP_ERROR:>11}|" == " http-error|"  # a table column
    assert json.dumps({"kind": EventKind.TLS_ERROR}) == '{"kind": "tls-error"}'
    assert {"fin": 1}[EventKind.FIN] == 1 and {EventKind.FIN: 1}["fin"] == 1
    assert EventKind("attempt-failed") is EventKind.ATTEMPT_FAILED
    assert lab.EventKind is EventKind and lab.tap.EventKind is EventKind


def test_every_value_is_one_distinct_word():
    values = [kind.value for kind in EventKind]
    assert len(set(values)) == len(values)
    assert all(v == v.lower() and " " not in v and v == kind.name.lower().replace("_", "-")
               for v, kind in zip(values, EventKind, strict=True))


@pytest.mark.parametrize("name", ["fni", "FIN", "eof", ""])
def test_an_unknown_kind_is_refused_in_spanish(name):
    with pytest.raises(UnknownEventKindError) as info:
        EventKind(name)
    assert isinstance(info.value, ValueError) and isinstance(info.value, lab.LabError)
    message = str(info.value)
    assert f"No hay eventos de tipo {name!r}." in message and "connect, " in message
    assert ("se registra como 'fin'" in message) == (name == "eof")


def test_the_tap_refuses_an_unknown_kind_instead_of_matching_nothing(no_leaks):
    with lab.EchoServer() as eco, lab.Tap(eco) as tap:
        with pytest.raises(UnknownEventKindError):
            tap.events(kind="fni")
        with pytest.raises(UnknownEventKindError):
            tap.events(kind=("reset", "rst"))
    with pytest.raises(UnknownEventKindError):
        TapEvent(0.0, 1, "dato", TO_SERVER)
    assert TapEvent(0.0, 1, "data", TO_SERVER).kind is EventKind.DATA  # a string becomes the kind


def test_servers_log_kinds_and_students_compare_them_with_strings(no_leaks):
    with lab.EchoServer() as eco:
        with socket.create_connection(eco.address, timeout=PATIENT) as c:
            c.sendall(b"hola")
            assert c.recv(100) == b"Echo: hola"
        assert settle(lambda: any(e.kind is EventKind.CLOSE for e in eco.log()))
    log = eco.log()
    assert all(type(e.kind) is EventKind for e in log)
    assert [e.kind for e in log] == ["start", "connect", "close", "stop"]  # as a student writes them
    assert sum(e.kind == "connect" for e in log) == 1


def test_the_other_sides_fin_is_one_kind_for_the_server_and_for_the_tap(no_leaks):
    with lab.faults.HalfClose() as medio, lab.Tap(medio) as tap:
        with socket.create_connection(tap.address, timeout=PATIENT) as c:
            c.sendall(b"hola, servidor")
            c.shutdown(socket.SHUT_WR)
            answer = b""
            for _ in range(100):  # bounded: one recv() is not one message
                if not (chunk := c.recv(1024)):
                    break
                answer += chunk
        assert answer == b"recibidos 14 bytes\n"
        assert tap.wait_closed()
        client_fin = [e.kind for e in tap.events(kind="fin", direction=TO_SERVER)]
        assert settle(lambda: any(e.kind is EventKind.REPLY for e in medio.log()))
        server_fin = [(e.kind, e.detail) for e in medio.log() if e.kind is EventKind.FIN]
    assert client_fin == [EventKind.FIN]
    assert server_fin == [(EventKind.FIN, "14 bytes antes del FIN del cliente")]
