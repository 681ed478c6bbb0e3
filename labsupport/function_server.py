"""A server written as a function in a notebook, run in the background with the course's lifecycle.

Notebook 08 writes its servers as plain functions (the guide's style) and must still never
leave a thread behind, never print from a thread and never wait on luck. The function is
called as ``function(parar, al_arrancar, *args)``:

- ``parar`` is a :class:`threading.Event`; the function returns soon after it is set;
- ``al_arrancar(address)`` is called once the socket listens, so that the notebook gets the
  real port (port 0) by waiting on a queue, never by polling a list with ``sleep``.

An exception that escapes the function ends its thread; it is kept (not printed) and
``check()`` re-raises it in the notebook, like every labsupport server. A program whose
server loop raises ends, and the system closes its sockets: its clients see the connection
cut and new clients are refused. A thread that ends leaves its sockets open instead (a
selector and its map form a reference cycle that only the garbage collector breaks), so the
sockets and selectors the function held in its locals are closed here, and the frames
cleared: the clients notice that the server died, as they would in a real program.
"""

from __future__ import annotations

import queue
import selectors
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from ._address import format_address
from ._errors import LabError, ServerStoppedError
from ._server import _register, _unregister

#: A wait that must not run out (a listening socket takes milliseconds): generous.
START_PATIENCE = 5.0
STOP_PATIENCE = 5.0


class ServerFunctionError(LabError, RuntimeError):
    """The server function never called ``al_arrancar`` (or returned before it)."""


class FunctionServer:
    """Run ``function(parar, al_arrancar, *args)`` in a named thread; stop it with ``stop()``.

    >>> servidor = FunctionServer(servidor_echo_parable, [])     # doctest: +SKIP
    >>> servidor.address                                         # doctest: +SKIP
    ('127.0.0.1', 40123)

    ``stop()`` sets ``parar`` and joins the thread (idempotent; ``with`` and ``lab.stop_all()``
    call it too). ``alive`` says whether the function is still running, ``wait(t)`` waits for
    it to end by itself (a server that crashed), ``errors()`` and ``check()`` give what it raised.
    """

    name = "servidor del cuaderno"

    def __init__(self, function: Callable[..., Any], *args: Any, start_timeout: float = START_PATIENCE) -> None:
        self._created = time.monotonic()
        self.function_name = getattr(function, "__name__", "servidor")
        self._function, self._args = function, args
        self.parar = threading.Event()
        self._started: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._address: tuple | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=f"cuaderno-{self.function_name}", daemon=True)
        _register(self)  # type: ignore[arg-type]  # the registry only needs stop() and _created
        self._thread.start()
        try:
            kind, value = self._started.get(timeout=start_timeout)
        except queue.Empty:
            kind, value = "timeout", None
        if kind != "ok":
            self.stop()
            if kind == "error":
                self._take_errors()
                raise value
            raise ServerFunctionError(
                f"{self.function_name}() no llamó a al_arrancar(dirección) "
                + (f"en {start_timeout:g} s" if kind == "timeout" else "antes de terminar")
                + ": llámala justo después de listen(), con servidor.getsockname()."
            )
        self._address = value

    def _run(self) -> None:
        def al_arrancar(address: Any) -> None:
            self._started.put(("ok", tuple(address)))

        try:
            self._function(self.parar, al_arrancar, *self._args)
        except BaseException as exc:  # a bug in the server must reach check(), not stderr
            _close_what_it_held(exc)
            with self._lock:
                self._errors.append(exc)
            self._started.put(("error", exc))
        else:
            self._started.put(("ended", None))

    # -- lifecycle -------------------------------------------------------------------
    def stop(self, timeout: float = STOP_PATIENCE) -> None:
        """Set ``parar`` and wait for the function to return (it must watch ``parar``)."""
        self.parar.set()
        if self._thread.ident != threading.get_ident():
            self._thread.join(timeout)
        self._stopped = True
        _unregister(self)  # type: ignore[arg-type]

    def wait(self, timeout: float = STOP_PATIENCE) -> bool:
        """Wait until the function ends by itself; True if it did (for a server that crashed)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    running = alive

    def __enter__(self) -> FunctionServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what the notebook reads ------------------------------------------------------
    @property
    def address(self) -> tuple:
        if self._stopped or self._address is None:
            raise ServerStoppedError(
                f"El servidor de {self.function_name}() está detenido: su dirección ya no sirve. "
                "Arranca otro con lab.FunctionServer(...)."
            )
        return self._address

    @property
    def host(self) -> str:
        return self.address[0]

    @property
    def port(self) -> int:
        return self.address[1]

    def errors(self) -> list[BaseException]:
        """What escaped the function (at most one: it ends the thread), not yet re-raised by check()."""
        with self._lock:
            return list(self._errors)

    def _take_errors(self) -> list[BaseException]:
        with self._lock:
            errors, self._errors = self._errors, []
        return errors

    def check(self) -> None:
        """Re-raise, in the caller's thread, the exception that ended the server's thread."""
        errors = self._take_errors()
        if errors:
            raise errors[0]

    def __repr__(self) -> str:
        state = "en marcha" if self.alive else ("detenido" if self._stopped else "terminado")
        where = format_address(self._address) if self._address else "sin dirección"
        return f"<FunctionServer {self.function_name}() {where} {state}>"


def _close_what_it_held(error: BaseException) -> None:
    """Close the sockets and selectors in the locals of ``error``'s frames, then clear the frames."""
    tb = error.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in frames[1:]:  # frames[0] is _run's own, still running
        for value in list(frame.f_locals.values()):
            if isinstance(value, selectors.BaseSelector):
                try:
                    keys = list(value.get_map().values())
                except (RuntimeError, ValueError):  # already closed
                    keys = []
                for key in keys:
                    if isinstance(key.fileobj, socket.socket):
                        key.fileobj.close()
                value.close()
            elif isinstance(value, socket.socket):
                value.close()
    del frames
    traceback.clear_frames(error.__traceback__)
