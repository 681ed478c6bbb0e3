"""Notebook 06's exercises, as a mutation suite: classic wrong answers are caught, other right styles pass.

Each exercise has the notebook's solution, right answers written another way, and wrong
answers that make the classic mistakes of its topic (the guide's first). A wrong answer
must get ✘ or ◷ on the case about its mistake, with words that name it.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import time

import pytest
from _mutation import assert_caught, assert_passes, check

import labsupport as lab

# -- right answers: the notebook's solutions -------------------------------------------


def parsear_respuesta(datos):
    fin, separador = datos.find(b"\r\n\r\n"), 4
    if fin < 0:
        fin, separador = datos.find(b"\n\n"), 2
    if fin < 0:
        fin, separador = len(datos), 0
    cabecera = datos[:fin].decode("iso-8859-1")
    resto = datos[fin + separador :]
    lineas = [linea.rstrip("\r") for linea in cabecera.split("\n")]
    version, codigo, *mensaje = lineas[0].split(" ", 2)
    headers = {}
    for linea in lineas[1:]:
        if ":" in linea:
            nombre, valor = linea.split(":", 1)
            headers[nombre.strip().lower()] = valor.strip()
    cuerpo = resto
    if "content-length" in headers:
        cuerpo = resto[: int(headers["content-length"])]
    return {"version": version, "codigo": int(codigo), "mensaje": mensaje[0] if mensaje else "",
            "headers": headers, "cuerpo": cuerpo}


def decodificar_chunked(cuerpo):
    trozos = []
    pos = 0
    while True:
        fin_linea = cuerpo.index(b"\r\n", pos)
        tamano = int(cuerpo[pos:fin_linea].split(b";")[0], 16)
        if tamano == 0:  # then the trailers, if any, and the empty line that ends the message
            if b"\r\n\r\n" not in cuerpo[fin_linea:]:
                raise ValueError("falta la línea en blanco final")
            return b"".join(trozos)
        inicio = fin_linea + 2
        if cuerpo[inicio + tamano : inicio + tamano + 2] != b"\r\n":
            raise ValueError("trozo incompleto")
        trozos.append(cuerpo[inicio : inicio + tamano])
        pos = inicio + tamano + 2


def leer_cabeceras(sock):
    datos = bytearray()
    while b"\r\n\r\n" not in datos:
        fragmento = sock.recv(4096)
        if not fragmento:
            raise ConnectionError("el servidor cerró antes de la línea en blanco")
        datos += fragmento
    cabecera, _, resto = bytes(datos).partition(b"\r\n\r\n")
    return cabecera, resto


def leer_respuesta(sock):
    cabecera, resto = leer_cabeceras(sock)
    r = parsear_respuesta(cabecera + b"\r\n\r\n")
    codigo, headers, cuerpo = r["codigo"], r["headers"], bytearray(resto)
    if 100 <= codigo < 200 or codigo in (204, 304):
        return codigo, headers, b""
    chunked = headers.get("transfer-encoding", "").lower() == "chunked"
    n = int(headers.get("content-length", -1))
    while True:
        if chunked:
            try:
                return codigo, headers, decodificar_chunked(bytes(cuerpo))
            except ValueError:                          # aún falta algún trozo
                pass
        elif 0 <= n <= len(cuerpo):
            return codigo, headers, bytes(cuerpo[:n])
        fragmento = sock.recv(65536)
        if not fragmento:
            if chunked or n >= 0:
                raise ConnectionError("el servidor cerró antes de terminar el cuerpo")
            return codigo, headers, bytes(cuerpo)       # sin longitud: el cierre marca el final
        cuerpo += fragmento


# -- right answers in other styles -----------------------------------------------------


def parsear_con_partition(datos):
    separador = b"\r\n\r\n" if b"\r\n\r\n" in datos else b"\n\n"
    cabecera, _, cuerpo = datos.partition(separador)
    primera, *lineas = cabecera.decode("latin-1").splitlines()
    version, codigo, mensaje = [*primera.split(maxsplit=2), ""][:3]
    headers = {}
    for linea in lineas:
        nombre, dos_puntos, valor = linea.partition(":")
        if dos_puntos:
            headers[nombre.strip().lower()] = valor.strip()
    if "content-length" in headers:
        cuerpo = cuerpo[: int(headers["content-length"])]
    return dict(version=version, codigo=int(codigo), mensaje=mensaje, headers=headers, cuerpo=cuerpo)


def parsear_con_regex(datos):
    m = re.match(rb"(.*?)\r?\n\r?\n", datos, re.S)
    cabecera, cuerpo = (m.group(1), datos[m.end():]) if m else (datos, b"")
    lineas = re.split(rb"\r?\n", cabecera)
    version, codigo, mensaje = re.match(rb"(\S+) (\d{3}) ?(.*)", lineas[0]).groups()
    headers = {k.strip().lower().decode(): v.strip().decode("latin-1")
               for k, _, v in (linea.partition(b":") for linea in lineas[1:]) if v or k}
    if "content-length" in headers:
        cuerpo = cuerpo[: int(headers["content-length"])]
    return {"version": version.decode(), "codigo": int(codigo), "mensaje": mensaje.decode("latin-1"),
            "headers": headers, "cuerpo": bytes(cuerpo)}


def chunked_con_bytesio(cuerpo):
    f = io.BytesIO(cuerpo)
    partes = []
    while True:
        linea = f.readline()
        if not linea.endswith(b"\r\n"):
            raise ValueError("falta una línea de tamaño")
        tam = int(linea.split(b";")[0].strip(), 16)
        if tam == 0:
            while (linea := f.readline()) != b"\r\n":
                if not linea.endswith(b"\r\n"):
                    raise ValueError("falta la línea en blanco final")
            return b"".join(partes)
        datos = f.read(tam)
        if len(datos) < tam or f.read(2) != b"\r\n":
            raise ValueError("trozo incompleto")
        partes.append(datos)


def chunked_recursivo(cuerpo):
    linea, sep, resto = cuerpo.partition(b"\r\n")
    if not sep:
        raise ValueError("incompleto")
    tam = int(linea.partition(b";")[0], 16)
    if tam == 0:
        if b"\r\n\r\n" not in b"\r\n" + resto:
            raise ValueError("falta la línea en blanco final")
        return b""
    if resto[tam : tam + 2] != b"\r\n":
        raise ValueError("incompleto")
    return resto[:tam] + chunked_recursivo(resto[tam + 2 :])


def cabeceras_byte_a_byte(sock):
    datos = b""
    while not datos.endswith(b"\r\n\r\n"):
        b = sock.recv(1)
        if b == b"":
            raise ConnectionResetError("cerró antes de tiempo")
        datos += b
    return datos[:-4], b""


def cabeceras_buscando_al_final(sock):
    datos = bytearray()
    desde = 0
    while (fin := datos.find(b"\r\n\r\n", desde)) < 0:
        desde = max(0, len(datos) - 3)
        buf = bytearray(1024)
        n = sock.recv_into(buf)
        if n == 0:
            raise ConnectionError("cerró")
        datos += buf[:n]
    return bytes(datos[:fin]), bytes(datos[fin + 4 :])


def leer_con_http_client(sock):
    r = http.client.HTTPResponse(sock)
    r.begin()
    cuerpo = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, cuerpo


def leer_exacto(sock):
    """Reads exactly what it needs, with a decoder of its own for chunked bodies."""
    cabecera, resto = cabeceras_buscando_al_final(sock)
    pendiente = bytearray(resto)

    def tomar(n):
        while len(pendiente) < n:
            datos = sock.recv(n - len(pendiente))
            if not datos:
                raise ConnectionError("cerró")
            pendiente.extend(datos)
        out = bytes(pendiente[:n])
        del pendiente[:n]
        return out

    def linea():
        while b"\r\n" not in pendiente:
            datos = sock.recv(1)
            if not datos:
                raise ConnectionError("cerró")
            pendiente.extend(datos)
        return tomar(pendiente.index(b"\r\n") + 2)[:-2]

    lineas = cabecera.decode("latin-1").split("\r\n")
    codigo = int(lineas[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lineas[1:])}
    if codigo in (204, 304) or codigo < 200:
        return codigo, headers, b""
    if "chunked" in headers.get("transfer-encoding", ""):
        partes = []
        while tam := int(linea().split(b";")[0], 16):
            partes.append(tomar(tam))
            tomar(2)
        while linea():  # cabeceras finales, hasta la línea en blanco
            pass
        return codigo, headers, b"".join(partes)
    if "content-length" in headers:
        return codigo, headers, tomar(int(headers["content-length"]))
    while datos := sock.recv(4096):
        pendiente.extend(datos)
    return codigo, headers, bytes(pendiente)


def leer_con_makefile(sock):
    """Reads through one buffered file per response; every short read is a closed connection."""
    f = sock.makefile("rb")

    def exacto(n):
        datos = f.read(n)
        if len(datos) < n:
            raise ConnectionError("el servidor cerró a mitad del cuerpo")
        return datos

    def linea():
        datos = f.readline()
        if not datos.endswith(b"\r\n"):
            raise ConnectionError("el servidor cerró a mitad de una línea")
        return datos

    codigo = int(linea().split()[1])
    headers = {}
    while (cabecera := linea()) != b"\r\n":
        nombre, _, valor = cabecera.decode("iso-8859-1").partition(":")
        headers[nombre.strip().lower()] = valor.strip()
    if codigo in (204, 304) or codigo < 200:
        return codigo, headers, b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        partes = []
        while tam := int(linea().split(b";")[0], 16):
            partes.append(exacto(tam))
            exacto(2)
        while linea() != b"\r\n":  # cabeceras finales, hasta la línea en blanco
            pass
        return codigo, headers, b"".join(partes)
    if "content-length" in headers:
        return codigo, headers, exacto(int(headers["content-length"]))
    return codigo, headers, f.read()


RIGHT = [
    ("6.1", parsear_respuesta), ("6.1", parsear_con_partition), ("6.1", parsear_con_regex),
    ("6.2", decodificar_chunked), ("6.2", chunked_con_bytesio), ("6.2", chunked_recursivo),
    ("6.3", leer_cabeceras), ("6.3", cabeceras_byte_a_byte), ("6.3", cabeceras_buscando_al_final),
    ("6.4", leer_respuesta), ("6.4", leer_con_http_client), ("6.4", leer_exacto), ("6.4", leer_con_makefile),
]


@pytest.mark.parametrize(("exercise_id", "function"), RIGHT, ids=lambda x: getattr(x, "__name__", x))
def test_right_answers_in_any_style_pass(exercise_id, function):
    assert_passes(check(exercise_id, function))


# -- 6.1: wrong answers ----------------------------------------------------------------


def parsear_como_la_guia(datos):
    """The guide's parser with the keys renamed: decodes everything, splits on CRLF only."""
    texto = datos.decode("utf-8", errors="ignore")
    cabecera, _, cuerpo = texto.partition("\r\n\r\n")
    lineas = cabecera.split("\r\n")
    version, codigo, *mensaje = lineas[0].split(" ", 2)
    headers = {}
    for linea in lineas[1:]:
        if ":" in linea:
            k, v = linea.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return {"version": version, "codigo": int(codigo), "mensaje": mensaje[0] if mensaje else "",
            "headers": headers, "cuerpo": cuerpo.encode()}


