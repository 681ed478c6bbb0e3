"""Notebook 08's exercises: right, wrong, hanging and stub answers against real sockets."""

from __future__ import annotations

import pytest

import labsupport as lab


def manejar_lineas(conexion):
    bufer = b""
    while datos := conexion.recv(1024):
        bufer += datos
        while b"\n" in bufer:
            linea, bufer = bufer.split(b"\n", 1)
            conexion.sendall(b"Echo: " + linea + b"\n")
    if bufer:
        conexion.sendall(b"Echo: " + bufer + b"\n")


def eco_por_trozos(conexion):  # the guide's server: one answer per recv
    while datos := conexion.recv(1024):
        conexion.sendall(b"Echo: " + datos)


def recibir_exacto(sock, n):
    partes, recibidos = [], 0
    while recibidos < n:
        datos = sock.recv(n - recibidos)
        if not datos:
            raise ConnectionError(f"faltan {n - recibidos} bytes")
        partes.append(datos)
        recibidos += len(datos)
    return b"".join(partes)


def enviar_mensaje(sock, mensaje):
    datos = mensaje.encode("utf-8")
    sock.sendall(datos)
    return recibir_exacto(sock, len(datos)).decode("utf-8")


def enviar_mensaje_guia(sock, mensaje):  # the guide's interactive client: one recv(1024)
    sock.sendall(mensaje.encode("utf-8"))
    return sock.recv(1024).decode("utf-8")


def espera_de_mas(sock, *args):
    sock.settimeout(None)
    return sock.recv(1 << 20) + sock.recv(1)


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


RIGHT = {"8.1": manejar_lineas, "8.2": recibir_exacto, "8.3": enviar_mensaje}
WRONG = {
    "8.1": (eco_por_trozos, "Pista: un recv puede traer varios mensajes"),
    "8.2": (lambda s, n: s.recv(n), "Pista: un recv devuelve lo que haya llegado"),
    "8.3": (enviar_mensaje_guia, "lee hasta tenerla entera"),
}


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_right_answer_passes(exercise_id):
    result = lab.comprobar(exercise_id, RIGHT[exercise_id])
    assert result, repr(result)


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_wrong_answer_fails_with_hint(exercise_id):
    function, hint = WRONG[exercise_id]
    result = lab.comprobar(exercise_id, function)
    assert not result and result.status == "fallo"
    assert hint in repr(result)


@pytest.mark.parametrize("exercise_id", ["8.2", "8.3"])
def test_hanging_answer_is_cut(exercise_id):
    result = lab.comprobar(exercise_id, espera_de_mas)
    assert not result
    assert "tiempo" in {c.status for c in result.cases}


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_stub_is_pending(exercise_id):
    assert lab.comprobar(exercise_id, stub).status == "pendiente"

