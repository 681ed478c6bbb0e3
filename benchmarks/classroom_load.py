"""A classroom on one HttpServer: 50, 200 and 500 clients on the notebooks' requests.

Three servers in the same run, each in its own process: ``lab.HttpServer``; the standard
library's ``ThreadingHTTPServer`` answering the same bytes ready-made (the floor of a
thread-per-connection Python server); httpbin's Flask app on werkzeug's threaded
development server (what pytest-httpbin runs). For each number of clients, the servers take
turns (round after round), so every server sees the same machine load. The load is Debian's
``wrk`` when installed, a Python client pool in other processes otherwise
(:mod:`benchmarks._load`).

Targets: at 200 clients HttpServer's p99 ≤ 100 ms with no errors, and more requests/s than
httpbin on werkzeug.

    .venv/bin/python -m benchmarks.classroom_load [--clientes 50 200 500] [--segundos 5] [--rondas 2]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks import _load
from benchmarks._results import write_json
from benchmarks._serve import KINDS, NAMES, ServerProcess, httpbin_available

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "resultados"
#: The notebooks' requests: echo, headers, an error status, random bytes, JSON, a document.
MIX = ["/get", "/headers", "/status/404", "/bytes/1024?seed=1", "/json", "/docs/texto.txt"]
#: httpbin has no /docs/: its own document (an HTML page) takes that place.
HTTPBIN_MIX = [*MIX[:-1], "/html"]
TARGET_CLIENTS = 200
TARGET_P99_MS = 100.0


def paths_for(kind: str) -> list[str]:
    return HTTPBIN_MIX if kind == "httpbin" else MIX


def run(
    clients: tuple[int, ...] = (50, 200, 500),
    seconds: float = 5.0,
    rounds: int = 2,
    generator: str = "auto",
    kinds: tuple[str, ...] | None = None,
) -> dict:
    if kinds is None:
        kinds = tuple(k for k in KINDS if k != "httpbin" or httpbin_available())
    if generator == "auto":
        generator = "wrk" if _load.wrk_available() else "python"
    _load.raise_nofile(max(clients) + 256)
    servers = {kind: ServerProcess(kind, paths_for(kind)) for kind in kinds}
    steps: dict[str, dict[int, list[dict]]] = {kind: {c: [] for c in clients} for kind in kinds}
    try:
        for kind, srv in servers.items():  # warm up: first imports, first threads
            _load.run_load(srv.address, paths_for(kind), min(10, clients[0]), min(1.0, seconds), generator)
        for c in clients:
            for _ in range(rounds):
                for kind, srv in servers.items():
                    cpu = srv.cpu_seconds()
                    r = _load.run_load(srv.address, paths_for(kind), c, seconds, generator)
                    after = srv.cpu_seconds()
                    r["cpu_servidor_s"] = round(after - cpu, 3) if cpu is not None and after is not None else None
                    steps[kind][c].append(r)
                    time.sleep(0.3)  # let the last step's connections close
    finally:
        errors = {kind: srv.stop() for kind, srv in servers.items()}

    table: dict[str, dict] = {}
    for kind in kinds:
        rows = []
        for c in clients:
            merged = _load.merge_rounds(steps[kind][c])
            cpus = [r["cpu_servidor_s"] for r in steps[kind][c]]
            merged["cpu_ms_por_peticion"] = (
                round(1000 * sum(cpus) / merged["peticiones"], 4)
                if None not in cpus and merged["peticiones"] else None
            )
            rows.append(merged)
        table[kind] = {"nombre": NAMES[kind], "rutas": paths_for(kind), "pasos": rows, "errores_servidor": errors[kind]}

    return {
        "que": "peticiones/s, p50/p99 y errores con N clientes keep-alive sobre las peticiones de los cuadernos",
        "fecha": time.strftime("%Y-%m-%d %H:%M:%S"),
        "generador": generator,
        "clientes": list(clients),
        "segundos_por_paso": seconds,
        "rondas": rounds,
        "servidores": table,
        "objetivos": targets(table),
        "notas": [
            "Cada servidor corre en su propio proceso; la carga, en otro (wrk o procesos de Python).",
            "ThreadingHTTPServer responde los mismos bytes que HttpServer, ya preparados, con TCP_NODELAY.",
            "httpbin en werkzeug cierra la conexión tras cada respuesta (su servidor de desarrollo no "
            "mantiene keep-alive): cada petición le cuesta una conexión nueva. Su registro por petición se silencia.",
        ],
    }


def _step(table: dict, kind: str, clients: int) -> dict | None:
    return next((s for s in table.get(kind, {}).get("pasos", []) if s["clientes"] == clients), None)


def targets(table: dict) -> dict:
    """The issue's targets, evaluated on this run (None where a server or a step is missing)."""
    mine = _step(table, "labsupport", TARGET_CLIENTS)
    werk = _step(table, "httpbin", TARGET_CLIENTS)
    return {
        "p99_200_clientes_ms": mine["p99_ms"] if mine else None,
        "p99_200_clientes_cumple": mine["p99_ms"] <= TARGET_P99_MS if mine else None,
        "errores_200_clientes": mine["errores"] if mine else None,
        "sin_errores_cumple": mine["errores"] == 0 if mine else None,
        "razon_peticiones_s_frente_a_httpbin": (
            round(mine["peticiones_por_segundo"] / werk["peticiones_por_segundo"], 2) if mine and werk else None
        ),
        "mas_peticiones_s_que_httpbin_cumple": (
            mine["peticiones_por_segundo"] > werk["peticiones_por_segundo"] if mine and werk else None
        ),
    }


