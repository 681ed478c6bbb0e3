"""Notebook 09's exercises as a mutation suite: classic wrong answers get ✘ (or ◷) with the words that name
their mistake; right answers written unlike the master solution pass. Every check runs under a hard limit.

The wrong answers are the mistakes of the first non-blocking, selectors and asyncio programs: a
BlockingIOError let out, one recv() taken for "all there is", sendall() in an event loop, send()'s
count ignored, the line sent back to its sender, a timeout for each read where one deadline for
everything was asked (and the reverse), no drain(), sockets and writers left open.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import selectors
import socket
import sys

import pytest
from mutation_kit import run, suite

LIMIT = 60.0  # seconds for a whole lab.comprobar; mutation_kit raises it to the exercise's own budget


# == 9.1 recibir_disponible ==============================================================
def recibir_disponible(sock):  # the master solution, as in the notebook
    partes = []
    while True:
        try:
            datos = sock.recv(65536)
        except BlockingIOError:
            return b"".join(partes)
        if not datos:
            return b"".join(partes) if partes else None
        partes.append(datos)


def disponible_recv_into(sock):
    bufer, vista = bytearray(), memoryview(bytearray(32768))
    while True:
        try:
            n = sock.recv_into(vista)
        except BlockingIOError:
            return bytes(bufer)
        if n == 0:
            return bytes(bufer) if bufer else None
        bufer += vista[:n]


def disponible_con_select(sock):
    partes = []
    while select.select([sock], [], [], 0)[0]:
        datos = sock.recv(4096)
        if not datos:
            return b"".join(partes) or None
        partes.append(datos)
    return b"".join(partes)


def disponible_sin_capturar(sock):
    return sock.recv(65536) or None


def disponible_una_lectura(sock):
    try:
        datos = sock.recv(65536)
    except BlockingIOError:
        return b""
    return datos or None


def disponible_none_si_nada(sock):
    partes = []
    while True:
        try:
            datos = sock.recv(65536)
        except BlockingIOError:
            return b"".join(partes) or None  # the mistake: "nothing yet" told as "closed"
        if not datos:
            return b"".join(partes) or None
        partes.append(datos)


def disponible_eof_como_vacio(sock):
    partes = []
    while True:
        try:
            datos = sock.recv(65536)
        except BlockingIOError:
            break
        if not datos:
            break  # the mistake: the end told as "nothing yet"
        partes.append(datos)
    return b"".join(partes)


def disponible_pierde_al_cerrar(sock):
    partes = []
    while True:
        try:
            datos = sock.recv(65536)
        except BlockingIOError:
            return b"".join(partes)
        if not datos:
            return None  # the mistake: what came before the FIN is dropped
        partes.append(datos)


def disponible_traga_oserror(sock):
    partes = []
    while True:
        try:
            datos = sock.recv(65536)
        except OSError:  # the mistake: ConnectionResetError is an OSError too
            return b"".join(partes)
        if not datos:
            return b"".join(partes) if partes else None
        partes.append(datos)


def disponible_con_timeout(sock):
    sock.settimeout(0.2)  # the mistake: "never wait" became "wait 0.2 s"
    partes = []
    while True:
        try:
            datos = sock.recv(65536)
        except (BlockingIOError, TimeoutError):
            return b"".join(partes)
        if not datos:
            return b"".join(partes) if partes else None
        partes.append(datos)


def disponible_cierra(sock):
    partes = []
    while True:
        try:
            datos = sock.recv(65536)
        except BlockingIOError:
            return b"".join(partes)
        if not datos:
            if partes:
                return b"".join(partes)
            sock.close()  # the mistake: the caller's socket
            return None
        partes.append(datos)


def disponible_peek(sock):
    try:
        return sock.recv(65536, socket.MSG_PEEK) or None  # the mistake: peeking takes nothing away
    except BlockingIOError:
        return b""


# == 9.2 servidor_chat ===================================================================
def atender_chat(selector, bufs, con, listos):  # the master solution, as in the notebook
    entrada, salida = bufs[con]
    try:
        if listos & selectors.EVENT_WRITE:
            del salida[: con.send(salida)]
        datos = con.recv(4096) if listos & selectors.EVENT_READ else None
    except OSError:
        datos = b""
    if datos == b"":
        selector.unregister(con)
        con.close()
        del bufs[con]
    elif datos:
        entrada += datos
        fin = entrada.rfind(b"\n") + 1
        lineas = bytes(entrada[:fin])
        del entrada[:fin]
        for otra, (_, pendiente) in bufs.items():
            if otra is not con:
                pendiente += lineas
    for otra, (_, pendiente) in bufs.items():
        selector.modify(otra, selectors.EVENT_READ | (selectors.EVENT_WRITE if pendiente else 0))


def servidor_chat(servidor, parar):
    selector = selectors.DefaultSelector()
    servidor.setblocking(False)
    selector.register(servidor, selectors.EVENT_READ)
    bufs = {}
    while not parar.is_set():
        for clave, listos in selector.select(timeout=0.1):
            if clave.fileobj is servidor:
                con, _ = servidor.accept()
                con.setblocking(False)
                bufs[con] = [bytearray(), bytearray()]
                selector.register(con, selectors.EVENT_READ)
            elif clave.fileobj in bufs:
                atender_chat(selector, bufs, clave.fileobj, listos)
    for con in bufs:
        con.close()
    selector.close()


class Cliente:
    """The other style: one object per connection, as notebook 08's selectors server."""

    def __init__(self, sock):
        self.sock, self.entrada, self.salida = sock, b"", b""


