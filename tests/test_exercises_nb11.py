"""Notebook 11's exercises as a mutation suite: classic UDP mistakes get ✘ (or ◷) with the words that name them,
right answers written unlike the master solution pass.

Every case runs through the lossy UDP relay with a fixed seed, so which ping is lost, which reply is
duplicated and which datagram is corrupted are the same on every run: the wrong answers below fail on
every run, not by luck. Every answer runs under a hard time limit (tests/mutation_kit.py), against real
sockets on loopback.
"""

from __future__ import annotations

import heapq
import re
import select
import socket
import struct
import threading
import time
import zlib

import pytest
from conftest import settle
from mutation_kit import run, suite

from labsupport.exercises.nb11.checksum import framed, intact
from labsupport.exercises.nb11.ping import ping_number

LIMIT = 60.0  # seconds for a whole lab.comprobar; mutation_kit raises it to the exercise's own budget


# == 11.1 hacer_ping(direccion, n, espera) ================================================


def hacer_ping(direccion, n, espera):
    """The master solution."""
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(1, n + 1):
            enviado = time.perf_counter()
            s.sendto(f"PING {i} {enviado}".encode(), direccion)
            limite = enviado + espera
            rtt = None
            while (queda := limite - time.perf_counter()) > 0:
                s.settimeout(queda)
                try:
                    datos, _ = s.recvfrom(2048)
                except TimeoutError:
                    break
                partes = datos.split()
                if len(partes) == 3 and partes[0] == b"PING" and partes[1] == str(i).encode():
                    rtt = time.perf_counter() - enviado
                    break
            rtts.append(rtt)
    return rtts


def ping_con_la_marca_de_la_respuesta(direccion, n, espera):
    """Kurose and Ross's style: the RTT from the timestamp the reply carries back; replies matched exactly."""
    resultado = []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for numero in range(1, n + 1):
            mensaje = f"PING {numero} {time.perf_counter():.9f}".encode()
            s.sendto(mensaje, direccion)
            fin = time.perf_counter() + espera
            rtt = None
            while rtt is None and time.perf_counter() < fin:
                s.settimeout(max(fin - time.perf_counter(), 0.001))
                try:
                    respuesta, _ = s.recvfrom(65535)
                except TimeoutError:
                    break
                if respuesta == mensaje:
                    rtt = time.perf_counter() - float(respuesta.split()[2])
            resultado.append(rtt)
    finally:
        s.close()
    return resultado


def ping_conectado_con_select(direccion, n, espera):
    """A connected socket, waits with select() for the time left."""
    rtts = [None] * n
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(direccion)
        for i in range(n):
            t0 = time.monotonic()
            s.send(b"PING %d %f" % (i + 1, t0))
            while (resto := t0 + espera - time.monotonic()) > 0:
                listos, _, _ = select.select([s], [], [], resto)
                if not listos:
                    break
                if int(s.recv(1024).split()[1]) == i + 1:
                    rtts[i] = time.monotonic() - t0
                    break
    return rtts


def ping_sin_timeout(direccion, n, espera):
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(1, n + 1):
            t = time.perf_counter()
            s.sendto(f"PING {i} {t}".encode(), direccion)
            while int(s.recvfrom(2048)[0].split()[1]) != i:
                pass
            rtts.append(time.perf_counter() - t)
    return rtts


def ping_ingenuo(direccion, n, espera):
    """One recvfrom per ping, and whatever comes is taken as its reply."""
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        for i in range(1, n + 1):
            t = time.perf_counter()
            s.sendto(f"PING {i} {t}".encode(), direccion)
            try:
                s.recvfrom(2048)
                rtts.append(time.perf_counter() - t)
            except TimeoutError:
                rtts.append(None)
    return rtts


def ping_se_rinde_al_ver_otra(direccion, n, espera):
    """Checks the number, but a reply with another number ends the wait (None) instead of waiting on."""
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        for i in range(1, n + 1):
            t = time.perf_counter()
            s.sendto(f"PING {i} {t}".encode(), direccion)
            try:
                datos, _ = s.recvfrom(2048)
                rtts.append(time.perf_counter() - t if datos.split()[1] == str(i).encode() else None)
            except TimeoutError:
                rtts.append(None)
    return rtts


