"""Notebook 02's exercises: right, wrong, hanging and stub answers, against real servers."""

from __future__ import annotations

import socket
import time

import pytest

import labsupport as lab

# -- right answers -------------------------------------------------------------------


def conectar(host, puerto, timeout):
    cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cliente.settimeout(timeout)
    try:
        cliente.connect((host, puerto))
    except (ConnectionRefusedError, TimeoutError):
        cliente.close()
        return None
    return cliente


def diagnosticar(direccion, timeout):
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


def primer_disponible(direcciones, timeout):
    for direccion in direcciones:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(direccion)
        except OSError:
            s.close()
            continue
        return s
    return None


# -- wrong answers ---------------------------------------------------------------------


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


def diagnosticar_sin_distinguir(direccion, timeout):
    """One try around everything: cannot tell a connect timeout from a read timeout."""
    try:
        with socket.create_connection(direccion, timeout=timeout) as s:
            s.sendall(b"hola")
            s.recv(1024)
            return "responde"
    except ConnectionRefusedError:
        return "rechazada"
    except TimeoutError:
        return "timeout al conectar"


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


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# -- tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise_id, function",
    [("2.1", conectar), ("2.2", diagnosticar), ("2.3", primer_disponible)],
)
def test_right_answer_passes(exercise_id, function, no_leaks):
    result = lab.comprobar(exercise_id, function)
    assert result, repr(result)
    assert result.passed == result.total >= 3


def test_leaking_socket_fails_with_its_hint():
    result = lab.comprobar("2.1", conectar_sin_cerrar)
    assert not result
    statuses = {c.name: c.status for c in result.cases}
    assert statuses["se conecta al servidor de eco y devuelve el socket conectado"] == "ok"
    assert statuses["puerto cerrado: devuelve None y cierra el socket"] == "fallo"
    text = repr(result)
    assert "ResourceWarning" in text
    assert "Pista: captura ConnectionRefusedError, cierra el socket" in text


def test_one_try_cannot_tell_the_timeouts_apart():
    result = lab.comprobar("2.2", diagnosticar_sin_distinguir)
    assert [c.status for c in result.cases] == ["ok", "ok", "ok", "fallo"]
    assert "se esperaba 'timeout al leer' y tu función dijo 'timeout al conectar'" in repr(result)


def test_last_instead_of_first_fails():
    result = lab.comprobar("2.3", ultimo_disponible)
    assert not result
    failed = [c for c in result.cases if c.status != "ok"]
    assert [c.name for c in failed] == ["devuelve el primero que acepta, no el último"]
    assert "otro servidor" in failed[0].message


def test_connect_without_timeout_is_cut_at_the_time_limit():
    start = time.monotonic()
    result = lab.comprobar("2.1", conectar_sin_timeout)
    assert time.monotonic() - start < 10
    last = result.cases[-1]
    assert last.status == "tiempo"
    assert "no terminó en 3 s" in last.message
    assert "settimeout(timeout) ANTES de connect()" in repr(result)


@pytest.mark.parametrize("exercise_id", ["2.1", "2.2", "2.3"])
def test_stub_is_pending(exercise_id):
    result = lab.comprobar(exercise_id, stub)
    assert result.status == "pendiente"
    assert len(result.cases) == 1  # stops at the first case


def test_answer_outside_the_four_words_is_explained():
    result = lab.comprobar("2.2", lambda direccion, timeout: "no sé")
    assert not result
    assert "debe ser una de 'rechazada', 'timeout al conectar'" in result.cases[0].message
