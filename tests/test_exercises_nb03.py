"""Notebook 03's exercises as a mutation suite: classic wrong answers must get ✘ (or ◷) with words
that name their mistake; right answers written unlike the master solution must pass.

Every answer runs under a hard time limit (tests/mutation_kit.py), against real servers.
"""

from __future__ import annotations

import io
import random
import re
import socket

import pytest
from mutation_kit import assert_caught, assert_passes, run

import labsupport as lab
from labsupport.exercises import nb03
from labsupport.exercises._cuts import seeded_slices
from labsupport.exercises.nb03 import _bytes_concatenation

#: A hard bound on one lab.comprobar: far above the sum of what its cases wait.
HARD_LIMIT = {"3.1": 30.0, "3.2": 20.0, "3.3": 30.0, "3.4": 30.0}


def caught(exercise_id, function, *words):
    return assert_caught(exercise_id, function, words, HARD_LIMIT[exercise_id])


def passes(exercise_id, function):
    return assert_passes(exercise_id, function, HARD_LIMIT[exercise_id])


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# == 3.1 recibir_todo(sock) =============================================================


def recibir_todo(sock):
    """The master solution."""
    partes = []
    while datos := sock.recv(4096):
        partes.append(datos)
    return b"".join(partes)


def recibir_con_bytearray(sock):
    respuesta = bytearray()
    while True:
        datos = sock.recv(1024)
        if not datos:
            return bytes(respuesta)
        respuesta += datos


def recibir_con_bytesio(sock):
    buffer = io.BytesIO()
    for datos in iter(lambda: sock.recv(65536), b""):
        buffer.write(datos)
    return buffer.getvalue()


def recibir_con_makefile(sock):
    with sock.makefile("rb") as archivo:
        return archivo.read()


def recibir_una_vez(sock):
    return sock.recv(4096)


def recibir_una_vez_con_buffer_enorme(sock):
    return sock.recv(16 * 1024 * 1024)


def recibir_y_decodificar(sock):
    return recibir_todo(sock).decode("utf-8")


def decodificar_cada_fragmento(sock):
    texto = ""
    while datos := sock.recv(4096):
        texto += datos.decode("utf-8")
    return texto.encode("utf-8")


def respuesta_mas_igual(sock):
    respuesta = b""
    while True:
        datos = sock.recv(4096)
        if not datos:
            break
        respuesta += datos
    return respuesta


def respuesta_igual_respuesta_mas(sock):
    respuesta = bytes()  # noqa: UP018  (a student style the checker must see too)
    while datos := sock.recv(4096):
        respuesta = respuesta + datos
    return respuesta


def parar_con_un_fragmento_corto(sock):
    partes = []
    while True:
        datos = sock.recv(4096)
        partes.append(datos)
        if len(datos) < 4096:  # «si no llenó el búfer, era el último»
            break
    return b"".join(partes)


def devolver_la_lista(sock):
    partes = []
    while datos := sock.recv(4096):
        partes.append(datos)
    return partes


@pytest.mark.parametrize("function", [recibir_todo, recibir_con_bytearray, recibir_con_bytesio, recibir_con_makefile])
def test_3_1_right_answers_pass(function, no_leaks):
    passes("3.1", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (recibir_una_vez, ("faltó seguir leyendo", "en un bucle")),
        (recibir_una_vez_con_buffer_enorme, ("solo los primeros", "de 1048576 bytes")),
        (recibir_y_decodificar, ("no decodifiques",)),
        (decodificar_cada_fragmento, ("UnicodeDecodeError", "medio carácter")),
        (respuesta_mas_igual, ("respuesta += datos", "b''.join(partes)")),
        (respuesta_igual_respuesta_mas, ("respuesta = respuesta + datos", "bytearray")),
        (parar_con_un_fragmento_corto, ("faltó seguir leyendo",)),
        (devolver_la_lista, ("se esperaban bytes y tu función devolvió list",)),
    ],
)
def test_3_1_wrong_answers_are_caught(function, words):
    caught("3.1", function, *words)


