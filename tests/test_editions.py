"""The student edition: solutions stripped exactly, a student's files never overwritten, and
the edition of every course notebook runs top to bottom with each exercise "pendiente"."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from labsupport import cli, editions, grading
from labsupport.editions import CODE_STUB, SolutionMarkerError, strip_solutions

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


# --------------------------------------------------------------------------- stripping


def test_every_region_of_a_cell_becomes_the_stub_at_its_own_indentation():
    source = "\n".join([
        "class Contador:",
        "    def __init__(self):",
        "        ### BEGIN SOLUTION",
        "        self.n = 0",
        "        ### END SOLUTION",
        "",
        "    def sumar(self):",
        "        if True:",
        "            ### BEGIN SOLUTION",
        "            self.n += 1",
        "            return self.n",
        "            ### END SOLUTION",
        "",
        "lab.comprobar('1.3', Contador)",
    ])
    assert strip_solutions(source).split("\n") == [
        "class Contador:",
        "    def __init__(self):",
        f"        {CODE_STUB}",
        "",
        "    def sumar(self):",
        "        if True:",
        f"            {CODE_STUB}",
        "",
        "lab.comprobar('1.3', Contador)",
    ]


def test_top_level_region_and_tabs_keep_their_indentation():
    assert strip_solutions("### BEGIN SOLUTION\nx = 1\n### END SOLUTION") == CODE_STUB
    assert strip_solutions("if x:\n\t### BEGIN SOLUTION\n\ty()\n\t### END SOLUTION") == f"if x:\n\t{CODE_STUB}"


def test_a_cell_without_markers_is_unchanged():
    source = "def f():\n    return 1  # sin solución que quitar\n\n\nprint(f())\n"
    assert strip_solutions(source) == source


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "línea 2: «### BEGIN SOLUTION» sin su «### END SOLUTION»"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "línea 3: «### END SOLUTION» sin un «### BEGIN SOLUTION»"),
        (
            "### BEGIN SOLUTION\na = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\n",
            "línea 3: «### BEGIN SOLUTION» dentro de otra solución que empezó en la línea 1",
        ),
    ],
    ids=["sin-cierre", "cierre-sin-apertura", "anidada"],
)
def test_unbalanced_markers_are_a_clear_spanish_error(source, fragment):
    with pytest.raises(SolutionMarkerError) as info:
        strip_solutions(source, where="01.ipynb, celda 4")
    assert str(info.value).startswith("01.ipynb, celda 4, ")
    assert fragment in str(info.value)


def master_notebook() -> nbformat.NotebookNode:
    code = new_code_cell(
        "def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION\n\n\nlab.comprobar('9.1', f)",
        execution_count=7,
        outputs=[new_output("stream", name="stdout", text="✔ 9.1\n")],
        metadata={"tags": ["mantener"], "execution": {"iopub.status.busy": "2026-01-01T00:00:00Z"}},
    )
    nb = new_notebook(
        cells=[new_markdown_cell("# Título\n\nTexto."), code, new_code_cell("x = 1", execution_count=8)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
    )
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


def test_student_notebook_clears_outputs_and_counts_and_keeps_the_rest():
    master = master_notebook()
    student = editions.student_notebook(master)
    code = student.cells[1]
    assert code.source == f"def f():\n    {CODE_STUB}\n\n\nlab.comprobar('9.1', f)"
    assert code.outputs == [] and code.execution_count is None
    assert student.cells[2].execution_count is None and student.cells[2].source == "x = 1"
    assert code.metadata == {"tags": ["mantener"]}
    assert student.cells[0] == master.cells[0]
    assert [c.id for c in student.cells] == ["c0", "c1", "c2"]
    assert student.metadata["kernelspec"] == master.metadata["kernelspec"]
    assert "widgets" not in student.metadata
    assert editions.solution_count(student) == 0 and editions.solution_count(master) == 1
    assert master.cells[1].outputs, "the master notebook itself must not change"
    nbformat.validate(student)


# --------------------------------------------------------------------------- writing


@pytest.fixture
def course(tmp_path):
    """A master folder with two notebooks and an image; returns (masters, destination)."""
    masters = tmp_path / "notebooks"
    masters.mkdir()
    nbformat.write(master_notebook(), masters / "01_uno.ipynb")
    nbformat.write(master_notebook(), masters / "02_dos.ipynb")
    (masters / "img").mkdir()
    (masters / "img" / "logo.png").write_bytes(b"\x89PNG fake")
    (masters / ".ipynb_checkpoints").mkdir()
    (masters / ".ipynb_checkpoints" / "01_uno-checkpoint.ipynb").write_text("{}")
    return masters, tmp_path / "alumno"


def test_cli_writes_the_edition(course, capsys):
    masters, dest = course
    assert cli.main(["alumno", "--origen", str(masters), "--destino", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "escrito: 01_uno.ipynb" in out and "escrito: 02_dos.ipynb" in out
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()) == [
        "01_uno.ipynb", "02_dos.ipynb", "img/logo.png"]
    nb = nbformat.read(dest / "01_uno.ipynb", as_version=4)
    assert CODE_STUB in nb.cells[1].source and "return 42" not in nb.cells[1].source
    assert (dest / "img" / "logo.png").read_bytes() == b"\x89PNG fake"


def test_never_overwrites_what_the_student_has(course, capsys):
    masters, dest = course
    editions.write_student_edition(masters, dest)
    answered = nbformat.read(dest / "01_uno.ipynb", as_version=4)
    answered.cells[1].source = answered.cells[1].source.replace(CODE_STUB, "return 42")
    nbformat.write(answered, dest / "01_uno.ipynb")
    mine = (dest / "01_uno.ipynb").read_text(encoding="utf-8")
    (dest / "02_dos.ipynb").unlink()  # a notebook the student deleted (or new in the course) comes back
    assert cli.main(["alumno", "--origen", str(masters), "--destino", str(dest)]) == 0
    out = capsys.readouterr().out
    assert (dest / "01_uno.ipynb").read_text(encoding="utf-8") == mine
    assert "omitido: 01_uno.ipynb" in out and "--forzar" in out
    assert "escrito: 02_dos.ipynb" in out and (dest / "02_dos.ipynb").exists()
    assert not list(dest.glob("*.bak-*"))


def test_forzar_overwrites_after_a_backup(course, capsys):
    masters, dest = course
    editions.write_student_edition(masters, dest)
    (dest / "01_uno.ipynb").write_text("mi trabajo", encoding="utf-8")
    assert cli.main(["alumno", "--origen", str(masters), "--destino", str(dest), "--forzar"]) == 0
    out = capsys.readouterr().out
    backups = list(dest.glob("01_uno.ipynb.bak-*"))
    assert len(backups) == 1
    assert re.fullmatch(r"01_uno\.ipynb\.bak-\d{8}-\d{6}", backups[0].name)
    assert backups[0].read_text(encoding="utf-8") == "mi trabajo"
    assert f"copia de seguridad: {backups[0].name}" in out
    assert CODE_STUB in nbformat.read(dest / "01_uno.ipynb", as_version=4).cells[1].source
    assert not list(dest.glob(".*.tmp"))


def test_two_forced_runs_in_the_same_second_keep_both_backups(course):
    masters, dest = course
    now = dt.datetime(2026, 3, 1, 10, 0, 0)
    editions.write_student_edition(masters, dest)
    for text in ("versión 1", "versión 2"):
        (dest / "01_uno.ipynb").write_text(text, encoding="utf-8")
        editions.write_student_edition(masters, dest, force=True, now=now)
    kept = sorted(p.read_text(encoding="utf-8") for p in dest.glob("01_uno.ipynb.bak-20260301-100000*"))
    assert kept == ["versión 1", "versión 2"]


def test_unbalanced_markers_write_nothing(course, capsys):
    masters, dest = course
    broken = master_notebook()
    broken.cells[1].source = broken.cells[1].source.replace("    ### END SOLUTION\n", "")
    nbformat.write(broken, masters / "03_roto.ipynb")
    assert cli.main(["alumno", "--origen", str(masters), "--destino", str(dest)]) == 1
    out = capsys.readouterr().err
    assert "No se ha escrito nada" in out and "03_roto.ipynb, celda 2, línea 2" in out
    assert not dest.exists() or not any(dest.iterdir())


def test_missing_master_folder_is_a_spanish_error(tmp_path, capsys):
    assert cli.main(["alumno", "--origen", str(tmp_path / "nada"), "--destino", str(tmp_path / "a")]) == 1
    assert "No existe la carpeta de cuadernos maestros" in capsys.readouterr().err


def test_ensure_student_edition_builds_once_and_then_only_adds(course):
    masters, dest = course
    root = masters.parent
    assert editions.ensure_student_edition(root) == dest
    (dest / "01_uno.ipynb").write_text("respuestas del alumno", encoding="utf-8")
    nbformat.write(master_notebook(), masters / "03_nuevo.ipynb")
    assert editions.ensure_student_edition(root) == dest
    assert (dest / "01_uno.ipynb").read_text(encoding="utf-8") == "respuestas del alumno"
    assert (dest / "03_nuevo.ipynb").exists()


def test_ensure_student_edition_with_a_broken_master_keeps_what_exists(course, capsys):
    masters, dest = course
    editions.ensure_student_edition(masters.parent)
    broken = master_notebook()
    broken.cells[1].source = "### END SOLUTION"
    nbformat.write(broken, masters / "03_roto.ipynb")
    assert editions.ensure_student_edition(masters.parent) == dest
    assert "Aviso: la edición del alumno no se ha actualizado" in capsys.readouterr().err
    assert sorted(p.name for p in dest.glob("*.ipynb")) == ["01_uno.ipynb", "02_dos.ipynb"]


def test_ensure_student_edition_without_masters_still_returns_the_folder(tmp_path):
    assert editions.ensure_student_edition(tmp_path) == tmp_path / "alumno"
    assert (tmp_path / "alumno").is_dir()


# --------------------------------------------------------------------------- the glossary

GLOSSARY = ROOT / "notebooks" / "glosario.md"
_ENTRY = re.compile(r"^- \*\*(?P<term>.+?)\*\*(?P<text>.*?)(?=^- |^#|\Z)", re.M | re.S)
_LINK = re.compile(r"\[(\d\d)\]\((\d\d_[a-z_]+\.ipynb)\)")


def test_the_glossary_goes_with_the_edition_and_is_never_overwritten(tmp_path, capsys):
    dest = tmp_path / "alumno"
    assert cli.main(["alumno", "--origen", str(ROOT / "notebooks"), "--destino", str(dest)]) == 0
    assert "escrito: glosario.md" in capsys.readouterr().out
    assert (dest / "glosario.md").read_bytes() == GLOSSARY.read_bytes()
    (dest / "glosario.md").write_text("mis notas", encoding="utf-8")
    assert cli.main(["alumno", "--origen", str(ROOT / "notebooks"), "--destino", str(dest)]) == 0
    assert "omitido: glosario.md" in capsys.readouterr().out
    assert (dest / "glosario.md").read_text(encoding="utf-8") == "mis notas"


def test_every_glossary_entry_points_at_a_notebook_that_shows_it():
    """Each link names an existing notebook; the first one really contains the term's code names."""
    entries = list(_ENTRY.finditer(GLOSSARY.read_text(encoding="utf-8")))
    assert len(entries) >= 50
    for entry in entries:
        term, links = entry["term"], _LINK.findall(entry["text"])
        for number, name in links:
            assert name.startswith(number) and (ROOT / "notebooks" / name).exists(), (term, name)
        if not links:
            assert term.startswith("kernel"), f"{term}: sin cuaderno"  # JupyterLab's, not a notebook's
            continue
        names = re.findall(r"`([A-Za-z_.]+)", term)  # `recv()`, `AF_INET` / `AF_INET6`
        if names:
            first = nbformat.read(ROOT / "notebooks" / links[0][1], as_version=4)
            text = "\n".join(c.source for c in first.cells)
            assert any(n in text for n in names), (term, links[0][1])


