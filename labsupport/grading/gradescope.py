"""``python -m labsupport gradescope``: the autograder bundle that grades the course on Gradescope unchanged.

Gradescope's autograder (https://gradescope-autograders.readthedocs.io/en/latest/specs/) is a
zip with ``setup.sh`` (run once, as root, when the image is built) and ``run_autograder``
(run for every submission, with the submission in ``/autograder/submission`` and the zip's
contents in ``/autograder/source``) at its root; ``run_autograder`` must leave
``/autograder/results/results.json``. This bundle does exactly what ``corregir`` does on a
class of one: the submission is the student's folder, graded against the master notebooks'
exercises with ``--formato gradescope`` (:mod:`.exports.gradescope_json`), with the hidden
cases and points the instructor gave, if any.

What goes in the zip, and why nothing more:

- ``curso/labsupport``: the course's package as it is here (the same checkers the students ran);
- ``requirements.txt``: its dependencies, read from its installed metadata;
- ``maestra/``: one notebook per master with only its ``lab.comprobar`` calls, which is all the
  grader reads of a master: the solutions never leave this machine;
- ``ocultos.py`` and ``puntos.csv`` when given (Gradescope never shows the zip to students).

If the grading cannot finish, ``run_autograder`` still writes a results.json (score 0 and a
Spanish message saying it was the grader's fault), so Gradescope never shows a bare error.
``AUTOGRADER_ROOT`` and ``LABSUPPORT_PYTHON`` override ``/autograder`` and its virtualenv, so
the bundle can be tried on this machine (the tests do).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import stat
import zipfile
from pathlib import Path

from .._errors import LabError
from ..cli import positive_float

SETUP_SH = """#!/usr/bin/env bash
# Gradescope: se ejecuta una vez, al construir la imagen. Python 3.10 o posterior (Ubuntu 22.04 o 24.04).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip util-linux
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install -r /autograder/source/requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope: corrige la entrega de /autograder/submission y deja /autograder/results/results.json.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{LABSUPPORT_PYTHON:-$ROOT/venv/bin/python}}"
SRC="$ROOT/source"
WORK="$(mktemp -d)"
mkdir -p "$WORK/entregas" "$ROOT/results"
cp -r "$ROOT/submission" "$WORK/entregas/alumno"
cd "$WORK"
EXTRA=()
[ -f "$SRC/ocultos.py" ] && EXTRA+=(--casos-ocultos "$SRC/ocultos.py")
[ -f "$SRC/puntos.csv" ] && EXTRA+=(--puntos "$SRC/puntos.csv")
PYTHONPATH="$SRC/curso${{PYTHONPATH:+:$PYTHONPATH}}" "$PY" -m labsupport corregir "$WORK/entregas" \\
    --salida "$WORK/salida" --maestra "$SRC/maestra" --formato gradescope \\
    --limite-celda {cell_limit} --limite-cuaderno {notebook_limit} "${{EXTRA[@]}}"
STATUS=$?
RESULT="$WORK/salida/gradescope/alumno/results.json"
if [ -f "$RESULT" ]; then
    cp "$RESULT" "$ROOT/results/results.json"
else
    MSG="El corrector no pudo terminar (código $STATUS). Es un fallo del corrector, no de tu entrega:"
    MSG="$MSG avisa a quien te da el curso."
    printf '{{"score": 0, "output": "%s", "tests": []}}\n' "$MSG" > "$ROOT/results/results.json"
fi
"""


def requirements() -> list[str]:
    """The course package's own dependencies (no extras), from its installed metadata."""
    try:
        wanted = importlib.metadata.requires("labsupport") or []
    except importlib.metadata.PackageNotFoundError:
        wanted = []
    kept = [r for r in wanted if "extra ==" not in r]
    return [*kept, "ipykernel"] if not any(r.startswith("ipykernel") for r in kept) else kept


