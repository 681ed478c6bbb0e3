"""Notebook 08's exercises as a mutation suite: classic wrong answers, right ones in other styles.

Every wrong answer below is a mistake students really make with framing (the guide's own
echo server and client among them). Each must get ✘ (or ◷) in the case that targets it, with
words in the report that name *that* mistake; every right answer, written unlike the master
solution, must pass. Each check runs under a hard time limit, so a checker that hangs fails.
"""

from __future__ import annotations

import codecs
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

import labsupport as lab
from labsupport.exercises import _diagnose

#: No check of these exercises may take longer, wrong answers and time-outs included (seconds).
HARD_LIMIT = 40.0


def check(exercise_id: str, function: Callable[..., Any]) -> lab.exercises.Result:
    """``lab.comprobar`` under a hard time limit: the test fails if the checker itself hangs."""
    box: dict[str, lab.exercises.Result] = {}
    worker = threading.Thread(target=lambda: box.update(result=lab.comprobar(exercise_id, function)), daemon=True)
    worker.start()
    worker.join(HARD_LIMIT)
    assert not worker.is_alive(), f"lab.comprobar({exercise_id!r}, {function.__name__}) no terminó en {HARD_LIMIT} s"
    return box["result"]


def failed_cases(result: lab.exercises.Result) -> dict[str, str]:
    return {c.name: c.status for c in result.cases if c.status != "ok"}


# == 8.1 manejar_lineas ==================================================================
def manejar_lineas(conexion):  # the master solution, as in the notebook
    bufer = bytearray()
    while datos := conexion.recv(4096):
        bufer += datos
        while (fin := bufer.find(b"\n")) != -1:
            conexion.sendall(b"Echo: " + bufer[: fin + 1])
            del bufer[: fin + 1]
    if bufer:
        conexion.sendall(b"Echo: " + bufer + b"\n")


def lineas_con_bytes(conexion):
    bufer = b""
    while True:
        datos = conexion.recv(1024)
        if not datos:
            break
        bufer += datos
        while b"\n" in bufer:
            linea, bufer = bufer.split(b"\n", 1)
            conexion.sendall(b"Echo: " + linea + b"\n")
    if bufer:
        conexion.sendall(b"Echo: " + bufer + b"\n")


def lineas_con_makefile(conexion):
    with conexion.makefile("rb") as entrada:  # closing the file object leaves the socket open
        for linea in entrada:
            conexion.sendall(b"Echo: " + linea.rstrip(b"\n") + b"\n")


def lineas_con_partition(conexion):
    pendiente = b""
    for datos in iter(lambda: conexion.recv(2048), b""):
        pendiente += datos
        *completas, pendiente = pendiente.split(b"\n")
        for linea in completas:
            conexion.sendall(b"".join([b"Echo: ", linea, b"\n"]))
    if pendiente:
        conexion.sendall(b"Echo: %s\n" % pendiente)


def lineas_con_recvfrom(conexion):  # recvfrom on TCP: the same bytes, and an address of None
    pendiente = b""
    while datos := conexion.recvfrom(2048)[0]:
        pendiente += datos
        while b"\n" in pendiente:
            linea, _, pendiente = pendiente.partition(b"\n")
            conexion.sendall(b"Echo: " + linea + b"\n")
    if pendiente:
        conexion.sendall(b"Echo: " + pendiente + b"\n")


def traga_el_timeout(conexion):  # notebook 08's first handler: a short timeout, the TimeoutError swallowed
    conexion.settimeout(0.2)
    bufer = bytearray()
    while True:
        try:
            datos = conexion.recv(4096)
            if not datos:
                break
            bufer += datos
            while (fin := bufer.find(b"\n")) != -1:
                conexion.sendall(b"Echo: " + bufer[: fin + 1])
                del bufer[: fin + 1]
        except TimeoutError:
            continue
    if bufer:
        conexion.sendall(b"Echo: " + bufer + b"\n")


