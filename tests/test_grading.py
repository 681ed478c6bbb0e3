"""`python -m labsupport corregir`: a folder of sample submissions graded for real.

The submissions in tests/fixtures/entregas answer the master tests/fixtures/maestra in every
way a class does: right, wrong, hanging, killing the kernel, raising, with a cell deleted,
with no course notebook; a notebook that is not even JSON is added here. They run in real
kernels (nbclient), so this file takes a few seconds; the cell limit is 3 s to keep it short.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from labsupport import cli, grading

FIXTURES = Path(__file__).parent / "fixtures"

EXPECTED = [
    # alumno, cuaderno, ejercicio, superados, total, estado
    ("ana", "01_prueba.ipynb", "1.1", "3", "3", "ok"),
    ("ana", "01_prueba.ipynb", "1.2", "3", "3", "ok"),
    ("ana", "01_prueba.ipynb", "1.3", "2", "2", "ok"),
    ("bruno", "01_prueba.ipynb", "1.1", "0", "3", "fallo"),
    ("bruno", "01_prueba.ipynb", "1.2", "0", "3", "pendiente"),
    ("bruno", "01_prueba.ipynb", "1.3", "2", "2", "ok"),
    ("carla", "01_prueba.ipynb", "1.1", "3", "3", "ok"),
    ("carla", "01_prueba.ipynb", "1.2", "0", "", "tiempo agotado"),
    ("carla", "01_prueba.ipynb", "1.3", "2", "2", "ok"),  # the hung cell was interrupted, the rest ran
    ("diego", "01_prueba.ipynb", "1.1", "3", "3", "ok"),
    ("diego", "01_prueba.ipynb", "1.2", "0", "", "kernel caído"),
    ("diego", "01_prueba.ipynb", "1.3", "0", "", "kernel caído"),
    ("elena", "01_prueba.ipynb", "1.1", "0", "", "error"),
    ("elena", "01_prueba.ipynb", "1.2", "3", "3", "ok"),
    ("elena", "01_prueba.ipynb", "1.3", "2", "2", "ok"),
    ("fede", "01_prueba.ipynb", "1.1", "3", "3", "ok"),
    ("fede", "01_prueba.ipynb", "1.2", "0", "", "falta"),
    ("fede", "01_prueba.ipynb", "1.3", "2", "2", "ok"),
    ("gema", "", "", "0", "", "sin entrega"),
    ("hugo", "01_prueba.ipynb", "1.1", "0", "", "error"),
    ("hugo", "01_prueba.ipynb", "1.2", "0", "", "error"),
    ("hugo", "01_prueba.ipynb", "1.3", "0", "", "error"),
]


@pytest.fixture
def fake_lab(monkeypatch):
    """Kernels inherit the environment: let them import tests/fixtures/lab_falso.py."""
    monkeypatch.setenv("PYTHONPATH", str(FIXTURES))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the sample submissions once through the command line; return (output dir, stdout)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PYTHONPATH", str(FIXTURES))
    tmp = tmp_path_factory.mktemp("corregir")
    submissions = tmp / "entregas"
    shutil.copytree(FIXTURES / "entregas", submissions)
    (submissions / "hugo").mkdir()
    (submissions / "hugo" / "01_prueba.ipynb").write_text("{ esto no es un cuaderno", encoding="utf-8")
    output = tmp / "salida"
    roster = tmp / "alumnos.csv"  # hugo is left out of it, zoe has no folder
    roster.write_text("carpeta,nombre,apellidos,id\n" + "".join(
        f"{s},{s.title()},Apellido,{100 + i}\n" for i, s in enumerate(["ana", "bruno", "carla", "diego", "elena",
                                                                       "fede", "gema", "zoe"])), encoding="utf-8")
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            code = cli.main([
                "corregir", str(submissions), "--salida", str(output), "--maestra", str(FIXTURES / "maestra"),
                "--limite-celda", "3", "--trabajos", "2", "--formato", "nbgrader,por-alumno", "--formato", "canvas",
                "gradescope", "--lista", str(roster),
            ])
    finally:
        mp.undo()
    assert code == 0
    return output, buffer.getvalue(), submissions


def test_csv_rows_grade_each_kind_of_submission(graded):
    output, _, _ = graded
    with open(output / "notas.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == grading.CSV_COLUMNS
    assert [tuple(r[:6]) for r in rows[1:]] == EXPECTED


def test_csv_details_say_why(graded):
    output, _, _ = graded
    with open(output / "notas.csv", encoding="utf-8-sig", newline="") as fh:
        detail = {(r["alumno"], r["ejercicio"]): r["detalle"] for r in csv.DictReader(fh)}
    assert "ZeroDivisionError" in detail[("elena", "1.1")]
    assert "3 s" in detail[("carla", "1.2")]
    assert "no se puede leer" in detail[("hugo", "1.1")]
    assert "lab.comprobar" in detail[("fede", "1.2")]
    assert detail[("ana", "1.1")] == ""


def test_summary_in_spanish_and_executed_notebooks_kept(graded):
    output, printed, submissions = graded
    summary = (output / "resumen.md").read_text(encoding="utf-8")
    assert summary in printed
    assert "| ana | 3 de 3 | 8 de 8 | — |" in summary
    assert "| carla | 2 de 3 | 5 de 5 | tiempo agotado |" in summary
    assert "borrador.ipynb no es un cuaderno del curso" in summary
    executed = nbformat.read(output / "cuadernos" / "elena" / "01_prueba.ipynb", as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in executed.cells for o in c.get("outputs", []))
    # the submissions themselves are left as they were (runs happen in a temporary copy)
    original = nbformat.read(submissions / "elena" / "01_prueba.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in original.cells if c.cell_type == "code")


def test_every_export_is_written_and_they_agree(graded):
    """One grading, several formats at once: each gives every student the same points."""
    output, printed, _ = graded
    with open(output / "notas_por_alumno.csv", encoding="utf-8-sig", newline="") as fh:
        wide = {r["alumno"]: r["total"] for r in csv.DictReader(fh)}
    with open(output / "nbgrader.csv", encoding="utf-8", newline="") as fh:
        nbgrader = {r["student_id"]: r["score"] for r in csv.DictReader(fh)}
    with open(output / "canvas.csv", encoding="utf-8", newline="") as fh:
        canvas = {r["Student"]: r["01_prueba"] for r in csv.DictReader(fh) if r["Student"] != "Points Possible"}
    scores = {"ana": 8, "bruno": 2, "carla": 5, "diego": 3, "elena": 5, "fede": 5, "gema": 0, "hugo": 0, "zoe": 0}
    assert {s: float(v) for s, v in wide.items()} == scores
    assert {s: float(v) for s, v in nbgrader.items()} == scores
    assert float(canvas["Apellido, Ana"]) == 8 and float(canvas["hugo"]) == 0  # hugo: not in the roster, kept
    results = json.loads((output / "gradescope" / "carla" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 5.0 and [t["number"] for t in results["tests"]] == ["1.1", "1.2", "1.3"]
    assert "«hugo» no está en la lista de alumnos" in printed
    assert "| ana | 8 | 8 |" in printed and "Total (de 8)" in printed
    assert "canvas: " in printed and "gradescope: " in printed
    assert "retroalimentacion: " in printed and (output / "retroalimentacion" / "ana.html").is_file()
    assert "No se pudo escribir la retroalimentación" not in printed


def test_missing_folder_is_a_spanish_error(tmp_path, capsys):
    assert cli.main(["corregir", str(tmp_path / "no-existe"), "--salida", str(tmp_path / "s")]) == 1
    assert "No existe la carpeta de entregas" in capsys.readouterr().err


def test_exercise_cells_ignores_commented_calls():
    nb = new_notebook(cells=[
        new_code_cell('lab.comprobar("2.1", f)\n# lab.comprobar("2.2", g)'),
        new_code_cell("x = 1\nlab.comprobar( '2.3' , h)  # fin"),
    ])
    assert grading.exercise_cells(nb) == {"2.1": 0, "2.3": 1}


def test_rows_without_master_use_the_calls_of_the_submission():
    nb = new_notebook(cells=[new_code_cell('lab.comprobar("2.1", f)'), new_code_cell('lab.comprobar("2.2", g)')])
    run = grading.NotebookRun(nb=nb, reports={"2.1": {"ejercicio": "2.1", "superados": 1, "total": 2,
                                                       "estado": "fallo"}})
    run.problems[1] = grading.CellProblem(1, grading.ERROR, "NameError: name 'g' is not defined")
    rows = grading.rows_for("ana", "02.ipynb", run, expected=None)
    assert [(r.exercise, r.passed, r.total, r.status) for r in rows] == [
        ("2.1", 1, 2, "fallo"), ("2.2", 0, None, "error")]


@pytest.mark.skipif(not grading.isolation_available(), reason="sin «unshare --user --net» en esta máquina")
def test_isolated_kernel_sees_only_loopback_and_it_works(tmp_path, fake_lab):
    """No packet can leave: the kernel's only interface is lo, and loopback servers still work."""
    source = "\n".join([
        "import socket",
        "import labsupport as lab",
        "import lab_falso",
        "interfaces = [name for _, name in socket.if_nameindex()]",
        "with lab.EchoServer() as srv, socket.create_connection((srv.host, srv.port), timeout=2) as c:",
        "    c.sendall(b'hola')",
        "    respuesta = c.recv(100)",
        "with socket.socket(socket.AF_INET6) as s6:",
        "    s6.bind(('::1', 0))",
        "lab_falso.comprobar('1.1', lambda a, b: (a + b) if interfaces == ['lo'] and respuesta else None)",
    ])
    (tmp_path / "entregas" / "zoe").mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), tmp_path / "entregas" / "zoe" / "01.ipynb")
    result = grading.grade_folder(tmp_path / "entregas", tmp_path / "salida", isolation="si", cell_limit=10)
    assert result.isolated
    assert [(r.exercise, r.status) for r in result.rows] == [("1.1", "ok")]


