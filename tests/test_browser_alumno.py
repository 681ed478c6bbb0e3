"""The student edition, Run All in a real JupyterLab (headless Chromium): what a student does first.

``python -m labsupport alumno`` builds the edition of every notebook in ``notebooks/`` into
a temporary folder; one JupyterLab serves it and one page opens each notebook in turn,
waits for its kernel, runs all cells (JupyterLab's own Run All) and waits for the kernel
to have handled every one of them. The verdict is read
from the notebook model, not from the page, which only renders the cells in view:

- every code cell ran (it has an execution count), so Run All did not stop early;
- no cell shows an error, except those tagged ``raises-exception`` (raising is their lesson);
- every cell that calls ``lab.comprobar`` says "pendiente": the stubs are unsolved, and
  that is not the student's failure.

A screenshot of each notebook, scrolled to its first problem or else its first exercise,
goes to ``artefactos/`` (ignored by git).
The headless counterpart (``test_editions.py``) runs the same edition through the grader;
this one proves the browser path (widgets, outputs, Lab's own Run All) too.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from browser.jupyter_lab import (
    CELLS_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CLOSE_JS,
    CURRENT_PATH_JS,
    DRAIN_JS,
    KERNEL_IDLE_JS,
    OPEN_JS,
    PANEL,
    REPO,
    RUN_ALL_JS,
    SCROLL_TO_JS,
    Clock,
    artefacts_dir,
    jupyter_lab,
    output_text,
    require_browser,
    run_async,
)
from conftest import COMMAND_LIMIT

from labsupport import grading

pytestmark = pytest.mark.browser

BUDGET = 900.0  # seconds for all notebooks: a bound against a hang (under 2 min on an idle machine)


def problems_in(cells: list[dict], exercises: dict[str, int]) -> list[tuple[int, str]]:
    """What is wrong with a notebook after Run All: (cell index, Spanish text); empty when all is well."""
    found = []
    not_run = [i for i, c in enumerate(cells) if c["type"] == "code" and c["source"].strip() and c["count"] is None]
    if not_run:  # one line for all of them: Run All stopped at an error
        found.append((not_run[0], f"{len(not_run)} celdas sin ejecutar, desde la {not_run[0]}"))
    for index, cell in enumerate(cells):
        if cell["type"] == "code" and "raises-exception" not in cell["tags"]:
            found += [(index, output_text(o)) for o in cell["outputs"] if o.get("output_type") == "error"]
    for exercise, index in exercises.items():
        text = "\n".join(output_text(o) for o in cells[index]["outputs"])
        if "pendiente" not in text:
            found.append((index, f"el ejercicio {exercise} no dice «pendiente»: {text[:200]!r}"))
    return sorted(found)


def test_student_edition_runs_all_in_jupyterlab(tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    clock = Clock(BUDGET)
    root = tmp_path / "alumno"
    subprocess.run(
        [sys.executable, "-m", "labsupport", "alumno", "--destino", str(root)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=COMMAND_LIMIT,
    )
    masters = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    notebooks = sorted(p.name for p in root.glob("*.ipynb"))
    assert notebooks == masters and notebooks, "la edición del alumno tiene los mismos cuadernos"
    out = artefacts_dir()
    report: dict[str, list[tuple[int, str]]] = {}

    with jupyter_lab(root) as lab_server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1800})
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.goto(lab_server.url("/lab?reset"), timeout=clock.ms())
            page.wait_for_function("() => !!window.jupyterapp?.commands", timeout=clock.ms(), polling=200)
            for name in notebooks:
                exercises = grading.exercise_cells(nbformat.read(root / name, as_version=4))
                try:
                    assert run_async(page, OPEN_JS, name, timeout_ms=clock.ms()) == name
                    page.wait_for_function(
                        f"() => ({CURRENT_PATH_JS})() === {json.dumps(name)}", timeout=clock.ms(), polling=100
                    )
                    page.wait_for_function(KERNEL_IDLE_JS, timeout=clock.ms(), polling=200)
                    run_async(page, RUN_ALL_JS, timeout_ms=clock.ms())
                    run_async(page, DRAIN_JS, timeout_ms=clock.ms())
                    page.wait_for_function(KERNEL_IDLE_JS, timeout=clock.ms(), polling=200)
                    report[name] = problems_in(page.evaluate(CELLS_JS), exercises)
                    shown = [i for i, _ in report[name]] or sorted(exercises.values())  # the first problem
                    if shown:
                        run_async(page, SCROLL_TO_JS, shown[0], timeout_ms=clock.ms())
                    page.locator(PANEL).screenshot(path=str(out / f"alumno-{name.removesuffix('.ipynb')}.png"))
                    run_async(page, CLOSE_JS, timeout_ms=clock.ms())  # its kernel too: one at a time
                except Exception as exc:
                    page.screenshot(path=str(out / f"alumno-fallo-{name.removesuffix('.ipynb')}.png"))
                    print(f"{name}: {type(exc).__name__}: {exc}\nRegistro de JupyterLab:\n{lab_server.log_tail()}")
                    raise
        finally:
            browser.close()

    for name, found in report.items():
        print(f"{name}: {'bien' if not found else '; '.join(f'celda {i}: {text}' for i, text in found)}")
    assert {name: found for name, found in report.items() if found} == {}
    assert not page_errors, f"errores de JavaScript en la página: {page_errors}"
