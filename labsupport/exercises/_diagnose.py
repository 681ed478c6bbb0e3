"""Who is to blame, and for what: the student's code or the checker's, raised or waited.

A case mixes two kinds of code on one thread: the checker's (this package) and the
student's (a notebook cell, a test, any file that is neither this package nor an installed
library). A report must name only what actually happened, so this module answers, from
real frames and never from the case's good faith:

- whether an exception was raised by the student's code (a frame of theirs in its
  traceback, or raised during a call to their function) or by the checker's;
- which of the student's functions raised ``NotImplementedError`` (a helper the statement
  suggests reusing may be the one still pending);
- what a thread that overran its time limit was doing: the blocking call it sits in
  (``recv``, ``connect``, ``accept``, ``send``, ``sleep``…) or a loop that spins on the CPU,
  and the line of the student's code that led there; and, for a loop around ``recv``, whether
  it advanced (the bytes its sockets handed to the program grew) or went round without a byte.
"""

from __future__ import annotations

import contextlib
import dataclasses
import linecache
import os
import re
import site
import socket
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from types import CodeType, FrameType

from .._wording import count, seconds
from ._pacing import reception

_PACKAGE = str(Path(__file__).resolve().parent.parent) + os.sep  # labsupport/
_CHECKER = str(Path(__file__).resolve().parent) + os.sep  # labsupport/exercises/
def _library_dirs() -> tuple[str, ...]:
    """The standard library's and the installed packages' folders (site-packages, dist-packages)."""
    dirs = [p for k, p in sysconfig.get_paths().items() if k.endswith("lib")]
    try:
        dirs += [*site.getsitepackages(), site.getusersitepackages()]
    except AttributeError:  # some embedded or virtualenv builds lack them
        pass
    return tuple(sorted({str(Path(d).resolve()) + os.sep for d in dirs}))


_LIBRARIES = _library_dirs()


#: Files that define cases outside this package (a test's own exercises): checker code too.
_CASE_FILES: set[str] = set()


def register_case_file(filename: str) -> None:
    """Count ``filename`` (where a case was defined) as the checker's code, never the student's."""
    if not filename.startswith("<"):
        _CASE_FILES.add(os.path.abspath(filename))


def is_student_file(filename: str) -> bool:
    """True for code that is neither labsupport nor the standard library nor an installed package."""
    if filename.startswith("<frozen") or not filename:
        return False
    if os.path.abspath(filename) in _CASE_FILES:
        return False
    if filename.startswith("<"):  # "<string>", "<stdin>": code the student typed or exec'ed
        return True
    path = os.path.abspath(filename)
    if path.startswith(_PACKAGE) or path.startswith(_LIBRARIES):
        return False
    try:
        real = str(Path(path).resolve())
    except OSError:
        return True
    return not (real.startswith(_PACKAGE) or real.startswith(_LIBRARIES))


def is_checker_file(filename: str) -> bool:
    """True for the exercise checkers' own code (this package's directory, or where a case was defined)."""
    path = os.path.abspath(filename)
    return path.startswith(_CHECKER) or path in _CASE_FILES


def _frames(error: BaseException) -> list[traceback.FrameSummary]:
    return list(traceback.extract_tb(error.__traceback__))


def raised_by_student(error: BaseException) -> bool:
    """Whether a frame of the student's code is in ``error``'s traceback."""
    return any(is_student_file(f.filename) for f in _frames(error))


def raised_at_call(error: BaseException, wrapper_file: str) -> bool:
    """Whether ``error`` was raised by the call itself (wrong arguments), before any code of the student ran."""
    frames = _frames(error)
    return bool(frames) and frames[-1].filename == wrapper_file


def raising_student_code(error: BaseException) -> CodeType | None:
    """The code object of the innermost student frame in ``error``'s traceback."""
    tb, found = error.__traceback__, None
    while tb is not None:
        if is_student_file(tb.tb_frame.f_code.co_filename):
            found = tb.tb_frame.f_code
        tb = tb.tb_next
    return found


def raised_in_student_code(error: BaseException) -> bool:
    """Whether the innermost frame of ``error``'s traceback (the ``raise``) is the student's."""
    frames = _frames(error)
    return bool(frames) and is_student_file(frames[-1].filename)


