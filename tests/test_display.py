"""The course's one rule for bytes and its one table, in text and in HTML (labsupport._display)."""

from __future__ import annotations

import html
import re

import pytest

from labsupport._display import Table, escape_bytes, escaped_lines, wire_html
from labsupport.sockstate import SocketCard
from labsupport.widgets._common import table_html


def _text_of(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# -- bytes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [b for b in range(256) if b not in b"'\""])
def test_every_byte_is_shown_as_python_shows_it(value):
    # the student's print(datos) and the course's views never disagree (quotes aside)
    data = bytes([value])
    assert escape_bytes(data) == repr(data)[2:-1]


def test_utf8_text_is_shown_as_its_bytes_everywhere():
    data = "nombre=año".encode()
    assert escape_bytes(data) == "nombre=a\\xc3\\xb1o"
    assert _text_of(wire_html(data)) == "nombre=a\\xc3\\xb1o"


def test_the_wire_view_is_the_escaped_lines_with_their_line_ends():
    data = b"HTTP/1.1 200 OK\r\nX: a\\b\ttab\n\r\n" + "¡Señal! ✅\n".encode() + b"\xff cola"
    assert _text_of(wire_html(data)) == escaped_lines(data)
    assert escaped_lines(data).splitlines() == [
        "HTTP/1.1 200 OK\\r\\n",
        "X: a\\\\b\\ttab\\n",
        "\\r\\n",
        "\\xc2\\xa1Se\\xc3\\xb1al! \\xe2\\x9c\\x85\\n",
        "\\xff cola",
    ]


def test_the_wire_view_names_each_character_over_its_bytes():
    shown = wire_html("año ✅".encode())
    assert re.search(r'<span title="ñ"[^>]*>\\xc3\\xb1</span>', shown)
    assert re.search(r'<span title="✅"[^>]*>\\xe2\\x9c\\x85</span>', shown)
    # half a character (a recv() that cut the ñ) is one byte, with no character to name
    half = wire_html(b"a\xc3")
    assert _text_of(half) == "a\\xc3" and "title=" not in half


def test_a_lone_carriage_return_does_not_end_a_line():
    assert escaped_lines(b"a\rb\nc") == "a\\rb\\n\nc"
    assert _text_of(wire_html(b"a\rb\nc")) == "a\\rb\\n\nc"


def test_the_wire_view_says_how_much_it_left_out():
    shown = wire_html(b"x" * 5000, limit=10)
    assert _text_of(shown) == "x" * 10 + "\n… (4 990 bytes más)"
    assert escaped_lines(b"x" * 5000, limit=10).splitlines()[-1] == "… (4 990 bytes más)"


# -- tables ---------------------------------------------------------------------------------
def test_a_table_prints_aligned_with_its_header_underlined():
    table = Table(["a", "columna"], [["uno", "x"], ["dos", ""]], "nota")
    assert str(table).splitlines() == ["a    columna", "---  -------", "uno  x", "dos", "nota"]
    assert repr(table) == str(table) and len(table) == 2


def test_a_card_has_no_header_and_names_each_row():
    card = SocketCard([("familia", "AF_INET"), ("estado", "<abierto>")], title="Ficha")
    assert repr(card).splitlines() == ["Ficha", "  familia  AF_INET", "  estado   <abierto>"]
    shown = card._repr_html_()
    assert shown.startswith("<table><caption>Ficha</caption>") and "<thead>" not in shown
    assert "<th style='text-align:left'>estado</th><td style='text-align:left'>&lt;abierto&gt;</td>" in shown
    assert card["estado"] == "<abierto>"


def test_every_html_cell_is_left_aligned_and_escaped():
    shown = Table(["<h>"], [["a&b"]], code=True)._repr_html_()
    cells = re.findall(r"<t[hd]( [^>]*)?>", shown)
    assert cells and all(attrs == " style='text-align:left'" for attrs in cells)
    assert "<code>a&amp;b</code>" in shown and "&lt;h&gt;" in shown


def test_a_widget_table_is_the_same_table_with_its_borders_inline():
    shown = table_html(["Cabecera", "Valor"], [("Host", "127.0.0.1")], "lab-headers")
    assert shown.startswith('<table class="lab-headers" style="border-collapse:collapse')
    assert _text_of(shown) == _text_of(Table(["Cabecera", "Valor"], [("Host", "127.0.0.1")]).html())
    assert all("border:1px solid" in attrs for attrs in re.findall(r"<t[hd]( [^>]*)?>", shown))


def test_the_request_widget_shows_the_bytes_it_sent_and_the_text_it_understood():
    import labsupport as lab
    from labsupport.widgets import request_builder

    with lab.HttpServer() as server:
        rb = request_builder(server)
        rb.method.value, rb.path.value, rb.body.value = "POST", "/post", "año"
        rb.button.click()
        sent, raw, parsed = (_text_of(v) for v in (rb.sent_html.value, rb.raw_html.value, rb.parsed_html.value))
        rb.close()
    assert sent.endswith("\\r\\n\na\\xc3\\xb1o")  # the wire: 4 bytes, as Content-Length counts them
    assert '"data": "a\\xc3\\xb1o",\\n' in raw and "año" not in raw  # the answer, raw: the same rule
    assert '"data": "año"' in parsed  # and the body decoded, where it is read as text