def chat_con_clases(servidor, parar):
    with selectors.DefaultSelector() as sel:
        servidor.setblocking(False)
        sel.register(servidor, selectors.EVENT_READ, None)
        clientes = []

        def cerrar(c):
            sel.unregister(c.sock)
            c.sock.close()
            clientes.remove(c)

        try:
            while not parar.is_set():
                for clave, ev in sel.select(0.05):
                    if clave.data is None:
                        s, _ = servidor.accept()
                        s.setblocking(False)
                        c = Cliente(s)
                        clientes.append(c)
                        sel.register(s, selectors.EVENT_READ, c)
                        continue
                    c = clave.data
                    if c not in clientes:
                        continue
                    try:
                        if ev & selectors.EVENT_WRITE and c.salida:
                            n = c.sock.send(c.salida)
                            c.salida = c.salida[n:]
                        if ev & selectors.EVENT_READ:
                            datos = c.sock.recv(8192)
                            if not datos:
                                cerrar(c)
                                continue
                            c.entrada += datos
                            *lineas, c.entrada = c.entrada.split(b"\n")
                            for linea in lineas:
                                for otro in clientes:
                                    if otro is not c:
                                        otro.salida += linea + b"\n"
                    except (ConnectionError, BlockingIOError):
                        cerrar(c)
                        continue
                    for otro in clientes:
                        quiere = selectors.EVENT_READ | (selectors.EVENT_WRITE if otro.salida else 0)
                        if sel.get_key(otro.sock).events != quiere:
                            sel.modify(otro.sock, quiere, otro)
        finally:
            for c in list(clientes):
                c.sock.close()


def chat_con_select(servidor, parar):  # no selectors: select.select and two dicts
    servidor.setblocking(False)
    entrada, salida = {}, {}
    try:
        while not parar.is_set():
            escribir = [s for s, b in salida.items() if b]
            legibles, escribibles, _ = select.select([servidor, *entrada], escribir, [], 0.1)
            for s in escribibles:
                if s in salida:
                    try:
                        del salida[s][: s.send(salida[s])]
                    except OSError:
                        pass
            for s in legibles:
                if s is servidor:
                    nuevo, _ = servidor.accept()
                    nuevo.setblocking(False)
                    entrada[nuevo], salida[nuevo] = bytearray(), bytearray()
                    continue
                if s not in entrada:
                    continue
                try:
                    datos = s.recv(4096)
                except OSError:
                    datos = b""
                if not datos:
                    del entrada[s], salida[s]
                    s.close()
                    continue
                entrada[s] += datos
                while (fin := entrada[s].find(b"\n")) != -1:
                    linea = bytes(entrada[s][: fin + 1])
                    del entrada[s][: fin + 1]
                    for otro in salida:
                        if otro is not s:
                            salida[otro] += linea
    finally:
        for s in entrada:
            s.close()


