"""Notebook 10's exercises as a mutation suite: classic framing mistakes must get ✘ (or ◷) with words that
name them; right answers written unlike the master solution must pass.

Every reading case runs in chaos mode (seeded cuts, every header split, messages coalesced), so
the "one recv() is one message" answers below fail on every run, not by luck. Every answer runs
under a hard time limit (tests/mutation_kit.py), against real sockets on loopback.
"""

from __future__ import annotations

import json
import os
import random
import socket
import struct
from pathlib import Path
from urllib.parse import unquote

import pytest
from mutation_kit import assert_caught, assert_passes, run

from labsupport.exercises import _REGISTRY
from labsupport.exercises._chaos import consumed
from labsupport.exercises._cuts import chaos_cuts, cut, ends
from labsupport.exercises.nb10.exact import _explain_fill

#: A hard bound on one lab.comprobar: far above the sum of what its cases wait.
HARD_LIMIT = 40.0
IDS = ("10.1", "10.2", "10.3", "10.4", "10.5")


def caught(exercise_id, function, *words):
    return assert_caught(exercise_id, function, words, HARD_LIMIT)


def passes(exercise_id, function):
    return assert_passes(exercise_id, function, HARD_LIMIT)


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# == chaos mode ==========================================================================


def test_chaos_cuts_split_every_header_and_never_a_boundary():
    sizes = [4 + 7, 4 + 0, 4 + 300, 4 + 1]
    for seed in range(50):
        cuts = chaos_cuts(random.Random(seed), sizes, header=4)
        starts = [0, *ends(sizes)[:-1]]
        assert not set(cuts) & set(ends(sizes))  # the end of a message always travels with the next one's start
        assert all(any(s < c < s + 4 for c in cuts) for s in starts)  # every header in two pieces
        assert b"".join(cut(bytes(sum(sizes)), cuts)) == bytes(sum(sizes))


def test_chaos_cuts_are_the_same_on_every_run():
    assert chaos_cuts(random.Random("10.3/x"), [50, 60], header=4) == chaos_cuts(random.Random("10.3/x"), [50, 60], 4)


@pytest.mark.skipif(not hasattr(socket, "TCP_INFO"), reason="the kernel counts (TCP_INFO) are Linux's")
def test_consumed_does_not_count_the_fin_as_a_byte_read():
    listener = socket.create_server(("127.0.0.1", 0))
    with listener, socket.create_connection(listener.getsockname(), timeout=5) as lector:
        emisor = listener.accept()[0]
        emisor.sendall(b"diez bytes")
        emisor.close()  # FIN: the kernel's delivered count takes one more sequence number
        datos = b""
        while chunk := lector.recv(100):
            datos += chunk
        assert datos == b"diez bytes"
        assert consumed(lector) == 10


def test_a_one_byte_fill_is_said_in_the_singular():
    problem = _explain_fill(b"\x01" + bytes(49), bytes(range(1, 51)), [b"\x01", bytes(range(2, 51))], [1])
    assert problem.startswith("solo se llenó 1 byte de los 50")


# == 10.1 recibir_exacto_en(sock, bufer) ================================================


def recibir_exacto_en(sock, bufer):
    """The master solution."""
    vista = memoryview(bufer)
    recibidos = 0
    while recibidos < len(vista):
        n = sock.recv_into(vista[recibidos:])
        if n == 0:
            raise ConnectionError(f"el otro extremo cerró tras {recibidos} de {len(vista)} bytes")
        recibidos += n


def exacto_recortando_la_vista(sock, bufer):
    vista = memoryview(bufer).cast("B")
    while vista:
        n = sock.recv_into(vista, len(vista))
        if not n:
            raise ConnectionResetError("se cerró antes de tiempo")
        vista = vista[n:]


def exacto_con_readinto(sock, bufer):
    archivo = sock.makefile("rb", buffering=0)  # sin búfer propio: cada readinto es un recv_into
    vista, total = memoryview(bufer), 0
    while total < len(vista):
        n = archivo.readinto(vista[total:])
        if not n:
            raise ConnectionError("faltan bytes")
        total += n


def exacto_una_vez(sock, bufer):
    sock.recv_into(bufer)


def exacto_escribe_en_una_copia(sock, bufer):
    recibidos = 0
    while recibidos < len(bufer):
        n = sock.recv_into(bufer[recibidos:])  # de un bytearray, una copia
        if n == 0:
            raise ConnectionError("cerrado")
        recibidos += n