def resto_sin_salto(conexion):  # the fragment left at the end answered without its b"\n"
    bufer = bytearray()
    while datos := conexion.recv(4096):
        bufer += datos
        while (fin := bufer.find(b"\n")) != -1:
            conexion.sendall(b"Echo: " + bufer[: fin + 1])
            del bufer[: fin + 1]
    if bufer:
        conexion.sendall(b"Echo: " + bufer)


def byte_a_byte(conexion):  # right answers, but one recv(1) per byte
    linea = bytearray()
    while c := conexion.recv(1):
        linea += c
        if c == b"\n":
            conexion.sendall(b"Echo: " + linea)
            linea.clear()
    if linea:
        conexion.sendall(b"Echo: " + linea + b"\n")


def para_al_callar(conexion):  # takes half a second of silence for the end of the conversation
    conexion.settimeout(0.5)
    pendiente = b""
    try:
        while datos := conexion.recv(4096):
            pendiente += datos
            while b"\n" in pendiente:
                linea, _, pendiente = pendiente.partition(b"\n")
                conexion.sendall(b"Echo: " + linea + b"\n")
    except TimeoutError:
        pass  # the mistake: the silence taken for the end
    if pendiente:
        conexion.sendall(b"Echo: " + pendiente + b"\n")


def para_tras(segundos):
    """A handler that takes ``segundos`` of silence for the end: a timeout, and ``break`` when it runs out."""

    def handler(conexion):
        conexion.settimeout(segundos)
        bufer = bytearray()
        while True:
            try:
                datos = conexion.recv(4096)
            except TimeoutError:
                break  # the mistake: the silence taken for the end
            if not datos:
                break
            bufer += datos
            while (fin := bufer.find(b"\n")) != -1:
                conexion.sendall(b"Echo: " + bufer[: fin + 1])
                del bufer[: fin + 1]
        if bufer:
            conexion.sendall(b"Echo: " + bufer + b"\n")

    return handler


def para_tras_dos_segundos(conexion):  # the round value a student picks, as long as the checker's old silence
    para_tras(2.0)(conexion)


def para_tras_tres_segundos(conexion):  # longer than the checker's old silence (2 s): it used to pass
    para_tras(3.0)(conexion)


def para_tras_seis_segundos(conexion):  # longer than a case's silence in real time: caught in virtual time
    para_tras(6.0)(conexion)


def para_tras_diez_segundos(conexion):  # the generous value the notebook uses elsewhere
    para_tras(10.0)(conexion)


def para_tras_varios(segundos, veces):
    """Takes ``veces`` timeouts of ``segundos`` in a row for the end: a counter of short timeouts."""

    def handler(conexion):
        conexion.settimeout(segundos)
        bufer, seguidos = bytearray(), 0
        while True:
            try:
                datos = conexion.recv(4096)
            except TimeoutError:
                seguidos += 1
                if seguidos >= veces:
                    break  # the mistake: a long silence, built from short ones, taken for the end
                continue
            seguidos = 0
            if not datos:
                break
            bufer += datos
            while (fin := bufer.find(b"\n")) != -1:
                conexion.sendall(b"Echo: " + bufer[: fin + 1])
                del bufer[: fin + 1]
        if bufer:
            conexion.sendall(b"Echo: " + bufer + b"\n")

    return handler


def para_tras_seis_de_medio_segundo(conexion):  # gives up after 3 s of silence, counted in 0.5 s timeouts
    para_tras_varios(0.5, 6)(conexion)


def para_tras_tres_segundos_con_reloj(conexion):  # gives up after 3 s of silence by time.monotonic()
    conexion.settimeout(1.0)
    bufer, ultimo = bytearray(), time.monotonic()
    while True:
        try:
            datos = conexion.recv(4096)
        except TimeoutError:
            if time.monotonic() - ultimo > 3.0:
                break  # the mistake: the silence taken for the end
            continue
        if not datos:
            break
        ultimo = time.monotonic()
        bufer += datos
        while (fin := bufer.find(b"\n")) != -1:
            conexion.sendall(b"Echo: " + bufer[: fin + 1])
            del bufer[: fin + 1]
    if bufer:
        conexion.sendall(b"Echo: " + bufer + b"\n")


