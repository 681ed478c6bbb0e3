"""lab.plots.message_bytes and byte_order: assert on the boxes drawn (field, byte, colour), never pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

import labsupport as lab
from labsupport.plots.framing import layout


@pytest.fixture(autouse=True)
def _close_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def boxes(ax) -> list[tuple[float, float, str]]:
    """(x, y, colour) of every byte box, left to right within each row."""
    return [(p.get_x(), round(p.get_y(), 2), to_hex(p.get_facecolor())) for p in ax.patches if isinstance(p, Rectangle)]


def test_a_long_field_shows_its_first_bytes_and_counts_the_rest():
    cells = layout([("m", [("longitud", b"\x00\x0c"), ("cuerpo", b"hola, mundo!")])], max_shown=4)
    assert [(c.x, c.field, c.text, c.char) for c in cells] == [
        (0, "longitud", "00", ""), (1, "longitud", "0c", ""),
        (2, "cuerpo", "68", "h"), (3, "cuerpo", "6f", "o"), (4, "cuerpo", "6c", "l"), (5, "cuerpo", "…", "+9"),
    ]
    assert cells[-1].more == 9


def test_message_bytes_draws_one_box_per_byte_coloured_by_field():
    message = lab.framing.encode_prefixed(b"hola")
    ax = lab.plots.message_bytes([("prefijo", [("longitud (!I)", message[:4]), ("cuerpo", message[4:])])])
    drawn = boxes(ax)
    assert [x for x, _, _ in drawn] == list(range(8))
    assert len({c for _, _, c in drawn[:4]}) == 1 and len({c for _, _, c in drawn[4:]}) == 1
    assert drawn[0][2] != drawn[4][2]
    texts = [t.get_text() for t in ax.texts]
    assert texts[:4] == ["00", "00", "00", "04"] and "h" in texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["longitud (!I) (4 B)", "cuerpo (4 B)"]
    assert ax.get_title() == "Los bytes de cada mensaje, por campos"


def test_the_same_field_name_has_the_same_colour_in_every_row():
    ax = lab.plots.message_bytes([("a", [("cuerpo", b"x")]), ("b", [("longitud", b"\x01"), ("cuerpo", b"y")])])
    first_row, second_row = [b for b in boxes(ax) if b[1] > 1], [b for b in boxes(ax) if b[1] < 1]
    assert first_row[0][2] == second_row[1][2] != second_row[0][2]


def test_byte_order_puts_the_most_significant_byte_first_only_in_network_order():
    ax = lab.plots.byte_order(258)
    top, bottom = [b for b in boxes(ax) if b[1] > 1], [b for b in boxes(ax) if b[1] < 1]
    assert [c for _, _, c in top] == [c for _, _, c in reversed(bottom)]  # the same bytes, mirrored
    assert [t.get_text() for t in ax.texts] == ["00", "00", "01", "02", "02", "01", "00", "00"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["!I (red, big-endian)", "<I (little-endian)"]


@pytest.mark.parametrize("bad", [[], [("vacía", [])]])
def test_message_bytes_refuses_rows_without_fields(bad):
    with pytest.raises(TypeError, match="filas"):
        lab.plots.message_bytes(bad)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5])
def test_byte_order_refuses_what_is_not_a_32_bit_unsigned_number(bad):
    with pytest.raises(TypeError, match="2\\*\\*32"):
        lab.plots.byte_order(bad)


def test_a_given_axes_is_drawn_on_and_returned():
    _fig, ax = plt.subplots()
    assert lab.plots.message_bytes([("m", [("cuerpo", b"ab")])], ax=ax) is ax
