"""The course's scripts (or any Python file) as separate processes, driven from a notebook in one line.

Everything else in the course runs inside the Jupyter kernel. To see two real programs talk (and
their connection from the outside, with two process ids), a notebook starts them as processes:

>>> servidor = lab.programs.start("servidor_echo")                      # doctest: +SKIP
>>> cliente = lab.programs.start("cliente_interactivo", "--puerto", servidor.address[1])  # doctest: +SKIP
>>> cliente.send_line("hola"); cliente.wait_for("^Servidor:")           # doctest: +SKIP
'Servidor: Echo: hola'
>>> servidor.stop()                                                      # doctest: +SKIP
0

Why it is built this way:

- every wait is bounded: the "ready" line, a line the notebook waits for, a write to the program's
  input, its end. A wait that must not run out is generous (seconds); a program that misses a
  deadline is stopped and a Spanish :class:`ProgramError` says what it printed;
- the output is read by a thread into a bounded buffer, so a program that prints a lot never blocks
  on a full pipe and the notebook never blocks on an empty one; :meth:`Program.wait_for` matches
  complete lines, so a line is never seen half-written;
- the program runs in its own session (POSIX) or process group (Windows): Ctrl+C in the notebook
  does not reach it, and :meth:`Program.stop` ends the whole tree: SIGTERM (CTRL_BREAK_EVENT on
  Windows), a wait, then a kill at the deadline, plus any descendant still alive (psutil);
- programs join the servers' registry, so ``lab.stop_all()`` and the exit of the kernel stop them;
  and the course's scripts also stop when their input pipe closes, which happens even when the
  kernel dies without running ``atexit``.
"""

from __future__ import annotations

import codecs
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from . import scripts
from ._errors import LabError
from ._server import _register, _unregister

__all__ = ["Program", "ProgramError", "start"]

#: Waits that must not run out (a Python start with imports, a reply on loopback): generous.
START_PATIENCE = 10.0
WAIT_PATIENCE = 10.0
STOP_PATIENCE = 5.0
#: Characters of output kept (the oldest lines are dropped beyond it) and the longest line kept whole.
MAX_OUTPUT = 1_000_000
MAX_LINE = 65_536
#: Characters of output quoted in an error message.
QUOTED = 1_500

_COURSE = "course"  # sentinel: the course script's own ready line, or none for any other file


class ProgramError(LabError, RuntimeError):
    """A program did not do what the notebook waited for in time (or had already ended)."""


def start(
    program: str | os.PathLike[str],
    *args: object,
    ready: str | re.Pattern[str] | None = _COURSE,
    timeout: float = START_PATIENCE,
    cwd: str | os.PathLike[str] | None = None,
) -> Program:
    """Start ``program`` as a separate Python process and, if it announces readiness, wait for it.

    ``program`` is a course script by name (``"servidor_echo"``, ``"cliente_interactivo"``) or the
    path of any Python file; ``args`` go on its command line (numbers are turned into text).
    ``ready`` is a regular expression of the line that says it is ready (a named group ``address``
    gives :attr:`Program.address`, ``local`` :attr:`Program.local_address`); by default the course
    script's own, and for another file none (no wait). If the line does not come within ``timeout``
    seconds, or the program ends first, it is stopped and :class:`ProgramError` says what it printed.
    """
    label, path = _resolve(program)
    if ready is _COURSE:
        ready = scripts.READY.get(label) if path == scripts.path(label) else None
    proc = Program([sys.executable, "-u", str(path), *map(str, args)], label=label, cwd=cwd)
    if ready is not None:
        proc._wait_ready(ready, timeout)
    return proc


def _resolve(program: str | os.PathLike[str]) -> tuple[str, Path]:
    """(label, file) for a course script's name or a file's path; a Spanish error for anything else."""
    name = os.fspath(program)
    if name in scripts.READY:
        return name, scripts.path(name)
    path = Path(name)
    if path.is_file():
        return path.stem, path.resolve()
    known = ", ".join(sorted(scripts.READY))
    raise ProgramError(
        f"No encuentro el programa {name!r}: no es un programa del curso ({known}) ni un archivo que "
        f"exista (se busca desde la carpeta {Path.cwd()}). Comprueba el nombre o da la ruta completa del .py."
    )