def lineas_con_timeout_que_sigue(conexion):  # right: a timeout that runs out is not the end, it reads again
    conexion.settimeout(3.0)
    pendiente = b""
    while True:
        try:
            datos = conexion.recv(4096)
        except TimeoutError:
            continue
        if not datos:
            break
        *completas, pendiente = (pendiente + datos).split(b"\n")
        for linea in completas:
            conexion.sendall(b"Echo: " + linea + b"\n")
    if pendiente:
        conexion.sendall(b"Echo: " + pendiente + b"\n")


def salta_lineas_vacias(conexion):  # right framing, but an empty line gets no answer
    bufer = b""
    while datos := conexion.recv(4096):
        bufer += datos
        *completas, bufer = bufer.split(b"\n")
        for linea in completas:
            if linea:
                conexion.sendall(b"Echo: " + linea + b"\n")
    if bufer:
        conexion.sendall(b"Echo: " + bufer + b"\n")


def cierra_el_socket(sock, mensaje):  # right answer, but the socket does not survive it
    with sock:
        return enviar_mensaje(sock, mensaje)


def shutdown_y_lee(sock, mensaje):  # half-closes, then waits for the server to close
    sock.sendall(mensaje.encode("utf-8"))
    sock.shutdown(socket.SHUT_WR)
    partes = []
    while datos := sock.recv(4096):
        partes.append(datos)
    return b"".join(partes).decode("utf-8")


def lee_hasta_callar(sock, mensaje):  # reads until a 0.3 s silence: silence is not the end of the answer
    sock.sendall(mensaje.encode("utf-8"))
    sock.settimeout(0.3)
    recibido = bytearray()
    try:
        while datos := sock.recv(65536):
            recibido += datos
    except TimeoutError:
        pass
    return recibido.decode("utf-8")


def lee_hasta_callar_diez_segundos(sock, mensaje):  # the same, 10 s: the very value of the checker's timeout
    sock.sendall(mensaje.encode("utf-8"))
    sock.settimeout(10.0)
    recibido = bytearray()
    try:
        while datos := sock.recv(65536):
            recibido += datos
    except TimeoutError:
        pass
    return recibido.decode("utf-8")


def lee_hasta_el_cierre(sock, mensaje):  # no shutdown, but it reads until the server closes
    sock.sendall(mensaje.encode("utf-8"))
    respuesta = bytearray()
    while datos := sock.recv(4096):
        respuesta += datos
    return respuesta.decode("utf-8")


def eco_de_la_guia(conexion):  # one answer per recv
    while datos := conexion.recv(1024):
        conexion.sendall(b"Echo: " + datos)


def separa_sin_bufer(conexion):  # splits each recv, never keeps half a line
    while datos := conexion.recv(1024):
        for linea in datos.split(b"\n"):
            if linea:
                conexion.sendall(b"Echo: " + linea + b"\n")


def olvida_lo_que_queda(conexion):
    bufer = b""
    while datos := conexion.recv(1024):
        bufer += datos
        while b"\n" in bufer:
            linea, bufer = bufer.split(b"\n", 1)
            conexion.sendall(b"Echo: " + linea + b"\n")


def decodifica_cada_recv(conexion):
    texto = ""
    while datos := conexion.recv(1024):
        texto += datos.decode("utf-8")
        while "\n" in texto:
            linea, texto = texto.split("\n", 1)
            conexion.sendall(f"Echo: {linea}\n".encode())
    if texto:
        conexion.sendall(f"Echo: {texto}\n".encode())


