"""`python -m labsupport servir`: every server of the course, on fixed ports, for a class.

In a notebook each server takes a random free port; in a classroom the instructor wants
addresses that can be written on the board and that stay the same from one session to
the next. This command starts the HTTP server, the echo servers and one server per
transport fault on ``base, base+1, ...`` (8080 onwards by default), prints the table of
services, and runs until Ctrl-C or SIGTERM, which stop everything cleanly (exit code 0).

Loopback only by default. Listening on another interface lets other machines connect,
so it needs both ``--interfaz`` and ``--permitir-red`` and prints a warning; the check is
made before any socket is bound. Nothing here imports a server module until ``run()`` or
this command's own ``--help`` (its port map names each fault by its class's label): every
other ``python -m labsupport`` command stays fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import importlib
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._address import format_address, resolve_host
from ._display import Table
from ._errors import LabError

if TYPE_CHECKING:  # the servers are imported by run() only: --help stays fast
    from ._server import BackgroundServer

#: What ``signal.signal`` takes and gives back: a function, SIG_DFL/SIG_IGN, or None.
SignalHandler = Callable[[int, FrameType | None], Any] | int | None

DEFAULT_BASE = 8080


# label (Spanish), protocol, module, class, keyword arguments, what a client sees. A fault
# says both itself: "" takes the fault class's ``label`` and ``summary`` (one text for the
# classroom, the fault lab and the notebooks). The offset from the base port is the position.
_SERVICES: list[tuple[str, str, str, str, dict[str, Any], str]] = [
    ("servidor HTTP (como httpbin)", "TCP", ".http", "HttpServer", {}, "GET /get, /status/404, /docs/texto.txt ..."),
    ("servidor de eco", "TCP", ".echo", "EchoServer", {}, "responde «Echo: » seguido de lo recibido"),
    ("servidor de eco", "UDP", ".echo", "UdpEchoServer", {}, "responde cada datagrama con «Echo: » + datos"),
    ("", "TCP", ".faults", "ClosedPort", {}, ""),
    ("", "TCP", ".faults", "NeverAccepts", {}, ""),
    ("", "TCP", ".faults", "Silent", {}, ""),
    ("", "TCP", ".faults", "Reset", {}, ""),
    ("", "TCP", ".faults", "Hangup", {}, ""),
    ("", "TCP", ".faults", "Drip", {}, ""),
    ("", "TCP", ".faults", "Truncate", {}, ""),
    ("", "TCP", ".faults", "HalfClose", {}, ""),
    ("", "TCP", ".faults", "Flaky", {"failures": 2, "repeat": True},
     "falla 2 de cada 3 conexiones (ConnectionResetError al leer) y después responde"),
]

#: The highest base port that still fits every service below 65536.
MAX_BASE = 65536 - len(_SERVICES)


@dataclasses.dataclass(frozen=True)
class Service:
    """One row of the classroom: which server, on which offset from the base port."""

    offset: int
    label: str  # Spanish, first column of the table
    protocol: str  # TCP or UDP
    cls: type[BackgroundServer]
    kwargs: dict[str, Any]
    what: str  # Spanish: what a client will see

    def start(self, host: str, port: int, **more: Any) -> BackgroundServer:
        return self.cls(host, port, **self.kwargs, **more)


def services() -> list[Service]:
    """The classroom's servers, in port order (this imports the server modules)."""
    from .faults import Fault

    rows = []
    for offset, (label, protocol, module, name, kwargs, what) in enumerate(_SERVICES):
        cls = getattr(importlib.import_module(module, __package__), name)
        if issubclass(cls, Fault):
            label, what = label or cls.label, what or cls.summary
        rows.append(Service(offset, label, protocol, cls, kwargs, what))
    return rows


def _port_list(base: int) -> str:
    """The epilog's port map, from the same rows the servers are started from."""
    return "\n".join(f"  {base + s.offset}/{s.protocol}  {s.label}" for s in services())


# -- arguments ---------------------------------------------------------------------------
def _base_port(text: str) -> int:
    from .cli import whole_number

    rule = f"el puerto base debe estar entre 1 y {MAX_BASE} (o 0 para puertos al azar)"
    return whole_number(text, 0, MAX_BASE, "un número de puerto", rule)


def _span(base: int) -> str:
    return f"{base}-{base + len(_SERVICES) - 1}"


_EPILOG = "(los puertos y los ejemplos, al pedir la ayuda)"


