"""``lab.conexiones(...)``: the machine's TCP sockets as a table, like ``ss -tan`` or ``netstat``.

What the kernel keeps after a program has let go of a connection (TIME_WAIT, a CLOSE_WAIT
nobody closes, the two ends of a connection between two processes) is only visible from
outside the socket. psutil, the cross-platform library, lists it without parsing ``/proc``:

- Linux and Windows: every TCP socket of the machine (the owner of another user's socket may
  not be visible; Windows shows TIME_WAIT under pid 0, which is no process);
- macOS without root: ``net_connections`` raises AccessDenied, so only this process's own
  connections are listed, and the table's note says what is missing.

psutil does not give queue sizes; for the sockets you pass in ``sockets=`` the table fills
them from `tcpinfo`. Addresses are printed with their port (``127.0.0.1:PORT``) and owners
as ``pid 1234``, the forms the notebooks' sanitizer hides.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import socket
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from .._address import format_address
from .._display import Table
from .._errors import LabError
from . import tcpinfo

__all__ = ["Connection", "ConnectionTable", "conexiones", "list_connections"]

Endpoint = tuple[str, int]

_HEADER = ("dirección local", "dirección remota", "estado", "en recepción", "en envío", "proceso")
_QUEUES_NOTE = "Colas en bytes: solo para los sockets que pasas en sockets=[...] (psutil no las da)."


@dataclasses.dataclass(frozen=True)
class Connection:
    """One TCP socket as the system lists it (``pid`` None: no process owns it, or it is not visible)."""

    local: Endpoint
    remote: Endpoint | None
    state: str
    pid: int | None
    process: str | None = None
    received: int | None = None
    unacked: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Spanish keys, the values a verdict compares (``"estado": "TIME_WAIT"``, ``"pid": 1234``)."""
        return {
            "local": format_address(self.local),
            "remota": format_address(self.remote) if self.remote else None,
            "estado": self.state,
            "recepción": self.received,
            "envío": self.unacked,
            "pid": self.pid,
            "proceso": self.process,
        }


class ConnectionTable(Table):
    """The rows of `conexiones`, shown like ``ss -tan``; iterating gives one dict per connection."""

    def __init__(self, connections: list[Connection], note: str, title: str) -> None:
        super().__init__(_HEADER, [_cells(c) for c in connections], note, title=title)
        self.connections = connections

    def as_dicts(self) -> list[dict[str, Any]]:
        return [c.as_dict() for c in self.connections]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.as_dicts())

    def states(self) -> list[str]:
        """The state of each row, in order (``["ESTABLISHED", "ESTABLISHED"]``)."""
        return [c.state for c in self.connections]


def conexiones(
    puerto: int | None = None,
    direccion: str | None = None,
    curso: bool = False,
    sockets: Iterable[socket.socket] = (),
) -> ConnectionTable:
    """The machine's TCP sockets, filtered: ``puerto`` (local or remote), ``direccion`` (an IP, or
    an IP with its port, on either end), ``curso=True`` (the course's running servers).

    Pass ``sockets=[cliente, conexion]`` to see their queues. Rows are sorted by the server's
    port (a listening port, or a course server's), each listener first, then the server's end of
    each connection, then the client's; then by remote address. Sorting by the bare local port
    would not do: a server on port 0 and its clients both get random ports, and their rows
    would swap from one run to the next.
    """
    port = _checked_port(puerto)
    wanted = _parse_address(direccion) if direccion is not None else None
    listed, note = list_connections()
    servers = _course_endpoints() if curso else None
    rows = [
        c
        for c in listed
        if (port is None or port in (c.local[1], c.remote[1] if c.remote else None))
        and (wanted is None or _touches(c, wanted))
        and (servers is None or c.local in servers or c.remote in servers)
    ]
    rows = _with_queues(rows, sockets)
    serving = {c.local[1] for c in listed if c.state == "LISTEN"} | {p for _, p in servers or ()}
    rows.sort(key=lambda c: _order(c, serving))
    notes = [n for n in (note, _QUEUES_NOTE) if n]
    if curso and not servers:
        notes.insert(0, "No hay ningún servidor del curso en marcha.")
    elif not rows:
        notes.insert(0, "Ninguna conexión TCP coincide con el filtro.")
    return ConnectionTable(rows, "\n".join(notes), title=_title(port, wanted, curso))