def lineas_con_send(conexion):
    bufer = b""
    while datos := conexion.recv(65536):
        bufer += datos
        while b"\n" in bufer:
            linea, bufer = bufer.split(b"\n", 1)
            conexion.send(b"Echo: " + linea + b"\n")
    if bufer:
        conexion.send(b"Echo: " + bufer + b"\n")


def cierra_la_conexion(conexion):
    with conexion:
        manejar_lineas(conexion)


def sin_salto_de_linea(conexion):
    bufer = b""
    while datos := conexion.recv(1024):
        bufer += datos
        while b"\n" in bufer:
            linea, bufer = bufer.split(b"\n", 1)
            conexion.sendall(b"Echo: " + linea)
    if bufer:
        conexion.sendall(b"Echo: " + bufer)


def lee_una_vez(conexion):
    bufer = conexion.recv(65536)
    for linea in bufer.split(b"\n"):
        if linea:
            conexion.sendall(b"Echo: " + linea + b"\n")


# == 8.2 recibir_exacto ==================================================================
def recibir_exacto(sock, n):  # the master solution
    partes, recibidos = [], 0
    while recibidos < n:
        datos = sock.recv(n - recibidos)
        if not datos:
            raise ConnectionError(f"faltan {n - recibidos} bytes")
        partes.append(datos)
        recibidos += len(datos)
    return b"".join(partes)


def exacto_con_recv_into(sock, n):
    bufer = bytearray(n)
    vista = memoryview(bufer)
    leidos = 0
    while leidos < n:
        k = sock.recv_into(vista[leidos:], n - leidos)
        if k == 0:
            raise ConnectionAbortedError("el otro lado cerró antes de tiempo")
        leidos += k
    return bufer


def exacto_recursivo(sock, n):
    if n == 0:
        return b""
    datos = sock.recv(min(n, 4096))
    if not datos:
        raise ConnectionError("cerrado antes de tiempo")
    return datos + exacto_recursivo(sock, n - len(datos))


def un_solo_recv(sock, n):
    return sock.recv(n)


def lee_de_mas(sock, n):
    datos = b""
    while len(datos) < n:
        parte = sock.recv(4096)
        if not parte:
            raise ConnectionError("cerrado")
        datos += parte
    return datos


def recorta_lo_que_sobra(sock, n):  # recv(n) instead of recv(n - recibidos)
    datos = b""
    while len(datos) < n:
        parte = sock.recv(n)
        if not parte:
            raise ConnectionError("cerrado")
        datos += parte
    return datos[:n]


def devuelve_menos_si_cierra(sock, n):
    datos = b""
    while len(datos) < n:
        parte = sock.recv(n - len(datos))
        if not parte:
            break
        datos += parte
    return datos


def no_mira_el_cierre(sock, n):  # spins once recv returns b""
    datos = b""
    while len(datos) < n:
        datos += sock.recv(n - len(datos))
    return datos


def lanza_otra_excepcion(sock, n):
    datos = b""
    while len(datos) < n:
        parte = sock.recv(n - len(datos))
        if not parte:
            raise EOFError("se acabó")
        datos += parte
    return datos


def devuelve_texto(sock, n):
    return recibir_exacto(sock, n).decode("latin-1")


def devuelve_la_lista(sock, n):
    partes, recibidos = [], 0
    while recibidos < n:
        datos = sock.recv(n - recibidos)
        if not datos:
            raise ConnectionError("cerrado")
        partes.append(datos)
        recibidos += len(datos)
    return partes


# == 8.3 enviar_mensaje ==================================================================
def enviar_mensaje(sock, mensaje):  # the master solution
    datos = mensaje.encode("utf-8")
    sock.sendall(datos)
    return recibir_exacto(sock, len(datos)).decode("utf-8")


def enviar_con_makefile(sock, mensaje):
    datos = mensaje.encode("utf-8")
    sock.sendall(datos)
    with sock.makefile("rb") as respuesta:
        return respuesta.read(len(datos)).decode("utf-8")


