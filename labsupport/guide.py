"""The guide's longer code blocks, kept verbatim, so that notebook cells stay short.

Some functions of the guide (``guia/sockets-en-python.md``) run to 40 lines and more; a cell
that long is hard to read next to its explanation. Such a block lives here exactly as the guide
has it (its Spanish names, its comments, its mistakes: they are the lesson), and the notebook
imports it and shows it with :func:`show` (highlighted in Jupyter, plain text for nbval, as
:mod:`labsupport.guide_http` does for section 5), so the reader sees every line that runs. Where the
course adapts a block to run offline, each changed line says so in a comment ("la guía: ...").

The blocks, by section of the guide:

- 6, *Parsear Respuestas HTTP*: :func:`parsear_respuesta_http`, :func:`ejemplo_parseo`.
- 7, *Tipos Principales de Excepciones*: :func:`manejar_excepciones_socket`, adapted (a
  destination, a timeout and an action after connecting as parameters; names resolved
  without DNS).
"""

# ruff: noqa: UP041  -- the guide's code as written: socket.timeout, not TimeoutError

from __future__ import annotations

import errno
import inspect
import socket
from collections.abc import Callable

from . import faults
from .guide_http import Source

__all__ = ["ejemplo_parseo", "manejar_excepciones_socket", "parsear_respuesta_http", "show"]


def show(*functions: Callable) -> Source:
    """The source of each function, as it runs, ready to display in a cell (like :func:`guide_http.show`)."""
    return Source("\n\n\n".join(inspect.getsource(f).rstrip("\n") for f in functions))


# -- section 6 -------------------------------------------------------------------------------------
def parsear_respuesta_http(respuesta_raw):
    """
    Parsea una respuesta HTTP cruda y extrae componentes importantes
    """
    try:
        # Decodificar bytes a string
        respuesta_str = respuesta_raw.decode('utf-8', errors='ignore')

        # Separar headers del contenido
        if '\r\n\r\n' in respuesta_str:
            headers_section, contenido = respuesta_str.split('\r\n\r\n', 1)
        else:
            headers_section = respuesta_str
            contenido = ""

        # Parsear línea de status
        lineas = headers_section.split('\r\n')
        status_line = lineas[0]
        partes_status = status_line.split(' ', 2)

        version_http = partes_status[0]
        codigo_status = int(partes_status[1])
        mensaje_status = partes_status[2] if len(partes_status) > 2 else ""

        # Parsear headers
        headers = {}
        for linea in lineas[1:]:
            if ':' in linea:
                clave, valor = linea.split(':', 1)
                headers[clave.strip().lower()] = valor.strip()

        return {
            'version_http': version_http,
            'codigo_status': codigo_status,
            'mensaje_status': mensaje_status,
            'headers': headers,
            'contenido': contenido,
            'longitud_contenido': len(contenido)
        }

    except Exception as e:
        return {'error': f"Error parseando respuesta: {e}"}


# Ejemplo de uso
def ejemplo_parseo():
    respuesta_ejemplo = b"""HTTP/1.1 200 OK
Content-Type: application/json
Content-Length: 25
Server: nginx/1.18.0

{"message": "Hello World"}"""

    resultado = parsear_respuesta_http(respuesta_ejemplo)
    print("Respuesta parseada:")
    for clave, valor in resultado.items():
        print(f"  {clave}: {valor}")


# -- section 7 -------------------------------------------------------------------------------------
def manejar_excepciones_socket(host, puerto, timeout=5, despues=None):   # la guía: sin parámetros
    """
    Ejemplo completo de manejo de excepciones con sockets
    """
    cliente = None
    try:
        cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cliente.settimeout(timeout)                                       # la guía: 5
        direccion = faults.resolve_numeric(host, puerto)[0][4]            # la guía: sin esta línea (DNS)
        cliente.connect(direccion)            # la guía: connect() a un nombre que no existe
        if despues:                                                       # la guía: sin estas
            despues(cliente)                                              # dos líneas

    except socket.gaierror as e:
        print(f"Error de resolución DNS: {e}")

    except socket.timeout:
        print("Timeout: La conexión tardó demasiado")

    except ConnectionRefusedError:
        print("Conexión rechazada: El servidor no está disponible")

    except ConnectionResetError:
        print("Conexión reiniciada por el servidor")

    except OSError as e:
        if e.errno == errno.ECONNABORTED:
            print("Conexión abortada")
        elif e.errno == errno.EHOSTUNREACH:
            print("Host inalcanzable")
        elif e.errno == errno.ENETUNREACH:
            print("Red inalcanzable")
        else:
            print(f"Error del sistema operativo: {e}")

    except Exception as e:
        print(f"Error inesperado: {e}")

    finally:
        if cliente:
            cliente.close()
