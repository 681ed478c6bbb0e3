"""The toxic lab widget: toxics added and removed between two messages of a live chat, through the relay."""

from __future__ import annotations

import pytest

import labsupport as lab
from labsupport.relay import ToxicError
from labsupport.widgets import ToxicLab, toxic_lab
from labsupport.widgets.toxiclab import EXAMPLES, parse_params


@pytest.fixture
def tl():
    widget = toxic_lab()
    yield widget
    widget.close()


def test_it_shows_a_box_and_a_stable_one_line_text(tl):
    assert isinstance(tl, ToxicLab)
    bundle = tl._repr_mimebundle_()
    assert bundle["text/plain"] == repr(tl)
    assert "\n" not in repr(tl) and "127.0.0.1" not in repr(tl)
    assert "lab-toxic-lab" in tl.ui._dom_classes


def test_a_toxic_added_between_two_messages_acts_on_the_open_connection(tl):
    assert tl.send("hola") == "Echo: hola"
    tl.kind.value = "limit_data"
    assert tl.params.value == EXAMPLES["limit_data"]  # the box proposes a value that shows it at once
    tl.direction.value = "vuelta"
    tl.params.value = "bytes=4"
    tl.add_button.click()
    assert [t.name for t in tl.relay.toxics] == ["limit_data_vuelta"]
    assert "limit_data_vuelta" in tl.toxics_html.value and tl.removable.value == "limit_data_vuelta"
    assert tl.send("adios") == "Echo"
    assert tl.chat.transcript[-1] == "(el servidor cerró la conexión)"
    assert tl.relay.connections() == [1]  # the same connection the first message opened
    assert "limit_data_vuelta: pasan 4 de 11 bytes" in tl.events_html.value


def test_the_chat_button_refreshes_the_recording(tl):
    tl.chat.text.value = "hola"
    tl.chat.button.click()
    assert tl.chat.last_reply == "Echo: hola"
    assert "Echo: hola" in tl.events_html.value


def test_a_latency_then_removed(tl):
    tl.params.value = "latency=0.05"
    name = tl.add()
    assert name == "latency_vuelta"
    assert tl.send("hola") == "Echo: hola"
    assert "retrasado 50 ms" in tl.events_html.value
    tl.remove_button.click()
    assert tl.relay.toxics == [] and tl.remove_button.disabled
    assert tl.send("otra") == "Echo: otra"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ("latency=-1", ["'latency'", "≥ 0"]),
        ("latency", ["nombre=valor"]),
        ("latency=rapido", ["'latency'", "número"]),
        ("retraso=1", ["'retraso'"]),
    ],
)
def test_bad_parameters_are_shown_in_spanish_and_add_nothing(tl, params, words):
    tl.params.value = params
    assert tl.add() is None
    assert "lab-error" in tl.status.value
    for word in words:
        assert word.replace("'", "&#x27;") in tl.status.value
    assert tl.relay.toxics == []


def test_parse_params():
    assert parse_params("latency=0.5, jitter=0") == {"latency": 0.5, "jitter": 0}
    assert parse_params(" bytes = 4 ,") == {"bytes": 4}
    assert parse_params("") == {}
    with pytest.raises(ToxicError, match="nombre=valor"):
        parse_params("=3")


def test_closing_it_leaves_nothing_behind(no_leaks):
    widget = toxic_lab()
    assert widget.send("hola") == "Echo: hola"  # a connection open through the relay
    widget.params.value = "latency=30"
    widget.add()
    widget.close()
    assert lab.running_servers() == []
