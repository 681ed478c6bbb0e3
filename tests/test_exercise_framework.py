"""lab.comprobar's framework: who is blamed, what a time-out names, what "pendiente" names, the report.

The student's functions are real functions of this module doing real socket calls against the
fault servers; the cases that call them live in tests/fixtures/casos_framework.py, because the
framework tells the checker's code from the student's by the file of each frame.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
from conftest import settle

import labsupport as lab
from labsupport import exercises
from labsupport.exercises import _framework, brief, expect_type

_CASES = Path(__file__).parent / "fixtures" / "casos_framework.py"
_spec = importlib.util.spec_from_file_location("casos_framework", _CASES)
casos = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(casos)


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


def eco(datos):
    return datos


def _case(result):
    assert len(result.cases) == 1, result.cases
    return result.cases[0]


def _workers_gone() -> bool:
    return not any(t.name.startswith("comprobar-") for t in threading.enumerate())


# -- the marks ---------------------------------------------------------------------


def test_every_mark_is_in_the_dejavu_fonts():
    """The marks must render without an emoji font: DejaVu (Linux's default) has them; ⏱ and ⏳ it has not."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    import matplotlib

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name in ("DejaVuSans.ttf", "DejaVuSansMono.ttf"):
        cmap = ttlib.TTFont(fonts / name).getBestCmap()
        for mark in set(_framework._MARK.values()):
            assert ord(mark) in cmap, f"{mark!r} no está en {name}"
        assert ord("⏱") not in cmap and ord("⏳") not in cmap  # why they showed as empty boxes


# -- who raised --------------------------------------------------------------------


def test_student_exception_is_the_students_with_hint_before_their_traceback():
    def roto(datos):
        return {}[datos]

    result = casos.VALIDATES.run(roto)
    case = _case(result)
    assert case.status == "error"
    assert case.message == "tu función lanzó KeyError: b'hola'"
    text = repr(result)
    assert text.index("Pista: la pista del caso") < text.index("Dónde falló tu código")
    assert "in roto" in text
    assert "casos_framework" not in text and "labsupport" not in text  # only the student's frames


def test_checker_error_after_the_function_returned_is_not_the_students():
    result = casos.USES_THE_LENGTH.run(lambda datos: None)
    case = _case(result)
    assert case.status == "error del corrector"
    assert case.message.startswith("error del corrector, no de tu código: TypeError: object of type 'NoneType'")
    assert "casos_framework.py, línea" in case.message  # where to fix the checker
    text = repr(result)
    assert "tu función lanzó" not in text and "Dónde falló tu código" not in text and "Pista" not in text
    assert "⚠" in text and "no de tu código: avisa a quien te da el curso" in text
    assert result.status == "error del corrector" and not result


def test_expect_type_says_what_came_back():
    result = casos.VALIDATES.run(lambda datos: "abc")
    case = _case(result)
    assert (case.status, case.message) == ("fallo", "se esperaba bytes y tu función devolvió str: 'abc'")
    assert "Pista: la pista del caso" in repr(result)
    with pytest.raises(exercises.Fail, match=r"^se esperaba bytes o bytearray y tu función devolvió None$"):
        expect_type(None, (bytes, bytearray))
    with pytest.raises(exercises.Fail, match=r"^se esperaba int y recv\(\) devolvió list: \[0, 0, 0"):
        expect_type([0] * 100, int, what="recv()")
    assert expect_type(b"x", bytes) == b"x"
    assert brief("x" * 100, 10) == "'xxxxxxxx…" and brief(b"ab") == "b'ab'"


def test_a_fail_from_a_fake_the_checker_lent_is_a_wrong_answer():
    def con_send(sock):
        sock.send(b"hola")

    case = _case(casos.LENDS_A_FAKE.run(con_send))
    assert case.status == "fallo" and case.message.startswith("usaste send()")
    assert casos.LENDS_A_FAKE.run(lambda sock: sock.sendall(b"hola"))


def test_the_students_own_assert_is_their_error_not_a_failed_case():
    def con_assert(datos):
        assert isinstance(datos, str), "esperaba texto"

    case = _case(casos.VALIDATES.run(con_assert))
    assert case.status == "error" and case.message.startswith("tu función lanzó AssertionError: esperaba texto")


def test_a_function_with_the_wrong_parameters_is_told_so_without_a_traceback():
    def dos_parametros(datos, otro):
        return datos

    result = casos.VALIDATES.run(dos_parametros)
    assert _case(result).message == (
        "no se pudo llamar a tu función: TypeError: test_a_function_with_the_wrong_parameters_is_told_so_without_a_"
        "traceback.<locals>.dos_parametros() missing 1 required positional argument: 'otro'"
    )
    assert "Traceback" not in repr(result)


def test_notimplemented_raised_by_the_checker_is_not_pending():
    case = _case(casos.CHECKER_PENDING.run(eco))
    assert case.status == "error del corrector" and "NotImplementedError: caso sin terminar" in case.message


def test_failure_and_checker_error_together_fail_and_say_both():
    result = casos.mixed().run(lambda datos: None)
    assert [c.status for c in result.cases] == ["fallo", "error del corrector"]
    assert result.status == "fallo" and result.passed == 0
    assert "Revisa los casos marcados con ✘. Los casos marcados con ⚠ fallaron por un error del corrector" in repr(
        result
    )


# -- what a time-out names ---------------------------------------------------------


def conectar_sin_timeout(direccion):
    s = socket.socket()
    s.connect(direccion)
    return s


def conectar_con_create_connection(direccion):
    return socket.create_connection(direccion)


def leer_una_vez(direccion):
    with socket.create_connection(direccion) as s:
        s.sendall(b"hola")
        return s.recv(1024)


def leer_sin_mirar_el_final(direccion):
    partes = []
    with socket.create_connection(direccion) as s:
        while len(partes) < 10**9:
            partes.append(s.recv(1024))  # b"" forever once the server closed
    return b"".join(partes)


CONTEXTO = ssl.create_default_context()  # loading the certificates takes a while: not inside the limit


def saludar_con_tls(direccion):
    with socket.create_connection(direccion) as s:
        return CONTEXTO.wrap_socket(s, server_hostname="localhost")


def girar(direccion):
    n = 0
    while n >= 0:
        n += 1


def enviar_mucho(direccion):
    with socket.create_connection(direccion) as s:
        s.sendall(b"x" * (64 * 1024 * 1024))  # more than any loopback buffer: waits for a reader


def esperar_conexion(servidor):
    conexion, _ = servidor.accept()
    return conexion


def dormir(direccion):
    time.sleep(3)


@pytest.mark.parametrize(
    ("exercise", "function", "says"),
    [
        (
            "NEVER_ACCEPTS",
            conectar_sin_timeout,
            "tu función esperaba en connect() a que el servidor aceptara la conexión "
            "(línea 2 de conectar_sin_timeout(): `s.connect(direccion)`)",
        ),
        (
            "NEVER_ACCEPTS",
            conectar_con_create_connection,
            "tu función esperaba en connect() (dentro de socket.create_connection()) a que el servidor aceptara "
            "la conexión (línea 1 de conectar_con_create_connection(): `return socket.create_connection(direccion)`)",
        ),
        (
            "SILENT",
            leer_una_vez,
            "tu función esperaba en recv() datos que no llegaron (línea 3 de leer_una_vez(): `return s.recv(1024)`)",
        ),
        (
            "HANGUP",
            leer_sin_mirar_el_final,
            "tu función seguía en un bucle que llama a recv() una y otra vez sin avanzar (línea 4 de "
            "leer_sin_mirar_el_final(): `partes.append(s.recv(1024))",
        ),
        (
            "SILENT",
            saludar_con_tls,
            "tu función esperaba en do_handshake() (dentro de CONTEXTO.wrap_socket()) a que terminara la "
            "negociación TLS (línea 2 de saludar_con_tls()",
        ),
        (
            "IDLE",
            girar,
            "tu función seguía ejecutándose sin esperar a la red (¿un bucle que no termina, o un cálculo muy "
            "lento?) (línea ",
        ),
        (
            "NOT_READING",
            enviar_mucho,
            "tu función esperaba en sendall() a que hubiera sitio en el búfer de envío (el otro extremo no lee) "
            "(línea 2 de enviar_mucho()",
        ),
        (
            "LISTENER",
            esperar_conexion,
            "tu función esperaba en accept() una conexión que no llegó (línea 1 de esperar_conexion(): "
            "`conexion, _ = servidor.accept()`)",
        ),
        ("IDLE", dormir, "tu función estaba parada en sleep() (línea 1 de dormir(): `time.sleep(3)`)"),
    ],
)
def test_a_time_out_names_what_waited_and_where(exercise, function, says):
    first = function.__code__.co_firstlineno
    says = _relative_lines(says, first)
    result = getattr(casos, exercise).run(function)
    case = _case(result)
    assert case.status == "tiempo"
    assert case.message.startswith(f"no terminó en 1 s: {says}"), case.message
    text = repr(result)
    assert "◷" in text and "Pista: la pista del caso" in text and "Revisa los casos marcados con ◷." in text
    assert settle(_workers_gone), threading.enumerate()  # even the spinning loop was stopped


def _relative_lines(text: str, first: int) -> str:
    """"línea 2 de f()" in the table above counts from the ``def`` line: make it the file's line."""
    import re

    return re.sub(r"línea (\d+) de", lambda m: f"línea {first + int(m.group(1))} de", text)


def test_a_function_that_ends_while_its_time_out_is_being_explained_keeps_its_own_result(monkeypatch):
    """Just past the limit, the worker ends during the watch: what it did, not «no terminó», is the report."""
    from labsupport.exercises import _diagnose

    release = threading.Event()
    watch = _diagnose.observe

    def observe_and_release(thread, *args, **kwargs):
        release.set()
        thread.join(5)
        return watch(thread, *args, **kwargs)

    monkeypatch.setattr(_diagnose, "observe", observe_and_release)

    def lenta(direccion):
        release.wait(5)
        return b"hola"

    case = _case(casos.IDLE.run(lenta))
    assert (case.status, case.message) == ("ok", "")


def test_a_time_out_in_the_students_code_on_another_thread_is_theirs():
    case = _case(casos.IN_ANOTHER_THREAD.run(leer_una_vez))
    assert case.status == "tiempo"
    assert "tu función esperaba en recv() datos que no llegaron (línea" in case.message


def test_a_time_out_in_what_the_function_returned_is_still_theirs():
    def preparar(direccion):
        def leer():
            with socket.create_connection(direccion) as s:
                return s.recv(1024)

        return leer

    case = _case(casos.CALLS_WHAT_IT_RETURNED.run(preparar))
    assert case.status == "tiempo"
    assert "tu función esperaba en recv() datos que no llegaron (línea" in case.message and "de leer()" in case.message


def test_a_time_out_of_the_checker_after_the_function_returned_is_the_checkers():
    result = casos.CHECKER_WAITS.run(eco)
    case = _case(result)
    assert case.status == "error del corrector"
    assert case.message.startswith(
        "no terminó en 1 s: tu función ya había terminado y quien esperaba era el corrector "
        "en recv() (casos_framework.py, línea "
    )
    assert case.message.endswith("Error del corrector, no de tu código.")
    assert "Pista" not in repr(result) and result.status == "error del corrector"


def test_a_time_out_of_the_checker_before_calling_the_function_says_so():
    case = _case(casos.CHECKER_WAITS_FIRST.run(eco))
    assert case.status == "error del corrector"
    assert case.message.startswith(
        "no terminó en 1 s: tu función aún no se había llamado y quien esperaba era el corrector "
        "en acquire() (casos_framework.py, línea "
    )


def test_a_limit_that_must_not_fire_is_seconds():
    ex = exercises.Exercise("99.9", "—", "f")
    ex.case("c", hint="—")(casos.nothing)
    assert ex.cases[0].time_limit >= 5


# -- pendiente ---------------------------------------------------------------------


def test_stub_is_pending_and_names_the_function():
    result = casos.VALIDATES.run(stub)  # the student's function, whatever its name
    assert result.status == "pendiente" and not result
    assert result.pending_function == ""
    assert repr(result).splitlines() == [
        "○ Ejercicio 99.1 · Ejercicio de prueba: pendiente.",
        "   Sustituye `raise NotImplementedError(...)` en responder() por tu solución y vuelve a ejecutar la celda.",
    ]


@pytest.fixture
def registered():
    head, body = casos.registered(exercises.exercise)
    yield head, body
    for ex in (head, body):
        exercises._REGISTRY.pop(ex.id, None)


def cabecera(datos):
    raise NotImplementedError("Escribe aquí tu solución")


def cuerpo(datos):
    return cabecera(datos) + datos


def test_pending_helper_is_named_not_the_function_that_calls_it(registered):
    result = lab.comprobar("99.5", cuerpo)
    assert result.status == "pendiente" and len(result.cases) == 1  # stops at the first pending case
    assert result.pending_function == "cabecera" and result.pending_exercise == "99.4"
    assert repr(result).splitlines()[1:] == [
        "   cuerpo() usa cabecera() (la del ejercicio 99.4), que todavía lanza NotImplementedError.",
        "   Escribe primero cabecera(), ejecuta su celda y vuelve a ejecutar esta.",
    ]
    own = lab.comprobar("99.4", cabecera)
    assert repr(own).splitlines()[1] == (
        "   Sustituye `raise NotImplementedError(...)` en cabecera() por tu solución y vuelve a ejecutar la celda."
    )


# -- seeded randomness, the report, comprobar ---------------------------------------


def test_randomness_is_seeded_per_case():
    seen = []
    for _ in range(2):
        casos.seeded().run(lambda valores: seen.append(valores))
    assert seen[0] == seen[2] and seen[1] == seen[3]  # same draws run after run
    assert seen[0] != seen[1]  # each case its own


def test_right_answer_passes_with_one_line_per_case(registered):
    result = lab.comprobar("99.5", eco)
    assert result and result.passed == result.total == 2
    assert repr(result).splitlines() == [
        "Ejercicio 99.5 · El cuerpo",
        "  ✔ devuelve bytes",
        "  ✔ otro caso",
        "Resultado: 2/2 casos superados. ¡Todo correcto!",
    ]
    html = result._repr_html_()
    assert "Ejercicio 99.5" in html and "✔" in html


def test_unknown_id_and_non_callable_get_clear_messages():
    with pytest.raises(lab.UnknownExerciseError, match=r"No existe el ejercicio '9\.9'.*1\.1, 1\.2, 1\.3"):
        lab.comprobar("9.9", stub)
    with pytest.raises(lab.NotCallableError, match="espera una función"):
        lab.comprobar("1.1", 42)


def test_results_are_recorded_for_the_grader(tmp_path, monkeypatch, registered):
    path = tmp_path / "resultados.jsonl"
    monkeypatch.setenv("LABSUPPORT_RESULTADOS", str(path))
    lab.comprobar("99.5", eco)
    lab.comprobar("99.4", stub)
    lab.comprobar("99.4", lambda datos: None.upper())
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records == [
        {"ejercicio": "99.5", "superados": 2, "total": 2, "estado": "ok"},
        {"ejercicio": "99.4", "superados": 0, "total": 1, "estado": "pendiente"},
        {"ejercicio": "99.4", "superados": 0, "total": 1, "estado": "fallo"},
    ]


def test_a_spinning_read_loop_is_asked_about_the_end_its_own_call_reports():
    """recv() ends with b'', recv_into() and readinto() with 0: the question names what the student's call returned."""
    from labsupport.exercises._diagnose import _closed_peer_question

    assert "recv() devolvió b''" in _closed_peer_question("recv")
    assert "recv_into() devolvió 0 " in _closed_peer_question("recv_into")
    assert "readinto() devolvió 0 " in _closed_peer_question("readinto")
