"""Notebook 06's exercises: right, wrong, hanging and stub answers against the real HTTP server."""

from __future__ import annotations

import socket
import time

import labsupport as lab

# -- right answers (the notebook's solutions) ----------------------------------------


def parsear_respuesta(datos):
    fin = datos.find(b"\r\n\r\n")
    separador = 4
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
    return {
        "version": version,
        "codigo": int(codigo),
        "mensaje": mensaje[0] if mensaje else "",
        "headers": headers,
        "cuerpo": cuerpo,
    }


def decodificar_chunked(cuerpo):
    trozos = []
    pos = 0
    while True:
        fin_linea = cuerpo.index(b"\r\n", pos)
        tamano = int(cuerpo[pos:fin_linea].split(b";")[0], 16)
        if tamano == 0:
            return b"".join(trozos)
        inicio = fin_linea + 2
        trozos.append(cuerpo[inicio : inicio + tamano])
        pos = inicio + tamano + 2


def leer_respuesta(sock):
    datos = bytearray()
    while b"\r\n\r\n" not in datos:
        trozo = sock.recv(4096)
        if not trozo:
            raise ConnectionError("el servidor cerró antes de terminar las cabeceras")
        datos += trozo
    cabecera, _, resto = bytes(datos).partition(b"\r\n\r\n")
    lineas = cabecera.decode("iso-8859-1").split("\r\n")
    codigo = int(lineas[0].split(" ", 2)[1])
    headers = {}
    for linea in lineas[1:]:
        nombre, _, valor = linea.partition(":")
        headers[nombre.strip().lower()] = valor.strip()
    cuerpo = bytearray(resto)
    if codigo in (204, 304) or 100 <= codigo < 200:
        return codigo, headers, b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not cuerpo.endswith(b"0\r\n\r\n"):  # good enough for the test server's bodies
            cuerpo += sock.recv(4096)
        return codigo, headers, decodificar_chunked(bytes(cuerpo))
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(cuerpo) < n:
            trozo = sock.recv(min(65536, n - len(cuerpo)))
            if not trozo:
                raise ConnectionError("el servidor cerró antes de enviar todo el cuerpo")
            cuerpo += trozo
        return codigo, headers, bytes(cuerpo)
    while trozo := sock.recv(4096):
        cuerpo += trozo
    return codigo, headers, bytes(cuerpo)


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# -- wrong answers: the guide's mistakes ---------------------------------------------


def parsear_como_la_guia(datos):
    """The guide's parser adapted to the keys: decodes everything, splits on CRLF only."""
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


def chunked_partiendo_lineas(cuerpo):
    """Splits on CRLF: breaks when the data itself contains CRLF."""
    partes = cuerpo.split(b"\r\n")
    return b"".join(partes[i + 1] for i in range(0, len(partes) - 1, 2) if partes[i].split(b";")[0] != b"0")


def leer_sin_la_regla_del_204(sock):
    """Right for Content-Length and chunked, but a 204 is read as "until the server closes": hangs."""
    datos = bytearray()
    while b"\r\n\r\n" not in datos:
        datos += sock.recv(4096)
    cabecera, _, resto = bytes(datos).partition(b"\r\n\r\n")
    if b"Content-Length" in cabecera or b"chunked" in cabecera:
        return leer_respuesta_con(sock, bytes(datos))
    cuerpo = bytearray(resto)
    while trozo := sock.recv(4096):
        cuerpo += trozo
    return int(cabecera.split(b" ")[1]), {}, bytes(cuerpo)


def leer_respuesta_con(sock, ya_leido):
    """leer_respuesta() on a socket whose first bytes were already read."""

    class Reponer:
        def __init__(self):
            self.pendiente = ya_leido

        def recv(self, n):
            if self.pendiente:
                datos, self.pendiente = self.pendiente, b""
                return datos
            return sock.recv(n)

    return leer_respuesta(Reponer())


# -- the checks --------------------------------------------------------------------


def test_right_answers_pass():
    for exercise_id, function in [("6.1", parsear_respuesta), ("6.2", decodificar_chunked),
                                  ("6.3", leer_respuesta)]:
        result = lab.comprobar(exercise_id, function)
        assert result, repr(result)
        assert result.passed == result.total >= 5


def test_the_guides_parser_fails_with_hints():
    result = lab.comprobar("6.1", parsear_como_la_guia)
    assert not result and result.status == "fallo"
    text = repr(result)
    assert "✘ cuerpo binario intacto" in text and "Pista: no decodifiques el cuerpo" in text
    assert "✘ líneas que terminan solo en \\n" in text
    assert "✘ el cuerpo acaba donde dice Content-Length" in text
    assert "✔ línea de estado" in text


def test_splitting_chunks_on_crlf_fails():
    result = lab.comprobar("6.2", chunked_partiendo_lineas)
    assert not result
    statuses = {c.name: c.status for c in result.cases}
    assert statuses["datos binarios con b'\\r\\n' dentro de un trozo"] in ("fallo", "error")
    assert "Pista: no partas el cuerpo por b'\\r\\n'" in repr(result)


def test_a_reader_that_waits_for_eof_after_a_204_is_cut_at_the_time_limit():
    start = time.monotonic()
    result = lab.comprobar("6.3", leer_sin_la_regla_del_204)
    assert time.monotonic() - start < 10
    statuses = {c.name: c.status for c in result.cases}
    assert statuses["204 No Content no tiene cuerpo, y la conexión sirve para otra petición"] == "tiempo"
    assert statuses["Content-Length en una conexión que sigue abierta (keep-alive)"] == "ok"
    assert statuses["sin Content-Length ni chunked: el cuerpo acaba cuando el servidor cierra"] == "ok"
    assert "no terminó en 3 s" in repr(result)
    assert "Pista: las respuestas 1xx, 204 y 304 nunca llevan cuerpo" in repr(result)


def test_a_hanging_parser_is_cut():
    def parser_que_espera(datos):
        limite = time.monotonic() + 5
        while b"\r\n\r\n" not in datos and time.monotonic() < limite:  # waits for bytes that never come
            time.sleep(0.05)
        return parsear_respuesta(datos)

    result = lab.comprobar("6.1", parser_que_espera)
    statuses = [c.status for c in result.cases]
    assert statuses.count("tiempo") == 1 and statuses.count("ok") == len(statuses) - 1


def test_a_hanging_chunked_decoder_is_cut():
    def sin_avanzar(cuerpo):  # forgets to move past an empty body's last chunk
        limite = time.monotonic() + 5
        while cuerpo.startswith(b"0\r\n") and time.monotonic() < limite:
            time.sleep(0.05)
        return decodificar_chunked(cuerpo)

    result = lab.comprobar("6.2", sin_avanzar)
    assert [c.status for c in result.cases].count("tiempo") == 1
    assert "no terminó en 2 s" in repr(result)


def test_stubs_are_pending():
    for exercise_id in ("6.1", "6.2", "6.3"):
        result = lab.comprobar(exercise_id, stub)
        assert result.status == "pendiente" and "pendiente" in repr(result)


def test_wrong_return_types_get_a_spanish_message():
    result = lab.comprobar("6.1", lambda datos: "HTTP/1.1 200 OK")
    assert "se esperaba un diccionario" in repr(result)
    result = lab.comprobar("6.2", lambda cuerpo: cuerpo.decode("latin-1"))
    assert "se esperaban bytes" in repr(result)


def test_no_server_is_left_running():
    lab.comprobar("6.3", leer_respuesta)
    assert not lab.running_servers()
    with socket.socket() as s:  # the machine still works: nothing stuck on loopback
        s.bind(("127.0.0.1", 0))