def test_3_1_one_recv_fails_every_case_that_has_data():
    result = run("3.1", recibir_una_vez, HARD_LIMIT["3.1"])
    assert [c.status for c in result.cases] == ["fallo", "ok", "fallo", "fallo", "fallo"]
    first = seeded_slices(random.Random("3.1/" + result.cases[0].name), nb03.TEXT, 7)[0]  # chaos mode's first piece
    assert f"devolvió solo los primeros {len(first)} de" in result.cases[0].message


def test_the_concatenation_detector_reads_the_source():
    assert _bytes_concatenation(respuesta_mas_igual)[1] == "respuesta += datos"
    assert _bytes_concatenation(recibir_con_bytearray) is None
    assert _bytes_concatenation(recibir_todo) is None
    assert _bytes_concatenation(len) is None  # no source: nothing to say


# == 3.2 separar_respuesta(respuesta) ====================================================


def separar_respuesta(respuesta):
    """The master solution."""
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    linea_estado, *lineas = cabecera.decode("iso-8859-1").split("\r\n")
    cabeceras = {}
    for linea in lineas:
        nombre, valor = linea.split(":", 1)
        cabeceras[nombre] = valor.strip()
    return linea_estado, cabeceras, cuerpo


def separar_con_partition(respuesta):
    cabecera, _, cuerpo = respuesta.partition(b"\r\n\r\n")
    texto = cabecera.decode("latin-1")
    estado, _, resto = texto.partition("\r\n")
    cabeceras = {}
    for linea in resto.split("\r\n") if resto else []:
        nombre, _, valor = linea.partition(":")
        cabeceras[nombre] = valor.strip()
    return estado, cabeceras, cuerpo


def separar_con_regex(respuesta):
    fin = respuesta.index(b"\r\n\r\n")
    lineas = respuesta[:fin].decode("ascii").split("\r\n")
    cabeceras = dict(re.match(r"([^:]+):\s*(.*?)\s*$", linea).groups() for linea in lineas[1:])
    return lineas[0], cabeceras, respuesta[fin + 4 :]


def separar_en_cada_linea_en_blanco(respuesta):
    partes = respuesta.split(b"\r\n\r\n")
    lineas = partes[0].decode().split("\r\n")
    cabeceras = {}
    for linea in lineas[1:]:
        nombre, valor = linea.split(":", 1)
        cabeceras[nombre] = valor.strip()
    return lineas[0], cabeceras, partes[-1]


def separar_por_todos_los_dos_puntos(respuesta):
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    lineas = cabecera.decode("ascii").split("\r\n")
    cabeceras = {}
    for linea in lineas[1:]:
        nombre, valor = linea.split(":")
        cabeceras[nombre] = valor.strip()
    return lineas[0], cabeceras, cuerpo


def separar_por_dos_puntos_y_espacio(respuesta):
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    lineas = cabecera.decode("ascii").split("\r\n")
    return lineas[0], dict(linea.split(": ", 1) for linea in lineas[1:]), cuerpo


def separar_decodificando_todo(respuesta):
    texto = respuesta.decode("utf-8")
    cabecera, cuerpo = texto.split("\r\n\r\n", 1)
    lineas = cabecera.split("\r\n")
    cabeceras = {n: v.strip() for n, v in (linea.split(":", 1) for linea in lineas[1:])}
    return lineas[0], cabeceras, cuerpo.encode("utf-8")


def separar_cuerpo_como_texto(respuesta):
    estado, cabeceras, cuerpo = separar_respuesta(respuesta)
    return estado, cabeceras, cuerpo.decode("utf-8", errors="replace")


def separar_en_minusculas(respuesta):
    estado, cabeceras, cuerpo = separar_respuesta(respuesta)
    return estado, {n.lower(): v for n, v in cabeceras.items()}, cuerpo


def separar_por_saltos_de_linea(respuesta):
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    lineas = cabecera.decode("ascii").split("\n")
    cabeceras = {n: v.strip() for n, v in (linea.split(":", 1) for linea in lineas[1:])}
    return lineas[0], cabeceras, cuerpo


def separar_sin_strip(respuesta):
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    lineas = cabecera.decode("ascii").split("\r\n")
    return lineas[0], dict(linea.split(":", 1) for linea in lineas[1:]), cuerpo