def _chat(on_event, *, nonblocking=True, timeout=0.1, respect_stop=True, close_at_end=True, close_selector=True):
    """A selectors chat server whose handling of one ready connection is ``on_event`` (the part each
    mistake changes); the loop around it is the master's."""

    def server(servidor, parar):
        selector = selectors.DefaultSelector()
        servidor.setblocking(False)
        selector.register(servidor, selectors.EVENT_READ)
        bufs = {}
        while not parar.is_set() or not respect_stop:
            for clave, listos in selector.select(timeout=timeout):
                if clave.fileobj is servidor:
                    con, _ = servidor.accept()
                    con.setblocking(not nonblocking)
                    bufs[con] = [bytearray(), bytearray()]
                    selector.register(con, selectors.EVENT_READ)
                elif clave.fileobj in bufs:
                    on_event(selector, bufs, clave.fileobj, listos)
        if close_at_end:
            for con in bufs:
                con.close()
        if close_selector:
            selector.close()

    return server


def _always_writable(atender):
    """``on_event`` of the master, but every connection always asks EVENT_READ | EVENT_WRITE (it spins)."""

    def on_event(selector, bufs, con, listos):
        atender(selector, bufs, con, listos)
        for otra in bufs:
            selector.modify(otra, selectors.EVENT_READ | selectors.EVENT_WRITE)

    return on_event


def _leave(selector, bufs, con, close=True):
    selector.unregister(con)
    if close:
        con.close()
    del bufs[con]


def _broadcast_now(send, to_sender=False, whole_lines=True, catch=(OSError,), close=True):
    """``on_event`` for the mistakes that send at once (no output buffer): ``send(otra, lineas)``."""

    def on_event(selector, bufs, con, listos):
        entrada = bufs[con][0]
        try:
            datos = con.recv(4096)
        except catch:
            datos = b""
        if not datos:
            _leave(selector, bufs, con, close)
            return
        if whole_lines:
            entrada += datos
            fin = entrada.rfind(b"\n") + 1
            lineas = bytes(entrada[:fin])
            del entrada[:fin]
        else:
            lineas = datos  # the mistake: each fragment forwarded as it came
        for otra in list(bufs):
            if (otra is not con or to_sender) and lineas:
                send(otra, lineas)

    return on_event


def _sendall(otra, lineas):
    otra.sendall(lineas)


def _send_ignoring(otra, lineas):
    with contextlib.suppress(BlockingIOError):
        otra.send(lineas)  # the mistake: what send() did not take is lost


chat_eco_a_todos = _chat(_broadcast_now(_sendall, to_sender=True), nonblocking=False)
chat_sendall_bloqueante = _chat(_broadcast_now(_sendall), nonblocking=False)
chat_sendall_no_bloqueante = _chat(_broadcast_now(_sendall))
chat_send_sin_mirar = _chat(_broadcast_now(_send_ignoring))
chat_reenvia_fragmentos = _chat(_broadcast_now(_sendall, whole_lines=False), nonblocking=False)
chat_sin_reset = _chat(_broadcast_now(_sendall, catch=()), nonblocking=False)
chat_no_cierra = _chat(_broadcast_now(_sendall, close=False), nonblocking=False)
chat_ignora_parar = _chat(atender_chat, respect_stop=False)
chat_select_sin_timeout = _chat(atender_chat, timeout=None)
chat_no_cierra_al_parar = _chat(atender_chat, close_at_end=False)
chat_aceptadas_bloqueantes = _chat(atender_chat, nonblocking=False)  # the mistake cell 7 warns about
chat_siempre_escribible = _chat(_always_writable(atender_chat))
chat_no_cierra_selector = _chat(atender_chat, close_selector=False)
for _name in ("chat_eco_a_todos", "chat_sendall_bloqueante", "chat_sendall_no_bloqueante", "chat_send_sin_mirar",
              "chat_reenvia_fragmentos", "chat_sin_reset", "chat_no_cierra", "chat_ignora_parar",
              "chat_select_sin_timeout", "chat_no_cierra_al_parar", "chat_aceptadas_bloqueantes",
              "chat_siempre_escribible", "chat_no_cierra_selector"):
    globals()[_name].__name__ = _name  # the test ids