def enviar_con_decodificador(sock, mensaje):  # decodes as it goes, correctly
    datos = bytes(mensaje, "utf-8")
    sock.sendall(datos)
    decodificador = codecs.getincrementaldecoder("utf-8")()
    texto, faltan = [], len(datos)
    while faltan:
        parte = sock.recv(min(faltan, 8192))
        if not parte:
            raise ConnectionError("el servidor cerró")
        faltan -= len(parte)
        texto.append(decodificador.decode(parte))
    return "".join(texto) + decodificador.decode(b"", final=True)


def cliente_de_la_guia(sock, mensaje):  # one recv(1024)
    sock.send(mensaje.encode("utf-8"))
    return sock.recv(1024).decode("utf-8")


def un_recv_grande(sock, mensaje):
    sock.sendall(mensaje.encode("utf-8"))
    return sock.recv(1 << 20).decode("utf-8")


def cuenta_caracteres(sock, mensaje):
    sock.sendall(mensaje.encode("utf-8"))
    return recibir_exacto(sock, len(mensaje)).decode("utf-8")


def cuenta_caracteres_en_bloques(sock, mensaje):  # reads in blocks, but until len(mensaje): characters
    sock.sendall(mensaje.encode("utf-8"))
    datos = b""
    while len(datos) < len(mensaje):
        parte = sock.recv(65536)
        if not parte:
            raise ConnectionError("cerrado")
        datos += parte
    return datos.decode("utf-8")


def enviar_en_bloques(sock, mensaje):  # right: reads in blocks until it has as many bytes as it sent
    datos = mensaje.encode("utf-8")
    sock.sendall(datos)
    respuesta = b""
    while len(respuesta) < len(datos):
        parte = sock.recv(65536)
        if not parte:
            raise ConnectionError("cerrado")
        respuesta += parte
    return respuesta.decode("utf-8")


def decodifica_cada_fragmento(sock, mensaje):
    datos = mensaje.encode("utf-8")
    sock.sendall(datos)
    texto, recibidos = "", 0
    while recibidos < len(datos):
        parte = sock.recv(4096)
        recibidos += len(parte)
        texto += parte.decode("utf-8")
    return texto


def envia_con_send(sock, mensaje):
    datos = mensaje.encode("utf-8")
    sock.send(datos)
    return recibir_exacto(sock, len(datos)).decode("utf-8")


def devuelve_bytes(sock, mensaje):
    datos = mensaje.encode("utf-8")
    sock.sendall(datos)
    return recibir_exacto(sock, len(datos))


def codifica_en_latin1(sock, mensaje):
    datos = mensaje.encode("latin-1")
    sock.sendall(datos)
    return recibir_exacto(sock, len(datos)).decode("latin-1")


def no_usa_la_red(sock, mensaje):
    return mensaje


# == the suite ============================================================================
RIGHT: dict[str, list[Callable[..., Any]]] = {
    "8.1": [manejar_lineas, lineas_con_bytes, lineas_con_makefile, lineas_con_partition, lineas_con_timeout_que_sigue,
            lineas_con_recvfrom],
    "8.2": [recibir_exacto, exacto_con_recv_into, exacto_recursivo],
    "8.3": [enviar_mensaje, enviar_con_makefile, enviar_con_decodificador, enviar_en_bloques],
}