def _variant(**changes):
    """parsear_respuesta with one mistake; ``changes`` picks it."""

    def parsear(datos):
        sep = b"\r\n\r\n"
        fin = datos.find(sep)
        if fin < 0 and not changes.get("crlf_only"):
            sep, fin = b"\n\n", datos.find(b"\n\n")
        if fin < 0:
            fin = len(datos)
        cabecera = datos[:fin].decode("iso-8859-1")
        resto = datos[fin + len(sep) :]
        if changes.get("split_all"):
            resto = datos.split(sep)[1] if sep in datos else b""
        lineas = [x.rstrip("\r") for x in cabecera.split("\n")]
        if changes.get("one_word_message"):
            partes = lineas[0].split(" ")
            version, codigo, mensaje = partes[0], partes[1], partes[2] if len(partes) > 2 else ""
        else:
            version, codigo, *m = lineas[0].split(" ", 2)
            mensaje = m[0] if m else ""
        headers = {}
        for linea in lineas[1:]:
            if ":" not in linea:
                continue
            if changes.get("split_every_colon"):
                partes = linea.split(":")
                nombre, valor = partes[0], partes[1]
            else:
                nombre, valor = linea.split(":", 1)
            nombre = nombre.strip() if changes.get("keep_case") else nombre.strip().lower()
            headers[nombre] = valor if changes.get("no_strip") else valor.strip()
        cuerpo = resto
        if "content-length" in headers and not changes.get("ignore_length"):
            cuerpo = resto[: int(headers["content-length"])]
        return {"version": version, "codigo": codigo if changes.get("code_as_text") else int(codigo),
                "mensaje": mensaje, "headers": headers, "cuerpo": cuerpo}

    return parsear


