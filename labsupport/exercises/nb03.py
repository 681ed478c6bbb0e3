"""Exercises of notebook 03, "Solicitar documentos": read to the end, split, download, send it all.

Every case that has the student read from the network makes "one ``recv()`` is one
message" fail on every run: 3.1 reads from a :class:`~._pacing.PacedConnection` (each
piece leaves only after the student consumed the last, so no late reader finds two waiting),
3.3 downloads through a :class:`~._pacing.Slicer` (the head, the first body bytes and the
rest arrive in separate pieces) and from ``/raw/slices``. 3.4 forces partial sends twice:
the kernel's own (a large buffer through a small send buffer, on a socket with a timeout),
and a socket whose ``send()`` takes only part of what it is given each time, as the
system may, so that a loop that ignores what ``send()`` returns loses bytes every run.
Each case targets a bug of the guide's section 3 or a classic mistake of its topic.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import os
import shutil
import socket
import tempfile
import textwrap
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._server import StreamServer
from ..faults import NeverReads
from ..http import DEFAULT_DOCROOT, HttpServer
from ..http.samples import UTF8_DEMO
from . import Context, Fail, exercise
from ._checks import fetch
from ._cuts import seeded_slices
from ._framework import brief
from ._leaks import watch_unclosed
from ._outcome import mismatch
from ._pacing import PacedConnection, Slicer, slices

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

#: Text with two-byte UTF-8 characters (ñ, á, ü…).
TEXT = (
    "Año nuevo, señales nuevas: los sockets entregan bytes, no mensajes. "
    "Una eñe ocupa dos bytes y puede llegar partida entre dos recv(). ¡Ánimo, pingüino!\n"
).encode()
#: 1 MiB that is not UTF-8 (every byte value appears), so decoding it fails.
BINARY = bytes(range(256)) * 4096
#: The pieces of :data:`BINARY`: no recv(), whatever its size, returns more than one of them.
BINARY_PIECE = 64 * 1024
#: A timeout the checker's own sockets never reach when things go right.
PATIENT = 5.0
#: Bound on a 3.1 or 3.4 case: a right answer takes a few hundredths of a second.
LIMIT = 3.0


def _expect_bytes(got: object, what: str = "") -> bytes:
    prefix = f"{what}: " if what else ""
    if isinstance(got, str):
        raise Fail(f"{prefix}tu función devolvió texto (str) y se esperaban bytes: no decodifiques")
    if not isinstance(got, (bytes, bytearray)):
        shown = "None" if got is None else f"{type(got).__name__}: {brief(got)}"
        raise Fail(f"{prefix}se esperaban bytes y tu función devolvió {shown}")
    return bytes(got)


def _same_bytes(got: object, expected: bytes, what: str = "") -> bytes:
    data = _expect_bytes(got, what)
    if data != expected:
        raise Fail((f"{what}: " if what else "") + mismatch(data, expected))
    return data


# -- 3.1 ---------------------------------------------------------------------------
recibir = exercise("3.1", "Recibir la respuesta entera", "recibir_todo")


def _receive(funcion: Callable[..., Any], ctx: Context, pieces: list[bytes]) -> object:
    """Call the student's function on a connection whose far end sends ``pieces`` one by one."""
    paced = ctx.own(PacedConnection(pieces))
    return funcion(paced.sock)


def _split_char_at(data: bytes, after: int = 10) -> int:
    """An offset inside the first multi-byte UTF-8 character of ``data`` past byte ``after``."""
    return next(i for i, b in enumerate(data) if i >= after and b >= 0xC0) + 1