def separar_estado_en_bytes(respuesta):
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    estado, _, _ = cabecera.partition(b"\r\n")
    _, cabeceras, _ = separar_respuesta(respuesta)
    return estado, cabeceras, cuerpo


@pytest.mark.parametrize("function", [separar_respuesta, separar_con_partition, separar_con_regex])
def test_3_2_right_answers_pass(function):
    passes("3.2", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (separar_en_cada_linea_en_blanco, ("split(b'\\r\\n\\r\\n', 1), con el 1",)),
        (separar_por_todos_los_dos_puntos, ("ValueError", "linea.split(':', 1)")),
        (separar_por_dos_puntos_y_espacio, ("ValueError", "no por ': '")),
        (separar_decodificando_todo, ("UnicodeDecodeError", "decodifica solo la parte de las cabeceras")),
        (separar_cuerpo_como_texto, ("no decodifiques",)),
        (separar_en_minusculas, ("no cambies los nombres",)),
        (separar_por_saltos_de_linea, ("no por '\\n'",)),
        (separar_sin_strip, ("quita los espacios",)),
        (separar_estado_en_bytes, ("es bytes",)),
    ],
)
def test_3_2_wrong_answers_are_caught(function, words):
    caught("3.2", function, *words)


# == 3.3 descargar(host, puerto, ruta, archivo_local) ====================================


def _pedir(host, puerto, ruta, cabeceras="Connection: close\r\n"):
    s = socket.create_connection((host, puerto), timeout=5)
    s.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {host}\r\n{cabeceras}\r\n".encode())
    return s


def descargar(host, puerto, ruta, archivo_local):
    """The master solution."""
    with socket.create_connection((host, puerto), timeout=5) as cliente:
        peticion = f"GET {ruta} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        cliente.sendall(peticion.encode("ascii"))
        respuesta = recibir_todo(cliente)
    linea_estado, _cabeceras, cuerpo = separar_respuesta(respuesta)
    codigo = int(linea_estado.split()[1])
    if codigo == 200:
        with open(archivo_local, "wb") as archivo:
            archivo.write(cuerpo)
    return codigo


def descargar_con_makefile(host, puerto, ruta, archivo_local):
    with _pedir(host, puerto, ruta) as s, s.makefile("rb") as r:
        codigo = int(r.readline().split()[1])
        while r.readline() not in (b"\r\n", b""):
            pass
        cuerpo = r.read()
    if codigo == 200:
        with open(archivo_local, "wb") as f:
            f.write(cuerpo)
    return codigo


def descargar_con_bytearray(host, puerto, ruta, archivo_local):
    s = _pedir(host, puerto, ruta)
    try:
        datos = bytearray()
        while fragmento := s.recv(32768):
            datos += fragmento
    finally:
        s.close()
    cabecera, _, cuerpo = bytes(datos).partition(b"\r\n\r\n")
    codigo = int(cabecera[9:12])
    if codigo == 200:
        with open(archivo_local, "wb") as f:
            f.write(cuerpo)
    return codigo


def descargar_como_la_guia(host, puerto, ruta, archivo_local):
    """The guide's descargar_archivo: saves whatever arrives, error pages included."""
    with _pedir(host, puerto, ruta) as s:
        respuesta = recibir_todo(s)
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    with open(archivo_local, "wb") as archivo:
        archivo.write(cuerpo)
    return int(cabecera.split()[1])


def descargar_sin_connection_close(host, puerto, ruta, archivo_local):
    """HTTP/1.1 keeps the connection open: reading until b'' waits. Only the first case hangs."""
    if ruta != "/docs/texto.txt":
        return descargar(host, puerto, ruta, archivo_local)
    with _pedir(host, puerto, ruta, cabeceras="") as s:
        recibir_todo(s)
    return 200


def descargar_devuelve_texto(host, puerto, ruta, archivo_local):
    return str(descargar(host, puerto, ruta, archivo_local))


