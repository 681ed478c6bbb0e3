"""lab.comprobar: right, wrong, hanging and stub answers, on notebook 01's exercises."""

from __future__ import annotations

import errno
import json
import socket
import time

import pytest

import labsupport as lab


def crear_servidor_local():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def sin_listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    return s


def enviar_udp(direccion, mensaje):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        s.sendto(mensaje, direccion)
        return s.recvfrom(65535)[0]


def enviar_udp_sin_timeout(direccion, mensaje):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(mensaje, direccion)
    return s.recvfrom(65535)[0]


def puerto_ocupado(puerto):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
        return False


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


def test_right_answers_pass():
    for exercise_id, function in [("1.1", crear_servidor_local), ("1.2", enviar_udp), ("1.3", puerto_ocupado)]:
        result = lab.comprobar(exercise_id, function)
        assert result, repr(result)
        assert result.passed == result.total >= 3
        assert "¡Todo correcto!" in repr(result)


def test_wrong_answer_fails_with_its_hint():
    result = lab.comprobar("1.1", sin_listen)
    assert not result
    assert result.status == "fallo"
    text = repr(result)
    assert "✘ acepta una conexión" in text
    assert "Pista: después de bind() llama a listen()" in text
    assert f"{result.passed}/{result.total}" in text


def test_hanging_answer_is_cut_at_the_time_limit():
    start = time.monotonic()
    result = lab.comprobar("1.2", enviar_udp_sin_timeout)
    assert time.monotonic() - start < 10
    assert not result
    assert [c.status for c in result.cases][-1] == "tiempo"
    assert "no terminó en 4 s" in repr(result)


def test_stub_is_pending():
    result = lab.comprobar("1.3", stub)
    assert not result
    assert result.status == "pendiente"
    assert "pendiente" in repr(result) and "puerto_ocupado()" in repr(result)


def test_exception_shows_hint_before_the_student_traceback():
    def roto(puerto):
        return {}[puerto]

    text = repr(lab.comprobar("1.3", roto))
    assert text.index("Pista:") < text.index("Traceback")
    assert "in roto" in text
    assert "labsupport/exercises" not in text  # only the student's frames


def test_unknown_id_and_non_callable_get_clear_messages():
    with pytest.raises(lab.UnknownExerciseError, match=r"No existe el ejercicio '9\.9'.*1\.1, 1\.2, 1\.3"):
        lab.comprobar("9.9", stub)
    with pytest.raises(lab.NotCallableError, match="espera una función"):
        lab.comprobar("1.1", 42)


def test_html_report_is_there_for_jupyter():
    html = lab.comprobar("1.1", crear_servidor_local)._repr_html_()
    assert "Ejercicio 1.1" in html and "✔" in html


def test_results_are_recorded_for_the_grader(tmp_path, monkeypatch):
    path = tmp_path / "resultados.jsonl"
    monkeypatch.setenv("LABSUPPORT_RESULTADOS", str(path))
    lab.comprobar("1.1", crear_servidor_local)
    lab.comprobar("1.3", stub)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records[0] == {"ejercicio": "1.1", "superados": 3, "total": 3, "estado": "ok"}
    assert records[1]["estado"] == "pendiente"
