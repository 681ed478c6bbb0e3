"""Notebook 04's exercises as a mutation suite: classic wrong answers get ✘ with the hint that names
their mistake, right answers in other styles than the master solution pass; all against real
loopback servers, each answer under a hard time limit."""

from __future__ import annotations

import socket

import pytest
from mutation_kit import failed_text, read_all, run, stub, suite

import labsupport as lab

LIMIT = 40.0  # seconds for a whole lab.comprobar; the cases' own limits are far smaller


# == 4.1 enviar_y_esperar(direccion, datos, espera) ===================================
def enviar_y_esperar(direccion, datos, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        return read_all(sock)


def medio_try_finally(direccion, datos, espera):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(espera)
    try:
        sock.connect(direccion)
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        respuesta = bytearray()
        while True:
            datos_leidos = sock.recv(1024)
            if not datos_leidos:
                break
            respuesta += datos_leidos
        return bytes(respuesta)
    finally:
        sock.close()


def medio_makefile(direccion, datos, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        with sock.makefile("rb") as archivo:
            return archivo.read()


def medio_sin_shutdown(direccion, datos, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(datos)
        return read_all(sock)


def medio_una_lectura(direccion, datos, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        return sock.recv(1_000_000)


def medio_shut_rdwr(direccion, datos, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_RDWR)
        return read_all(sock)


def medio_send(direccion, datos, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.send(datos)
        sock.shutdown(socket.SHUT_WR)
        return read_all(sock)


def medio_sin_cerrar(direccion, datos, espera):
    sock = socket.create_connection(direccion, timeout=espera)
    sock.sendall(datos)
    sock.shutdown(socket.SHUT_WR)
    return read_all(sock)


def medio_timeout_fijo(direccion, datos, espera):
    with socket.create_connection(direccion, timeout=2) as sock:
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        return read_all(sock)


def medio_sin_timeout(direccion, datos, espera):
    with socket.create_connection(direccion) as sock:
        sock.sendall(datos)
        sock.shutdown(socket.SHUT_WR)
        return read_all(sock)


def medio_traga_timeout(direccion, datos, espera):
    try:
        return enviar_y_esperar(direccion, datos, espera)
    except TimeoutError:
        return None


def medio_texto(direccion, datos, espera):
    return enviar_y_esperar(direccion, datos, espera).decode("utf-8", "replace")


def medio_close_en_vez_de_shutdown(direccion, datos, espera):
    sock = socket.create_connection(direccion, timeout=espera)
    sock.sendall(datos)
    sock.close()
    return read_all(sock)


# == 4.2 pedir(direccion, peticion, espera) ===========================================
def pedir(direccion, peticion, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(peticion)
        return read_all(sock)


def pedir_send_en_bucle(direccion, peticion, espera):
    sock = socket.socket()
    try:
        sock.settimeout(espera)
        sock.connect(direccion)
        vista = memoryview(peticion)
        while vista:
            enviados = sock.send(vista)
            vista = vista[enviados:]
        respuesta = bytearray()
        while datos := sock.recv(8192):
            respuesta.extend(datos)
        return bytes(respuesta)
    finally:
        sock.close()


def pedir_makefile(direccion, peticion, espera):
    with socket.create_connection(direccion, timeout=espera) as sock, sock.makefile("rwb") as archivo:
        archivo.write(peticion)
        archivo.flush()
        return archivo.read()


def pedir_una_lectura(direccion, peticion, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(peticion)
        return sock.recv(65536)


def pedir_hasta_lectura_corta(direccion, peticion, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.sendall(peticion)
        partes = []
        while True:
            trozo = sock.recv(4096)
            partes.append(trozo)
            if len(trozo) < 4096:  # "a short read is the end": false on a real network
                return b"".join(partes)


def pedir_traga_errores(direccion, peticion, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        partes = []
        try:
            sock.sendall(peticion)
            while trozo := sock.recv(65536):
                partes.append(trozo)
        except OSError:
            pass
        return b"".join(partes)


def pedir_sin_with(direccion, peticion, espera):
    sock = socket.create_connection(direccion, timeout=espera)
    sock.sendall(peticion)
    respuesta = read_all(sock)
    sock.close()
    return respuesta


def pedir_timeout_fijo(direccion, peticion, espera):
    with socket.create_connection(direccion, timeout=2) as sock:
        sock.sendall(peticion)
        return read_all(sock)


def pedir_none_si_timeout(direccion, peticion, espera):
    try:
        return pedir(direccion, peticion, espera)
    except TimeoutError:
        return None


def pedir_send(direccion, peticion, espera):
    with socket.create_connection(direccion, timeout=espera) as sock:
        sock.send(peticion)
        return read_all(sock)


def pedir_texto(direccion, peticion, espera):
    return pedir(direccion, peticion, espera).decode("latin-1")


# == 4.3 atender(conexion) ============================================================
def atender(conexion):
    with conexion:
        total = 0
        while trozo := conexion.recv(65536):
            total += len(trozo)
        conexion.sendall(f"recibidos {total} bytes\n".encode())


def atender_recv_into(conexion):
    try:
        bufer = bytearray(4096)
        total = 0
        while n := conexion.recv_into(bufer):
            total += n
        conexion.sendall(b"recibidos %d bytes\n" % total)
    finally:
        conexion.close()


def atender_makefile(conexion):
    with conexion, conexion.makefile("rb") as archivo:
        datos = archivo.read()
        conexion.sendall(f"recibidos {len(datos)} bytes\n".encode("ascii"))


def atender_una_lectura(conexion):
    with conexion:
        datos = conexion.recv(1_000_000)
        conexion.sendall(f"recibidos {len(datos)} bytes\n".encode())


def atender_sin_cerrar(conexion):
    total = 0
    while trozo := conexion.recv(65536):
        total += len(trozo)
    conexion.sendall(f"recibidos {total} bytes\n".encode())


def atender_cuenta_caracteres(conexion):
    with conexion:
        texto = ""
        while trozo := conexion.recv(65536):
            texto += trozo.decode("utf-8", "replace")
        conexion.sendall(f"recibidos {len(texto)} bytes\n".encode())


def atender_decodifica_cada_fragmento(conexion):
    with conexion:
        total = 0
        while trozo := conexion.recv(65536):
            total += len(trozo.decode("utf-8").encode("utf-8"))
        conexion.sendall(f"recibidos {total} bytes\n".encode())


def atender_close_al_final(conexion):
    total = 0
    while trozo := conexion.recv(65536):
        total += len(trozo)
    conexion.sendall(f"recibidos {total} bytes\n".encode())
    conexion.close()


def atender_sin_salto(conexion):
    with conexion:
        total = 0
        while trozo := conexion.recv(65536):
            total += len(trozo)
        conexion.sendall(f"recibidos {total} bytes".encode())


def atender_hasta_lectura_corta(conexion):
    with conexion:
        total = 0
        while True:
            trozo = conexion.recv(4096)
            total += len(trozo)
            if len(trozo) < 4096:
                break
        conexion.sendall(f"recibidos {total} bytes\n".encode())


RIGHT = [
    ("4.1", enviar_y_esperar),
    ("4.1", medio_try_finally),
    ("4.1", medio_makefile),
    ("4.2", pedir),
    ("4.2", pedir_send_en_bucle),
    ("4.2", pedir_makefile),
    ("4.3", atender),
    ("4.3", atender_recv_into),
    ("4.3", atender_makefile),
]

WRONG = [
    ("4.1", medio_sin_shutdown, ("shutdown(socket.SHUT_WR)", "no lo recibió a tiempo")),
    ("4.1", medio_una_lectura, ("faltó seguir leyendo", "bucle")),
    ("4.1", medio_shut_rdwr, ("SHUT_RDWR", "devolvió b''")),
    ("4.1", medio_send, ("send() envía solo lo que cabe", "sendall")),
    ("4.1", medio_sin_cerrar, ("ResourceWarning",)),
    ("4.1", medio_timeout_fijo, ("mucho más que espera=0.3 s", "la espera que te pasan")),
    ("4.1", medio_sin_timeout, ("no terminó", "recv", "la espera que te pasan")),
    ("4.1", medio_traga_timeout, ("devolvió None", "no lo captures")),
    ("4.1", medio_texto, ("se esperaba bytes", "str")),
    ("4.1", medio_close_en_vez_de_shutdown, ("Bad file descriptor", "shutdown(socket.SHUT_WR)")),
    ("4.2", pedir_una_lectura, ("faltó seguir leyendo", "hasta b''")),
    ("4.2", pedir_hasta_lectura_corta, ("faltó seguir leyendo",)),
    ("4.2", pedir_traga_errores, ("RST", "no captures", "ConnectionResetError debe llegar")),
    ("4.2", pedir_sin_with, ("ResourceWarning", "al cortarse la conexión")),
    ("4.2", pedir_timeout_fijo, ("mucho más que espera=0.3 s", "la espera que te pasan")),
    ("4.2", pedir_none_si_timeout, ("devolvió None", "no captures")),
    ("4.2", pedir_send, ("de la petición", "sendall")),
    ("4.2", pedir_texto, ("se esperaba bytes", "str")),
    ("4.3", atender_una_lectura, ("repite recv()", "hasta b''")),
    ("4.3", atender_sin_cerrar, ("sin cerrar la conexión",)),
    ("4.3", atender_cuenta_caracteres, ("recibidos 14 bytes", "sin decodificar")),
    ("4.3", atender_decodifica_cada_fragmento, ("UnicodeDecodeError", "sin decodificar")),
    ("4.3", atender_close_al_final, ("RST", "quedó sin cerrar", "with conexion")),
    ("4.3", atender_sin_salto, ("pero recibió b'recibidos 18 bytes'",)),
    ("4.3", atender_hasta_lectura_corta, ("recibidos 4 bytes",)),
]


(
    test_right_answers_in_any_style_pass,
    test_classic_mistakes_get_a_cross_and_the_hint_that_names_them,
    test_every_exercise_has_four_cases_six_mistakes_and_three_right_styles,
) = suite(("4.1", "4.2", "4.3"), RIGHT, WRONG, LIMIT)


def test_a_timed_out_answer_is_told_what_waited():
    result = run("4.1", medio_sin_timeout, LIMIT)
    case = next(c for c in result.cases if c.status == "tiempo")
    assert "recv" in case.message and "no terminó en" in case.message


def test_stubs_are_pending_and_name_the_function():
    for exercise_id, name in [("4.1", "enviar_y_esperar()"), ("4.2", "pedir()"), ("4.3", "atender()")]:
        result = lab.comprobar(exercise_id, stub)
        assert result.status == "pendiente"
        assert name in repr(result)


@pytest.mark.parametrize("function", [medio_una_lectura, pedir_una_lectura])
def test_a_single_read_is_not_told_to_use_sendall(function):
    """It sent everything: the 9 MB case's report must not suggest sendall() to it."""
    exercise_id = "4.1" if function is medio_una_lectura else "4.2"
    text = failed_text(run(exercise_id, function, LIMIT)).lower()
    assert "faltó seguir leyendo" in text, text
    assert "usa sendall" not in text, text
