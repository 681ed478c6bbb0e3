"""Name-resolution failure without a resolver, and an honest table of the errors loopback cannot make.

``socket.gaierror``: ``getaddrinfo(name, port, flags=AI_NUMERICHOST)`` promises (POSIX,
and Windows alike) to treat ``name`` as a numeric address only and to *never* ask a
resolver; a name that is not a numeric address therefore fails at once with the same
``gaierror`` (``EAI_NONAME``) that a real DNS failure gives. No packet is sent and no
file such as ``/etc/hosts`` matters, so the result is the same on every machine, online
or not. ``unresolvable_host()`` returns a name under ``.invalid``, a top-level domain
reserved (RFC 2606 / RFC 6761) never to exist, as a second guard should someone ever pass
it to a call without the flag.

``ETIMEDOUT`` is the kernel giving up (see :mod:`labsupport.faults.kernel`), not Python's
own ``settimeout`` deadline, which raises ``TimeoutError`` with ``errno`` None.
``EHOSTUNREACH`` and ``ENETUNREACH`` need a router or a missing route to report them;
loopback has neither, and making them would mean sending packets off the machine. The
course does not fake them: :func:`errno_table` shows, for each error of the guide, its
number *on this system*, the exception class Python maps it to, when it happens, and
whether (and with which fault server) it can be produced here.
"""

from __future__ import annotations

import dataclasses
import errno
import socket
import sys

from .._address import resolve_host

UNRESOLVABLE_HOST = "servidor-inexistente.invalid"


def unresolvable_host() -> str:
    """A host name that cannot resolve, to pass to :func:`resolve_numeric` / :func:`connect_numeric`.

    Never give it to ``socket.create_connection`` or ``connect()``: they would ask the
    system's resolver, and that query leaves the machine.
    """
    return UNRESOLVABLE_HOST


def resolve_numeric(host: str, port: int = 80) -> list[tuple]:
    """``socket.getaddrinfo`` restricted to numeric addresses: never a DNS query.

    A numeric address (``"127.0.0.1"``, ``"::1"``) resolves as usual; any name raises
    ``socket.gaierror`` immediately, because ``AI_NUMERICHOST`` forbids a lookup.
    """
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)


def connect_numeric(address: tuple[str, int], timeout: float | None = 5.0) -> socket.socket:
    """Like ``socket.create_connection(address, timeout)``, but resolving only numeric addresses.

    A name raises ``socket.gaierror`` (see :func:`resolve_numeric`): the guide's
    "host that does not exist" example, with no DNS query. A numeric address outside
    loopback raises ``NotLoopbackError``: the course never leaves the machine.
    """
    host, port = address
    family, _, _, _, sockaddr = resolve_numeric(host, port)[0]
    resolve_host(sockaddr[0])  # loopback only
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


@dataclasses.dataclass(frozen=True)
class ErrnoInfo:
    """One row of :func:`errno_table`."""

    name: str  # EHOSTUNREACH
    number: int | None  # on this system; None if the system does not define it
    exception: str  # the class Python raises for it: OSError(number, ...) maps it
    when: str  # Spanish: when a client meets it
    producible: bool  # can the course produce it on loopback, for real?
    how: str  # Spanish: the fault (or step) that produces it, or why it cannot


# name, when it happens, how it is produced here (None: it cannot be produced on loopback)
_ERRORS = [
    ("ECONNREFUSED", "nadie escucha en ese puerto: el otro equipo responde con RST",
     "faults.ClosedPort"),
    ("ETIMEDOUT", "el núcleo se rinde: sin respuesta a los SYN, o datos que no avanzan (minutos por defecto)",
     "faults.NeverReads + faults.set_kernel_timeout (TCP_USER_TIMEOUT): sendall() sin timeout de Python"),
    ("ECONNRESET", "el otro extremo cortó con RST (se cayó, o cerró sin leer)",
     "faults.Reset"),
    ("EPIPE", "se escribe en una conexión que el otro extremo ya cerró",
     "faults.Hangup y faults.write_until_broken_pipe"),
    ("ECONNABORTED", "el propio sistema abortó la conexión (frecuente en Windows)",
     None),  # see _WHY_NOT
    ("EHOSTUNREACH", "un router informa de que no hay camino hasta ese equipo",
     None),
    ("ENETUNREACH", "este equipo no tiene ruta hacia esa red (por ejemplo, sin conexión)",
     None),
    ("EADDRINUSE", "bind() a un puerto que otro socket ya usa",
     "dos bind() al mismo puerto (cuaderno 01)"),
]

_NOT_HERE = (
    "no se puede en loopback: hace falta una red real (un router, una ruta que falte); "
    "el curso no lo simula"
)


#: Why a row cannot be produced here, when the reason is not "it needs a real network".
_WHY_NOT = {
    "ECONNABORTED": (
        "no se provoca en loopback de forma fiable: lo decide el propio sistema (sobre todo Windows) "
        "al abortar una conexión; en Linux un cliente casi nunca lo ve"
    ),
}

_NOT_LINUX_ETIMEDOUT = (
    "solo en Linux (TCP_USER_TIMEOUT acorta el plazo del núcleo); aquí el núcleo tarda minutos y el "
    "curso no lo provoca"
)

#: Python's own deadline, next to the kernel's: same class, no errno.
_PYTHON_TIMEOUT = ErrnoInfo(
    "(ninguno)",
    None,
    "TimeoutError",
    "se agota el timeout de settimeout() o create_connection(timeout=): lo decide Python, no el sistema",
    True,
    "faults.NeverAccepts (connect) o faults.Silent (recv): e.errno es None",
)


def errno_table() -> list[ErrnoInfo]:
    """The guide's socket errors as they are on this system, and which ones the course can produce.

    Numbers come from the ``errno`` module (they differ between Linux, macOS and Windows,
    which is why code should compare with ``errno.EHOSTUNREACH``, never with a number);
    the exception class is what ``OSError(number, ...)`` becomes, the same mapping the
    socket module uses. Right after ``ETIMEDOUT`` comes Python's own timeout, which raises the
    same class with ``errno`` None: the kernel's and Python's deadlines are told apart by
    ``e.errno``. The last row is ``gaierror``, which has its own numbers (``EAI_*``).
    """
    rows = []
    for name, when, how in _ERRORS:
        number = getattr(errno, name, None)
        exc = type(OSError(number, "")).__name__ if number is not None else "OSError"
        if name == "ETIMEDOUT" and not sys.platform.startswith("linux"):
            how = None
        rows.append(ErrnoInfo(name, number, exc, when, how is not None, how or _WHY_NOT.get(name, _NOT_HERE)))
        if name == "ETIMEDOUT":
            if not rows[-1].producible:
                rows[-1] = dataclasses.replace(rows[-1], how=_NOT_LINUX_ETIMEDOUT)
            rows.append(_PYTHON_TIMEOUT)
    rows.append(
        ErrnoInfo(
            "EAI_NONAME",
            getattr(socket, "EAI_NONAME", None),
            "gaierror",
            "el nombre del equipo no se puede resolver (DNS)",
            True,
            "faults.resolve_numeric(faults.unresolvable_host()), sin consulta DNS",
        )
    )
    return rows
