"""Where the course cannot run: say so in Spanish at the setup cell, not later with an obscure error.

Every lesson opens real sockets on *loopback*. In JupyterLite (Pyodide, ``sys.platform ==
"emscripten"``) and WASI, ``import socket`` works but no connection to 127.0.0.1 can be made,
so ``import labsupport`` refuses there at once, with a cheap check and no side effect.
Elsewhere a machine can still have loopback unusable (a container whose ``lo`` interface is
down: ``bind()`` works, ``connect()`` gives "Network is unreachable"): the first server that
labsupport creates tries one connection to itself, once per process, and refuses the same way.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys

from ._errors import LabError

#: Platforms whose ``socket`` module imports but cannot connect to a server of the same process.
NO_LOOPBACK_PLATFORMS = {"emscripten": "JupyterLite (Pyodide, Python en el navegador)", "wasi": "WASI"}

#: What to do instead, in every refusal.
WHERE_INSTEAD = (
    "El curso abre sockets reales en 127.0.0.1 y aquí no se puede. Ábrelo en Binder (el botón «launch binder» "
    "del README) o en tu ordenador con `make lab`."
)

_probed = False


class NoLoopbackError(LabError, OSError):
    """This environment cannot connect to 127.0.0.1: the course cannot run here at all."""


def platform_refusal(platform: str) -> NoLoopbackError | None:
    """The error for a platform without loopback sockets, or None where they can work."""
    where = NO_LOOPBACK_PLATFORMS.get(platform)
    if where is None:
        return None
    return NoLoopbackError(f"Este entorno es {where}: en él `import socket` funciona, pero ninguna conexión "
                           f"llega a otro socket. {WHERE_INSTEAD}")


def refuse_unsupported_platform() -> None:
    """Raise :class:`NoLoopbackError` at ``import labsupport`` in JupyterLite or WASI (only a string compare)."""
    refusal = platform_refusal(sys.platform)
    if refusal is not None:
        raise refusal


def probe_error() -> NoLoopbackError | None:
    """Connect one TCP socket to another on 127.0.0.1; the error if that fails, else None.

    The client closes with a reset (SO_LINGER 0), so the probe leaves no TIME_WAIT behind
    that a lesson about connection states could see.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
                client.settimeout(5)  # must not fire: loopback answers at once or refuses at once
                with contextlib.suppress(OSError):  # a platform that refuses this option still probes
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.connect(server.getsockname())
    except OSError as exc:
        return NoLoopbackError(f"No se puede conectar con 127.0.0.1 en este entorno ({type(exc).__name__}: {exc}). "
                               f"{WHERE_INSTEAD}")
    return None


def ensure_loopback() -> None:
    """Raise :class:`NoLoopbackError` if loopback connections fail; probes once per process, on success only."""
    global _probed
    if _probed:
        return
    refusal = probe_error()
    if refusal is not None:
        raise refusal
    _probed = True