class Program:
    """A Python program running as a separate process: its output, its input, its end.

    ``pid``, ``output()`` (all it printed so far, stdout and stderr together, as in a terminal),
    ``wait_for(pattern)`` (the next complete line that matches), ``send_line(text)``,
    ``close_input()``, ``wait(timeout)`` (its exit code if it ends by itself), ``stop(timeout)``
    (idempotent; ``with``, ``lab.stop_all()`` and the kernel's exit call it), ``address`` and
    ``local_address`` (the ones it announced in its ready line).
    """

    #: Spanish name used in messages.
    name = "programa"

    def __init__(self, command: list[str], *, label: str, cwd: str | os.PathLike[str] | None = None) -> None:
        self._created = time.monotonic()
        self.label = label
        self.command = command
        self.killed = False
        self._ready: re.Match[str] | None = None
        self._cond = threading.Condition()
        self._lines: list[str] = []           # complete lines, oldest first (some may be dropped)
        self._dropped = 0                     # lines dropped from the front to keep MAX_OUTPUT
        self._kept = 0                        # characters in self._lines
        self._tail = ""                       # the line being written (no newline yet)
        self._cursor = 0                      # absolute number of the first line wait_for has not seen
        self._eof = False
        self._stopped = False
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=_child_environment(),
            **_own_group(),
        )
        self.pid = self._proc.pid
        _register(self)  # type: ignore[arg-type]  # the registry only needs stop() and _created
        assert self._proc.stdout is not None
        self._reader = threading.Thread(
            target=self._read, args=(self._proc.stdout,), name=f"labsupport-programa-{label}-{self.pid}", daemon=True
        )
        self._reader.start()

    # -- output ----------------------------------------------------------------------------------
    def _read(self, pipe: IO[bytes]) -> None:
        """The reader thread: everything the program prints, into the buffer, until end of file."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            while chunk := pipe.read1(4096):  # type: ignore[attr-defined]  # a BufferedReader
                self._add(decoder.decode(chunk))
        except (OSError, ValueError):  # the pipe was closed under us: nothing more to read
            pass
        finally:
            self._add(decoder.decode(b"", final=True), final=True)
            pipe.close()
        if self.wait(STOP_PATIENCE) is not None:  # it ended by itself: no longer one of the running ones
            self._release()

    def _add(self, text: str, final: bool = False) -> None:
        with self._cond:
            *complete, self._tail = (self._tail + text.replace("\r\n", "\n")).split("\n")
            if final and self._tail:
                complete, self._tail = [*complete, self._tail], ""
            while len(self._tail) > MAX_LINE:  # a line without end is kept, in pieces
                complete.append(self._tail[:MAX_LINE])
                self._tail = self._tail[MAX_LINE:]
            self._lines.extend(complete)
            self._kept += sum(len(line) + 1 for line in complete)
            if self._kept > MAX_OUTPUT:  # drop a quarter at once: one copy per many lines, not per line
                drop, freed = 0, 0
                while drop < len(self._lines) - 1 and self._kept - freed > MAX_OUTPUT * 3 // 4:
                    freed += len(self._lines[drop]) + 1
                    drop += 1
                del self._lines[:drop]
                self._kept -= freed
                self._dropped += drop
            self._eof = self._eof or final
            self._cond.notify_all()

    def output(self) -> str:
        """What the program printed so far (stdout and stderr, in order), as one text."""
        with self._cond:
            head = f"[… {self._dropped} líneas anteriores descartadas …]\n" if self._dropped else ""
            body = "".join(line + "\n" for line in self._lines)
            return head + body + self._tail

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = WAIT_PATIENCE) -> str:
        """The next complete line (not seen by an earlier wait) that matches ``pattern``: ``re.search``.

        Waits at most ``timeout`` seconds; if the program ends or the time runs out first,
        :class:`ProgramError` says so with what it printed. The program keeps running either way.
        """
        return self._expect(pattern, timeout).string

    def _expect(self, pattern: str | re.Pattern[str], timeout: float) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._cursor = max(self._cursor, self._dropped)
                for number in range(self._cursor, self._dropped + len(self._lines)):
                    found = regex.search(self._lines[number - self._dropped])
                    if found:
                        self._cursor = number + 1
                        return found
                self._cursor = self._dropped + len(self._lines)
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    break
                self._cond.wait(left)
        if self._eof:
            why = self._end_state("cerró su salida")
        else:
            why = f"no la escribió en {timeout:g} s"
        raise ProgramError(
            f"Esperaba del {self.name} «{self.label}» una línea que encaje con {regex.pattern!r} y {why}. "
            f"Lo último que escribió:\n{self._last_output()}"
        )

    def _last_output(self) -> str:
        text = self.output()
        if not text.strip():
            return "(nada)"
        return text if len(text) <= QUOTED else "…" + text[-QUOTED:]

    def _wait_ready(self, ready: str | re.Pattern[str], timeout: float) -> None:
        """Wait for the ready line; a program that misses it is stopped, and the error says why."""
        try:
            self._ready = self._expect(ready, timeout)
        except ProgramError as exc:
            was_running = self.running
            code = self.stop()
            if not was_running:
                raise
            how = "matado" if self.killed else f"parado (código {code})"
            raise ProgramError(f"{exc}\n(Seguía en marcha sin estar listo: lo he {how}.)") from None

    @property
    def ready_line(self) -> str | None:
        """The line with which the program said it was ready (None: it was not waited for)."""
        return self._ready.string if self._ready else None

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` of the server, from the ready line: where it listens, or where a client connected.

        It is what ``lab.conexiones(curso=True)`` looks for, since programs join the servers' registry.
        """
        return self._announced("address")

    @property
    def local_address(self) -> tuple[str, int]:
        """``(host, port)`` of a client's own end of the connection, from its ready line."""
        return self._announced("local")

    def _announced(self, group: str) -> tuple[str, int]:
        text = self._ready.groupdict().get(group) if self._ready else None
        if not text:
            raise ProgramError(
                f"El {self.name} «{self.label}» no anunció esa dirección: arráncalo con "
                f"ready=r'... (?P<{group}>\\S+)' para leerla de su línea de arranque."
            )
        return _parse_address(text)

    # -- input -----------------------------------------------------------------------------------
    def send_line(self, text: str, timeout: float = WAIT_PATIENCE) -> None:
        """Write ``text`` and a newline to the program's input, as if typed, in UTF-8 (bounded in time)."""
        self._write((text + "\n").encode("utf-8"), timeout)

    def _write(self, data: bytes, timeout: float) -> None:
        stdin = self._proc.stdin
        if stdin is None or stdin.closed or self._proc.poll() is not None:
            raise ProgramError(self._ended_message("ya no lee su entrada"))
        failure: list[BaseException] = []

        def write() -> None:  # in a thread: a program that never reads would block us on a full pipe
            try:
                stdin.write(data)
                stdin.flush()
            except (OSError, ValueError) as exc:
                failure.append(exc)

        writer = threading.Thread(target=write, name=f"labsupport-entrada-{self.pid}", daemon=True)
        writer.start()
        writer.join(timeout)
        if writer.is_alive():
            raise ProgramError(
                f"El {self.name} «{self.label}» no lee su entrada: en {timeout:g} s no cupo la línea en la tubería."
            )
        if failure:
            raise ProgramError(self._ended_message("cerró su entrada")) from failure[0]

    def close_input(self) -> None:
        """Close the program's input: it reads end of file (as Ctrl+D in a terminal)."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
            except OSError:  # the program had already gone: its end of the pipe is gone too
                pass

    def _ended_message(self, what: str) -> str:
        state = self._end_state(what)
        return f"El {self.name} «{self.label}» {state}. Lo último que escribió:\n{self._last_output()}"

    def _end_state(self, otherwise: str) -> str:
        """«terminó (código N)» once it has ended (a closed pipe: it is ending, wait a moment), else ``otherwise``."""
        code = self.wait(STOP_PATIENCE) if self._eof else self._proc.poll()
        return f"terminó (código {code})" if code is not None else otherwise

    # -- its end ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """Its exit code (negative: killed by that signal, on POSIX); None while it runs."""
        return self._proc.poll()

    def wait(self, timeout: float = WAIT_PATIENCE) -> int | None:
        """Wait at most ``timeout`` seconds for the program to end by itself: its exit code, or None."""
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout: float = STOP_PATIENCE) -> int | None:
        """Ask it to end (SIGTERM; CTRL_BREAK_EVENT on Windows), kill it after ``timeout`` s, reap it all.

        Returns the exit code (0 for a course script that stopped cleanly). Safe to call twice.
        """
        with self._cond:
            if self._stopped:
                return self._proc.returncode
            self._stopped = True
        descendants = _descendants(self.pid)
        if self._proc.poll() is None:
            _terminate(self._proc)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                _kill(self._proc)
                self._proc.wait(STOP_PATIENCE)  # SIGKILL cannot be ignored: this only bounds a sick system
        for child in descendants:  # a grandchild that left the group, or outlived its parent
            _kill_alive(child)
        self._reader.join(STOP_PATIENCE)  # it has read the last output and closed the pipe
        self._release()
        return self._proc.returncode

    def _release(self) -> None:
        """What an ended program still holds: its input pipe and its place in the registry (idempotent)."""
        self.close_input()
        _unregister(self)  # type: ignore[arg-type]

    def __enter__(self) -> Program:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        code = self._proc.poll()
        state = "en marcha" if code is None else f"terminado (código {code})"
        return f"<Program {self.label} pid {self.pid} {state}>"


def _parse_address(text: str) -> tuple[str, int]:
    """``127.0.0.1:8080`` or ``[::1]:8080`` (as the course prints addresses) into ``(host, port)``."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ProgramError(f"La dirección anunciada {text!r} no tiene la forma IP:puerto.")
    return host.strip("[]"), int(port)


def _child_environment() -> dict[str, str]:
    """The notebook's environment, plus UTF-8 on the pipes and this labsupport importable."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    return env


def _own_group() -> dict[str, Any]:
    """Popen arguments that put the program in its own session/group: the notebook's Ctrl+C
    does not reach it, and stopping it reaches its whole tree."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    return {"start_new_session": True}


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """The polite request to end: SIGTERM to the group (POSIX), CTRL_BREAK_EVENT (Windows)."""
    try:
        if sys.platform == "win32":
            proc.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]
        else:
            os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass  # it has just ended
    except OSError:  # Windows: no console shared with it, so no CTRL_BREAK: the deadline will kill it
        pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if sys.platform == "win32":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except OSError:  # it has just ended
        pass


def _descendants(pid: int) -> list[Any]:
    """The program's children and their children (psutil processes), seen before stopping it."""
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill_alive(process: Any) -> None:
    """Kill a descendant that is still running (psutil checks it is the same process, not a reused pid)."""
    import psutil

    try:
        if process.is_running():
            process.kill()
            process.wait(STOP_PATIENCE)
    except psutil.Error:
        pass