def descargar_sin_host(host, puerto, ruta, archivo_local):
    with socket.create_connection((host, puerto), timeout=5) as s:
        s.sendall(f"GET {ruta} HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
        respuesta = recibir_todo(s)
    codigo = int(respuesta.split()[1])
    if codigo == 200:
        with open(archivo_local, "wb") as f:
            f.write(respuesta.split(b"\r\n\r\n", 1)[1])
    return codigo


def descargar_con_un_recv(host, puerto, ruta, archivo_local):
    with _pedir(host, puerto, ruta) as s:
        respuesta = s.recv(65536)
    cabecera, cuerpo = respuesta.split(b"\r\n\r\n", 1)
    codigo = int(cabecera.split()[1])
    if codigo == 200:
        with open(archivo_local, "wb") as f:
            f.write(cuerpo)
    return codigo


def descargar_tirando_lo_que_llega_con_la_cabecera(host, puerto, ruta, archivo_local):
    """Reads until the head is complete, then keeps only what comes *after* that fragment."""
    with _pedir(host, puerto, ruta) as s:
        cabecera = b""
        while b"\r\n\r\n" not in cabecera:
            cabecera += s.recv(4096)
        cuerpo = recibir_todo(s)
    codigo = int(cabecera.split()[1])
    if codigo == 200:
        with open(archivo_local, "wb") as f:
            f.write(cuerpo)
    return codigo


def descargar_abriendo_antes(host, puerto, ruta, archivo_local):
    with open(archivo_local, "wb") as f, _pedir(host, puerto, ruta) as s:
        estado, _, cuerpo = separar_respuesta(recibir_todo(s))
        codigo = int(estado.split()[1])
        if codigo == 200:
            f.write(cuerpo)
    return codigo


def descargar_con_cabecera(host, puerto, ruta, archivo_local):
    with _pedir(host, puerto, ruta) as s:
        respuesta = recibir_todo(s)
    codigo = int(respuesta.split()[1])
    if codigo == 200:
        with open(archivo_local, "wb") as f:
            f.write(respuesta)
    return codigo


def descargar_en_modo_texto(host, puerto, ruta, archivo_local):
    with _pedir(host, puerto, ruta) as s:
        estado, _, cuerpo = separar_respuesta(recibir_todo(s))
    codigo = int(estado.split()[1])
    if codigo == 200:
        with open(archivo_local, "w", encoding="utf-8") as f:
            f.write(cuerpo.decode("utf-8"))
    return codigo


def descargar_sin_cerrar(host, puerto, ruta, archivo_local):
    s = _pedir(host, puerto, ruta)
    estado, _, cuerpo = separar_respuesta(recibir_todo(s))
    codigo = int(estado.split()[1])
    if codigo == 200:
        with open(archivo_local, "wb") as f:
            f.write(cuerpo)
    return codigo


@pytest.mark.parametrize("function", [descargar, descargar_con_makefile, descargar_con_bytearray])
def test_3_3_right_answers_pass(function, no_leaks):
    passes("3.3", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (descargar_como_la_guia, ("guardó la página de error",)),
        (descargar_sin_connection_close, ("recv()", "Connection: close")),
        (descargar_devuelve_texto, ("como texto", "int(")),
        (descargar_sin_host, ("400", "falta la cabecera Host")),
        (descargar_con_un_recv, ("no basta un recv()",)),
        (descargar_tirando_lo_que_llega_con_la_cabecera, ("le faltan los primeros", "mismo fragmento que la cabecera")),
        (descargar_abriendo_antes, ("creó el archivo (vacío)",)),
        (descargar_con_cabecera, ("empieza por la cabecera HTTP",)),
        (descargar_en_modo_texto, ("UnicodeDecodeError", "modo binario")),
        (descargar_sin_cerrar, ("ResourceWarning",)),
    ],
)
def test_3_3_wrong_answers_are_caught(function, words):
    caught("3.3", function, *words)


# == 3.4 enviar_todo(sock, datos) ========================================================


def enviar_todo(sock, datos):
    """The master solution."""
    enviados = 0
    while enviados < len(datos):
        enviados += sock.send(datos[enviados:])


def enviar_con_memoryview(sock, datos):
    vista = memoryview(datos)
    while vista:
        vista = vista[sock.send(vista) :]


def enviar_recortando(sock, datos):
    while datos:
        n = sock.send(datos)
        datos = datos[n:]