# == 9.3 atender_eco =====================================================================
async def atender_eco(lector, escritor, espera):  # the master solution, as in the notebook
    try:
        while True:
            try:
                linea = await asyncio.wait_for(lector.readline(), espera)
            except asyncio.TimeoutError:
                break
            if not linea:
                break
            escritor.write(b"Echo: " + linea)
            await escritor.drain()
    finally:
        escritor.close()
        await escritor.wait_closed()


async def eco_con_timeout_311(lector, escritor, espera):
    try:
        while True:
            async with asyncio.timeout(espera):
                linea = await lector.readline()
            if not linea:
                return
            escritor.write(b"Echo: %s" % linea)
            await escritor.drain()
    except TimeoutError:
        pass
    finally:
        escritor.close()
        with contextlib.suppress(ConnectionError):
            await escritor.wait_closed()


async def eco_con_wait(lector, escritor, espera):  # asyncio.wait(): the read is a task, cancelled if it is late
    try:
        while True:
            lectura = asyncio.ensure_future(lector.readline())
            hecho, _ = await asyncio.wait({lectura}, timeout=espera)
            if not hecho:
                lectura.cancel()
                return
            if not (linea := lectura.result()):
                return
            escritor.write(b"Echo: " + linea)
            await escritor.drain()
    finally:
        escritor.close()
        with contextlib.suppress(ConnectionError):
            await escritor.wait_closed()


async def eco_con_readuntil(lector, escritor, espera):
    with contextlib.closing(escritor):
        while True:
            try:
                linea = await asyncio.wait_for(lector.readuntil(b"\n"), timeout=espera)
            except (asyncio.IncompleteReadError, asyncio.TimeoutError):
                break
            escritor.writelines([b"Echo: ", linea])
            await escritor.drain()


def _eco(read, *, drain=True, close=True, catch=True):
    """An echo handler whose reading of one line is ``read(lector, espera)``; the rest is the master's."""

    async def handler(lector, escritor, espera):
        try:
            while True:
                try:
                    linea = await read(lector, espera)
                except asyncio.TimeoutError:
                    if not catch:
                        raise
                    break
                if not linea:
                    break
                escritor.write(b"Echo: " + linea)
                if drain:
                    await escritor.drain()
        finally:
            if close:
                escritor.close()
                await escritor.wait_closed()

    return handler


async def _readline_waiting(lector, espera):
    return await asyncio.wait_for(lector.readline(), espera)


async def _readline_for_ever(lector, espera):
    return await lector.readline()


async def _read_fragment(lector, espera):
    return await asyncio.wait_for(lector.read(4096), espera)


async def _readline_three_seconds(lector, espera):
    return await asyncio.wait_for(lector.readline(), 3.0)


async def _readline_one_second(lector, espera):
    return await asyncio.wait_for(lector.readline(), 1.0)


async def eco_espera_total(lector, escritor, espera):
    async def bucle():
        while linea := await lector.readline():
            escritor.write(b"Echo: " + linea)
            await escritor.drain()

    try:
        await asyncio.wait_for(bucle(), espera)  # the mistake: the whole conversation gets espera seconds
    except asyncio.TimeoutError:
        pass
    finally:
        escritor.close()
        await escritor.wait_closed()


