"""Requests per second and latency of ``lab.HttpServer``, next to the standard library's server.

A classroom points dozens of keep-alive clients at one HttpServer; its cost per request
must stay close to the standard library's own ``ThreadingHTTPServer``. Both run in this
process, in the same run, and serve a body of the same size: HttpServer builds its
``/get`` JSON for every request (parsing, headers dictionary, ``json.dumps``), the baseline
sends those same bytes ready-made. The load comes from a separate process (so the clients
do not compete with the servers for this process's GIL): ``--clientes`` threads, each with
one keep-alive connection on raw sockets, sending requests back to back for ``--segundos``
seconds. Rounds alternate baseline / HttpServer so both see the same machine load.

    .venv/bin/python benchmarks/http_throughput.py [--clientes 50] [--segundos 3] [--rondas 2]

Prints a Spanish table and writes ``benchmarks/resultados/http_throughput.json``.
Loopback only; bounded (about 20 s with the defaults, never more than a minute).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "resultados" / "http_throughput.json"
PATH = "/get?curso=sockets"
CONNECT_TIMEOUT = 10.0
IO_TIMEOUT = 10.0


# -- the load generator (runs in a child process) ---------------------------------------------
def _request(host: str, port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n".encode()


def _read_response(sock: socket.socket, buf: bytearray) -> int:
    """Read one Content-Length response from ``sock``; return its status. Leftovers stay in buf."""
    while (end := buf.find(b"\r\n\r\n")) < 0:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("el servidor cerró la conexión")
        buf += data
    head = bytes(buf[:end]).lower()
    status = int(head[9:12])
    pos = head.find(b"\r\ncontent-length:")
    line_end = head.find(b"\r\n", pos + 2)
    length = int(head[pos + 17 : line_end if line_end >= 0 else len(head)]) if pos >= 0 else 0
    total = end + 4 + length
    while len(buf) < total:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("respuesta incompleta")
        buf += data
    del buf[:total]
    return status


def load(host: str, port: int, path: str, clients: int, seconds: float) -> dict:
    """``clients`` keep-alive connections sending requests back to back for ``seconds``."""
    request = _request(host, port, path)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    ready = threading.Barrier(clients + 1, timeout=CONNECT_TIMEOUT * 2)
    window: list[float] = []

    def worker(i: int) -> None:
        try:
            sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        except OSError:
            errors[i] += 1
            ready.wait()
            return
        sock.settimeout(IO_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = bytearray()
        mine = latencies[i]
        ready.wait()
        end = window[0] + seconds
        try:
            while (start := time.perf_counter()) < end:
                sock.sendall(request)
                status = _read_response(sock, buf)
                mine.append(time.perf_counter() - start)
                if status != 200:
                    errors[i] += 1
        except (OSError, ValueError):  # a network error or a response that does not parse
            errors[i] += 1
        finally:
            sock.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    window.append(time.perf_counter())  # set before the barrier releases the workers
    ready.wait()
    window[0] = time.perf_counter()
    for t in threads:
        t.join(seconds + IO_TIMEOUT + 5)
    elapsed = time.perf_counter() - window[0]
    every = sorted(x for lat in latencies for x in lat)
    n = len(every)

    def pct(q: float) -> float:
        return every[min(n - 1, round(q / 100 * (n - 1)))] * 1000 if n else float("nan")

    return {
        "peticiones": n,
        "segundos": round(elapsed, 3),
        "peticiones_por_segundo": round(n / elapsed, 1),
        "p50_ms": round(pct(50), 3),
        "p90_ms": round(pct(90), 3),
        "p99_ms": round(pct(99), 3),
        "max_ms": round(every[-1] * 1000, 3) if n else None,
        "errores": sum(errors),
    }


# -- the baseline: the standard library serving the same bytes ----------------------------------
def baseline_server(body: bytes, nodelay: bool) -> http.server.ThreadingHTTPServer:
    """ThreadingHTTPServer answering every GET with ``body``.

    As shipped, BaseHTTPRequestHandler writes the headers and the body in two ``send``
    calls with Nagle's algorithm on: the body waits for the client's delayed ACK (about
    40 ms on Linux) on every keep-alive response. ``nodelay=True`` sets TCP_NODELAY (the
    class's own ``disable_nagle_algorithm`` switch), the fair baseline for the ratios.
    """

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = nodelay

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # silent, like HttpServer
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 1024  # the same accept queue as HttpServer: no SYN lost at start

    return Server(("127.0.0.1", 0), Handler)


def run_load(address: tuple[str, int], clients: int, seconds: float) -> dict:
    cmd = [sys.executable, __file__, "--carga", address[0], str(address[1]), str(clients), str(seconds)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    return json.loads(out.stdout)


def _merge(rounds: list[dict]) -> dict:
    """Rounds of one server: total requests over total time; median of the percentiles."""
    total = sum(r["peticiones"] for r in rounds)
    secs = sum(r["segundos"] for r in rounds)
    return {
        "peticiones": total,
        "peticiones_por_segundo": round(total / secs, 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 3),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in rounds), 3),
        "max_ms": max(r["max_ms"] or 0 for r in rounds),
        "errores": sum(r["errores"] for r in rounds),
        "rondas": rounds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Peticiones por segundo y latencia de HttpServer frente a la referencia."
    )
    parser.add_argument("--clientes", type=int, default=50, help="clientes keep-alive a la vez (50)")
    parser.add_argument("--segundos", type=float, default=3.0, help="duración de cada ronda (3)")
    parser.add_argument("--rondas", type=int, default=2, help="rondas alternas por servidor (2)")
    parser.add_argument("--carga", nargs=4, metavar=("HOST", "PUERTO", "CLIENTES", "SEGUNDOS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.carga:
        host, port, clients, seconds = args.carga
        print(json.dumps(load(host, int(port), PATH, int(clients), float(seconds))))
        return 0
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

    ref, mine, asis = _merge(runs["referencia"]), _merge(runs["labsupport"]), _merge(runs["stdlib_tal_cual"])
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
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

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
    with socket.create_connection(address, timeout=IO_TIMEOUT) as s:
        s.sendall(_request(address[0], address[1], PATH))
        f = s.makefile("rb")
        head = b""
        while (line := f.readline()) not in (b"\r\n", b""):
            head += line
        length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
        body = f.read(length)
        f.close()
    return body


if __name__ == "__main__":
    raise SystemExit(main())
