"""10.2: send a message with its 4-byte length in front (``struct.pack("!I", ...)``), all of it."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

from .. import Context, Fail, brief, exercise
from .._chaos import STUDENT_TIMEOUT
from .._pacing import PATIENCE
from ._shared import HEADER, LIMIT

enviar = exercise("10.2", "Enviar un mensaje con su longitud delante", "enviar_mensaje")

#: Socket buffers of the large case (the system may double them): far smaller than the message.
BUFFER = 64 * 1024
BIG = 2 * 1024 * 1024


class _Drain:
    """The checker's far end: reads every byte until EOF in a thread of its own (up to ``limit``)."""

    def __init__(self, conn: socket.socket, limit: int) -> None:
        self._conn, self._limit = conn, limit
        self._parts: list[bytes] = []
        self._thread = threading.Thread(target=self._run, name="comprobar-receptor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        size = 0
        try:
            while size < self._limit and (data := self._conn.recv(65536)):
                self._parts.append(data)
                size += len(data)
        except OSError:  # the case ended, or the student's side reset: keep what came
            pass

    def result(self) -> bytes:
        self._thread.join(PATIENCE)
        return b"".join(self._parts)


def _frames(messages: list[bytes], fmt: str) -> bytes | None:
    """The messages framed with a length in ``fmt`` (None if a length does not fit in it)."""
    try:
        return b"".join(struct.pack(fmt, len(m)) + m for m in messages)
    except struct.error:
        return None


def _first_wrong_header(got: bytes, messages: list[bytes]) -> str:
    """The first message whose header is not its length in network order, for a stream framed in
    little endian: 0 (an empty message) is the same in both orders, so it is never the one named."""
    start = 0
    for i, message in enumerate(messages):
        header = got[start:start + 4]
        if header != HEADER.pack(len(message)):
            return (f"la cabecera del mensaje {i + 1} ({len(message)} bytes) fue {brief(header)}: es "
                    f"{len(message)}")
        start += 4 + len(message)
    return "las cabeceras son"  # not reached: the stream differs from the right one in a header


def _explain_frames(got: bytes, messages: list[bytes]) -> str | None:
    """What the student's code put on the wire, named from these very bytes; None if right."""
    expected = _frames(messages, "!I") or b""  # a length always fits in 4 bytes here
    if got == expected:
        return None
    first = messages[0]
    said = _first_wrong_header(got, messages)
    if not got:
        return "no llegó nada: tu función no envió el mensaje"
    if b"" in messages and got == _frames([m for m in messages if m], "!I"):
        return ("el mensaje vacío no llegó: para b'' tu función no envió nada, y un mensaje vacío también se "
                "envía: su cabecera con la longitud 0 (b'\\x00\\x00\\x00\\x00')")
    if got == b"".join(messages):
        return "llegaron los datos sin cabecera: quien los recibe no sabe dónde acaba cada mensaje"
    if got == _frames(messages, "<I"):
        return (f"{said} en little-endian ('<I', o 'I' en un PC); en la red va en big-endian: "
                "struct.pack('!I', len(datos))")
    for fmt, size in (("!H", 2), ("!Q", 8)):
        if got == _frames(messages, fmt):
            return f"la cabecera tiene {size} bytes ('{fmt}'); el protocolo dice 4 bytes: '!I'"
    announced = HEADER.unpack(got[:4])[0] if len(got) >= 4 else None
    if got[4:].startswith(first) and announced == len(first.decode("utf-8", "replace")) != len(first):
        return (f"la cabecera del primer mensaje ({len(first)} bytes) fue {brief(got[:4])}: {announced} es el "
                f"número de caracteres del texto, y la longitud cuenta bytes (len(datos) = {len(first)})")
    if len(got) < len(expected) and expected.startswith(got):
        return (f"llegaron solo {len(got)} de {len(expected)} bytes: se perdió el resto "
                "(¿send() sin mirar lo que devuelve? usa sendall())")
    return f"llegaron {len(got)} bytes que no son los {len(expected)} esperados (empiezan por {brief(got[:12])})"


def _send(funcion: Callable[..., Any], ctx: Context, messages: list[bytes], *, small: bool = False) -> None:
    """Call ``enviar_mensaje`` once per message on one connection; judge the bytes that arrived."""
    listener = ctx.own(socket.socket())
    sock = ctx.own(socket.socket())
    if small:  # before connecting: the accepted socket inherits the listener's
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sock.settimeout(STUDENT_TIMEOUT)  # with a timeout, a send() of more than fits returns a part
    sock.connect(listener.getsockname())
    conn = ctx.own(listener.accept()[0])
    conn.settimeout(STUDENT_TIMEOUT)
    drain = _Drain(conn, sum(len(m) for m in messages) + 8 * len(messages) + 1024)
    for i, message in enumerate(messages):
        funcion(sock, message)
        if sock.fileno() == -1:
            raise Fail(f"tras el mensaje {i + 1} el socket estaba cerrado: lo cerró tu función; quien te lo pasó "
                       "lo sigue usando para los mensajes siguientes")
    try:
        sock.shutdown(socket.SHUT_WR)  # EOF: the drain has everything that was sent
    except OSError:
        raise Fail("tras tu función el socket ya no estaba conectado: no lo cierres ni llames a shutdown()") from None
    problem = _explain_frames(drain.result(), messages)
    if problem:
        raise Fail(problem)


@enviar.case(
    "un mensaje corto: 4 bytes de longitud en orden de red (big-endian) y los datos",
    hint="sock.sendall(struct.pack('!I', len(datos)) + datos): '!' es el orden de red, 'I' 4 bytes sin signo.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send(funcion, ctx, ["¡Hola, año nuevo!".encode()])


@enviar.case(
    "un mensaje vacío es solo su cabecera, b'\\x00\\x00\\x00\\x00'",
    hint="con datos == b'' se envía la longitud 0 y nada más: también es un mensaje.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send(funcion, ctx, [b"", "tras el vacío".encode()])


@enviar.case(
    "tres mensajes seguidos por el mismo socket",
    hint="envía la cabecera y los datos de cada mensaje, y no cierres el socket: lo sigue usando quien te llama.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send(funcion, ctx, [b"uno", "dos, con eñe".encode(), bytes(range(256))])


@enviar.case(
    "un mensaje de 70 000 bytes (no cabe en una longitud de 2 bytes)",
    hint="la longitud va en 4 bytes ('!I', hasta 4 GiB); '!H' solo llega a 65 535.",
    time_limit=LIMIT,
)
def _(funcion, ctx):
    _send(funcion, ctx, [bytes(i % 251 for i in range(70_000))])


@enviar.case(
    "2 MiB con búferes pequeños: send() envía solo una parte",
    hint="send() envía lo que cabe en el búfer y devuelve cuánto: usa sendall(), que repite hasta enviarlo todo.",
)
def _(funcion, ctx):
    _send(funcion, ctx, [bytes(ctx.rng.randrange(256) for _ in range(1000)) * (BIG // 1000)], small=True)
