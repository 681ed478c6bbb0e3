"""An asyncio server that runs inside the event loop that is already running (Jupyter's).

In an IPython kernel the cell itself runs in an asyncio loop, so top-level ``await`` works and
``await asyncio.start_server(...)`` serves in that loop, without a thread. Two things then go
wrong in a notebook, and this module is the pattern that avoids them:

- **stopping**: ``server.close()`` closes only the listening socket. The task of each connected
  client keeps running (an idle client keeps its task waiting in ``read`` for ever), and from
  Python 3.12 on ``await server.wait_closed()`` waits for those connections: it hangs while a
  client stays connected. So every connection's task and writer are tracked, and stopping
  cancels the tasks, closes their transports, closes the server and then awaits all of it.
- **printing**: an exception in a handler is logged by asyncio to stderr, in whatever cell runs.
  The handler is wrapped: network errors of a client are the client's business, any other
  exception is kept for ``check()``, as every labsupport server does.

``lab.stop_all()`` is synchronous and runs *inside* a cell, while the loop is busy running
that cell, so it cannot await anything. Its part (:meth:`AsyncServer.stop`) is what can be
done at once: the listening socket is closed, each connection is shut down (the client sees
the close immediately) and aborted, each task is cancelled. The loop finishes the job on its
next turns (the cancelled tasks end, the transports release their sockets), which is as soon as
the cell ends; ``await server.aclose()`` (or :func:`settle`) waits for exactly that, bounded.

The same :class:`Connections` tracking serves :class:`~labsupport.concurrency.servers.AsyncioEchoServer`,
which runs its own loop in a thread for the measurements.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from .._address import format_address
from .._errors import ServerStoppedError
from .._server import _register, _unregister

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[Any]]
#: A wait that must not run out (cancelled tasks end in one turn of the loop): generous.
PATIENCE = 5.0
#: What a client can do to a connection: its errors end the connection, they are not the server's bugs.
CLIENT_ERRORS = (
    ConnectionError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    TimeoutError,
    asyncio.TimeoutError,  # the same class from Python 3.11 on; another one in 3.10
)

_servers: weakref.WeakSet[AsyncServer] = weakref.WeakSet()


class Connections:
    """The task and the writer of every connection of one asyncio server: what a stop must end."""

    def __init__(self, handler: Handler, on_error: Callable[[BaseException], None]) -> None:
        self._handler = handler
        self._on_error = on_error
        self.tasks: set[asyncio.Task[Any]] = set()
        self.writers: set[asyncio.StreamWriter] = set()
        #: every connection's socket, kept until it is really closed (its fileno() is then -1)
        self._sockets: list[Any] = []
        self.served = 0
        self.stopping = False

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The callback given to ``asyncio.start_server``: runs the handler, tracked and silent."""
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        self.writers.add(writer)
        self._sockets.append(writer.get_extra_info("socket"))
        self.served += 1
        try:
            await self._handler(reader, writer)
        except CLIENT_ERRORS:
            pass  # the client went away or misbehaved: its connection ends, the server goes on
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            # cancelled by cancel(): end normally. (Python 3.11's start_server calls exception() on
            # the task when it ends, which raises for a cancelled task and prints a traceback.)
        except Exception as exc:  # a bug in the handler: kept for check(), never printed
            self._on_error(exc)
        finally:
            writer.close()  # the transport closes on the loop's next turn
            self.writers.discard(writer)
            if task is not None:
                self.tasks.discard(task)

    def cancel(self) -> None:
        """End every connection now: shut each socket down (the client sees it at once), abort, cancel."""
        self.stopping = True
        for writer in list(self.writers):
            sock = writer.get_extra_info("socket")
            try:
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            writer.transport.abort()
        for task in list(self.tasks):
            task.cancel()

    async def wait(self, timeout: float = PATIENCE) -> bool:
        """Wait (bounded) until every task ended and every socket is closed; whether they did."""
        deadline = time.monotonic() + timeout
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=timeout)
        while self.open_sockets() and time.monotonic() < deadline:
            await asyncio.sleep(0)  # one turn of the loop: the transports close their sockets in it
        return not self.tasks and not self.open_sockets()

    def open_sockets(self) -> int:
        """How many connection sockets are not closed yet."""
        self._sockets = [s for s in self._sockets if s is not None and s.fileno() != -1]
        return len(self._sockets)