eco_sin_espera = _eco(_readline_for_ever)
eco_lee_fragmentos = _eco(_read_fragment)
eco_sin_drain = _eco(_readline_waiting, drain=False)
eco_sin_cerrar = _eco(_readline_waiting, close=False)
eco_timeout_sin_capturar = _eco(_readline_waiting, catch=False)
eco_espera_fija = _eco(_readline_three_seconds)
eco_espera_fija_corta = _eco(_readline_one_second)  # under SHORT + SLACK: only a long pause catches it
for _name in ("eco_sin_espera", "eco_lee_fragmentos", "eco_sin_drain", "eco_sin_cerrar", "eco_timeout_sin_capturar",
              "eco_espera_fija", "eco_espera_fija_corta"):
    globals()[_name].__name__ = _name  # the test ids


# == 9.4 pedir_lineas ====================================================================
async def conversar(direccion, lineas):  # the master solution, as in the notebook
    lector, escritor = await asyncio.open_connection(*direccion)
    try:
        respuestas = []
        for linea in lineas:
            escritor.write(linea)
            await escritor.drain()
            respuestas.append(await lector.readline())
        return respuestas
    finally:
        escritor.close()
        await escritor.wait_closed()


async def pedir_lineas(direccion, lineas, plazo):
    return await asyncio.wait_for(conversar(direccion, lineas), plazo)


async def pedir_con_timeout_311(direccion, lineas, plazo):
    async with asyncio.timeout(plazo):
        lector, escritor = await asyncio.open_connection(*direccion)
        try:
            escritor.writelines(lineas)  # all at once: the echoes come in order
            await escritor.drain()
            return [await lector.readuntil(b"\n") for _ in lineas]
        finally:
            escritor.close()
            with contextlib.suppress(OSError):
                await escritor.wait_closed()


async def pedir_todo_de_una_vez(direccion, lineas, plazo):  # every line sent at once, wait_for on the whole
    async def todo():
        lector, escritor = await asyncio.open_connection(*direccion)
        try:
            escritor.writelines(lineas)  # all at once: the echoes come in order
            await escritor.drain()
            return [await lector.readuntil(b"\n") for _ in lineas]
        finally:
            escritor.close()
            with contextlib.suppress(OSError):
                await escritor.wait_closed()

    return await asyncio.wait_for(todo(), plazo)


async def pedir_con_fecha_limite(direccion, lineas, plazo):  # one deadline, what is left of it for each wait
    loop = asyncio.get_running_loop()
    fin = loop.time() + plazo

    def queda():
        if (resto := fin - loop.time()) <= 0:
            raise TimeoutError("se acabó el plazo")
        return resto

    lector, escritor = await asyncio.wait_for(asyncio.open_connection(*direccion), queda())
    try:
        respuestas = []
        for linea in lineas:
            escritor.write(linea)
            await asyncio.wait_for(escritor.drain(), queda())
            respuestas.append(await asyncio.wait_for(lector.readline(), queda()))
        return respuestas
    finally:
        escritor.close()


async def pedir_sin_plazo(direccion, lineas, plazo):
    return await conversar(direccion, lineas)


async def pedir_plazo_por_lectura(direccion, lineas, plazo):
    lector, escritor = await asyncio.open_connection(*direccion)
    try:
        respuestas = []
        for linea in lineas:
            escritor.write(linea)
            await escritor.drain()
            respuestas.append(await asyncio.wait_for(lector.readline(), plazo))  # the mistake
        return respuestas
    finally:
        escritor.close()
        await escritor.wait_closed()


async def pedir_sin_cerrar(direccion, lineas, plazo):
    async def hablar():
        lector, escritor = await asyncio.open_connection(*direccion)
        respuestas = []
        for linea in lineas:
            escritor.write(linea)
            await escritor.drain()
            respuestas.append(await lector.readline())
        return respuestas

    return await asyncio.wait_for(hablar(), plazo)


async def pedir_cierra_sin_finally(direccion, lineas, plazo):
    async def hablar():
        lector, escritor = await asyncio.open_connection(*direccion)
        respuestas = []
        for linea in lineas:
            escritor.write(linea)
            await escritor.drain()
            respuestas.append(await lector.readline())
        escritor.close()  # the mistake: only when all went well
        await escritor.wait_closed()
        return respuestas

    return await asyncio.wait_for(hablar(), plazo)


