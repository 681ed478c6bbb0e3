"""Notebook 01's exercises as a mutation suite: classic wrong answers must get ✘ with the hint
that names their mistake; right answers written unlike the master solution must pass.

Every answer runs under a hard time limit (the check runs in a thread joined with a bound),
so a checker that hangs fails here instead of hanging the suite.
"""

from __future__ import annotations

import errno
import gc
import random
import select
import socket
import threading

import pytest

import labsupport as lab
from labsupport.exercises._binds import watch_binds
from labsupport.reuseaddr import BINDS, ReuseMatrix, leave_time_wait, reuseaddr_matrix, tcp_states, try_rebind

#: A hard bound on one lab.comprobar: the sum of the cases' limits is far below it.
HARD_LIMIT = {"1.1": 20.0, "1.2": 25.0, "1.3": 20.0}


def check(exercise_id: str, function) -> lab.exercises.Result:
    """lab.comprobar under a hard time limit."""
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(result=lab.comprobar(exercise_id, function)), daemon=True)
    worker.start()
    worker.join(HARD_LIMIT[exercise_id])
    assert not worker.is_alive(), f"lab.comprobar({exercise_id!r}, {function.__name__}) no terminó"
    return box["result"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# == 1.1 crear_servidor_local() =========================================================


def sin_listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    return s


def todas_las_interfaces():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("", 0))
    s.listen()
    return s


def listen_sin_bind():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.listen()  # Linux enlaza 0.0.0.0 en un puerto cualquiera
    return s


FIXED_PORT = _free_port()


def puerto_fijo_como_la_guia():
    servidor = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    servidor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    servidor.bind(("127.0.0.1", FIXED_PORT))
    servidor.listen(5)
    return servidor


def puerto_al_azar():
    """A port of the student's own choosing, at random: it works most of the time, so only the
    port asked of bind() can tell it apart, on every run."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", random.randint(20000, 30000)))
    s.listen()
    return s


#: A port the suite keeps busy for the whole run: a fixed port that another program holds.
BUSY = socket.create_server(("127.0.0.1", 0))


def puerto_ya_ocupado():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", BUSY.getsockname()[1]))
    s.listen()
    return s


def udp_en_vez_de_tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def ipv6_en_vez_de_ipv4():
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.bind(("::1", 0))
    s.listen()
    return s


def cerrado_por_with():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        return s


def devuelve_la_direccion():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, s.getsockname()[1]


def con_create_server():
    return socket.create_server(("127.0.0.1", 0))


def crear_servidor_de_la_guia(host="127.0.0.1", puerto=0):
    servidor = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    servidor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    servidor.bind((host, puerto))
    servidor.listen(5)
    print(f"Servidor escuchando en {servidor.getsockname()}")
    return servidor


def como_la_guia_con_puerto_0():
    return crear_servidor_de_la_guia()


def con_valores_por_defecto():
    s = socket.socket()  # AF_INET y SOCK_STREAM son los valores por defecto
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(5)
    return s


# == 1.2 enviar_udp(direccion, mensaje, timeout) ========================================


def recvfrom_1024(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(mensaje, direccion)
        return s.recvfrom(1024)[0]


def conectado_recv_1024(direccion, mensaje, timeout):
    """The guide's habit, recv(1024), on a connected UDP socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect(direccion)
        s.send(mensaje)
        return s.recv(1024)