def _notebook(tmp_path: Path, *sources: str) -> Path:
    path = tmp_path / "cuaderno.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def test_a_kernel_that_ignores_interrupts_is_abandoned(tmp_path, fake_lab, monkeypatch):
    """The cell hangs with SIGINT ignored: the notebook is given up and later exercises say why."""
    monkeypatch.setattr(grading.runner, "INTERRUPT_WAIT", 1.0)  # must run out: the kernel ignores SIGINT
    path = _notebook(
        tmp_path,
        "import signal\nimport time\n\nimport lab_falso as lab",
        'lab.comprobar("1.1", lambda a, b: a + b)',
        # ipykernel re-installs its SIGINT handler before every cell, so ignore it inside the cell
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.05)",
        'lab.comprobar("1.2", str.upper)',
    )
    run = asyncio.run(grading.run_notebook(path, cell_limit=3, notebook_limit=60))
    assert [(p.index, p.status) for p in run.cell_errors()] == [(2, grading.TIMEOUT)]
    assert run.stop_status == grading.TIMEOUT and run.stopped_at == 3
    rows = grading.rows_for("ana", path.name, run, expected=None)
    assert [(r.exercise, r.status) for r in rows] == [("1.1", "ok"), ("1.2", grading.TIMEOUT)]
    assert "no llegó a ejecutarse" in rows[1].detail