def exacto_sin_avanzar(sock, bufer):
    vista, recibidos = memoryview(bufer), 0
    while recibidos < len(vista):
        n = sock.recv_into(vista)
        if n == 0:
            raise ConnectionError("cerrado")
        recibidos += n


def exacto_con_recv(sock, bufer):
    recibidos = 0
    while recibidos < len(bufer):
        datos = sock.recv(len(bufer) - recibidos)
        if not datos:
            raise ConnectionError("cerrado")
        bufer[recibidos : recibidos + len(datos)] = datos
        recibidos += len(datos)


def exacto_sin_mirar_el_cero(sock, bufer):
    vista, recibidos = memoryview(bufer), 0
    while recibidos < len(vista):
        recibidos += sock.recv_into(vista[recibidos:])


def exacto_vuelve_callado(sock, bufer):
    vista, recibidos = memoryview(bufer), 0
    while recibidos < len(vista):
        n = sock.recv_into(vista[recibidos:])
        if n == 0:
            return
        recibidos += n


def exacto_con_bufer_temporal(sock, bufer):
    vista, recibidos = memoryview(bufer), 0
    while recibidos < len(vista):
        temporal = bytearray(len(vista) - recibidos)  # lo que falta, ni un byte más: pero en otro objeto
        n = sock.recv_into(temporal)
        if n == 0:
            raise ConnectionError("cerrado")
        vista[recibidos : recibidos + n] = temporal[:n]  # una copia por fragmento
        recibidos += n


def exacto_con_bufer_grande(sock, bufer):
    vista, recibidos = memoryview(bufer), 0
    grande = bytearray(65536)
    while recibidos < len(vista):
        n = sock.recv_into(grande)
        if n == 0:
            raise ConnectionError("cerrado")
        cabe = min(n, len(vista) - recibidos)
        vista[recibidos : recibidos + cabe] = grande[:cabe]
        recibidos += cabe


@pytest.mark.parametrize("function", [recibir_exacto_en, exacto_recortando_la_vista, exacto_con_readinto])
def test_10_1_right_answers_pass(function, no_leaks):
    passes("10.1", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (exacto_una_vez, ("bytes de los 40", "fragmentos (cortes en los bytes", "seguir llamando")),
        (exacto_escribe_en_una_copia, ("sigue a cero", "memoryview(bufer)[recibidos:]")),
        (exacto_sin_avanzar, ("escribió al principio", "vista[recibidos:]")),
        (exacto_con_recv, ("llamó", "a recv()", "escribe directamente en el búfer")),
        (exacto_sin_mirar_el_cero, ("recv_into devuelve 0", "ConnectionError")),
        (exacto_vuelve_callado, ("volvió sin avisar", "ConnectionError")),
        (exacto_con_bufer_grande, ("eran del mensaje siguiente", "se perdieron")),
        (exacto_con_bufer_temporal, ("con otro objeto (un búfer temporal)", "una copia por fragmento")),
    ],
)
def test_10_1_wrong_answers_are_caught(function, words):
    caught("10.1", function, *words)


@pytest.mark.parametrize(
    "function, fix",
    [(exacto_escribe_en_una_copia, "memoryview"), (exacto_una_vez, "hasta"), (exacto_sin_avanzar, "[recibidos:]")],
)
def test_10_1_every_failed_case_hints_at_the_fix_of_what_failed(function, fix):
    """The fill diagnosis is shared by every case: each case's hint must hold for it too."""
    result = caught("10.1", function)
    failed = [c for c in result.cases if c.status != "ok" and "ConnectionError" not in c.name]  # that one: its own
    assert len(failed) >= 4, repr(result)
    assert all(fix in c.hint for c in failed), repr(result)


# == 10.2 enviar_mensaje(sock, datos) ====================================================


def enviar_mensaje(sock, datos):
    """The master solution."""
    sock.sendall(struct.pack("!I", len(datos)) + datos)


def enviar_con_to_bytes(sock, datos):
    sock.sendall(len(datos).to_bytes(4, "big"))
    sock.sendall(datos)


def enviar_con_htonl(sock, datos):
    sock.sendall(struct.pack("I", socket.htonl(len(datos))) + datos)


