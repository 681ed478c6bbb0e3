"""Notebook 07's exercises, as a mutation suite against the real fault servers.

Each exercise has the notebook's solution, right answers written another way, and wrong
answers that make the classic mistakes of its topic (the guide's first). A wrong answer
must get ✘ or ◷ on the case about its mistake, with words that name it.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import time

import pytest
from _mutation import assert_caught, assert_passes, check

import labsupport as lab

# -- right answers: the notebook's solutions -------------------------------------------


def clasificar_error(error):
    if isinstance(error, socket.gaierror):
        return "nombre"
    if isinstance(error, TimeoutError):
        return "tiempo"
    if isinstance(error, ConnectionRefusedError):
        return "rechazada"
    if isinstance(error, ConnectionResetError):
        return "cortada"
    if isinstance(error, BrokenPipeError):
        return "tubería rota"
    if isinstance(error, OSError):
        return "sistema"
    return "programa"


def probar_puerto(direccion, timeout=0.5):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect(direccion)
        except ConnectionRefusedError:
            return "cerrado"
        except TimeoutError:
            return "filtrado"
        return "abierto"


def esperar_servidor(direccion, intentos=6, espera=0.05, timeout=0.5):
    for intento in range(intentos):
        try:
            return socket.create_connection(direccion, timeout=timeout)
        except (ConnectionRefusedError, TimeoutError):
            if intento == intentos - 1:
                raise
            time.sleep(espera * 2**intento)


# -- right answers in other styles -----------------------------------------------------


RIGHT_ORDER = [(socket.gaierror, "nombre"), (TimeoutError, "tiempo"), (ConnectionRefusedError, "rechazada"),
               (ConnectionResetError, "cortada"), (BrokenPipeError, "tubería rota"), (OSError, "sistema")]


def _in_order(pairs):
    """A classifier that tries ``pairs`` (class, category) in order: right or wrong by its order."""

    def clasificar(error):
        for clase, categoria in pairs:
            if isinstance(error, clase):
                return categoria
        return "programa"

    return clasificar


clasificar_con_tabla = _in_order(RIGHT_ORDER)


def clasificar_con_try(error):
    try:
        raise error
    except socket.gaierror:
        return "nombre"
    except socket.timeout:  # noqa: UP041 - the guide's name, as a student writes it
        return "tiempo"
    except ConnectionRefusedError:
        return "rechazada"
    except ConnectionResetError:
        return "cortada"
    except BrokenPipeError:
        return "tubería rota"
    except OSError:
        return "sistema"
    except Exception:
        return "programa"


def clasificar_con_match(error):
    match error:
        case socket.gaierror():
            return "nombre"
        case TimeoutError():
            return "tiempo"
        case ConnectionRefusedError():
            return "rechazada"
        case ConnectionResetError():
            return "cortada"
        case BrokenPipeError():
            return "tubería rota"
        case OSError():
            return "sistema"
    return "programa"


def probar_con_create_connection(direccion, timeout=0.5):
    try:
        socket.create_connection(direccion, timeout=timeout).close()
    except ConnectionRefusedError:
        return "cerrado"
    except socket.timeout:  # noqa: UP041 - the guide's name
        return "filtrado"
    return "abierto"


def probar_con_connect_ex(direccion, timeout=0.5):
    s = socket.socket()
    try:
        s.settimeout(timeout)
        codigo = s.connect_ex(direccion)
    finally:
        s.close()
    if codigo == 0:
        return "abierto"
    if codigo == errno.ECONNREFUSED:
        return "cerrado"
    return "filtrado"  # EAGAIN / EWOULDBLOCK: the timeout ran out


def esperar_con_socket_a_mano(direccion, intentos=6, espera=0.05, timeout=0.5):
    ultimo = None
    for k in range(intentos):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.settimeout(timeout)
            s.connect(direccion)
            return s
        except (ConnectionRefusedError, TimeoutError) as e:
            s.close()
            ultimo = e
        except BaseException:
            s.close()
            raise
        if k < intentos - 1:
            time.sleep(espera * 2**k)
    raise ultimo


def esperar_con_while(direccion, intentos=6, espera=0.05, timeout=0.5):
    pausa, quedan = espera, intentos
    while True:
        try:
            return socket.create_connection(direccion, timeout)
        except (ConnectionRefusedError, socket.timeout):  # noqa: UP041 - the guide's name
            quedan -= 1
            if not quedan:
                raise
        time.sleep(pausa)
        pausa *= 2


RIGHT = [
    ("7.1", clasificar_error), ("7.1", clasificar_con_tabla), ("7.1", clasificar_con_try),
    ("7.1", clasificar_con_match),
    ("7.2", probar_puerto), ("7.2", probar_con_create_connection), ("7.2", probar_con_connect_ex),
    ("7.3", esperar_servidor), ("7.3", esperar_con_socket_a_mano), ("7.3", esperar_con_while),
]


@pytest.mark.parametrize(("exercise_id", "function"), RIGHT, ids=lambda x: getattr(x, "__name__", x))
def test_right_answers_in_any_style_pass(exercise_id, function):
    assert_passes(check(exercise_id, function))


# -- 7.1: wrong answers ----------------------------------------------------------------


def clasificar_por_errno(error):
    codigos = {errno.ETIMEDOUT: "tiempo", errno.ECONNREFUSED: "rechazada", errno.ECONNRESET: "cortada",
               errno.EPIPE: "tubería rota"}
    if isinstance(error, socket.gaierror):
        return "nombre"
    if isinstance(error, OSError):
        return codigos.get(error.errno, "sistema")
    return "programa"


def clasificar_con_type_igual(error):
    tabla = {socket.gaierror: "nombre", TimeoutError: "tiempo", ConnectionRefusedError: "rechazada",
             ConnectionResetError: "cortada", BrokenPipeError: "tubería rota", OSError: "sistema"}
    return tabla.get(type(error), "programa")


def clasificar_rotura_como_corte(error):
    if isinstance(error, BrokenPipeError):
        return "cortada"
    return clasificar_error(error)


def clasificar_todo_excepcion(error):
    if isinstance(error, Exception) and not isinstance(error, OSError):
        return "sistema"
    return clasificar_error(error)


def clasificar_con_la_palabra_de_la_guia(error):
    return "reiniciada" if isinstance(error, ConnectionResetError) else clasificar_error(error)


WRONG_71 = [
    (_in_order([(OSError, "sistema")]), "puerto cerrado", ["compruébalo antes que OSError", "más concretas"]),
    (_in_order([*RIGHT_ORDER[:2], (ConnectionError, "cortada"), (OSError, "sistema")]), "puerto cerrado",
     ["no un ConnectionResetError"]),
    (_in_order([*RIGHT_ORDER[:2], (ConnectionError, "cortada"), (OSError, "sistema")]), "subclases que no están",
     ["compara con la clase concreta"]),
    (clasificar_por_errno, "agotan el tiempo", ["no tiene errno", "isinstance(error, TimeoutError)"]),
    (clasificar_con_type_igual, "subclases que no están", ["no type(error) == OSError"]),
    (_in_order(RIGHT_ORDER[1:]), "no se resuelve", ["socket.gaierror"]),
    (clasificar_rotura_como_corte, "tubería rota", ["por su propia clase"]),
    (clasificar_todo_excepcion, "no es de red", ["'programa'", "no Exception"]),
    (clasificar_con_la_palabra_de_la_guia, "corta con RST", ["'cortada'", "'reiniciada'"]),
]


@pytest.mark.parametrize(("wrong", "case", "words"), WRONG_71, ids=range(len(WRONG_71)))
def test_71_classic_mistakes_are_caught_and_named(wrong, case, words):
    assert_caught(check("7.1", wrong), case, *words)


# -- 7.2: wrong answers ----------------------------------------------------------------


def _probe_variant(**mistake):
    """probar_puerto with one classic mistake; ``mistake`` picks it."""

    def probar(direccion, timeout=0.5):
        s = socket.socket()
        try:
            if not mistake.get("no_timeout") and not mistake.get("timeout_after"):
                s.settimeout(mistake.get("fixed_timeout", timeout))
            try:
                s.connect(direccion)
                if mistake.get("timeout_after"):
                    s.settimeout(timeout)  # too late: connect() already waited
            except ConnectionRefusedError:
                return "filtrado" if mistake.get("swapped") else "cerrado"
            except TimeoutError:
                return "cerrado" if mistake.get("swapped") else "filtrado"
            except OSError:
                return "filtrado"
            return "abierto"
        finally:
            if not mistake.get("leak"):
                s.close()

    return probar


def probar_con_oserror_para_cerrado(direccion, timeout=0.5):
    with socket.socket() as s:
        s.settimeout(timeout)
        try:
            s.connect(direccion)
        except OSError:  # TimeoutError is an OSError too
            return "cerrado"
        return "abierto"


def probar_con_booleanos(direccion, timeout=0.5):
    with socket.socket() as s:
        s.settimeout(timeout)
        return s.connect_ex(direccion) == 0


WRONG_72 = [
    (_probe_variant(leak=True), "cierra el socket", ["ResourceWarning", "with socket.socket()"]),
    (_probe_variant(no_timeout=True), "no llega respuesta", ["settimeout(timeout) ANTES de connect()"]),
    (_probe_variant(timeout_after=True), "no llega respuesta", ["ANTES de connect()"]),
    (_probe_variant(fixed_timeout=0.3), "no llega respuesta", ["usa el timeout que te pasan"]),
    (_probe_variant(fixed_timeout=10), "no llega respuesta", ["no uno fijo"]),  # the guide's 10 s
    (_probe_variant(fixed_timeout=1), "no llega respuesta", ["se rindió a los", "usa el timeout que te pasan"]),
    (_probe_variant(fixed_timeout=2), "no llega respuesta", ["usaste un timeout fijo, no el que te pasan"]),
    (probar_con_oserror_para_cerrado, "no llega respuesta", ["TimeoutError también cae ahí"]),
    (_probe_variant(swapped=True), "nadie escucha", ["eso es 'cerrado'"]),
    (probar_con_booleanos, "un servidor que acepta", ["devuelve uno de"]),
]


@pytest.mark.parametrize(("wrong", "case", "words"), WRONG_72, ids=range(len(WRONG_72)))
def test_72_classic_mistakes_are_caught_and_named(wrong, case, words):
    assert_caught(check("7.2", wrong), case, *words)


# -- 7.3: wrong answers ----------------------------------------------------------------


def esperar_como_la_guia(direccion, intentos=6, espera=0.05, timeout=0.5):
    """conectar_con_reintentos' shape: leaks failed sockets, returns None, fixed delay, catches all."""
    for intento in range(intentos):
        try:
            cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            cliente.settimeout(10)
            cliente.connect(direccion)
            return cliente
        except (ConnectionError, TimeoutError):
            if intento < intentos - 1:
                time.sleep(espera)
            else:
                return None
        except Exception:
            return None