def parsear_cambiando_todos_los_crlf(datos):
    """The 'lenient' shortcut: every \\r\\n becomes \\n, in the body too (the PNG contains them)."""
    return parsear_respuesta(datos.replace(b"\r\n", b"\n"))


def parsear_buscando_primero_lf(datos):
    """Looks for b'\\n\\n' first: on a CRLF response whose body holds b'\\n\\n' it cuts inside the body."""
    for separador in (b"\n\n", b"\r\n\r\n"):
        if (fin := datos.find(separador)) >= 0:
            break
    r = parsear_respuesta(datos[:fin] + b"\n\n")
    r["cuerpo"] = datos[fin + len(separador) :][: int(r["headers"].get("content-length", len(datos)))]
    return r


WRONG_61 = [
    (parsear_como_la_guia, "cuerpo binario intacto", ["no decodifiques", "decodificada como UTF-8"]),
    (parsear_cambiando_todos_los_crlf, "cuerpo binario intacto", ["también en el cuerpo"]),
    (parsear_buscando_primero_lf, "cuerpo binario intacto", ["se cortó dentro del cuerpo", "busca primero"]),
    (_variant(crlf_only=True), "solo en \\n", ["b'\\n\\n'"]),
    (_variant(ignore_length=True), "acaba donde dice", ["cuerpo[:n]"]),
    (_variant(keep_case=True), "minúsculas", ["no están en minúsculas", ".lower()"]),
    (_variant(split_every_colon=True), "«:» dentro del valor", ["cortaste también en los «:»", "split(':', 1)"]),
    (_variant(no_strip=True), "sin espacios", [".strip()"]),
    (_variant(code_as_text=True), "línea de estado", ["int()"]),
    (_variant(one_word_message=True), "línea de estado", ["split(' ', 2)", "'Not'"]),
    (_variant(split_all=True), "acaba donde dice", ["DENTRO del cuerpo"]),
]


