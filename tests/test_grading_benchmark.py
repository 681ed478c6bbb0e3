"""``benchmarks.grading_throughput --rapido``: the benchmark runs end to end and writes its figures.

A smoke test: real gradings of a one-notebook class, with and without isolation and with
each --trabajos value; it checks what was measured, never how fast (that is the benchmark's job).
"""

from __future__ import annotations

import json

from benchmarks import grading_throughput


def test_rapido_measures_every_part_and_writes_its_json(tmp_path, capsys):
    result = grading_throughput.main(["--rapido", "--trabajos", "1", "2", "--salida", str(tmp_path)])
    saved = json.loads((tmp_path / "corregir_rapido.json").read_text(encoding="utf-8"))
    assert saved["clase"] == result["clase"]
    assert [(r["trabajos"], r["cuadernos"]) for r in saved["clase"]] == [(1, 1), (2, 1)]
    assert all(r["segundos"] > 0 and r["cuadernos_por_minuto"] > 0 for r in saved["clase"])
    assert set(saved["suelo"]) == {"fijo_aislado_s", "fijo_sin_aislar_s", "celdas_s", "cuaderno_entero_s"}
    assert saved["corrector_ms"] > 0
    assert saved["mismas_notas_con_cada_trabajos"] is True
    assert [e["trabajos"] for e in saved["estimacion_40"]] == [1, 2]
    printed = capsys.readouterr().out
    assert "cuadernos por minuto" in printed and "Dónde se va el tiempo" in printed
