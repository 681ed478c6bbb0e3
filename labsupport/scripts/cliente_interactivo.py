"""El cliente interactivo de la guía («Ejemplo completo», Cliente Interactivo), arreglado, como programa.

Arranca antes el servidor (``servidor_echo``), mira el puerto que dice y, en otra terminal::

    python -m labsupport.scripts.cliente_interactivo --puerto 40123

Escribe mensajes; cada uno viaja como una línea y el programa imprime la respuesta entera
(«Servidor: Echo: hola»). Termina con «salir» (la guía: 'quit', que también vale), con el fin de la
entrada (Ctrl+D; en Windows Ctrl+Z e Intro), con Ctrl+C o con SIGTERM: cierra el socket y sale con
código 0. Si el servidor no está, cierra la conexión o no responde a tiempo, lo dice y sale con código 1.

Lo que cambia respecto a la guía:

1. Lee la respuesta **entera**: junta fragmentos hasta el salto de línea que la termina. La guía hacía
   un solo ``recv(1024)``, que trae como mucho 1024 bytes: el resto aparecía, desfasado, como
   respuesta al mensaje siguiente (cuaderno 8).
2. Envía con ``sendall`` (la guía: ``send``, que puede enviar solo una parte) y cada mensaje termina
   en ``\\n``: así el servidor sabe dónde acaba.
3. Tiene *timeout*: si el servidor calla más de ``--timeout`` segundos, no se queda esperando para siempre.
4. Decodifica la línea completa, nunca un fragmento (una «ñ» puede llegar partida en dos ``recv``).
5. Se conecta a 127.0.0.1 y al puerto que le digas (la guía: ``'localhost', 8080``).
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

if not __package__:  # ejecutado como archivo (python ruta/cliente_interactivo.py): encuentra labsupport
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from labsupport.scripts import _common

MAX_RESPUESTA = 1024 * 1024     # una respuesta más larga sin "\n" no es del protocolo: paramos


class Terminar(Exception):
    """Nos piden terminar (SIGTERM): salir como con «salir»."""


def recibir_linea(cliente: socket.socket, bufer: bytearray) -> bytes | None:
    """Una línea entera (sin el "\\n"), juntando los fragmentos que hagan falta; None si el servidor cerró.

    Lo que llegue detrás del "\\n" se queda en `bufer` para la línea siguiente.
    """
    while (fin := bufer.find(b"\n")) == -1:
        if len(bufer) > MAX_RESPUESTA:
            raise ValueError(f"una respuesta de más de {MAX_RESPUESTA} bytes sin salto de línea")
        datos = cliente.recv(4096)
        if not datos:
            return None                           # el servidor cerró (FIN)
        bufer += datos
    linea = bytes(bufer[:fin])
    del bufer[: fin + 1]
    return linea


def cliente_interactivo(host: str = "127.0.0.1", puerto: int = 8080, timeout: float = 10.0) -> int:
    """Conversa con el servidor de eco; devuelve el código de salida (0: terminó porque se lo pediste)."""
    direccion = _common.format_address((host, puerto))
    try:
        cliente = socket.create_connection((host, puerto), timeout=timeout)
    except ConnectionRefusedError:
        print(f"Error: no hay ningún servidor escuchando en {direccion} (ConnectionRefusedError)", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"Error: no pude conectar con {direccion}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    with cliente:
        desde = _common.format_address(cliente.getsockname())
        print(f"Conectado al servidor Echo en {direccion} desde {desde}")
        print("Escribe mensajes (o 'salir' para terminar):")
        prompt = "> " if sys.stdin.isatty() else ""   # sin terminal (una tubería) nadie ve el «> »
        bufer = bytearray()
        try:
            while True:
                try:
                    mensaje = input(prompt)
                except EOFError:
                    break                         # fin de la entrada: como «salir»
                if mensaje.strip().lower() in ("salir", "quit"):
                    break
                cliente.sendall(mensaje.encode("utf-8") + b"\n")
                respuesta = recibir_linea(cliente, bufer)
                if respuesta is None:
                    print("El servidor cerró la conexión", file=sys.stderr)
                    return 1
                print(f"Servidor: {respuesta.decode('utf-8', errors='replace')}")
        except (KeyboardInterrupt, Terminar):
            print()                               # Ctrl+C o SIGTERM: terminar como con «salir»
        except TimeoutError:
            print(f"Error: el servidor no respondió en {timeout:g} s", file=sys.stderr)
            return 1
        except (OSError, ValueError) as e:
            print(f"Error: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    print("Conexión cerrada")
    return 0


def _terminar(numero: int, marco: object) -> None:
    raise Terminar


def main(argv: list[str] | None = None) -> int:
    parser = _common.parser(
        "cliente_interactivo",
        "Cliente interactivo de la guía, arreglado: envía cada línea que escribes y muestra la respuesta entera.",
        "Termina con «salir», con Ctrl+D (Windows: Ctrl+Z e Intro), con Ctrl+C o con SIGTERM.",
    )
    _common.add_address(parser, "del servidor", "puerto del servidor (el que imprimió servidor_echo al arrancar)",
                        port_required=True)
    parser.add_argument("--timeout", type=_common.positive_float, default=10.0, metavar="S",
                        help="segundos que esperamos cada respuesta antes de rendirnos (por defecto 10)")
    args = parser.parse_args(argv)
    _common.stop_signals(_terminar)               # SIGTERM (CTRL_BREAK en Windows): terminar
    try:
        return cliente_interactivo(args.host, args.puerto, args.timeout)
    except (KeyboardInterrupt, Terminar):         # antes de conectar, o justo al terminar
        return 0


if __name__ == "__main__":
    sys.exit(main())