def enviar_little_endian(sock, datos):
    sock.sendall(struct.pack("<I", len(datos)) + datos)


def enviar_con_dos_bytes(sock, datos):
    sock.sendall(struct.pack("!H", len(datos)) + datos)


def enviar_con_ocho_bytes(sock, datos):
    sock.sendall(struct.pack("!Q", len(datos)) + datos)


def enviar_sin_cabecera(sock, datos):
    sock.sendall(datos)


def enviar_con_send(sock, datos):
    sock.send(struct.pack("!I", len(datos)) + datos)


def enviar_contando_caracteres(sock, datos):
    sock.sendall(struct.pack("!I", len(datos.decode("utf-8", "replace"))) + datos)


def enviar_nada_si_esta_vacio(sock, datos):
    if datos:
        sock.sendall(struct.pack("!I", len(datos)) + datos)


def enviar_y_cerrar(sock, datos):
    with sock:
        sock.sendall(struct.pack("!I", len(datos)) + datos)


@pytest.mark.parametrize("function", [enviar_mensaje, enviar_con_to_bytes, enviar_con_htonl])
def test_10_2_right_answers_pass(function, no_leaks):
    passes("10.2", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (enviar_little_endian, ("little-endian", "struct.pack('!I', len(datos))")),
        (enviar_con_dos_bytes, ("la cabecera tiene 2 bytes", "65 535")),
        (enviar_con_ocho_bytes, ("la cabecera tiene 8 bytes",)),
        (enviar_sin_cabecera, ("sin cabecera",)),
        (enviar_con_send, ("se perdió el resto", "usa sendall()")),
        (enviar_contando_caracteres, ("número de caracteres", "la longitud cuenta bytes")),
        (enviar_y_cerrar, ("el socket estaba cerrado", "no cierres el socket")),
        (enviar_nada_si_esta_vacio, ("el mensaje vacío no llegó", "la longitud 0")),
    ],
)
def test_10_2_wrong_answers_are_caught(function, words):
    caught("10.2", function, *words)


def test_10_2_little_endian_names_the_header_that_differs_not_the_empty_one():
    result = caught("10.2", enviar_little_endian)
    vacio = next(c for c in result.cases if "vacío" in c.name)
    assert "la cabecera del mensaje 2 (14 bytes) fue b'\\x0e\\x00\\x00\\x00'" in vacio.message, repr(result)


# == 10.3 recibir_mensaje(sock, maximo) ==================================================


def recibir_mensaje(sock, maximo=1_000_000):
    """The master solution (it reuses 10.1's function)."""
    cabecera = bytearray(4)
    recibidos = sock.recv_into(cabecera)
    if recibidos == 0:
        return None  # el otro extremo cerró entre dos mensajes
    recibir_exacto_en(sock, memoryview(cabecera)[recibidos:])
    (n,) = struct.unpack("!I", cabecera)
    if n > maximo:
        raise ValueError(f"el mensaje anuncia {n} bytes y el máximo es {maximo}")
    cuerpo = bytearray(n)
    recibir_exacto_en(sock, cuerpo)
    return bytes(cuerpo)


def _exactos_con_recv(sock, n, inicio=b""):
    partes = bytearray(inicio)
    while len(partes) < n:
        datos = sock.recv(n - len(partes))
        if not datos:
            raise ConnectionError(f"se cerró con {len(partes)} de {n} bytes")
        partes += datos
    return bytes(partes)


