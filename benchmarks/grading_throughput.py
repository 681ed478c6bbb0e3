"""How fast ``corregir`` grades a class, with ``--trabajos 1`` and ``2``, and where the time goes.

A class of 40 students × every notebook is hundreds of notebook runs: far too long for CI.
So a small class is graded for real (each student hands in the master notebooks: every
exercise answered right, so every case of every check runs), once per ``--trabajos`` value,
and the figure is notebooks per minute, which scales to any class size for notebooks like
these. Where the time goes is measured in the same run:

- the fixed cost of one notebook: as many one-cell notebooks graded the same way (a kernel
  start and stop, the temporary copy, the network namespace), with isolation and without;
- the notebooks' own cells: the class's time minus that fixed cost;
- the kernels' CPU (``getrusage`` of the grader's children) against the wall time: a ratio
  near the number of jobs means the cores are busy (more jobs will not help on 2 cores), a
  ratio well below means the cells mostly wait (timeouts, sleeps), and more jobs help;
- the grader's own work after the runs (gradebook, every export, the summary), timed alone.

    .venv/bin/python -m benchmarks.grading_throughput [--alumnos 3] [--trabajos 1 2]
        [--cuadernos notebooks/06_respuesta_del_servidor.ipynb ...] [--rapido]

Writes ``benchmarks/resultados/corregir.json``; loopback only (the notebooks' own servers).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_json  # noqa: E402
from labsupport.grading import gradebook  # noqa: E402
from labsupport.grading.exports import FORMATS, grades_csv  # noqa: E402
from labsupport.grading.folder import Extras, Grading, grade_folder  # noqa: E402
from labsupport.grading.summary import format_summary  # noqa: E402

RESULTS = ROOT / "benchmarks" / "resultados"
#: Two course notebooks whose nbval run takes about 15-20 s each here (benchmarks/resultados/curso.json).
DEFAULT_NOTEBOOKS = ("06_respuesta_del_servidor.ipynb", "07_excepciones.ipynb")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_class(folder: Path, students: int, notebooks: list[Path]) -> Path:
    """``students`` folders, each with a copy of every notebook in ``notebooks``."""
    for i in range(1, students + 1):
        target = folder / f"alumno{i:02d}"
        target.mkdir(parents=True)
        for notebook in notebooks:
            shutil.copyfile(notebook, target / notebook.name)
    return folder


def make_floor(folder: Path, students: int, names: list[str]) -> Path:
    """The same class with one-cell notebooks of the same names: only the fixed cost of each run."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    for i in range(1, students + 1):
        target = folder / f"alumno{i:02d}"
        target.mkdir(parents=True)
        for name in names:
            nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), target / name)
    return folder


def timed_grading(submissions: Path, output: Path, masters: Path, jobs: int, isolation: str) -> dict:
    """Grade for real; wall time, the kernels' CPU, and what came out."""
    cpu, start = _children_cpu(), time.perf_counter()
    grading = grade_folder(submissions, output, masters=masters, jobs=jobs, isolation=isolation,
                           extras=Extras(tuple(FORMATS)))
    wall = time.perf_counter() - start
    notebooks = len(grading.book.submitted) if grading.book else 0  # every notebook run, with exercises or not
    statuses: dict[str, int] = {}
    for row in grading.rows:
        statuses[str(row.status)] = statuses.get(str(row.status), 0) + 1
    return {
        "trabajos": jobs,
        "aislamiento": isolation,
        "cuadernos": notebooks,
        "segundos": round(wall, 2),
        "cuadernos_por_minuto": round(60 * notebooks / wall, 2) if wall else None,
        "cpu_nucleos_s": round(_children_cpu() - cpu, 2),
        "cpu_por_segundo_de_reloj": round((_children_cpu() - cpu) / wall, 2) if wall else None,
        "estados": statuses,
        "_grading": grading,
    }


def grader_own_work(grading: Grading, folder: Path, output: Path, repeats: int = 20) -> float:
    """Milliseconds for the gradebook, every export and the summary of one grading's rows."""
    output.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for _ in range(repeats):
        book = gradebook.build(grading.rows)
        grades_csv.write(grading.rows, output, book)
        for module in FORMATS.values():
            module.write(book, output)
        format_summary(grading.rows, folder, 30, 600, True, {}, book, [])
    return round((time.perf_counter() - start) / repeats * 1000, 2)


def _grades(grading: Grading) -> tuple:
    return tuple((r.student, r.notebook, r.exercise, r.passed, r.total, str(r.status)) for r in grading.rows)