def list_connections() -> tuple[list[Connection], str]:
    """Every TCP socket the system lets this process see, and a note on what it could not list."""
    import psutil

    try:
        raw = psutil.net_connections(kind="tcp")
        note = _WINDOWS_NOTE if sys.platform == "win32" else ""
    except psutil.AccessDenied:
        me = psutil.Process()
        lister = getattr(me, "net_connections", None) or me.connections  # psutil < 6: connections()
        raw = [_owned(c, os.getpid()) for c in lister(kind="tcp")]
        note = _ONLY_MINE_NOTE
    names: dict[int, str | None] = {}
    listed = []
    for entry in raw:
        state = tcpinfo.from_psutil(entry.status)
        if state is None or not entry.laddr:
            continue
        pid = entry.pid or None  # Windows lists TIME_WAIT under pid 0: no process
        listed.append(
            Connection(
                local=_endpoint(entry.laddr),
                remote=_endpoint(entry.raddr) if entry.raddr else None,
                state=state,
                pid=pid,
                process=_process_name(pid, names) if pid else None,
            )
        )
    return listed, note


_ONLY_MINE_NOTE = (
    "En este sistema (macOS sin permisos de administrador) solo se pueden listar las conexiones de "
    "este proceso: las de otros programas y las que están en TIME_WAIT no aparecen "
    "(míralas con netstat -an -p tcp, o lsof -i con sudo)."
)
_WINDOWS_NOTE = "En Windows, una conexión en TIME_WAIT figura como del pid 0: no es de ningún proceso."


@dataclasses.dataclass(frozen=True)
class _Owned:
    """A ``Process().net_connections()`` entry with the pid it does not carry."""

    laddr: Any
    raddr: Any
    status: str
    pid: int


def _owned(entry: Any, pid: int) -> _Owned:
    return _Owned(entry.laddr, entry.raddr, entry.status, pid)


def _process_name(pid: int, cache: dict[int, str | None]) -> str | None:
    if pid not in cache:
        import psutil

        try:
            cache[pid] = psutil.Process(pid).name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            cache[pid] = None
    return cache[pid]


def _cells(c: Connection) -> list[str]:
    remote = format_address(c.remote) if c.remote else "—"
    received = "—" if c.received is None else str(c.received)
    unacked = "—" if c.unacked is None else str(c.unacked)
    return [format_address(c.local), remote, c.state, received, unacked, _owner(c)]


def _owner(c: Connection) -> str:
    if c.pid is None:
        return "— (ninguno: la guarda el núcleo)" if c.state == "TIME_WAIT" else "— (ninguno o no visible)"
    if c.pid == os.getpid():
        return f"pid {c.pid} (este proceso)"
    return f"pid {c.pid} ({c.process})" if c.process else f"pid {c.pid}"


def _order(c: Connection, serving: set[int]) -> tuple[Any, ...]:
    """(server port, role, remote, local, state, pid): the role puts a listener, then the server's
    end, then the client's end; a connection of no known server sorts by its local port."""
    remote = c.remote or ("", 0)
    if c.state == "LISTEN":
        port, role = c.local[1], 0
    elif c.local[1] in serving:
        port, role = c.local[1], 1
    elif remote[1] in serving:
        port, role = remote[1], 2
    else:
        port, role = c.local[1], 3
    return (port, role, _ip_key(remote[0]), remote[1], _ip_key(c.local[0]), c.state, c.pid or 0)


def _ip_key(host: str) -> tuple[int, int]:
    if not host:
        return (0, 0)
    ip = ipaddress.ip_address(host.split("%")[0])
    return (ip.version, int(ip))


def _endpoint(address: Any) -> Endpoint:
    host = str(address[0])
    try:
        host = str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        pass
    return (host, int(address[1]))


