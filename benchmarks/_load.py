"""Load generators and the standard library's baseline server, shared by the HTTP benchmarks.

Two ways to put many keep-alive clients on one server, both measuring requests/s, latency
percentiles and errors with the same definitions:

- :func:`run_wrk`: Debian's ``wrk`` (C, epoll), one thread, with a Lua script that cycles
  through a list of paths and counts the statuses it gets back. It costs the server's
  machine far less CPU than Python clients do, so on 2 cores it is the fairer load.
- :func:`run_pool`: a bounded Python client pool (the fallback where ``wrk`` is not
  installed): ``processes`` child processes, each with its share of the clients as threads,
  one keep-alive connection per thread on raw sockets. The clients never share a GIL with
  the server under test.

Both stop by themselves after ``seconds``; every socket has a timeout. An *error* is a
connection that failed (connect, read, write, timeout) or a status other than the one
expected for that path. Loopback only: the callers pass a server's own address.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONNECT_TIMEOUT = 10.0
IO_TIMEOUT = 10.0


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (nan when empty)."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def expected_status(path: str) -> int:
    """The status a path of the mix must get: ``/status/N`` gets N, the rest 200."""
    if path.startswith("/status/"):
        return int(path.split("/")[2].split("?")[0])
    return 200


def raise_nofile(wanted: int) -> int:
    """Raise this process's soft descriptor limit to ``wanted`` (never past the hard limit).

    Holding a thousand connections needs more than the 1 024 descriptors many systems
    give by default. Returns the soft limit in force afterwards (``wanted`` where the
    ``resource`` module does not exist).
    """
    try:
        import resource
    except ImportError:  # Windows
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


# -- HTTP on raw sockets -------------------------------------------------------------------------
def request_bytes(host: str, port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n".encode()


def read_response(sock: socket.socket, buf: bytearray) -> tuple[int, int, bool]:
    """Read one Content-Length response from ``sock``: (status, bytes, server closes after it).

    The server closes after ``Connection: close``, and after an HTTP/1.0 response unless it
    says ``Connection: keep-alive``.

    Leftovers stay in ``buf`` for the next response.
    """
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
    closes = b"\r\nconnection: close" in head or (
        head.startswith(b"http/1.0") and b"\r\nconnection: keep-alive" not in head
    )
    return status, total, closes


def fetch(address: tuple[str, int], path: str) -> tuple[int, dict[str, str], bytes]:
    """One GET on a new connection: (status, headers with lower-case names, body)."""
    with socket.create_connection(address, timeout=IO_TIMEOUT) as s:
        s.sendall(request_bytes(address[0], address[1], path))
        f = s.makefile("rb")
        status = int(f.readline().split()[1])
        headers = {}
        while (line := f.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = f.read(int(headers.get("content-length", "0")))
        f.close()
    return status, headers, body


def timed_get(address: tuple[str, int], path: str) -> float:
    """Seconds for a new client: connect, send one GET, read the whole response, close."""
    start = time.perf_counter()
    with socket.create_connection(address, timeout=IO_TIMEOUT) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(request_bytes(address[0], address[1], path))
        status, _, _ = read_response(s, bytearray())
    elapsed = time.perf_counter() - start
    if status != expected_status(path):
        raise ConnectionError(f"{path} respondió {status}")
    return elapsed


# -- the Python client pool ----------------------------------------------------------------------
def load(host: str, port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """``clients`` keep-alive connections in this process sending requests back to back.

    A client whose server answers ``Connection: close`` opens a new connection for its next
    request, and that connect counts in the request's latency (as a browser would see it).
    Client ``i`` walks ``paths`` in a cycle starting at ``i``, so every path is in flight
    at once. Returns the raw latencies (seconds) with the counts; :func:`summarize` turns
    one or several of these into percentiles.
    """
    requests = [request_bytes(host, port, p) for p in paths]
    wanted = [expected_status(p) for p in paths]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    received = [0] * clients
    ready = threading.Barrier(clients + 1, timeout=CONNECT_TIMEOUT * 2)
    window: list[float] = [0.0]

    def connect() -> socket.socket:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        sock.settimeout(IO_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def worker(i: int) -> None:
        try:
            sock: socket.socket | None = connect()
        except OSError:
            errors[i] += 1
            ready.wait()
            return
        buf = bytearray()
        mine = latencies[i]
        k = i % len(paths)
        ready.wait()
        end = window[0] + seconds
        try:
            while (start := time.perf_counter()) < end:
                if sock is None:  # the server closed the last one: a new connection, timed
                    sock = connect()
                sock.sendall(requests[k])
                status, size, closes = read_response(sock, buf)
                mine.append(time.perf_counter() - start)
                received[i] += size
                if status != wanted[k]:
                    errors[i] += 1
                if closes:
                    sock.close()
                    sock, buf = None, bytearray()
                k = (k + 1) % len(paths)
        except (OSError, ValueError):  # a network error or a response that does not parse
            errors[i] += 1
        finally:
            if sock is not None:
                sock.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    window[0] = time.perf_counter()  # set before the barrier releases the workers
    ready.wait()
    window[0] = time.perf_counter()
    for t in threads:
        t.join(seconds + IO_TIMEOUT + 5)
    return {
        "segundos": time.perf_counter() - window[0],
        "latencias": [x for lat in latencies for x in lat],
        "errores": sum(errors),
        "bytes": sum(received),
    }


def summarize(parts: list[dict], clients: int, generator: str) -> dict:
    """Merge the raw results of one step (one or more processes) into the reported figures."""
    every = sorted(x for p in parts for x in p["latencias"])
    n = len(every)
    elapsed = max(p["segundos"] for p in parts)
    return {
        "generador": generator,
        "clientes": clients,
        "peticiones": n,
        "segundos": round(elapsed, 3),
        "peticiones_por_segundo": round(n / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(every, 50) * 1000, 3),
        "p90_ms": round(percentile(every, 90) * 1000, 3),
        "p99_ms": round(percentile(every, 99) * 1000, 3),
        "max_ms": round(every[-1] * 1000, 3) if n else None,
        "errores": sum(p["errores"] for p in parts),
        "bytes_por_respuesta": round(sum(p["bytes"] for p in parts) / n, 1) if n else None,
    }


def run_pool(address: tuple[str, int], paths: list[str], clients: int, seconds: float, processes: int = 2) -> dict:
    """The Python pool in ``processes`` child processes (each with its share of the clients)."""
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    children = []
    for share in shares:
        cmd = [sys.executable, "-m", "benchmarks._load", address[0], str(address[1]), str(share), str(seconds), *paths]
        children.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True))
    parts = []
    for child in children:
        out, _ = child.communicate(timeout=seconds + IO_TIMEOUT + 60)
        if child.returncode:
            raise RuntimeError(f"el generador de carga terminó con código {child.returncode}")
        parts.append(json.loads(out))
    return summarize(parts, clients, f"python ({processes} procesos)")


# -- wrk -------------------------------------------------------------------------------------------
WRK_SCRIPT = """
paths = {%(paths)s}
counter = %(offset)d
statuses = {}
threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%%d": %%d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, ' ..
    '"statuses": {%%s}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")))
