"""``python -m benchmarks.many_clients``: it runs with tiny parameters and writes its JSON and PNG.

No speed is asserted: only the shape of the result, the thread counts that do not depend on
speed, and that the ratios are against the thread-per-client server of the same repetition.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import many_clients

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_tiny_measure_writes_json_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "muchos.json"
    result = many_clients.main(["--clientes", "3", "8", "--rondas", "2", "--veces", "2", "--salida", str(out)])
    assert json.loads(out.read_text(encoding="utf-8")) == result
    assert out.with_suffix(".png").read_bytes()[:8] == PNG_MAGIC
    assert result["clientes"] == [3, 8] and result["veces"] == 2
    servers = result["servidores"]
    assert list(servers) == ["un hilo por cliente", "selectors", "asyncio"]
    assert [s["hilos"] for s in servers["un hilo por cliente"]["pasos"]] == [4, 9]
    for kind in ("selectors", "asyncio"):
        steps = servers[kind]["pasos"]
        assert [s["hilos"] for s in steps] == [1, 1]
        assert all(s["ecos_enteros"] and s["p50_ms"] <= s["p99_ms"] for s in steps)
        assert all(s["razon_p50_ms_frente_a_hilos"] > 0 for s in steps)
    assert "razon_p50_ms_frente_a_hilos" not in servers["un hilo por cliente"]["pasos"][0]
    assert "frente al servidor con un hilo por cliente" in capsys.readouterr().out


def test_summary_takes_the_median_ratio_of_each_repetition() -> None:
    from labsupport.concurrency import Point

    def run(threads_p50: float, asyncio_p50: float) -> dict:
        point = lambda kind_threads, p50: Point(10, kind_threads, 1.0, p50, p50, 20, True)  # noqa: E731
        return {"un hilo por cliente": [point(11, threads_p50)], "asyncio": [point(1, asyncio_p50)]}

    summary = many_clients.summarise([run(1.0, 2.0), run(2.0, 2.0), run(10.0, 5.0)])
    (step,) = summary["asyncio"]["pasos"]
    assert step["razon_p50_ms_frente_a_hilos"] == 1.0  # ratios 2, 1, 0.5: their median, not 2/1 of medians
    assert step["p50_ms"] == 2.0 and step["hilos"] == 1


def test_rejects_zero_rounds() -> None:
    with pytest.raises(SystemExit):
        many_clients.main(["--rondas", "0"])