#: (exercise, wrong answer, the case it must fail, words of the report that name the mistake)
WRONG: list[tuple[str, Callable[..., Any], str, list[str]]] = [
    ("8.1", eco_de_la_guia, "dos mensajes que llegan en un solo recv", ["respondiste a cada recv tal cual",
                                                                       "un recv puede traer varios mensajes"]),
    ("8.1", separa_sin_bufer, "un mensaje partido en varios recv", ["pedazos de línea", "búfer"]),
    ("8.1", olvida_lo_que_queda, "al cerrar el cliente, responde lo que quede sin '\\n'",
     ["falta la respuesta a b'dos'", "cuando recv devuelve b''"]),
    ("8.1", decodifica_cada_recv, "una «ñ» partida entre dos recv", ["UnicodeDecodeError", "medio carácter"]),
    ("8.1", lineas_con_send, "un cliente que lee despacio y una línea de 1 MiB",
     ["solo los primeros", "usa sendall()"]),
    ("8.1", cierra_la_conexion, "no cierra la conexión (lo hace quien te llama)",
     ["la cerró tu función", "no cierres la conexión"]),
    ("8.1", sin_salto_de_linea, "dos mensajes que llegan en un solo recv", ["le falta el b'\\n' final"]),
    ("8.1", traga_el_timeout, "un cliente que lee despacio y una línea de 1 MiB",
     ["en 1 respuesta", "timeout de 0,2 s", "sendall() lanza TimeoutError", "except TimeoutError: continue"]),
    ("8.1", resto_sin_salto, "al cerrar el cliente, responde lo que quede sin '\\n'",
     ["a la respuesta de b'dos'", "le falta el b'\\n' final"]),
    ("8.1", byte_a_byte, "lee en bloques, no byte a byte", ["el eco es correcto", "pidiendo como mucho 1",
                                                            "lee en bloques"]),
    ("8.1", lee_una_vez, "un mensaje partido en varios recv", ["b'Echo: ho\\n'", "guarda lo que llega en un búfer"]),
    ("8.1", para_al_callar, "un rato callado entre dos mensajes no es el final",
     ["se calló y tu función volvió a los", "antes de que el cliente cerrara", "timeout de 0,5 s",
      "sigue leyendo hasta que recv devuelva b''"]),
    ("8.1", para_tras_dos_segundos, "un rato callado entre dos mensajes no es el final",
     ["se calló y tu función volvió a los", "timeout de 2 s (settimeout): venció durante el silencio"]),
    ("8.1", para_tras_tres_segundos, "un rato callado entre dos mensajes no es el final",
     ["se calló y tu función volvió a los", "timeout de 3 s (settimeout): venció durante el silencio"]),
    ("8.1", para_tras_seis_segundos, "un rato callado entre dos mensajes no es el final",
     ["se calló y tu función volvió a los 6 s", "timeout de 6 s (settimeout): venció durante el silencio"]),
    ("8.1", para_tras_diez_segundos, "un rato callado entre dos mensajes no es el final",
     ["se calló y tu función volvió a los 10 s", "timeout de 10 s (settimeout): venció durante el silencio"]),
    ("8.1", para_tras_seis_de_medio_segundo, "un rato callado entre dos mensajes no es el final",
     ["se calló y tu función volvió tras 6 timeouts seguidos", "timeout de 0,5 s (settimeout): venció 6 veces"]),
    ("8.1", para_tras_tres_segundos_con_reloj, "un rato callado entre dos mensajes no es el final",
     ["se calló y tu función volvió tras", "timeout de 1 s (settimeout): venció"]),
    ("8.1", salta_lineas_vacias, "una línea vacía también es un mensaje",
     ["no respondiste a la línea vacía", "no te saltes las vacías"]),
    ("8.2", un_solo_recv, "junta los fragmentos hasta tener n bytes",
     ["se pidieron 40 bytes y devolvió 7", "repite hasta reunir n bytes"]),
    ("8.2", lee_de_mas, "no lee de más: lo que sobra queda para el siguiente recv",
     ["devolvió 16: leyó de más", "recv(n - recibidos)"]),
    ("8.2", recorta_lo_que_sobra, "no lee de más: lo que sobra queda para el siguiente recv",
     ["leyó también 5 de los 6 siguientes", "recv(n - recibidos)"]),
    ("8.2", devuelve_menos_si_cierra, "si el otro lado cierra antes de tiempo, lanza ConnectionError",
     ["devolvió 30 bytes sin avisar", "lanza ConnectionError"]),
    ("8.2", no_mira_el_cierre, "si el otro lado cierra antes de tiempo, lanza ConnectionError",
     ["una y otra vez sin avanzar", "¿recv() devolvió b''"]),
    ("8.2", lanza_otra_excepcion, "si el otro lado cierra antes de tiempo, lanza ConnectionError",
     ["tu función lanzó EOFError", "lanza ConnectionError"]),
    ("8.2", devuelve_texto, "junta los fragmentos hasta tener n bytes", ["tu función devolvió str"]),
    ("8.2", devuelve_la_lista, "junta los fragmentos hasta tener n bytes", ["tu función devolvió list"]),
    ("8.3", cliente_de_la_guia, "5000 caracteres que vuelven en varios fragmentos",
     ["devolvió solo los primeros 1000 de 5000 caracteres", "lee hasta tener tantos bytes"]),
    ("8.3", un_recv_grande, "5000 caracteres que vuelven en varios fragmentos",
     ["devolvió solo los primeros 1000 de 5000 caracteres"]),
    ("8.3", cuenta_caracteres, "acentos: cuenta bytes, no caracteres",
     ["leyó 3600 de los 4200 bytes", "UnicodeDecodeError", "no len(mensaje)"]),
    ("8.3", cuenta_caracteres_en_bloques, "acentos: cuenta bytes, no caracteres",
     ["leyó 3600 de los 4200 bytes de la respuesta", "len(mensaje), que cuenta caracteres", "no len(mensaje)"]),
    ("8.3", decodifica_cada_fragmento, "una «ñ» partida entre dos fragmentos de la respuesta",
     ["UnicodeDecodeError", "decodifica al final"]),
    ("8.3", envia_con_send, "un servidor que lee despacio y un mensaje de 1 MiB",
     ["no lo envió entero", "usa sendall()"]),
    ("8.3", devuelve_bytes, "un mensaje corto", ["se esperaba str y tu función devolvió bytes", "decodifica"]),
    ("8.3", codifica_en_latin1, "acentos: cuenta bytes, no caracteres", ["no es el mensaje codificado en UTF-8"]),
    ("8.3", no_usa_la_red, "un mensaje corto", ["el servidor no recibió nada"]),
    ("8.3", cierra_el_socket, "dos mensajes seguidos por el mismo socket",
     ["el socket estaba cerrado: lo cerró tu función", "no lo cierres ni hagas shutdown"]),
    ("8.3", shutdown_y_lee, "dos mensajes seguidos por el mismo socket",
     ["cerró su lado del socket (shutdown)", "siguió esperando en recv() a que el servidor cerrara",
      "no esperes a que el servidor cierre"]),
    ("8.3", lee_hasta_el_cierre, "un mensaje corto",
     ["leyó la respuesta entera y siguió esperando en recv() más datos", "Lee tantos bytes como enviaste"]),
    ("8.3", lee_hasta_callar, "un mensaje corto",
     ["siguió esperando en recv() (timeout de 0,3 s)", "el silencio no dice que la respuesta acabó"]),
    ("8.3", lee_hasta_callar_diez_segundos, "un mensaje corto",
     ["siguió esperando en recv() (timeout de 10 s)", "el silencio no dice que la respuesta acabó"]),
]


