"""One PNG per benchmark, from its JSON result (matplotlib's Agg backend, no display needed)."""

from __future__ import annotations

from pathlib import Path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def course(r: dict, path: Path) -> Path:
    """Each notebook's time next to an empty notebook's; the totals with the 2× target."""
    plt = _pyplot()
    fig, (ax, tot) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 1]})
    names = list(r["curso"]["cuadernos"])
    secs = [r["curso"]["cuadernos"][n]["segundos"] for n in names]
    kernel = [r["curso"]["cuadernos"][n]["arranque_nucleo_s"] for n in names]
    y = range(len(names))
    ax.barh(y, secs, color="tab:blue", label="cuaderno (nbval)")
    ax.barh(y, kernel, color="tab:orange", label="arranque del núcleo")
    ax.axvline(r["suelo_mediana_por_cuaderno_s"], color="black", ls="--", label="cuaderno vacío (mediana)")
    ax.set_yticks(list(y), [n.removesuffix(".ipynb") for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("segundos")
    ax.set_title("Tiempo de cada cuaderno en nbval")
    ax.legend(loc="lower right", fontsize=8)
    totals = [r["suelo"]["segundos"], r["curso"]["segundos"]]
    tot.bar(["vacíos", "curso"], totals, color=["tab:gray", "tab:blue"])
    tot.axhline(2 * r["suelo"]["segundos"], color="tab:red", ls="--", label="objetivo: 2 × vacíos")
    tot.set_ylabel("segundos (pytest entero)")
    tot.set_title(f"Total: ×{r['razon_total']:.2f}")
    tot.set_ylim(0, max([*totals, 2 * r["suelo"]["segundos"]]) * 1.25)
    tot.legend(fontsize=8, loc="upper left")
    return _save(fig, path)


def startup(r: dict, path: Path) -> Path:
    """Import cost and a server's start+stop, each next to its baseline."""
    plt = _pyplot()
    fig, (imp, cyc) = plt.subplots(1, 2, figsize=(10, 3.8))
    i = r["importar"]
    imp.bar(["python", "python +\nimport labsupport"], [i["python_ms"], i["python_import_labsupport_ms"]],
            color=["tab:gray", "tab:blue"])
    imp.set_ylabel("ms (mediana, intérprete nuevo)")
    imp.set_title(f"Importar labsupport: +{i['diferencia_ms']:.1f} ms (objetivo ≤ 30)")
    c = r["ciclo_de_vida"]
    x = range(2)
    width = 0.38
    cyc.bar([k - width / 2 for k in x], [c["base_mediana_ms"], c["servidor_mediana_ms"]], width, label="mediana")
    cyc.bar([k + width / 2 for k in x], [c["base_p99_ms"], c["servidor_p99_ms"]], width, label="p99")
    cyc.axhline(5, color="tab:red", ls="--", label="objetivo: 5 ms")
    cyc.set_xticks(list(x), ["base: bind + hilo", "EchoServer\narrancar + parar"])
    cyc.set_ylabel("ms")
    cyc.set_title(f"{c['ciclos']} ciclos; hilos {c['hilos_antes']}→{c['hilos_despues']}, "
                  f"descriptores {c['descriptores_antes']}→{c['descriptores_despues']}", fontsize=9)
    cyc.legend(fontsize=8)
    return _save(fig, path)


def classroom(r: dict, path: Path) -> Path:
    """Requests/s and p99 against the number of clients, one line per server."""
    plt = _pyplot()
    fig, (rps, p99) = plt.subplots(1, 2, figsize=(11, 4.2))
    for kind, t in r["servidores"].items():
        steps = t["pasos"]
        xs = [s["clientes"] for s in steps]
        style = {"labsupport": "o-", "stdlib": "s--", "httpbin": "^:"}.get(kind, "x-")
        rps.plot(xs, [s["peticiones_por_segundo"] for s in steps], style, label=t["nombre"])
        p99.plot(xs, [s["p99_ms"] for s in steps], style, label=t["nombre"])
    rps.set_xlabel("clientes a la vez")
    rps.set_ylabel("peticiones por segundo")
    rps.set_ylim(bottom=0)
    rps.set_title(f"Rendimiento (generador: {r['generador']})")
    p99.axhline(100, color="tab:red", ls="--", label="objetivo a 200 clientes: 100 ms")
    p99.set_yscale("log")
    p99.set_xlabel("clientes a la vez")
    p99.set_ylabel("latencia p99 (ms, escala log)")
    p99.set_title("Latencia p99")
    for ax, where in ((rps, "center right"), (p99, "lower right")):
        ax.set_xticks(r["clientes"])
        ax.legend(fontsize=8, loc=where)
    return _save(fig, path)


def idle(r: dict, path: Path) -> Path:
    """A new client's GET with and without the idle connections, per server."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    servers = list(r["servidores"].values())
    x = range(len(servers))
    width = 0.38
    ax.bar([k - width / 2 for k in x], [s["sin_inactivas"]["mediana_ms"] for s in servers], width,
           label="sin conexiones inactivas")
    ax.bar([k + width / 2 for k in x], [s["con_inactivas"]["mediana_ms"] for s in servers], width,
           label=f"con {r['inactivas']} inactivas")
    ax.set_xticks(list(x), [s["nombre"].replace(" (", "\n(") for s in servers], fontsize=8)
    ax.set_ylabel("ms (mediana: conectar, GET, respuesta)")
    ax.set_title(f"Un cliente nuevo con {r['inactivas']} conexiones abiertas sin actividad")
    ax.legend(fontsize=8)
    return _save(fig, path)


def slowloris(r: dict, path: Path) -> Path:
    """Left: a new client's GET without and with the held connections. Right: when each was closed."""
    plt = _pyplot()
    fig, (lat, close) = plt.subplots(1, 2, figsize=(10, 3.8))
    a, b = r["sin_conexiones"], r["con_conexiones"]
    lat.bar(["sin retenidas", "con retenidas"], [a["mediana_ms"], b["mediana_ms"]], label="mediana")
    lat.plot(["sin retenidas", "con retenidas"], [a["p99_ms"], b["p99_ms"]], "o", color="black", label="p99")
    lat.set_ylabel("ms (conectar, GET, respuesta)")
    lat.set_title("Un cliente nuevo")
    lat.legend(fontsize=8)
    kinds = ["a medias", "inactivas"]
    close.bar(kinds, [r["ultimo_cierre_lenta_s"] or 0, r["ultimo_cierre_inactiva_s"] or 0], label="último cierre")
    close.plot(kinds, [r["plazo_lenta_s"], r["plazo_inactiva_s"]], "_", markersize=40, color="red", label="plazo")
    close.set_ylabel("s desde el último byte del cliente")
    close.set_title("Cuándo las cerró el servidor")
    close.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"{r['lentas']} peticiones a medias y {r['inactivas']} keep-alive inactivas retenidas")
    return _save(fig, path)