def test_cells_after_an_interrupted_one_really_run(tmp_path, fake_lab):
    """Regression: the next cells used to reach ipykernel while it was still interrupting, and
    were silently dropped."""
    path = _notebook(
        tmp_path,
        "import time\n\nimport lab_falso as lab",
        "while True:\n    time.sleep(0.05)",
        "print('tres')",
        'lab.comprobar("1.2", str.upper)',
    )
    run = asyncio.run(grading.run_notebook(path, cell_limit=3, notebook_limit=60))
    assert [(p.index, p.status) for p in run.cell_errors()] == [(1, grading.TIMEOUT)]
    assert run.nb.cells[2].outputs[0]["text"] == "tres\n"
    assert run.reports["1.2"]["estado"] == "ok"


def test_the_notebook_time_limit_stops_a_slow_notebook(tmp_path, fake_lab):
    path = _notebook(
        tmp_path,
        "import time\n\nimport lab_falso as lab",
        'lab.comprobar("1.1", lambda a, b: a + b)',
        "time.sleep(60)",
        'lab.comprobar("1.2", str.upper)',
    )
    # The total limit (8 s) leaves the kernel's start and the first check seconds to spare on a
    # loaded machine, and runs out for sure inside the 60 s cell, which no cell limit cuts first.
    run = asyncio.run(grading.run_notebook(path, cell_limit=60, notebook_limit=8))
    assert run.reports["1.1"]["estado"] == "ok"
    assert "1.2" not in run.reports
    assert run.stop_status == grading.TIMEOUT and "límite total de 8 s" in run.stop_detail
