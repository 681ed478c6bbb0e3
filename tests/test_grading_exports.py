"""The grading's exports, read back the way their importers read them, and the points behind them.

Each format is checked against what its importer accepts, from the importer's own source or
specification (cited in each exporter's docstring): nbgrader's ``CsvExportPlugin`` (and, if
nbgrader is installed, nbgrader's own code writes the same header and rows), Canvas's
``GradebookImporter`` (its header, «Points Possible» and column rules, re-stated below),
Gradescope's autograder ``results.json`` specification. The rows are built by hand, so most
tests take no time; the Gradescope bundle is run as Gradescope runs it (one real kernel).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from labsupport.grading import gradebook, gradescope, hidden
from labsupport.grading.exports import FORMATS, canvas_csv, grades_csv, gradescope_json, nbgrader_csv, wide_csv
from labsupport.grading.roster import RosterError, read_roster
from labsupport.grading.rows import Row

NB1, NB2 = "01_uno.ipynb", "02_dos.ipynb"


def _rows() -> list[Row]:
    return [
        Row("ana", NB1, "1.1", 3, 3, "ok"),
        Row("ana", NB1, "1.2", 1, 2, "fallo", hidden_passed=1, hidden_total=2),
        Row("ana", NB2, "2.1", 4, 4, "ok"),
        Row("bruno", NB1, "1.1", 0, None, "tiempo agotado", "la celda no terminó en 3 s"),
        Row("bruno", NB1, "1.2", 0, 2, "pendiente", hidden_passed=0, hidden_total=2),
        Row("gema", "", "", 0, None, "sin entrega", "no hay cuadernos del curso en su carpeta"),
    ]


ROSTER = (
    "carpeta;nombre;apellidos;correo;id;sis_user_id;sis_login_id;seccion\n"
    "ana;Ana;García, López;ana@example.org;101;A1;ana.garcia;Grupo 1\n"
    "gema;Gema;Sanz;gema@example.org;103;A3;gema;Grupo 2\n"
    "zoe;Zoe;Ruiz;zoe@example.org;109;A9;zoe;Grupo 2\n"
)


@pytest.fixture
def book(tmp_path) -> gradebook.Gradebook:
    (tmp_path / "alumnos.csv").write_text(ROSTER, encoding="utf-8")
    roster = read_roster(tmp_path / "alumnos.csv")
    return gradebook.build(_rows(), hidden_counts={"1.2": 2}, roster=roster)


# --- points ----------------------------------------------------------------------------------


def test_one_point_per_case_partial_credit_and_totals(book):
    # 1.2 has 2 visible + 2 hidden cases: ana passed 1 + 1 of them
    assert book.max_points == {"1.1": 3.0, "1.2": 4.0, "2.1": 4.0}
    assert book.exercise("ana", NB1, "1.2") == gradebook.Score(2.0, 4.0)
    assert book.notebook("ana", NB1) == gradebook.Score(5.0, 7.0)
    assert book.total("ana") == gradebook.Score(9.0, 11.0)
    # a timed-out exercise (total unknown in its row) is out of the same 3 points as everyone's
    assert book.exercise("bruno", NB1, "1.1") == gradebook.Score(0.0, 3.0)
    # bruno did not hand in 02: 0 of its 4 points; zoe (roster only) and gema (no notebook): 0 of 11
    assert book.total("bruno") == gradebook.Score(0.0, 11.0)
    assert book.students == ["ana", "bruno", "gema", "zoe"]
    assert book.total("zoe") == gradebook.Score(0.0, 11.0)


def test_points_file_shares_an_exercises_points_among_its_cases(tmp_path):
    (tmp_path / "puntos.csv").write_text("ejercicio;puntos\n1.1;1,5\n1.2;10\n", encoding="utf-8")
    points = gradebook.read_points(tmp_path / "puntos.csv")
    assert points == {"1.1": 1.5, "1.2": 10.0}
    book = gradebook.build(_rows(), points=points, hidden_counts={"1.2": 2})
    assert book.exercise("ana", NB1, "1.1") == gradebook.Score(1.5, 1.5)
    assert book.exercise("ana", NB1, "1.2") == gradebook.Score(5.0, 10.0)  # 2 of 4 cases
    assert book.total("ana").max_points == 15.5  # 1.5 + 10 + 4 (2.1 keeps one point per case)


@pytest.mark.parametrize(("text", "message"), [
    ("ejercicio,puntos\n1.1,mucho\n", "línea 2: «mucho» no es un número"),
    ("ejercicio,puntos\n1.1,2\n1.1,3\n", "ya estaba en otra línea"),
    ("id,valor\n1.1,2\n", "«ejercicio» y «puntos»"),
])
def test_a_bad_points_file_names_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "puntos.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(gradebook.PointsError, match=message) as info:
        gradebook.read_points(path)
    assert str(path) in str(info.value)


def test_an_exercise_nobody_ran_and_the_course_does_not_know_is_worth_zero_with_a_warning():
    book = gradebook.build([Row("ana", NB1, "77.1", 0, None, "falta", "no hay ninguna llamada")])
    assert book.max_points == {"77.1": 0.0}
    assert any("77.1" in w and "--puntos" in w for w in book.warnings)


def test_an_exercise_nobody_reported_takes_its_case_count_from_the_course():
    cases = gradebook.course_case_counts(["1.1", "77.1", "x"])["1.1"]
    book = gradebook.build([Row("ana", "01_x.ipynb", "1.1", 0, None, "error", "NameError")])
    assert book.max_points == {"1.1": float(cases)} and cases > 0


# --- roster ----------------------------------------------------------------------------------


def test_roster_duplicates_are_reported_and_the_first_line_kept(tmp_path):
    path = tmp_path / "alumnos.csv"
    path.write_text("carpeta,nombre,id\nana,Ana,1\nbruno,Bruno,2\nana,Ana bis,3\ncarla,Carla,2\n", encoding="utf-8")
    roster = read_roster(path)
    assert list(roster.people) == ["ana", "bruno"]
    assert roster.people["ana"].first_name == "Ana"
    assert any("«ana» aparece en las líneas 2 y 4" in p for p in roster.problems)
    assert any("línea 5: id «2» ya es de la línea 3" in p for p in roster.problems)
    assert all(str(path) in p for p in roster.problems)


def test_roster_in_windows_1252_is_read_with_a_warning(tmp_path):
    path = tmp_path / "alumnos.csv"
    path.write_bytes("carpeta;nombre;apellidos\nnuria;Nuria;Peña Ibáñez\n".encode("cp1252"))
    roster = read_roster(path)
    assert roster.people["nuria"].last_name == "Peña Ibáñez"
    assert any("no está en UTF-8 (línea 2)" in p and str(path) in p for p in roster.problems)


@pytest.mark.parametrize(("data", "message"), [
    (b"nombre,correo\nAna,a@example.org\n", "no tiene la columna «carpeta»"),
    (b"carpeta\n\x81\x8d\x8f\x90\x9d\n", "no es texto UTF-8 ni Windows-1252"),
])
def test_an_unusable_roster_is_a_spanish_error_naming_the_file(tmp_path, data, message):
    path = tmp_path / "alumnos.csv"
    path.write_bytes(data)
    with pytest.raises(RosterError, match=message) as info:
        read_roster(path)
    assert str(path) in str(info.value)


# --- nbgrader ----------------------------------------------------------------------------------

NBGRADER_KEYS = [  # nbgrader/plugins/export.py, CsvExportPlugin.export: ``keys``
    "assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
    "raw_score", "late_submission_penalty", "score", "max_score",
]


def test_nbgrader_csv_has_nbgraders_columns_rows_and_cell_formats(book, tmp_path):
    book.submitted[("ana", NB1)] = __import__("datetime").datetime(2026, 11, 30, 18, 5, 1, 250000)
    path = nbgrader_csv.write(book, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(NBGRADER_KEYS)
    # nbgrader writes "{key}" joined with commas and never quotes: no cell may contain a comma
    cells = [line.split(",") for line in lines[1:]]
    assert all(len(c) == len(NBGRADER_KEYS) for c in cells)
    rows = [dict(zip(NBGRADER_KEYS, c, strict=True)) for c in cells]
    # assignments first, then students (nbgrader's two loops)
    assert [(r["assignment"], r["student_id"]) for r in rows] == [
        (a, s) for a in ("01_uno", "02_dos") for s in ("ana", "bruno", "gema", "zoe")]
    ana = rows[0]
    assert ana["timestamp"] == "2026-11-30 18:05:01.250000"  # str(datetime), as nbgrader's
    assert (ana["last_name"], ana["first_name"], ana["email"]) == ("García  López", "Ana", "ana@example.org")
    assert (ana["raw_score"], ana["late_submission_penalty"], ana["score"], ana["max_score"]) == (
        "5.0", "0.0", "5.0", "7.0")
    zoe = rows[3]  # no submission: nbgrader's MissingEntry branch
    assert (zoe["timestamp"], zoe["raw_score"], zoe["score"]) == ("", "0.0", "0.0")


def test_nbgraders_own_exporter_writes_the_same_header_and_missing_rows(book, tmp_path):
    """With nbgrader installed, its CsvExportPlugin on the same students writes what we write."""
    pytest.importorskip("nbgrader")
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.add_assignment("02_dos")
        gb.add_student("zoe", first_name="Zoe", last_name="Ruiz", email="zoe@example.org")
        plugin = CsvExportPlugin()
        plugin.to = str(tmp_path / "suyo.csv")
        plugin.export(gb)
    theirs = (tmp_path / "suyo.csv").read_text().splitlines()
    ours = nbgrader_csv.write(book, tmp_path).read_text(encoding="utf-8").splitlines()
    assert theirs[0] == ours[0]
    zoe = next(line for line in ours if line.startswith("02_dos,") and ",zoe," in line)
    # every cell but max_score (nbgrader's assignment here has no notebooks, so its max is 0)
    assert theirs[1].split(",")[:-1] == zoe.split(",")[:-1]


# --- Canvas ----------------------------------------------------------------------------------


def canvas_import(text: str) -> dict:
    """What Canvas's GradebookImporter (canvas-lms lib/gradebook_importer.rb) makes of a CSV, or AssertionError.

    Restated from its ``header?``, ``row_has_student_headers?``, ``update_column_count``,
    ``strip_non_assignment_columns``, ``check_for_non_student_row``/``process_pp`` and
    ``identify_delimiter``: only the checks a file can fail.
    """
    lines = text.splitlines()
    # identify_delimiter: ";" wins only if it gives more fields, consistently, on the first lines
    counts = {sep: {len(next(csv.reader([line], delimiter=sep))) for line in lines[:3]} for sep in ",;"}
    assert not (len(counts[";"]) == 1 and (len(counts[","]) != 1 or min(counts[";"]) > min(counts[","]))), \
        "Canvas would read this file as separated by ';'"
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "Invalid header row"
    student_columns = 3
    if re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        student_columns += 2
    assert "Section" in header[student_columns - 1], "Invalid header row (Section)"
    non_assignment = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                                "Override Score|Override Grade|Override Status")
    assignments = {i: h for i, h in enumerate(header) if i >= student_columns and not non_assignment.search(h)}
    points: dict[str, str] = {}
    students: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        if row and "Points Possible" in row[0]:
            points = {h: row[i] for i, h in assignments.items()}
            continue
        key = row[1] or row[2] or row[3] or row[0]  # ID, SIS User ID, SIS Login ID, then the name
        grades = {h: row[i] for i, h in assignments.items()}
        for grade in grades.values():
            assert re.fullmatch(r"-?[0-9.]+|EX|", grade), f"not a grade Canvas reads: {grade!r}"
        students[key] = grades
    return {"assignments": list(assignments.values()), "points": points, "students": students}


def test_canvas_csv_is_accepted_by_canvas_importer_rules(book, tmp_path):
    path = canvas_csv.write(book, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    imported = canvas_import(text)
    # one assignment per notebook (the total column is Canvas's own «Current Points»: dropped on import)
    assert imported["assignments"] == ["01_uno", "02_dos"]
    assert imported["points"] == {"01_uno": "7", "02_dos": "4"}
    assert imported["students"]["101"] == {"01_uno": "5", "02_dos": "4"}  # ana, matched by her Canvas ID
    assert imported["students"]["109"] == {"01_uno": "0", "02_dos": "0"}  # zoe: in the roster, nothing handed in
    # bruno is not in the roster: his row is there, with his folder as the name and no IDs
    assert imported["students"]["bruno"] == {"01_uno": "0", "02_dos": "0"}
    assert canvas_csv.unlisted(book) == ["bruno"]
    first = next(csv.reader(io.StringIO(text.splitlines()[2])))
    assert first[:5] == ["García, López, Ana", "101", "A1", "ana.garcia", "Grupo 1"]


def test_canvas_importer_check_rejects_what_canvas_rejects():
    """The restated importer is not a rubber stamp."""
    with pytest.raises(AssertionError, match="Invalid header"):
        canvas_import("Nombre,ID,SIS User ID,SIS Login ID,Section,T1\nana,1,,,,3\n")
    with pytest.raises(AssertionError, match="Section"):
        canvas_import("Student,ID,SIS User ID,SIS Login ID,Grupo,T1\nana,1,,,,3\n")
    with pytest.raises(AssertionError, match="not a grade"):
        canvas_import("Student,ID,SIS User ID,SIS Login ID,Section,T1\nana,1,,,,tres\n")


# --- Gradescope ------------------------------------------------------------------------------

TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data"}


def gradescope_accepts(data: dict) -> None:
    """The results.json rules of https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format")."""
    assert set(data) <= TOP_KEYS, set(data) - TOP_KEYS
    assert "score" in data or all("score" in t for t in data["tests"])
    assert data.get("visibility", "visible") in gradescope_json.VISIBILITIES
    assert data.get("stdout_visibility", "visible") in gradescope_json.VISIBILITIES
    for test in data["tests"]:
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], int | float) and isinstance(test["max_score"], int | float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in gradescope_json.VISIBILITIES
        assert test.get("status", "passed") in ("passed", "failed")


def test_gradescope_results_follow_the_spec_and_show_only_hidden_counts(book, tmp_path):
    folder = gradescope_json.write(book, tmp_path)
    data = json.loads((folder / "ana" / "results.json").read_text(encoding="utf-8"))
    gradescope_accepts(data)
    assert data["score"] == 9.0 == sum(t["score"] for t in data["tests"])
    assert [(t["number"], t["score"], t["max_score"], t["status"]) for t in data["tests"]] == [
        ("1.1", 3.0, 3.0, "passed"), ("1.2", 2.0, 4.0, "failed"), ("2.1", 4.0, 4.0, "passed")]
    assert "Casos ocultos: 1 de 2 superados." in data["tests"][1]["output"]
    bruno = json.loads((folder / "bruno" / "results.json").read_text(encoding="utf-8"))
    gradescope_accepts(bruno)
    assert "No has entregado 02_dos.ipynb." in bruno["tests"][2]["output"]
    assert sorted(p.name for p in folder.iterdir()) == ["ana", "bruno", "gema", "zoe"]


# --- the course's tables ---------------------------------------------------------------------


def test_wide_csv_one_row_per_student_with_notebook_and_total_columns(book, tmp_path):
    with open(wide_csv.write(book, tmp_path), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["alumno", "1.1 (máx. 3)", "1.2 (máx. 4)", "01_uno (máx. 7)", "2.1 (máx. 4)",
                       "02_dos (máx. 4)", "total", "máximo"]
    assert rows[1] == ["ana", "3", "2", "5", "4", "4", "9", "11"]
    assert [r[0] for r in rows[1:]] == ["ana", "bruno", "gema", "zoe"]


def test_notas_csv_carries_hidden_counts_and_points(book, tmp_path):
    with open(grades_csv.write(_rows(), tmp_path, book), encoding="utf-8-sig", newline="") as fh:
        rows = {(r["alumno"], r["ejercicio"]): r for r in csv.DictReader(fh)}
    ana = rows[("ana", "1.2")]
    assert (ana["ocultos_superados"], ana["ocultos_total"], ana["puntos"], ana["puntos_max"]) == ("1", "2", "2", "4")
    assert rows[("ana", "1.1")]["ocultos_total"] == ""


def test_number_formats_scores_without_noise():
    assert [gradebook.number(x) for x in (3.0, 2.5, 1 / 3 * 10, 0.0)] == ["3", "2.5", "3.33", "0"]



# --- the Gradescope bundle, run as Gradescope runs it ----------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def _autograder(tmp_path: Path, submission: Path | None, python: str) -> dict:
    """Unzip the bundle as /autograder/source, put the submission in place, run run_autograder."""
    archive = gradescope.write_bundle(tmp_path / "autocorrector", FIXTURES / "maestra", cell_limit=3)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as zf:
        assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(zf.namelist())  # at the zip's root
        zf.extractall(root / "source")
    (root / "submission").mkdir()
    if submission is not None:
        shutil.copytree(submission, root / "submission", dirs_exist_ok=True)
    run_autograder = tmp_path / "autocorrector" / "run_autograder"
    assert os.access(run_autograder, os.X_OK)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), LABSUPPORT_PYTHON=python, PYTHONPATH=str(FIXTURES))
    subprocess.run([str(run_autograder)], env=env, cwd=root, capture_output=True, timeout=120, check=False)
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_gradescope_bundle_grades_a_submission_into_results_json(tmp_path):
    results = _autograder(tmp_path, FIXTURES / "entregas" / "bruno", sys.executable)
    gradescope_accepts(results)
    assert results["score"] == 2.0  # bruno: 1.1 wrong, 1.2 pending, 1.3 right (2 cases)
    assert [(t["number"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("1.1", 0.0, 3.0), ("1.2", 0.0, 3.0), ("1.3", 2.0, 2.0)]
    # the masters travel as their lab.comprobar calls only: no solution leaves the machine
    master = nbformat.read(tmp_path / "autocorrector" / "maestra" / "01_prueba.ipynb", as_version=4)
    assert [c.source for c in master.cells] == [f"lab.comprobar('1.{i}', funcion)" for i in (1, 2, 3)]


def test_gradescope_bundle_still_writes_results_when_grading_cannot_run(tmp_path):
    results = _autograder(tmp_path, None, str(tmp_path / "no-hay-python"))
    gradescope_accepts(results)
    assert results["score"] == 0 and "fallo del corrector, no de tu entrega" in results["output"]


def test_gradescope_bundle_refuses_a_hidden_cases_file_that_would_not_load(tmp_path):
    (tmp_path / "ocultos.py").write_text("def (:\n", encoding="utf-8")
    with pytest.raises(hidden.HiddenCasesError, match="línea 1"):
        gradescope.write_bundle(tmp_path / "ag", FIXTURES / "maestra", hidden_cases=tmp_path / "ocultos.py")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "01.ipynb está vacío (0 bytes)"),
    (b"{ esto no", "01.ipynb no se puede leer como cuaderno: no es JSON"),
    (b'{"celdas": []}', "01.ipynb es JSON pero no un cuaderno de Jupyter"),
    (b"[1, 2]", "01.ipynb es JSON pero no un cuaderno de Jupyter"),
])
def test_a_file_that_is_not_a_notebook_gets_a_message_naming_it(tmp_path, content, message):
    from labsupport.grading.runner import unreadable_reason

    path = tmp_path / "01.ipynb"
    path.write_bytes(content)
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # what run_notebook catches
        assert unreadable_reason(path, exc).startswith(message)
    else:
        pytest.fail("nbformat read it")


