"""One lifecycle for every server the course runs in the background.

Notebooks start many small servers and must never leave one behind, never print from a
thread (the text would land in whatever cell runs next) and never hang. So every server:

- binds loopback, port 0 by default, and reads the real port back (no "find a free port,
  then bind" race);
- owns one named accept thread, woken through a socket pair so that ``stop()`` takes
  milliseconds on every operating system;
- runs each connection in its own short-lived thread, with a socket timeout and a cap on
  how many run at once;
- records what happens in a bounded, thread-safe log and keeps exceptions raised by its
  handler threads for ``check()`` to re-raise in the notebook;
- is stopped by ``stop()`` (idempotent), by ``with``, by ``stop_all()`` or at exit.
"""

from __future__ import annotations

import atexit
import collections
import dataclasses
import errno
import selectors
import socket
import sys
import threading
import time
from typing import Any

from ._address import format_address, no_ipv6_error, resolve_host
from ._errors import ServerStoppedError
from ._loopback import ensure_loopback
from .events import EventKind

#: How long ``stop()`` waits, in all, for handler threads to end after their sockets are shut
#: down: a wait that must not run out (they end in milliseconds), so it is generous.
STOP_PATIENCE = 5.0
#: Bound on ``refuse()``, which runs in the accept thread: a short answer (a 503) fits in any
#: send buffer at once, so this only fires for a refuse() that would block, and must be short.
REFUSE_TIMEOUT = 0.5

_registry_lock = threading.Lock()
_running: set[BackgroundServer] = set()
_atexit_registered = False


def stop_all() -> int:
    """Stop every server still running in this process; return how many were stopped."""
    with _registry_lock:
        servers = list(_running)
    for server in servers:
        server.stop()
    return len(servers)


def running_servers() -> list[BackgroundServer]:
    """The servers of this process that have not been stopped yet."""
    with _registry_lock:
        return sorted(_running, key=lambda s: s._created)


def _register(server: BackgroundServer) -> None:
    global _atexit_registered
    with _registry_lock:
        _running.add(server)
        if not _atexit_registered:  # registered on first use: importing has no side effects
            atexit.register(stop_all)
            _atexit_registered = True


def _unregister(server: BackgroundServer) -> None:
    with _registry_lock:
        _running.discard(server)


@dataclasses.dataclass(frozen=True)
class Event:
    """One thing a server saw: when (seconds since it started), what, with whom.

    ``kind`` is an :class:`~labsupport.events.EventKind`, equal to its string (``"connect"``).
    """

    time: float
    kind: EventKind
    peer: str = ""
    detail: str = ""


