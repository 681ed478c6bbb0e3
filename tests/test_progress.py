"""lab.progreso(): the file lab.comprobar keeps in the student's folder, its rebuilds, its map."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from conftest import COMMAND_LIMIT
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

import labsupport as lab
from labsupport import progress
from labsupport._results import RESULTS_ENV
from labsupport.exercises import known_ids
from labsupport.plots.progress import STATUS_COLORS


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A student's folder (it has a notebook) as the current folder, with no progress recorded yet."""
    (tmp_path / "01_crear_sockets.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(progress.PROGRESS_ENV, raising=False)
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.setattr(progress, "_SESSION", {})
    monkeypatch.setattr(progress, "_last_problem", "")
    return tmp_path


def result(exercise_id: str, status: str, passed: int = 0, total: int = 4):
    """What lab.comprobar returns, as far as the progress file reads it."""
    return types.SimpleNamespace(exercise_id=exercise_id, status=status, passed=passed, total=total)


def saved(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["ejercicios"]


def test_the_file_keeps_each_exercises_last_result_and_how_many_checks(folder):
    progress.record(result("3.2", "fallo", 4, 6))
    progress.record(result("3.2", "ok", 6, 6))
    progress.record(result("1.1", "pendiente", 0, 4))
    data = json.loads((folder / ".progreso.json").read_text(encoding="utf-8"))
    assert data["formato"] == "labsupport-progreso" and data["version"] == 1
    assert data["ejercicios"]["3.2"]["estado"] == "ok"
    assert (data["ejercicios"]["3.2"]["superados"], data["ejercicios"]["3.2"]["total"]) == (6, 6)
    assert data["ejercicios"]["3.2"]["veces"] == 2
    assert data["ejercicios"]["1.1"]["veces"] == 1
    shown = lab.progreso(figura=False)
    assert shown.status("3.2") == "ok" and shown.status("1.1") == "pendiente"
    assert shown.status("2.1") == "sin comprobar"
    assert "Guardado en" in repr(shown) and str(folder / ".progreso.json") in repr(shown)
    page = shown._repr_html_()
    assert "<td style='text-align:left'>pendiente</td>" in page
    assert f"<p>{len(known_ids())} ejercicios: 1 ok, 0 con fallo, 1 pendiente," in page


def test_a_new_session_reads_what_the_last_one_left(folder, monkeypatch):
    progress.record(result("2.1", "ok", 4, 4))
    monkeypatch.setattr(progress, "_SESSION", {})  # a new kernel: nothing in memory
    assert lab.progreso(figura=False).status("2.1") == "ok"


def test_every_exercise_of_the_course_is_listed_once_in_course_order(folder):
    shown = lab.progreso(figura=False)
    assert [row[0] for row in shown.rows] == known_ids()
    assert shown.counts()["sin comprobar"] == len(known_ids())
    assert f"{len(known_ids())} ejercicios: 0 ok" in shown.summary()


def test_no_file_where_there_is_no_notebook(tmp_path, folder, monkeypatch):
    elsewhere = tmp_path / "sin_cuadernos"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    progress.record(result("1.1", "ok", 4, 4))
    assert list(elsewhere.iterdir()) == []
    shown = lab.progreso(figura=False)
    assert shown.status("1.1") == "ok"  # this kernel's result is still shown
    assert "no se guarda en ningún archivo (esta carpeta no tiene cuadernos)" in repr(shown)


def test_never_inside_the_installed_packages(folder, monkeypatch):
    monkeypatch.setattr(progress, "_installed_dirs", lambda: [folder.parent])
    assert progress.progress_file() is None


def test_off_by_environment_and_while_grading(folder, monkeypatch):
    monkeypatch.setenv(progress.PROGRESS_ENV, "no")
    progress.record(result("1.1", "ok", 4, 4))
    assert not (folder / ".progreso.json").exists()
    assert "LABSUPPORT_PROGRESO=no" in repr(lab.progreso(figura=False))
    monkeypatch.delenv(progress.PROGRESS_ENV)
    monkeypatch.setenv(RESULTS_ENV, str(folder / "resultados.jsonl"))
    assert progress.progress_file() is None


def test_the_environment_may_name_another_file(folder, monkeypatch):
    target = folder / "otro" / "mi_progreso.json"
    target.parent.mkdir()
    monkeypatch.setenv(progress.PROGRESS_ENV, str(target))
    progress.record(result("5.1", "fallo", 1, 5))
    assert saved(target)["5.1"]["estado"] == "fallo"
    assert not (folder / ".progreso.json").exists()


@pytest.mark.parametrize(
    "damage",
    [
        b'{"formato": "labsupport-progreso", "vers',
        b"[1, 2, 3]",
        b"\xff\xfe\x00basura",
        b'{"formato": "labsupport-progreso", "version": 1, "ejercicios": {"1.1": {"estado": "genial"}}}',
    ],
    ids=["cortado", "otra-forma", "binario", "entrada-ilegible"],
)
def test_a_damaged_file_is_kept_aside_and_rebuilt_with_a_message_shown_once(folder, damage):
    path = folder / ".progreso.json"
    progress.record(result("1.2", "ok", 6, 6))  # this kernel checked 1.2 before the file broke
    path.write_bytes(damage)
    progress.record(result("1.3", "fallo", 2, 6))
    aside = [p for p in folder.iterdir() if p.name.startswith(".progreso.json.roto-")]
    assert len(aside) == 1 and aside[0].read_bytes() == damage  # nothing the student had is lost
    assert {k: v["estado"] for k, v in saved(path).items()} == {"1.2": "ok", "1.3": "fallo"}
    first = repr(lab.progreso(figura=False))
    assert "estaba dañado" in first and aside[0].name in first
    assert "estaba dañado" not in repr(lab.progreso(figura=False))


def test_a_file_damaged_between_checks_is_rebuilt_by_progreso_itself(folder):
    progress.record(result("4.1", "ok", 5, 5))
    (folder / ".progreso.json").write_text("no es json", encoding="utf-8")
    shown = lab.progreso(figura=False)
    assert "estaba dañado" in repr(shown) and shown.status("4.1") == "ok"
    assert saved(folder / ".progreso.json")["4.1"]["estado"] == "ok"


def test_a_deleted_file_is_rebuilt_from_this_session(folder):
    progress.record(result("6.1", "ok", 6, 6))
    (folder / ".progreso.json").unlink()
    shown = lab.progreso(figura=False)
    assert "Aún no hay archivo de progreso" in repr(shown) and shown.status("6.1") == "ok"
    progress.record(result("6.2", "fallo", 3, 6))
    assert {k: v["estado"] for k, v in saved(folder / ".progreso.json").items()} == {"6.1": "ok", "6.2": "fallo"}


def test_a_file_that_cannot_be_written_never_reaches_the_check_and_is_said_by_progreso(folder, monkeypatch, capsys):
    blocked = folder / "carpeta"
    blocked.mkdir()
    monkeypatch.setenv(progress.PROGRESS_ENV, str(blocked))  # a folder where the file should be
    progress.record(result("7.1", "ok", 7, 7))  # does not raise
    assert capsys.readouterr() == ("", "")
    shown = lab.progreso(figura=False)
    assert shown.status("7.1") == "ok"
    assert f"No se pudo guardar el progreso en {blocked}" in repr(shown)


def test_two_kernels_writing_at_once_lose_nothing_and_never_corrupt(folder):
    """Two processes record 40 results each, one exercise shared: every update is in the file."""
    code = textwrap.dedent(
        """
        import sys, types
        from labsupport import progress
        own = sys.argv[1]
        for n in range(40):
            for ex in (own, "9.9"):
                progress.record(types.SimpleNamespace(exercise_id=ex, status="fallo", passed=n, total=40))
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in (progress.PROGRESS_ENV, RESULTS_ENV)}
    procs = [subprocess.Popen([sys.executable, "-c", code, ex], cwd=folder, env=env) for ex in ("1.1", "1.2")]
    assert [p.wait(COMMAND_LIMIT) for p in procs] == [0, 0]
    entries = saved(folder / ".progreso.json")
    assert entries["1.1"]["veces"] == 40 and entries["1.2"]["veces"] == 40
    assert entries["9.9"]["veces"] == 80
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_comprobar_records_its_result_and_its_report_does_not_change(folder, monkeypatch, capsys):
    def recibir_exacto(sock, n):
        raise NotImplementedError("Escribe aquí tu solución")

    with_file = repr(lab.comprobar("8.2", recibir_exacto))
    assert saved(folder / ".progreso.json")["8.2"]["estado"] == "pendiente"
    monkeypatch.setenv(progress.PROGRESS_ENV, "no")
    assert repr(lab.comprobar("8.2", recibir_exacto)) == with_file
    assert capsys.readouterr() == ("", "")
    assert lab.progreso(figura=False).status("8.2") == "pendiente"


def test_the_map_has_a_square_per_exercise_coloured_by_its_last_result(folder):
    progress.record(result("1.1", "ok", 4, 4))
    progress.record(result("3.4", "fallo", 2, 6))
    progress.record(result("10.5", "pendiente", 0, 8))
    before = set(plt.get_fignums())
    lab.progreso()
    (new,) = set(plt.get_fignums()) - before  # one figure, drawn by lab.progreso()
    ax = plt.figure(new).axes[0]
    plt.close(new)
    squares = {p.get_gid(): to_hex(p.get_facecolor()) for p in ax.patches if isinstance(p, Rectangle)}
    assert list(squares) == known_ids()
    assert squares["1.1"] == STATUS_COLORS["ok"] and squares["3.4"] == STATUS_COLORS["fallo"]
    assert squares["10.5"] == STATUS_COLORS["pendiente"] and squares["2.1"] == STATUS_COLORS["sin comprobar"]
    assert {t.get_text() for t in ax.texts} == set(known_ids())
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["cuaderno 01", "cuaderno 02"]
    assert not any(ch.isdigit() for ch in ax.get_title())


def test_the_map_refuses_an_unknown_result():
    with pytest.raises(ValueError, match=r"resultado desconocido 'genial' en 1\.1"):
        lab.plots.progress([("1.1", "genial")])