# --- bad roster input during a grading: named, and everyone is still graded ------------------


def _class_without_notebooks(tmp_path: Path) -> Path:
    """Students whose folders hold no course notebook: graded «sin entrega» without starting a kernel."""
    for name in ("ana", "bruno"):
        (tmp_path / "entregas" / name).mkdir(parents=True)
    return tmp_path / "entregas"


@pytest.mark.parametrize(("roster", "warning", "canvas"), [
    (b"nombre\nAna\n", "no tiene la columna «carpeta»", False),
    (b"carpeta\n\x81\x8d\x8f\x90\x9d\n", "no es texto UTF-8 ni Windows-1252", False),
    (b"carpeta;nombre\nana;Ana\nana;Otra\n", "«ana» aparece en las líneas 2 y 3", True),
    ("carpeta;apellidos\nana;Muñoz\n".encode("cp1252"), "se ha leído como Windows-1252", True),
])
def test_a_bad_roster_is_named_and_grading_goes_on(tmp_path, roster, warning, canvas):
    from labsupport.grading.folder import Extras, grade_folder

    (tmp_path / "alumnos.csv").write_bytes(roster)
    result = grade_folder(_class_without_notebooks(tmp_path), tmp_path / "salida",
                          extras=Extras(("canvas", "nbgrader"), roster=tmp_path / "alumnos.csv"))
    assert [r.student for r in result.rows] == ["ana", "bruno"]
    assert any(warning in w and str(tmp_path / "alumnos.csv") in w for w in result.warnings)
    assert warning in result.summary
    assert (tmp_path / "salida" / "nbgrader.csv").is_file()
    assert (tmp_path / "salida" / "canvas.csv").is_file() is canvas
    if canvas:
        assert "«bruno» no está en la lista de alumnos" in result.summary


