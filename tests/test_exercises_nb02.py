"""Notebook 02's exercises as a mutation suite: classic wrong answers must get ✘ (or ◷) with words
that name their mistake; right answers written unlike the master solution must pass.

Every answer runs under a hard time limit (tests/mutation_kit.py), against real servers.
"""

from __future__ import annotations

import contextlib
import socket

import pytest
from mutation_kit import assert_caught, assert_passes, run

import labsupport as lab
import labsupport.exercises.nb02

#: A hard bound on one lab.comprobar: far above the sum of what its cases wait.
HARD_LIMIT = {"2.1": 25.0, "2.2": 30.0, "2.3": 30.0}


def caught(exercise_id, function, *words):
    return assert_caught(exercise_id, function, words, HARD_LIMIT[exercise_id])


def passes(exercise_id, function):
    return assert_passes(exercise_id, function, HARD_LIMIT[exercise_id])


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# == 2.1 conectar(host, puerto, timeout) ================================================


def conectar(host, puerto, timeout):
    """The master solution."""
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cliente.settimeout(timeout)
    try:
        cliente.connect((host, puerto))
    except (ConnectionRefusedError, TimeoutError):
        cliente.close()
        return None
    return cliente


def conectar_con_create_connection(host, puerto, timeout):
    try:
        return socket.create_connection((host, puerto), timeout=timeout)
    except OSError:
        return None