def _wait_variant(**mistake):
    """esperar_servidor with one classic mistake; ``mistake`` picks it."""
    retried = (Exception,) if mistake.get("retry_all") else (
        (ConnectionRefusedError,) if mistake.get("refused_only") else (ConnectionRefusedError, TimeoutError))
    first = 1 if mistake.get("first_doubled") else 0

    def esperar(direccion, intentos=6, espera=0.05, timeout=0.5):
        for intento in range(intentos):
            s = socket.socket()
            try:
                s.settimeout(timeout)
                s.connect(direccion)
                return s
            except retried:
                if not mistake.get("leak"):
                    s.close()
                last = intento == intentos - 1
                if last and mistake.get("sleep_after_last"):
                    time.sleep(espera * 2**intento)
                if last and not mistake.get("return_none"):
                    raise
                time.sleep(espera if mistake.get("fixed_pause") else espera * 2 ** (intento + first))
        return None

    return esperar


def esperar_reintentando_oserror(direccion, intentos=6, espera=0.05, timeout=0.5):
    """Retries every OSError: a gaierror (a service name that does not exist) is retried too."""
    for intento in range(intentos):
        try:
            return socket.create_connection(direccion, timeout=timeout)
        except OSError:
            if intento == intentos - 1:
                raise
            time.sleep(espera * 2**intento)


