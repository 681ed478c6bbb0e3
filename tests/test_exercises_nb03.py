"""Notebook 03's exercises: right, wrong, hanging and stub answers, against real servers."""

from __future__ import annotations

import socket
import time

import pytest

import labsupport as lab

# -- right answers -------------------------------------------------------------------


def recibir_todo(sock):
    partes = []
    while datos := sock.recv(4096):
        partes.append(datos)
    return b"".join(partes)


def separar_respuesta(respuesta):
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    lineas = cabecera.decode("iso-8859-1").split("\r\n")
    cabeceras = {}
    for linea in lineas[1:]:
        nombre, valor = linea.split(":", 1)
        cabeceras[nombre] = valor.strip()
    return lineas[0], cabeceras, cuerpo


def descargar(host, puerto, ruta, archivo_local):
    with socket.create_connection((host, puerto), timeout=2) as cliente:
        cliente.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        respuesta = recibir_todo(cliente)
    estado, _cabeceras, cuerpo = separar_respuesta(respuesta)
    codigo = int(estado.split()[1])
    if codigo == 200:
        with open(archivo_local, "wb") as archivo:
            archivo.write(cuerpo)
    return codigo


def enviar_todo(sock, datos):
    enviados = 0
    while enviados < len(datos):
        enviados += sock.send(datos[enviados:])


# -- wrong answers ---------------------------------------------------------------------


def recibir_una_vez(sock):
    return sock.recv(4096)


def recibir_y_decodificar(sock):
    return recibir_todo(sock).decode("utf-8")


def separar_en_cada_linea_en_blanco(respuesta):
    partes = respuesta.split(b"\r\n\r\n")
    lineas = partes[0].decode().split("\r\n")
    cabeceras = dict(linea.split(": ", 1) for linea in lineas[1:])
    return lineas[0], cabeceras, partes[-1]


def descargar_como_la_guia(host, puerto, ruta, archivo_local):
    """The guide's descargar_archivo: saves whatever arrives, error pages included."""
    with socket.create_connection((host, puerto), timeout=2) as cliente:
        cliente.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        respuesta = recibir_todo(cliente)
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    with open(archivo_local, "wb") as archivo:
        archivo.write(cuerpo)
    return int(cabecera.split()[1])


def descargar_sin_connection_close(host, puerto, ruta, archivo_local):
    """HTTP/1.1 keeps the connection open: reading until b'' waits for the server's timeout.

    Only the first case hangs (the others get the right answer), so the test stays short.
    """
    if ruta != "/docs/texto.txt":
        return descargar(host, puerto, ruta, archivo_local)
    with socket.create_connection((host, puerto)) as cliente:
        cliente.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        recibir_todo(cliente)
    return 200


def enviar_una_vez(sock, datos):
    sock.send(datos)


def usar_sendall(sock, datos):
    sock.sendall(datos)


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# -- tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exercise_id, function",
    [("3.1", recibir_todo), ("3.2", separar_respuesta), ("3.3", descargar), ("3.4", enviar_todo)],
)
def test_right_answer_passes(exercise_id, function, no_leaks):
    result = lab.comprobar(exercise_id, function)
    assert result, repr(result)
    assert result.passed == result.total >= 3


def test_one_recv_is_not_the_whole_response():
    result = lab.comprobar("3.1", recibir_una_vez)
    statuses = [c.status for c in result.cases]
    assert statuses[0] == "fallo" and statuses[1] == "ok"
    assert "te quedaste en el primer trozo" in result.cases[0].message
    assert "Pista: llama a recv() en un bucle" in repr(result)


def test_decoding_fails_on_binary_data():
    result = lab.comprobar("3.1", recibir_y_decodificar)
    assert "no decodifiques" in result.cases[0].message
    binary = result.cases[2]
    assert binary.status == "error" and isinstance(binary.error, UnicodeDecodeError)
    assert "Pista: devuelve bytes" in repr(result)
    assert not result


def test_splitting_at_every_blank_line_loses_body():
    result = lab.comprobar("3.2", separar_en_cada_linea_en_blanco)
    by_name = {c.name: c for c in result.cases}
    assert by_name["un documento de texto: estado, cabeceras y cuerpo"].status == "ok"
    failed = by_name["un cuerpo que contiene b'\\r\\n\\r\\n' se queda entero"]
    assert failed.status == "fallo"
    assert "split(b'\\r\\n\\r\\n', 1), con el 1" in failed.hint


def test_saving_the_error_page_fails():
    result = lab.comprobar("3.3", descargar_como_la_guia)
    by_name = {c.name: c.status for c in result.cases}
    assert by_name["descarga un documento de texto y devuelve 200"] == "ok"
    assert by_name["un 404 no se guarda como si fuera el archivo"] == "fallo"
    assert "guardó la página de error" in repr(result)


def test_waiting_for_a_keep_alive_server_is_cut_at_the_time_limit():
    start = time.monotonic()
    result = lab.comprobar("3.3", descargar_sin_connection_close)
    assert time.monotonic() - start < 6
    assert [c.status for c in result.cases] == ["tiempo", "ok", "ok", "ok"]
    assert "no terminó en 3 s" in result.cases[0].message
    assert "Connection: close" in result.cases[0].hint


def test_a_single_send_loses_data():
    result = lab.comprobar("3.4", enviar_una_vez)
    by_name = {c.name: c for c in result.cases}
    assert by_name["un mensaje corto llega entero"].status == "ok"  # small data fits in one send
    big = by_name["4 MiB con un búfer de envío pequeño llegan enteros y en orden"]
    assert big.status == "fallo" and "de 4194304 bytes" in big.message


def test_sendall_is_not_accepted():
    result = lab.comprobar("3.4", usar_sendall)
    assert not result
    assert "usaste sendall()" in result.cases[0].message


@pytest.mark.parametrize("exercise_id", ["3.1", "3.2", "3.3", "3.4"])
def test_stub_is_pending(exercise_id):
    result = lab.comprobar(exercise_id, stub)
    assert result.status == "pendiente"
    assert len(result.cases) == 1
