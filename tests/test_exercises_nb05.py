"""Notebook 05's exercises as a mutation suite: classic wrong answers get ✘ with the hint that names
their mistake, right answers in other styles than the master solution pass; all against real
loopback servers, each answer under a hard time limit."""

from __future__ import annotations

import http.client
import re
import socket

import pytest
from mutation_kit import failed_text, read_all, run, stub, suite

import labsupport as lab

LIMIT = 60.0  # seconds for a whole lab.comprobar; the cases' own limits are far smaller


def _host(direccion):
    host, puerto = direccion[0], direccion[1]
    return f"[{host}]:{puerto}" if ":" in host else f"{host}:{puerto}"


# == 5.1 enviar_texto(direccion, ruta, texto) =========================================
def _post(direccion, ruta, texto, *, longitud=None, host=None, tipo="text/plain; charset=utf-8",
          conexion="close", codificacion="utf-8", fin="\r\n"):
    cuerpo = texto.encode(codificacion)
    lineas = [f"POST {ruta} HTTP/1.1", f"Host: {host or _host(direccion)}"]
    if tipo:
        lineas.append(f"Content-Type: {tipo}")
    lineas.append(f"Content-Length: {len(cuerpo) if longitud is None else longitud(texto, cuerpo)}")
    if conexion:
        lineas.append(f"Connection: {conexion}")
    return (fin.join(lineas) + fin + fin).encode("ascii") + cuerpo


def enviar_texto(direccion, ruta, texto):
    with socket.create_connection(direccion, timeout=5) as sock:
        sock.sendall(_post(direccion, ruta, texto))
        return read_all(sock)


def texto_en_dos_envios(direccion, ruta, texto):
    cuerpo = texto.encode()
    cabecera = (
        f"POST {ruta} HTTP/1.1\r\nhost: {_host(direccion)}\r\ncontent-type: text/plain;charset=UTF-8\r\n"
        f"content-length: {len(cuerpo)}\r\nconnection: close\r\n\r\n"
    )
    with socket.create_connection(direccion, timeout=5) as sock, sock.makefile("rb") as archivo:
        sock.sendall(cabecera.encode())
        sock.sendall(cuerpo)
        return archivo.read()


def texto_try_finally(direccion, ruta, texto):
    sock = socket.socket()
    sock.settimeout(5)
    try:
        sock.connect(direccion)
        sock.sendall(_post(direccion, ruta, texto))
        respuesta = bytearray()
        while datos := sock.recv(4096):
            respuesta += datos
        return bytes(respuesta)
    finally:
        sock.close()


def _mutante_texto(**cambios):
    def mutante(direccion, ruta, texto):
        with socket.create_connection(direccion, timeout=5) as sock:
            sock.sendall(_post(direccion, ruta, texto, **cambios))
            return read_all(sock)

    mutante.__name__ = "texto_" + "_".join(f"{k}" for k in cambios)
    return mutante


texto_cuenta_caracteres = _mutante_texto(longitud=lambda texto, cuerpo: len(texto))
texto_sin_puerto = _mutante_texto(host="127.0.0.1")
texto_sin_tipo = _mutante_texto(tipo="")
texto_sin_connection_close = _mutante_texto(conexion="")
texto_latin1 = _mutante_texto(codificacion="latin-1")


def texto_latin1_reemplaza(direccion, ruta, texto):
    """Content-Length right for the bytes it sends, but those bytes are latin-1."""
    cuerpo = texto.encode("latin-1", "replace")
    cabecera = (f"POST {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Length: {len(cuerpo)}\r\nConnection: close\r\n\r\n")
    with socket.create_connection(direccion, timeout=5) as sock:
        sock.sendall(cabecera.encode() + cuerpo)
        return read_all(sock)


def texto_solo_cuerpo(direccion, ruta, texto):
    return enviar_texto(direccion, ruta, texto).partition(b"\r\n\r\n")[2]


texto_lf = _mutante_texto(fin="\n")


def texto_send(direccion, ruta, texto):
    with socket.create_connection(direccion, timeout=5) as sock:
        sock.send(_post(direccion, ruta, texto))
        return read_all(sock)


def texto_una_lectura(direccion, ruta, texto):
    with socket.create_connection(direccion, timeout=5) as sock:
        sock.sendall(_post(direccion, ruta, texto))
        return sock.recv(65536)


def texto_decodificado(direccion, ruta, texto):
    return enviar_texto(direccion, ruta, texto).decode("utf-8")


