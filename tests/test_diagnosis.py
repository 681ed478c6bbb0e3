"""`python -m labsupport diagnostico`: passes on this machine, and real failures are reported with a fix."""

from __future__ import annotations

import json

import pytest

from labsupport import cli, diagnosis
from labsupport.diagnosis import Check


def test_everything_passes_here(capsys):
    assert cli.main(["diagnostico"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line[:1] in ("✔", "✘")]
    names = [line.split(": ", 1)[0][2:] for line in lines]
    for expected in ("Python", "Paquete jupyterlab", "Paquete ipywidgets", "Kernel python3", "Extensión de widgets",
                     "Idioma español (paquete)", "Idioma español (por defecto)", "IPv6 en ::1",
                     "Puertos en 127.0.0.1", "Gráficos (matplotlib)"):
        assert expected in names
    assert all(line.startswith("✔") for line in lines), out
    assert "Arreglo" not in out
    assert out.rstrip().endswith(f"Todo listo: {len(lines)} de {len(lines)} comprobaciones correctas.")


def test_a_missing_package_fails_with_its_fix_and_hides_nothing(capsys):
    assert cli.main(["diagnostico", "--paquete", "paquete-que-no-existe-del-curso"]) == 1
    out = capsys.readouterr().out
    bad = [line for line in out.splitlines() if line.startswith("✘")]
    assert bad == ["✘ Paquete paquete-que-no-existe-del-curso: no está instalado"]
    fix = out.splitlines()[out.splitlines().index(bad[0]) + 1]
    assert fix.strip().startswith("→ Arreglo:") and '-m pip install "paquete-que-no-existe-del-curso"' in fix
    assert "✔ Puertos en 127.0.0.1" in out  # the other checks still ran
    assert "Hay 1 problema en" in out


def test_a_too_old_version_is_reported():
    check = diagnosis.check_package("nbformat>=99")
    assert not check.ok
    assert "el curso pide >=99" in check.detail and "nbformat>=99" in check.fix


def test_a_python3_kernel_of_another_python_is_reported(tmp_path, monkeypatch):
    """The classic classroom failure: a user-level python3 kernel that runs a Python without labsupport."""
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {"argv": ["/opt/otro-python/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (otro)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    check = diagnosis.check_kernel()
    assert not check.ok
    assert "/opt/otro-python/bin/python3" in check.detail and "labsupport" in check.detail
    assert "ipykernel install --sys-prefix" in check.fix
    monkeypatch.delenv("JUPYTER_PATH")
    assert diagnosis.check_kernel().ok


def test_report_format_and_ascii_fallback():
    checks = [Check("Uno", True, "bien"), Check("Dos", False, "mal", "haz esto"), Check("Tres", False, "peor", "")]
    assert diagnosis.format_report(checks, ("✔", "✘")).splitlines()[2:6] == [
        "✔ Uno: bien", "✘ Dos: mal", "    → Arreglo: haz esto", "✘ Tres: peor"]
    ascii_report = diagnosis.format_report(checks, ("OK", "XX"))
    assert "XX Dos: mal\n    -> Arreglo: haz esto" in ascii_report
    assert "Hay 2 problemas en 3 comprobaciones. Arregla lo marcado con XX" in ascii_report


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [("jupyterlab<5,>=4.2", ("jupyterlab", "<5,>=4.2")), ("trustme", ("trustme", "")),
     ("jupyterlab-language-pack-es-ES>=4.0", ("jupyterlab-language-pack-es-ES", ">=4.0")),
     ('pytest>=8; extra == "test"', ("pytest", ">=8"))],
)
def test_split_requirement(requirement, expected):
    assert diagnosis._split_requirement(requirement) == expected