@pytest.mark.parametrize(("wrong", "case", "words"), WRONG_61, ids=range(len(WRONG_61)))
def test_61_classic_mistakes_are_caught_and_named(wrong, case, words):
    assert_caught(check("6.1", wrong), case, *words)


def test_61_the_guides_parser_fails_where_the_notebook_says():
    result = check("6.1", parsear_como_la_guia)
    statuses = {c.name.split(":")[0]: c.status for c in result.cases}
    assert statuses["línea de estado"] == "ok"  # CRLF and no binary body: the guide's parser copes
    assert_caught(result, "solo en \\n", "b'\\n\\n'")


# -- 6.2: wrong answers ----------------------------------------------------------------


def chunked_partiendo_lineas(cuerpo):
    """Splits on CRLF: breaks when the data itself contains CRLF."""
    partes = cuerpo.split(b"\r\n")
    return b"".join(partes[i + 1] for i in range(0, len(partes) - 1, 2) if partes[i].split(b";")[0] != b"0")


def _chunked_variant(**changes):
    def decodificar(cuerpo):
        trozos, pos = [], 0
        while True:
            if changes.get("stop_at_end") and pos >= len(cuerpo):
                return b"".join(trozos)
            fin = cuerpo.index(b"\r\n", pos)
            linea = cuerpo[pos:fin]
            if not changes.get("ignore_extension"):
                linea = linea.split(b";")[0]
            tam = int(linea) if changes.get("decimal") else int(linea, 16)
            if tam == 0 and not changes.get("no_stop"):
                break
            inicio = fin + 2
            trozo = cuerpo[inicio : inicio + tam]
            trozos.append(cuerpo[pos : inicio + tam] if changes.get("keep_size_lines") else trozo)
            pos = inicio + tam + (0 if changes.get("forget_crlf") else 2)
            if changes.get("first_only"):
                break
        data = b"".join(trozos)
        return data.decode("utf-8", "replace") if changes.get("as_text") else data

    return decodificar


