"""Exercise 9.2, ``servidor_chat(servidor, parar)``: one thread, ``selectors``, every line to every other client.

The checker hands the student's function a listening socket of its own and a stop event, and
runs it in a thread of its own while real clients talk to it: clients whose lines come in
pieces (each piece sent once the server's socket has read the previous one, found in this
process by :class:`~.._pacing.PeerReader`), a client that stops reading while another sends a
lot (small socket buffers, so the server must keep what does not fit), a client that cuts
the connection (RST) and one that closes (FIN). What each client should receive is computed
from what was sent, in order; what it did receive is compared with that and, when it differs,
with what the usual mistakes would have sent (the line back to its sender, each piece
forwarded as it came), so the message names the mistake that happened.

The server's end of each connection must be non-blocking (seen with ``fcntl`` on Linux, where an
accepted socket does not inherit it), and with nothing pending the server must sleep in its
selector: its thread's CPU time over an idle half second tells a loop that spins (EVENT_WRITE
asked for every connection) from one that waits.

Then ``parar`` is set: the function must return, its selector be closed (the selectors its frames
held just before are kept alive and looked at, so a garbage collection cannot hide one left open)
and every client must see the end (FIN).
Sockets the server left open are caught by the ``ResourceWarning`` watch of :mod:`.._leaks`,
around the student's function in its own thread (where the server accepts, so where its
sockets are born).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import select
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ..._closing import arm_reset
from ..._polling import wait_until
from ..._wording import seconds
from .. import Context, Fail, brief, exercise
from .._diagnose import short_name, snapshot
from .._framework import _stop
from .._leaks import watch_unclosed
from .._pacing import CLOSED, PATIENCE, PeerReader, send_paced

#: After ``parar`` the server has this long to return: it must not run out for a right answer.
STOP_PATIENCE = 5.0
#: Socket buffers of the slow case (the system may double them): small, so they fill at once.
SMALL_BUFFER = 16 * 1024
#: The slow case: this many lines of ``LINE_SIZE`` bytes, far more than the buffers hold.
LINES, LINE_SIZE = 400, 1000
#: The calls a selectors loop waits in when it has nothing to do.
_SELECTOR_WAITS = {"select", "poll", "epoll", "kqueue", "control"}
#: With nothing pending, the server is watched this long; more CPU than IDLE_CPU in it is a loop that
#: spins. A select(timeout=0.1) loop, or one at 0.01, used 0.0004-0.0036 s under four CPU hogs; a spinning
#: one got only 0.05 s at the busiest (the hogs took the rest), so the limit sits between: 0.02 s.
IDLE_WINDOW, IDLE_CPU = 0.5, 0.02
#: What a selector may be in the student's code: the module's classes, or the system's objects themselves.
_SELECTOR_TYPES: tuple[type, ...] = tuple(
    t for t in (selectors.BaseSelector, *(getattr(select, n, None) for n in ("epoll", "poll", "devpoll", "kqueue")))
    if isinstance(t, type)
)


class _Room:
    """The student's server running in a thread of the checker's, on a listening socket of the checker's."""

    def __init__(self, funcion: Callable[..., Any], ctx: Context, *, small_buffers: bool = False) -> None:
        self.listener = ctx.own(socket.socket())
        if small_buffers:  # accepted sockets inherit it: the server's sends fill at once
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.address = self.listener.getsockname()
        self.parar = threading.Event()
        self.error: BaseException | None = None
        #: The selectors found in the server's frames while it ran (held, so that only close() closes them).
        self.selectors: list[Any] = []
        self._funcion = funcion
        self.thread = threading.Thread(target=self._run, name="comprobar-9.2-servidor", daemon=True)
        ctx.own(self)
        self.thread.start()

    def _run(self) -> None:
        try:
            with watch_unclosed("tu servidor"):
                self._funcion(self.listener, self.parar)
        except BaseException as exc:  # the student's code may raise anything: the case reports it
            self.error = exc

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def check(self) -> None:
        """Re-raise what the student's server raised, if it ended with an exception."""
        if not self.alive and self.error is not None:
            raise self.error

    def call(self) -> str:
        """The call the server's thread is in now (``sendall``, ``poll``...; "" if unknown)."""
        frame = sys._current_frames().get(self.thread.ident or -1)
        call = snapshot(frame).call if frame is not None else None
        return short_name(call) if call else ""

    def doing(self) -> str:
        """`` (estaba parado en sendall())``: where the server's thread is now, for messages ("" if unknown)."""
        call = self.call()
        return f" (estaba parado en {call}())" if call else ""

    def waiting_for_events(self) -> bool:
        """Whether the server is idle in its selector (so it holds nothing back: what is missing was lost)."""
        return self.alive and self.call() in _SELECTOR_WAITS

    def cpu_time(self) -> float | None:
        """The CPU seconds the server's thread has used so far (None where the system cannot tell)."""
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(self.thread.ident or 0))
        except (AttributeError, OSError):
            return None

    def find_selectors(self) -> None:
        """Keep the selectors the server's frames hold now (as locals, or as attributes of a local)."""
        frame = sys._current_frames().get(self.thread.ident or -1)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                for candidate in (value, *_attributes(value)):
                    if isinstance(candidate, _SELECTOR_TYPES) and all(candidate is not s for s in self.selectors):
                        self.selectors.append(candidate)
            frame = frame.f_back

    def unclosed_selector(self) -> bool:
        """Whether a selector found while the server ran is still open now that it has returned."""
        for found in self.selectors:
            if isinstance(found, selectors.BaseSelector):
                with contextlib.suppress(Exception):
                    if found.get_map() is not None:  # close() drops the map
                        return True
            elif not getattr(found, "closed", True):
                return True
        return False

    def stop(self) -> None:
        """The teardown: stop asking politely, then as the framework does with a worker that will not end."""
        self.parar.set()
        self.thread.join(0.5)
        if self.alive:
            _stop(self.thread)


