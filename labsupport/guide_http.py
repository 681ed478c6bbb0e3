"""The guide's ``ClienteHTTP`` (section 5), exactly as the guide writes it, and a way to show it.

The class is 80 lines: too long for one notebook cell, and it cannot be split without
changing the guide's code, which the course runs *as written* so that its bugs show (the
length counted in characters, ``Host`` without the port, ``send`` instead of ``sendall``,
``https`` in plain text). Notebook 05 imports it from here and shows its source with
:func:`show`: the student reads the guide's code and runs the very same object.

Only the guide's comments and blank lines inside methods are as in the guide; nothing else
is touched, not even what a linter would change.
"""

from __future__ import annotations

import inspect
import socket
import urllib.parse
from typing import Any

__all__ = ["ClienteHTTP", "Source", "show"]


# -- the guide's code, verbatim ---------------------------------------------------------------
class ClienteHTTP:
    def __init__(self, timeout=10):
        self.timeout = timeout

    def get(self, url):
        return self._realizar_peticion('GET', url)

    def post(self, url, datos=None):
        return self._realizar_peticion('POST', url, datos)

    def _realizar_peticion(self, metodo, url, datos=None):
        # Parsear URL
        parsed = urllib.parse.urlparse(url)
        host = parsed.hostname
        puerto = parsed.port or (443 if parsed.scheme == 'https' else 80)
        ruta = parsed.path or '/'

        if parsed.query:
            ruta += '?' + parsed.query

        # Crear socket
        cliente = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cliente.settimeout(self.timeout)

        try:
            cliente.connect((host, puerto))

            # Construir petición HTTP
            peticion = f"{metodo} {ruta} HTTP/1.1\r\n"
            peticion += f"Host: {host}\r\n"
            peticion += "User-Agent: ClienteHTTP-Python/1.0\r\n"
            peticion += "Connection: close\r\n"

            if datos and metodo == 'POST':
                peticion += f"Content-Length: {len(datos)}\r\n"
                peticion += "Content-Type: application/x-www-form-urlencoded\r\n"
                peticion += f"\r\n{datos}"
            else:
                peticion += "\r\n"

            # Enviar petición
            cliente.send(peticion.encode('utf-8'))

            # Recibir respuesta
            respuesta = b""
            while True:
                chunk = cliente.recv(4096)
                if not chunk:
                    break
                respuesta += chunk

            return self._parsear_respuesta(respuesta)

        finally:
            cliente.close()

    def _parsear_respuesta(self, respuesta_raw):
        try:
            respuesta_str = respuesta_raw.decode('utf-8')
            headers, contenido = respuesta_str.split('\r\n\r\n', 1)

            # Parsear primera línea (status)
            lineas = headers.split('\r\n')
            status_line = lineas[0]
            codigo_status = int(status_line.split()[1])

            # Parsear headers
            headers_dict = {}
            for linea in lineas[1:]:
                if ':' in linea:
                    clave, valor = linea.split(':', 1)
                    headers_dict[clave.strip()] = valor.strip()

            return {
                'status_code': codigo_status,
                'headers': headers_dict,
                'content': contenido
            }
        except Exception as e:
            return {'error': str(e)}


# -- showing it -------------------------------------------------------------------------------
class Source:
    """Source code that a notebook shows: plain text for nbval and terminals, highlighted in Jupyter."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return self.code

    def _repr_html_(self) -> str:
        import html

        try:  # the ignores: pygments ships no type information (no stubs in the course's environment)
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:  # Jupyter brings pygments; without it, plain text in a <pre>
            return f"<pre>{html.escape(self.code)}</pre>"
        return highlight(self.code, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))


def show(obj: Any = ClienteHTTP) -> Source:
    """The source of ``obj`` (a class or function of this module), ready to display in a cell."""
    return Source(inspect.getsource(obj).rstrip("\n"))
