"""Requests per second and latency of ``lab.HttpServer``, next to the standard library's server.

A classroom points dozens of keep-alive clients at one HttpServer; its cost per request
must stay close to the standard library's own ``ThreadingHTTPServer``. Both run in this
process, in the same run, and serve a body of the same size: HttpServer builds its
``/get`` JSON for every request (parsing, headers dictionary, ``json.dumps``), the baseline
sends those same bytes ready-made. The load comes from a separate process (so the clients
do not compete with the servers for this process's GIL): ``--clientes`` threads, each with
one keep-alive connection on raw sockets, sending requests back to back for ``--segundos``
seconds (the client pool of ``benchmarks/_load.py``, shared with ``python -m benchmarks``).
Rounds alternate baseline / HttpServer so both see the same machine load.

    .venv/bin/python benchmarks/http_throughput.py [--clientes 50] [--segundos 3] [--rondas 2]

Prints a Spanish table and writes ``benchmarks/resultados/http_throughput.json``.
Loopback only; bounded (about 20 s with the defaults, never more than a minute).
"""

from __future__ import annotations

import argparse
import http.server
import os
import platform
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import _load  # noqa: E402  (the client pool and the baseline server, shared)
from benchmarks._results import write_json  # noqa: E402

RESULTS = ROOT / "benchmarks" / "resultados" / "http_throughput.json"
PATH = "/get?curso=sockets"


def baseline_server(body: bytes, nodelay: bool) -> http.server.ThreadingHTTPServer:
    """ThreadingHTTPServer answering GET PATH with ``body`` (see ``_load.stdlib_server``)."""
    return _load.stdlib_server({PATH: (200, "application/json", body)}, nodelay)


def run_load(address: tuple[str, int], clients: int, seconds: float) -> dict:
    """The shared Python client pool, in one child process, on PATH only."""
    return _load.run_pool(address, [PATH], clients, seconds, processes=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Peticiones por segundo y latencia de HttpServer frente a la referencia."
    )
    parser.add_argument("--clientes", type=int, default=50, help="clientes keep-alive a la vez (50)")
    parser.add_argument("--segundos", type=float, default=3.0, help="duración de cada ronda (3)")
    parser.add_argument("--rondas", type=int, default=2, help="rondas alternas por servidor (2)")
    args = parser.parse_args(argv)
    if args.clientes < 1 or not 0.5 <= args.segundos <= 10 or not 1 <= args.rondas <= 3:
        parser.error("usa 1+ clientes, 0.5-10 segundos y 1-3 rondas (el total debe quedar por debajo de un minuto)")

    import labsupport as lab

    with lab.HttpServer() as srv:
        body = _get_body(srv.address)  # what HttpServer sends; the baseline sends it ready-made
        bases = {"referencia": baseline_server(body, True), "stdlib_tal_cual": baseline_server(body, False)}
        for base in bases.values():
            threading.Thread(target=base.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        targets = {name: base.server_address[:2] for name, base in bases.items()}
        targets["labsupport"] = srv.address
        try:
            for address in targets.values():
                if _get_body(address) != body:
                    raise SystemExit("los cuerpos no son iguales: la comparación no sería justa")
            runs: dict[str, list[dict]] = {name: [] for name in targets}
            for _ in range(args.rondas):  # alternate, so every server sees the same machine load
                for name, address in targets.items():
                    runs[name].append(run_load(address, args.clientes, args.segundos))
        finally:
            for base in bases.values():
                base.shutdown()
                base.server_close()
        srv.check()

    merge = _load.merge_rounds
    ref, mine, asis = merge(runs["referencia"]), merge(runs["labsupport"]), merge(runs["stdlib_tal_cual"])
    ratios = {
        "peticiones_por_segundo": round(mine["peticiones_por_segundo"] / ref["peticiones_por_segundo"], 3),
        "p50": round(mine["p50_ms"] / ref["p50_ms"], 3),
        "p99": round(mine["p99_ms"] / ref["p99_ms"], 3),
    }
    report = {
        "que": "HttpServer /get (JSON construido en cada petición) frente a ThreadingHTTPServer con el mismo cuerpo",
        "nota": "referencia = ThreadingHTTPServer con TCP_NODELAY (disable_nagle_algorithm); stdlib_tal_cual: sin él",
        "fecha": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "sistema": platform.platform(),
        "cpus": os.cpu_count(),
        "clientes": args.clientes,
        "segundos_por_ronda": args.segundos,
        "rondas": args.rondas,
        "bytes_cuerpo": len(body),
        "referencia": ref,
        "labsupport": mine,
        "stdlib_tal_cual": asis,
        "relacion_labsupport_sobre_referencia": ratios,
    }
    write_json(RESULTS, report)

    print(
        f"{args.clientes} clientes keep-alive, {args.rondas} × {args.segundos:g} s por servidor, "
        f"cuerpo de {len(body)} bytes"
    )
    print(f"{'servidor':<38}{'pet./s':>10}{'p50 (ms)':>11}{'p99 (ms)':>11}{'errores':>9}")
    rows = (
        ("ThreadingHTTPServer (referencia)", ref),
        ("lab.HttpServer /get", mine),
        ("ThreadingHTTPServer sin TCP_NODELAY", asis),
    )
    for name, r in rows:
        print(
            f"{name:<38}{r['peticiones_por_segundo']:>10.0f}{r['p50_ms']:>11.2f}{r['p99_ms']:>11.2f}{r['errores']:>9}"
        )
    print(
        f"relación HttpServer / referencia: peticiones/s ×{ratios['peticiones_por_segundo']:.2f}, "
        f"p50 ×{ratios['p50']:.2f}, p99 ×{ratios['p99']:.2f}"
    )
    print("(referencia: ThreadingHTTPServer con TCP_NODELAY; sin él, cada cuerpo espera el ACK retardado)")
    print(f"resultados en {RESULTS.relative_to(ROOT)}")
    return 0


def _get_body(address: tuple[str, int]) -> bytes:
    return _load.fetch(address, PATH)[2]


if __name__ == "__main__":
    raise SystemExit(main())