def chunked_buscando_el_final(cuerpo):
    """Finds the end by searching b'0\\r\\n\\r\\n', which may be inside the data."""
    fin = cuerpo.find(b"0\r\n\r\n")
    if fin < 0:
        raise ValueError("incompleto")
    partes, pos = [], 0
    while pos < fin:
        fin_linea = cuerpo.index(b"\r\n", pos)
        tam = int(cuerpo[pos:fin_linea].split(b";")[0], 16)
        if tam == 0:
            break
        partes.append(cuerpo[fin_linea + 2 : fin_linea + 2 + tam])
        pos = fin_linea + 2 + tam + 2
    return b"".join(partes)


def chunked_que_exige_acabar_en_la_linea_en_blanco(cuerpo):
    """Strict in the wrong place: the body must END at the blank line, so bytes after it are an error."""
    if not cuerpo.endswith(b"\r\n\r\n"):
        raise ValueError("el cuerpo no acaba en la línea en blanco")
    return decodificar_chunked(cuerpo)


WRONG_62 = [
    (chunked_buscando_el_final, "datos binarios", ["DENTRO de los datos", "ni busques b'0\\r\\n\\r\\n'"]),
    (chunked_que_exige_acabar_en_la_linea_en_blanco, "el trozo 0 termina",
     ["respuesta siguiente", "ya no es de este cuerpo: ignóralo"]),
    (chunked_partiendo_lineas, "datos binarios", ["no partas el cuerpo por b'\\r\\n'"]),
    (_chunked_variant(ignore_extension=True), "extensión", ["«;extensión»"]),
    (_chunked_variant(forget_crlf=True), "el \\r\\n que cierra", ["salta también su \\r\\n"]),
    (_chunked_variant(decimal=True), "hexadecimal", ["hexadecimal", "int(texto, 16)"]),
    (_chunked_variant(no_stop=True), "el trozo 0 termina", ["tamaño 0 ya no vienen datos"]),
    (_chunked_variant(as_text=True), "/stream-bytes", ["texto (str)"]),
    (_chunked_variant(keep_size_lines=True), "extensión", ["incluye la línea de tamaño"]),
    (_chunked_variant(first_only=True), "/stream-bytes", ["primer trozo"]),
    (_chunked_variant(stop_at_end=True), "le falta el final", ["en vez de lanzar ValueError"]),
    (_chunked_variant(), "le falta el final", ["le falta la línea en blanco que cierra el mensaje", "RFC 9112"]),
]


@pytest.mark.parametrize(("wrong", "case", "words"), WRONG_62, ids=range(len(WRONG_62)))
def test_62_classic_mistakes_are_caught_and_named(wrong, case, words):
    assert_caught(check("6.2", wrong), case, *words)


# -- 6.3: wrong answers ----------------------------------------------------------------


def cabeceras_un_recv(sock):
    return sock.recv(4096).partition(b"\r\n\r\n")[::2]


def cabeceras_mirando_el_ultimo(sock):
    """Looks for the blank line in the newest fragment only."""
    datos = bytearray()
    while True:
        fragmento = sock.recv(4096)
        if not fragmento:
            raise ConnectionError("cerró")
        datos += fragmento
        if b"\r\n\r\n" in fragmento:
            break
    cabecera, _, resto = bytes(datos).partition(b"\r\n\r\n")
    return cabecera, resto


def cabeceras_hasta_el_cierre(sock):
    partes = []
    while datos := sock.recv(4096):
        partes.append(datos)
    return b"".join(partes).partition(b"\r\n\r\n")[::2]


def cabeceras_sin_resto(sock):
    cabecera, _ = leer_cabeceras(sock)
    return cabecera, b""


def cabeceras_sin_mirar_el_cierre(sock):
    """Never checks for b'': spins forever when the server closes early."""
    datos = b""
    while b"\r\n\r\n" not in datos:
        datos += sock.recv(4096)
    return datos.partition(b"\r\n\r\n")[::2]