def ping_en_milisegundos(direccion, n, espera):
    return [None if r is None else r * 1000 for r in hacer_ping(direccion, n, espera)]


def ping_desde_cero(direccion, n, espera):
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(n):
            t = time.perf_counter()
            s.sendto(f"PING {i} {t}".encode(), direccion)
            s.settimeout(espera)
            try:
                while int(s.recvfrom(2048)[0].split()[1]) != i:
                    pass
                rtts.append(time.perf_counter() - t)
            except TimeoutError:
                rtts.append(None)
    return rtts


def ping_espera_total(direccion, n, espera):
    """One deadline for the whole run instead of one per ping."""
    rtts = []
    limite = time.perf_counter() + espera
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(1, n + 1):
            t = time.perf_counter()
            s.sendto(f"PING {i} {t}".encode(), direccion)
            rtt = None
            while (queda := limite - time.perf_counter()) > 0:
                s.settimeout(queda)
                try:
                    if int(s.recvfrom(2048)[0].split()[1]) == i:
                        rtt = time.perf_counter() - t
                        break
                except TimeoutError:
                    break
            rtts.append(rtt)
    return rtts


def ping_sin_marca(direccion, n, espera):
    """The number, but neither the word PING nor the timestamp of the statement's format."""
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        for i in range(1, n + 1):
            t = time.perf_counter()
            s.sendto(f"ping {i}".encode(), direccion)
            try:
                s.recvfrom(2048)
                rtts.append(time.perf_counter() - t)
            except TimeoutError:
                rtts.append(None)
    return rtts


def ping_timeout_fijo(direccion, n, espera):
    return hacer_ping(direccion, n, 1.0)


def ping_reintenta(direccion, n, espera):
    """Sends a ping again when its reply does not come (a ping is sent once)."""
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera / 2)
        for i in range(1, n + 1):
            rtt = None
            for _ in range(2):
                t = time.perf_counter()
                s.sendto(f"PING {i} {t}".encode(), direccion)
                try:
                    if int(s.recvfrom(2048)[0].split()[1]) == i:
                        rtt = time.perf_counter() - t
                        break
                except TimeoutError:
                    pass
            rtts.append(rtt)
    return rtts


def ping_un_socket_por_ping(direccion, n, espera):
    """A new socket per ping, and whatever comes to it is taken as its reply (a late one goes to a closed socket)."""
    rtts = []
    for i in range(1, n + 1):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(espera)
            t = time.perf_counter()
            s.sendto(f"PING {i} {t}".encode(), direccion)
            try:
                s.recvfrom(2048)
                rtts.append(time.perf_counter() - t)
            except TimeoutError:
                rtts.append(None)
    return rtts


def ping_timeout_de_medio_segundo(direccion, n, espera):
    """A fixed timeout shorter than the wait: a ping without a reply is given up too soon."""
    return hacer_ping(direccion, n, 0.5)


def ping_reinicia_la_espera(direccion, n, espera):
    """Discards another ping's reply, but then waits a whole espera again instead of what is left."""
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        for i in range(1, n + 1):
            t = time.perf_counter()
            s.sendto(f"PING {i} {t}".encode(), direccion)
            rtt = None
            try:
                while rtt is None:
                    if s.recvfrom(2048)[0].split()[1] == str(i).encode():
                        rtt = time.perf_counter() - t
            except TimeoutError:
                pass
            rtts.append(rtt)
    return rtts


# == 11.2 recibir_en_orden(sock, n) =========================================================


def recibir_en_orden(sock, n):
    """The master solution."""
    recibidos = {}
    while len(recibidos) < n:
        datagrama, _ = sock.recvfrom(65535)
        (numero,) = struct.unpack("!I", datagrama[:4])
        recibidos.setdefault(numero, datagrama[4:])
    return [recibidos[i] for i in range(n)]


def orden_con_huecos(sock, n):
    huecos = [None] * n
    faltan = n
    while faltan:
        datagrama = sock.recv(65536)
        numero = int.from_bytes(datagrama[:4], "big")
        if huecos[numero] is None:
            huecos[numero] = datagrama[4:]
            faltan -= 1
    return huecos


