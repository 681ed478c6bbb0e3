"""A new client's request while a thousand idle connections are held open on the server.

A classroom leaves connections open and silent (browsers, forgotten notebooks, a slowloris
exercise). With one thread per connection (ThreadingHTTPServer, werkzeug) each of them costs
a thread blocked in ``recv``; HttpServer's selector holds them without one. What matters is
that the next student still gets an answer at once. For each server (each in
its own process): the time of a new client's GET (connect, request, whole response, close),
first with no other connection, then with ``--inactivas`` connections open and silent, and
how many of those were still open at the end. Same run, same machine: the ratio is the figure.

HttpServer runs with ``max_connections`` above the idle count (its default cap is 1 000: with
1 000 idle connections the next one would get its designed 503) and a 60 s idle timeout (its
default, 5 s, would close the idle connections during the measurement, which is its defence).

    .venv/bin/python -m benchmarks.idle_connections [--inactivas 1000] [--muestras 50]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import time
from pathlib import Path

from benchmarks import _load
from benchmarks._results import write_json
from benchmarks._serve import KINDS, NAMES, ServerProcess, httpbin_available

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "resultados"
PATH = "/get"


def hold(address: tuple[str, int], count: int) -> list[socket.socket]:
    """Open ``count`` connections and send nothing on them."""
    socks = []
    try:
        for _ in range(count):
            socks.append(socket.create_connection(address, timeout=_load.CONNECT_TIMEOUT))
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks


def still_open(socks: list[socket.socket]) -> int:
    """How many of ``socks`` the server has not closed (nothing to read and no EOF)."""
    alive = 0
    for s in socks:
        s.setblocking(False)
        try:
            alive += s.recv(1, socket.MSG_PEEK) != b""  # data would be an error page: still open
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive


def samples(address: tuple[str, int], count: int) -> list[float]:
    return [_load.timed_get(address, PATH) * 1000 for _ in range(count)]


def _stats(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {
        "mediana_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(_load.percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3),
    }


def _wait_for_descriptors(srv: ServerProcess, idle: int, limit: float = 15.0) -> float | None:
    """Wait (bounded) until the server holds a descriptor for each idle connection; seconds waited.

    The measurement is about a server holding them, not one still accepting them. A
    descriptor per connection is what every server pays (a thread per connection is what
    ThreadingHTTPServer and werkzeug pay besides; HttpServer's selector does not).
    """
    import psutil

    start = time.perf_counter()
    proc = psutil.Process(srv.pid)
    while time.perf_counter() - start < limit:
        try:
            if proc.num_fds() >= idle:
                return round(time.perf_counter() - start, 3)
        except (psutil.Error, AttributeError):  # AttributeError: no num_fds() on Windows
            time.sleep(0.5)
            return None
        time.sleep(0.05)
    return None


def measure(kind: str, idle: int, count: int) -> dict:
    options = {"timeout": 60.0, "max_connections": idle + 64} if kind == "labsupport" else {}
    with ServerProcess(kind, [PATH], nofile=idle + 1024, **options) as srv:
        samples(srv.address, 3)  # warm up
        before = samples(srv.address, count)
        start = time.perf_counter()
        socks = hold(srv.address, idle)
        opening = time.perf_counter() - start
        try:
            settled = _wait_for_descriptors(srv, idle)
            threads = srv.threads()
            during = samples(srv.address, count)
            alive = still_open(socks)
        finally:
            for s in socks:
                s.close()
        errors = srv.stop()
    base, loaded = _stats(before), _stats(during)
    return {
        "nombre": NAMES[kind],
        "sin_inactivas": base,
        "con_inactivas": loaded,
        "segundos_para_abrir": round(opening, 3),
        "segundos_hasta_un_descriptor_por_conexion": settled,
        "hilos_con_inactivas": threads,
        "inactivas_abiertas_al_final": alive,
        "razon_mediana": round(loaded["mediana_ms"] / base["mediana_ms"], 2),
        "errores_servidor": errors,
    }


def run(idle: int = 1000, count: int = 50, kinds: tuple[str, ...] | None = None) -> dict:
    if kinds is None:
        kinds = tuple(k for k in KINDS if k != "httpbin" or httpbin_available())
    limit = _load.raise_nofile(idle + 256)
    return {
        "que": f"GET {PATH} de un cliente nuevo con 0 y con {idle} conexiones abiertas sin actividad",
        "fecha": time.strftime("%Y-%m-%d %H:%M:%S"),
        "inactivas": idle,
        "muestras": count,
        "limite_descriptores": limit,
        "servidores": {kind: measure(kind, idle, count) for kind in kinds},
    }


def print_table(r: dict) -> None:
    n, k = r["inactivas"], r["muestras"]
    print(f"Un cliente nuevo con {n} conexiones inactivas abiertas ({k} peticiones GET {PATH} en cada caso)")
    print(
        f"  {'servidor':<44}{'sin (ms)':>10}{'con (ms)':>10}{'razón':>8}{'p99 con':>9}"
        f"{'abrir (s)':>11}{'abiertas':>10}{'hilos':>7}"
    )
    for t in r["servidores"].values():
        a, b = t["sin_inactivas"], t["con_inactivas"]
        print(
            f"  {t['nombre']:<44}{a['mediana_ms']:>10.2f}{b['mediana_ms']:>10.2f}{t['razon_mediana']:>8.2f}"
            f"{b['p99_ms']:>9.2f}{t['segundos_para_abrir']:>11.2f}{t['inactivas_abiertas_al_final']:>10}"
            f"{t['hilos_con_inactivas'] if t['hilos_con_inactivas'] is not None else '—':>7}"
        )
    print("  (medianas; «abiertas»: conexiones inactivas que el servidor aún no había cerrado al final;")
    print("   «hilos»: los del proceso del servidor con las inactivas abiertas)")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Petición nueva con mil conexiones inactivas abiertas.")
    parser.add_argument("--inactivas", type=int, default=1000, help="conexiones abiertas sin actividad (1000)")
    parser.add_argument("--muestras", type=int, default=50, help="peticiones cronometradas en cada caso (50)")
    parser.add_argument("--salida", type=Path, default=RESULTS / "inactivas.json")
    args = parser.parse_args(argv)
    if not 0 <= args.inactivas <= 5000 or not 1 <= args.muestras <= 500:
        parser.error("usa de 0 a 5000 conexiones inactivas y de 1 a 500 muestras")
    result = run(args.inactivas, args.muestras)
    print_table(result)
    write_json(args.salida, result)
    return result


if __name__ == "__main__":
    main()
