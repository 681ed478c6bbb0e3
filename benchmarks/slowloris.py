"""A new client while 1 000 slowloris connections and 1 000 idle keep-alive ones are held.

Issue 13's case, at HttpServer's default settings: 1 000 connections that each sent half a
request head (``GET /get HTTP/1.1\\r\\nHost: x\\r\\n`` and nothing more) and 1 000 keep-alive
connections that got one answer and stay silent. The server runs in its own process
(:class:`benchmarks._serve.ServerProcess`). Measured in the same run:

- a new client's GET (connect, request, whole response, close), first with nothing held
  (the baseline), then with the 2 000 held: medians, p99 and their ratio;
- the server's threads and resident memory (psutil) before, while holding, and after;
- when the server closed each held connection (EOF seen by the client), counted from the
  client's last byte, next to the documented deadline: ``timeout`` of silence closes an
  idle one, and gives a half-sent one its 408 and FIN; plus the selector's ``TICK`` and a
  stated ``MARGIN`` for a loaded machine.

    .venv/bin/python -m benchmarks.slowloris [--lentas 1000] [--inactivas 1000] [--muestras 50]

Loopback only; bounded: every wait has a limit (the closes, ``2 * timeout + 10`` s).
"""

from __future__ import annotations

import argparse
import selectors
import socket
import time
from pathlib import Path

from benchmarks import _load
from benchmarks._results import write_json
from benchmarks._serve import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "resultados"
PATH = "/get"
HALF_SENT = b"GET /get HTTP/1.1\r\nHost: x\r\n"
#: HttpServer's defaults (labsupport.http): idle timeout, and the selector's deadline precision.
DEFAULT_TIMEOUT = 5.0
TICK = 0.05
#: What a loaded machine may add to a deadline (scheduling, the 408's own writing): stated, not hidden.
MARGIN = 0.25


def _rss_threads(pid: int) -> dict:
    import psutil

    p = psutil.Process(pid)
    return {"hilos": p.num_threads(), "rss_mib": round(p.memory_info().rss / 2**20, 1), "descriptores": p.num_fds()}


def hold(address: tuple[str, int], half: int, idle: int) -> tuple[list, list]:
    """Open the slowloris and the idle keep-alive connections; return them with their last send time."""
    slow, quiet = [], []
    try:
        for _ in range(half):
            s = socket.create_connection(address, timeout=_load.CONNECT_TIMEOUT)
            s.sendall(HALF_SENT)
            slow.append((s, time.perf_counter()))
        for _ in range(idle):
            s = socket.create_connection(address, timeout=_load.CONNECT_TIMEOUT)
            s.sendall(_load.request_bytes(address[0], address[1], "/ip"))
            _load.read_response(s, bytearray())
            quiet.append((s, time.perf_counter()))
    except BaseException:
        for s, _ in slow + quiet:
            s.close()
        raise
    return slow, quiet


def wait_for_closes(held: list, limit: float) -> tuple[list[float | None], list[bytes]]:
    """Seconds from each socket's last send to the server's EOF (None: not closed within ``limit``)."""
    sel = selectors.DefaultSelector()
    closed: list[float | None] = [None] * len(held)
    first: list[bytes] = [b""] * len(held)
    for i, (s, _) in enumerate(held):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    end = time.perf_counter() + limit
    try:
        while sel.get_map() and (left := end - time.perf_counter()) > 0:
            for key, _ in sel.select(left):
                i = key.data
                s, sent = held[i]
                try:
                    data = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if data:
                    first[i] += data[:200] if len(first[i]) < 200 else b""
                    continue
                closed[i] = time.perf_counter() - sent
                sel.unregister(s)
    finally:
        sel.close()
    return closed, first