def _attributes(value: Any) -> list[Any]:
    """The attributes of a student's object (``self.selector``...), or nothing for other values."""
    try:
        return list(vars(value).values()) if not isinstance(value, type) else []
    except TypeError:  # no __dict__
        return []


def _blocking(fd: int | None) -> bool:
    """Whether the open file ``fd`` (the server's end of a connection) is in blocking mode."""
    if fd is None:
        return False
    try:
        import fcntl  # Unix only: elsewhere the server's end is not found (fd None) and this is not asked
        return not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK
    except (ImportError, OSError):
        return False


class _Client:
    """A client of the chat: its socket, and (unless it is lazy) a thread reading all it receives."""

    def __init__(self, room: _Room, ctx: Context, name: str, *, reads: bool = True, rcvbuf: int | None = None) -> None:
        self.name = name
        self.sock = ctx.own(socket.socket())
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(PATIENCE)
        self.sock.connect(room.address)
        self.peer = PeerReader(self.sock)  # the server's end, once the student's server has accepted
        self._received = bytearray()
        self._lock = threading.Lock()
        self.eof = threading.Event()
        self.reset = False
        if reads:
            self.start_reading()

    def start_reading(self) -> None:
        threading.Thread(target=self._read, name=f"comprobar-9.2-{self.name}", daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                try:
                    data = self.sock.recv(65536)
                except TimeoutError:  # a quiet moment: the teardown's shutdown ends this loop
                    continue
                if not data:
                    break
                with self._lock:
                    self._received += data
        except ConnectionResetError:
            self.reset = True
        except OSError:  # the case ended
            return
        self.eof.set()

    def got(self) -> bytes:
        with self._lock:
            return bytes(self._received)


@dataclasses.dataclass
class _Said:
    who: _Client
    piece: bytes


class _Script:
    """What the clients said, in order; from it, what each one should have received."""

    def __init__(self, room: _Room, clients: list[_Client]) -> None:
        self.room, self.clients = room, clients
        self.said: list[_Said] = []
        self._pending: dict[str, bytes] = {}

    def joined(self) -> None:
        """Wait until the student's server has accepted every client (its end of each exists here)."""
        for client in self.clients:
            if not wait_until(functools.partial(self._accepted, client), PATIENCE, interval=0.005):
                self.room.check()
                raise Fail(
                    f"el cliente {client.name} se conectó y tu servidor no lo aceptó en {seconds(PATIENCE)}"
                    f"{self.room.doing()}: registra el socket que escucha en el selector con EVENT_READ y llama a "
                    "accept() cuando esté listo"
                )

    def _accepted(self, client: _Client) -> bool:
        if client.peer.fd is None:
            client.peer = PeerReader(client.sock)
        return client.peer.fd is not None or not self.room.alive or sys.platform != "linux"

    def say(self, client: _Client, *pieces: bytes) -> None:
        """``client`` sends ``pieces``, each once the server has read the previous one (and the last too)."""
        for piece in pieces:
            self.said.append(_Said(client, piece))
        try:
            send_paced(client.sock, list(pieces), client.peer, lambda: not self.room.alive, wait_last=True)
        except OSError:  # the server stopped reading (or died): what the clients received tells the rest
            pass

    def expected(self, client: _Client, *, echo: bool = False, raw: bool = False) -> bytes:
        """What ``client`` should have received (``echo``: with its own lines too; ``raw``: each piece
        forwarded as it came instead of whole lines)."""
        out, partial = bytearray(), dict[int, bytes]()
        for said in self.said:
            if raw:
                if said.who is not client:
                    out += said.piece
                continue
            buffer = partial.get(id(said.who), b"") + said.piece
            *lines, partial[id(said.who)] = buffer.split(b"\n")
            if said.who is not client or echo:
                out += b"".join(line + b"\n" for line in lines)
        return bytes(out)

    def delivered(self, why: str = "") -> None:
        """Wait until every reading client has what it should; Fail naming the first one that does not."""
        for client in self.clients:
            want = self.expected(client)
            def arrived(c: _Client = client, n: int = len(want)) -> bool:
                return len(c.got()) >= n or c.eof.is_set() or not self.room.alive

            wait_until(arrived, PATIENCE, interval=0.005)
            self.compare(client, client.got(), why)

    def compare(self, client: _Client, got: bytes, why: str = "") -> None:
        want = self.expected(client)
        if got == want:
            return
        self.room.check()
        said = f"el cliente {client.name} recibió {brief(got, 50)}"
        on_track = want.startswith(got[: len(want)])  # what came so far is right (it may be short)
        if not on_track and self.expected(client, echo=True).startswith(got):
            mine = next(s.piece for s in self.said if s.who is client)
            raise Fail(f"el cliente {client.name} recibió su propia línea ({brief(mine, 30)}): reenvía cada línea a "
                       "todos los demás, no a quien la envió")
        raw = self.expected(client, raw=True)
        if not on_track and raw.startswith(got):
            raise Fail(f"{said}: reenviaste cada fragmento en cuanto llegó, sin esperar a su '\\n', y las líneas "
                       "llegaron cortadas o mezcladas. Guarda lo recibido de cada cliente en su búfer de entrada "
                       "y reenvía solo líneas completas")
        if len(got) < len(want) and want.startswith(got) and self.room.waiting_for_events():
            raise Fail(f"el cliente {client.name} recibió solo {len(got)} de los {len(want)} bytes que le tocaban, "
                       f"y tu servidor seguía esperando en {self.room.call()}() sin enviarle más: el resto se perdió. "
                       "send() envía solo lo que cabe y devuelve cuántos; lo demás se queda en el búfer de salida "
                       "para la próxima vez")
        if len(got) < len(want) and want.startswith(got):
            raise Fail(f"el cliente {client.name} recibió solo {len(got)} de los {len(want)} bytes que le tocaban"
                       f"{why}{self.room.doing()}")
        if len(got) < len(want):
            raise Fail(f"el cliente {client.name} recibió {len(got)} de los {len(want)} bytes que le tocaban, y no "
                       "seguidos: faltan trozos por el medio. send() envía solo lo que cabe y devuelve cuántos; "
                       "lo demás se queda en el búfer de salida para la próxima vez")
        if got.startswith(want):
            extra = got[len(want):]
            raise Fail(f"el cliente {client.name} recibió {len(extra)} bytes de más: {brief(extra)}")
        raise Fail(f"{said} y le tocaba {brief(want, 50)}")

    def nonblocking(self) -> None:
        """Fail if the server's end of a client's connection is blocking (Linux does not inherit it from the
        listener): a send() there waits for the client, and the whole server with it."""
        for client in self.clients:
            if self.room.alive and _blocking(client.peer.fd):
                raise Fail(
                    f"la conexión del cliente {client.name} en tu servidor es bloqueante: el socket que devuelve "
                    "accept() no hereda setblocking(False) del que escucha (en Linux). Llama tú a "
                    "con.setblocking(False) tras cada accept(); si no, un send() a un cliente que lee poco deja "
                    "parado a todo el servidor"
                )

    def idle(self) -> None:
        """With nothing pending, the server must sleep in its selector: Fail if it spins (EVENT_WRITE asked
        for a connection with nothing to send: a socket is nearly always writable)."""
        before = self.room.cpu_time()
        time.sleep(IDLE_WINDOW)  # the window the server is watched in: the thing under test
        after = self.room.cpu_time()
        self.room.check()
        if before is not None and after is not None and after - before > IDLE_CPU and self.room.alive:
            raise Fail(
                f"con todo entregado y los clientes callados, tu servidor usó {seconds(after - before, 1)} de CPU "
                f"en {seconds(IDLE_WINDOW, 1)}: da vueltas sin parar. Pide EVENT_WRITE solo para las conexiones "
                "que tengan algo en su búfer de salida (un socket casi siempre se puede escribir, y select() "
                "vuelve al instante) y quítalo (selector.modify) cuando se vacíe"
            )

    def finish(self) -> None:
        """Set ``parar``: the server must return, close its selector, and every client see the end."""
        room = self.room
        room.find_selectors()
        room.parar.set()
        room.thread.join(STOP_PATIENCE)
        if room.alive:
            doing = room.doing()
            room.stop()
            raise Fail(
                f"el corrector puso parar (parar.set()) y tu servidor siguió en marcha {seconds(STOP_PATIENCE)}"
                f"{doing}: "
                "mira parar.is_set() en cada vuelta del bucle y dale un timeout a select() (por ejemplo 0.1) para "
                "que vuelva a mirarlo"
            )
        room.check()
        if room.unclosed_selector():
            raise Fail("tu servidor terminó sin cerrar su selector: al salir, selector.close() (o "
                       "with selectors.DefaultSelector() as selector:), como cualquier otro recurso del sistema")
        for client in self.clients:
            if not client.eof.wait(PATIENCE) and not client.reset:
                raise Fail(f"tu servidor terminó y la conexión del cliente {client.name} siguió abierta: al parar, "
                           "cierra los sockets de todos los clientes")
            self.compare(client, client.got())


def _open(funcion: Callable[..., Any], ctx: Context, names: str, **room: Any) -> tuple[_Script, list[_Client]]:
    """The student's server running, one reading client per letter of ``names`` accepted by it."""
    server = _Room(funcion, ctx, **room)
    clients = [_Client(server, ctx, name) for name in names]
    script = _Script(server, list(clients))
    script.joined()
    return script, clients


# -- 9.2 ---------------------------------------------------------------------------
chat = exercise("9.2", "Un chat con selectors", "servidor_chat")


@chat.case(
    "cada línea llega a todos los demás clientes, y no a quien la envió",
    hint="al recibir una línea completa, añádela al búfer de salida de cada conexión menos la de quien la "
    "envió, y pide EVENT_WRITE para esas conexiones.",
    time_limit=15.0,
)
def _(funcion, ctx):
    script, (a, b, c) = _open(funcion, ctx, "ABC")
    for client, line in ((a, "hola a todos\n"), (b, "hola, A\n"), (c, "¿qué tal?\n")):
        script.say(client, line.encode())
        script.delivered()
    script.finish()


@chat.case(
    "una línea que llega en fragmentos, entrelazada con otra, se reenvía entera",
    hint="un recv() trae un fragmento, no una línea: guarda lo de cada cliente en su búfer de entrada y reenvía "
    "cada línea cuando llega su '\\n' (puede haber varias en un recv()).",
    time_limit=15.0,
)
def _(funcion, ctx):
    script, (a, b, _) = _open(funcion, ctx, "ABC")
    script.say(a, b"hola, ")
    script.say(b, "adiós, ".encode())
    script.say(a, b"mundo\n")
    script.say(b, b"amigo\n")
    script.say(a, b"uno\ndos\n")
    script.delivered()
    script.finish()


@chat.case(
    "un cliente que no lee no frena a los demás, y recibe todo cuando vuelve a leer; sin nada pendiente, no pide "
    "EVENT_WRITE",
    hint="pon cada conexión aceptada en modo no bloqueante y no uses sendall() en el bucle: con un cliente que no "
    "lee, se queda esperando (o lanza BlockingIOError en un socket no bloqueante). Guarda lo pendiente en un "
    "búfer de salida por conexión, pide EVENT_WRITE mientras quede algo y, "
    "cuando esté listo, envía con send() lo que quepa y quita del búfer solo lo que send() devolvió.",
    time_limit=20.0,
)
def _(funcion, ctx):
    room = _Room(funcion, ctx, small_buffers=True)
    a, b = _Client(room, ctx, "A"), _Client(room, ctx, "B")
    lazy = _Client(room, ctx, "C", reads=False, rcvbuf=SMALL_BUFFER)
    script = _Script(room, [a, b, lazy])
    script.joined()
    lines = b"".join(f"{i:05d} ".encode() + bytes([97 + i % 26]) * (LINE_SIZE - 7) + b"\n" for i in range(LINES))
    script.say(a, lines)
    want = script.expected(b)
    wait_until(lambda: len(b.got()) >= len(want) or not room.alive, PATIENCE, interval=0.005)
    try:
        script.compare(b, b.got(), " mientras C no leía: tu servidor dejó de reenviar hasta que C leyera")
    except Fail:
        if room.alive and room.call() != "sendall" and not room.waiting_for_events():
            script.nonblocking()  # stuck in a send that is not sendall(): a blocking socket, the cause to name first
        raise
    script.nonblocking()
    lazy.start_reading()
    script.delivered(" al volver C a leer")
    script.idle()
    script.finish()


@chat.case(
    "un cliente que corta la conexión (RST) o cierra (FIN) no afecta a los demás, y su conexión se cierra",
    hint="recv() lanza ConnectionResetError si el cliente cortó, y devuelve b'' si cerró: en los dos casos quita su "
    "socket del selector y ciérralo; un send() a un cliente que se fue también puede lanzar (BrokenPipeError).",
    time_limit=15.0,
)
def _(funcion, ctx):
    room = _Room(funcion, ctx)
    a, b, y = (_Client(room, ctx, name) for name in "ABY")
    x = _Client(room, ctx, "X", reads=False)  # a socket read by no thread: its close() sends the RST at once
    script = _Script(room, [a, b, x, y])
    script.joined()
    script.say(x, b"me voy sin avisar")
    arm_reset(x.sock)
    x.sock.close()
    script.clients.remove(x)
    if not wait_until(lambda: x.peer.look() == CLOSED or not room.alive, PATIENCE, interval=0.005):
        raise Fail(f"el cliente X cortó la conexión (RST) y tu servidor no cerró su socket en {seconds(PATIENCE)}"
                   f"{room.doing()}: cuando recv() lance ConnectionResetError, quítalo del selector y ciérralo")
    room.check()
    script.say(y, "adiós\n".encode())
    script.delivered()
    y.sock.shutdown(socket.SHUT_WR)
    if not y.eof.wait(PATIENCE):
        room.check()
        raise Fail(f"el cliente Y cerró su lado (FIN) y tu servidor no cerró la conexión en {seconds(PATIENCE)}: "
                   "cuando recv() devuelva b'', quita el socket del selector y ciérralo")
    script.clients.remove(y)
    script.say(a, "¿sigue alguien?\n".encode())
    script.delivered()
    script.finish()


@chat.case(
    "al poner parar, termina enseguida y cierra todas las conexiones y el selector",
    hint="comprueba parar.is_set() en cada vuelta, con select(timeout=0.1); al salir, cierra cada socket de "
    "cliente y el selector.",
    time_limit=15.0,
)
def _(funcion, ctx):
    script, _ = _open(funcion, ctx, "AB")
    script.finish()