def _slim_master(source: Path, target: Path) -> None:
    """A master notebook reduced to its ``lab.comprobar`` calls: what the grader reads, without solutions."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from .scan import exercise_cells

    nb = nbformat.read(source, as_version=4)
    ids = exercise_cells(nb)
    cells = [new_code_cell(f"lab.comprobar({exercise_id!r}, funcion)") for exercise_id in ids]
    nbformat.write(new_notebook(cells=cells), target)


def write_bundle(
    output: Path, masters: Path, *, hidden_cases: Path | None = None, points: Path | None = None,
    cell_limit: float = 30, notebook_limit: float = 600,
) -> Path:
    """Write the bundle's folder ``output`` and ``output.zip`` (files at its root); return the zip's path."""
    from .gradebook import read_points
    from .hidden import load

    notebooks = sorted(Path(masters).glob("*.ipynb"))
    if not notebooks:
        raise LabError(f"No hay cuadernos maestros en {masters}: indica la carpeta con --maestra.")
    if hidden_cases is not None:
        load(hidden_cases)  # a file that would not load on Gradescope is refused here, with its line
    if points is not None:
        read_points(points)
    output = Path(output)
    if output.exists():
        if (output.is_dir() and not any(output.iterdir())) or (output / "run_autograder").is_file():
            shutil.rmtree(output)  # empty, or a bundle written before: replaced
        else:
            raise LabError(f"{output} ya existe y no es un autocorrector escrito por esta orden: elige otra --salida "
                           "(no se borra nada que no sea un autocorrector).")
    (output / "maestra").mkdir(parents=True)
    package = Path(__file__).resolve().parent.parent
    shutil.copytree(package, output / "curso" / "labsupport", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for notebook in notebooks:
        _slim_master(notebook, output / "maestra" / notebook.name)
    if hidden_cases is not None:
        shutil.copyfile(hidden_cases, output / "ocultos.py")
    if points is not None:
        shutil.copyfile(points, output / "puntos.csv")
    (output / "requirements.txt").write_text("\n".join(requirements()) + "\n", encoding="utf-8")
    (output / "setup.sh").write_text(SETUP_SH, encoding="utf-8")
    limits = {"cell_limit": f"{cell_limit:g}", "notebook_limit": f"{notebook_limit:g}"}
    (output / "run_autograder").write_text(RUN_AUTOGRADER.format(**limits), encoding="utf-8")
    for script in ("setup.sh", "run_autograder"):
        mode = (output / script).stat().st_mode
        (output / script).chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    archive = output.with_name(output.name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(output.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, path.relative_to(output).as_posix())
                with open(path, "rb") as fh:
                    zf.writestr(info, fh.read(), zipfile.ZIP_DEFLATED)
    return archive


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--salida", type=Path, default=Path("autocorrector"),
                        help="carpeta del paquete; el zip para Gradescope se escribe a su lado (autocorrector)")
    parser.add_argument("--maestra", type=Path, default=Path("notebooks"), help="cuadernos maestros (notebooks)")
    parser.add_argument("--casos-ocultos", type=Path, help="fichero .py de casos ocultos que viaja en el zip")
    parser.add_argument("--puntos", type=Path, help="CSV ejercicio,puntos que viaja en el zip")
    parser.add_argument("--limite-celda", type=positive_float, default=30, help="segundos máximos por celda (30)")
    parser.add_argument("--limite-cuaderno", type=positive_float, default=600,
                        help="segundos máximos por cuaderno (600)")


def run(args: argparse.Namespace) -> int:
    archive = write_bundle(
        args.salida, args.maestra, hidden_cases=args.casos_ocultos, points=args.puntos,
        cell_limit=args.limite_celda, notebook_limit=args.limite_cuaderno,
    )
    masters = len(list((args.salida / "maestra").glob("*.ipynb")))
    print(f"Autocorrector de Gradescope: {archive} ({masters} cuadernos maestros). Súbelo en Gradescope como "
          "«Autograder» (Configure Autograder → Zip file upload).")
    return 0