def _stats(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {
        "mediana_ms": round(_load.percentile(ordered, 50), 3),
        "p99_ms": round(_load.percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3),
    }


def run(half: int = 1000, idle: int = 1000, count: int = 50, timeout: float | None = None) -> dict:
    limit = _load.raise_nofile(2 * (half + idle) + 512)
    server_timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    with ServerProcess("labsupport", [PATH], timeout=timeout, nofile=2 * (half + idle) + 512) as srv:
        for _ in range(3):
            _load.timed_get(srv.address, PATH)  # warm up
        base = [_load.timed_get(srv.address, PATH) * 1000 for _ in range(count)]
        before = _rss_threads(srv.pid)
        start = time.perf_counter()
        slow, quiet = hold(srv.address, half, idle)
        opening = time.perf_counter() - start
        try:
            loaded = [_load.timed_get(srv.address, PATH) * 1000 for _ in range(count)]
            holding = _rss_threads(srv.pid)
            closes, first = wait_for_closes(slow + quiet, 2 * server_timeout + 10)
        finally:
            for s, _ in slow + quiet:
                s.close()
        after = _rss_threads(srv.pid)
        errors = srv.stop()
    slow_closes, idle_closes = closes[:half], closes[half:]
    got_408 = sum(f.startswith(b"HTTP/1.1 408 ") for f in first[:half])
    deadline_idle = server_timeout + TICK + MARGIN
    deadline_half = server_timeout + TICK + MARGIN  # a head that keeps silent gets its 408 at timeout
    b, lo = _stats(base), _stats(loaded)

    def worst(xs: list[float | None]) -> float | None:
        done = [x for x in xs if x is not None]
        return round(max(done), 3) if done else None

    return {
        "que": f"GET {PATH} de un cliente nuevo con {half} peticiones a medias y {idle} keep-alive inactivas",
        "fecha": time.strftime("%Y-%m-%d %H:%M:%S"),
        "lentas": half,
        "inactivas": idle,
        "muestras": count,
        "timeout_servidor_s": server_timeout,
        "limite_descriptores": limit,
        "segundos_para_abrir": round(opening, 3),
        "sin_conexiones": b,
        "con_conexiones": lo,
        "razon_mediana": round(lo["mediana_ms"] / b["mediana_ms"], 2),
        "servidor_antes": before,
        "servidor_con_conexiones": holding,
        "servidor_despues": after,
        "cerradas_lentas": sum(x is not None for x in slow_closes),
        "cerradas_inactivas": sum(x is not None for x in idle_closes),
        "lentas_con_408": got_408,
        "ultimo_cierre_lenta_s": worst(slow_closes),
        "ultimo_cierre_inactiva_s": worst(idle_closes),
        "plazo_lenta_s": deadline_half,
        "plazo_inactiva_s": deadline_idle,
        "a_tiempo": all(x is not None and x <= deadline_half for x in slow_closes)
        and all(x is not None and x <= deadline_idle for x in idle_closes),
        "errores_servidor": errors,
    }


def print_table(r: dict) -> None:
    n, m = r["lentas"], r["inactivas"]
    print(f"Un cliente nuevo con {n} peticiones a medias y {m} keep-alive inactivas ({r['muestras']} GET {PATH})")
    a, b = r["sin_conexiones"], r["con_conexiones"]
    print(f"  {'':<28}{'mediana ms':>12}{'p99 ms':>10}")
    print(f"  {'sin conexiones retenidas':<28}{a['mediana_ms']:>12.2f}{a['p99_ms']:>10.2f}")
    print(f"  {'con las retenidas':<28}{b['mediana_ms']:>12.2f}{b['p99_ms']:>10.2f}   razón ×{r['razon_mediana']:.2f}")
    print(f"  {'servidor':<28}{'hilos':>12}{'RSS MiB':>10}{'descriptores':>14}")
    for name, key in (("antes", "servidor_antes"), ("reteniéndolas", "servidor_con_conexiones"),
                      ("después", "servidor_despues")):
        s = r[key]
        print(f"  {name:<28}{s['hilos']:>12}{s['rss_mib']:>10.1f}{s['descriptores']:>14}")
    print(
        f"  cerradas por el servidor: {r['cerradas_lentas']}/{n} a medias ({r['lentas_con_408']} con 408, "
        f"la última a {r['ultimo_cierre_lenta_s']} s; plazo {r['plazo_lenta_s']:g} s), "
        f"{r['cerradas_inactivas']}/{m} inactivas (la última a {r['ultimo_cierre_inactiva_s']} s; "
        f"plazo {r['plazo_inactiva_s']:g} s): {'a tiempo' if r['a_tiempo'] else 'NO a tiempo'}"
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Un cliente nuevo entre mil peticiones a medias y mil inactivas.")
    parser.add_argument("--lentas", type=int, default=1000, help="peticiones a medias (slowloris) (1000)")
    parser.add_argument("--inactivas", type=int, default=1000, help="conexiones keep-alive inactivas (1000)")
    parser.add_argument("--muestras", type=int, default=50, help="peticiones cronometradas en cada caso (50)")
    parser.add_argument("--timeout", type=float, help="timeout del servidor (el suyo por defecto: 5 s)")
    parser.add_argument("--salida", type=Path, default=RESULTS / "slowloris.json")
    args = parser.parse_args(argv)
    if not 0 <= args.lentas <= 5000 or not 0 <= args.inactivas <= 5000 or not 1 <= args.muestras <= 500:
        parser.error("usa de 0 a 5000 conexiones de cada tipo y de 1 a 500 muestras")
    if args.timeout is not None and not 0.1 <= args.timeout <= 10:
        parser.error("usa un timeout de 0.1 a 10 s")
    result = run(args.lentas, args.inactivas, args.muestras, args.timeout)
    print_table(result)
    write_json(args.salida, result)
    return result


if __name__ == "__main__":
    main()