class BackgroundServer:
    """Base of every labsupport server: bind, owned thread, log, errors, stop.

    Subclasses set ``socktype`` and implement ``_on_readable()``; most derive from
    :class:`StreamServer` or :class:`DatagramServer` instead.
    """

    #: Spanish name used in tables and messages.
    name = "servidor"
    socktype = socket.SOCK_STREAM
    #: Events kept in the log; older ones are dropped so a classroom server never grows.
    log_size = 10_000

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        start: bool = True,
        allow_external: bool = False,
    ) -> None:
        self._created = time.monotonic()
        self._host, self.family = resolve_host(host, allow_external=allow_external)
        self._lock = threading.Lock()
        self._events: collections.deque[Event] = collections.deque(maxlen=self.log_size)
        self._errors: list[BaseException] = []
        self._state = "new"
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock = self._bind(port)
        self._port = self._sock.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        if start:
            self.start()

    # -- binding -------------------------------------------------------------------
    def _bind(self, port: int) -> socket.socket:
        ensure_loopback()  # once per process: a machine where 127.0.0.1 cannot connect is told so here
        try:
            sock = socket.socket(self.family, self.socktype)
        except OSError as exc:
            if self.family == socket.AF_INET6:
                raise no_ipv6_error(exc) from exc
            raise
        try:
            if port:
                _allow_fast_rebind(sock)
            sock.bind((self._host, port))
            if self.socktype == socket.SOCK_STREAM:
                sock.listen(self.backlog())
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            if self.family == socket.AF_INET6 and exc.errno in (
                errno.EADDRNOTAVAIL,
                errno.EAFNOSUPPORT,
            ):
                raise no_ipv6_error(exc) from exc
            raise
        return sock

    def backlog(self) -> int:
        """Length of the accept queue passed to ``listen()``."""
        return 128

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> BackgroundServer:
        """Start serving in the background (done on creation unless ``start=False``)."""
        with self._lock:
            if self._state == "running":
                return self
            if self._state != "new":
                raise ServerStoppedError(
                    f"Este {self.name} ya se detuvo y no puede volver a arrancar: su puerto "
                    "puede ser ya de otro programa. Crea uno nuevo."
                )
            self._state = "running"
        self._thread = threading.Thread(
            target=self._serve,
            name=f"labsupport-{type(self).__name__}-{self._port}",
            daemon=True,
        )
        _register(self)
        self._log(EventKind.START, "", format_address((self._host, self._port)))
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end open connections, join the threads, close the sockets.

        Safe to call twice, from ``with``, from ``stop_all()`` and at exit.
        """
        with self._lock:
            if self._state in ("stopping", "stopped"):
                return
            self._state = "stopping"
        self._stopping.set()
        if self._thread is not None:
            try:
                self._wake_w.send(b"x")
            except OSError:
                pass
            self._thread.join()
        self._close_clients()
        for sock in (self._sock, self._wake_r, self._wake_w):
            sock.close()
        with self._lock:
            self._state = "stopped"
        self._log(EventKind.STOP)
        _unregister(self)

    def _close_clients(self) -> None:
        """Hook: end whatever per-connection work is still running."""

    @property
    def running(self) -> bool:
        return self._state == "running"

    def __enter__(self) -> BackgroundServer:
        if self._state == "new":
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the accept thread ---------------------------------------------------------
    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._sock, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r:
                        return
                    try:
                        self._on_readable()
                    except (BlockingIOError, InterruptedError):
                        continue
        except BaseException as exc:  # a bug in the loop must reach check(), not stderr
            self._record_error(exc)
        finally:
            selector.close()

    def _on_readable(self) -> None:
        raise NotImplementedError

    # -- what the notebook reads ---------------------------------------------------
    def _require_running(self) -> None:
        if self._state in ("stopping", "stopped"):
            raise ServerStoppedError(
                f"Este {self.name} está detenido: su dirección ya no sirve. "
                f"Crea uno nuevo (por ejemplo con {_public_name(type(self))}())."
            )

    @property
    def host(self) -> str:
        self._require_running()
        return self._host

    @property
    def port(self) -> int:
        self._require_running()
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)``, ready for ``connect()``."""
        self._require_running()
        return (self._host, self._port)

    def _log(self, kind: EventKind, peer: str = "", detail: str = "") -> None:
        self._events.append(Event(round(time.monotonic() - self._created, 6), kind, peer, detail))

    def log(self) -> list[Event]:
        """A copy of what the server recorded, oldest first."""
        return list(self._events)

    def clear_log(self) -> None:
        self._events.clear()

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)
        self._log(EventKind.ERROR, "", f"{type(exc).__name__}: {exc}")

    def errors(self) -> list[BaseException]:
        """Exceptions raised in the server's threads and not yet re-raised by ``check()``."""
        with self._lock:
            return list(self._errors)

    def check(self) -> None:
        """Re-raise, in the caller's thread, the first exception a server thread raised."""
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            first = errors[0]
            if len(errors) > 1 and hasattr(first, "add_note"):
                first.add_note(f"(y {len(errors) - 1} error(es) más en el {self.name})")
            raise first

    def sleep(self, seconds: float) -> bool:
        """Wait in a handler; return False early if the server is stopping."""
        return not self._stopping.wait(seconds)

    def __repr__(self) -> str:
        state = {"new": "sin arrancar", "running": "en marcha"}.get(self._state, "detenido")
        where = format_address((self._host, self._port))
        return f"<{type(self).__name__} {where} {state}>"


def _public_name(cls: type) -> str:
    """How a notebook spells ``cls``: ``lab.EchoServer``, ``lab.faults.Reset``, or its bare name."""
    name = cls.__name__
    for path in ("labsupport", "labsupport.faults", "labsupport.http", "labsupport.tap"):
        module = sys.modules.get(path)
        if module is not None and getattr(module, name, None) is cls:
            return "lab" + path.removeprefix("labsupport") + "." + name
    return name


