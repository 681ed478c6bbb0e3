"""The student edition: the master notebooks without their solutions, never over a student's work.

Master notebooks keep each solution between nbgrader's markers (``### BEGIN SOLUTION`` /
``### END SOLUTION``) so that both nbgrader and this module can remove it. A marker is any
line that contains ``BEGIN SOLUTION`` / ``END SOLUTION``, exactly as nbgrader's
``ClearSolutions`` reads it, so the two tools always agree on what a solution is; unlike
nbgrader, an unbalanced marker is an error here (a silent leak of a solution is worse than a
stopped build).

Every other file of the master folder (the glossary ``glosario.md``, images) is copied as it
is, under the same rule. Writing is the delicate part: the student edition lives where students
type their answers (and may annotate the glossary), so an existing file is never replaced.
``--forzar`` replaces it only after copying it to a timestamped backup next to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from ._errors import LabError

BEGIN_MARK = "BEGIN SOLUTION"
END_MARK = "END SOLUTION"
CODE_STUB = 'raise NotImplementedError("Escribe aquí tu solución")'
TEXT_STUB = "_Escribe aquí tu respuesta._"
# Files and folders of the master folder that are not part of the course.
_IGNORED_PARTS = (".ipynb_checkpoints", "__pycache__")


class SolutionMarkerError(LabError, ValueError):
    """A master notebook has a ``BEGIN SOLUTION`` without its ``END SOLUTION`` or the reverse."""


def strip_solutions(source: str, stub: str = CODE_STUB, where: str = "la celda") -> str:
    """Replace every solution region of ``source`` by ``stub``, indented like its BEGIN line.

    Raises SolutionMarkerError (Spanish, with the line number) on a nested BEGIN, an END
    without BEGIN, or a BEGIN never closed: each would either leak a solution or eat code.
    """
    out: list[str] = []
    begin_line = 0
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN_MARK in line:
            if begin_line:
                raise SolutionMarkerError(
                    f"{where}, línea {number}: «### {BEGIN_MARK}» dentro de otra solución que empezó en la "
                    f"línea {begin_line}. Cierra la primera con «### {END_MARK}» antes de abrir otra."
                )
            begin_line = number
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub_line for stub_line in stub.split("\n"))
        elif END_MARK in line:
            if not begin_line:
                raise SolutionMarkerError(
                    f"{where}, línea {number}: «### {END_MARK}» sin un «### {BEGIN_MARK}» antes. "
                    "Revisa que cada solución tenga sus dos marcas, en este orden."
                )
            begin_line = 0
        elif not begin_line:
            out.append(line)
    if begin_line:
        raise SolutionMarkerError(
            f"{where}, línea {begin_line}: «### {BEGIN_MARK}» sin su «### {END_MARK}». "
            "Añade la marca de cierre al final de la solución."
        )
    return "\n".join(out)


def student_notebook(nb: Any, name: str = "el cuaderno") -> Any:
    """Return a copy of notebook ``nb`` (nbformat node) as students receive it.

    Solutions are replaced by the stub, outputs and execution counts cleared, the timing
    metadata nbclient records and the saved widget state dropped (they are outputs too);
    everything else, cell ids included, is kept as it was.
    """
    import copy

    nb = copy.deepcopy(nb)
    for index, cell in enumerate(nb.cells, start=1):
        where = f"{name}, celda {index}"
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, CODE_STUB, where)
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif cell.cell_type == "markdown":
            cell.source = strip_solutions(cell.source, TEXT_STUB, where)
    nb.metadata.pop("widgets", None)
    return nb


def solution_count(nb: Any) -> int:
    """How many solution regions a notebook holds (0 for a student edition)."""
    return sum(cell.source.count(BEGIN_MARK) for cell in nb.cells if cell.cell_type in ("code", "markdown"))


@dataclasses.dataclass
class EditionReport:
    """What ``write_student_edition`` did, path by path (paths relative to the destination)."""

    destination: Path
    written: list[Path] = dataclasses.field(default_factory=list)
    skipped: list[Path] = dataclasses.field(default_factory=list)
    backups: list[Path] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        """The report in Spanish, one line per file."""
        out = [f"Edición del alumno en {self.destination}:"]
        out += [f"  escrito: {p}" for p in self.written]
        out += [f"  copia de seguridad: {p}" for p in self.backups]
        if self.skipped:
            out.append("Ya existían y NO se han tocado (tu trabajo está a salvo):")
            out += [f"  omitido: {p}" for p in self.skipped]
            out.append("Para sustituirlos por la versión nueva usa --forzar: antes se guarda una copia de cada uno.")
        if not (self.written or self.skipped):
            out.append("  (no había archivos que escribir)")
        return out


def _course_files(source: Path) -> list[Path]:
    files = []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and not any(p in _IGNORED_PARTS or p.startswith(".") for p in rel.parts):
            files.append(rel)
    return files


def build_student_edition(source: Path) -> dict[Path, bytes]:
    """Everything the student edition contains, in memory: relative path -> file bytes.

    Notebooks are converted; any other file of the course folder (images, data) is copied
    as it is. Built completely before anything is written, so a marker error in the last
    notebook leaves the destination untouched.
    """
    import nbformat

    contents: dict[Path, bytes] = {}
    for rel in _course_files(source):
        path = source / rel
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            text = nbformat.writes(student_notebook(nb, str(rel)))
            contents[rel] = (text if text.endswith("\n") else text + "\n").encode("utf-8")
        else:
            contents[rel] = path.read_bytes()
    return contents


def backup_name(path: Path, now: _dt.datetime | None = None) -> Path:
    """``NAME.ipynb.bak-YYYYmmdd-HHMMSS`` next to ``path``, never the name of an existing file."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.bak-{stamp}")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak-{stamp}-{n}")
        n += 1
    return candidate


