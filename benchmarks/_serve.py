"""A server under test in its own process, so that no load generator shares its GIL.

Parent side: :class:`ServerProcess` starts ``python -m benchmarks._serve KIND ...``, reads
the address the child bound (127.0.0.1, port 0), reads the child's CPU time from /proc
between load steps, and stops it by closing its standard input; the child then answers with
the errors its server kept (``HttpServer.check()``), so a crash under load is reported, not lost.

Kinds: ``labsupport`` (``lab.HttpServer``), ``stdlib`` (``ThreadingHTTPServer`` answering the
same bytes HttpServer sends for each path of the mix, ready-made) and ``httpbin`` (httpbin's
Flask app on werkzeug's threaded development server, what pytest-httpbin runs; its
per-request log line is silenced, as HttpServer's own log never prints).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("labsupport", "stdlib", "httpbin")
NAMES = {
    "labsupport": "lab.HttpServer",
    "stdlib": "ThreadingHTTPServer (biblioteca estándar)",
    "httpbin": "httpbin en werkzeug",
}


@functools.lru_cache(maxsize=1)
def httpbin_available() -> bool:
    """httpbin and werkzeug import in this environment (they are optional for the course)."""
    code = "import httpbin, werkzeug.serving"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT).returncode == 0


class ServerProcess:
    """One server of ``kind`` in a child process; ``with`` stops it."""

    def __init__(self, kind: str, paths: list[str] | None = None, *, timeout: float | None = None,
                 max_connections: int | None = None, nofile: int = 4096) -> None:
        cmd = [sys.executable, "-m", "benchmarks._serve", kind, "--descriptores", str(nofile)]
        if timeout is not None:
            cmd += ["--timeout", str(timeout)]
        if max_connections is not None:
            cmd += ["--max-conexiones", str(max_connections)]
        cmd += ["--rutas", *(paths or [])]
        self.kind = kind
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait(10)
            raise RuntimeError(f"el servidor {kind} no arrancó:\n{self._stderr_text()}")
        info = json.loads(line)
        self.address: tuple[str, int] = (info["host"], info["port"])
        self.pid = self._proc.pid
        self.errors: list[str] = []

    def _stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:]

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the child so far (Linux's /proc; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def threads(self) -> int | None:
        """How many threads the child runs now (Linux's /proc; None elsewhere)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        return int(next(x for x in status.splitlines() if x.startswith("Threads:")).split()[1])

    def stop(self) -> list[str]:
        """Close stdin (the child's signal to stop); return the errors its server kept."""
        if self._proc.poll() is None:
            try:
                out, _ = self._proc.communicate(input="", timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                out, _ = self._proc.communicate()
            lines = [x for x in out.splitlines() if x.strip()]
            if lines:
                self.errors = json.loads(lines[-1]).get("errores", [])
        self._stderr.close()
        return self.errors

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- child side ----------------------------------------------------------------------------------
def _start_labsupport(args: argparse.Namespace):
    import labsupport as lab

    kwargs = {}
    if args.timeout is not None:
        kwargs["timeout"] = args.timeout
    if args.max_conexiones is not None:
        kwargs["max_connections"] = args.max_conexiones
    srv = lab.HttpServer(**kwargs)

    def stop() -> list[str]:
        errors = [f"{type(e).__name__}: {e}" for e in srv.errors()]
        srv.stop()
        return errors

    return srv.address, stop


def _in_thread(srv):
    """Serve a socketserver-style server (stdlib, werkzeug) from a thread; return (address, stop)."""
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()

    def stop() -> list[str]:
        srv.shutdown()
        srv.server_close()
        return []

    return srv.server_address[:2], stop


def _start_stdlib(args: argparse.Namespace):
    import labsupport as lab
    from benchmarks._load import fetch, stdlib_server

    responses = {}
    with lab.HttpServer() as model:  # the bytes HttpServer sends for each path
        for path in args.rutas:
            status, headers, body = fetch(model.address, path)
            responses[path] = (status, headers.get("content-type", "text/plain"), body)
    srv = stdlib_server(responses)
    return _in_thread(srv)


def _start_httpbin(args: argparse.Namespace):
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one stderr line per request otherwise
    import httpbin
    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", 0, httpbin.app, threaded=True)
    return _in_thread(srv)


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Servidor bajo prueba (proceso hijo de las mediciones).")
    parser.add_argument("tipo", choices=KINDS)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--max-conexiones", type=int)
    parser.add_argument("--descriptores", type=int, default=4096)
    parser.add_argument("--rutas", nargs="*", default=[])
    args = parser.parse_args(argv)
    from benchmarks._load import raise_nofile

    raise_nofile(args.descriptores)
    start = {"labsupport": _start_labsupport, "stdlib": _start_stdlib, "httpbin": _start_httpbin}[args.tipo]
    address, stop = start(args)
    print(json.dumps({"host": address[0], "port": address[1]}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    print(json.dumps({"errores": stop()}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