async def pedir_traga_timeout(direccion, lineas, plazo):
    try:
        return await asyncio.wait_for(conversar(direccion, lineas), plazo)
    except asyncio.TimeoutError:
        return []  # the mistake: the caller never learns it ran out


async def pedir_con_read(direccion, lineas, plazo):
    async def hablar():
        lector, escritor = await asyncio.open_connection(*direccion)
        try:
            respuestas = []
            for linea in lineas:
                escritor.write(linea)
                await escritor.drain()
                respuestas.append(await lector.read(100))  # the mistake: one read is one answer
            return respuestas
        finally:
            escritor.close()
            await escritor.wait_closed()

    return await asyncio.wait_for(hablar(), plazo)


async def pedir_plazo_fijo(direccion, lineas, plazo):
    return await asyncio.wait_for(conversar(direccion, lineas), 0.2)  # the mistake: not the plazo given


async def pedir_plazo_fijo_un_segundo(direccion, lineas, plazo):
    return await asyncio.wait_for(conversar(direccion, lineas), 1.0)  # under SHORT + SLACK: the slow server tells


def pedir_sin_async(direccion, lineas, plazo):  # blocking sockets: right, but not a coroutine
    with socket.create_connection(direccion, timeout=plazo) as sock, sock.makefile("rb") as entrada:
        respuestas = []
        for linea in lineas:
            sock.sendall(linea)
            respuestas.append(entrada.readline())
        return respuestas


RIGHT = [
    ("9.1", recibir_disponible),
    ("9.1", disponible_recv_into),
    ("9.1", disponible_con_select),
    ("9.2", servidor_chat),
    ("9.2", chat_con_clases),
    ("9.2", chat_con_select),
    ("9.3", atender_eco),
    ("9.3", eco_con_readuntil),
    ("9.4", pedir_lineas),
    ("9.4", pedir_con_fecha_limite),
]
if sys.version_info >= (3, 11):  # asyncio.timeout() is 3.11's
    RIGHT += [("9.3", eco_con_timeout_311), ("9.4", pedir_con_timeout_311)]
else:  # 3.10: a third style for each with what 3.10 has (the suite asks for three right styles per exercise)
    RIGHT += [("9.3", eco_con_wait), ("9.4", pedir_todo_de_una_vez)]