def _write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data``; False if it exists. Exclusive creation: no check-then-write race."""
    try:
        with open(path, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        return False
    return True


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a crash leaves the old file or the new, never half)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_student_edition(
    source: Path, destination: Path, force: bool = False, now: _dt.datetime | None = None
) -> EditionReport:
    """Write the student edition of ``source`` into ``destination``.

    An existing file is skipped, unless ``force``: then it is first copied to a timestamped
    backup (see ``backup_name``) and replaced. Raises SolutionMarkerError before writing
    anything if a master notebook has unbalanced markers.
    """
    source, destination = Path(source), Path(destination)
    if not source.is_dir():
        raise LabError(
            f"No existe la carpeta de cuadernos maestros {source}. Ejecuta la orden desde la carpeta "
            "del curso o indica otra con --origen."
        )
    contents = build_student_edition(source)
    report = EditionReport(destination)
    for rel, data in contents.items():
        target = destination / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if _write_new(target, data):
            report.written.append(rel)
        elif force:
            backup = backup_name(target, now)
            shutil.copy2(target, backup)
            report.backups.append(backup.relative_to(destination))
            _replace(target, data)
            report.written.append(rel)
        else:
            report.skipped.append(rel)
    return report


def ensure_student_edition(root: Path) -> Path:
    """``root/alumno``, built from ``root/notebooks`` where files are missing; never overwrites.

    Called by ``make lab`` on every start: the first time it writes the whole edition; later
    it only adds notebooks that are new in the course, and a student's own files stay intact.
    """
    root = Path(root)
    destination = root / "alumno"
    destination.mkdir(parents=True, exist_ok=True)
    if (root / "notebooks").is_dir():
        try:
            write_student_edition(root / "notebooks", destination)
        except LabError as exc:  # a broken master must not keep students out of what they have
            print(f"Aviso: la edición del alumno no se ha actualizado: {exc}", file=sys.stderr)
    return destination


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--destino", type=Path, default=Path("alumno"), help="carpeta donde escribirla (por defecto: alumno)"
    )
    parser.add_argument(
        "--origen",
        type=Path,
        default=Path("notebooks"),
        help="carpeta de los cuadernos maestros (por defecto: notebooks)",
    )
    parser.add_argument(
        "--forzar",
        action="store_true",
        help="sustituye los archivos que ya existen (cuadernos, glosario), guardando antes una copia NOMBRE.bak-FECHA",
    )


def run(args: argparse.Namespace) -> int:
    """Write the edition; a LabError reaches ``cli.main``, which prints it on stderr and exits 1."""
    try:
        report = write_student_edition(args.origen, args.destino, force=args.forzar)
    except LabError as exc:
        raise LabError(f"No se ha escrito nada: {exc}") from exc
    print("\n".join(report.lines()))
    return 0