def orden_con_heap(sock, n):
    vistos, monton = set(), []
    while len(vistos) < n:
        datos = sock.recvfrom(2**16)[0]
        numero = struct.unpack_from("!I", datos)[0]
        if numero not in vistos:
            vistos.add(numero)
            heapq.heappush(monton, (numero, bytes(datos[4:])))
    return [heapq.heappop(monton)[1] for _ in range(n)]


def orden_con_cabecera(sock, n):
    recibidos = {}
    while len(recibidos) < n:
        datagrama, _ = sock.recvfrom(65535)
        recibidos.setdefault(struct.unpack("!I", datagrama[:4])[0], datagrama)
    return [recibidos[i] for i in range(n)]


def orden_de_llegada(sock, n):
    vistos, mensajes = set(), []
    while len(mensajes) < n:
        datagrama, _ = sock.recvfrom(65535)
        numero = struct.unpack("!I", datagrama[:4])[0]
        if numero not in vistos:
            vistos.add(numero)
            mensajes.append(datagrama[4:])
    return mensajes


def orden_cuenta_datagramas(sock, n):
    recibidos = {}
    for _ in range(n):
        datagrama, _ = sock.recvfrom(65535)
        recibidos[struct.unpack("!I", datagrama[:4])[0]] = datagrama[4:]
    return [recibidos[k] for k in sorted(recibidos)]


def orden_por_contenido(sock, n):
    recibidos = {}
    while len(recibidos) < n:
        datagrama, _ = sock.recvfrom(65535)
        if datagrama[4:] not in recibidos.values():
            recibidos[struct.unpack("!I", datagrama[:4])[0]] = datagrama[4:]
    return [recibidos[k] for k in sorted(recibidos)]


def orden_hasta_el_ultimo(sock, n):
    recibidos = {}
    while True:
        datagrama, _ = sock.recvfrom(65535)
        numero = struct.unpack("!I", datagrama[:4])[0]
        recibidos[numero] = datagrama[4:]
        if numero == n - 1:
            return [recibidos[k] for k in sorted(recibidos)]


def orden_bufer_pequeno(sock, n):
    recibidos = {}
    while len(recibidos) < n:
        datagrama, _ = sock.recvfrom(4096)
        recibidos.setdefault(struct.unpack("!I", datagrama[:4])[0], datagrama[4:])
    return [recibidos[i] for i in range(n)]


def orden_little_endian(sock, n):
    recibidos = {}
    while len(recibidos) < n:
        datagrama, _ = sock.recvfrom(65535)
        recibidos.setdefault(struct.unpack("<I", datagrama[:4])[0], datagrama[4:])
    return [recibidos[i] for i in range(n)]


def orden_hasta_el_silencio(sock, n):
    """Reads until nothing comes for 1 s, then orders what it kept (it waits for more than the n). (1 s: the
    checker's copies every 0,05 s keep it waiting even if their thread stalls for a moment on a loaded machine.)"""
    recibidos = {}
    sock.settimeout(1.0)
    try:
        while True:
            datagrama, _ = sock.recvfrom(65535)
            recibidos.setdefault(struct.unpack("!I", datagrama[:4])[0], datagrama[4:])
    except TimeoutError:
        pass
    finally:
        sock.settimeout(None)
    return [recibidos[i] for i in range(n)]


# == 11.3 enviar_fiable(direccion, mensajes, espera, intentos) ==============================