def test_a_bad_points_file_stops_before_grading_anyone(tmp_path):
    from labsupport.grading.folder import Extras, grade_folder

    (tmp_path / "puntos.csv").write_text("ejercicio,puntos\n1.1,x\n", encoding="utf-8")
    with pytest.raises(gradebook.PointsError, match="línea 2"):
        grade_folder(_class_without_notebooks(tmp_path), tmp_path / "salida",
                     extras=Extras(points=tmp_path / "puntos.csv"))
    assert not (tmp_path / "salida").exists()


def test_formato_takes_several_values_and_names_a_wrong_one(capsys):
    from labsupport import cli

    with pytest.raises(SystemExit) as info:  # argparse's usage error
        cli.main(["corregir", "--formato", "nbgrader", "entregas"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "formato desconocido 'entregas'" in err and "escríbela antes de --formato" in err
    args = cli.build_parser().parse_args(["corregir", "x", "--formato", "nbgrader,canvas", "--formato", "todos"])
    assert [n for names in args.formato for n in names] == ["nbgrader", "canvas", *FORMATS]


def test_gradescope_bundle_never_deletes_a_folder_that_is_not_a_bundle(tmp_path):
    (tmp_path / "mis_cosas").mkdir()
    (tmp_path / "mis_cosas" / "notas.txt").write_text("importante", encoding="utf-8")
    with pytest.raises(gradescope.LabError, match="ya existe y no es un autocorrector"):
        gradescope.write_bundle(tmp_path / "mis_cosas", FIXTURES / "maestra")
    assert (tmp_path / "mis_cosas" / "notas.txt").read_text(encoding="utf-8") == "importante"
    gradescope.write_bundle(tmp_path / "ag", FIXTURES / "maestra")
    gradescope.write_bundle(tmp_path / "ag", FIXTURES / "maestra")  # a bundle written before is replaced
