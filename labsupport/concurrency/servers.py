"""The three echo servers that notebook 09 compares: a thread per client, selectors, asyncio.

All three answer each chunk they read with ``prefix + chunk`` (``b"Echo: "``; ``prefix=b""`` gives
a plain echo, which the measurements use so a client can count bytes), run in the background
with the course's lifecycle (``stop()``, ``with``, ``lab.stop_all()``, ``check()``) and never
print. What differs is what each costs per client:

- :func:`threaded` is :class:`~labsupport.echo.EchoServer`: one thread per connection;
- :class:`SelectorEchoServer` is one thread with a selector, an output buffer per connection,
  ``EVENT_WRITE`` only while something is pending, and backpressure (a client whose buffer
  passes ``LIMIT`` is not read until it drains), plus a close for clients idle too long;
- :class:`AsyncioEchoServer` is one thread running its own asyncio loop, with
  :func:`~labsupport.concurrency.aio.echo` as the handler (``drain()`` is its backpressure).
"""

from __future__ import annotations

import asyncio
import selectors
import socket
import time
from typing import Any

from .._address import format_address
from .._server import BackgroundServer
from ..echo import PREFIX, EchoServer
from ..events import EventKind
from .aio import Connections, echo

#: With this much pending for a client, the server stops reading it (backpressure).
LIMIT = 64 * 1024
#: A client silent for longer is closed: a server must not hold idle connections for ever.
IDLE_TIMEOUT = 60.0
#: Connections served at once: above what the measurements open (1 000), bounded.
MAX_CONNECTIONS = 2048


def threaded(host: str = "127.0.0.1", port: int = 0, *, prefix: bytes = PREFIX, **kwargs: Any) -> EchoServer:
    """A thread per client (:class:`~labsupport.echo.EchoServer`), with room for the measurements."""
    kwargs.setdefault("max_connections", MAX_CONNECTIONS)
    kwargs.setdefault("timeout", IDLE_TIMEOUT)
    return EchoServer(host, port, prefix=prefix, **kwargs)


class _Client:
    """What the selectors server keeps for each connection."""

    __slots__ = ("closing", "events", "last", "out", "peer")

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.out = bytearray()  # the output buffer: what the socket has not taken yet
        self.closing = False  # the client sent FIN: send what is pending, then close
        self.last = time.monotonic()
        self.events = selectors.EVENT_READ  # what the selector watches for it now


class SelectorEchoServer(BackgroundServer):
    """One thread, one selector: non-blocking sockets, an output buffer per connection."""

    name = "servidor de eco con selectors"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        prefix: bytes = PREFIX,
        idle_timeout: float = IDLE_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        **kwargs: Any,
    ) -> None:
        self.prefix = prefix
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self._clients: dict[socket.socket, _Client] = {}
        super().__init__(host, port, **kwargs)

    @property
    def active_connections(self) -> int:
        return len(self._clients)

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._sock, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        # idle clients are looked for a few times per idle_timeout, not after every wake-up: with
        # 1,000 busy clients a sweep per select() would cost more than serving them
        sweep_every = min(1.0, self.idle_timeout) / 4
        next_sweep = time.monotonic() + sweep_every
        try:
            while not self._stopping.is_set():
                for key, ready in selector.select(timeout=min(1.0, self.idle_timeout)):
                    if key.fileobj is self._wake_r:
                        return
                    if key.fileobj is self._sock:
                        self._accept(selector)
                    else:
                        self._serve_client(selector, key.fileobj, ready)  # type: ignore[arg-type]
                if (now := time.monotonic()) >= next_sweep:
                    self._close_idle(selector)
                    next_sweep = now + sweep_every
        except BaseException as exc:  # a bug in the loop must reach check(), not stderr
            self._record_error(exc)
        finally:
            selector.close()

    def _accept(self, selector: selectors.BaseSelector) -> None:
        try:
            conn, addr = self._sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        peer = format_address(addr)
        if len(self._clients) >= self.max_connections:
            self._log(EventKind.REFUSED, peer, f"más de {self.max_connections} conexiones")
            conn.close()
            return
        conn.setblocking(False)
        self._clients[conn] = _Client(peer)
        selector.register(conn, selectors.EVENT_READ)
        self._log(EventKind.CONNECT, peer)

    def _serve_client(self, selector: selectors.BaseSelector, conn: socket.socket, ready: int) -> None:
        client = self._clients[conn]
        try:
            if ready & selectors.EVENT_READ:
                data = conn.recv(65536)
                client.last = time.monotonic()
                if data:
                    client.out += self.prefix + data
                else:
                    client.closing = True
            if client.out and ready & selectors.EVENT_WRITE:
                del client.out[: conn.send(client.out)]  # only what the socket takes now
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:  # the client cut the connection: nothing left to send to it
            self._log(EventKind.NETWORK_ERROR, client.peer, f"{type(exc).__name__}: {exc}")
            client.out.clear()
            client.closing = True
        events = selectors.EVENT_WRITE if client.out else 0
        if not client.closing and len(client.out) < LIMIT:
            events |= selectors.EVENT_READ
        if events and events != client.events:  # tell the selector only what changed
            selector.modify(conn, events)
            client.events = events
        elif not events:  # FIN received and everything sent: the orderly close
            self._drop(selector, conn)

    def _close_idle(self, selector: selectors.BaseSelector) -> None:
        now = time.monotonic()
        for conn, client in list(self._clients.items()):
            if now - client.last > self.idle_timeout:
                self._log(EventKind.TIMEOUT, client.peer, f"sin datos en {self.idle_timeout} s")
                self._drop(selector, conn)

    def _drop(self, selector: selectors.BaseSelector, conn: socket.socket) -> None:
        client = self._clients.pop(conn)
        selector.unregister(conn)
        conn.close()
        self._log(EventKind.CLOSE, client.peer)

    def _close_clients(self) -> None:  # after the thread ended: the connections are ours to close
        for conn in list(self._clients):
            conn.close()
        self._clients.clear()


class AsyncioEchoServer(BackgroundServer):
    """One thread running its own asyncio loop: ``asyncio.start_server`` with the echo handler.

    Its own loop, not Jupyter's: a measurement's clients run synchronously in the notebook's
    thread, which would leave Jupyter's loop (and a server in it) waiting for the cell to end.
    """

    name = "servidor de eco con asyncio"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, prefix: bytes = PREFIX, **kwargs: Any) -> None:
        self.prefix = prefix
        self.connections: Connections | None = None
        super().__init__(host, port, **kwargs)

    @property
    def active_connections(self) -> int:
        return len(self.connections.tasks) if self.connections is not None else 0

    def _serve(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # a bug in the loop must reach check(), not stderr
            self._record_error(exc)

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        # stop() writes to the wake socket; sock_recv (not add_reader) also works on Windows' proactor loop
        self._wake_r.setblocking(False)
        woken = loop.create_task(loop.sock_recv(self._wake_r, 1))

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await echo(reader, writer, self.prefix)

        self.connections = Connections(handler, self._record_error)
        server = await asyncio.start_server(self.connections, sock=self._sock, limit=65536)
        try:
            await woken
        finally:
            woken.cancel()
            server.close()
            self.connections.cancel()
            await self.connections.wait()
            await server.wait_closed()