class AsyncServer:
    """A TCP server with asyncio streams in the running loop; ``handler(reader, writer)`` per client.

    Create it with ``await serve(handler)`` (or ``await AsyncServer.start(...)``), inside a
    running loop: a notebook cell with top-level ``await``. ``await server.aclose()`` (or
    ``async with``) stops it and waits until nothing is left; ``stop()`` is the synchronous part
    that ``lab.stop_all()`` calls. ``pending()`` counts the tasks and sockets still alive.
    """

    name = "servidor asyncio"

    def __init__(self) -> None:  # use start(): a server needs the loop, and awaiting, to exist
        self._created = time.monotonic()
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._address: tuple = ("", 0)
        self._errors: list[BaseException] = []
        self._stopped = False
        self.connections = Connections(self._noop, self._errors.append)

    @staticmethod
    async def _noop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        return None

    @classmethod
    async def start(cls, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> AsyncServer:
        """Listen on ``host:port`` (loopback, port 0: the system picks) in the running loop."""
        self = cls()
        self.connections = Connections(handler, self._errors.append)
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._server = await asyncio.start_server(self.connections, host, port)
        self._address = self._server.sockets[0].getsockname()[:2]
        _register(self)  # type: ignore[arg-type]  # the registry only needs stop() and _created
        _servers.add(self)
        return self

    # -- lifecycle -------------------------------------------------------------------
    def stop(self) -> None:
        """Close the listening socket and end every connection now; the loop finishes on its next turn.

        Idempotent; ``lab.stop_all()`` calls it. From another thread it asks the loop to do it.
        """
        if self._stopped:
            return
        self._stopped = True
        _unregister(self)  # type: ignore[arg-type]
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self._stop_now()
        else:
            loop.call_soon_threadsafe(self._stop_now)

    def _stop_now(self) -> None:
        if self._server is not None:
            self._server.close()  # the listening socket is closed here and now
        self.connections.cancel()

    async def aclose(self, timeout: float = PATIENCE) -> bool:
        """Stop and wait (bounded) until no task and no socket of this server is left; whether none is."""
        self.stop()
        done = await self.connections.wait(timeout)
        if self._server is not None:  # every connection ended: wait_closed() can no longer hang
            await asyncio.wait_for(self._server.wait_closed(), timeout)
        return done

    def pending(self) -> int:
        """Tasks of connections still running plus connection sockets still open (0: nothing left)."""
        listening = 0 if self._server is None or not self._server.is_serving() else 1
        return listening + len(self.connections.tasks) + self.connections.open_sockets()

    @property
    def running(self) -> bool:
        return not self._stopped

    async def __aenter__(self) -> AsyncServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- what the notebook reads -------------------------------------------------------
    @property
    def address(self) -> tuple:
        if self._stopped:
            raise ServerStoppedError(
                f"Este {self.name} está detenido: su dirección ya no sirve. Crea uno nuevo con lab.concurrency.serve()."
            )
        return self._address

    @property
    def host(self) -> str:
        return str(self.address[0])

    @property
    def port(self) -> int:
        return int(self.address[1])

    def errors(self) -> list[BaseException]:
        """Exceptions raised by the handler (not by clients' network errors), not yet re-raised."""
        return list(self._errors)

    def check(self) -> None:
        """Re-raise the first exception a handler raised."""
        errors, self._errors[:] = list(self._errors), []
        if errors:
            raise errors[0]

    def __repr__(self) -> str:
        state = "detenido" if self._stopped else "en marcha"
        return f"<AsyncServer {format_address(self._address)} {state}>"


async def serve(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> AsyncServer:
    """``await serve(handler)``: an :class:`AsyncServer` listening in the running loop."""
    return await AsyncServer.start(handler, host, port)


async def settle(timeout: float = PATIENCE) -> int:
    """Wait (bounded) until the asyncio servers of this loop that were stopped left nothing; what is left.

    After ``lab.stop_all()`` in one cell, ``await settle()`` in the next shows that the cancelled
    tasks ended and the sockets are closed: it returns 0.
    """
    loop = asyncio.get_running_loop()
    mine = [s for s in list(_servers) if s._loop is loop]
    left = 0
    for server in mine:
        if not server.running:
            await server.aclose(timeout)
        left += server.pending()
    return left


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, prefix: bytes = b"Echo: ") -> None:
    """The echo handler: each chunk read goes back as ``prefix + chunk``, with ``drain()`` (backpressure)."""
    while data := await reader.read(65536):
        writer.write(prefix + data)
        await writer.drain()  # waits while the client does not read: the server stops reading it too