def checker_location(error: BaseException) -> str:
    """Where in the checker ``error`` was raised, for whoever fixes the checker: "nb03.py, línea 88"."""
    for frame in reversed(_frames(error)):
        if is_checker_file(frame.filename):
            return f"{Path(frame.filename).name}, línea {frame.lineno}"
    frames = _frames(error)
    return f"{Path(frames[-1].filename).name}, línea {frames[-1].lineno}" if frames else "desconocido"


# --------------------------------------------------------------------------- what a thread waits on

#: Blocking calls by family: what the thread was waiting *for*, in the report's words.
_WAITS = {
    "recv": ("recv", "recv_into", "recvfrom", "recvfrom_into", "recvmsg", "read", "readline", "readinto",
             "readlines", "makefile"),
    "connect": ("connect", "connect_ex", "create_connection"),
    "tls": ("wrap_socket", "do_handshake"),
    "accept": ("accept",),
    "send": ("send", "sendall", "sendto", "sendmsg", "sendfile", "write", "flush"),
    "sleep": ("sleep",),
    "wait": ("select", "poll", "wait", "join", "get", "acquire", "result", "epoll", "communicate"),
}
_FAMILY = {name: family for family, names in _WAITS.items() for name in names}
_CALLEE = re.compile(r"[A-Za-z_][\w.]*\s*$")


