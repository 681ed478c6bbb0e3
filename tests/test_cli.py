"""The command line speaks Spanish, argparse's own words included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from labsupport.cli import SUBCOMMANDS


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labsupport", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", [[], *([name] for name in SUBCOMMANDS)])
def test_help_is_spanish(command):
    out = run(*command, "--help")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("uso: python -m labsupport")
    assert "muestra esta ayuda y sale" in out.stdout
    for english in ("usage:", "show this help", "options:", "positional arguments"):
        assert english not in out.stdout


def test_errors_are_spanish():
    out = run("servir", "--puerto-base", "x")
    assert out.returncode == 2
    assert "argumento --puerto-base" in out.stderr and "argument " not in out.stderr
    out = run("orden-que-no-existe")
    assert "opción no válida" in out.stderr


def test_no_command_prints_help():
    out = run()
    assert out.returncode == 2 and "órdenes:" in out.stdout