def conectar_con_finally(host, puerto, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ok = False
    try:
        s.settimeout(timeout)
        s.connect((host, puerto))
        ok = True
        return s
    except (TimeoutError, ConnectionRefusedError):
        return None
    finally:
        if not ok:
            s.close()


def conectar_sin_cerrar(host, puerto, timeout):
    """The guide's conectar_cliente with a timeout: returns None but leaks the socket."""
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cliente.settimeout(timeout)
    try:
        cliente.connect((host, puerto))
        return cliente
    except (ConnectionRefusedError, TimeoutError):
        return None


def conectar_sin_timeout(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        cliente.connect((host, puerto))
    except ConnectionRefusedError:
        cliente.close()
        return None
    return cliente


def conectar_timeout_despues(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        cliente.connect((host, puerto))
        cliente.settimeout(timeout)
    except (ConnectionRefusedError, TimeoutError):
        cliente.close()
        return None
    return cliente


def conectar_timeout_fijo(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cliente.settimeout(10)  # el de la guía
    try:
        cliente.connect((host, puerto))
    except (ConnectionRefusedError, TimeoutError):
        cliente.close()
        return None
    return cliente


def conectar_solo_rechazo(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cliente.settimeout(timeout)
    try:
        cliente.connect((host, puerto))
    except ConnectionRefusedError:
        cliente.close()
        return None
    return cliente


def conectar_solo_timeout(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cliente.settimeout(timeout)
    try:
        cliente.connect((host, puerto))
    except TimeoutError:
        cliente.close()
        return None
    return cliente


def conectar_devuelve_el_socket_fallido(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cliente.settimeout(timeout)
    try:
        cliente.connect((host, puerto))
    except OSError:
        cliente.close()
    return cliente


def conectar_con_with(host, puerto, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as cliente:
        cliente.settimeout(timeout)
        try:
            cliente.connect((host, puerto))
        except OSError:
            return None
        return cliente  # with lo cierra al salir


def conectar_udp(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cliente.settimeout(timeout)
    cliente.connect((host, puerto))
    return cliente


@pytest.mark.parametrize("function", [conectar, conectar_con_create_connection, conectar_con_finally])
def test_2_1_right_answers_pass(function, no_leaks):
    passes("2.1", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (conectar_sin_cerrar, ("ResourceWarning", "cierra el socket")),
        (conectar_sin_timeout, ("no tiene timeout",)),
        (conectar_timeout_despues, ("ANTES de connect()",)),
        (conectar_timeout_fijo, ("10 s y le pasaste timeout=5", "no un número fijo")),
        (conectar_solo_rechazo, ("TimeoutError", "captura TimeoutError")),
        (conectar_solo_timeout, ("ConnectionRefusedError", "captura ConnectionRefusedError")),
        (conectar_devuelve_el_socket_fallido, ("se esperaba None",)),
        (conectar_con_with, ("ya está cerrado", "with")),
        (conectar_udp, ("no es TCP", "SOCK_STREAM")),
    ],
)
def test_2_1_wrong_answers_are_caught(function, words):
    caught("2.1", function, *words)


def test_2_1_the_hard_coded_timeout_is_named_with_both_values():
    result = caught("2.1", conectar_timeout_fijo)
    assert "el socket devuelto tiene un timeout de 10 s y le pasaste timeout=5" in result.cases[0].message


def test_2_1_a_connect_without_timeout_is_cut_at_the_limit():
    result = run("2.1", conectar_timeout_despues, HARD_LIMIT["2.1"])
    last = result.cases[-1]
    assert [c.status for c in result.cases] == ["ok", "ok", "ok", "tiempo"]
    assert "connect()" in last.message  # what waited


# == 2.2 diagnosticar(direccion, timeout) ===============================================


def diagnosticar(direccion, timeout):
    """The master solution."""
    try:
        cliente = socket.create_connection(direccion, timeout=timeout)
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"
    with cliente:
        cliente.sendall(b"hola")
        try:
            datos = cliente.recv(1024)
        except TimeoutError:
            return "timeout al leer"
        return "responde" if datos else "cerrada"


def diagnosticar_a_mano(direccion, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        try:
            s.connect(direccion)
        except TimeoutError:
            return "timeout al conectar"
        except ConnectionRefusedError:
            return "rechazada"
        s.sendall(b"hola")
        try:
            return "cerrada" if s.recv(100) == b"" else "responde"
        except TimeoutError:
            return "timeout al leer"
    finally:
        s.close()


def diagnosticar_por_pasos(direccion, timeout):
    paso = "conectar"
    try:
        with socket.create_connection(direccion, timeout) as s:
            paso = "leer"
            s.sendall(b"hola")
            return "responde" if s.recv(1) else "cerrada"
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return f"timeout al {paso}"


def diagnosticar_un_solo_try(direccion, timeout):
    try:
        with socket.create_connection(direccion, timeout=timeout) as s:
            s.sendall(b"hola")
            return "responde" if s.recv(1024) else "cerrada"
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"


def diagnosticar_oserror_primero(direccion, timeout):
    try:
        s = socket.create_connection(direccion, timeout=timeout)
    except OSError:
        return "rechazada"
    except TimeoutError:  # nunca llega: TimeoutError es un OSError
        return "timeout al conectar"
    with s:
        s.sendall(b"hola")
        try:
            return "responde" if s.recv(1024) else "cerrada"
        except TimeoutError:
            return "timeout al leer"


def diagnosticar_sin_mirar_b_vacio(direccion, timeout):
    try:
        s = socket.create_connection(direccion, timeout=timeout)
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"
    with s:
        s.sendall(b"hola")
        try:
            s.recv(1024)
        except TimeoutError:
            return "timeout al leer"
        return "responde"


def diagnosticar_timeout_fijo(direccion, timeout):
    return diagnosticar(direccion, 10)


def diagnosticar_sin_enviar(direccion, timeout):
    try:
        s = socket.create_connection(direccion, timeout=timeout)
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"
    with s:
        try:
            return "responde" if s.recv(1024) else "cerrada"
        except TimeoutError:
            return "timeout al leer"


def diagnosticar_devuelve_none(direccion, timeout):
    try:
        s = socket.create_connection(direccion, timeout=timeout)
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"
    with s:
        s.sendall(b"hola")
        try:
            return "responde" if s.recv(1024) else "cerrada"
        except TimeoutError:
            pass  # ¿y qué devuelve?


def diagnosticar_sin_cerrar_al_leer(direccion, timeout):
    try:
        s = socket.create_connection(direccion, timeout=timeout)
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"
    s.sendall(b"hola")
    try:
        datos = s.recv(1024)
    except TimeoutError:
        return "timeout al leer"  # sin cerrar s
    s.close()
    return "responde" if datos else "cerrada"


def diagnosticar_timeout_tras_connect(direccion, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        try:
            s.connect(direccion)
        except ConnectionRefusedError:
            return "rechazada"
        s.settimeout(timeout)
        s.sendall(b"hola")
        try:
            return "responde" if s.recv(1024) else "cerrada"
        except TimeoutError:
            return "timeout al leer"
    finally:
        s.close()


def diagnosticar_oserror_al_leer(direccion, timeout):
    try:
        s = socket.create_connection(direccion, timeout=timeout)
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"
    with s:
        s.sendall(b"hola")
        try:
            return "responde" if s.recv(1024) else "cerrada"
        except OSError:  # también atrapa ConnectionResetError
            return "timeout al leer"


def diagnosticar_leyendo_antes_de_enviar(direccion, timeout):
    try:
        s = socket.create_connection(direccion, timeout=timeout)
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"
    with s:
        try:
            datos = s.recv(1024)
        except TimeoutError:
            return "timeout al leer"
        s.sendall(b"hola")
        return "responde" if datos else "cerrada"


@pytest.mark.parametrize("function", [diagnosticar, diagnosticar_a_mano, diagnosticar_por_pasos])
def test_2_2_right_answers_pass(function, no_leaks):
    passes("2.2", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (diagnosticar_un_solo_try, ("un try para connect() y otro para recv()",)),
        (diagnosticar_oserror_primero, ("TimeoutError también es un OSError",)),
        (diagnosticar_sin_mirar_b_vacio, ("b'' no son datos",)),
        (diagnosticar_timeout_fijo, ("usa el timeout que te pasan",)),
        (diagnosticar_sin_enviar, ("¿enviaste b'hola'",)),
        (diagnosticar_devuelve_none, ("devolvió None", "sin devolver nada")),
        (diagnosticar_sin_cerrar_al_leer, ("ResourceWarning",)),
        (diagnosticar_timeout_tras_connect, ("ANTES de connect()",)),
        (diagnosticar_oserror_al_leer, ("recv() lanzó ConnectionResetError", "deja que salga", "except OSError")),
        (diagnosticar_leyendo_antes_de_enviar, ("¿enviaste b'hola' antes de recv()?",)),
    ],
)
def test_2_2_wrong_answers_are_caught(function, words):
    caught("2.2", function, *words)


def test_2_2_one_try_fails_only_where_it_cannot_tell():
    result = run("2.2", diagnosticar_un_solo_try, HARD_LIMIT["2.2"])
    assert [c.status for c in result.cases] == ["ok", "ok", "ok", "fallo", "ok", "ok"]
    assert "se esperaba 'timeout al leer' y tu función dijo 'timeout al conectar'" in result.cases[3].message


def test_2_2_reading_before_sending_is_told_so_wherever_the_server_waits_for_the_request():
    result = run("2.2", diagnosticar_leyendo_antes_de_enviar, HARD_LIMIT["2.2"])
    failed = [c for c in result.cases if c.status != "ok"]
    assert len(failed) == 3, repr(result)  # the echo server, the one that closes, the one that resets
    assert all("¿enviaste b'hola' antes de recv()?" in c.message for c in failed), repr(result)


def test_2_2_a_reset_that_comes_out_passes_and_only_it():
    result = run("2.2", diagnosticar_oserror_al_leer, HARD_LIMIT["2.2"])
    assert [c.status for c in result.cases] == ["ok"] * 5 + ["fallo"], repr(result)
    assert "lo convirtió en 'timeout al leer'" in result.cases[5].message


def test_2_2_an_answer_outside_the_words_is_explained():
    result = run("2.2", lambda direccion, timeout: "no sé", HARD_LIMIT["2.2"])
    assert not result
    assert "debe ser una de 'rechazada', 'timeout al conectar'" in result.cases[0].message


# == 2.3 primer_disponible(direcciones, timeout) ========================================


def primer_disponible(direcciones, timeout):
    """The master solution."""
    for direccion in direcciones:
        cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cliente.settimeout(timeout)
        try:
            cliente.connect(direccion)
        except OSError:
            cliente.close()
            continue
        return cliente
    return None


def primer_disponible_con_suppress(direcciones, timeout):
    for direccion in direcciones:
        with contextlib.suppress(OSError):
            return socket.create_connection(direccion, timeout=timeout)
    return None


def primer_disponible_con_while(direcciones, timeout):
    i = 0
    while i < len(direcciones):
        s = socket.socket()
        s.settimeout(timeout)
        if s.connect_ex(direcciones[i]) == 0:
            return s
        s.close()
        i += 1
    return None


def ultimo_disponible(direcciones, timeout):
    elegido = None
    for direccion in direcciones:
        try:
            s = socket.create_connection(direccion, timeout=timeout)
        except OSError:
            continue
        if elegido is not None:
            elegido.close()
        elegido = s
    return elegido


def primer_disponible_sin_cerrar(direcciones, timeout):
    for direccion in direcciones:
        s = socket.socket()
        s.settimeout(timeout)
        try:
            s.connect(direccion)
            return s
        except OSError:
            continue
    return None


def primer_disponible_solo_rechazo(direcciones, timeout):
    for direccion in direcciones:
        s = socket.socket()
        s.settimeout(timeout)
        try:
            s.connect(direccion)
            return s
        except ConnectionRefusedError:
            s.close()
    return None


def primer_disponible_sin_timeout(direcciones, timeout):
    for direccion in direcciones:
        try:
            return socket.create_connection(direccion)
        except OSError:
            pass
    return None


def primer_disponible_timeout_fijo(direcciones, timeout):
    return primer_disponible(direcciones, 5)


def primer_disponible_se_rinde(direcciones, timeout):
    for direccion in direcciones:
        try:
            return socket.create_connection(direccion, timeout=timeout)
        except OSError:
            return None
    return None


def primer_disponible_con_with(direcciones, timeout):
    for direccion in direcciones:
        try:
            with socket.create_connection(direccion, timeout=timeout) as s:
                return s
        except OSError:
            continue
    return None


def primer_disponible_devuelve_la_direccion(direcciones, timeout):
    for direccion in direcciones:
        try:
            socket.create_connection(direccion, timeout=timeout).close()
            return direccion
        except OSError:
            continue
    return None


@pytest.mark.parametrize("function", [primer_disponible, primer_disponible_con_suppress, primer_disponible_con_while])
def test_2_3_right_answers_pass(function, no_leaks):
    passes("2.3", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (ultimo_disponible, ("no a la primera dirección",)),
        (primer_disponible_sin_cerrar, ("ResourceWarning",)),
        (primer_disponible_solo_rechazo, ("TimeoutError", "captura OSError")),
        (primer_disponible_sin_timeout, ("settimeout(timeout) antes de connect()",)),
        (primer_disponible_timeout_fijo, ("con el timeout que te pasan",)),
        (primer_disponible_se_rinde, ("tu función devolvió None",)),
        (primer_disponible_con_with, ("ya está cerrado",)),
        (primer_disponible_devuelve_la_direccion, ("devolvió tuple",)),
    ],
)
def test_2_3_wrong_answers_are_caught(function, words):
    caught("2.3", function, *words)


# == all =================================================================================


@pytest.mark.parametrize("exercise_id", ["2.1", "2.2", "2.3"])
def test_stub_is_pending(exercise_id):
    result = run(exercise_id, stub, HARD_LIMIT[exercise_id])
    assert result.status == "pendiente"
    assert len(result.cases) == 1  # stops at the first case


@pytest.mark.parametrize("exercise_id", ["2.1", "2.2", "2.3"])
def test_every_exercise_has_four_cases_or_more(exercise_id):
    assert len(lab.exercises._REGISTRY[exercise_id].cases) >= 4
