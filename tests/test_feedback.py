"""Feedback to hand back: each exercise's report as lab.comprobar showed it, in HTML and Markdown."""

from __future__ import annotations

import html
import inspect

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

import labsupport as lab
from labsupport import progress
from labsupport.grading import feedback, grade_folder
from labsupport.grading.rows import Row


def recibir_exacto(sock, n):
    raise NotImplementedError("Escribe aquí tu solución")


def recibir_de_mas(sock, n):
    """A wrong answer to 8.2: stops at b'' with EOFError instead of ConnectionError."""
    datos = b""
    while len(datos) < n:
        parte = sock.recv(n - len(datos))
        if not parte:
            raise EOFError
        datos += parte
    return datos


@pytest.fixture(scope="module")
def reports():
    """Real reports of lab.comprobar: a pending exercise and a wrong answer (with a traceback)."""
    mp = pytest.MonkeyPatch()
    mp.setenv(progress.PROGRESS_ENV, "no")
    try:
        return repr(lab.comprobar("8.2", recibir_exacto)), repr(lab.comprobar("8.2", recibir_de_mas))
    finally:
        mp.undo()


def executed(*texts: str, stream: bool = False):
    """A notebook whose cells showed ``texts`` (as a cell's value, or printed)."""
    cells = []
    for text in texts:
        if stream:
            out = new_output("stream", name="stdout", text=text + "\n")
        else:
            out = new_output("execute_result", data={"text/plain": text}, execution_count=1)
        cells.append(new_code_cell("lab.comprobar(...)", outputs=[out]))
    return new_notebook(cells=cells)


def row(exercise: str, status: str, passed: int | None = 0, total: int | None = 4, detail: str = "",
        notebook: str = "08_ejemplo_completo.ipynb") -> Row:
    return Row("ana", notebook, exercise, passed, total, status, detail)


def test_the_report_is_the_text_comprobar_showed(reports, tmp_path):
    pending, wrong = reports
    nb = executed(pending, wrong)  # the same exercise checked twice: the last report counts
    assert feedback.reports_in(nb) == {"8.2": wrong}
    notebooks = {"08_ejemplo_completo.ipynb": nb}
    html_path, md_path = feedback.write_feedback("ana", [row("8.2", "fallo", 3, 4)], tmp_path, notebooks=notebooks)
    folder = tmp_path / "retroalimentacion"
    assert (html_path, md_path) == (folder / "ana.html", folder / "ana.md")
    md = md_path.read_text(encoding="utf-8")
    assert wrong in md and "Pista:" in md and "EOFError" in md
    assert "### Ejercicio 8.2 · Recibir exactamente n bytes — fallo (3/4 casos)" in md
    page = html_path.read_text(encoding="utf-8")
    assert html.escape(wrong) in page and page.startswith("<!DOCTYPE html>") and 'lang="es"' in page


def test_printed_reports_are_found_and_split(reports):
    pending, wrong = reports
    two = executed("labsupport 0.1.0", pending.replace("8.2", "8.3") + "\n" + wrong, "otra salida", stream=True)
    found = feedback.reports_in(two)
    assert found == {"8.3": pending.replace("8.2", "8.3"), "8.2": wrong}
    assert feedback.reports_in(executed("sin informes", "42")) == {}


def test_an_exercise_without_a_report_says_its_status_and_why(tmp_path):
    rows = [
        row("8.1", "falta", 0, None, detail="no hay ninguna llamada a lab.comprobar para este ejercicio"),
        row("8.3", "tiempo agotado", None, None, detail="la celda no terminó en 3 s"),
    ]
    rows.append(row("8.2", "ok", 4, 4))  # reported to the grader, but the cell did not show it
    md = feedback.markdown("ana", rows, {"08_ejemplo_completo.ipynb": executed()})
    assert "Estado: falta. Motivo: no hay ninguna llamada a lab.comprobar para este ejercicio." in md
    assert "La celda no mostró el informe de lab.comprobar" in md and "Resultado: ok, 4/4 casos superados." in md
    assert "### Ejercicio 8.3 · El cliente de eco, arreglado — tiempo agotado\n" in md
    assert "Ejercicios correctos: 1 de 3." in md


def test_hidden_cases_are_counts_only(reports, tmp_path):
    pending, _ = reports
    graded = row("8.2", "pendiente", 0, 4)
    graded.hidden_passed, graded.hidden_total = 2, 3
    md = feedback.markdown("ana", [graded], {"08_ejemplo_completo.ipynb": executed(pending)})
    assert "Casos ocultos (los añade quien corrige; no se muestran): 2 de 3 superados." in md
    assert "casos ocultos: 2 de 3 superados." in md.splitlines()[2]
    assert "Casos ocultos" not in feedback.markdown("ana", [row("8.2", "pendiente")], {})


def test_everything_a_student_wrote_is_escaped_and_fences_hold(tmp_path):
    text = "Ejercicio 8.2 · x\n  ✘ caso: tu función lanzó ValueError: <script>alert(1)</script> ```"
    nb = executed(text)
    page = feedback.page("<b>ana</b>", [row("8.2", "fallo")], {"08_ejemplo_completo.ipynb": nb})
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>ana" not in page
    md = feedback.markdown("ana", [row("8.2", "fallo")], {"08_ejemplo_completo.ipynb": nb})
    assert "````text\n" + text + "\n````" in md


def test_a_folder_name_never_writes_outside_the_feedback_folder(tmp_path):
    html_path, _ = feedback.write_feedback("a/../../b", [row("8.2", "ok", 4, 4)], tmp_path)
    assert html_path.parent == tmp_path / "retroalimentacion"


#: A notebook that checks the same wrong answer in a kernel of its own, under the exercise's function name.
NOTEBOOK = "\n".join([
    "import labsupport as lab",
    inspect.getsource(recibir_de_mas).replace("recibir_de_mas", "recibir_exacto"),
    'lab.comprobar("8.2", recibir_exacto)',
])


def test_a_real_grading_hands_back_what_the_notebook_showed(tmp_path, monkeypatch):
    """corregir runs a notebook in a real kernel; write_all reads its report back from the executed copy."""
    monkeypatch.setenv(progress.PROGRESS_ENV, "no")
    student = tmp_path / "entregas" / "ana"
    student.mkdir(parents=True)
    nbformat.write(new_notebook(cells=[new_code_cell(NOTEBOOK)]), student / "08_ejemplo_completo.ipynb")
    grading = grade_folder(tmp_path / "entregas", tmp_path / "salida", cell_limit=60, isolation="no")
    written = feedback.write_all(grading.rows, tmp_path / "salida")
    assert [p.name for p in written] == ["ana.html", "ana.md"]
    md = written[1].read_text(encoding="utf-8")
    head = [line for line in md.splitlines() if line.startswith(("Ejercicio 8.2", "  ✔", "  ✘", "Resultado:"))]
    assert head[0] == "Ejercicio 8.2 · Recibir exactamente n bytes"
    assert head[-1].startswith("Resultado: 3/4 casos superados.")
    assert "Dónde falló tu código (primer error):" in md and "raise EOFError" in md