WRONG = [
    ("9.1", disponible_sin_capturar, ("lanzó BlockingIOError", "captúralo")),
    ("9.1", disponible_una_lectura, ("ya habían llegado", "hasta que lance BlockingIOError")),
    ("9.1", disponible_none_si_nada, ("devolvió None", "devuelve b''")),
    ("9.1", disponible_eof_como_vacio, ("cerró (FIN)", "devuelve None")),
    ("9.1", disponible_pierde_al_cerrar, ("se perdieron", "antes del cierre")),
    ("9.1", disponible_traga_oserror, ("RST", "no captures")),
    ("9.1", disponible_con_timeout, ("timeout de 0,2 s", "no bloqueante")),
    ("9.1", disponible_cierra, ("cerró el socket",)),
    ("9.1", disponible_peek, ("ya devueltos",)),
    ("9.2", chat_eco_a_todos, ("su propia línea", "no a quien la envió")),
    ("9.2", chat_sendall_bloqueante, ("mientras c no leía", "sendall()")),
    ("9.2", chat_sendall_no_bloqueante, ("BlockingIOError", "búfer de salida")),
    ("9.2", chat_send_sin_mirar, ("send() envía solo lo que cabe",)),
    ("9.2", chat_reenvia_fragmentos, ("cada fragmento", "búfer de entrada")),
    ("9.2", chat_sin_reset, ("ConnectionResetError",)),
    ("9.2", chat_no_cierra, ("no cerró", "ciérralo")),
    ("9.2", chat_ignora_parar, ("siguió en marcha", "parar.is_set()")),
    ("9.2", chat_select_sin_timeout, ("siguió en marcha", "timeout a select()")),
    ("9.2", chat_no_cierra_al_parar, ("ResourceWarning", "tu servidor no cerró un socket")),
    ("9.2", chat_aceptadas_bloqueantes, ("es bloqueante", "con.setblocking(False)")),
    ("9.2", chat_siempre_escribible, ("da vueltas sin parar", "EVENT_WRITE solo")),
    ("9.2", chat_no_cierra_selector, ("sin cerrar su selector", "selector.close()")),
    ("9.3", eco_sin_espera, ("no cerró la conexión", "readline() espera para siempre")),
    ("9.3", eco_espera_total, ("no para toda la conexión",)),
    ("9.3", eco_lee_fragmentos, ("cada fragmento", "readline()")),
    ("9.3", eco_sin_drain, ("sin await escritor.drain()",)),
    ("9.3", eco_sin_cerrar, ("sin cerrar la conexión", "escritor.close()")),
    ("9.3", eco_timeout_sin_capturar, ("TimeoutError", "captura")),
    ("9.3", eco_espera_fija, ("mucho más que espera=0.3 s", "la espera que te pasan")),
    ("9.3", eco_espera_fija_corta, ("de silencio, con espera=5 s", "no una fija")),
    ("9.4", pedir_sin_plazo, ("seguía esperando", "readline()", "plazo")),
    ("9.4", pedir_plazo_por_lectura, ("para toda la conversación", "goteaba")),
    ("9.4", pedir_sin_cerrar, ("la conexión quedó abierta",)),
    ("9.4", pedir_cierra_sin_finally, ("tras el timeouterror", "quedó abierta", "finally")),
    ("9.4", pedir_traga_timeout, ("sin lanzar nada", "no lo captures")),
    ("9.4", pedir_con_read, ("un read() trae", "readline()")),
    ("9.4", pedir_plazo_fijo, ("el plazo que te pasan",)),
    ("9.4", pedir_plazo_fijo_un_segundo, ("respondía a tiempo", "el plazo que te pasan")),
    ("9.4", pedir_sin_async, ("corrutina", "async def")),
]


(
    test_right_answers_in_any_style_pass,
    test_classic_mistakes_get_a_cross_and_the_hint_that_names_them,
    test_every_exercise_has_four_cases_six_mistakes_and_three_right_styles,
) = suite(("9.1", "9.2", "9.3", "9.4"), RIGHT, WRONG, LIMIT)


@pytest.mark.parametrize(("exercise_id", "function"), [("9.2", chat_sendall_bloqueante), ("9.4", pedir_sin_plazo)])
def test_a_stuck_answer_is_told_where_it_waits(exercise_id, function):
    """The message names the call or the line the student's code was waiting at, not only that it waited."""
    text = repr(run(exercise_id, function, LIMIT))
    where = "sendall()" if exercise_id == "9.2" else "await lector.readline()"
    assert where in text, text


@pytest.mark.parametrize(("exercise_id", "function", "reading_cases"), [
    ("9.3", eco_lee_fragmentos, (0, 1, 2, 3, 4)),
    ("9.4", pedir_con_read, (0, 3)),
])
def test_every_case_that_reads_defeats_one_read_per_message(exercise_id, function, reading_cases):
    """An answer that takes one read() for one line fails in every case whose answer it reads."""
    result = run(exercise_id, function, LIMIT)
    assert all(result.cases[i].status != "ok" for i in reading_cases), repr(result)


def test_a_read_for_each_answer_is_told_as_such_where_the_deadline_runs_out():
    """9.4's dripping case: answers cut by read() are named, not blamed on a caught TimeoutError (none was)."""
    case = run("9.4", pedir_con_read, LIMIT).cases[1]
    assert case.status != "ok" and "readline()" in case.message and "no lo captures" not in case.message, case.message


def test_a_flood_echoed_by_fragments_shows_where_it_differs():
    """9.3's flood case: a read() per answer is named (not two identical prefixes shown)."""
    case = run("9.3", eco_lee_fragmentos, LIMIT).cases[4]
    assert case.status != "ok" and ("cada fragmento" in case.message or "desde el byte" in case.message), case.message
