"""Notebook 04's exercises: right, wrong, hanging and stub answers against real loopback servers."""

from __future__ import annotations

import socket
import time

import labsupport as lab
from labsupport.exercises import Exercise


def _exercise(exercise_id):
    lab.comprobar(exercise_id, stub)  # loads the notebook's module (a stub stops at the first case)
    from labsupport.exercises import _REGISTRY

    return _REGISTRY[exercise_id]


# -- right answers ---------------------------------------------------------------------
def enviar_y_esperar(direccion, datos):
    with socket.create_connection(direccion, timeout=2) as sock:
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        partes = []
        while trozo := sock.recv(65536):
            partes.append(trozo)
        return b"".join(partes)


def pedir(direccion, peticion):
    with socket.create_connection(direccion, timeout=2) as sock:
        sock.sendall(peticion)
        partes = []
        while trozo := sock.recv(65536):
            partes.append(trozo)
        return b"".join(partes)


def atender(conexion):
    with conexion:
        total = 0
        while trozo := conexion.recv(65536):
            total += len(trozo)
        conexion.sendall(f"recibidos {total} bytes\n".encode())


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


def test_right_answers_pass():
    for exercise_id, function in [("4.1", enviar_y_esperar), ("4.2", pedir), ("4.3", atender)]:
        result = lab.comprobar(exercise_id, function)
        assert result, repr(result)
        assert result.passed == result.total >= 3


# -- wrong answers ---------------------------------------------------------------------
def test_half_close_client_that_reads_once_fails_on_the_long_answer():
    def una_lectura(direccion, datos):
        with socket.create_connection(direccion, timeout=2) as sock:
            sock.sendall(datos)
            sock.shutdown(socket.SHUT_WR)
            return sock.recv(1024)

    result = lab.comprobar("4.1", una_lectura)
    assert not result
    text = repr(result)
    assert "✘ lee hasta el final una respuesta larga" in text
    assert "Pista: un solo recv() devuelve solo un trozo" in text


def test_half_close_client_that_leaks_its_socket_fails():
    def sin_cerrar(direccion, datos):
        sock = socket.create_connection(direccion, timeout=2)
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        partes = []
        while trozo := sock.recv(65536):
            partes.append(trozo)
        return b"".join(partes)

    result = lab.comprobar("4.1", sin_cerrar)
    assert not result
    assert [c.status for c in result.cases] == ["ok", "ok", "ok", "fallo"]
    assert "ResourceWarning" in repr(result)


def test_fetch_that_swallows_the_reset_fails_with_its_hint():
    def traga_errores(direccion, peticion):
        with socket.create_connection(direccion, timeout=2) as sock:
            try:
                sock.sendall(peticion)
                partes = []
                while trozo := sock.recv(65536):
                    partes.append(trozo)
                return b"".join(partes)
            except OSError:
                return b""

    result = lab.comprobar("4.2", traga_errores)
    assert not result
    text = repr(result)
    assert "✘ si el servidor corta la conexión" in text
    assert "Pista: no captures el error" in text


def test_fetch_that_leaks_on_error_fails():
    def sin_with(direccion, peticion):
        sock = socket.create_connection(direccion, timeout=2)
        sock.sendall(peticion)
        partes = []
        while trozo := sock.recv(65536):
            partes.append(trozo)
        sock.close()
        return b"".join(partes)

    result = lab.comprobar("4.2", sin_with)
    assert not result
    statuses = [c.status for c in result.cases]
    assert statuses[0] == "ok" and statuses[1] == "fallo"
    assert "ResourceWarning" in result.cases[1].message


def test_server_that_answers_before_eof_fails():
    def sin_esperar_eof(conexion):
        with conexion:
            datos = conexion.recv(65536)
            conexion.sendall(f"recibidos {len(datos)} bytes\n".encode())

    result = lab.comprobar("4.3", sin_esperar_eof)
    assert not result
    assert "✘ cuenta todos los bytes aunque lleguen a trozos" in repr(result)


def test_server_that_does_not_close_fails():
    def sin_cerrar(conexion):
        total = 0
        while trozo := conexion.recv(65536):
            total += len(trozo)
        conexion.sendall(f"recibidos {total} bytes\n".encode())

    result = lab.comprobar("4.3", sin_cerrar)
    assert not result
    assert "no cerró la conexión" in repr(result)


# -- hanging answers -------------------------------------------------------------------
def test_client_without_shutdown_is_cut_at_the_time_limit():
    def sin_shutdown(direccion, datos):
        sock = socket.create_connection(direccion)  # no timeout: waits for an answer that never comes
        with sock:
            sock.sendall(datos)
            return sock.recv(1024)

    # Only the first case: every case would hang the same way, 3 s each.
    full = _exercise("4.1")
    first = Exercise(full.id, full.title, full.function_name)
    first.cases = full.cases[:1]
    start = time.monotonic()
    result = first.run(sin_shutdown)
    assert time.monotonic() - start < 6
    assert not result
    assert result.cases[0].status == "tiempo"
    assert "no terminó en 3 s" in repr(result)
    assert "Pista: después de sendall(datos) llama a sock.shutdown" in repr(result)


def test_fetch_without_timeout_is_cut_at_the_time_limit():
    def sin_timeout(direccion, peticion):
        with socket.create_connection(direccion) as sock:
            sock.sendall(peticion)
            partes = []
            while trozo := sock.recv(65536):
                partes.append(trozo)
            return b"".join(partes)

    result = lab.comprobar("4.2", sin_timeout)
    assert not result
    assert result.cases[-1].status == "tiempo"


# -- stubs -----------------------------------------------------------------------------
def test_stubs_are_pending():
    for exercise_id, name in [("4.1", "enviar_y_esperar()"), ("4.2", "pedir()"), ("4.3", "atender()")]:
        result = lab.comprobar(exercise_id, stub)
        assert result.status == "pendiente"
        assert name in repr(result)