def print_table(r: dict) -> None:
    print(
        f"Servidor del aula: mezcla de {len(MIX)} peticiones de los cuadernos, {r['rondas']} × "
        f"{r['segundos_por_paso']:g} s por paso, generador {r['generador']}"
    )
    print(f"  {'servidor':<44}{'clientes':>9}{'pet./s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errores':>9}{'CPU ms/pet.':>12}")
    for c in r["clientes"]:
        for kind, t in r["servidores"].items():
            s = _step(r["servidores"], kind, c)
            cpu = "—" if s["cpu_ms_por_peticion"] is None else f"{s['cpu_ms_por_peticion']:.3f}"
            print(
                f"  {t['nombre']:<44}{c:>9}{s['peticiones_por_segundo']:>9.0f}{s['p50_ms']:>9.1f}"
                f"{s['p99_ms']:>9.1f}{s['errores']:>9}{cpu:>12}"
            )
    o = r["objetivos"]
    if o["p99_200_clientes_ms"] is not None:
        print(
            f"  objetivo 200 clientes: p99 {o['p99_200_clientes_ms']:.1f} ms (≤ {TARGET_P99_MS:g}: "
            f"{'sí' if o['p99_200_clientes_cumple'] else 'no'}), errores {o['errores_200_clientes']} "
            f"({'sí' if o['sin_errores_cumple'] else 'no'})"
        )
    if o["razon_peticiones_s_frente_a_httpbin"] is not None:
        print(
            f"  HttpServer / httpbin en werkzeug (200 clientes): ×{o['razon_peticiones_s_frente_a_httpbin']:.2f} "
            f"peticiones/s ({'sí' if o['mas_peticiones_s_que_httpbin_cumple'] else 'no'} supera)"
        )
    for t in r["servidores"].values():
        if t["errores_servidor"]:
            print(f"  ¡{t['nombre']} guardó errores!: {t['errores_servidor'][:3]}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Carga de un aula sobre HttpServer, ThreadingHTTPServer y httpbin.")
    parser.add_argument("--clientes", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--segundos", type=float, default=5.0, help="duración de cada paso (5)")
    parser.add_argument("--rondas", type=int, default=2, help="rondas alternas por servidor (2)")
    parser.add_argument("--generador", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--salida", type=Path, default=RESULTS / "aula.json")
    args = parser.parse_args(argv)
    if not 0.5 <= args.segundos <= 10 or not 1 <= args.rondas <= 3 or not all(1 <= c <= 2000 for c in args.clientes):
        parser.error("usa 0.5-10 segundos, 1-3 rondas y de 1 a 2000 clientes (la medida debe quedar acotada)")
    result = run(tuple(args.clientes), args.segundos, args.rondas, args.generador)
    result["cpus"] = os.cpu_count()
    print_table(result)
    write_json(args.salida, result)
    return result


if __name__ == "__main__":
    main()