def recibir_mensaje_con_recv(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    n = int.from_bytes(_exactos_con_recv(sock, 4, primero), "big")
    if n > maximo:
        raise ValueError("demasiado grande")
    return _exactos_con_recv(sock, n)


def recibir_mensaje_con_struct(sock, maximo):
    formato = struct.Struct("!I")
    cabecera = sock.recv(formato.size)
    if cabecera == b"":
        return None
    while len(cabecera) < formato.size:
        mas = sock.recv(formato.size - len(cabecera))
        if not mas:
            raise ConnectionAbortedError("cabecera cortada")
        cabecera += mas
    (largo,) = formato.unpack(cabecera)
    if largo > maximo:
        raise ValueError(f"{largo} > {maximo}")
    return _exactos_con_recv(sock, largo)


def recibir_con_un_recv_cada_cosa(sock, maximo):
    cabecera = sock.recv(4)
    if not cabecera:
        return None
    (n,) = struct.unpack("!I", cabecera)
    if n > maximo:
        raise ValueError("grande")
    return sock.recv(n)


def recibir_el_cuerpo_de_una_vez(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("!I", _exactos_con_recv(sock, 4, primero))
    if n > maximo:
        raise ValueError("grande")
    return sock.recv(n)


def recibir_little_endian(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("<I", _exactos_con_recv(sock, 4, primero))
    if n > maximo:
        raise ValueError("grande")
    return _exactos_con_recv(sock, n)


def recibir_sin_limite(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("!I", _exactos_con_recv(sock, 4, primero))
    return _exactos_con_recv(sock, n)


def recibir_y_luego_comprobar(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("!I", _exactos_con_recv(sock, 4, primero))
    cuerpo = _exactos_con_recv(sock, n)
    if len(cuerpo) > maximo:
        raise ValueError("grande")
    return cuerpo


def recibir_reservando_antes(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("!I", _exactos_con_recv(sock, 4, primero))
    if n >= 2**31:  # bytearray(n) on a machine without 2 GiB to spare (and a suite that must not take 4 GiB)
        raise MemoryError
    cuerpo = bytearray(n)  # reserva antes de comprobar
    if n > maximo:
        raise ValueError("grande")
    recibir_exacto_en(sock, cuerpo)
    return bytes(cuerpo)


def recibir_todo_y_luego_comprobar(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("!I", _exactos_con_recv(sock, 4, primero))
    cuerpo = bytearray()
    while len(cuerpo) < n:  # en trozos de 4096 como mucho: no reserva n, pero lee antes de comprobar
        datos = sock.recv(min(4096, n - len(cuerpo)))
        if not datos:
            raise ConnectionError(f"se cerró con {len(cuerpo)} de {n} bytes")
        cuerpo += datos
    if n > maximo:
        raise ValueError("grande")
    return bytes(cuerpo)


def recibir_limite_mayor_o_igual(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("!I", _exactos_con_recv(sock, 4, primero))
    if n >= maximo:
        raise ValueError("grande")
    return _exactos_con_recv(sock, n)


def recibir_y_fin_como_error(sock, maximo):
    cabecera = bytearray(4)
    recibir_exacto_en(sock, cabecera)  # ConnectionError también al final limpio
    (n,) = struct.unpack("!I", cabecera)
    if n > maximo:
        raise ValueError("grande")
    cuerpo = bytearray(n)
    recibir_exacto_en(sock, cuerpo)
    return bytes(cuerpo)


def recibir_vacio_como_none(sock, maximo):
    return recibir_mensaje(sock, maximo) or None


def recibir_lo_que_haya_al_cerrar(sock, maximo):
    primero = sock.recv(4)
    if not primero:
        return None
    (n,) = struct.unpack("!I", _exactos_con_recv(sock, 4, primero))
    if n > maximo:
        raise ValueError("grande")
    partes = bytearray()
    while len(partes) < n and (datos := sock.recv(n - len(partes))):
        partes += datos
    return bytes(partes)


def recibir_con_makefile_nuevo(sock, maximo):
    archivo = sock.makefile("rb")  # uno nuevo en cada llamada: su búfer se lleva bytes del siguiente
    cabecera = archivo.read(4)
    if not cabecera:
        return None
    (n,) = struct.unpack("!I", cabecera)
    if n > maximo:
        raise ValueError("grande")
    return archivo.read(n)


@pytest.mark.parametrize("function", [recibir_mensaje, recibir_mensaje_con_recv, recibir_mensaje_con_struct])
def test_10_3_right_answers_pass(function, no_leaks):
    passes("10.3", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (recibir_con_un_recv_cada_cosa, ("struct.error: unpack requires a buffer of 4 bytes", "exactamente 4 bytes")),
        (recibir_el_cuerpo_de_una_vez, ("devolvió solo los primeros", "un recv no es un mensaje")),
        (recibir_little_endian, ("little-endian", "'<I'")),
        (recibir_sin_limite, ("anunció 4294967295 bytes", "si n > maximo lanza ValueError")),
        (recibir_y_luego_comprobar, ("después de leer 1001 bytes del cuerpo", "antes de leer")),
        (recibir_todo_y_luego_comprobar, ("después de leer 1001 bytes del cuerpo", "tras leer 60 bytes del cuerpo")),
        (recibir_reservando_antes, ("reservó unos 64 MiB antes de comprobar", "MemoryError: intentó reservarlos")),
        (recibir_limite_mayor_o_igual, ("exactamente maximo", "n > maximo, no n >= maximo")),
        (recibir_y_fin_como_error, ("un final limpio", "devuelve None")),
        (recibir_vacio_como_none, ("devolvió None", "None es para cuando la conexión terminó")),
        (recibir_con_makefile_nuevo, ("la llamada anterior leyó", "de más")),
        (recibir_lo_que_haya_al_cerrar, ("tras enviar 26 de los 50 bytes del cuerpo", "lanza ConnectionError")),
    ],
)
def test_10_3_wrong_answers_are_caught(function, words):
    caught("10.3", function, *words)


def test_10_3_a_little_endian_length_is_suspected_at_maximo_too():
    result = caught("10.3", recibir_little_endian)
    exacto = next(c for c in result.cases if "exactamente maximo" in c.name)
    assert "¿comparas n >= maximo?" in exacto.message and "¿O la lees con '<I'" in exacto.message, repr(result)


def test_10_3_a_little_endian_length_is_suspected_when_64_mib_is_let_through():
    """04 00 00 00 is 64 MiB in '!I' but 4 in '<I': the answer compares fine, its byte order is wrong."""
    result = caught("10.3", recibir_little_endian)
    grande = next(c for c in result.cases if "64 MiB" in c.name)
    assert grande.status == "fallo" and "lees la longitud al revés" in grande.message, repr(result)
    assert "y 4 en little-endian" in grande.message, grande.message


def test_10_3_a_peer_announcing_4_gib_is_refused_by_the_master_at_once():
    result = run("10.3", recibir_mensaje, HARD_LIMIT)
    assert result, repr(result)
    assert "4 GiB" in result.cases[-1].name


# == 10.4 leer_mensaje_json(sock, maximo) ================================================


def leer_mensaje_json(sock, maximo=1_000_000):
    """The master solution (it reuses 10.1's function)."""
    inicio = bytearray(2)
    n = sock.recv_into(inicio)
    if n == 0:
        return None
    recibir_exacto_en(sock, memoryview(inicio)[n:])
    (largo,) = struct.unpack("!H", inicio)
    crudo = bytearray(largo)
    recibir_exacto_en(sock, crudo)
    cabecera = json.loads(crudo.decode("utf-8"))  # ValueError si no es JSON
    if not isinstance(cabecera, dict) or cabecera.get("version") != 1:
        raise ValueError(f"cabecera no válida: {cabecera!r:.60}")
    n = cabecera.get("content-length")
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= maximo:
        raise ValueError(f"content-length no válido: {n!r}")
    cuerpo = bytearray(n)
    recibir_exacto_en(sock, cuerpo)
    return cabecera, bytes(cuerpo)


def json_con_recv(sock, maximo):
    primero = sock.recv(2)
    if not primero:
        return None
    largo = int.from_bytes(_exactos_con_recv(sock, 2, primero), "big")
    cabecera = json.loads(_exactos_con_recv(sock, largo))
    if type(cabecera) is not dict:
        raise ValueError("la cabecera no es un objeto")
    for campo in ("version", "content-length"):
        if campo not in cabecera:
            raise ValueError(f"falta {campo}")
    if cabecera["version"] != 1:
        raise ValueError("versión desconocida")
    n = cabecera["content-length"]
    if type(n) is not int or n < 0 or n > maximo:
        raise ValueError("content-length no válido")
    return cabecera, _exactos_con_recv(sock, n)


def json_con_try(sock, maximo):
    primero = sock.recv(2)
    if primero == b"":
        return None
    (largo,) = struct.unpack(">H", _exactos_con_recv(sock, 2, primero))
    try:
        cabecera = json.loads(_exactos_con_recv(sock, largo).decode("utf-8"))
        version, n = cabecera["version"], cabecera["content-length"]
    except (TypeError, KeyError) as error:
        raise ValueError(f"cabecera incompleta: {error}") from None
    if version != 1 or not isinstance(n, int) or not 0 <= n <= maximo:
        raise ValueError("cabecera no válida")
    return cabecera, _exactos_con_recv(sock, n)


def _json_leer(sock, maximo, *, formato="!H", versiones=True, limite=True, objeto=True, campos=True, tipos=True):
    """A right answer with one check (or the length's format) changed: the classic mistakes of 10.4."""
    tam = struct.calcsize(formato)
    primero = sock.recv(tam)
    if not primero:
        return None
    (largo,) = struct.unpack(formato, _exactos_con_recv(sock, tam, primero))
    cabecera = json.loads(_exactos_con_recv(sock, largo))
    if objeto and not isinstance(cabecera, dict):
        raise ValueError("no es un objeto")
    if campos and ("version" not in cabecera or "content-length" not in cabecera):
        raise ValueError("faltan campos")
    if versiones and cabecera["version"] != 1:
        raise ValueError("versión")
    n = cabecera["content-length"]
    if tipos and (not isinstance(n, int) or n < 0):
        raise ValueError("content-length")
    if limite and n > maximo:
        raise ValueError("grande")
    return cabecera, _exactos_con_recv(sock, n)


def json_de_un_recv(sock, maximo):
    datos = sock.recv(65536)
    if not datos:
        return None
    (largo,) = struct.unpack("!H", datos[:2])
    cabecera = json.loads(datos[2 : 2 + largo])
    return cabecera, datos[2 + largo : 2 + largo + cabecera["content-length"]]


def json_little_endian(sock, maximo):
    return _json_leer(sock, maximo, formato="<H")


def json_longitud_de_cuatro_bytes(sock, maximo):
    return _json_leer(sock, maximo, formato="!I")


def json_sin_version(sock, maximo):
    return _json_leer(sock, maximo, versiones=False)


def json_sin_limite(sock, maximo):
    return _json_leer(sock, maximo, limite=False)


def json_sin_mirar_si_es_objeto(sock, maximo):
    return _json_leer(sock, maximo, objeto=False)


def json_sin_mirar_los_campos(sock, maximo):
    return _json_leer(sock, maximo, campos=False)


def json_sin_mirar_el_tipo(sock, maximo):
    return _json_leer(sock, maximo, tipos=False)


def json_fin_como_error(sock, maximo):
    cabeza = _exactos_con_recv(sock, 2)  # ConnectionError también al final limpio
    (largo,) = struct.unpack("!H", cabeza)
    cabecera = json.loads(_exactos_con_recv(sock, largo))
    return cabecera, _exactos_con_recv(sock, cabecera["content-length"])


@pytest.mark.parametrize("function", [leer_mensaje_json, json_con_recv, json_con_try])
def test_10_4_right_answers_pass(function, no_leaks):
    passes("10.4", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (json_de_un_recv, ("cortes en los bytes",)),
        (json_little_endian, ("'!H' (2 bytes, big-endian)",)),
        (json_longitud_de_cuatro_bytes, ("'!H' (2 bytes, big-endian)",)),
        (json_sin_version, ("la cabecera es de la versión 2", "lanza ValueError")),
        (json_sin_limite, ("anuncia 1001 bytes (maximo=1000)", "antes de leer o reservar")),
        (json_sin_mirar_si_es_objeto, ("un texto JSON, no un objeto", "comprueba además que es un dict")),
        (json_sin_mirar_los_campos, ("le falta version", "KeyError")),
        (json_sin_mirar_el_tipo, ("content-length es", "isinstance(n, int)")),
        (json_fin_como_error, ("un final limpio", "devuelve None")),
    ],
)
def test_10_4_wrong_answers_are_caught(function, words):
    caught("10.4", function, *words)


# == 10.5 responder_peticion(carpeta, peticion) ==========================================


def _respuesta(codigo, razon, cuerpo, cabeza=False):
    cabecera = (f"HTTP/1.1 {codigo} {razon}\r\nContent-Length: {len(cuerpo)}\r\n"
                "Connection: close\r\n\r\n").encode("ascii")
    return cabecera if cabeza else cabecera + cuerpo


def responder_peticion(carpeta, peticion):
    """The master solution."""
    try:
        metodo, ruta, version = peticion.split(b"\r\n", 1)[0].decode("ascii").split(" ")
    except (UnicodeDecodeError, ValueError):
        return _respuesta(400, "Bad Request", b"Peticion mal formada\n")
    if not version.startswith("HTTP/") or not ruta.startswith("/"):
        return _respuesta(400, "Bad Request", b"Peticion mal formada\n")
    if metodo not in ("GET", "HEAD"):
        return _respuesta(405, "Method Not Allowed", b"Solo GET y HEAD\n")
    raiz = os.path.realpath(carpeta)
    try:
        archivo = os.path.realpath(os.path.join(raiz, ruta.lstrip("/")))
    except ValueError:  # un byte nulo
        return _respuesta(404, "Not Found", b"No existe\n", metodo == "HEAD")
    if os.path.commonpath([raiz, archivo]) != raiz:
        return _respuesta(403, "Forbidden", b"Fuera de la carpeta\n")
    if not os.path.isfile(archivo):
        return _respuesta(404, "Not Found", b"No existe\n", metodo == "HEAD")
    with open(archivo, "rb") as f:
        cuerpo = f.read()
    return _respuesta(200, "OK", cuerpo, metodo == "HEAD")


def responder_con_pathlib(carpeta, peticion):
    """Notebook 10's section 7 style: Path.resolve, is_relative_to, unquote, 501 for other methods."""
    linea, _, _ = peticion.partition(b"\r\n")
    partes = linea.decode("latin-1").split(" ")
    if len(partes) != 3 or not partes[2].startswith("HTTP/1.") or not partes[1].startswith("/"):
        return b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    metodo, ruta, _ = partes
    if metodo not in ("GET", "HEAD"):
        return b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n"
    raiz = Path(carpeta).resolve()
    try:
        destino = (raiz / unquote(ruta.partition("?")[0]).lstrip("/")).resolve()
        if not destino.is_relative_to(raiz):
            return b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
        if not destino.is_file():
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    except (ValueError, OSError):  # un byte nulo, un nombre demasiado largo
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    cuerpo = destino.read_bytes()
    cabeza = f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len(cuerpo)}\r\n\r\n"
    return cabeza.encode() + (cuerpo if metodo == "GET" else b"")


def responder_con_normpath(carpeta, peticion):
    try:
        metodo, ruta, version = peticion.decode("ascii").split("\r\n")[0].split()
    except ValueError:  # UnicodeDecodeError is a ValueError too
        metodo = ruta = version = ""
    if not (ruta.startswith("/") and version.startswith("HTTP/")):
        cuerpo = b"peticion no valida"
        return b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(cuerpo), cuerpo)
    if metodo not in {"GET", "HEAD"}:
        return b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n\r\n"
    relativa = os.path.normpath(ruta.lstrip("/"))
    if relativa.startswith("..") or os.path.isabs(relativa):
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    archivo = os.path.join(carpeta, relativa)
    if not os.path.isfile(archivo):
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    with open(archivo, "rb") as f:
        cuerpo = f.read()
    cabeza = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(cuerpo)
    return cabeza if metodo == "HEAD" else cabeza + cuerpo


def _web(carpeta, peticion, *, texto=False, cabeza_con_cuerpo=False, sin_longitud=False, sin_vigilar=False,
         solo_lf=False, existe=False, sin_version=False, con_prefijo=False, se_cae_con_la_ruta=False):
    """The master with one mistake switched on: the classic ones of a first web server."""
    try:
        metodo, ruta, version = peticion.split(b"\r\n", 1)[0].decode("ascii").split(" ")
    except (UnicodeDecodeError, ValueError):
        return _respuesta(400, "Bad Request", b"mal\n")
    if not (sin_version or version.startswith("HTTP/")) or not ruta.startswith("/"):
        return _respuesta(400, "Bad Request", b"mal\n")
    if metodo not in ("GET", "HEAD"):
        return _respuesta(405, "Method Not Allowed", b"no\n")
    raiz = os.path.realpath(carpeta)
    try:
        archivo = os.path.join(carpeta, ruta[1:]) if sin_vigilar else os.path.realpath(os.path.join(raiz, ruta[1:]))
    except ValueError:
        if se_cae_con_la_ruta:
            raise
        return _respuesta(404, "Not Found", b"no existe\n", metodo == "HEAD")
    fuera = not archivo.startswith(raiz) if con_prefijo else os.path.commonpath([raiz, archivo]) != raiz
    if not sin_vigilar and fuera:
        return _respuesta(403, "Forbidden", b"fuera\n")
    if not (os.path.exists(archivo) if existe else os.path.isfile(archivo)):
        return _respuesta(404, "Not Found", b"no existe\n", metodo == "HEAD")
    if texto:
        with open(archivo, encoding="utf-8") as f:
            contenido = f.read()
        cabecera = f"HTTP/1.1 200 OK\r\nContent-Length: {len(contenido)}\r\n\r\n"
        return (cabecera + ("" if metodo == "HEAD" else contenido)).encode("utf-8")
    with open(archivo, "rb") as f:
        cuerpo = f.read()
    respuesta = _respuesta(200, "OK", cuerpo, metodo == "HEAD" and not cabeza_con_cuerpo)
    if sin_longitud:
        respuesta = respuesta.replace(b"Content-Length: %d\r\n" % len(cuerpo), b"")
    return respuesta.replace(b"\r\n", b"\n") if solo_lf else respuesta


def web_contando_caracteres(carpeta, peticion):
    return _web(carpeta, peticion, texto=True)


def web_head_con_cuerpo(carpeta, peticion):
    return _web(carpeta, peticion, cabeza_con_cuerpo=True)


def web_sin_content_length(carpeta, peticion):
    return _web(carpeta, peticion, sin_longitud=True)


def web_sin_vigilar_la_ruta(carpeta, peticion):
    return _web(carpeta, peticion, sin_vigilar=True)


def web_con_saltos_lf(carpeta, peticion):
    return _web(carpeta, peticion, solo_lf=True)


def web_abre_carpetas(carpeta, peticion):
    return _web(carpeta, peticion, existe=True)


def web_sin_mirar_la_version(carpeta, peticion):
    return _web(carpeta, peticion, sin_version=True)


def web_contiene_por_prefijo(carpeta, peticion):
    """realpath(destino).startswith(realpath(raiz)): "…/raiz-privada" empieza por "…/raiz"."""
    return _web(carpeta, peticion, con_prefijo=True)


def web_se_cae_con_un_byte_nulo(carpeta, peticion):
    return _web(carpeta, peticion, se_cae_con_la_ruta=True)


def web_se_cae_con_basura(carpeta, peticion):
    metodo, ruta, _version = peticion.split(b"\r\n")[0].decode().split(" ")
    return responder_peticion(carpeta, f"{metodo} {ruta} HTTP/1.1\r\n\r\n".encode())


def web_sirve_cualquier_metodo(carpeta, peticion):
    linea = peticion.replace(b"POST ", b"GET ", 1).replace(b"DELETE ", b"GET ", 1)
    return responder_peticion(carpeta, linea)


@pytest.mark.parametrize("function", [responder_peticion, responder_con_pathlib, responder_con_normpath])
def test_10_5_right_answers_pass(function, no_leaks):
    passes("10.5", function)


@pytest.mark.parametrize(
    "function, words",
    [
        (web_contando_caracteres, ("los caracteres del texto", "UnicodeDecodeError")),
        (web_head_con_cuerpo, ("HEAD envía solo la cabecera",)),
        (web_sin_content_length, ("no tiene Content-Length",)),
        (web_sin_vigilar_la_ruta, ("con el contenido de secreto.txt", "os.path.commonpath")),
        (web_con_saltos_lf, ("HTTP exige b'\\r\\n'",)),
        (web_abre_carpetas, ("IsADirectoryError", "os.path.isfile")),
        (web_se_cae_con_basura, ("un servidor no se cae por una petición mal formada", "400 Bad Request")),
        (web_sirve_cualquier_metodo, ("POST /texto.txt: se esperaba 405 o 501",)),
        (web_sin_mirar_la_version, ("la petición b'GET /texto.txt FOO/1.1", "se esperaba 400")),
        (web_contiene_por_prefijo, ("raiz-privada/secreto.txt respondió 200", "¿compruebas la ruta con startswith")),
        (web_se_cae_con_un_byte_nulo, ("ValueError: embedded null byte", "una ruta que el sistema de archivos no")),
    ],
)
def test_10_5_wrong_answers_are_caught(function, words):
    caught("10.5", function, *words)


# == the suite itself ====================================================================


@pytest.mark.parametrize("exercise_id", IDS)
def test_stub_is_pending(exercise_id):
    assert run(exercise_id, stub, HARD_LIMIT).status == "pendiente"


@pytest.mark.parametrize("exercise_id", IDS)
def test_every_exercise_has_four_cases_or_more(exercise_id):
    run(exercise_id, stub, HARD_LIMIT)  # loads notebook 10's exercises
    assert len(_REGISTRY[exercise_id].cases) >= 4
