"""Notebook 07's exercises: right, wrong, hanging and stub answers against the real fault servers."""

from __future__ import annotations

import socket
import time

import labsupport as lab

# -- right answers (the notebook's solutions) ----------------------------------------


def clasificar_error(error):
    if isinstance(error, socket.gaierror):
        return "nombre"
    if isinstance(error, TimeoutError):
        return "tiempo"
    if isinstance(error, ConnectionRefusedError):
        return "rechazada"
    if isinstance(error, ConnectionResetError):
        return "reiniciada"
    if isinstance(error, BrokenPipeError):
        return "tubería rota"
    if isinstance(error, OSError):
        return "sistema"
    return "programa"


def probar_puerto(direccion, timeout=0.5):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect(direccion)
        except ConnectionRefusedError:
            return "cerrado"
        except TimeoutError:
            return "filtrado"
        return "abierto"


def esperar_servidor(direccion, intentos=6, espera=0.05):
    for intento in range(intentos):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.connect(direccion)
            return s
        except (ConnectionRefusedError, TimeoutError):
            s.close()
            if intento == intentos - 1:
                raise
            time.sleep(espera * 2**intento)
        except BaseException:
            s.close()
            raise


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# -- wrong answers -------------------------------------------------------------------


def clasificar_con_oserror_primero(error):
    """Checks the base class first: every network error becomes 'sistema'."""
    if isinstance(error, OSError):
        return "sistema"
    return "programa"


def probar_sin_cerrar(direccion, timeout=0.5):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect(direccion)
    except ConnectionRefusedError:
        return "cerrado"
    except TimeoutError:
        return "filtrado"
    return "abierto"


def probar_sin_timeout(direccion, timeout=0.5):
    with socket.socket() as s:  # forgets settimeout: connect() waits for the kernel's SYN retries
        try:
            s.connect(direccion)
        except ConnectionRefusedError:
            return "cerrado"
        except OSError:
            return "filtrado"
        return "abierto"


def esperar_como_la_guia(direccion, intentos=6, espera=0.05):
    """conectar_con_reintentos' shape: leaks failed sockets, returns None, fixed delay, catches all."""
    for intento in range(intentos):
        try:
            cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            cliente.settimeout(10)
            cliente.connect(direccion)
            return cliente
        except (ConnectionError, TimeoutError):
            if intento < intentos - 1:
                time.sleep(espera)
            else:
                return None
        except Exception:
            return None


# -- the checks --------------------------------------------------------------------


def test_right_answers_pass():
    for exercise_id, function in [("7.1", clasificar_error), ("7.2", probar_puerto), ("7.3", esperar_servidor)]:
        result = lab.comprobar(exercise_id, function)
        assert result, repr(result)
        assert result.passed == result.total >= 4


def test_checking_oserror_first_fails_with_the_order_hint():
    result = lab.comprobar("7.1", clasificar_con_oserror_primero)
    assert not result and result.status == "fallo"
    text = repr(result)
    assert "✘ connect() a un puerto cerrado (ConnectionRefusedError) → 'rechazada'" in text
    assert "devolvió 'sistema'" in text
    assert "Pista: comprueba primero las clases más concretas" in text
    assert "✔ otro OSError → 'sistema'" in text


def test_a_socket_left_open_is_reported():
    result = lab.comprobar("7.2", probar_sin_cerrar)
    assert not result
    statuses = {c.name: c.status for c in result.cases}
    assert statuses["cierra el socket en los tres casos"] == "fallo"
    assert statuses["un servidor que acepta → 'abierto'"] == "ok"
    assert "ResourceWarning" in repr(result)


def test_connect_without_timeout_is_cut_at_the_time_limit():
    start = time.monotonic()
    result = lab.comprobar("7.2", probar_sin_timeout)
    assert time.monotonic() - start < 15
    statuses = {c.name: c.status for c in result.cases}
    assert statuses["no llega respuesta (TimeoutError) → 'filtrado', sin esperar más que el timeout"] == "tiempo"
    assert "no terminó en 3 s" in repr(result)
    assert "Pista: pon settimeout(timeout) ANTES de connect()" in repr(result)


def test_the_guides_retry_loop_fails_on_leaks_and_none():
    result = lab.comprobar("7.3", esperar_como_la_guia)
    assert not result
    statuses = {c.name: c.status for c in result.cases}
    assert statuses["el servidor ya está en marcha: conecta al primer intento y devuelve el socket"] == "ok"
    assert statuses["nunca arranca: tras los intentos lanza la última excepción, sin sockets abiertos"] == "fallo"
    assert statuses["un error que no es de red no se reintenta (TypeError al instante)"] == "fallo"
    assert "Pista: no devuelvas None" in repr(result)


def test_retrying_a_programming_error_is_cut_at_the_time_limit():
    def reintenta_todo(direccion, intentos=6, espera=0.05):
        for intento in range(intentos):
            try:
                return esperar_servidor(direccion, 1, espera)
            except Exception:
                if intento == intentos - 1:
                    raise
                time.sleep(espera * 2**intento)

    result = lab.comprobar("7.3", reintenta_todo)
    statuses = {c.name: c.status for c in result.cases}
    assert statuses["un error que no es de red no se reintenta (TypeError al instante)"] == "tiempo"
    assert [s for s in statuses.values() if s != "ok"] == ["tiempo"]


def test_stubs_are_pending():
    for exercise_id in ("7.1", "7.2", "7.3"):
        result = lab.comprobar(exercise_id, stub)
        assert result.status == "pendiente" and "pendiente" in repr(result)


def test_no_server_is_left_running():
    lab.comprobar("7.3", esperar_servidor)
    assert not lab.running_servers()
