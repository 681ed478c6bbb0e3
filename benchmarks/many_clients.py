"""Threads vs selectors vs asyncio with 10, 100 and 1 000 busy clients: the full measure of notebook 09.

The notebook runs :func:`labsupport.concurrency.compare` with one round and prints only what
holds on a loaded machine (threads, whole echoes, memory ×2, latency growing with the clients).
This is the same measure with more rounds (``--rondas``, 10 by default: each round is every
client sending at once) and repeated (``--veces``, 3 by default; each repetition measures the
three servers in the same order), with the figures: for each server and number of clients, the
p50 and p99 latency of an echo, the server's threads and the resident memory the process
gained; and, since absolute figures mean little from one machine to another, the ratios
against the thread-per-client server **measured in the same repetition**, summarised by their
median over the repetitions.

Each measure of one server runs in a new Python process (``--uno``), with its load, as in the
notebook (the threads are counted by ``psutil``): a process that already served another server
reuses the memory it freed, and would show the next one gaining almost nothing. The latencies
are those of one Python process serving and loading at once.

    .venv/bin/python -m benchmarks.many_clients [--clientes 10 100 1000] [--rondas 10] [--veces 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._results import write_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "resultados"
BASELINE = "un hilo por cliente"
#: (field of a Point, name in the JSON, whether a ratio against the baseline means something)
FIELDS = (("p50_ms", "p50_ms", True), ("p99_ms", "p99_ms", True), ("threads", "hilos", False),
          ("memory_mib", "rss_mib", True))


def _ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 3) if baseline > 0 else None


def summarise(runs: list[dict[str, list[Any]]]) -> dict:
    """Per server and count: the median of each field over the repetitions, and of its ratio to the baseline."""
    servers: dict[str, dict] = {}
    for kind in runs[0]:
        steps = []
        for i, point in enumerate(runs[0][kind]):
            step: dict[str, Any] = {"clientes": point.clients, "ecos_enteros": all(r[kind][i].intact for r in runs)}
            for field, name, with_ratio in FIELDS:
                values = [getattr(r[kind][i], field) for r in runs]
                step[name] = round(statistics.median(values), 3)
                if with_ratio and kind != BASELINE:
                    ratios = [_ratio(getattr(r[kind][i], field), getattr(r[BASELINE][i], field)) for r in runs]
                    known = [x for x in ratios if x is not None]
                    step[f"razon_{name}_frente_a_hilos"] = round(statistics.median(known), 3) if known else None
            steps.append(step)
        servers[kind] = {"pasos": steps}
    return servers


def _table(result: dict) -> None:
    print(f"{'servidor':<22}{'clientes':>9}{'p50 ms':>9}{'p99 ms':>9}{'hilos':>7}{'RSS MiB':>9}"
          f"{'p50 ×':>8}{'p99 ×':>8}{'RSS ×':>8}")
    for kind, server in result["servidores"].items():
        for s in server["pasos"]:
            ratios = [s.get(f"razon_{n}_frente_a_hilos") for n in ("p50_ms", "p99_ms", "rss_mib")]
            shown = "".join(f"{'—' if r is None else f'{r:.2f}':>8}" for r in ratios)
            print(f"{kind:<22}{s['clientes']:>9}{s['p50_ms']:>9.2f}{s['p99_ms']:>9.2f}{s['hilos']:>7.0f}"
                  f"{s['rss_mib']:>9.1f}{shown}")
    print("(× : frente al servidor con un hilo por cliente medido en la misma repetición; mediana de las repeticiones)")


#: One measure of one server in its own process must end: bounded (it takes seconds).
PROCESS_PATIENCE = 300.0


def measure_apart(kind: str, counts: list[int], rounds: int) -> list[Any]:
    """:func:`labsupport.concurrency.measure` of ``kind`` in a new Python process; its Points."""
    from labsupport.concurrency import Point

    command = [sys.executable, "-m", "benchmarks.many_clients", "--uno", kind, "--rondas", str(rounds),
               "--clientes", *map(str, counts)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=PROCESS_PATIENCE, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"la medida de {kind!r} falló: {done.stderr.strip()[-2000:]}")
    return [Point(**p) for p in json.loads(done.stdout.splitlines()[-1])]


def compare_apart(counts: list[int], rounds: int) -> dict[str, list[Any]]:
    """The three servers, each measured in its own process, in the notebook's order."""
    from labsupport.concurrency import KINDS

    return {kind: measure_apart(kind, counts, rounds) for kind in KINDS}


def figure(runs: list[dict[str, list[Any]]], path: Path) -> Path:
    """The notebook's figure (lab.plots.many_clients) for the last repetition."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from labsupport import plots

    axes = plots.many_clients(runs[-1])
    fig = axes[0].figure
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.many_clients", description=__doc__.splitlines()[0])
    parser.add_argument("--clientes", nargs="+", type=int, default=[10, 100, 1000], help="clientes conectados")
    parser.add_argument("--rondas", type=int, default=10, help="rondas de «todos a la vez» en cada paso")
    parser.add_argument("--veces", type=int, default=3, help="repeticiones de la medida entera")
    parser.add_argument("--salida", type=Path, default=RESULTS / "muchos_clientes.json")
    parser.add_argument("--uno", help=argparse.SUPPRESS)  # internal: measure one server, print its JSON
    args = parser.parse_args(argv)
    if args.uno:
        from labsupport import concurrency

        points = concurrency.measure(args.uno, args.clientes, rounds=args.rondas)
        print(json.dumps([dataclasses.asdict(p) for p in points]))
        return {}
    if args.veces < 1 or args.rondas < 1:
        parser.error("--veces y --rondas deben ser 1 o más")

    from labsupport import concurrency

    counts, reason = concurrency.fitting_counts(args.clientes)
    if reason:
        print("Nota:", reason)
    started = time.perf_counter()
    runs = [compare_apart(counts, args.rondas) for _ in range(args.veces)]
    result = {
        "clientes": counts,
        "rondas": args.rondas,
        "veces": args.veces,
        "nota": reason,
        "segundos": round(time.perf_counter() - started, 1),
        "servidores": summarise(runs),
    }
    _table(result)
    write_json(args.salida, result)
    figure(runs, args.salida.with_suffix(".png"))
    return result


if __name__ == "__main__":
    main()