def esperar_con_timeout_fijo(direccion, intentos=6, espera=0.05, timeout=0.5):
    return esperar_servidor(direccion, intentos, espera, 0.05)


def esperar_que_cierra_el_bueno(direccion, intentos=6, espera=0.05, timeout=0.5):
    with esperar_servidor(direccion, intentos, espera, timeout) as s:
        return s


def esperar_lanzando_otra_cosa(direccion, intentos=6, espera=0.05, timeout=0.5):
    try:
        return esperar_servidor(direccion, intentos, espera, timeout)
    except OSError:
        raise RuntimeError("no se pudo conectar") from None


WRONG_73 = [
    (esperar_como_la_guia, "nunca arranca", ["no devuelvas None"]),
    (_wait_variant(fixed_pause=True), "el doble", ["¿espera siempre lo mismo?"]),
    (_wait_variant(return_none=True), "nunca arranca", ["devolvió None", "raise"]),
    (_wait_variant(leak=True), "nunca arranca", ["ResourceWarning", "cierra el socket de cada intento"]),
    (_wait_variant(retry_all=True), "no es de red", ["except Exception"]),
    (esperar_reintentando_oserror, "gaierror", ["no OSError", "(gaierror) no se arreglan esperando"]),
    (_wait_variant(first_doubled=True), "la primera pausa", ["¿la primera pausa es espera * 2", "tardó"]),
    (_wait_variant(sleep_after_last=True), "la primera pausa", ["duermes también tras el último intento"]),
    (_wait_variant(refused_only=True), "nunca acepta", ["TimeoutError también se reintenta"]),
    (esperar_con_timeout_fijo, "nunca acepta", ["¿no reintentas TimeoutError, o no usas el timeout?"]),
    (esperar_que_cierra_el_bueno, "ya está en marcha", ["no lo cierres"]),
    (esperar_lanzando_otra_cosa, "nunca arranca", ["lanzó RuntimeError"]),
]


@pytest.mark.parametrize(("wrong", "case", "words"), WRONG_73, ids=range(len(WRONG_73)))
def test_73_classic_mistakes_are_caught_and_named(wrong, case, words):
    assert_caught(check("7.3", wrong), case, *words)


def test_73_the_guides_loop_fails_on_more_than_one_count():
    result = check("7.3", esperar_como_la_guia)
    statuses = {c.name.split(":")[0]: c.status for c in result.cases}
    assert statuses["el servidor ya está en marcha"] == "ok"
    assert sum(s != "ok" for s in statuses.values()) >= 3


# -- what every checker promises -------------------------------------------------------


def stub(*args):
    raise NotImplementedError("Escribe aquí tu solución")


@pytest.mark.parametrize("exercise_id", ["7.1", "7.2", "7.3"])
def test_stubs_are_pending(exercise_id):
    result = check(exercise_id, stub)
    assert result.status == "pendiente" and "pendiente" in repr(result)


def test_no_server_or_socket_is_left_behind():
    check("7.3", esperar_servidor)
    check("7.2", _probe_variant(leak=True))
    assert not lab.running_servers()
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