def enviar_fiable(direccion, mensajes, espera, intentos):
    """The master solution."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i, mensaje in enumerate(mensajes):
            datagrama = struct.pack("!I", i) + mensaje
            for _ in range(intentos):
                s.sendto(datagrama, direccion)
                limite = time.perf_counter() + espera
                confirmado = False
                while (queda := limite - time.perf_counter()) > 0:
                    s.settimeout(queda)
                    try:
                        ack, _ = s.recvfrom(2048)
                    except TimeoutError:
                        break
                    if ack == struct.pack("!I", i):
                        confirmado = True
                        break
                if confirmado:
                    break
            else:
                raise TimeoutError(f"el mensaje {i} no se confirmó tras {intentos} intentos")


def fiable_conectado_con_select(direccion, mensajes, espera, intentos):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(direccion)
    try:
        for numero, datos in enumerate(mensajes):
            cabecera = struct.pack("!I", numero)
            enviados = 0
            while True:
                if enviados == intentos:
                    raise TimeoutError(f"sin ACK del mensaje {numero} tras {enviados} intentos")
                s.send(cabecera + datos)
                enviados += 1
                fin = time.monotonic() + espera
                while (resto := fin - time.monotonic()) > 0 and select.select([s], [], [], resto)[0]:
                    if s.recv(64) == cabecera:
                        break
                else:
                    continue
                break
    finally:
        s.close()


def fiable_con_funcion_auxiliar(direccion, mensajes, espera, intentos):
    def esperar_ack(s, numero):
        limite = time.monotonic() + espera
        while time.monotonic() < limite:
            s.settimeout(max(limite - time.monotonic(), 0.001))
            try:
                ack = s.recvfrom(16)[0]
            except TimeoutError:
                return False
            if len(ack) == 4 and struct.unpack("!I", ack)[0] == numero:
                return True
        return False

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for numero, mensaje in enumerate(mensajes):
            for intento in range(1, intentos + 1):
                s.sendto(struct.pack("!I", numero) + mensaje, direccion)
                if esperar_ack(s, numero):
                    break
                if intento == intentos:
                    raise TimeoutError(f"mensaje {numero}: {intentos} intentos sin ACK")


def fiable_sin_reintentos(direccion, mensajes, espera, intentos):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        for i, m in enumerate(mensajes):
            s.sendto(struct.pack("!I", i) + m, direccion)
            s.recvfrom(100)


def fiable_sin_timeout(direccion, mensajes, espera, intentos):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i, m in enumerate(mensajes):
            s.sendto(struct.pack("!I", i) + m, direccion)
            while s.recvfrom(100)[0] != struct.pack("!I", i):
                pass


def fiable_cualquier_ack(direccion, mensajes, espera, intentos):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        for i, m in enumerate(mensajes):
            for _ in range(intentos):
                s.sendto(struct.pack("!I", i) + m, direccion)
                try:
                    s.recvfrom(100)
                    break
                except TimeoutError:
                    pass
            else:
                raise TimeoutError(f"el mensaje {i} no se confirmó tras {intentos} intentos")


def fiable_numero_nuevo(direccion, mensajes, espera, intentos):
    """Each retransmission takes the next number."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        numero = 0
        for m in mensajes:
            for _ in range(intentos):
                s.sendto(struct.pack("!I", numero) + m, direccion)
                numero += 1
                try:
                    if s.recvfrom(100)[0] == struct.pack("!I", numero - 1):
                        break
                except TimeoutError:
                    pass
            else:
                raise TimeoutError(f"el mensaje {numero} no se confirmó tras {intentos} intentos")


def fiable_un_intento_menos(direccion, mensajes, espera, intentos):
    return enviar_fiable(direccion, mensajes, espera, intentos - 1)


def fiable_un_intento_mas(direccion, mensajes, espera, intentos):
    return enviar_fiable(direccion, mensajes, espera, intentos + 1)