def _touches(c: Connection, wanted: tuple[str, int | None]) -> bool:
    host, port = wanted
    return any(end is not None and _same(end, host, port) for end in (c.local, c.remote))


def _same(end: Endpoint, host: str, port: int | None) -> bool:
    return _unmapped(end[0]) == host and (port is None or end[1] == port)


def _unmapped(host: str) -> str:
    """``::ffff:127.0.0.1`` (an IPv4 peer of a dual-stack socket) compares as ``127.0.0.1``."""
    ip = ipaddress.ip_address(host)
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped) if mapped is not None else str(ip)


def _course_endpoints() -> set[Endpoint]:
    from .._server import running_servers

    endpoints = set()
    for server in running_servers():
        try:
            host, port = server.address
        except LabError:  # stopped between listing and reading, or a program that announced no address
            continue
        endpoints.add(_endpoint((host, port)))
    return endpoints


def _with_queues(rows: list[Connection], sockets: Iterable[socket.socket]) -> list[Connection]:
    """The rows, with the queues of the matching sockets from ``sockets`` filled in."""
    held: dict[tuple[Endpoint, Endpoint | None], tuple[int | None, int | None]] = {}
    for sock in sockets:
        if not isinstance(sock, socket.socket):
            raise LabError(
                f"lab.conexiones: sockets= espera una lista de sockets y uno de ellos es {type(sock).__name__}."
            )
        key = _key_of(sock)
        if key is not None:
            held[key] = tcpinfo.queues(sock)
    if not held:
        return rows
    filled = []
    for c in rows:
        queues = held.get((c.local, c.remote))
        filled.append(dataclasses.replace(c, received=queues[0], unacked=queues[1]) if queues else c)
    return filled


def _key_of(sock: socket.socket) -> tuple[Endpoint, Endpoint | None] | None:
    if sock.fileno() == -1 or sock.type != socket.SOCK_STREAM:
        return None
    try:
        local = _endpoint(sock.getsockname())
    except OSError:
        return None
    try:
        remote: Endpoint | None = _endpoint(sock.getpeername())
    except OSError:
        remote = None
    return local, remote


def _checked_port(port: Any) -> int | None:
    if port is None:
        return None
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise LabError(
            f"lab.conexiones: puerto debe ser un número entre 1 y 65535 y recibió {port!r}. "
            "Por ejemplo: lab.conexiones(puerto=servidor.port)."
        )
    return port


def _parse_address(text: Any) -> tuple[str, int | None]:
    """``"127.0.0.1"``, ``"::1"``, ``"127.0.0.1:8080"`` or ``"[::1]:8080"`` -> (ip, port or None); no DNS."""
    if not isinstance(text, str):
        raise LabError(f"lab.conexiones: direccion debe ser un texto como '127.0.0.1' y recibió {text!r}.")
    host, port = text.strip(), None
    if host.startswith("[") and "]:" in host:
        host, _, digits = host[1:].partition("]:")
        port = digits
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
    if host.lower() == "localhost":
        host = "127.0.0.1"
    try:
        ip = str(ipaddress.ip_address(host.strip("[]")))
        number = int(port) if port is not None else None
    except ValueError:
        raise LabError(
            f"lab.conexiones: {text!r} no es una dirección IP (con o sin puerto), como '127.0.0.1', '::1' "
            "o '127.0.0.1:8080'. El curso no resuelve nombres, para no salir de tu máquina."
        ) from None
    return ip, _checked_port(number)


def _title(port: int | None, wanted: tuple[str, int | None] | None, curso: bool) -> str:
    """What was asked for, without bare numbers (a port is printed only next to its host)."""
    parts = []
    if port is not None:
        parts.append("del puerto pedido")
    if wanted is not None:
        parts.append(f"de {format_address(wanted) if wanted[1] else wanted[0]}")
    if curso:
        parts.append("de los servidores del curso")
    return "Conexiones TCP" + (" " + ", ".join(parts) if parts else " de esta máquina")