def recvfrom_8192(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(mensaje, direccion)
        return s.recvfrom(8192)[0]


def decodifica(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(mensaje, direccion)
        return s.recvfrom(65535)[0].decode("utf-8")


def codifica_otra_vez(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(mensaje.encode("utf-8"), direccion)
        return s.recvfrom(65535)[0]


def devuelve_datos_y_remitente(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(mensaje, direccion)
        return s.recvfrom(65535)


def timeout_fijo_de_un_segundo(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        s.sendto(mensaje, direccion)
        return s.recvfrom(65535)[0]


def timeout_fijo_corto(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(mensaje, direccion)
        return s.recvfrom(65535)[0]


def sin_timeout(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(mensaje, direccion)
        return s.recvfrom(65535)[0]


def timeout_por_defecto(direccion, mensaje, timeout):
    socket.setdefaulttimeout(timeout)  # every socket created afterwards, anyone's
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(mensaje, direccion)
        return s.recvfrom(65535)[0]


def timeout_despues_de_recvfrom(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(mensaje, direccion)
        datos = s.recvfrom(65535)[0]
        s.settimeout(timeout)  # too late: recvfrom() already waited without it
        return datos


def reenvia_tres_veces(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        for intento in range(3):
            s.sendto(mensaje, direccion)
            try:
                return s.recvfrom(65535)[0]
            except TimeoutError:
                if intento == 2:
                    raise
    return b""


def vuelve_a_esperar(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(mensaje, direccion)
        while True:
            try:
                return s.recvfrom(65535)[0]
            except TimeoutError:
                continue


def captura_el_timeout(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(mensaje, direccion)
        try:
            return s.recvfrom(65535)[0]
        except TimeoutError:
            return None


def cierra_solo_si_responden(direccion, mensaje, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(mensaje, direccion)
    datos = s.recvfrom(65535)[0]
    s.close()
    return datos


def nunca_cierra(direccion, mensaje, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(mensaje, direccion)
    return s.recvfrom(65535)[0]


def conectado_con_finally(direccion, mensaje, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(direccion)
        s.settimeout(timeout)  # after connect(): UDP's connect() does not wait
        s.send(mensaje)
        return s.recv(65535)
    finally:
        s.close()


def timeout_despues_de_sendto(direccion, mensaje, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with s:
        s.sendto(mensaje, direccion)
        s.settimeout(timeout)  # after sendto() and before recvfrom(): in effect while it waits
        respuesta, _ = s.recvfrom(65507)
    return respuesta


def con_select(direccion, mensaje, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(mensaje, direccion)
        listos, _, _ = select.select([s], [], [], timeout)
        if not listos:
            raise TimeoutError(f"nadie respondió en {timeout} s")
        datos, _remitente = s.recvfrom(65535)
        return datos


# == 1.3 puerto_ocupado(puerto) =========================================================


def con_connect_ex(puerto):
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", puerto)) == 0


def enlaza_todas_las_direcciones(puerto):
    with socket.socket() as s:
        try:
            s.bind(("", puerto))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return True
            raise
        return False


def cualquier_oserror_es_ocupado(puerto):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError:
            return True
        return False


def cualquier_otro_error_es_libre(puerto):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError as e:
            return e.errno == errno.EADDRINUSE
        return False


def prueba_con_udp(puerto):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return True
            raise
        return False


def except_desnudo(puerto):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except:  # noqa: E722 - the guide's habit, the mistake under test
            return True
        return False


def no_cierra_si_esta_ocupado(puerto):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", puerto))
    except OSError:
        return True
    s.close()
    return False


def no_cierra_si_esta_libre(puerto):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", puerto))
    except OSError:
        s.close()
        return True
    return False


def al_reves(puerto):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError:
            return False
        return True


def devuelve_el_errno(puerto):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError as e:
            return e.errno
        return 0


def con_create_server_y_finally(puerto):
    try:
        servidor = socket.create_server(("127.0.0.1", puerto))
    except OSError as e:
        if e.errno != errno.EADDRINUSE:
            raise
        return True
    servidor.close()
    return False


def con_try_finally(puerto):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", puerto))
        return False
    except OSError as e:
        if errno.errorcode.get(e.errno) == "EADDRINUSE":
            return True
        raise
    finally:
        s.close()


def con_else_y_finally(puerto):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", puerto))
    except OSError as e:
        if e.errno != errno.EADDRINUSE:
            raise
        return True
    else:
        return False
    finally:
        s.close()


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


# == the suite ==========================================================================

WRONG = [
    # exercise, answer, words in the failing case's name, status, words in its message + hint
    ("1.1", sin_listen, "escuchando", "fallo", ["no escucha", "listen()"]),
    ("1.1", todas_las_interfaces, "127.0.0.1", "fallo", ["0.0.0.0", "todas las interfaces"]),
    ("1.1", listen_sin_bind, "127.0.0.1", "fallo", ["0.0.0.0", "listen() sin bind()"]),
    # "pidió el puerto N", or EADDRINUSE when another program holds it (a stress run): both say "pide el puerto 0"
    ("1.1", puerto_fijo_como_la_guia, "puerto 0", "fallo", ["pide el puerto 0"]),
    ("1.1", puerto_al_azar, "puerto 0", "fallo", ["pidió el puerto", "aunque sea al azar", "pide el puerto 0"]),
    ("1.1", puerto_ya_ocupado, "TCP sobre IPv4", "fallo", ["EADDRINUSE", "pide el puerto 0"]),
    ("1.1", udp_en_vez_de_tcp, "TCP sobre IPv4", "fallo", ["SOCK_DGRAM", "SOCK_STREAM"]),
    ("1.1", ipv6_en_vez_de_ipv4, "TCP sobre IPv4", "fallo", ["AF_INET6", "AF_INET"]),
    ("1.1", cerrado_por_with, "TCP sobre IPv4", "fallo", ["ya cerrado", "with"]),
    ("1.1", devuelve_la_direccion, "TCP sobre IPv4", "fallo", ["se esperaba socket", "tuple"]),
    ("1.2", recvfrom_1024, "60 000 bytes", "fallo", ["llegaron 1024 de los 60000", "recvfrom(n) corta"]),
    ("1.2", recvfrom_8192, "60 000 bytes", "fallo", ["llegaron 8192 de los 60000", "65 507"]),
    ("1.2", conectado_recv_1024, "60 000 bytes", "fallo", ["llegaron 1024 de los 60000", "65535"]),
    ("1.2", decodifica, "eco de un mensaje", "fallo", ["se esperaba bytes", "str"]),
    ("1.2", codifica_otra_vez, "«año»", "error", ["AttributeError", "sin encode()"]),
    ("1.2", devuelve_datos_y_remitente, "eco de un mensaje", "fallo", ["se esperaba bytes", "tuple"]),
    ("1.2", timeout_fijo_de_un_segundo, "timeout que le pasan", "fallo", ["tenía settimeout(1)", "timeout=4.5"]),
    ("1.2", timeout_fijo_corto, "timeout que le pasan", "fallo", ["tenía settimeout(0.2)", "parámetro timeout"]),
    ("1.2", sin_timeout, "timeout que le pasan", "fallo", ["esperó a la respuesta", "no tenía timeout"]),
    ("1.2", timeout_por_defecto, "timeout que le pasan", "fallo", ["setdefaulttimeout(4.5)", "solo en tu socket"]),
    ("1.2", timeout_despues_de_recvfrom, "timeout que le pasan", "fallo", ["después de recvfrom()", "antes de"]),
    ("1.2", reenvia_tres_veces, "timeout que le pasan", "fallo", ["envió 3 datagramas", "una sola vez"]),
    ("1.2", reenvia_tres_veces, "nadie responde", "fallo", ["envió 3 datagramas", "antes de lanzar TimeoutError"]),
    ("1.2", vuelve_a_esperar, "timeout que le pasan", "fallo", ["settimeout(0.2) mientras esperaba", "recvfrom()"]),
    ("1.2", sin_timeout, "nadie responde", "tiempo", ["recvfrom", "settimeout(timeout)"]),
    ("1.2", captura_el_timeout, "nadie responde", "fallo", ["devolvió None", "no lo captures"]),
    ("1.2", cierra_solo_si_responden, "nadie responde", "fallo", ["dejó abierto su socket", "with"]),
    ("1.2", nunca_cierra, "cuando llega la respuesta", "fallo", ["ResourceWarning", "with"]),
    ("1.3", con_connect_ex, "sin escuchar", "fallo", ["no escucha", "devolvió False", "no con connect()"]),
    ("1.3", enlaza_todas_las_direcciones, "127.0.0.2", "fallo", ["solo está ocupado en 127.0.0.2", "'0.0.0.0'"]),
    ("1.3", except_desnudo, "otra razón", "fallo", ["70000", "devolvió True", "except:"]),
    ("1.3", cualquier_oserror_es_ocupado, "otra razón", "fallo", ["PermissionError", "True", "except OSError:"]),
    ("1.3", cualquier_otro_error_es_libre, "otra razón", "fallo", ["PermissionError", "devolvió False", "EADDRINUSE"]),
    ("1.3", prueba_con_udp, "servidor TCP escuchando", "fallo", ["socket UDP", "los puertos UDP son otros"]),
    ("1.3", no_cierra_si_esta_ocupado, "cierra el socket", "fallo", ["con el puerto ocupado", "with"]),
    ("1.3", no_cierra_si_esta_libre, "cierra el socket", "fallo", ["con el puerto libre", "with"]),
    ("1.3", al_reves, "servidor TCP escuchando", "fallo", ["devolvió False", "EADDRINUSE"]),
    ("1.3", devuelve_el_errno, "servidor TCP escuchando", "fallo", ["se esperaba bool", "int"]),
]

RIGHT = [
    ("1.1", con_create_server),
    ("1.1", con_valores_por_defecto),
    ("1.1", como_la_guia_con_puerto_0),
    ("1.2", conectado_con_finally),
    ("1.2", con_select),
    ("1.2", timeout_despues_de_sendto),
    ("1.3", con_create_server_y_finally),
    ("1.3", con_try_finally),
    ("1.3", con_else_y_finally),
]


def _mutation_id(param) -> str:
    return getattr(param, "__name__", None) or str(param)


@pytest.mark.parametrize(("exercise_id", "answer", "case", "status", "words"), WRONG, ids=_mutation_id)
def test_a_classic_mistake_fails_with_the_hint_that_names_it(exercise_id, answer, case, status, words):
    result = check(exercise_id, answer)
    assert not result, repr(result)
    failing = [c for c in result.cases if case in c.name]
    assert len(failing) == 1, [c.name for c in result.cases]
    got = failing[0]
    assert got.status == status, repr(result)
    said = f"{got.message}\n{got.hint}"
    for word in words:
        assert word in said, f"{word!r} no está en:\n{said}"
    assert f"Pista: {got.hint}" in repr(result)


@pytest.mark.parametrize(("exercise_id", "answer"), RIGHT, ids=_mutation_id)
def test_a_right_answer_in_another_style_passes(exercise_id, answer, no_leaks):
    result = check(exercise_id, answer)
    assert result, repr(result)
    assert result.passed == result.total >= 4
    # create_server() does not close its socket when bind() raises OverflowError (port 70000):
    # the exception's traceback keeps it until the cycle is collected.
    gc.collect()


def test_the_suite_has_six_mistakes_and_two_styles_per_exercise():
    for exercise_id in ("1.1", "1.2", "1.3"):
        assert len({w[1] for w in WRONG if w[0] == exercise_id}) >= 6
        assert len([r for r in RIGHT if r[0] == exercise_id]) >= 2


@pytest.mark.parametrize("exercise_id", ["1.1", "1.2", "1.3"])
def test_stub_is_pending(exercise_id):
    result = check(exercise_id, stub)
    assert result.status == "pendiente"
    assert len(result.cases) == 1


def test_a_global_default_timeout_is_put_back():
    """setdefaulttimeout() in a wrong answer must not outlive the check (it would hold for
    every socket the notebook creates afterwards)."""
    before = socket.getdefaulttimeout()
    check("1.2", timeout_por_defecto)
    assert socket.getdefaulttimeout() == before


def test_a_hanging_answer_is_woken_and_leaves_no_thread_behind(no_leaks):
    """The mute server wakes a recvfrom() without timeout when the case gives up on it."""
    result = check("1.2", sin_timeout)
    assert [c.status for c in result.cases].count("tiempo") == 1


# == labsupport.reuseaddr: the experiment of §1.3 =======================================


def test_a_connection_closed_first_by_the_server_is_seen_in_time_wait():
    trial = leave_time_wait(reuse=False)
    if trial.time_wait is None:
        pytest.skip("este sistema no muestra los sockets en TIME_WAIT sin privilegios")
    assert trial.time_wait is True
    assert trial.accepted_reuse is False
    assert "TIME_WAIT" in tcp_states(trial.port)
    assert try_rebind(trial.port, reuse=True) == "EADDRINUSE"  # the old socket did not set it


@pytest.mark.skipif(not socket.sys.platform.startswith("linux"), reason="Linux copia la opción al aceptar")
def test_the_accepted_socket_inherits_so_reuseaddr_from_the_listener():
    assert leave_time_wait(reuse=True).accepted_reuse is True
    assert leave_time_wait(reuse=False).accepted_reuse is False


def test_a_listening_socket_is_seen_as_listen():
    with socket.create_server(("127.0.0.1", 0)) as server:
        assert tcp_states(server.getsockname()[1]) in (["LISTEN"], None)


@pytest.mark.skipif(not socket.sys.platform.startswith("linux"), reason="la regla de Linux (man 7 socket)")
def test_on_linux_both_sockets_must_set_so_reuseaddr():
    matrix = reuseaddr_matrix()
    assert matrix.all_time_wait
    assert matrix.outcomes == {
        (False, False): "EADDRINUSE",
        (False, True): "EADDRINUSE",
        (True, False): "EADDRINUSE",
        (True, True): BINDS,
    }
    assert matrix.rule == "both"
    assert matrix.accepted_inherit
    assert "los dos sockets" in matrix.rule_text
    lines = str(matrix.table()).splitlines()  # head, underline, old without, old with
    assert len(lines) == 4 and lines[3].split()[-1] == BINDS


def test_the_rule_is_read_from_the_table():
    bad, ok = "EADDRINUSE", BINDS
    cells = [(False, False), (False, True), (True, False), (True, True)]

    def rule(*outcomes):
        return ReuseMatrix(dict(zip(cells, outcomes, strict=True)), dict.fromkeys(cells, True)).rule

    assert rule(bad, bad, bad, ok) == "both"  # Linux
    assert rule(bad, ok, bad, ok) == "new"  # FreeBSD, as man 7 socket describes it
    assert rule(ok, ok, ok, ok) == "none"  # TIME_WAIT does not block bind()
    assert rule(bad, bad, bad, bad) == "never"
    assert rule(ok, bad, bad, bad) == "other"
    unseen = ReuseMatrix(dict.fromkeys(cells, ok), {**dict.fromkeys(cells, True), (True, True): None})
    assert not unseen.all_time_wait
    assert not unseen.accepted_inherit  # nothing recorded: nothing shown
    binds, seen = dict.fromkeys(cells, ok), dict.fromkeys(cells, True)
    assert ReuseMatrix(binds, seen, {cell: cell[0] for cell in cells}).accepted_inherit  # as the listener
    assert not ReuseMatrix(binds, seen, dict.fromkeys(cells, True)).accepted_inherit


# == labsupport.exercises._binds: what the student's code asked of bind() ==============


def test_binds_are_seen_only_inside_the_block_and_only_in_its_thread():
    other: list = []

    def bind_elsewhere():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            other.append(s.getsockname())

    with socket.socket() as before:
        before.bind(("127.0.0.1", 0))  # not watched: before the block
    with watch_binds() as seen, socket.socket(type=socket.SOCK_DGRAM) as udp, socket.create_server(("127.0.0.1", 0)):
        udp.bind(("127.0.0.1", 0))
        worker = threading.Thread(target=bind_elsewhere)
        worker.start()
        worker.join(10)
    assert other, "the other thread bound its socket"
    assert [(b.type, b.address) for b in seen.binds] == [
        (socket.SOCK_STREAM, ("127.0.0.1", 0)),  # create_server: the address as given, port 0
        (socket.SOCK_DGRAM, ("127.0.0.1", 0)),
    ]
    assert seen.udp and not seen.refused


def test_the_refused_port_fails_with_permission_error_before_the_system_binds():
    with watch_binds(refuse_port=80) as seen, socket.socket() as s:
        with pytest.raises(PermissionError) as raised:
            s.bind(("127.0.0.1", 80))
        assert s.getsockname()[1] == 0  # never bound
        s.bind(("127.0.0.1", 0))  # any other port binds as usual
    assert raised.value.errno == errno.EACCES
    assert seen.refused and [b.port for b in seen.binds] == [80, 0]
    assert seen.last_on(s) is None  # closed: its descriptor is no longer that number