def _callee(expression: str) -> str | None:
    """The called name of a call expression: ``socket.create_connection(a).recv(10)`` → ``recv``."""
    expression = expression.rstrip()
    if not expression.endswith(")"):
        return None
    depth = 0
    for i in range(len(expression) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(expression[i], 0)
        if depth == 0:
            match = _CALLEE.search(expression[:i])
            return match.group(0).strip() if match else None
    return None


def _call_at(frame: FrameType) -> str | None:
    """The dotted name of the call ``frame`` is executing (``s.recv``), from the instruction's span."""
    code = frame.f_code
    positions: Callable[[], Iterable[tuple[int | None, ...]]] | None = getattr(code, "co_positions", None)
    spans = list(positions()) if positions is not None else []  # Python < 3.11 has none
    if 0 <= frame.f_lasti // 2 < len(spans):
        lineno, end_lineno, col, end_col = spans[frame.f_lasti // 2]
    else:  # guess from the line
        lineno, end_lineno, col, end_col = frame.f_lineno, frame.f_lineno, None, None
    if lineno is None:
        return None
    lines = linecache.getlines(code.co_filename, frame.f_globals)
    if not lines or lineno > len(lines):
        return None
    if col is None or end_lineno is None or end_col is None:
        text = lines[lineno - 1]
        found = [m.group(1) for m in re.finditer(r"([A-Za-z_][\w.]*)\s*\(", text)]
        known = [name for name in found if name.rsplit(".", 1)[-1] in _FAMILY]
        return (known or found or [None])[-1]
    segment = "".join(lines[lineno - 1 : end_lineno])
    start = col
    end = len(segment) - len(lines[end_lineno - 1]) + end_col
    return _callee(segment[start:end])


@dataclasses.dataclass
class Snapshot:
    """Where a thread was: its innermost call, and the innermost line of the student's code."""

    call: str | None  # "s.recv", "sock.connect" (innermost frame), None if not in a call
    student_function: str | None  # "recibir_todo"
    student_line: int | None
    student_code: str  # the text of that line, stripped
    student_call: str | None  # the call on the student's line ("socket.create_connection")
    in_checker: bool  # the innermost non-library frame is the checker's
    checker_where: str  # "nb03.py, línea 88" when in_checker
    key: tuple  # what changes when the thread moves
    #: bytes the TCP sockets of the student's frames (and what they called) have handed to the
    #: program so far, and bytes waiting on them unread; None where the system cannot tell
    read: int | None = None
    waiting: int | None = None

    @property
    def family(self) -> str | None:
        return _FAMILY.get(short_name(self.call)) if self.call else None


def _sockets_in(frames: list[FrameType]) -> list[socket.socket]:
    """The sockets in the locals of ``frames`` (also the one inside a ``makefile()`` reader)."""
    found: dict[int, socket.socket] = {}
    for fr in frames:
        for value in list(fr.f_locals.values()):
            inner = getattr(value, "_sock", None)  # socket.SocketIO, what makefile() reads through
            for candidate in (value, inner):
                if isinstance(candidate, socket.socket):
                    found[id(candidate)] = candidate
    return list(found.values())


def _reading(frames: list[FrameType]) -> tuple[int | None, int | None]:
    """(bytes read by the program so far, bytes waiting unread) over the TCP sockets of ``frames``."""
    read = waiting = None
    for sock in _sockets_in(frames):
        counts = reception(sock)  # None: not TCP, closed, or a system that cannot tell
        if counts is None:
            continue
        read, waiting = (read or 0) + counts.delivered - counts.unread, (waiting or 0) + counts.unread
    return read, waiting


def snapshot(frame: FrameType) -> Snapshot:
    """Describe the stack that ends at ``frame`` (a thread's current frame)."""
    stack: list[FrameType] = []
    f: FrameType | None = frame
    while f is not None:
        stack.append(f)
        f = f.f_back
    student = next((fr for fr in stack if is_student_file(fr.f_code.co_filename)), None)
    outermost = max((i for i, fr in enumerate(stack) if is_student_file(fr.f_code.co_filename)), default=-1)
    read, waiting = _reading(stack[: outermost + 1])  # the student's frames and what they called
    owner = next((fr for fr in stack if not fr.f_code.co_filename.startswith(_LIBRARIES)), None)
    in_checker = owner is not None and is_checker_file(owner.f_code.co_filename)
    code = ""
    if student is not None:
        code = linecache.getline(student.f_code.co_filename, student.f_lineno, student.f_globals).strip()
    return Snapshot(
        call=_call_at(frame),
        student_function=student.f_code.co_name if student else None,
        student_line=student.f_lineno if student else None,
        student_code=code,
        student_call=_call_at(student) if student is not None else None,
        in_checker=in_checker,
        checker_where=f"{Path(owner.f_code.co_filename).name}, línea {owner.f_lineno}" if in_checker and owner else "",
        key=(frame.f_code, frame.f_lasti, frame.f_lineno),
        read=read,
        waiting=waiting,
    )


def _cpu_clock(thread: threading.Thread) -> Callable[[], float] | None:
    """A function returning ``thread``'s CPU seconds, or None where the system cannot tell."""
    if thread.ident is None:  # not started
        return None
    try:
        clock = time.pthread_getcpuclockid(thread.ident)
        time.clock_gettime(clock)
    except (AttributeError, OSError, TypeError, OverflowError):
        return None
    return lambda: time.clock_gettime(clock)


@dataclasses.dataclass
class Observation:
    """What a thread did during a short watch: where it was, and whether it used the CPU."""

    last: Snapshot | None
    spinning: bool
    #: bytes its sockets handed to the student's code during the watch (None: cannot tell)
    read: int | None = None
    #: bytes were waiting unread on those sockets at some look (the reading, not the network, was slow)
    data_waiting: bool = False
    #: the last look that found it in a network call (``recv``, ``send``…): a loop around a fast
    #: call spends most looks between calls (in ``len()``, in ``+=``), so the last look alone may miss it
    network: Snapshot | None = None


#: How long a time-out is watched before it is explained (seconds), and how many looks.
WATCH, LOOKS = 0.3, 15
#: Share of the watch a thread must spend on the CPU to count as spinning. A thread blocked in
#: a call uses none at all (measured: 0 ns); a spinning one gets its share of a core, which is
#: still well above 2 % with a load of 12 on 2 cores (measured on the course machine).
SPIN_SHARE = 0.02
#: Looks that must find the thread somewhere else than the look before for it to be spinning.
MOVES = 3
#: Bytes read during the watch below which a loop with data waiting reads "despacio". Measured
#: in 0.3 s on loopback at a load of 10 on 2 cores: recv(1) about 60 KB, recv(4096) about 100 MB.
SLOW_READ = 1024 * 1024


def observe(thread: threading.Thread, watch: float = WATCH, looks: int = LOOKS) -> Observation:
    """Watch ``thread`` for ``watch`` seconds: its last stack, and whether it spent them on the CPU."""
    cpu = _cpu_clock(thread)
    cpu_start, wall_start = (cpu() if cpu else 0.0), time.monotonic()
    moves, first, last, waiting = 0, None, None, False
    network: Snapshot | None = None
    for _ in range(looks):
        frame = sys._current_frames().get(thread.ident) if thread.ident is not None else None
        if frame is None:
            break
        snap = snapshot(frame)
        moves += last is not None and snap.key != last.key
        first, last = first or snap, snap
        network = snap if snap.family in ("recv", "send") else network
        waiting = waiting or bool(snap.waiting)
        del frame
        time.sleep(watch / looks)
    used = 0.0
    if cpu is not None:
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            used = cpu() - cpu_start
    # Either sign is enough: a thread blocked in a call uses no CPU and never moves. On a very
    # loaded machine a spinning thread may get little CPU, but it is found somewhere else at
    # almost every look; a loop around a fast system call (recv returning b"") moves less but
    # spends its time on the CPU.
    spinning = used >= SPIN_SHARE * (time.monotonic() - wall_start) or moves >= MOVES
    read = None
    if first is not None and last is not None and first.read is not None and last.read is not None:
        read = last.read - first.read
    return Observation(last, spinning, read, waiting, network)


_WHAT = {
    "recv": "esperaba en {call}(){inner} datos que no llegaron",
    "connect": "esperaba en {call}(){inner} a que el servidor aceptara la conexión",
    "accept": "esperaba en {call}(){inner} una conexión que no llegó",
    "tls": "esperaba en {call}(){inner} a que terminara la negociación TLS",
    "send": "esperaba en {call}(){inner} a que hubiera sitio en el búfer de envío (el otro extremo no lee)",
    "sleep": "estaba parada en {call}(){inner}",
    "wait": "esperaba en {call}(){inner}",
}


def short_name(call: str) -> str:
    """``self._sock.recv_into`` → ``recv_into``; ``self._accept`` → ``accept`` (the public name)."""
    return call.rsplit(".", 1)[-1].lstrip("_") or call


def explain_wait(seen: Observation) -> str:
    """The Spanish account of what a thread of the student's code was doing (no "tu función" prefix)."""
    snap = seen.last
    if snap is None:
        return "terminó justo al agotarse el tiempo"
    where = _student_where(snap)
    call = snap.call
    inner = ""
    if call and snap.student_call and short_name(snap.student_call) != short_name(call):
        inner = f" (dentro de {snap.student_call}())"
    if call and snap.family == "recv" and seen.read:  # it advanced: say how, not "sin avanzar"
        got = count(seen.read, "byte")
        if seen.data_waiting and seen.read >= SLOW_READ:
            return (
                f"seguía leyendo: su bucle llama a {short_name(call)}() una y otra vez y avanza deprisa (leyó {got} "
                f"en los {seconds(WATCH)} que lo observamos){where}: ¿sabe tu bucle cuándo ha llegado todo?"
            )
        if seen.data_waiting:
            return (
                f"seguía leyendo, pero despacio: su bucle llama a {short_name(call)}() una y otra vez y avanza "
                f"(leyó {got} en los {seconds(WATCH)} que lo observamos), mientras otros datos ya esperaban sin leer "
                f"en el socket{where}: ¿pides muy pocos bytes en cada {short_name(call)}()? Lee en bloques, por "
                "ejemplo recv(4096)"
            )
        return (
            f"seguía leyendo datos que llegaban despacio ({got} en los {seconds(WATCH)} que lo observamos, "
            f"en {short_name(call)}()){where}"
        )
    if seen.spinning:
        if (not call or snap.family not in ("recv", "send")) and seen.network is not None:
            snap = seen.network  # the loop's network call, seen at another look
            call, where = snap.call, _student_where(snap)
        if call and snap.family in ("recv", "send"):
            return (
                f"seguía en un bucle que llama a {short_name(call)}() una y otra vez sin avanzar{where}: "
                + (_closed_peer_question(short_name(call))
                   if snap.family == "recv" else "¿usas lo que devuelve send() para avanzar?")
            )
        return f"seguía ejecutándose sin esperar a la red (¿un bucle que no termina, o un cálculo muy lento?){where}"
    if call and snap.family:
        return _WHAT[snap.family].format(call=short_name(call), inner=inner) + where
    if call:
        return f"estaba parada en {short_name(call)}(){inner}{where}"
    return f"estaba parada{where}"


def _student_where(snap: Snapshot) -> str:
    """`` (línea 7 de recibir(): `datos += s.recv(10)`)``: the student's line at that look ("" if none)."""
    if not snap.student_function:
        return ""
    code = f": `{snap.student_code[:70]}`" if snap.student_code else ""
    return f" (línea {snap.student_line} de {snap.student_function}(){code})"


def _closed_peer_question(name: str) -> str:
    """What a read loop that spins without advancing usually misses: the end of the data, which
    ``recv()`` reports as ``b''`` and ``recv_into()`` (like ``readinto``) as 0."""
    end = "0" if name.endswith("_into") or name == "readinto" else "b''"
    return f"¿{name}() devolvió {end} (el otro extremo cerró) y el bucle no lo comprueba?"