def _allow_fast_rebind(sock: socket.socket) -> None:
    """For fixed ports: rebind right after a restart, without letting two servers share a port.

    POSIX ``SO_REUSEADDR`` only skips TIME_WAIT; on Windows the same option would let a second
    process steal the port, so there ``SO_EXCLUSIVEADDRUSE`` is the safe choice.
    """
    if sys.platform == "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined]
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)


class StreamServer(BackgroundServer):
    """A TCP server: one thread per connection, each with a timeout, at most N at once.

    Subclasses implement ``handle(conn, peer)``. A connection over the cap goes to
    ``refuse(conn)`` (closed by default; HTTP answers 503). A timeout or a network error
    of a client is logged; any other exception is a bug and is kept for ``check()``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        timeout: float = 5.0,
        max_connections: int = 64,
        **kwargs: Any,
    ) -> None:
        self.timeout = timeout
        self.max_connections = max_connections
        self._conns: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        super().__init__(host, port, **kwargs)

    @property
    def active_connections(self) -> int:
        with self._lock:
            return len(self._conns)

    def _on_readable(self) -> None:
        conn, addr = self._sock.accept()
        peer = format_address(addr)
        with self._lock:
            accept = self._state == "running" and len(self._conns) < self.max_connections
            if accept:
                self._conns.add(conn)
        if not accept:
            self._log(EventKind.REFUSED, peer, f"más de {self.max_connections} conexiones")
            conn.settimeout(REFUSE_TIMEOUT)
            try:
                self.refuse(conn)
            except OSError:
                pass
            finally:
                conn.close()
            return
        conn.settimeout(self.timeout)
        self._log(EventKind.CONNECT, peer)
        thread = threading.Thread(
            target=self._run_handler, args=(conn, addr), name=f"{threading.current_thread().name}-{peer}", daemon=True
        )
        with self._lock:
            self._handlers.add(thread)
        thread.start()

    def _run_handler(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        try:
            self.handle(conn, addr)
        except TimeoutError:
            self._log(EventKind.TIMEOUT, peer, f"sin datos en {self.timeout} s")
        except OSError as exc:  # the client reset, or stop() shut the socket down
            if not self._stopping.is_set():
                self._log(EventKind.NETWORK_ERROR, peer, f"{type(exc).__name__}: {exc}")
        except BaseException as exc:
            self._record_error(exc)
        finally:
            with self._lock:
                self._conns.discard(conn)
                self._handlers.discard(threading.current_thread())
            conn.close()
            self._log(EventKind.CLOSE, peer)

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        raise NotImplementedError

    def refuse(self, conn: socket.socket) -> None:
        """Called for a connection over the cap, just before it is closed."""

    def _close_clients(self) -> None:
        with self._lock:
            conns = list(self._conns)
            handlers = list(self._handlers)
        for conn in conns:  # wakes a handler blocked in recv(); the handler closes it
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # A handler ends as soon as its socket is shut down; the deadline (one for all,
        # generous) only bounds stop() against a handler that ignores it, e.g. one that sleeps.
        deadline = time.monotonic() + STOP_PATIENCE
        for thread in handlers:
            thread.join(timeout=max(deadline - time.monotonic(), 0.0))


class DatagramServer(BackgroundServer):
    """A UDP server: each datagram is answered in the server's own thread.

    Subclasses implement ``handle_datagram(data, peer)`` and return the reply (or None).
    """

    socktype = socket.SOCK_DGRAM
    max_datagram = 65_535

    def _on_readable(self) -> None:
        data, addr = self._sock.recvfrom(self.max_datagram)
        peer = format_address(addr)
        self._log(EventKind.DATAGRAM, peer, f"{len(data)} bytes")
        try:
            reply = self.handle_datagram(data, addr)
        except Exception as exc:
            self._record_error(exc)
            return
        if reply is not None:
            try:
                self._sock.sendto(reply, addr)
            except OSError as exc:
                self._log(EventKind.NETWORK_ERROR, peer, f"{type(exc).__name__}: {exc}")

    def handle_datagram(self, data: bytes, addr: tuple) -> bytes | None:
        raise NotImplementedError
