"""How long the course takes to run under nbval, next to the floor: as many empty notebooks.

CI and every ``make test`` run all notebooks in strict nbval. Part of that time is fixed
(pytest, one kernel start per notebook), part is the course's own cells. The floor is
measured in the same run: the same number of notebooks with one trivial code cell each,
made in a temporary folder (under ``benchmarks/resultados``, ignored by git), run with the
very same flags as the Makefile's ``nbval`` target. The course's total over the floor's is
the figure to watch (target: ≤ 2×); per notebook, the time includes its kernel start and
stop; the slowest cells are listed.

On a shared machine both runs slow down with the load, but not alike: a cell that computes
slows down as the floor does, a cell that waits for a timeout does not. So the load average
is recorded before and after each run, and ``--veces N`` repeats the pair (floor, course) N
times and reports the repetition with the median ratio, the others summarised.

    .venv/bin/python -m benchmarks.course_run [--veces 3] [--cuadernos notebooks/01_crear_sockets.ipynb ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._results import write_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "resultados"
#: The Makefile's ``nbval`` target, flag for flag (plus the timing plugin and pytest's config).
NBVAL_FLAGS = ["-p", "no:randomly", "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg"]
#: A bound on one nbval run, so that a hung notebook cannot hang ``make bench``.
RUN_TIMEOUT = 900


def course_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def make_floor(count: int, folder: Path) -> list[Path]:
    """``count`` notebooks with one code cell each, its output stored (so strict nbval compares it)."""
    import nbformat

    paths = []
    for i in range(1, count + 1):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
        cell = nbformat.v4.new_code_cell('print("hola")', execution_count=1)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hola\n")]
        nb.cells = [cell]
        path = folder / f"vacio_{i:02d}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def run_nbval(notebooks: list[Path]) -> dict:
    """One pytest + nbval run over ``notebooks``: wall time, and each notebook's and cell's time."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tiempos.json"
        cmd = [
            sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
            *NBVAL_FLAGS, "-p", "benchmarks._nbtiming", "--tiempos-salida", str(out),
            *(str(p) for p in notebooks),
        ]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        wall = time.perf_counter() - start
        if not out.exists():
            raise RuntimeError(f"nbval no llegó a ejecutarse (código {proc.returncode}):\n{proc.stdout[-2000:]}")
        timing = json.loads(out.read_text(encoding="utf-8"))
    cells = timing["celdas"]
    per_notebook: dict[str, dict] = {}
    for c in cells:
        nb = per_notebook.setdefault(
            c["cuaderno"], {"segundos": 0.0, "arranque_nucleo_s": None, "celdas": 0, "fallos": 0}
        )
        if nb["arranque_nucleo_s"] is None:
            nb["arranque_nucleo_s"] = c["setup"]
        nb["segundos"] += c["setup"] + c["call"] + c["teardown"]
        nb["celdas"] += 1
        nb["fallos"] += c["resultado"] == "failed"
    for nb in per_notebook.values():
        nb["segundos"] = round(nb["segundos"], 3)
    return {
        "segundos": round(wall, 3),
        "segundos_fuera_de_cuadernos": round(wall - sum(nb["segundos"] for nb in per_notebook.values()), 3),
        "codigo_salida": proc.returncode,
        "celdas_falladas": [f"{c['cuaderno']}::{c['celda']}" for c in cells if c["resultado"] == "failed"],
        "cuadernos": per_notebook,
        "celdas": cells,
    }


def where_time_goes(run_: dict) -> dict:
    """Seconds of one nbval run by kind: kernels, cells computing, cells waiting, the rest.

    A cell's wall time minus its kernel's CPU time is time spent waiting (a timeout, a
    sleep, a server's answer): no optimisation of code makes it shorter, only a shorter wait.
    """
    cells = run_["celdas"]
    starts = sum(nb["arranque_nucleo_s"] or 0 for nb in run_["cuadernos"].values())
    wall = sum(c["call"] for c in cells)
    cpu = sum(min(c["call"], c["cpu_nucleo"]) for c in cells if c["cpu_nucleo"] is not None)
    waiting = [c for c in cells if c["cpu_nucleo"] is not None and c["call"] >= 0.3 and c["cpu_nucleo"] < c["call"] / 4]
    return {
        "arranque_de_nucleos_s": round(starts, 3),
        "celdas_s": round(wall, 3),
        "celdas_cpu_del_nucleo_s": round(cpu, 3),
        "celdas_esperando_s": round(wall - cpu, 3),
        "resto_s": round(run_["segundos"] - starts - wall, 3),
        "celdas_que_sobre_todo_esperan": len(waiting),
        "celdas_que_sobre_todo_esperan_s": round(sum(c["call"] for c in waiting), 3),
    }