def enviar_una_vez(sock, datos):
    sock.send(datos)


def usar_sendall(sock, datos):
    sock.sendall(datos)


def enviar_en_trozos_sin_mirar(sock, datos):
    for i in range(0, len(datos), 4096):
        sock.send(datos[i : i + 4096])


def enviar_asignando_en_vez_de_sumar(sock, datos):
    enviados = 0
    while enviados < len(datos):
        enviados = sock.send(datos[enviados:])


def enviar_y_cerrar(sock, datos):
    enviar_todo(sock, datos)
    sock.close()


def enviar_y_shutdown(sock, datos):
    enviar_todo(sock, datos)
    sock.shutdown(socket.SHUT_WR)


def enviar_con_menor_o_igual(sock, datos):
    enviados = 0
    while enviados <= len(datos):
        enviados += sock.send(datos[enviados:])


def enviar_tragando_el_timeout(sock, datos):
    enviados = 0
    while enviados < len(datos):
        try:
            enviados += sock.send(datos[enviados:])
        except TimeoutError:
            continue  # un bucle sin fin si el otro lado no lee nunca


def enviar_rindiendose_en_silencio(sock, datos):
    enviados = 0
    while enviados < len(datos):
        try:
            enviados += sock.send(datos[enviados:])
        except OSError:
            return


def enviar_y_relanzar(sock, datos):
    enviados = 0
    try:
        while enviados < len(datos):
            enviados += sock.send(datos[enviados:])
    except TimeoutError:
        raise


@pytest.mark.parametrize("function", [enviar_todo, enviar_con_memoryview, enviar_recortando, enviar_y_relanzar])
def test_3_4_right_answers_pass(function, no_leaks):
    passes("3.4", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (enviar_una_vez, ("send() aceptó menos de lo pedido", "faltó volver a llamar a send()")),
        (usar_sendall, ("usaste sendall()",)),
        (enviar_en_trozos_sin_mirar, ("aceptó menos de lo pedido", "suma lo que devuelve cada send()")),
        (enviar_asignando_en_vez_de_sumar, ("suma lo que devuelve cada send()",)),
        (enviar_y_cerrar, ("cerró el socket",)),
        (enviar_y_shutdown, ("BrokenPipeError", "ni llama a shutdown()")),
        (enviar_con_menor_o_igual, ("while enviados < len(datos)",)),
        (enviar_tragando_el_timeout, ("lanzó TimeoutError", "lo atrapó y volvió a llamar a send()", "deja que")),
        (enviar_rindiendose_en_silencio, ("lanzó TimeoutError y tu función terminó sin error", "deja que")),
    ],
)
def test_3_4_wrong_answers_are_caught(function, words):
    caught("3.4", function, *words)


def test_3_4_a_single_send_is_fine_only_for_short_data():
    result = run("3.4", enviar_una_vez, HARD_LIMIT["3.4"])
    by_name = {c.name: c for c in result.cases}
    assert by_name["un mensaje corto llega entero"].status == "ok"  # small data fits in one send
    big = by_name["4 MiB con un búfer de envío pequeño llegan enteros y en orden"]
    assert big.status == "fallo" and "de 4194304 bytes" in big.message


def test_3_4_a_swallowed_timeout_fails_only_the_case_of_the_server_that_never_reads():
    result = run("3.4", enviar_tragando_el_timeout, HARD_LIMIT["3.4"])
    assert [c.status for c in result.cases] == ["ok"] * 5 + ["fallo"], repr(result)
    assert "así el bucle no acaba nunca" in result.cases[5].message


# == all =================================================================================


@pytest.mark.parametrize("exercise_id", ["3.1", "3.2", "3.3", "3.4"])
def test_stub_is_pending(exercise_id):
    result = run(exercise_id, stub, HARD_LIMIT[exercise_id])
    assert result.status == "pendiente"
    assert len(result.cases) == 1


@pytest.mark.parametrize("exercise_id", ["3.1", "3.2", "3.3", "3.4"])
def test_every_exercise_has_four_cases_or_more(exercise_id):
    assert len(lab.exercises._REGISTRY[exercise_id].cases) >= 4