def _report(result: dict) -> None:
    print("\nCorregir una clase: cuadernos por minuto")
    print(f"{'trabajos':>9} {'cuadernos':>10} {'segundos':>9} {'cuad./min':>10} {'CPU/reloj':>10}")
    for run in result["clase"]:
        print(f"{run['trabajos']:>9} {run['cuadernos']:>10} {run['segundos']:>9.1f} "
              f"{run['cuadernos_por_minuto']:>10.1f} {run['cpu_por_segundo_de_reloj']:>10.2f}")
    print(f"¿Las mismas notas con cada --trabajos? {result['mismas_notas_con_cada_trabajos']}")
    floor = result["suelo"]
    print("\nDónde se va el tiempo (por cuaderno, --trabajos 1):")
    for key, label in (("fijo_aislado_s", "arranque y cierre del kernel, con red aislada"),
                       ("fijo_sin_aislar_s", "arranque y cierre del kernel, sin aislar"),
                       ("celdas_s", "las celdas del cuaderno (sus servidores y comprobaciones)")):
        print(f"  {label}: {floor[key]:.1f} s")
    print(f"  el trabajo del corrector tras ejecutar (notas, formatos, resumen): {result['corrector_ms']:.0f} ms")
    print(f"\nEstimación para 40 alumnos × {len(result['cuadernos_medidos'])} cuadernos como estos: "
          + ", ".join(f"{e['minutos']:.0f} min con --trabajos {e['trabajos']}" for e in result["estimacion_40"]))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--alumnos", type=int, default=3)
    parser.add_argument("--trabajos", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cuadernos", type=Path, nargs="+",
                        default=[ROOT / "notebooks" / n for n in DEFAULT_NOTEBOOKS])
    parser.add_argument("--rapido", action="store_true", help="1 alumno, un cuaderno de una celda (prueba de humo)")
    parser.add_argument("--salida", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-corregir-") as tmp:
        tmp_path = Path(tmp)
        masters = tmp_path / "maestra"
        masters.mkdir()
        if args.rapido:
            args.alumnos = 1
            notebooks = [make_floor(tmp_path / "humo", 1, ["01_humo.ipynb"]) / "alumno01" / "01_humo.ipynb"]
        else:
            notebooks = [Path(n) for n in args.cuadernos]
        for notebook in notebooks:
            shutil.copyfile(notebook, masters / notebook.name)
        names = [n.name for n in notebooks]
        floor_class = make_floor(tmp_path / "suelo", args.alumnos, names)
        floor_iso = timed_grading(floor_class, tmp_path / "s1", masters, 1, "auto")
        floor_bare = timed_grading(floor_class, tmp_path / "s2", masters, 1, "no")
        submissions = make_class(tmp_path / "clase", args.alumnos, notebooks)
        runs = [timed_grading(submissions, tmp_path / f"c{j}", masters, j, "auto") for j in args.trabajos]
        own_ms = grader_own_work(runs[0]["_grading"], submissions, tmp_path / "propio")
    per_floor = floor_iso["segundos"] / max(1, floor_iso["cuadernos"])
    first = next((r for r in runs if r["trabajos"] == 1), runs[0])
    per_notebook = first["segundos"] / max(1, first["cuadernos"])
    result = {
        "que": "corregir: una clase pequeña (cada alumno entrega los cuadernos maestros) con cada --trabajos",
        "fecha": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cuadernos_medidos": names,
        "alumnos": args.alumnos,
        "clase": [{k: v for k, v in r.items() if not k.startswith("_")} for r in runs],
        "suelo": {
            "fijo_aislado_s": round(per_floor, 2),
            "fijo_sin_aislar_s": round(floor_bare["segundos"] / max(1, floor_bare["cuadernos"]), 2),
            "celdas_s": round(max(0.0, per_notebook - per_floor), 2),
            "cuaderno_entero_s": round(per_notebook, 2),
        },
        "corrector_ms": own_ms,
        # a speed-up that changed a grade would not be one: every --trabajos value must give the same rows
        "mismas_notas_con_cada_trabajos": len({_grades(r["_grading"]) for r in runs}) == 1,
        "estimacion_40": [
            {"trabajos": r["trabajos"], "minutos": round(40 * len(names) / r["cuadernos_por_minuto"], 1)}
            for r in runs if r["cuadernos_por_minuto"]
        ],
        "carga_media_antes_despues": [[round(x, 2) for x in load_before], [round(x, 2) for x in os.getloadavg()]],
    }
    write_json(args.salida / ("corregir_rapido.json" if args.rapido else "corregir.json"), result)
    _report(result)
    return result


if __name__ == "__main__":
    main()
