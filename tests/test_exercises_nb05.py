"""Notebook 05's exercises: right, wrong, hanging and stub answers against real loopback servers."""

from __future__ import annotations

import socket
import time

import labsupport as lab
from labsupport.exercises import Exercise


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


def _first_cases(exercise_id, n):
    """An exercise with only its first ``n`` cases: a hanging answer would hang in every case."""
    lab.comprobar(exercise_id, stub)  # loads the notebook's module
    from labsupport.exercises import _REGISTRY

    full = _REGISTRY[exercise_id]
    part = Exercise(full.id, full.title, full.function_name)
    part.cases = full.cases[:n]
    return part


def _host(direccion):
    host, puerto = direccion[0], direccion[1]
    return f"[{host}]:{puerto}" if ":" in host else f"{host}:{puerto}"


# -- right answers ---------------------------------------------------------------------
def enviar_formulario(direccion, ruta, datos):
    cuerpo = datos.encode("utf-8")
    cabecera = (
        f"POST {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(cuerpo)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(direccion, timeout=2) as sock:
        sock.sendall(cabecera.encode() + cuerpo)
        partes = []
        while trozo := sock.recv(65536):
            partes.append(trozo)
    return b"".join(partes)


def construir_peticion(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode("utf-8")
    lineas = [f"{metodo} {ruta} HTTP/1.1", f"Host: {_host((host, puerto))}", "User-Agent: curso/1.0"]
    if datos:
        lineas.append(f"Content-Length: {len(datos)}")
    return ("\r\n".join(lineas) + "\r\n\r\n").encode() + datos


def _leer_respuesta(sock, pendiente):
    while b"\r\n\r\n" not in pendiente:
        trozo = sock.recv(65536)
        if not trozo:
            raise ConnectionError("el servidor cerró a mitad de la cabecera")
        pendiente += trozo
    cabecera, _, pendiente = pendiente.partition(b"\r\n\r\n")
    longitud = 0
    for linea in cabecera.split(b"\r\n")[1:]:
        nombre, _, valor = linea.partition(b":")
        if nombre.strip().lower() == b"content-length":
            longitud = int(valor)
    while len(pendiente) < longitud:
        trozo = sock.recv(65536)
        if not trozo:
            raise ConnectionError("el servidor cerró a mitad del cuerpo")
        pendiente += trozo
    return pendiente[:longitud], pendiente[longitud:]


def pedir_varias(direccion, rutas):
    cuerpos = []
    with socket.create_connection(direccion, timeout=2) as sock:
        pendiente = b""
        for ruta in rutas:
            sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
            cuerpo, pendiente = _leer_respuesta(sock, pendiente)
            cuerpos.append(cuerpo)
    return cuerpos


def test_right_answers_pass():
    for exercise_id, function in [("5.1", enviar_formulario), ("5.2", construir_peticion), ("5.3", pedir_varias)]:
        result = lab.comprobar(exercise_id, function)
        assert result, repr(result)
        assert result.passed == result.total >= 3


# -- wrong answers ---------------------------------------------------------------------
def test_post_counting_characters_fails_on_the_enye():
    def cuenta_caracteres(direccion, ruta, datos):
        cabecera = (
            f"POST {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(datos)}\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection(direccion, timeout=2) as sock:
            sock.sendall((cabecera + datos).encode())
            partes = []
            while trozo := sock.recv(65536):
                partes.append(trozo)
        return b"".join(partes)

    result = lab.comprobar("5.1", cuenta_caracteres)
    assert not result
    assert [c.status for c in result.cases][:3] == ["ok", "fallo", "fallo"]
    text = repr(result)
    assert "{'nombre': 'añ'}" in text
    assert "Pista: Content-Length es el número de bytes del cuerpo" in text


def test_post_without_port_in_host_fails():
    def sin_puerto(direccion, ruta, datos):
        cuerpo = datos.encode()
        cabecera = (
            f"POST {ruta} HTTP/1.1\r\nHost: {direccion[0]}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(cuerpo)}\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection(direccion, timeout=2) as sock:
            sock.sendall(cabecera.encode() + cuerpo)
            partes = []
            while trozo := sock.recv(65536):
                partes.append(trozo)
        return b"".join(partes)

    result = lab.comprobar("5.1", sin_puerto)
    assert not result
    assert "✘ la cabecera Host lleva el puerto" in repr(result)


def test_request_builder_with_bare_lf_fails():
    def con_lf(metodo, host, puerto, ruta, cuerpo=""):
        datos = cuerpo.encode()
        texto = f"{metodo} {ruta} HTTP/1.1\nHost: {host}:{puerto}\nContent-Length: {len(datos)}\n\n"
        return texto.encode() + datos

    result = lab.comprobar("5.2", con_lf)
    assert not result
    assert [c.status for c in result.cases][:3] == ["fallo", "fallo", "fallo"]
    assert "hay un salto de línea \\n sin \\r delante" in result.cases[0].message
    assert "las líneas acaban en \\n sin \\r" in result.cases[1].message


def test_request_builder_counting_characters_fails():
    def cuenta_caracteres(metodo, host, puerto, ruta, cuerpo=""):
        host = f"[{host}]" if ":" in host else host
        texto = f"{metodo} {ruta} HTTP/1.1\r\nHost: {host}:{puerto}\r\n"
        if cuerpo:
            texto += f"Content-Length: {len(cuerpo)}\r\n"
        return (texto + "\r\n" + cuerpo).encode()

    result = lab.comprobar("5.2", cuenta_caracteres)
    assert not result
    assert [c.status for c in result.cases] == ["ok", "fallo", "ok", "fallo"]
    text = repr(result)
    assert "Content-Length debería ser 26 (bytes) y es '24' (eso son caracteres)" in text
    assert "Pista: codifica primero el cuerpo" in text


def test_request_builder_returning_text_gets_a_clear_message():
    def texto(metodo, host, puerto, ruta, cuerpo=""):
        return f"{metodo} {ruta} HTTP/1.1\r\nHost: {host}:{puerto}\r\n\r\n{cuerpo}"

    result = lab.comprobar("5.2", texto)
    assert not result
    assert "se esperaban bytes y devolvió str" in repr(result)


def test_keep_alive_client_that_opens_a_connection_per_request_fails():
    def una_por_peticion(direccion, rutas):
        cuerpos = []
        for ruta in rutas:
            with socket.create_connection(direccion, timeout=2) as sock:
                sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
                cuerpo, _ = _leer_respuesta(sock, b"")
                cuerpos.append(cuerpo)
        return cuerpos

    result = lab.comprobar("5.3", una_por_peticion)
    assert not result
    assert [c.status for c in result.cases] == ["ok", "fallo", "ok"]
    assert "vio 4 conexiones para 4 peticiones" in repr(result)


def test_keep_alive_client_that_reads_once_fails_on_fragments():
    def una_lectura(direccion, rutas):
        cuerpos = []
        with socket.create_connection(direccion, timeout=2) as sock:
            for ruta in rutas:
                sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
                respuesta = sock.recv(65536)
                cuerpos.append(respuesta.partition(b"\r\n\r\n")[2])
        return cuerpos

    result = lab.comprobar("5.3", una_lectura)
    assert not result
    assert result.cases[-1].status in ("fallo", "error")
    assert "Pista: repite recv()" in repr(result)


# -- hanging answers -------------------------------------------------------------------
def test_post_without_connection_close_is_cut_at_the_time_limit():
    def espera_el_cierre(direccion, ruta, datos):
        cuerpo = datos.encode()
        cabecera = (
            f"POST {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(cuerpo)}\r\n\r\n"
        )
        with socket.create_connection(direccion) as sock:  # keep-alive and no timeout: waits for b""
            sock.sendall(cabecera.encode() + cuerpo)
            partes = []
            while trozo := sock.recv(65536):
                partes.append(trozo)
        return b"".join(partes)

    start = time.monotonic()
    result = _first_cases("5.1", 1).run(espera_el_cierre)
    assert time.monotonic() - start < 6
    assert result.cases[0].status == "tiempo"
    assert "no terminó en 3 s" in repr(result)


def test_request_builder_that_never_returns_is_cut():
    def bucle(metodo, host, puerto, ruta, cuerpo=""):
        time.sleep(4)  # longer than the case's 3 s; ends by itself so no thread is left behind

    result = _first_cases("5.2", 1).run(bucle)
    assert result.cases[0].status == "tiempo"


def test_keep_alive_client_that_reads_until_eof_is_cut_at_the_time_limit():
    def hasta_el_cierre(direccion, rutas):
        with socket.create_connection(direccion) as sock:
            sock.sendall(f"GET {rutas[0]} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
            partes = []
            while trozo := sock.recv(65536):  # the server keeps the connection open: never b""
                partes.append(trozo)
        return [b"".join(partes)]

    result = _first_cases("5.3", 1).run(hasta_el_cierre)
    assert result.cases[0].status == "tiempo"
    assert "Pista: lee la cabecera hasta" in repr(result)


# -- stubs -----------------------------------------------------------------------------
def test_stubs_are_pending():
    names = [("5.1", "enviar_formulario()"), ("5.2", "construir_peticion()"), ("5.3", "pedir_varias()")]
    for exercise_id, name in names:
        result = lab.comprobar(exercise_id, stub)
        assert result.status == "pendiente"
        assert name in repr(result)