def load_average() -> float | None:
    """The machine's 1-minute load average (None where the system does not say)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run(notebooks: list[Path] | None = None, slowest: int = 10) -> dict:
    """The floor first, then the course; the ratio, and the ``slowest`` cells of the course."""
    notebooks = notebooks if notebooks is not None else course_notebooks()
    RESULTS.mkdir(parents=True, exist_ok=True)
    load = [load_average()]
    with tempfile.TemporaryDirectory(dir=RESULTS) as tmp:  # under pytest's rootdir, as the course is
        floor = run_nbval(make_floor(len(notebooks), Path(tmp)))
    load.append(load_average())
    course = run_nbval(notebooks)
    load.append(load_average())
    floor_per_nb = sorted(nb["segundos"] for nb in floor["cuadernos"].values())
    floor_median = floor_per_nb[len(floor_per_nb) // 2] if floor_per_nb else float("nan")
    ranked = sorted(course["celdas"], key=lambda c: c["call"], reverse=True)[:slowest]
    breakdown = {"curso": where_time_goes(course), "suelo": where_time_goes(floor)}
    return {
        "que": "nbval estricto (mismas opciones que `make nbval`) sobre el curso y sobre cuadernos vacíos",
        "fecha": time.strftime("%Y-%m-%d %H:%M:%S"),
        "carga_media_1min": {"antes_del_suelo": load[0], "antes_del_curso": load[1], "despues": load[2]},
        "cuadernos": [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else p.name for p in notebooks],
        "curso": {k: v for k, v in course.items() if k != "celdas"},
        "suelo": {k: v for k, v in floor.items() if k != "celdas"},
        "suelo_mediana_por_cuaderno_s": floor_median,
        "razon_total": round(course["segundos"] / floor["segundos"], 3),
        "objetivo_razon_total": 2.0,
        "desglose": breakdown,
        "celdas_mas_lentas": [
            {k: c[k] for k in ("cuaderno", "celda", "call", "cpu_nucleo", "primera_linea", "resultado")} for c in ranked
        ],
    }


def repeated(notebooks: list[Path] | None, slowest: int, times: int) -> dict:
    """``times`` pairs (floor, course): the one with the median ratio, and every pair's figures."""
    runs = [run(notebooks, slowest) for _ in range(times)]
    chosen = sorted(runs, key=lambda r: r["razon_total"])[(times - 1) // 2]
    chosen["repeticiones"] = [
        {k: r[k] for k in ("fecha", "carga_media_1min", "razon_total")}
        | {"curso_s": r["curso"]["segundos"], "suelo_s": r["suelo"]["segundos"]}
        for r in runs
    ]
    return chosen


def print_table(r: dict) -> None:
    curso, suelo = r["curso"], r["suelo"]
    print(f"Curso con nbval estricto: {len(r['cuadernos'])} cuadernos frente a otros tantos vacíos")
    c = r["carga_media_1min"]
    print(f"  carga media (1 min): {c['antes_del_suelo']} antes del suelo, {c['antes_del_curso']} antes del curso, "
          f"{c['despues']} al final")
    print(f"  {'cuaderno':<36}{'tiempo (s)':>11}{'× vacío':>9}{'núcleo (s)':>12}{'celdas':>8}{'fallos':>8}")
    for name, nb in curso["cuadernos"].items():
        ratio = nb["segundos"] / r["suelo_mediana_por_cuaderno_s"]
        print(
            f"  {name:<36}{nb['segundos']:>11.2f}{ratio:>9.1f}{nb['arranque_nucleo_s']:>12.2f}"
            f"{nb['celdas']:>8}{nb['fallos']:>8}"
        )
    print(f"  {'cuaderno vacío (mediana)':<36}{r['suelo_mediana_por_cuaderno_s']:>11.2f}{1:>9.1f}")
    for label, run_ in (("total del curso", curso), ("total del suelo", suelo)):
        outside = run_["segundos_fuera_de_cuadernos"]
        print(f"  {label}  {run_['segundos']:8.2f} s   (pytest fuera de los cuadernos: {outside:.2f} s)")
    print(f"  razón curso / suelo  {r['razon_total']:.2f}   (objetivo: ≤ {r['objetivo_razon_total']:g})")
    d = r["desglose"]["curso"]
    print(
        f"  dónde va el tiempo del curso: núcleos {d['arranque_de_nucleos_s']:.1f} s, celdas "
        f"{d['celdas_s']:.1f} s (CPU {d['celdas_cpu_del_nucleo_s']:.1f} s, esperando "
        f"{d['celdas_esperando_s']:.1f} s), resto {d['resto_s']:.1f} s"
    )
    print(
        f"  {d['celdas_que_sobre_todo_esperan']} celdas de ≥ 0,3 s pasan más de 3/4 de su tiempo esperando "
        f"(timeouts, pausas): {d['celdas_que_sobre_todo_esperan_s']:.1f} s"
    )
    if curso["celdas_falladas"]:
        print(f"  celdas que fallaron en nbval: {', '.join(curso['celdas_falladas'][:10])}")
    print("  Celdas más lentas (tiempo de reloj; CPU del núcleo: poca CPU = la celda espera)")
    for c in r["celdas_mas_lentas"]:
        cpu = "   ?  " if c["cpu_nucleo"] is None else f"{c['cpu_nucleo']:6.2f}"
        print(f"    {c['call']:6.2f} s  CPU {cpu} s  {c['cuaderno']} {c['celda']:<8} {c['primera_linea'][:50]}")
    if len(r.get("repeticiones", [])) > 1:
        print("  Repeticiones (la tabla es la de la razón mediana):")
        for rep in r["repeticiones"]:
            c = rep["carga_media_1min"]
            print(f"    {rep['fecha']}  curso {rep['curso_s']:7.2f} s  suelo {rep['suelo_s']:6.2f} s  "
                  f"razón {rep['razon_total']:.2f}  carga {c['antes_del_suelo']} → {c['despues']}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Tiempo del curso en nbval frente a cuadernos vacíos.")
    parser.add_argument("--cuadernos", nargs="+", type=Path, help="cuadernos a medir (todos los del curso)")
    parser.add_argument("--lentas", type=int, default=10, help="celdas más lentas que listar (10)")
    parser.add_argument("--veces", type=int, default=1, help="pares (suelo, curso) que medir; se da la mediana (1)")
    parser.add_argument("--salida", type=Path, default=RESULTS / "curso.json")
    args = parser.parse_args(argv)
    if args.veces < 1:
        parser.error("--veces debe ser 1 o más")
    result = repeated([p.resolve() for p in args.cuadernos] if args.cuadernos else None, args.lentas, args.veces)
    print_table(result)
    write_json(args.salida, result)
    return result


if __name__ == "__main__":
    main()