def texto_sin_cerrar(direccion, ruta, texto):
    sock = socket.create_connection(direccion, timeout=5)
    sock.sendall(_post(direccion, ruta, texto))
    return read_all(sock)


# == 5.2 construir_peticion(metodo, host, puerto, ruta, cuerpo="") ====================
def construir_peticion(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode("utf-8")
    lineas = [f"{metodo} {ruta} HTTP/1.1", f"Host: {_host((host, puerto))}", "User-Agent: curso/1.0"]
    if datos:
        lineas.append(f"Content-Length: {len(datos)}")
    return ("\r\n".join(lineas) + "\r\n\r\n").encode() + datos


def construir_con_bytes(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode()
    nombre = f"[{host}]" if ":" in host else host
    peticion = b"%s %s HTTP/1.1\r\nHost: %s:%d\r\n" % (metodo.encode(), ruta.encode(), nombre.encode(), puerto)
    peticion += b"Content-Length: %d\r\n" % len(datos)
    return peticion + b"\r\n" + datos


def construir_bytearray(metodo, host, puerto, ruta, cuerpo=""):
    peticion = bytearray(f"{metodo} {ruta} HTTP/1.1\r\n", "ascii")
    peticion += f"host: {_host((host, puerto))}\r\n".encode()
    if cuerpo:
        cuerpo_bytes = bytes(cuerpo, "utf-8")
        peticion += f"content-length: {len(cuerpo_bytes)}\r\ncontent-type: text/plain; charset=utf-8\r\n".encode()
    else:
        cuerpo_bytes = b""
    peticion += b"\r\n"
    return bytes(peticion + cuerpo_bytes)


def construir_con_lf(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode()
    return f"{metodo} {ruta} HTTP/1.1\nHost: {_host((host, puerto))}\nContent-Length: {len(datos)}\n\n".encode() + datos


def construir_cuenta_caracteres(metodo, host, puerto, ruta, cuerpo=""):
    texto = f"{metodo} {ruta} HTTP/1.1\r\nHost: {_host((host, puerto))}\r\n"
    if cuerpo:
        texto += f"Content-Length: {len(cuerpo)}\r\n"
    return (texto + "\r\n" + cuerpo).encode()


def construir_sin_corchetes(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode()
    lineas = [f"{metodo} {ruta} HTTP/1.1", f"Host: {host}:{puerto}"]
    lineas += [f"Content-Length: {len(datos)}"] if datos else []
    return ("\r\n".join(lineas) + "\r\n\r\n").encode() + datos


def construir_sin_puerto(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode()
    nombre = f"[{host}]" if ":" in host else host
    lineas = [f"{metodo} {ruta} HTTP/1.1", f"Host: {nombre}"]
    lineas += [f"Content-Length: {len(datos)}"] if datos else []
    return ("\r\n".join(lineas) + "\r\n\r\n").encode() + datos


def construir_texto(metodo, host, puerto, ruta, cuerpo=""):
    return construir_peticion(metodo, host, puerto, ruta, cuerpo).decode()


def construir_sin_linea_vacia(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode()
    lineas = [f"{metodo} {ruta} HTTP/1.1", f"Host: {_host((host, puerto))}"]
    if datos:
        lineas.append(f"Content-Length: {len(datos)}")
    return ("\r\n".join(lineas) + "\r\n").encode() + datos


def construir_latin1(metodo, host, puerto, ruta, cuerpo=""):
    datos = cuerpo.encode("latin-1")
    lineas = [f"{metodo} {ruta} HTTP/1.1", f"Host: {_host((host, puerto))}"]
    if datos:
        lineas.append(f"Content-Length: {len(datos)}")
    return ("\r\n".join(lineas) + "\r\n\r\n").encode() + datos


# == 5.3 leer_respuesta(sock, pendiente=b"") ==========================================
def leer_respuesta(sock, pendiente=b""):
    while b"\r\n\r\n" not in pendiente:
        trozo = sock.recv(65536)
        if not trozo:
            raise ConnectionError("el servidor cerró a mitad de la cabecera")
        pendiente += trozo
    cabecera, _, resto = pendiente.partition(b"\r\n\r\n")
    longitud = 0
    for linea in cabecera.split(b"\r\n")[1:]:
        nombre, _, valor = linea.partition(b":")
        if nombre.strip().lower() == b"content-length":
            longitud = int(valor)
    partes, recibido = [resto], len(resto)
    while recibido < longitud:
        trozo = sock.recv(65536)
        if not trozo:
            raise ConnectionError("el servidor cerró a mitad del cuerpo")
        partes.append(trozo)
        recibido += len(trozo)
    datos = b"".join(partes)
    return datos[:longitud], datos[longitud:]


def leer_byte_a_byte(sock, pendiente=b""):
    datos = bytearray(pendiente)
    while b"\r\n\r\n" not in datos:
        uno = sock.recv(1)
        if not uno:
            raise ConnectionResetError("cerrado en la cabecera")
        datos += uno
    fin = datos.index(b"\r\n\r\n") + 4
    encontrado = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", bytes(datos[:fin]))
    longitud = int(encontrado.group(1)) if encontrado else 0
    cuerpo = datos[fin:]
    while len(cuerpo) < longitud:
        mas = sock.recv(longitud - len(cuerpo))
        if not mas:
            raise ConnectionError("cerrado en el cuerpo")
        cuerpo += mas
    return bytes(cuerpo[:longitud]), bytes(cuerpo[longitud:])


def leer_con_recv_into(sock, pendiente=b""):
    acumulado = bytearray(pendiente)
    bufer = bytearray(16384)
    longitud = None
    fin = -1
    while longitud is None or len(acumulado) - fin < longitud:
        if longitud is None and (fin := acumulado.find(b"\r\n\r\n")) >= 0:
            fin += 4
            cabeceras = {}
            for linea in bytes(acumulado[:fin]).decode("latin-1").split("\r\n")[1:]:
                if ":" in linea:
                    k, v = linea.split(":", 1)
                    cabeceras[k.strip().casefold()] = v.strip()
            longitud = int(cabeceras.get("content-length", "0"))
            continue
        n = sock.recv_into(bufer)
        if n == 0:
            raise ConnectionAbortedError("el servidor cerró antes de tiempo")
        acumulado += bufer[:n]
    return bytes(acumulado[fin : fin + longitud]), bytes(acumulado[fin + longitud :])


def _cabecera_y_longitud(datos, nombre=b"content-length"):
    cabecera, _, resto = datos.partition(b"\r\n\r\n")
    longitud = 0
    for linea in cabecera.split(b"\r\n")[1:]:
        clave, _, valor = linea.partition(b":")
        if clave.strip().lower() == nombre:
            longitud = int(valor)
    return longitud, resto


def leer_una_lectura(sock, pendiente=b""):
    longitud, resto = _cabecera_y_longitud(pendiente + sock.recv(65536))
    return resto[:longitud], resto[longitud:]


def leer_hasta_el_cierre(sock, pendiente=b""):
    longitud, resto = _cabecera_y_longitud(pendiente + read_all(sock))
    return resto[:longitud], resto[longitud:]


def leer_tira_lo_de_la_cabecera(sock, pendiente=b""):
    datos = pendiente
    while b"\r\n\r\n" not in datos:
        datos += sock.recv(65536)
    longitud, _ = _cabecera_y_longitud(datos)  # the body bytes that came with the head are thrown away
    cuerpo = b""
    while len(cuerpo) < longitud:
        cuerpo += sock.recv(65536)
    return cuerpo[:longitud], cuerpo[longitud:]


def leer_mayusculas(sock, pendiente=b""):
    datos = pendiente
    while b"\r\n\r\n" not in datos:
        datos += sock.recv(65536)
    cabecera, _, resto = datos.partition(b"\r\n\r\n")
    longitud = int(cabecera.split(b"Content-Length: ")[1].split(b"\r\n")[0]) if b"Content-Length: " in cabecera else 0
    while len(resto) < longitud:
        resto += sock.recv(65536)
    return resto[:longitud], resto[longitud:]


def leer_y_cerrar(sock, pendiente=b""):
    with sock:
        return leer_respuesta(sock, pendiente)


def leer_sin_mirar_b_vacio(sock, pendiente=b""):
    datos = pendiente
    while b"\r\n\r\n" not in datos:
        datos += sock.recv(65536)
    longitud, resto = _cabecera_y_longitud(datos)
    while len(resto) < longitud:
        resto += sock.recv(65536)  # b"" forever once the server has closed
    return resto[:longitud], resto[longitud:]


def leer_sin_pendiente(sock, pendiente=b""):
    return leer_respuesta(sock, b"")


def leer_tira_el_sobrante(sock, pendiente=b""):
    cuerpo, _ = leer_respuesta(sock, pendiente)
    return cuerpo, b""


def leer_solo_cuerpo(sock, pendiente=b""):
    return leer_respuesta(sock, pendiente)[0]


# == 5.4 pedir_varias(direccion, rutas) ===============================================
def pedir_varias(direccion, rutas):
    cuerpos, sobrante = [], b""
    with socket.create_connection(direccion, timeout=5) as sock:
        for ruta in rutas:
            sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
            cuerpo, sobrante = leer_respuesta(sock, sobrante)
            cuerpos.append(cuerpo)
    return cuerpos


def varias_makefile(direccion, rutas):
    with socket.create_connection(direccion, timeout=5) as sock, sock.makefile("rb") as archivo:
        cuerpos = []
        for ruta in rutas:
            sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\nUser-Agent: a-mano\r\n\r\n".encode())
            archivo.readline()  # status line
            longitud = 0
            while (linea := archivo.readline()) not in (b"\r\n", b""):
                nombre, _, valor = linea.partition(b":")
                if nombre.lower() == b"content-length":
                    longitud = int(valor)
            cuerpos.append(archivo.read(longitud))
        return cuerpos


def varias_http_client(direccion, rutas):
    conexion = http.client.HTTPConnection(*direccion, timeout=5)
    try:
        cuerpos = []
        for ruta in rutas:
            conexion.request("GET", ruta)
            cuerpos.append(conexion.getresponse().read())
        return cuerpos
    finally:
        conexion.close()


def varias_una_por_peticion(direccion, rutas):
    cuerpos = []
    for ruta in rutas:
        with socket.create_connection(direccion, timeout=5) as sock:
            sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
            cuerpos.append(leer_respuesta(sock)[0])
    return cuerpos


def varias_una_lectura(direccion, rutas):
    cuerpos = []
    with socket.create_connection(direccion, timeout=5) as sock:
        for ruta in rutas:
            sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
            cuerpos.append(sock.recv(65536).partition(b"\r\n\r\n")[2])
    return cuerpos


def varias_hasta_el_cierre(direccion, rutas):
    with socket.create_connection(direccion) as sock:
        sock.sendall(f"GET {rutas[0]} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
        return [read_all(sock).partition(b"\r\n\r\n")[2]]  # keep-alive: b"" never comes


def varias_connection_close(direccion, rutas):
    cuerpos, sobrante = [], b""
    with socket.create_connection(direccion, timeout=5) as sock:
        for ruta in rutas:
            sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\nConnection: close\r\n\r\n".encode())
            cuerpo, sobrante = leer_respuesta(sock, sobrante)
            cuerpos.append(cuerpo)
    return cuerpos


def varias_sin_cerrar(direccion, rutas):
    sock = socket.create_connection(direccion, timeout=5)
    cuerpos, sobrante = [], b""
    for ruta in rutas:
        sock.sendall(f"GET {ruta} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
        cuerpo, sobrante = leer_respuesta(sock, sobrante)
        cuerpos.append(cuerpo)
    return cuerpos


def varias_texto(direccion, rutas):
    return [c.decode("latin-1") for c in pedir_varias(direccion, rutas)]


def varias_sin_host(direccion, rutas):
    cuerpos, sobrante = [], b""
    with socket.create_connection(direccion, timeout=5) as sock:
        for ruta in rutas:
            sock.sendall(f"GET {ruta} HTTP/1.1\r\n\r\n".encode())
            cuerpo, sobrante = leer_respuesta(sock, sobrante)
            cuerpos.append(cuerpo)
    return cuerpos


RIGHT = [
    ("5.1", enviar_texto),
    ("5.1", texto_en_dos_envios),
    ("5.1", texto_try_finally),
    ("5.2", construir_peticion),
    ("5.2", construir_con_bytes),
    ("5.2", construir_bytearray),
    ("5.3", leer_respuesta),
    ("5.3", leer_byte_a_byte),
    ("5.3", leer_con_recv_into),
    ("5.4", pedir_varias),
    ("5.4", varias_makefile),
    ("5.4", varias_http_client),
]

WRONG = [
    ("5.1", texto_cuenta_caracteres, ("los caracteres, no los bytes", "no len(texto)")),
    ("5.1", texto_sin_puerto, ("la cabecera Host decía '127.0.0.1'", "Host: 127.0.0.1:PUERTO")),
    ("5.1", texto_sin_tipo, ("Content-Type decía None", "text/plain; charset=utf-8")),
    ("5.1", texto_send, ("bytes del cuerpo: send() envía solo", "sendall")),
    ("5.1", texto_una_lectura, ("faltó seguir leyendo", "hasta b''")),
    ("5.1", texto_decodificado, ("se esperaba bytes", "str")),
    ("5.1", texto_sin_cerrar, ("ResourceWarning",)),
    ("5.1", texto_latin1, ("el cuerpo no está en UTF-8", "encode('utf-8')")),
    ("5.1", texto_latin1_reemplaza, ("el cuerpo no está en UTF-8", "encode('utf-8')")),
    ("5.1", texto_sin_connection_close, ("no llevaba Connection: close", "keep-alive")),
    ("5.1", texto_solo_cuerpo, ("debería empezar por b'HTTP/1.1 200 '", "la respuesta entera")),
    ("5.1", texto_lf, ("\\n sin \\r",)),
    ("5.2", construir_con_lf, ("\\n sin \\r",)),
    ("5.2", construir_cuenta_caracteres, ("Content-Length debería ser 39 (bytes)", "son los caracteres")),
    ("5.2", construir_sin_corchetes, ("'[::1]:8080'", "entre [ ]")),
    ("5.2", construir_sin_puerto, ("'127.0.0.1:8080'",)),
    ("5.2", construir_texto, ("se esperaban bytes y devolvió str", ".encode()")),
    ("5.2", construir_sin_linea_vacia, ("línea vacía",)),
    ("5.2", construir_latin1, ("el cuerpo en UTF-8", "cuerpo.encode('utf-8')")),
    ("5.3", leer_una_lectura, ("faltó seguir leyendo", "repite recv()")),
    ("5.3", leer_hasta_el_cierre, ("no llames más a recv()",)),
    ("5.3", leer_tira_lo_de_la_cabecera, ("lo que ya vino con la cabecera",)),
    ("5.3", leer_mayusculas, ("minúsculas", "lower()")),
    ("5.3", leer_y_cerrar, ("cerró el socket", "keep-alive")),
    ("5.3", leer_sin_mirar_b_vacio, ("no terminó", "lanza ConnectionError")),
    ("5.3", leer_sin_pendiente, ("pendiente",)),
    ("5.3", leer_tira_el_sobrante, ("se perdió", "devuélvelos como sobrante")),
    ("5.3", leer_solo_cuerpo, ("se esperaba tuple",)),
    ("5.4", varias_una_por_peticion, ("vio 4 conexiones para 4 peticiones", "crea el socket una vez")),
    ("5.4", varias_una_lectura, ("se esperaban 10 bytes", "repite recv()")),
    ("5.4", varias_hasta_el_cierre, ("no terminó", "No esperes a b''")),
    ("5.4", varias_connection_close, ("pediste Connection: close",)),
    ("5.4", varias_sin_cerrar, ("ResourceWarning",)),
    ("5.4", varias_texto, ("se esperaba bytes", "str")),
    ("5.4", varias_sin_host, ("Host",)),
]


(
    test_right_answers_in_any_style_pass,
    test_classic_mistakes_get_a_cross_and_the_hint_that_names_them,
    test_every_exercise_has_four_cases_six_mistakes_and_three_right_styles,
) = suite(("5.1", "5.2", "5.3", "5.4"), RIGHT, WRONG, LIMIT)


def test_pending_helper_is_named_when_the_keep_alive_client_reuses_it():
    def leer_pendiente(sock, pendiente=b""):
        raise NotImplementedError("Escribe aquí tu solución")

    def reutiliza(direccion, rutas):
        with socket.create_connection(direccion, timeout=5) as sock:
            sock.sendall(f"GET {rutas[0]} HTTP/1.1\r\nHost: {_host(direccion)}\r\n\r\n".encode())
            return [leer_pendiente(sock)[0]]

    result = lab.comprobar("5.4", reutiliza)
    assert result.status == "pendiente"
    assert "leer_pendiente()" in repr(result)


def test_stubs_are_pending_and_name_the_function():
    names = [("5.1", "enviar_texto()"), ("5.2", "construir_peticion()"), ("5.3", "leer_respuesta()"),
             ("5.4", "pedir_varias()")]
    for exercise_id, name in names:
        result = lab.comprobar(exercise_id, stub)
        assert result.status == "pendiente"
        assert name in repr(result)


@pytest.mark.parametrize("function", [texto_latin1, texto_latin1_reemplaza, texto_solo_cuerpo])
def test_5_1_blames_only_the_mistake_made(function):
    """A latin-1 body with its own byte count is not "los caracteres"; a body-only answer sent
    everything, so no "usa sendall()" is suggested to it."""
    text = failed_text(run("5.1", function, LIMIT)).lower()
    assert "los caracteres, no los bytes" not in text, text
    assert "usa sendall" not in text, text