def cabeceras_que_devuelven_lo_que_hay(sock):
    datos = b""
    while b"\r\n\r\n" not in datos:
        fragmento = sock.recv(4096)
        if not fragmento:
            return datos, b""
        datos += fragmento
    return datos.partition(b"\r\n\r\n")[::2]


def cabeceras_con_la_linea_en_blanco(sock):
    cabecera, resto = leer_cabeceras(sock)
    return cabecera + b"\r\n\r\n", resto


def cabeceras_con_makefile(sock):
    """Reads through a buffered file: the buffer reads ahead, and the bytes it took are lost."""
    f = sock.makefile("rb")
    lineas = []
    while (linea := f.readline()) not in (b"\r\n", b""):
        lineas.append(linea)
    return b"".join(lineas)[:-2], b""


WRONG_63 = [
    (cabeceras_un_recv, "fragmentos de 7 bytes", ["un solo recv()"]),
    (cabeceras_mirando_el_ultimo, "partida entre dos recv()", ["TODO lo acumulado"]),
    (cabeceras_un_recv, "partida entre dos recv()", ["no encontró b'\\r\\n\\r\\n'", "partido entre dos recv()"]),
    (cabeceras_hasta_el_cierre, "keep-alive", ["no esperes a que el servidor cierre"]),
    (cabeceras_sin_resto, "el principio del cuerpo", ["se perdieron 40 bytes", "no lo tires"]),
    (cabeceras_sin_mirar_el_cierre, "cierra antes", ["ConnectionError", "b''"]),
    (cabeceras_que_devuelven_lo_que_hay, "cierra antes", ["lanza ConnectionError"]),
    (cabeceras_con_la_linea_en_blanco, "fragmentos de 7 bytes", ["incluye la línea en blanco"]),
    (cabeceras_con_makefile, "el principio del cuerpo", ["se perdieron"]),
    (lambda sock: tuple(x.decode() for x in leer_cabeceras(sock)), "fragmentos", ["texto (str)"]),
]


@pytest.mark.parametrize(("wrong", "case", "words"), WRONG_63, ids=range(len(WRONG_63)))
def test_63_classic_mistakes_are_caught_and_named(wrong, case, words):
    assert_caught(check("6.3", wrong), case, *words)


def test_63_a_loop_that_spins_on_eof_is_said_to_spin():
    result = check("6.3", cabeceras_sin_mirar_el_cierre)
    (case,) = [c for c in result.cases if "cierra antes" in c.name]
    assert case.status == "tiempo" and "bucle" in case.message


# -- 6.4: wrong answers ----------------------------------------------------------------


def respuesta_un_recv(sock):
    cabecera, _, cuerpo = sock.recv(65536).partition(b"\r\n\r\n")
    return int(cabecera.split()[1]), {}, cuerpo


def respuesta_hasta_el_cierre(sock):
    partes = []
    while datos := sock.recv(65536):
        partes.append(datos)
    r = parsear_respuesta(b"".join(partes))
    return r["codigo"], r["headers"], r["cuerpo"]


def _reader_variant(**changes):
    def leer(sock):
        cabecera, resto = leer_cabeceras(sock)
        lineas = cabecera.decode("latin-1").split("\r\n")
        codigo = int(lineas[0].split()[1])
        headers = {}
        for linea in lineas[1:]:
            k, _, v = linea.partition(":")
            headers[k.strip() if changes.get("keep_case") else k.strip().lower()] = v.strip()
        cuerpo = bytearray(b"" if changes.get("drop_rest") else resto)
        if (codigo in (204, 304) or codigo < 200) and not changes.get("body_always"):
            return codigo, headers, b""
        te = headers.get("Transfer-Encoding" if changes.get("keep_case") else "transfer-encoding", "")
        if te == "chunked" and not changes.get("ignore_chunked"):
            while True:
                try:
                    data = decodificar_chunked(bytes(cuerpo))
                    return codigo, headers, bytes(cuerpo) if changes.get("raw_chunked") else data
                except ValueError:
                    cuerpo += sock.recv(65536)
        cl = headers.get("Content-Length" if changes.get("keep_case") else "content-length")
        if cl is not None:
            n = int(cl)
            while len(cuerpo) < n:
                cuerpo += sock.recv(65536)
            return codigo, headers, bytes(cuerpo if changes.get("no_cut") else cuerpo[:n])
        while datos := sock.recv(65536):
            cuerpo += datos
        return codigo, headers, bytes(cuerpo)

    return leer


