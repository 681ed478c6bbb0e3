"""``corregir --casos-ocultos``: cases only the instructor has, run in real kernels against the student's function.

The submissions here use the course's real exercise framework (an exercise "99.1" the
notebook registers itself, so no socket and no course exercise is involved), because hidden
cases hook into it. Two real kernel runs: a few seconds.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from labsupport.grading import hidden
from labsupport.grading.folder import Extras, grade_folder

SUBMISSION = [
    "import os\n\nimport labsupport as lab\nfrom labsupport.exercises import exercise",
    # the exercise the notebook checks: one visible case
    'ej = exercise("99.1", "sumar", "sumar")\n\n'
    '@ej.case("dos positivos", hint="suma a y b")\n'
    "def _(funcion, ctx):\n    assert funcion(2, 3) == 5, 'no suma 2 y 3'",
    # a student's sum that is wrong for negative numbers
    "def sumar(a, b):\n    return abs(a) + abs(b)\n\n\nlab.comprobar('99.1', sumar)",
    # what the student's code could see of the hidden cases at run time
    "print('entorno:', [k for k in os.environ if 'OCULTOS' in k], 'copia:', os.path.exists('../ocultos.py'))",
]

HIDDEN = '''"""Casos ocultos de prueba."""
from labsupport.exercises import Fail
from labsupport.grading.hidden import caso_oculto


@caso_oculto("99.1", "SECRETO-grandes")
def _(funcion, ctx):
    if funcion(10**6, 1) != 10**6 + 1:
        raise Fail("SECRETO-mensaje-grandes")


@caso_oculto("99.1", "SECRETO-negativos", hint="SECRETO-pista")
def _(funcion, ctx):
    if funcion(-2, -3) != -5:
        raise Fail("SECRETO-mensaje-negativos")
'''


def _class(tmp_path: Path) -> Path:
    folder = tmp_path / "entregas"
    (folder / "ana").mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in SUBMISSION]), folder / "ana" / "99_prueba.ipynb")
    (folder / "bruno").mkdir()
    (folder / "bruno" / "99_prueba.ipynb").write_bytes(b"")  # an empty file: named, graded as such
    return folder


def test_hidden_cases_run_against_the_same_function_and_only_counts_leave(tmp_path):
    (tmp_path / "ocultos.py").write_text(HIDDEN, encoding="utf-8")
    result = grade_folder(
        _class(tmp_path), tmp_path / "salida", cell_limit=20,  # isolated where it can be: the hook works there too
        extras=Extras(("gradescope", "por-alumno"), hidden_cases=tmp_path / "ocultos.py"),
    )
    ana = next(r for r in result.rows if r.student == "ana")
    assert (ana.exercise, ana.passed, ana.total, ana.status) == ("99.1", 1, 1, "ok")  # the visible report
    assert (ana.hidden_passed, ana.hidden_total) == (1, 2)  # large numbers pass, negatives fail
    assert result.book.exercise("ana", "99_prueba.ipynb", "99.1").points == 2.0
    assert result.book.max_points["99.1"] == 3.0
    bruno = next(r for r in result.rows if r.student == "bruno")
    assert "99_prueba.ipynb está vacío" in bruno.detail
    # nothing of a hidden case but its count is in any file a student or the instructor gets
    for path in (tmp_path / "salida").rglob("*"):
        if path.is_file():
            assert "SECRETO" not in path.read_text(encoding="utf-8"), path
    results = json.loads((tmp_path / "salida" / "gradescope" / "ana" / "results.json").read_text(encoding="utf-8"))
    output = results["tests"][0]["output"]
    # the report the student saw in the notebook, then the count of hidden cases
    assert output.startswith("Ejercicio 99.1 · sumar\n  ✔ dos positivos") and "Resultado: 1/1" in output
    assert output.endswith("Casos ocultos: 1 de 2 superados.")
    with open(tmp_path / "salida" / "notas.csv", encoding="utf-8-sig", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["alumno"] == "ana")
    assert (row["ocultos_superados"], row["ocultos_total"], row["puntos"], row["puntos_max"]) == ("1", "2", "2", "3")
    assert "(ocultos: 1/2)" in result.summary
    assert "- Casos ocultos: 2 casos en 1 ejercicio (99.1)" in result.summary
    # the student's code saw neither the environment nor the file copy (deleted once loaded)
    executed = nbformat.read(tmp_path / "salida" / "cuadernos" / "ana" / "99_prueba.ipynb", as_version=4)
    assert executed.cells[3].outputs[0]["text"] == "entorno: [] copia: False\n"


@pytest.mark.parametrize(("source", "message"), [
    ("from labsupport.grading.hidden import caso_oculto\n\n@caso_oculto('99.1', 'x'\ndef _(f, ctx):\n    pass\n",
     "error de sintaxis en la línea 3"),
    ("import no_existe_este_modulo\n", "falló al cargarse en la línea 1: ModuleNotFoundError"),
    ("x = 1\n", "no define ningún caso"),
])
def test_a_bad_hidden_cases_file_is_named_with_its_line(tmp_path, source, message):
    path = tmp_path / "ocultos.py"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(hidden.HiddenCasesError, match=message) as info:
        hidden.load(path)
    assert str(path) in str(info.value)


def test_grading_goes_on_when_the_hidden_cases_file_does_not_compile(tmp_path):
    (tmp_path / "ocultos.py").write_text("def (:\n", encoding="utf-8")
    messages: list[str] = []
    result = grade_folder(
        _class(tmp_path), tmp_path / "salida", cell_limit=20, isolation="no", progress=messages.append,
        extras=Extras(hidden_cases=tmp_path / "ocultos.py"),
    )
    ana = next(r for r in result.rows if r.student == "ana")
    assert (ana.status, ana.hidden_total) == ("ok", None)
    warning = next(m for m in messages if m.startswith("Aviso:"))
    assert str(tmp_path / "ocultos.py") in warning and "línea 1" in warning and "SIN casos ocultos" in warning
    assert "SIN casos ocultos" in result.summary


def test_the_example_hidden_cases_of_the_docs_pass_the_masters_answer_and_fail_a_wrong_one():
    root = Path(__file__).parent.parent
    assert hidden.load(root / "docs" / "profesorado" / "casos_ocultos_ejemplo.py") == {"5.2": 2}
    master = nbformat.read(next((root / "notebooks").glob("05_*.ipynb")), as_version=4)
    source = next(c.source for c in master.cells if c.cell_type == "code" and "def construir_peticion" in c.source)
    namespace: dict = {}
    exec("\n".join(line for line in source.splitlines() if "comprobar" not in line), namespace)
    right = hidden._HIDDEN["5.2"].run(namespace["construir_peticion"])
    assert (right.passed, right.total) == (2, 2)

    def characters_not_bytes(method, host, port, path, body):
        return f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()

    assert hidden._HIDDEN["5.2"].run(characters_not_bytes).passed == 1
