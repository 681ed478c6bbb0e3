"""Smoke test of ``python -m benchmarks``: every part runs with tiny, bounded parameters.

No speed is asserted (timings belong to the benchmarks' own tables): only that each part
finishes, writes its JSON with the expected shape and its PNG, and that the load
generators count requests, statuses and errors correctly against real loopback servers.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from benchmarks import _load
from benchmarks.__main__ import main
from benchmarks.course_run import make_floor

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_part_writes_its_json_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notebooks = make_floor(2, tmp_path)  # two one-cell notebooks stand in for the course
    out = tmp_path / "resultados"
    summary = main(["--rapido", "--cuadernos", *map(str, notebooks), "--generador", "python", "--salida", str(out)])

    for name in ("curso", "arranque", "aula", "inactivas"):
        assert (out / f"{name}.json").is_file(), name
        assert (out / f"{name}.png").read_bytes()[:8] == PNG_MAGIC, name

    course = _json(out / "curso.json")
    assert list(course["curso"]["cuadernos"]) == [nb.name for nb in notebooks]
    for nb in course["curso"]["cuadernos"].values():
        assert nb["celdas"] == 1 and nb["fallos"] == 0 and nb["segundos"] >= nb["arranque_nucleo_s"] > 0
    assert len(course["suelo"]["cuadernos"]) == 2
    assert course["curso"]["celdas_falladas"] == [] and course["curso"]["codigo_salida"] == 0
    assert course["razon_total"] > 0
    assert course["celdas_mas_lentas"][0]["primera_linea"] == 'print("hola")'

    startup = _json(out / "arranque.json")
    assert startup["ciclo_de_vida"]["ciclos"] == 20
    assert {"python_ms", "python_import_labsupport_ms", "diferencia_ms"} <= set(startup["importar"])

    classroom = _json(out / "aula.json")
    assert classroom["generador"] == "python" and classroom["clientes"] == [3]
    assert {"labsupport", "stdlib"} <= set(classroom["servidores"])
    for kind, server in classroom["servidores"].items():
        (step,) = server["pasos"]
        assert step["clientes"] == 3 and step["peticiones"] > 0, kind
        assert step["errores"] == 0 and server["errores_servidor"] == [], kind
        assert step["p50_ms"] <= step["p99_ms"] <= step["max_ms"], kind
    assert set(classroom["objetivos"]) >= {"p99_200_clientes_ms", "razon_peticiones_s_frente_a_httpbin"}

    idle = _json(out / "inactivas.json")
    assert idle["inactivas"] == 20
    for kind, server in idle["servidores"].items():
        assert server["inactivas_abiertas_al_final"] == 20, kind
        assert server["errores_servidor"] == [], kind

    saved = _json(out / "resumen.json")
    assert saved["maquina"]["cpus"] >= 1 and saved["maquina"]["python"]
    assert saved["objetivos"] == summary["objetivos"]
    assert all(set(t) == {"que", "medido", "objetivo", "cumple"} for t in saved["objetivos"])
    printed = capsys.readouterr().out
    assert "Objetivos" in printed and "lab.HttpServer" in printed


@pytest.fixture
def canned_server():
    """The standard library's server on loopback with /ok (200), /status/404 and /mal (500)."""
    servers = []

    def start(protocol: str = "HTTP/1.1") -> tuple[str, int]:
        srv = _load.stdlib_server(
            {"/ok": (200, "text/plain", b"bien"), "/status/404": (404, "text/plain", b"no"),
             "/mal": (500, "text/plain", b"error")}
        )
        srv.RequestHandlerClass.protocol_version = protocol
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(srv)
        return srv.server_address[:2]

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def test_pool_counts_only_unexpected_statuses(canned_server) -> None:
    address = canned_server()
    good = _load.run_pool(address, ["/ok", "/status/404"], clients=2, seconds=0.3)
    assert good["peticiones"] > 0 and good["errores"] == 0
    bad = _load.run_pool(address, ["/ok", "/mal"], clients=2, seconds=0.3)
    assert bad["errores"] > 0  # /mal answers 500 where 200 is expected


def test_pool_reconnects_when_the_server_closes(canned_server) -> None:
    address = canned_server("HTTP/1.0")  # one response per connection, as httpbin on werkzeug
    result = _load.run_pool(address, ["/ok"], clients=2, seconds=0.3, processes=1)
    assert result["errores"] == 0 and result["peticiones"] > 2


@pytest.mark.skipif(_load.wrk_available() is None, reason="wrk no está instalado (apt-get install wrk)")
def test_wrk_counts_statuses_of_the_mix(canned_server) -> None:
    address = canned_server()
    result = _load.run_wrk(address, ["/ok", "/status/404", "/mal"], clients=2, seconds=1)
    assert result["peticiones"] > 0
    assert set(result["estados"]) == {"200", "404", "500"}
    assert result["errores"] == result["estados"]["500"] > 0  # 404 is expected for /status/404