end
"""


def wrk_available() -> str | None:
    """The path of Debian's ``wrk`` if it is installed."""
    return shutil.which("wrk")


def run_wrk(address: tuple[str, int], paths: list[str], clients: int, seconds: float) -> dict:
    """``wrk`` with one thread and ``clients`` connections, cycling through ``paths``.

    One thread is enough for a Python server's rate and leaves the other core to the server.
    Errors are wrk's socket errors plus every response whose status is neither 200 nor one
    of the ``/status/N`` of the mix (wrk's Lua hook does not say which request an answer
    belongs to, so the check is per status, not per path).
    """
    allowed = {expected_status(p) for p in paths}
    script = WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "offset": 0}
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "mezcla.lua"
        lua.write_text(script, encoding="utf-8")
        cmd = [
            wrk_available() or "wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
            "-s", str(lua), f"http://{address[0]}:{address[1]}/",
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRK-JSON ")), None)
    if line is None:
        raise RuntimeError("wrk no devolvió resultados:\n" + out)
    r = json.loads(line[len("WRK-JSON ") :])
    statuses = {int(k): v for k, v in r["statuses"].items()}
    bad = sum(n for code, n in statuses.items() if code not in allowed)
    secs = r["duration_us"] / 1e6
    n = r["requests"]
    return {
        "generador": "wrk",
        "clientes": clients,
        "peticiones": n,
        "segundos": round(secs, 3),
        "peticiones_por_segundo": round(n / secs, 1) if secs else 0.0,
        "p50_ms": round(r["p50_us"] / 1000, 3),
        "p90_ms": round(r["p90_us"] / 1000, 3),
        "p99_ms": round(r["p99_us"] / 1000, 3),
        "max_ms": round(r["max_us"] / 1000, 3),
        "errores": bad + r["connect"] + r["read"] + r["write"] + r["timeout"],
        "errores_detalle": {
            "conexion": r["connect"], "lectura": r["read"], "escritura": r["write"],
            "tiempo_agotado": r["timeout"], "estado_inesperado": bad,
        },
        "estados": {str(k): v for k, v in sorted(statuses.items())},
        "bytes_por_respuesta": round(r["bytes"] / n, 1) if n else None,
    }


def run_load(address: tuple[str, int], paths: list[str], clients: int, seconds: float, generator: str = "auto") -> dict:
    """``wrk`` when installed (or asked for), the Python pool otherwise."""
    if generator == "wrk" or (generator == "auto" and wrk_available()):
        return run_wrk(address, paths, clients, seconds)
    return run_pool(address, paths, clients, seconds)


def merge_rounds(rounds: list[dict]) -> dict:
    """Rounds of one server at one load: total requests over total time; median of the percentiles."""
    total = sum(r["peticiones"] for r in rounds)
    secs = sum(r["segundos"] for r in rounds)
    merged = dict(rounds[0])
    merged.update(
        peticiones=total,
        segundos=round(secs, 3),
        peticiones_por_segundo=round(total / secs, 1) if secs else 0.0,
        p50_ms=round(statistics.median(r["p50_ms"] for r in rounds), 3),
        p90_ms=round(statistics.median(r["p90_ms"] for r in rounds), 3),
        p99_ms=round(statistics.median(r["p99_ms"] for r in rounds), 3),
        max_ms=max(r["max_ms"] or 0 for r in rounds),
        errores=sum(r["errores"] for r in rounds),
        rondas=rounds,
    )
    return merged


# -- the standard library's server, answering ready-made bytes -----------------------------------
def stdlib_server(
    responses: dict[str, tuple[int, str, bytes]], nodelay: bool = True
) -> http.server.ThreadingHTTPServer:
    """ThreadingHTTPServer answering each path of ``responses`` with (status, content type, body).

    The floor of what a thread-per-connection Python server costs: no routing, no JSON, the
    bytes ready. As shipped, BaseHTTPRequestHandler writes the headers and the body in two
    ``send`` calls with Nagle's algorithm on: the body waits for the client's delayed ACK
    (about 40 ms on Linux) on every keep-alive response. ``nodelay=True`` sets TCP_NODELAY
    (the class's own ``disable_nagle_algorithm`` switch), the fair baseline.
    """

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = nodelay

        def do_GET(self) -> None:
            status, content_type, body = responses.get(self.path, (404, "text/plain", b"no encontrado"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # silent, like HttpServer
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 1024  # the same accept queue as HttpServer: no SYN lost at start

    return Server(("127.0.0.1", 0), Handler)


def _main(argv: list[str]) -> int:
    """Child process of :func:`run_pool`: HOST PORT CLIENTS SECONDS PATH..., JSON on stdout."""
    host, port, clients, seconds, *paths = argv
    raise_nofile(int(clients) + 64)
    result = load(host, int(port), paths, int(clients), float(seconds))
    result["latencias"] = [round(x, 6) for x in result["latencias"]]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