@pytest.mark.parametrize(
    ("exercise_id", "function"),
    [(ex, f) for ex, functions in RIGHT.items() for f in functions],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_right_answers_pass(exercise_id, function):
    result = check(exercise_id, function)
    assert result, repr(result)


@pytest.mark.parametrize(
    ("exercise_id", "function", "case", "words"), WRONG, ids=[f"{w[0]}-{w[1].__name__}" for w in WRONG]
)
def test_wrong_answer_fails_with_the_hint_that_names_it(exercise_id, function, case, words):
    result = check(exercise_id, function)
    report = repr(result)
    assert not result and result.status == "fallo", report
    assert failed_cases(result).get(case) in ("fallo", "error", "tiempo"), report
    for word in words:
        assert word in report, report


def test_the_suite_is_large_enough():
    for exercise_id in RIGHT:
        assert len(RIGHT[exercise_id]) >= 3  # the master solution and two in other styles
        assert sum(w[0] == exercise_id for w in WRONG) >= 6
        assert len(lab.exercises._REGISTRY[exercise_id].cases) >= 4


@pytest.mark.parametrize("function", [shutdown_y_lee, lee_hasta_el_cierre, lee_hasta_callar], ids=lambda f: f.__name__)
def test_waiting_for_the_server_to_close_is_named_in_every_case_not_timed_out(function):
    """Waiting in recv() for a close that never comes: every case says so (✘), none runs out of time (◷)."""
    result = check("8.3", function)
    assert [c.status for c in result.cases] == ["fallo"] * len(result.cases), repr(result)
    assert all("siguió esperando en recv()" in c.message for c in result.cases), repr(result)


def test_the_cell_13_pattern_gets_through_the_silence():
    """A short timeout that reads again (notebook 08's cell 13) does not take the silence for the end."""
    result = check("8.1", traga_el_timeout)
    assert "un rato callado entre dos mensajes no es el final" not in failed_cases(result), repr(result)


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_stub_is_pending(exercise_id):
    assert check(exercise_id, stub).status == "pendiente"


def exacto_con_el_cierre_pendiente(sock, n):  # written but for the early close, still a stub there
    recibidos = bytearray()
    while len(recibidos) < n:
        datos = sock.recv(n - len(recibidos))
        if not datos:
            raise NotImplementedError("Escribe aquí qué hacer si el otro lado cierra")
        recibidos += datos
    return bytes(recibidos)


def test_a_stub_left_in_the_early_close_branch_is_pending():
    result = check("8.2", exacto_con_el_cierre_pendiente)
    assert result.status == "pendiente", repr(result)
    assert result.cases[-1].status == "pendiente" and "ConnectionError" in result.cases[-1].name, repr(result)


def test_a_pending_helper_is_named():
    def recibir_exacto(sock, n):
        raise NotImplementedError("Escribe aquí tu solución")

    def enviar_mensaje(sock, mensaje):
        sock.sendall(mensaje.encode("utf-8"))
        return recibir_exacto(sock, len(mensaje.encode("utf-8"))).decode("utf-8")

    result = check("8.3", enviar_mensaje)
    assert result.status == "pendiente"
    assert "recibir_exacto() (la del ejercicio 8.2)" in repr(result)


def lee_byte_a_byte(conexion):  # one byte per recv, until EOF (or until its socket is closed)
    try:
        while conexion.recv(1):
            pass
    except OSError:
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bytes read are counted with TCP_INFO")
def test_a_time_out_in_a_byte_by_byte_loop_says_it_advanced_slowly():
    """What ◷ says of a recv(1) loop with data waiting: it advanced, slowly (not "sin avanzar")."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(listener.getsockname(), timeout=5) as client:
            conn, _ = listener.accept()
            with conn:
                client.sendall(b"x" * 200_000)  # waits unread: recv(1) takes far more than the watch
                reader = threading.Thread(target=lee_byte_a_byte, args=(conn,), daemon=True)
                reader.start()
                said = _diagnose.explain_wait(_diagnose.observe(reader))
                conn.close()  # its next recv raises OSError: the loop ends without reading the rest
                reader.join(5)
    assert said.startswith("seguía leyendo, pero despacio: su bucle llama a recv() una y otra vez y avanza"), said
    assert "otros datos ya esperaban sin leer" in said and "línea" in said and "Lee en bloques" in said, said
    assert "sin avanzar" not in said, said