def fiable_en_rafaga(direccion, mensajes, espera, intentos):
    """Sends everything at once, then makes sure each one is acknowledged (from the same socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i, m in enumerate(mensajes):
            s.sendto(struct.pack("!I", i) + m, direccion)
        for i, m in enumerate(mensajes):
            for _ in range(intentos):
                limite = time.perf_counter() + espera
                while (queda := limite - time.perf_counter()) > 0:
                    s.settimeout(queda)
                    try:
                        if s.recvfrom(100)[0] == struct.pack("!I", i):
                            break
                    except TimeoutError:
                        pass
                else:
                    s.sendto(struct.pack("!I", i) + m, direccion)
                    continue
                break
            else:
                raise TimeoutError(f"el mensaje {i} no se confirmó tras {intentos} intentos")


def fiable_callado(direccion, mensajes, espera, intentos):
    try:
        enviar_fiable(direccion, mensajes, espera, intentos)
    except TimeoutError:
        return None


def fiable_timeout_sin_explicar(direccion, mensajes, espera, intentos):
    try:
        enviar_fiable(direccion, mensajes, espera, intentos)
    except TimeoutError:
        raise TimeoutError("timed out") from None


def fiable_sin_rendirse(direccion, mensajes, espera, intentos):
    return enviar_fiable(direccion, mensajes, espera, 10**9)


def fiable_desde_uno(direccion, mensajes, espera, intentos):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(espera)
        for i, m in enumerate(mensajes, start=1):
            for _ in range(intentos):
                s.sendto(struct.pack("!I", i) + m, direccion)
                try:
                    if s.recvfrom(100)[0] == struct.pack("!I", i):
                        break
                except TimeoutError:
                    pass
            else:
                raise TimeoutError(f"el mensaje {i} no se confirmó tras {intentos} intentos")


def fiable_un_socket_por_envio(direccion, mensajes, espera, intentos):
    """A new socket for each send, and any ACK that comes to it confirms (an old one went to a closed socket)."""
    for i, m in enumerate(mensajes):
        for _ in range(intentos):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(espera)
                s.sendto(struct.pack("!I", i) + m, direccion)
                try:
                    s.recvfrom(100)
                    break
                except TimeoutError:
                    pass
        else:
            raise TimeoutError(f"el mensaje {i} no se confirmó tras {intentos} intentos")


def fiable_error_sin_separar(direccion, mensajes, espera, intentos):
    """Gives up right, but its message runs the numbers together: "error 24" says neither 2 nor 4."""
    try:
        enviar_fiable(direccion, mensajes, espera, intentos)
    except TimeoutError:
        raise TimeoutError(f"error {len(mensajes) // 2}{intentos}") from None


# == 11.4 recibir_verificado(sock, total) ===================================================


def recibir_verificado(sock, total):
    """The master solution."""
    integros = []
    for _ in range(total):
        datagrama, _ = sock.recvfrom(65535)
        if len(datagrama) < 4:
            continue
        datos, (crc,) = datagrama[:-4], struct.unpack("!I", datagrama[-4:])
        if zlib.crc32(datos) == crc:
            integros.append(datos)
    return integros


def verificado_con_from_bytes(sock, total):
    buenos = []
    for _ in range(total):
        d = sock.recv(1 << 16)
        if len(d) >= 4 and int.from_bytes(d[-4:], "big") == zlib.crc32(d[:-4]) & 0xFFFFFFFF:
            buenos.append(d[:-4])
    return buenos


def verificado_empaquetando(sock, total):
    def integro(d):
        return len(d) >= 4 and struct.pack("!I", zlib.crc32(d[:-4])) == d[-4:]

    datagramas = [sock.recvfrom(65535)[0] for _ in range(total)]
    return [d[:-4] for d in datagramas if integro(d)]


def verificado_sin_comprobar(sock, total):
    return [sock.recvfrom(65535)[0][:-4] for _ in range(total)]


def verificado_con_crc(sock, total):
    return [d for d in (sock.recvfrom(65535)[0] for _ in range(total))
            if len(d) >= 4 and zlib.crc32(d[:-4]) == struct.unpack("!I", d[-4:])[0]]


def verificado_little_endian(sock, total):
    return [d[:-4] for d in (sock.recvfrom(65535)[0] for _ in range(total))
            if len(d) >= 4 and zlib.crc32(d[:-4]) == struct.unpack("<I", d[-4:])[0]]


def verificado_crc_de_todo(sock, total):
    return [d[:-4] for d in (sock.recvfrom(65535)[0] for _ in range(total))
            if len(d) >= 4 and zlib.crc32(d) == struct.unpack("!I", d[-4:])[0]]


def verificado_bufer_pequeno(sock, total):
    return [d[:-4] for d in (sock.recvfrom(4096)[0] for _ in range(total))
            if len(d) >= 4 and zlib.crc32(d[:-4]) == struct.unpack("!I", d[-4:])[0]]


def verificado_sin_mirar_la_longitud(sock, total):
    return [d[:-4] for d in (sock.recvfrom(65535)[0] for _ in range(total))
            if zlib.crc32(d[:-4]) == struct.unpack("!I", d[-4:])[0]]


def verificado_from_bytes_sin_longitud(sock, total):
    return [d[:-4] for d in (sock.recvfrom(65535)[0] for _ in range(total))
            if zlib.crc32(d[:-4]) == int.from_bytes(d[-4:], "big")]


def verificado_hasta_total_integros(sock, total):
    buenos = []
    while len(buenos) < total:
        d = sock.recvfrom(65535)[0]
        if len(d) >= 4 and zlib.crc32(d[:-4]) == struct.unpack("!I", d[-4:])[0]:
            buenos.append(d[:-4])
    return buenos


RIGHT = [
    ("11.1", hacer_ping),
    ("11.1", ping_con_la_marca_de_la_respuesta),
    ("11.1", ping_conectado_con_select),
    ("11.2", recibir_en_orden),
    ("11.2", orden_con_huecos),
    ("11.2", orden_con_heap),
    ("11.3", enviar_fiable),
    ("11.3", fiable_conectado_con_select),
    ("11.3", fiable_con_funcion_auxiliar),
    ("11.4", recibir_verificado),
    ("11.4", verificado_con_from_bytes),
    ("11.4", verificado_empaquetando),
]

WRONG = [
    ("11.1", ping_sin_timeout, ("settimeout",)),
    ("11.1", ping_ingenuo, ("tomó como suya la respuesta de otro ping", "descártala")),
    ("11.1", ping_se_rinde_al_ver_otra, ("devolvió None", "sigue esperando lo que quede")),
    ("11.1", ping_en_milisegundos, ("milisegundos",)),
    ("11.1", ping_desde_cero, ("se numeran desde 1",)),
    ("11.1", ping_espera_total, ("cada ping tiene su propia espera",)),
    ("11.1", ping_timeout_fijo, ("no terminó", "settimeout(espera)")),
    ("11.1", ping_reintenta, ("envía cada ping una sola vez",)),
    ("11.1", ping_sin_marca, ("no es un ping", "PING {i} {marca}")),
    ("11.1", ping_un_socket_por_ping, ("desde 5 sockets distintos", "desde el mismo socket")),
    ("11.1", ping_timeout_de_medio_segundo, ("antes de que pasara su espera", "no un timeout fijo")),
    ("11.1", ping_reinicia_la_espera, ("no terminó", "espera solo lo que quede")),
    ("11.2", orden_con_cabecera, ("los 4 bytes del número", "devuelve solo los datos")),
    ("11.2", orden_de_llegada, ("no por el orden en que llegaron",)),
    ("11.2", orden_cuenta_datagramas, ("faltan los números", "números distintos")),
    ("11.2", orden_por_contenido, ("no unos datos que ya tienes",)),
    ("11.2", orden_hasta_el_ultimo, ("el 9 llegó antes que el 8",)),
    ("11.2", orden_bufer_pequeno, ("corta el datagrama", "65535")),
    ("11.2", orden_little_endian, ("'!I'",)),
    ("11.2", orden_hasta_el_silencio, ("no terminó", "no esperes a que deje de llegar nada")),
    ("11.3", fiable_sin_reintentos, ("se rindió", "retransmite el mismo datagrama")),
    ("11.3", fiable_sin_timeout, ("settimeout(espera)",)),
    ("11.3", fiable_cualquier_ack, ("un ACK de otro número", "no le llegó")),
    ("11.3", fiable_numero_nuevo, ("¿cambias el número al retransmitir?",)),
    ("11.3", fiable_un_intento_menos, ("lo envió 3 veces", "son 4 envíos")),
    ("11.3", fiable_un_intento_mas, ("lo envió 5 veces", "son 4 envíos")),
    ("11.3", fiable_en_rafaga, ("antes de que el ACK del 0 pudiera llegarte",)),
    ("11.3", fiable_callado, ("terminó sin avisar", "lanza TimeoutError")),
    ("11.3", fiable_timeout_sin_explicar, ("di qué mensaje no se confirmó y cuántos intentos hiciste",)),
    ("11.3", fiable_sin_rendirse, ("no terminó", "lanza TimeoutError")),
    ("11.3", fiable_desde_uno, ("se numeran desde 0",)),
    ("11.3", fiable_un_socket_por_envio, ("sockets distintos", "desde el mismo socket")),
    ("11.3", fiable_error_sin_separar, ("di qué mensaje no se confirmó y cuántos intentos hiciste",)),
    ("11.4", verificado_sin_comprobar, ("llegó corrupto", "zlib.crc32(datos)")),
    ("11.4", verificado_con_crc, ("4 bytes de CRC-32", "devuelve solo los datos")),
    ("11.4", verificado_little_endian, ("'!I' (orden de red)",)),
    ("11.4", verificado_crc_de_todo, ("sobre los datos, sin esos 4 bytes",)),
    ("11.4", verificado_bufer_pequeno, ("recvfrom lo corta", "65535")),
    ("11.4", verificado_sin_mirar_la_longitud, ("struct.error", "menos de 4 bytes")),
    ("11.4", verificado_from_bytes_sin_longitud, ("datos vacíos", "menos de 4 bytes")),
    ("11.4", verificado_hasta_total_integros, ("no terminó", "los corruptos también cuentan")),
]


(
    test_right_answers_in_any_style_pass,
    test_classic_mistakes_get_a_cross_and_the_hint_that_names_them,
    test_every_exercise_has_four_cases_six_mistakes_and_three_right_styles,
) = suite(("11.1", "11.2", "11.3", "11.4"), RIGHT, WRONG, LIMIT)


def test_a_seeded_mistake_is_told_the_same_on_every_run():
    """The relay's seeds fix every decision: the same wrong answer gets the same verdicts and messages twice
    (but for the RTTs it measured, which are times)."""

    def told(result):
        return [(c.name, c.status, re.sub(r"RTT de .*? s\b", "RTT de …", c.message)) for c in result.cases]

    first, second = (told(run("11.1", ping_ingenuo, LIMIT)) for _ in range(2))
    assert first == second
    assert any(status != "ok" for _, status, _ in first)


def test_a_pinger_without_timeout_is_woken_and_leaves_no_thread_behind():
    """A recvfrom with no timeout is woken when its case runs out of time (its socket is shut down)."""
    before = {t.ident for t in threading.enumerate()}
    result = run("11.1", ping_sin_timeout, LIMIT)
    assert any(c.status == "tiempo" for c in result.cases), repr(result)
    assert settle(lambda: not [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]), (
        threading.enumerate()
    )


@pytest.mark.parametrize(("exercise_id", "function"), [
    ("11.1", hacer_ping), ("11.2", recibir_en_orden), ("11.3", enviar_fiable), ("11.4", recibir_verificado),
])
def test_a_check_leaves_no_thread_nor_socket_behind(exercise_id, function, no_leaks):
    """Every case's relay, server and sockets are stopped and closed when lab.comprobar returns."""
    assert run(exercise_id, function, LIMIT)


