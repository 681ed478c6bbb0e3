"""``python -m benchmarks`` (``make bench``): every measurement of the course, in order.

1. the course under nbval next to as many empty notebooks (:mod:`benchmarks.course_run`);
2. ``import labsupport`` and a server's start+stop (:mod:`benchmarks.startup`);
3. a classroom's load on HttpServer, ThreadingHTTPServer and httpbin on werkzeug
   (:mod:`benchmarks.classroom_load`), then a new client among 1 000 idle connections
   (:mod:`benchmarks.idle_connections`) and among 1 000 slowloris + 1 000 idle keep-alive
   connections at HttpServer's default settings (:mod:`benchmarks.slowloris`);
4. threads vs selectors vs asyncio with 10, 100 and 1 000 busy clients (:mod:`benchmarks.many_clients`).

Each prints its Spanish table and writes ``benchmarks/resultados/NAME.json`` and ``NAME.png``;
``resumen.json`` gathers the machine (CPUs, CPU model, Python, load average before and after)
and every target with its verdict. Loopback only; about 5 minutes on 2 cores. ``--rapido``
runs everything with tiny parameters (for the smoke test), ``--solo`` a part.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from benchmarks import _plots, classroom_load, course_run, idle_connections, many_clients, slowloris
from benchmarks._results import write_json

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("curso", "arranque", "aula", "inactivas", "slowloris", "muchos")


def machine() -> dict:
    """What the figures were measured on: they mean little without it."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    return {
        "cpus": cpus,
        "modelo_cpu": model,
        "python": platform.python_version(),
        "sistema": platform.platform(),
        "carga_media_1_5_15": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _title(text: str) -> None:
    print()
    print(text)
    print("=" * len(text))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Todas las mediciones del curso.")
    parser.add_argument("--solo", nargs="+", choices=PARTS, help="solo estas partes (todas)")
    parser.add_argument("--rapido", action="store_true", help="parámetros mínimos: comprueba que todo funciona")
    parser.add_argument("--cuadernos", nargs="+", type=Path, help="cuadernos a medir (todos los del curso)")
    parser.add_argument("--generador", choices=("auto", "wrk", "python"), default="auto", help="carga del aula")
    parser.add_argument("--salida", type=Path, default=ROOT / "benchmarks" / "resultados")
    args = parser.parse_args(argv)
    parts = args.solo or PARTS
    out: Path = args.salida
    out.mkdir(parents=True, exist_ok=True)
    quick = args.rapido

    summary: dict = {"fecha": time.strftime("%Y-%m-%d %H:%M:%S"), "maquina": machine(), "rapido": quick}
    m = summary["maquina"]
    print(f"Máquina: {m['cpus']} CPU ({m['modelo_cpu']}), Python {m['python']}, carga media {m['carga_media_1_5_15']}")
    targets: list[dict] = []
    started = time.perf_counter()

    if "curso" in parts:
        _title("1. El curso en nbval")
        extra = ["--cuadernos", *map(str, args.cuadernos)] if args.cuadernos else []
        if quick and not args.cuadernos:
            extra = ["--cuadernos", str(course_run.course_notebooks()[0])]
        r = course_run.main([*extra, "--lentas", "3" if quick else "10", "--salida", str(out / "curso.json")])
        _plots.course(r, out / "curso.png")
        targets.append(_target("curso / cuadernos vacíos (nbval)", f"×{r['razon_total']:.2f}", "≤ ×2",
                               r["razon_total"] <= 2))

    if "arranque" in parts:
        _title("2. Importar labsupport; arrancar y parar un servidor")
        from benchmarks import startup  # imports labsupport: only when this part runs

        sizes = ["--ciclos", "20", "--importaciones", "2"] if quick else []
        r = startup.main([*sizes, "--salida", str(out / "arranque.json")])
        _plots.startup(r, out / "arranque.png")
        i, c = r["importar"], r["ciclo_de_vida"]
        targets.append(_target("import labsupport (más que python solo)", f"{i['diferencia_ms']:.1f} ms", "≤ 30 ms",
                               i["diferencia_ms"] <= 30))
        targets.append(_target("arrancar + parar un servidor (mediana)", f"{c['servidor_mediana_ms']:.2f} ms",
                               "≤ 5 ms", c["servidor_mediana_ms"] <= 5))
        targets.append(_target("arrancar + parar un servidor (p99)", f"{c['servidor_p99_ms']:.2f} ms",
                               "≤ 5 ms", c["servidor_p99_ms"] <= 5))
        fds = (c["descriptores_despues"] or 0) - (c["descriptores_antes"] or 0)
        leaked = (c["hilos_despues"] - c["hilos_antes"], fds)
        targets.append(_target("hilos y descriptores que quedan", f"{leaked[0]} / {leaked[1]}", "0 / 0",
                               leaked == (0, 0)))

    if "aula" in parts:
        _title("3. El servidor del aula bajo carga")
        sizes = ["--clientes", "3", "--segundos", "0.5", "--rondas", "1"] if quick else []
        r = classroom_load.main([*sizes, "--generador", args.generador, "--salida", str(out / "aula.json")])
        _plots.classroom(r, out / "aula.png")
        o = r["objetivos"]
        if o["p99_200_clientes_ms"] is not None:
            targets.append(_target("p99 con 200 clientes", f"{o['p99_200_clientes_ms']:.1f} ms", "≤ 100 ms",
                                   o["p99_200_clientes_cumple"]))
            targets.append(_target("errores con 200 clientes", str(o["errores_200_clientes"]), "0",
                                   o["sin_errores_cumple"]))
        if o["razon_peticiones_s_frente_a_httpbin"] is not None:
            targets.append(_target("peticiones/s frente a httpbin en werkzeug (200 clientes)",
                                   f"×{o['razon_peticiones_s_frente_a_httpbin']:.2f}", "> ×1",
                                   o["mas_peticiones_s_que_httpbin_cumple"]))

    if "inactivas" in parts:
        _title("4. Un cliente nuevo entre conexiones inactivas")
        sizes = ["--inactivas", "20", "--muestras", "5"] if quick else []
        r = idle_connections.main([*sizes, "--salida", str(out / "inactivas.json")])
        _plots.idle(r, out / "inactivas.png")
        mine = r["servidores"]["labsupport"]
        targets.append(_target(f"HttpServer con {r['inactivas']} inactivas (mediana, × sin ellas)",
                               f"×{mine['razon_mediana']:.2f}", "—", None))

    if "slowloris" in parts:
        _title("5. Un cliente nuevo entre 1 000 peticiones a medias y 1 000 keep-alive inactivas")
        sizes = ["--lentas", "20", "--inactivas", "20", "--muestras", "5", "--timeout", "0.5"] if quick else []
        r = slowloris.main([*sizes, "--salida", str(out / "slowloris.json")])
        _plots.slowloris(r, out / "slowloris.png")
        n = r["lentas"] + r["inactivas"]
        worst = r["con_conexiones"]["max_ms"]
        targets.append(_target(f"cliente nuevo con {n} retenidas (la más lenta)", f"{worst:.1f} ms", "< 100 ms",
                               worst < 100))
        held = r["servidor_con_conexiones"]
        targets.append(_target(f"hilos / RSS del servidor con {n} retenidas",
                               f"{held['hilos']} / {held['rss_mib']:.0f} MiB", "acotados", None))
        closed = r["cerradas_lentas"] + r["cerradas_inactivas"]
        targets.append(_target("retenidas cerradas a tiempo por el servidor", f"{closed}/{n}", f"{n}/{n}",
                               r["a_tiempo"]))

    if "muchos" in parts:
        _title("6. Hilos, selectors y asyncio con muchos clientes a la vez")
        sizes = ["--clientes", "5", "20", "--rondas", "2", "--veces", "1"] if quick else []
        r = many_clients.main([*sizes, "--salida", str(out / "muchos_clientes.json")])
        most = {kind: s["pasos"][-1] for kind, s in r["servidores"].items()}
        one = [most[k]["hilos"] for k in ("selectors", "asyncio")]
        targets.append(_target(f"hilos de selectors / asyncio con {r['clientes'][-1]} clientes",
                               " / ".join(f"{h:.0f}" for h in one), "1 / 1", one == [1, 1]))
        targets.append(_target(f"p99 de asyncio con {r['clientes'][-1]} clientes (× hilos)",
                               f"×{most['asyncio']['razon_p99_ms_frente_a_hilos']:.2f}", "—", None))
        targets.append(_target(f"RSS de asyncio con {r['clientes'][-1]} clientes (× hilos)",
                               _times(most["asyncio"]["razon_rss_mib_frente_a_hilos"]), "< ×0.5",
                               _below(most["asyncio"]["razon_rss_mib_frente_a_hilos"], 0.5)))

    summary["segundos"] = round(time.perf_counter() - started, 1)
    summary["carga_media_al_final"] = _loadavg()
    summary["objetivos"] = targets
    write_json(out / "resumen.json", summary)
    _title("Objetivos")
    for t in targets:
        verdict = {True: "sí", False: "NO", None: "—"}[t["cumple"]]
        print(f"  {t['que']:<58}{t['medido']:>12}  {t['objetivo']:>9}  {verdict}")
    print(f"\n{summary['segundos']:.0f} s en total; carga media al final {summary['carga_media_al_final']}")
    print(f"Resultados (JSON y PNG) en {out}")
    return summary


def _target(what: str, measured: str, goal: str, ok: bool | None) -> dict:
    return {"que": what, "medido": measured, "objetivo": goal, "cumple": ok}


def _times(ratio: float | None) -> str:
    return "—" if ratio is None else f"×{ratio:.2f}"


def _below(ratio: float | None, limit: float) -> bool | None:
    return None if ratio is None else ratio < limit


if __name__ == "__main__":
    main()
