"""El servidor de eco de la guía («Ejemplo completo», Servidor Echo), arreglado, como programa de verdad.

Arráncalo en una terminal (en JupyterLab: Archivo → Nuevo → Terminal) y páralo con Ctrl+C::

    python -m labsupport.scripts.servidor_echo               # puerto 0: lo elige el sistema
    python -m labsupport.scripts.servidor_echo --puerto 8080

Cuando está listo imprime UNA línea con su dirección real («Servidor Echo iniciado en
127.0.0.1:40123»), así que quien lo arranca sabe dónde conectarse. Habla por líneas: a cada línea
que recibe (terminada en ``\\n``) responde ``Echo: <línea>\\n``.

Lo que cambia respecto a la guía (el cuaderno 8 enseña por qué hace falta cada cosa):

1. Se para limpiamente: con Ctrl+C, con SIGTERM (CTRL_BREAK en Windows), escribiendo «salir» o
   cerrando su entrada estándar (Ctrl+D; y si quien lo arrancó muere, su tubería se cierra). Entonces
   deja de aceptar, espera a los hilos de los clientes, cierra todos sus sockets y termina con código 0.
2. Escucha en 127.0.0.1 y el puerto 0 por defecto (la guía: ``'localhost', 8080``), sin salir de tu máquina.
3. Respeta los mensajes: junta los fragmentos de ``recv`` hasta tener una línea entera (la guía
   respondía a cada ``recv`` como si fuera un mensaje) y trabaja con bytes: una «ñ» partida entre dos
   ``recv`` no rompe nada; solo decodifica, para imprimirla, la línea completa.
4. Envía con un plazo (``enviar_todo``): como ``sendall``, pero sin esperar para siempre a un cliente que no lee.
5. *Timeouts*: ``recv`` espera poco cada vez (0,2 s) para mirar si hay que parar; un cliente callado
   más de ``--silencio-max`` segundos se cierra; una línea de más de 64 KiB sin ``\\n``, también.
6. Como mucho ``--max-clientes`` a la vez (un hilo por cliente, como en la guía); a los demás les dice
   que está lleno y cierra.
7. Cada ``print`` escribe una línea entera de una vez (``decir``): los hilos no mezclan sus líneas.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

if not __package__:  # ejecutado como archivo (python ruta/servidor_echo.py): encuentra labsupport
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from labsupport.scripts import _common

ESPERA_DATOS = 0.2        # cada recv/accept espera poco: así miramos `parar` a menudo
PLAZO_ENVIO = 10.0        # enviar un eco: generoso (un cliente lento tiene tiempo de leer)
ESPERA_HILOS = 5.0        # al parar, lo más que esperamos (en total) a los hilos de los clientes
MAX_LINEA = 64 * 1024     # una línea más larga sin "\n" no es un mensaje del protocolo
MAX_MOSTRADO = 200        # caracteres de cada mensaje que imprimimos

_cerrojo_salida = threading.Lock()


def decir(texto: str) -> None:
    """print() de una línea entera de una vez: dos hilos nunca mezclan sus líneas."""
    with _cerrojo_salida:
        try:
            sys.stdout.write(texto + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):             # nadie lee ya nuestra salida (quien nos arrancó murió)
            pass


def enviar_todo(conexion: socket.socket, datos: bytes, parar: threading.Event, plazo: float = PLAZO_ENVIO) -> bool:
    """Como sendall, pero con un plazo y mirando `parar`: True si lo envió todo."""
    pendiente, limite = memoryview(datos), time.monotonic() + plazo
    while pendiente:
        if parar.is_set() or time.monotonic() > limite:
            return False                          # hay que parar, o el cliente no lee
        try:
            pendiente = pendiente[conexion.send(pendiente):]   # send() dice cuánto aceptó
        except TimeoutError:
            pass                                  # no cupo nada en ESPERA_DATOS: volvemos a mirar
    return True


def mostrar(linea: bytes) -> str:
    """La línea como texto para imprimirla (solo para eso: el eco lleva los bytes tal cual)."""
    texto = linea.decode("utf-8", errors="replace").rstrip("\r\n")
    return texto if len(texto) <= MAX_MOSTRADO else texto[:MAX_MOSTRADO] + "…"


def manejar_cliente(conexion: socket.socket, direccion: tuple, parar: threading.Event, silencio_max: float) -> None:
    """Maneja un cliente individual: un eco por línea, hasta que cierre, calle demasiado o haya que parar."""
    quien = _common.format_address(direccion)
    decir(f"Conexión establecida con {quien}")
    motivo = "el servidor se para"                # si el bucle acaba porque `parar` está puesto
    bufer = bytearray()                           # lo recibido que aún no es una línea entera
    try:
        with conexion:
            conexion.settimeout(ESPERA_DATOS)
            ultimo_dato = time.monotonic()
            while not parar.is_set():
                try:
                    datos = conexion.recv(4096)
                except TimeoutError:
                    if time.monotonic() - ultimo_dato > silencio_max:
                        motivo = f"callado más de {silencio_max:g} s"
                        break
                    continue                      # silencio: miramos si hay que parar
                if not datos:
                    motivo = "el cliente cerró"   # FIN
                    break
                ultimo_dato = time.monotonic()
                bufer += datos
                if cerrar_por := responder_lineas(conexion, bufer, quien, parar):
                    motivo = cerrar_por
                    break
    except ConnectionError:
        motivo = "el cliente cortó la conexión (RST)"
    except Exception as e:                        # un fallo con un cliente no tumba el servidor
        motivo = f"error: {type(e).__name__}: {e}"
    decir(f"Conexión cerrada con {quien} ({motivo})")


def responder_lineas(conexion: socket.socket, bufer: bytearray, quien: str, parar: threading.Event) -> str:
    """Responde a cada línea completa del búfer y la quita de él; devuelve por qué cerrar ("" si no)."""
    while (fin := bufer.find(b"\n")) != -1:
        linea = bytes(bufer[: fin + 1])
        del bufer[: fin + 1]
        decir(f"Recibido de {quien}: {mostrar(linea)}")
        if not enviar_todo(conexion, b"Echo: " + linea, parar):
            return "el servidor se para" if parar.is_set() else f"no leyó su eco en {PLAZO_ENVIO:g} s"
    if len(bufer) > MAX_LINEA:
        aviso = f"Error: una línea de más de {MAX_LINEA} bytes sin salto de línea; cierro la conexión\n"
        if enviar_todo(conexion, aviso.encode("utf-8"), parar, plazo=1.0):
            despedirse(conexion, parar)
        return f"línea de más de {MAX_LINEA} bytes"
    return ""


def despedirse(conexion: socket.socket, parar: threading.Event, silencio: float = 5.0) -> None:
    """Cierre ordenado tras un aviso: FIN (shutdown) y vaciar lo que el cliente aún envía.

    Si cerráramos con datos suyos sin leer, el sistema cortaría la conexión (RST) y el cliente
    quizá no llegaría a leer el aviso. Vaciamos (sin guardar nada) hasta que cierre, calle
    `silencio` segundos, haya que parar o pase de 16 MiB.
    """
    vaciados, ultimo_dato = 0, time.monotonic()
    try:
        conexion.shutdown(socket.SHUT_WR)
        while not parar.is_set() and vaciados < 16 * 1024 * 1024 and time.monotonic() - ultimo_dato < silencio:
            try:
                datos = conexion.recv(65536)
            except TimeoutError:
                continue
            if not datos:
                return                            # el cliente cerró: todo leído
            vaciados, ultimo_dato = vaciados + len(datos), time.monotonic()
    except OSError:                               # el cliente ya se fue (o cortó): nada más que hacer
        pass


def rechazar(conexion: socket.socket, max_clientes: int) -> None:
    """A un cliente de más: se lo decimos (si cabe enseguida) y cerramos."""
    with conexion:
        conexion.settimeout(ESPERA_DATOS)         # un mensaje corto cabe al instante en el búfer de envío
        try:
            quien = _common.format_address(conexion.getpeername())
            conexion.sendall(f"Error: servidor lleno ({max_clientes} clientes); prueba más tarde\n".encode())
        except OSError:
            quien = "un cliente que ya se fue"
    decir(f"Rechazado {quien}: servidor lleno")


def vigilar_entrada(peticion: threading.Event, detener: Callable[[str], None]) -> None:
    """Para el servidor si su entrada estándar se cierra (EOF) o alguien escribe «salir».

    Lee el descriptor 0 con os.read (sin el búfer de sys.stdin, que un hilo daemon no debe tener
    bloqueado cuando el programa termina). Un error al leer (p. ej. una terminal en segundo plano)
    solo deja de vigilar.
    """
    pendiente = b""
    while not peticion.is_set():
        try:
            datos = os.read(0, 1024)
        except OSError:
            return
        if not datos:
            detener("se cerró su entrada estándar")
            return
        pendiente += datos
        *lineas, pendiente = pendiente.split(b"\n")
        if any(linea.strip().lower() == b"salir" for linea in lineas):
            detener("«salir»")
            return
        pendiente = pendiente[-64:]               # nadie escribe líneas largas aquí


def entrada_vigilable() -> bool:
    """¿Tiene sentido vigilar la entrada? Una terminal o una tubería sí; /dev/null o un archivo, no
    (darían fin de archivo al instante y el servidor se pararía nada más arrancar)."""
    try:
        modo = os.fstat(0).st_mode
    except OSError:
        return False                              # sin entrada estándar
    return os.isatty(0) or stat.S_ISFIFO(modo) or stat.S_ISSOCK(modo)


def servidor_echo(host: str = "127.0.0.1", puerto: int = 0, max_clientes: int = 32, silencio_max: float = 60.0) -> int:
    """Sirve hasta que le pidan parar; devuelve el código de salida del programa (0: parada limpia)."""
    peticion = threading.Event()                  # alguien pidió parar (una señal, la entrada estándar)
    parar = threading.Event()                     # los hilos de los clientes: cerrad ya
    motivo: list[str] = []

    def detener(por: str) -> None:
        if not peticion.is_set():
            motivo.append(por)
            peticion.set()

    _common.stop_signals(lambda numero, marco: detener(signal.Signals(numero).name))   # SIGTERM, SIGBREAK
    try:
        servidor = socket.create_server((host, puerto), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as e:
        print(f"Error: no puedo escuchar en {_common.format_address((host, puerto))}: {e}", file=sys.stderr)
        return 1
    hilos: list[threading.Thread] = []
    with servidor:
        servidor.settimeout(ESPERA_DATOS)         # accept() también mira a menudo si hay que parar
        try:                                      # desde el aviso de arranque: un Ctrl+C puede llegar ya
            decir(f"Servidor Echo iniciado en {_common.format_address(servidor.getsockname())} (Ctrl+C para pararlo)")
            if entrada_vigilable():
                if os.isatty(0) and hasattr(signal, "SIGTTIN"):
                    signal.signal(signal.SIGTTIN, signal.SIG_IGN)   # en segundo plano (&): leer da error, no lo para
                threading.Thread(target=vigilar_entrada, args=(peticion, detener), daemon=True).start()
            while not peticion.is_set():
                try:
                    conexion, direccion = servidor.accept()
                except TimeoutError:
                    continue
                hilos = [h for h in hilos if h.is_alive()]   # a los que ya acabaron no hay que esperarlos
                if len(hilos) >= max_clientes:
                    rechazar(conexion, max_clientes)
                    continue
                # Crear hilo para cada cliente
                hilo = threading.Thread(target=manejar_cliente, args=(conexion, direccion, parar, silencio_max),
                                        name=f"cliente {_common.format_address(direccion)}")
                hilo.start()
                hilos.append(hilo)
        except KeyboardInterrupt:
            detener("Ctrl+C")
    decir(f"Cerrando servidor... ({motivo[0] if motivo else 'parado'})")
    parar.set()                                   # después del aviso: así se imprime siempre antes que sus cierres
    limite = time.monotonic() + ESPERA_HILOS
    # Los buscamos por su nombre, no en `hilos`: un Ctrl+C puede llegar dentro de start(), con el
    # hilo ya en marcha pero sin apuntar en la lista.
    for hilo in threading.enumerate():
        if hilo.name.startswith("cliente "):
            try:
                hilo.join(max(limite - time.monotonic(), 0.0))
            except RuntimeError:                  # aún arrancando: Python lo esperará al salir
                pass
    decir("Servidor cerrado")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(
        "servidor_echo",
        "Servidor de eco de la guía, arreglado: responde «Echo: <línea>» a cada línea que recibe.",
        "Se para con Ctrl+C, con SIGTERM, escribiendo «salir» o cerrando su entrada (Ctrl+D).",
    )
    _common.add_address(parser, "donde escuchar",
                        "puerto donde escuchar; 0 (por defecto): uno libre que elige el sistema")
    parser.add_argument("--max-clientes", type=_common.positive_int, default=32, metavar="N",
                        help="clientes atendidos a la vez (un hilo cada uno; por defecto 32)")
    parser.add_argument("--silencio-max", type=_common.positive_float, default=60.0, metavar="S",
                        help="segundos que puede callar un cliente antes de que lo cerremos (por defecto 60)")
    args = parser.parse_args(argv)
    try:
        return servidor_echo(args.host, args.puerto, args.max_clientes, args.silencio_max)
    except KeyboardInterrupt:                     # un segundo Ctrl+C mientras esperaba a los hilos
        return 0


if __name__ == "__main__":
    sys.exit(main())