def test_a_ping_is_three_words_with_a_whole_number_and_a_timestamp():
    assert ping_number(b"PING 3 12.5") == 3
    assert ping_number(b"PING 10 1733100000.123456") == 10
    for not_a_ping in (b"PING 3", b"ping 3 1.0", b"PING tres 1.0", b"PING 3 ayer", b"", b"PING 3 1.0 extra"):
        assert ping_number(not_a_ping) is None, not_a_ping


def test_one_flipped_bit_anywhere_makes_a_datagram_corrupt():
    datagram = framed(b"datos de prueba")
    assert intact(datagram) and intact(framed(b""))
    for bit in range(len(datagram) * 8):
        flipped = bytearray(datagram)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert not intact(bytes(flipped))
    assert not intact(b"\0\0") and not intact(b"")


def test_a_little_endian_crc_is_told_its_byte_order_never_a_small_buffer():
    """The empty data's CRC-32 (0) reads the same in both orders, so a '<I' receiver keeps only small datagrams:
    that must not be blamed on the buffer of its recvfrom, in any case."""
    result = run("11.4", verificado_little_endian, LIMIT)
    failed = [c for c in result.cases if c.status == "fallo"]
    assert failed, repr(result)
    for case in failed:
        assert "'!I'" in case.message and "búfer" not in case.message, repr(result)


@pytest.mark.parametrize(("exercise_id", "function", "words"), [
    ("11.1", ping_en_milisegundos, "en segundos"),
    ("11.2", orden_de_llegada, "por su número"),
], ids=["ms", "orden"])
def test_the_hint_of_every_case_a_mistake_fails_speaks_of_that_mistake(exercise_id, function, words):
    """A hint is per case, the diagnosis per answer: each case such a mistake fails has a hint that covers it."""
    result = run(exercise_id, function, LIMIT)
    failed = [c for c in result.cases if c.status == "fallo"]
    assert len(failed) >= 2, repr(result)
    for case in failed:
        assert words in case.hint, repr(result)