# --------------------------------------------------------------------------- the edition runs


def course_notebooks() -> list[Path]:
    """The course's master notebooks; the grader's sample master while the course has none."""
    return sorted((ROOT / "notebooks").glob("*.ipynb")) or [FIXTURES / "maestra" / "01_prueba.ipynb"]


@pytest.fixture(scope="module")
def edition_runs(tmp_path_factory):
    """Run the student edition of every course notebook once, a few at a time (they mostly wait)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PYTHONPATH", str(FIXTURES))  # only the sample master needs it (lab_falso)
    dest = tmp_path_factory.mktemp("edicion")
    masters = course_notebooks()
    for master in masters:
        nb = editions.student_notebook(nbformat.read(master, as_version=4), master.name)
        nbformat.write(nb, dest / master.name)

    async def run_all():
        gate = asyncio.Semaphore(4)

        async def one(path):
            async with gate:
                return await grading.run_notebook(path, cell_limit=60, notebook_limit=300)

        return await asyncio.gather(*(one(dest / m.name) for m in masters))

    try:
        runs = asyncio.run(run_all())
    finally:
        mp.undo()
    return dict(zip([m.name for m in masters], runs, strict=True))


@pytest.mark.parametrize("master", course_notebooks(), ids=lambda p: p.name)
def test_student_edition_runs_and_every_exercise_is_pending(master, edition_runs):
    run = edition_runs[master.name]
    assert run.stop_status is None, run.stop_detail
    assert run.cell_errors() == []
    expected = grading.exercise_cells(nbformat.read(master, as_version=4))
    assert expected, "every course notebook has exercises"
    assert {i: r["estado"] for i, r in run.reports.items()} == dict.fromkeys(expected, "pendiente")


# --------------------------------------------------------------------------- nbgrader agrees


def test_nbgrader_clear_solutions_gives_the_same_sources():
    """nbgrader (when installed) strips our masters to the very same code, given our stub.

    nbgrader is not a dependency (it adds its own Lab extensions to the students'
    JupyterLab); this runs where it is installed, e.g. an instructor's nbgrader environment.
    ``enforce_metadata=False`` because our cells carry no nbgrader metadata.
    """
    clear = pytest.importorskip("nbgrader.preprocessors").ClearSolutions
    import copy

    for master in [*course_notebooks(), FIXTURES / "maestra" / "01_prueba.ipynb"]:
        nb = nbformat.read(master, as_version=4)
        theirs, _ = clear(
            code_stub={"python": CODE_STUB}, text_stub=editions.TEXT_STUB, enforce_metadata=False
        ).preprocess(copy.deepcopy(nb), {})
        ours = editions.student_notebook(nb, master.name)
        assert [c.source for c in ours.cells] == [c.source for c in theirs.cells], master.name