def respuesta_que_busca_el_final_troceado(sock):
    """The classic: a chunked body is over when what was read ends in b'0\\r\\n\\r\\n' (not with trailers)."""
    cabecera, resto = leer_cabeceras(sock)
    r = parsear_respuesta(cabecera + b"\r\n\r\n")
    codigo, headers, cuerpo = r["codigo"], r["headers"], bytearray(resto)
    if headers.get("transfer-encoding") != "chunked":
        return leer_respuesta_con(sock, codigo, headers, cuerpo)
    while not cuerpo.endswith(b"0\r\n\r\n"):
        fragmento = sock.recv(65536)
        if not fragmento:
            raise ConnectionError("el servidor cerró antes de terminar el cuerpo")
        cuerpo += fragmento
    return codigo, headers, decodificar_chunked(bytes(cuerpo))


def leer_respuesta_con(sock, codigo, headers, cuerpo, decodificar=decodificar_chunked, parcial=False):
    """The notebook's leer_respuesta from the head on, with another decoder, or keeping a cut body
    (``parcial``: True always, "chunked" only for a chunked one)."""
    if 100 <= codigo < 200 or codigo in (204, 304):
        return codigo, headers, b""
    chunked = headers.get("transfer-encoding", "").lower() == "chunked"
    n = int(headers.get("content-length", -1))
    while True:
        if chunked:
            try:
                return codigo, headers, decodificar(bytes(cuerpo))
            except ValueError:
                pass
        elif 0 <= n <= len(cuerpo):
            return codigo, headers, bytes(cuerpo[:n])
        fragmento = sock.recv(65536)
        if not fragmento:
            if (chunked or n >= 0) and parcial not in (True, "chunked" if chunked else None):
                raise ConnectionError("el servidor cerró antes de terminar el cuerpo")
            return codigo, headers, bytes(cuerpo)
        cuerpo += fragmento


def chunked_hasta_el_trozo_0(cuerpo):
    """The lenient decoder 6.2 rejects: done at the 0 chunk, trailers and blank line left unread."""
    partes, pos = [], 0
    while True:
        fin_linea = cuerpo.index(b"\r\n", pos)
        tam = int(cuerpo[pos:fin_linea].split(b";")[0], 16)
        if tam == 0:
            return b"".join(partes)
        inicio = fin_linea + 2
        if len(cuerpo) < inicio + tam + 2:
            raise ValueError("trozo incompleto")
        partes.append(cuerpo[inicio : inicio + tam])
        pos = inicio + tam + 2


def _head_then(**options):
    def leer(sock):
        cabecera, resto = leer_cabeceras(sock)
        r = parsear_respuesta(cabecera + b"\r\n\r\n")
        return leer_respuesta_con(sock, r["codigo"], r["headers"], bytearray(resto), **options)

    return leer


WRONG_64 = [
    (respuesta_que_busca_el_final_troceado, "cabeceras finales (trailers) en otro fragmento",
     ["cabeceras finales", "línea en blanco", "siguió leyendo"]),
    (_head_then(decodificar=chunked_hasta_el_trozo_0), "cabeceras finales (trailers) en otro fragmento",
     ["cabeceras finales", "línea en blanco", "seguían sin leer", "X-Suma: 1234"]),
    (_head_then(parcial=True), "cierra antes de que llegue todo el cuerpo",
     ["Content-Length: 3000 y 1800 bytes", "lanza ConnectionError"]),
    (_head_then(parcial="chunked"), "cierra antes de que llegue todo el cuerpo",
     ["un cuerpo troceado cortado", "lanza ConnectionError"]),
    (respuesta_un_recv, "fragmentos de 1000 bytes", ["faltan"]),
    (respuesta_hasta_el_cierre, "fragmentos de 1000 bytes", ["no esperes al cierre"]),
    (_reader_variant(ignore_chunked=True), "troceado", ["transfer-encoding"]),
    (_reader_variant(raw_chunked=True), "troceado", ["aún lleva el troceado"]),
    (_reader_variant(keep_case=True), "minúsculas", ["no distinguen mayúsculas"]),
    (_reader_variant(drop_rest=True), "junto con las cabeceras", ["junto con las cabeceras"]),
    (_reader_variant(no_cut=True), "junto con las cabeceras", ["te sobran bytes"]),
    (_reader_variant(body_always=True), "204 y 304", ["nunca llevan cuerpo"]),
    (respuesta_un_recv, "204 y 304", ["la longitud del tercer cuerpo"]),
]


