"""`python -m labsupport ejecutar`: stores outputs from one clean top-to-bottom run."""

from __future__ import annotations

import subprocess
import sys

import nbformat
from conftest import COMMAND_LIMIT
from nbformat.v4 import new_code_cell, new_notebook


def test_executes_in_order_and_saves_outputs(tmp_path):
    path = tmp_path / "prueba.ipynb"
    nb = new_notebook(cells=[new_code_cell("x = 20 + 1"), new_code_cell("print(x * 2)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    out = subprocess.run(
        [sys.executable, "-m", "labsupport", "ejecutar", str(path)],
        capture_output=True, text=True, timeout=COMMAND_LIMIT,
    )
    assert out.returncode == 0, out.stderr
    assert "Ejecutando" in out.stdout
    saved = nbformat.read(path, as_version=4)
    assert [c.execution_count for c in saved.cells] == [1, 2]
    assert saved.cells[1].outputs[0].text == "42\n"
