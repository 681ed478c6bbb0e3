"""What nbval cannot see: that the stored outputs come from one clean run, and that every
notebook has the shape the course promises (setup, exercises with solutions, checklist)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXTERNAL = re.compile(r"httpbin\.org|google\.com|ejemplo\.com|ejemplo-?inexistente|8\.8\.8\.8")


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"\]\(notebooks/(\d\d_\w+\.ipynb)\)", readme)
    assert len(listed) == len(NOTEBOOKS) >= 8  # the guide's eight, then «Más allá de la guía»
    assert sorted(listed) == [p.name for p in NOTEBOOKS]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb(request):
    return nbformat.read(request.param, as_version=4)


def test_every_code_cell_ran_top_to_bottom_in_one_run(nb):
    counts = [c.execution_count for c in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1))


def test_errors_only_where_tagged(nb):
    for cell in code_cells(nb):
        raised = any(o.output_type == "error" for o in cell.outputs)
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        assert raised == tagged, cell.source[:80]


def test_no_stderr_in_stored_outputs(nb):
    for cell in code_cells(nb):
        for out in cell.outputs:
            assert not (out.output_type == "stream" and out.name == "stderr"), (cell.source[:80], out.text)


def test_shape_of_a_course_notebook(nb):
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "Lo que vas a aprender" in first.source
    setup = code_cells(nb)[0].source
    assert "import labsupport as lab" in setup
    sources = "\n".join(c.source for c in code_cells(nb))
    assert len(re.findall(r"lab\.comprobar\(\"\d+\.\d+\"", sources)) >= 3
    assert sources.count("### BEGIN SOLUTION") == sources.count("### END SOLUTION") >= 3
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "- [ ]" in markdown  # the closing checklist


def test_no_external_host_in_code(nb):
    for cell in code_cells(nb):
        assert not EXTERNAL.search(cell.source), cell.source[:120]


def test_no_cell_ignores_its_output_without_reason(nb):
    ignored = [c for c in code_cells(nb) if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert len(ignored) <= 3, "prefer stable outputs over nbval-ignore-output"