def _bytes_concatenation(function: Callable[..., Any]) -> tuple[int, str] | None:
    """``(line, code)`` where ``function`` adds bytes to a ``bytes`` variable (``x += datos``), or None.

    Read from the function's source: the variables first bound to a bytes literal
    (``b""``) or to ``bytes()``, and an ``x += ...`` or ``x = x + ...`` on one of them.
    ``bytearray`` grows in place and is not flagged. None as well when there is no source.
    """
    function = inspect.unwrap(function)
    try:
        lines, first = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None

    def is_bytes(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, bytes)
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "bytes"

    names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and is_bytes(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        grows = (
            isinstance(node, ast.AugAssign)
            and isinstance(node.op, ast.Add)
            and isinstance(node.target, ast.Name)
            and node.target.id in names
        ) or (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in names
            and isinstance(node.value, ast.BinOp)
            and isinstance(node.value.op, ast.Add)
            and isinstance(node.value.left, ast.Name)
            and node.value.left.id == node.targets[0].id
        )
        if grows and isinstance(node, (ast.AugAssign, ast.Assign)):
            line = first + node.lineno - 1 if first else node.lineno
            return line, lines[node.lineno - 1].strip()
    return None


@recibir.case(
    "junta los fragmentos de una respuesta que llega por goteo",
    hint="llama a recv() en un bucle hasta que devuelva b'' (el otro extremo cerró) y junta los fragmentos.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _same_bytes(_receive(funcion, ctx, seeded_slices(ctx.rng, TEXT, 7)), TEXT)


@recibir.case(
    "una respuesta vacía: devuelve b''",
    hint="si el primer recv() ya devuelve b'', no hay nada más: devuelve b'' (bytes vacíos).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _same_bytes(_receive(funcion, ctx, [b""]), b"")


@recibir.case(
    "1 MiB binario en fragmentos de 64 KiB (más de lo que devuelve un recv()) llega entero y sin decodificar",
    hint="devuelve bytes: b''.join(partes) o un bytearray; .decode() falla con datos que no son texto.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _same_bytes(_receive(funcion, ctx, slices(BINARY, BINARY_PIECE)), BINARY)


@recibir.case(
    "una eñe partida entre dos fragmentos llega entera",
    hint="no decodifiques cada fragmento: medio carácter no es UTF-8 válido. Junta los bytes y devuélvelos tal cual.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    cut = _split_char_at(TEXT)
    _same_bytes(_receive(funcion, ctx, [TEXT[:cut], TEXT[cut:]]), TEXT)


@recibir.case(
    "sin respuesta += datos (bytes que se copian enteros en cada vuelta)",
    hint="guarda los fragmentos en una lista y devuelve b''.join(partes), o usa un bytearray (que crece en su sitio).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _same_bytes(_receive(funcion, ctx, seeded_slices(ctx.rng, TEXT, 50)), TEXT)
    found = _bytes_concatenation(funcion)
    if found:
        line, code = found
        raise Fail(
            f"la línea {line} (`{code}`) suma bytes a unos bytes: cada vuelta crea un objeto nuevo y copia todo "
            "lo recibido hasta ahora (con respuestas grandes, el coste crece con el cuadrado del tamaño)"
        )


# -- 3.2 ---------------------------------------------------------------------------
separar = exercise("3.2", "Separar cabeceras y cuerpo", "separar_respuesta")


def _split(funcion: Callable[..., Any], response: bytes) -> tuple[str, dict[str, str], object]:
    result = funcion(response)
    if not (isinstance(result, tuple) and len(result) == 3):
        shown = f"una tupla de {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise Fail(f"se esperaba una tupla (linea_estado, cabeceras, cuerpo) y devolvió {shown}")
    status, headers, body = result
    if isinstance(status, (bytes, bytearray)):
        raise Fail("la línea de estado debe ser texto (str) y es bytes: decodifica la cabecera (.decode('iso-8859-1'))")
    if not isinstance(status, str):
        raise Fail(f"la línea de estado debe ser texto (str) y es {type(status).__name__}")
    if status.endswith("\r"):
        raise Fail(
            f"la línea de estado termina en '\\r' ({brief(status)}): separa las líneas por '\\r\\n', no por '\\n'"
        )
    if not isinstance(headers, dict):
        raise Fail(f"las cabeceras deben ser un diccionario y son {type(headers).__name__}")
    if any(not isinstance(k, str) or not isinstance(v, str) for k, v in headers.items()):
        raise Fail(
            "los nombres y valores de las cabeceras deben ser texto (str): decodifica la cabecera antes de partirla"
        )
    return status, headers, body


def _header(headers: dict, name: str, expected: str) -> None:
    got = headers.get(name)
    if got == expected:
        return
    if got is None:
        others = [k for k in headers if k.lower() == name.lower()]
        if others:
            raise Fail(
                f"falta la cabecera {name!r} tal como viene; tu diccionario la tiene como {others[0]!r}: "
                "no cambies los nombres"
            )
        raise Fail(f"falta la cabecera {name!r} (tu diccionario tiene {brief(list(headers), 80)})")
    if got.strip() == expected:
        raise Fail(f"cabeceras[{name!r}] es {got!r}: quita los espacios de alrededor del valor (strip())")
    raise Fail(f"cabeceras[{name!r}] debía ser {expected!r} y fue {brief(got)}")


@separar.case(
    "un documento de texto: estado, cabeceras y cuerpo",
    hint="respuesta.split(b'\\r\\n\\r\\n', 1) separa la cabecera del cuerpo; la cabecera, por b'\\r\\n'.",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    status, headers, body = _split(funcion, fetch(server.address, "/docs/texto.txt"))
    if status != "HTTP/1.1 200 OK":
        raise Fail(f"la línea de estado debía ser 'HTTP/1.1 200 OK' y fue {brief(status)}")
    _header(headers, "Content-Type", "text/plain; charset=utf-8")
    _same_bytes(body, (DEFAULT_DOCROOT / "texto.txt").read_bytes(), "cuerpo")


@separar.case(
    "una cabecera con ':' en su valor (la hora de Date)",
    hint="parte cada línea solo por los primeros dos puntos: linea.split(':', 1).",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    response = fetch(server.address, "/get")
    date_line = next(line for line in response.split(b"\r\n") if line.startswith(b"Date:"))
    _status, headers, _body = _split(funcion, response)
    _header(headers, "Date", date_line.split(b":", 1)[1].strip().decode("ascii"))


@separar.case(
    "una imagen PNG: el cuerpo sigue siendo bytes, idéntico",
    hint="decodifica solo la parte de las cabeceras; el cuerpo se devuelve como bytes, tal cual.",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    _status, headers, body = _split(funcion, fetch(server.address, "/docs/imagen.png"))
    image = _same_bytes(body, (DEFAULT_DOCROOT / "imagen.png").read_bytes(), "cuerpo de la imagen")
    _header(headers, "Content-Length", str(len(image)))


@separar.case(
    "un cuerpo que contiene b'\\r\\n\\r\\n' se queda entero",
    hint="separa solo en la PRIMERA línea en blanco: split(b'\\r\\n\\r\\n', 1), con el 1.",
)
def _(funcion, ctx):
    body = "primera parte\r\n\r\nsegunda parte, con eñe".encode()
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    _status, _headers, got = _split(funcion, response)
    _same_bytes(got, body, "cuerpo con una línea en blanco dentro")


@separar.case(
    "una respuesta sin cuerpo (404 de /status/404)",
    hint="si no hay nada después de la línea en blanco, el cuerpo es b''.",
)
def _(funcion, ctx):
    server = ctx.own(HttpServer())
    status, _headers, body = _split(funcion, fetch(server.address, "/status/404"))
    if status != "HTTP/1.1 404 Not Found":
        raise Fail(f"la línea de estado debía ser 'HTTP/1.1 404 Not Found' y fue {brief(status)}")
    _same_bytes(body, b"", "cuerpo vacío")


@separar.case(
    "nombres en minúsculas y valores sin espacio o con espacios de más: tal como vienen, sin los espacios",
    hint=(
        "no cambies los nombres (ni .lower() ni .title()); parte por ':' (no por ': ') "
        "y quita los espacios del valor con strip()."
    ),
)
def _(funcion, ctx):
    response = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nX-Pegado:sin-espacio\r\nX-Holgado:   a  b   \r\n\r\nhola"
    )
    _status, headers, body = _split(funcion, response)
    _header(headers, "content-type", "text/plain")
    _header(headers, "X-Pegado", "sin-espacio")
    _header(headers, "X-Holgado", "a  b")
    _same_bytes(body, b"hola", "cuerpo")


# -- 3.3 ---------------------------------------------------------------------------
descargar = exercise("3.3", "Una descarga que comprueba el estado", "descargar")


class _TempDir:
    """A folder for one case's downloads, removed when the case ends."""

    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="labsupport-3.3-")

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _download(
    funcion: Callable[..., Any], ctx: Context, path: str, name: str, *, sliced: bool = True
) -> tuple[object, str]:
    """Run the student's download of ``path`` (through a slicing proxy unless ``sliced=False``)."""
    server = ctx.own(HttpServer())
    target = ctx.own(Slicer(server, rng=ctx.rng)) if sliced else server
    destination = os.path.join(ctx.own(_TempDir()).path, name)
    with watch_unclosed():
        status = funcion(target.host, target.port, path, destination)
    return status, destination


def _status(status: object, expected: int) -> None:
    if status == expected and isinstance(status, int) and not isinstance(status, bool):
        return
    if isinstance(status, str) and status.strip() == str(expected):
        raise Fail(f"devolvió el código como texto ({status!r}): devuelve un número, int(...)")
    if status == 400:
        raise Fail(
            "devolvió 400: el servidor respondió 400 Bad Request, tu petición está mal formada "
            "(¿falta la cabecera Host, o la línea en blanco final?)"
        )
    raise Fail(f"se esperaba que devolviera el código {expected} (un int) y devolvió {brief(status, 40)}")


def _saved(destination: str, expected: bytes, what: str) -> None:
    if not os.path.exists(destination):
        raise Fail(f"{what}: la descarga terminó pero no se creó el archivo")
    with open(destination, "rb") as f:
        got = f.read()
    if got == expected:
        return
    if got.startswith(b"HTTP/"):
        raise Fail(
            f"{what}: el archivo empieza por la cabecera HTTP: guarda solo el cuerpo, lo que sigue a b'\\r\\n\\r\\n'"
        )
    if got and len(got) < len(expected) and expected.endswith(got):
        raise Fail(
            f"{what}: al archivo le faltan los primeros {len(expected) - len(got)} bytes del cuerpo, los que llegaron "
            "en el mismo fragmento que la cabecera: guarda todo lo que sigue a b'\\r\\n\\r\\n', "
            "no solo lo que llega después"
        )
    if expected.startswith(got):
        raise Fail(
            f"{what}: el archivo tiene solo los primeros {len(got)} de {len(expected)} bytes del cuerpo: "
            "faltó seguir leyendo hasta b''"
        )
    raise Fail(
        f"{what}: el archivo tiene {len(got)} bytes que no son los {len(expected)} del cuerpo "
        f"(empieza por {brief(got[:24], 40)})"
    )


@descargar.case(
    "descarga un documento de texto y devuelve 200",
    hint=(
        "pide la ruta con Connection: close (si no, el servidor no cierra y recv() espera), lee hasta b'', "
        "separa en b'\\r\\n\\r\\n' y escribe el cuerpo en 'wb'."
    ),
)
def _(funcion, ctx):
    status, destination = _download(funcion, ctx, "/docs/texto.txt", "texto.txt")
    _status(status, 200)
    _saved(destination, (DEFAULT_DOCROOT / "texto.txt").read_bytes(), "texto.txt")


@descargar.case(
    "descarga una imagen PNG byte a byte",
    hint="abre el archivo en modo binario ('wb') y escribe los bytes del cuerpo, sin decodificar.",
)
def _(funcion, ctx):
    status, destination = _download(funcion, ctx, "/docs/imagen.png", "imagen.png")
    _status(status, 200)
    _saved(destination, (DEFAULT_DOCROOT / "imagen.png").read_bytes(), "imagen.png")


@descargar.case(
    "un 404 no se guarda como si fuera el archivo",
    hint="lee el código de la línea de estado (int(linea.split()[1])) y crea el archivo solo si es 200.",
)
def _(funcion, ctx):
    status, destination = _download(funcion, ctx, "/docs/no-existe.png", "no-existe.png")
    if os.path.exists(destination):
        with open(destination, "rb") as f:
            empty = not f.read()
        if empty:
            raise Fail(
                "el servidor respondió 404 y tu función creó el archivo (vacío): ábrelo solo después de ver que es 200"
            )
        raise Fail("el servidor respondió 404 y tu función guardó la página de error como si fuera la imagen")
    _status(status, 404)


@descargar.case(
    "una respuesta que llega en muchos fragmentos se guarda entera",
    hint="no basta un recv(): repite hasta b''. Y pide Connection: close, o el servidor no cerrará.",
)
def _(funcion, ctx):
    status, destination = _download(funcion, ctx, "/raw/slices?size=64&delay=0.002", "fragmentos.txt", sliced=False)
    _status(status, 200)
    _saved(destination, UTF8_DEMO, "fragmentos.txt")


@descargar.case(
    "un archivo de 1 MiB (más que cualquier búfer de recv()) llega entero",
    hint="lee en un bucle hasta b'' y junta los fragmentos (una lista y b''.join, o un bytearray).",
)
def _(funcion, ctx):
    path = "/bytes/1048576?seed=33"
    status, destination = _download(funcion, ctx, path, "datos.bin")
    _status(status, 200)
    reference = ctx.own(HttpServer())
    _saved(destination, fetch(reference.address, path).split(b"\r\n\r\n", 1)[1], "datos.bin")


# -- 3.4 ---------------------------------------------------------------------------
enviar = exercise("3.4", "Tu propio sendall()", "enviar_todo")

#: A small send buffer: one send() of a large buffer then takes only part of it.
SMALL_SNDBUF = 64 * 1024


class _Sink(StreamServer):
    """Reads every connection to the end and keeps how many bytes arrived and their SHA-256."""

    name = "sumidero"

    def __init__(self) -> None:
        self.done = threading.Event()
        self.total = 0
        self.sha256 = ""
        super().__init__()

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        digest, total = hashlib.sha256(), 0
        while data := conn.recv(65536):
            digest.update(data)
            total += len(data)
        self.total, self.sha256 = total, digest.hexdigest()
        self.done.set()


#: A timeout that must fire: the peer never reads, so the send buffer never empties.
SHORT = 0.2
#: What a function that caught send()'s TimeoutError and called send() again is told.
SWALLOWED = (
    "send() lanzó TimeoutError (el servidor no lee y el búfer no se vacía) y tu función lo atrapó y volvió "
    "a llamar a send(): así el bucle no acaba nunca; deja que la excepción salga"
)


class _NoSendall(socket.socket):
    """A real TCP socket whose sendall() is off limits (the exercise is to write it); it counts
    the calls to send() that took fewer bytes than they were given."""

    #: Largest number of bytes one send() takes (None: whatever the kernel takes).
    cap: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sends = 0
        self.partial = 0
        self.timed_out = False

    def sendall(self, *args, **kwargs):
        raise Fail("usaste sendall(): el ejercicio es escribirlo tú con send() en un bucle")

    def send(self, data: ReadableBuffer, flags: int = 0) -> int:
        if self.timed_out:  # the student caught the TimeoutError and tries again: a loop without end
            raise Fail(SWALLOWED)
        view = memoryview(data)
        try:
            n = super().send(view[: self.cap] if self.cap else view, flags)
        except TimeoutError:
            self.timed_out = True
            raise
        self.sends += 1
        self.partial += n < len(view)
        return n


def _send_through(funcion: Callable[..., Any], ctx: Context, *messages: bytes, cap: int | None = None) -> None:
    """Call ``enviar_todo`` once per message on one connection; check what the far end got."""
    sink = ctx.own(_Sink())
    sock = ctx.own(_NoSendall(socket.AF_INET, socket.SOCK_STREAM))
    sock.cap = cap
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_SNDBUF)
    sock.settimeout(PATIENT)  # with a timeout, a send() larger than the free buffer space is partial
    sock.connect(sink.address)
    for message in messages:
        funcion(sock, message)
        if sock.fileno() == -1:
            raise Fail("tu función cerró el socket: enviar_todo solo envía; quien te pasó el socket lo sigue usando")
    try:
        sock.shutdown(socket.SHUT_WR)  # EOF: the sink has everything that was sent
    except OSError as exc:  # the student's shutdown() already ended the connection
        raise Fail(
            f"después de tu función el socket ya no estaba conectado ({exc.strerror or exc}): "
            "enviar_todo no debe cerrar el socket ni llamar a shutdown()"
        ) from None
    if not sink.done.wait(PATIENT):
        raise Fail("el servidor no recibió el final de los datos a tiempo")
    data = b"".join(messages)
    expected, got = len(data), sink.total
    partial = f"send() aceptó menos de lo pedido en {sock.partial} de sus {sock.sends} llamadas"
    if got < expected:
        raise Fail(
            f"llegaron {got} de {expected} bytes: {partial}, y faltó volver a llamar a send() con lo que quedaba"
            if sock.partial
            else f"llegaron {got} de {expected} bytes: tu función no llamó a send() con todos los datos"
        )
    if got > expected:
        raise Fail(
            f"llegaron {got} bytes y se enviaban {expected}: se repitieron datos (¿sigues con datos[enviados:]?)"
        )
    if sink.sha256 != hashlib.sha256(data).hexdigest():
        raise Fail(
            "llegaron tantos bytes como se enviaban, pero no los mismos ni en el mismo orden "
            "(¿repetiste una parte y te saltaste otra?)"
        )


@enviar.case(
    "un mensaje corto llega entero",
    hint="n = sock.send(datos) devuelve cuántos bytes salieron; sigue con datos[n:] hasta que no quede nada.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send_through(funcion, ctx, "hola, año".encode())


@enviar.case(
    "4 MiB con un búfer de envío pequeño llegan enteros y en orden",
    hint=(
        "un send() con muchos datos envía solo lo que cabe en el búfer: mira lo que devuelve y repite con lo que falta."
    ),
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send_through(funcion, ctx, hashlib.shake_256(b"3.4").digest(4 * 1024 * 1024))


@enviar.case(
    "un send() que acepta solo una parte de cada envío (como el sistema con el búfer lleno)",
    hint="no des por enviado lo que pediste: suma lo que devuelve cada send() y sigue desde ahí.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send_through(funcion, ctx, hashlib.shake_256(b"3.4 parcial").digest(300_000), cap=1000)


@enviar.case(
    "sin datos no envía nada y termina",
    hint="con datos == b'' el bucle no debe dar ni una vuelta (while enviados < len(datos)).",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send_through(funcion, ctx, b"")


@enviar.case(
    "dos envíos seguidos por el mismo socket llegan los dos: no cierres el socket",
    hint="enviar_todo no cierra el socket ni llama a shutdown(): solo envía; quien te lo pasó lo sigue usando.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send_through(funcion, ctx, b"primero, ", "y después el segundo, con eñe".encode())


@enviar.case(
    f"un servidor que nunca lee, con un timeout de {SHORT:g} s: el TimeoutError de send() sale de tu función",
    hint="no atrapes las excepciones de send(): si lanza TimeoutError, deja que salga, como hace sendall().",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    server = ctx.own(NeverReads())
    sock = ctx.own(_NoSendall(socket.AF_INET, socket.SOCK_STREAM))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_SNDBUF)
    sock.settimeout(PATIENT)
    sock.connect(server.address)
    sock.settimeout(SHORT)  # 4 MiB never fit: once the buffers are full, a send() waits SHORT s and raises
    try:
        funcion(sock, hashlib.shake_256(b"3.4 nadie lee").digest(4 * 1024 * 1024))
    except TimeoutError:
        return
    if sock.timed_out:
        raise Fail(
            "send() lanzó TimeoutError y tu función terminó sin error: quien la llamó creerá que se envió todo; "
            "deja que la excepción salga"
        )
    raise Fail(
        f"tu función terminó sin error tras {sock.sends} send(), y el servidor no lee: no pudo enviarlo todo "
        "(¿miras lo que devuelve send() y sigues con lo que falta?)"
    )