def _epilog() -> str:
    return (
        f"Puertos (con la base por defecto, {DEFAULT_BASE}):\n{_port_list(DEFAULT_BASE)}\n\n"
        "Ejemplos:\n"
        f"  python -m labsupport servir                       # solo este equipo, puertos {_span(DEFAULT_BASE)}\n"
        f"  python -m labsupport servir --puerto-base 9000    # puertos {_span(9000)}\n"
        "  python -m labsupport servir --interfaz 0.0.0.0 --permitir-red   # toda la red del aula\n\n"
        "Ctrl-C detiene todos los servidores."
    )


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Writes the port map only when the help is printed: it imports the fault classes for
    their labels, which every other ``python -m labsupport`` command would pay for."""

    def add_text(self, text: str | None) -> None:
        super().add_text(_epilog() if text == _EPILOG else text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = _HelpFormatter
    parser.epilog = _EPILOG
    parser.add_argument(
        "--puerto-base",
        type=_base_port,
        default=DEFAULT_BASE,
        metavar="N",
        help=f"primer puerto; cada servicio usa el siguiente (por defecto {DEFAULT_BASE}; 0 = puertos al azar)",
    )
    parser.add_argument(
        "--interfaz",
        default="127.0.0.1",
        metavar="IP",
        help="dirección IP donde escuchar (por defecto 127.0.0.1: solo este equipo)",
    )
    parser.add_argument(
        "--permitir-red",
        action="store_true",
        help="permite escuchar en una interfaz que no es de loopback (otros equipos podrán conectarse)",
    )


# -- running -----------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    try:
        host, _ = resolve_host(args.interfaz, allow_external=args.permitir_red)
    except LabError as exc:
        hint = "" if args.permitir_red else " Si de verdad quieres abrirlos a tu red, añade --permitir-red."
        print(f"Error: {exc}{hint}", file=sys.stderr)
        return 2
    external = not _is_loopback(host)
    if external:
        print(_warning(host), file=sys.stderr, flush=True)

    stop = threading.Event()
    previous = _install_signal_handlers(stop)
    servers: list[tuple[Service, BackgroundServer]] = []
    try:
        for service in services():
            port = args.puerto_base + service.offset if args.puerto_base else 0
            try:
                server = service.start(host, port, allow_external=external)
            except OSError as exc:
                print(_bind_error(exc, service, host, port, args.puerto_base), file=sys.stderr)
                return 1
            servers.append((service, server))
        print(_table(servers, host), flush=True)
        while not stop.wait(0.5):
            _report_errors(servers)
        print("\nDeteniendo los servidores…", flush=True)
    finally:
        for _, server in reversed(servers):
            server.stop()
        _restore_signal_handlers(previous)
    _report_errors(servers)
    print("Servidores detenidos. ¡Hasta la próxima clase!", flush=True)
    return 0


def _install_signal_handlers(stop: threading.Event) -> dict[int, SignalHandler]:
    """Ctrl-C (SIGINT) and SIGTERM only set ``stop``: no KeyboardInterrupt, no traceback."""
    previous: dict[int, SignalHandler] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def _restore_signal_handlers(previous: dict[int, SignalHandler]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _report_errors(servers: list[tuple[Service, BackgroundServer]]) -> None:
    """A bug in one handler must not stop the class: say it, keep serving."""
    for service, server in servers:
        try:
            server.check()
        except Exception as exc:
            print(f"Aviso: error interno en «{service.label}» ({service.protocol}): "
                  f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)


def _warning(host: str) -> str:
    line = "!" * 78
    return (
        f"{line}\n"
        f"AVISO: los servidores escucharán en {host}, no solo en este equipo.\n"
        "Cualquier equipo que llegue a esta red podrá conectarse a ellos (incluidos los que\n"
        "fallan a propósito). Úsalo solo en la red del aula y detenlos al terminar (Ctrl-C).\n"
        f"{line}"
    )


def _bind_error(exc: OSError, service: Service, host: str, port: int, base: int) -> str:
    what = f"el puerto {port} ({service.label}, {service.protocol})"
    if exc.errno == errno.EADDRINUSE:
        suggestion = base + 100 if base and base + 100 <= MAX_BASE else 9000
        return (
            f"Error: {what} ya está en uso en {host}: otro programa (¿otra copia de «servir»?) lo "
            f"tiene ocupado. Elige otra base con --puerto-base, por ejemplo --puerto-base {suggestion} "
            f"(usará ese puerto y los {len(_SERVICES) - 1} siguientes), o detén el otro programa."
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"Error: no hay permiso para usar {what}: los puertos por debajo de 1024 suelen estar "
            f"reservados. Usa --puerto-base {DEFAULT_BASE} o uno mayor."
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"Error: la dirección {host} no pertenece a este equipo; revisa --interfaz."
    return f"Error: no se pudo abrir {what} en {host}: {exc}"


def _table(servers: list[tuple[Service, BackgroundServer]], host: str) -> str:
    everywhere = host in ("0.0.0.0", "::")
    if everywhere:
        where = "todas las interfaces de red"
    else:
        where = "solo este equipo" if _is_loopback(host) else f"la interfaz {host}"
    table = Table(
        ["servicio", "protocolo", "dirección", "qué verá el cliente"],
        [(s.label, s.protocol, format_address(server.address), s.what) for s, server in servers],
        indent="  ",
    )
    lines = [f"Servidores del curso «Sockets en Python» en marcha ({where}):", "", str(table), ""]
    if everywhere:
        lines.append("Los alumnos se conectan con la dirección IP de este equipo en la red del aula.")
    lines.append("Pulsa Ctrl-C para detener todos los servidores.")
    return "\n".join(lines)


def _is_loopback(host: str) -> bool:
    try:
        resolve_host(host)
    except LabError:
        return False
    return True
