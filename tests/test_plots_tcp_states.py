"""The TCP state diagram: which states and arrows it highlights, read from the plotted artists' gids."""

from __future__ import annotations

import socket

import matplotlib
import matplotlib.pyplot as plt
import pytest
from _sockstate_kit import connection
from _statepath_kit import active_close

from labsupport import plots
from labsupport.plots._style import COLORS
from labsupport.plots.tcp_states import EDGES, Move, _crosses_a_box, _jump_rad, traversal
from labsupport.sockstate import tcpinfo
from labsupport.sockstate.path import StatePath

live = pytest.mark.skipif(not tcpinfo.supported(), reason="this system cannot read a socket's TCP state")
FAMILIES = [pytest.param(socket.AF_INET, id="ipv4"), pytest.param(socket.AF_INET6, id="ipv6")]


@pytest.fixture(autouse=True)
def _close_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


def gids(ax, prefix: str) -> list[str]:
    return [p.get_gid()[len(prefix) + 1 :] for p in ax.patches if (p.get_gid() or "").startswith(prefix + ":")]


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


@live
@pytest.mark.parametrize("family", FAMILIES)
def test_active_close_of_a_real_connection_is_highlighted(family, tmp_path):
    ax = plots.tcp_states(active_close(family))
    assert sorted(gids(ax, "visitado")) == sorted(
        [f"{n}:cliente" for n in ("CLOSED", "ESTABLISHED", "FIN_WAIT_2", "TIME_WAIT")]
        + [f"{n}:servidor" for n in ("LISTEN", "ESTABLISHED", "CLOSE_WAIT", "CLOSED_END")]
    )
    # the arrows of the diagram each end took, numbered with the step that saw the change
    assert gids(ax, "recorrido") == ["ESTABLISHED->CLOSE_WAIT:servidor:3", "FIN_WAIT_2->TIME_WAIT:cliente:4"]
    # what no single arrow joins is a jump, not a guessed route (SYN_SENT, FIN_WAIT_1, LAST_ACK unseen)
    assert gids(ax, "salto") == [
        "CLOSED->ESTABLISHED:cliente:2",
        "LISTEN->ESTABLISHED:servidor:2",
        "ESTABLISHED->FIN_WAIT_2:cliente:3",
        "CLOSE_WAIT->CLOSED_END:servidor:4",
    ]
    assert "Pasos:\n2  conectados\n3  el cliente cierra\n4  el servidor cierra" in texts(ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["cliente", "servidor", "salto directo: ningún paso vio estados intermedios"]
    ax.figure.savefig(tmp_path / "activo.png", dpi=50)


def test_every_state_and_every_arrow_of_the_rfc_is_drawn():
    ax = plots.tcp_states([])
    assert len(gids(ax, "estado")) == 12  # eleven states, CLOSED twice as in the RFC
    names = set(texts(ax))
    assert set(tcpinfo.STATES) <= names
    assert len(gids(ax, "flecha")) == len(EDGES) == len(set(gids(ax, "flecha")))
    assert {"recibe SYN / envía SYN+ACK", "recibe FIN / envía ACK", "espera 2·MSL", "cierra / envía FIN"} <= names
    assert gids(ax, "visitado") == gids(ax, "recorrido") == []
    assert "(no se observó ningún estado)" in names
    assert ax.get_legend() is None


def test_closed_at_the_top_before_and_at_the_bottom_after():
    route = traversal(["CLOSED", "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED"])
    assert route.visited["socket"][0] == "CLOSED" and route.visited["socket"][-1] == "CLOSED_END"
    assert all(m.arrow for m in route.moves)
    assert [m.step for m in route.moves] == [2, 3, 4, 5, 6, 7]
    back = traversal(["LISTEN", "CLOSED"])  # close() on a listener: the RFC's arrow up
    assert back.moves == [Move("socket", 2, "LISTEN", "CLOSED", True)]


def test_reset_of_both_ends_is_two_jumps_side_by_side():
    ax = plots.tcp_states({"cliente": ["ESTABLISHED", "CLOSED"], "servidor": ["ESTABLISHED", "CLOSED"]})
    jumps = [p for p in ax.patches if (p.get_gid() or "").startswith("salto:")]
    assert [p.get_gid() for p in jumps] == [
        "salto:ESTABLISHED->CLOSED_END:cliente:2",
        "salto:ESTABLISHED->CLOSED_END:servidor:2",
    ]
    styles = {p.get_connectionstyle().rad for p in jumps}
    assert len(styles) == 2  # not drawn on top of each other
    colours = [matplotlib.colors.to_hex(p.get_edgecolor()) for p in jumps]
    assert colours == [COLORS["cliente→servidor"], COLORS["servidor→cliente"]]
    assert sorted(gids(ax, "visitado")) == [
        "CLOSED_END:cliente", "CLOSED_END:servidor", "ESTABLISHED:cliente", "ESTABLISHED:servidor"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "target"),
    [("CLOSED", "ESTABLISHED"), ("LISTEN", "ESTABLISHED"), ("ESTABLISHED", "FIN_WAIT_2"),
     ("ESTABLISHED", "CLOSED_END"), ("CLOSE_WAIT", "CLOSED_END"), ("ESTABLISHED", "TIME_WAIT")],
)  # fmt: skip
def test_a_jump_runs_through_no_other_state(source, target):
    assert not _crosses_a_box(source, target, _jump_rad(source, target))


def test_unknown_readings_and_names_are_skipped_not_drawn():
    route = traversal({"cliente": [None, "ESTABLISHED", None, "CLOSE_WAIT", "NO_ES_UN_ESTADO"]})
    assert route.visited == {"cliente": ["ESTABLISHED", "CLOSE_WAIT"]}
    assert route.moves == [Move("cliente", 4, "ESTABLISHED", "CLOSE_WAIT", True)]


def test_rules_of_every_figure():
    rc = dict(matplotlib.rcParams)
    _fig, ax = plt.subplots()
    assert plots.tcp_states(["LISTEN"], ax=ax) is ax
    assert dict(matplotlib.rcParams) == rc
    assert "2" not in ax.get_title() and repr(plots.tcp_states(["LISTEN"])) == repr(plots.tcp_states(["CLOSED"]))


@live
def test_forgotten_close_is_left_in_close_wait():
    with connection(socket.AF_INET) as (client, server):
        path = StatePath(cliente=client, servidor=server)
        path.mark("conectados")
        client.close()
        path.mark("el cliente cierra; el servidor nunca")
        ax = plots.tcp_states(path, steps=False)
    assert sorted(gids(ax, "visitado")) == [
        "CLOSE_WAIT:servidor", "ESTABLISHED:cliente", "ESTABLISHED:servidor", "FIN_WAIT_2:cliente"
    ]  # fmt: skip
    assert not any(t.startswith("Pasos:") for t in texts(ax))