@pytest.mark.parametrize(("wrong", "case", "words"), WRONG_64, ids=range(len(WRONG_64)))
def test_64_classic_mistakes_are_caught_and_named(wrong, case, words):
    assert_caught(check("6.4", wrong), case, *words)


# -- what every checker promises -------------------------------------------------------


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


@pytest.mark.parametrize("exercise_id", ["6.1", "6.2", "6.3", "6.4"])
def test_stubs_are_pending(exercise_id):
    result = check(exercise_id, stub)
    assert result.status == "pendiente" and "pendiente" in repr(result)


def cabeceras_con_el_cierre_pendiente(sock):  # written but for the early close, still a stub there
    datos = bytearray()
    while b"\r\n\r\n" not in datos:
        fragmento = sock.recv(4096)
        if not fragmento:
            raise NotImplementedError("Escribe aquí qué hacer si el servidor cierra")
        datos += fragmento
    cabecera, _, resto = bytes(datos).partition(b"\r\n\r\n")
    return cabecera, resto


def respuesta_con_el_cierre_pendiente(sock):  # the same for a body cut by the close
    cabecera, resto = leer_cabeceras(sock)
    r = parsear_respuesta(cabecera + b"\r\n\r\n")
    try:
        return leer_respuesta_con(sock, r["codigo"], r["headers"], bytearray(resto))
    except ConnectionError:
        raise NotImplementedError("Escribe aquí qué hacer si el servidor cierra") from None


@pytest.mark.parametrize(("exercise_id", "function"), [("6.3", cabeceras_con_el_cierre_pendiente),
                                                       ("6.4", respuesta_con_el_cierre_pendiente)])
def test_a_stub_left_in_the_early_close_branch_is_pending(exercise_id, function):
    """The case that asks for ConnectionError lets NotImplementedError through as pending, not as a wrong answer."""
    result = check(exercise_id, function)
    assert result.status == "pendiente", repr(result)
    assert result.cases[-1].status == "pendiente" and "ConnectionError" in result.cases[-1].name, repr(result)


def test_a_pending_helper_is_named_when_64_reuses_it():
    def leer_cabeceras(sock):  # the student's helper, still a stub
        raise NotImplementedError("Escribe aquí tu solución")

    def leer_respuesta_que_reutiliza(sock):
        _, resto = leer_cabeceras(sock)
        return 200, {}, resto

    result = check("6.4", leer_respuesta_que_reutiliza)
    assert result.status == "pendiente"


def test_wrong_return_types_get_a_spanish_message_that_says_what_came_back():
    result = check("6.1", lambda datos: "HTTP/1.1 200 OK")
    assert "se esperaba un diccionario y tu función devolvió str 'HTTP/1.1 200 OK'" in repr(result)
    result = check("6.3", lambda sock: None)
    assert "se esperaba una tupla (cabecera, resto) y tu función devolvió None" in repr(result)
    result = check("6.4", lambda sock: ("200", {}, b""))
    assert "el código debe ser un int y es str '200'" in repr(result)


def test_a_hanging_parser_is_cut():
    def parser_que_espera(datos):
        limite = time.monotonic() + 8
        while b"\r\n\r\n" not in datos and time.monotonic() < limite:  # waits for bytes that never come
            time.sleep(0.05)
        return parsear_respuesta(datos)

    result = check("6.1", parser_que_espera)
    statuses = [c.status for c in result.cases]
    assert statuses.count("tiempo") == 1 and statuses.count("ok") == len(statuses) - 1


def test_no_server_or_connection_is_left_behind():
    check("6.4", leer_respuesta)
    check("6.3", cabeceras_sin_resto)
    assert not lab.running_servers()
    with socket.socket() as s:  # the machine still works: nothing stuck on loopback
        s.bind(("127.0.0.1", 0))
