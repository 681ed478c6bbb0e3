"""How cheap the course's building blocks are: ``import labsupport`` and a server's start+stop.

Notebooks import labsupport in their first cell and start many servers, so both must cost
milliseconds. Each figure is measured next to a baseline taken in the same run (bare
Python; a bare socket bind/listen/close plus one thread), and reported as a difference or
a ratio, never checked against an absolute threshold in the tests.

    python benchmarks/startup.py [--ciclos 1000] [--importaciones 15]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import labsupport as lab  # noqa: E402
from benchmarks._results import write_json  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def import_times(runs: int) -> dict[str, float]:
    """Fresh interpreters with and without ``import labsupport``, interleaved, plus the import alone.

    Interleaving makes both series see the same load; the in-process figure (time around the
    import statement itself) removes the interpreter's own start-up noise.
    """
    inside = "import time; t = time.perf_counter(); import labsupport; print(time.perf_counter() - t)"
    bare, with_lab, alone = [], [], []
    for _ in range(runs):
        for code, into in (("pass", bare), ("import labsupport", with_lab)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            into.append(time.perf_counter() - start)
        out = subprocess.run([sys.executable, "-c", inside], check=True, cwd=ROOT, capture_output=True, text=True)
        alone.append(float(out.stdout))
    python_ms, lab_ms = statistics.median(bare) * 1000, statistics.median(with_lab) * 1000
    return {
        "python_ms": python_ms,
        "python_import_labsupport_ms": lab_ms,
        "diferencia_ms": lab_ms - python_ms,
        "solo_import_ms": statistics.median(alone) * 1000,
    }


def _bare_cycle() -> None:
    """The least a background server must do: bind, listen, a thread that ends, close."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    sock.close()


def _fds() -> int | None:
    return len(os.listdir("/proc/self/fd")) if sys.platform.startswith("linux") else None


def lifecycle(cycles: int) -> dict[str, float | int | None]:
    """Start+stop of EchoServer vs the bare cycle, interleaved so both see the same machine."""
    threads_before, fds_before = threading.active_count(), _fds()
    server_ms, bare_ms = [], []
    for _ in range(cycles):
        start = time.perf_counter()
        lab.EchoServer().stop()
        server_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        _bare_cycle()
        bare_ms.append((time.perf_counter() - start) * 1000)
    return {
        "ciclos": cycles,
        "servidor_mediana_ms": statistics.median(server_ms),
        "servidor_p99_ms": _percentile(server_ms, 99),
        "base_mediana_ms": statistics.median(bare_ms),
        "base_p99_ms": _percentile(bare_ms, 99),
        "razon_mediana": statistics.median(server_ms) / statistics.median(bare_ms),
        "hilos_antes": threads_before,
        "hilos_despues": threading.active_count(),
        "descriptores_antes": fds_before,
        "descriptores_despues": _fds(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Coste de importar labsupport y de arrancar y parar un servidor.")
    parser.add_argument("--ciclos", type=int, default=1000, help="ciclos de arranque y parada (1000)")
    parser.add_argument("--importaciones", type=int, default=15, help="intérpretes lanzados por medida (15)")
    parser.add_argument("--salida", type=Path, default=ROOT / "benchmarks" / "resultados" / "arranque.json")
    args = parser.parse_args(argv)

    imports = import_times(args.importaciones)
    cycles = lifecycle(args.ciclos)
    print("Importar labsupport (mediana de intérpretes nuevos)")
    print(f"  python solo                 {imports['python_ms']:8.1f} ms")
    print(f"  python + import labsupport  {imports['python_import_labsupport_ms']:8.1f} ms")
    print(f"  diferencia                  {imports['diferencia_ms']:8.1f} ms   (objetivo: ≤ 30 ms)")
    print(f"  solo la sentencia import    {imports['solo_import_ms']:8.1f} ms")
    print(f"Arrancar y parar un EchoServer ({cycles['ciclos']} ciclos)")
    print(f"  servidor  mediana {cycles['servidor_mediana_ms']:.3f} ms   p99 {cycles['servidor_p99_ms']:.3f} ms")
    print(f"  base      mediana {cycles['base_mediana_ms']:.3f} ms   p99 {cycles['base_p99_ms']:.3f} ms")
    print(f"  razón servidor/base (mediana) {cycles['razon_mediana']:.2f}   (objetivo: mediana ≤ 5 ms)")
    print(
        f"  hilos {cycles['hilos_antes']} → {cycles['hilos_despues']}, "
        f"descriptores {cycles['descriptores_antes']} → {cycles['descriptores_despues']}"
    )
    result = {"importar": imports, "ciclo_de_vida": cycles, "python": sys.version.split()[0]}
    write_json(args.salida, result)
    shown = args.salida.relative_to(ROOT) if args.salida.resolve().is_relative_to(ROOT) else args.salida
    print(f"Resultados en {shown}")
    return result


if __name__ == "__main__":
    main()
