"""The files repo2docker (Binder, JupyterHub images) reads besides environment.yml.

tests/test_environment.py checks environment.yml against pyproject.toml; this file checks
what is specific to repo2docker: which configuration folder it will use, and that postBuild
is an executable bash script that installs labsupport, selects the Spanish JupyterLab and
writes the student edition. postBuild is run for real by bash, in a copy of the course, with
only ``python -m pip`` and ``preparar-lab`` recorded instead of run (they would change this
machine's environment); ``alumno`` runs for real.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import COMMAND_LIMIT

from labsupport import cli

ROOT = Path(__file__).resolve().parents[1]
POSTBUILD = ROOT / "postBuild"


def test_repo2docker_reads_the_root_files():
    """With a binder/ or .binder/ folder repo2docker ignores every file at the root; a
    Dockerfile replaces everything else."""
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert not (ROOT / "Dockerfile").exists()
    assert (ROOT / "environment.yml").is_file() and POSTBUILD.is_file()


def test_postbuild_is_an_executable_bash_script_that_stops_on_errors():
    text = POSTBUILD.read_text(encoding="utf-8")
    assert text.startswith(("#!/bin/bash\n", "#!/usr/bin/env bash\n"))
    assert "\r" not in text, "CRLF line endings break the shebang on Linux"
    assert "set -euo pipefail" in text
    assert POSTBUILD.stat().st_mode & stat.S_IXUSR
    subprocess.run(["bash", "-n", str(POSTBUILD)], check=True, timeout=10)


def test_postbuild_is_committed_executable():
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("no es un clon de git")
    listed = subprocess.run(
        ["git", "ls-files", "-s", "postBuild"], cwd=ROOT, capture_output=True, text=True, timeout=10
    ).stdout
    if not listed:
        pytest.skip("postBuild aún no está en git")
    assert listed.startswith("100755 "), listed


def test_postbuild_subcommands_exist():
    text = POSTBUILD.read_text(encoding="utf-8")
    used = [line.split()[3] for line in text.splitlines() if line.startswith("python -m labsupport ")]
    assert used == ["preparar-lab", "alumno"]
    assert all(name in cli.SUBCOMMANDS for name in used)


def test_postbuild_runs_and_writes_the_student_edition(tmp_path):
    course = tmp_path / "curso"
    shutil.copytree(ROOT / "notebooks", course / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if not list((course / "notebooks").glob("*.ipynb")):
        shutil.copy(ROOT / "tests" / "fixtures" / "maestra" / "01_prueba.ipynb", course / "notebooks")
    (course / "build").mkdir()  # what an in-tree `pip install .` leaves behind
    log = tmp_path / "llamadas.txt"
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python").write_text(
        "#!/bin/bash\n"
        f'echo "$*" >> "{log}"\n'
        'if [ "$1 $2" = "-m pip" ] || [ "$3" = "preparar-lab" ]; then exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n',
        encoding="utf-8",
    )
    (shim / "python").chmod(0o755)
    env = dict(os.environ, PATH=f"{shim}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", str(POSTBUILD)], cwd=course, env=env, capture_output=True, text=True,
        timeout=COMMAND_LIMIT)
    assert done.returncode == 0, done.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls == [
        "-m pip install --no-deps --no-cache-dir .",
        "-m labsupport preparar-lab",
        "-m labsupport alumno --destino alumno",
    ]
    assert not (course / "build").exists()
    masters = sorted(p.name for p in (course / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (course / "alumno").glob("*.ipynb")) == masters
    for name in masters:
        nb = nbformat.read(course / "alumno" / name, as_version=4)
        assert not any("BEGIN SOLUTION" in c.source for c in nb.cells)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_a_failing_step_fails_the_build(tmp_path):
    """set -e: if pip fails, repo2docker must stop instead of building an image without labsupport."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python").write_text("#!/bin/bash\nexit 3\n", encoding="utf-8")
    (shim / "python").chmod(0o755)
    env = dict(os.environ, PATH=f"{shim}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", str(POSTBUILD)], cwd=tmp_path, env=env, capture_output=True, timeout=COMMAND_LIMIT)
    assert done.returncode == 3
