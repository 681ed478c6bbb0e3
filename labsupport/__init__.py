"""labsupport: the local servers, views and checks behind the course "Sockets en Python".

``import labsupport as lab`` is cheap and starts nothing: every name below is imported
the first time it is used (matplotlib and ipywidgets only by the modules that draw).
"""

from __future__ import annotations

from typing import Any

from ._lazy import load
from ._loopback import refuse_unsupported_platform

refuse_unsupported_platform()  # JupyterLite: say so in the setup cell (a string compare, nothing opened)

__version__ = "0.1.0"

# public name -> module that defines it (relative to this package)
_EXPORTS = {
    # servers and their lifecycle
    "BackgroundServer": "._server",
    "StreamServer": "._server",
    "DatagramServer": "._server",
    "Event": "._server",
    "EventKind": ".events",
    "stop_all": "._server",
    "running_servers": "._server",
    "EchoServer": ".echo",
    "FunctionServer": ".function_server",
    "UdpEchoServer": ".echo",
    "HttpServer": ".http",
    "TlsHttpServer": ".tls",
    "TlsEchoServer": ".tls",
    "Tap": ".tap",
    "Relay": ".relay",
    "UdpRelay": ".relay.udp",
    # the course's own verbs
    "ficha": ".sockstate",
    "conexiones": ".sockstate",
    "StatePath": ".sockstate.path",
    "reuseaddr_matrix": ".reuseaddr",
    "comprobar": ".exercises",
    "progreso": ".progress",
    # errors for misuse of labsupport
    "LabError": "._errors",
    "ServerStoppedError": "._errors",
    "NotLoopbackError": "._errors",
    "NoIPv6Error": "._errors",
    "NoLoopbackError": "._loopback",
    "UnknownExerciseError": "._errors",
    "NotCallableError": "._errors",
}
_SUBMODULES = (
    "faults", "plots", "widgets", "exercises", "echo", "http", "tap", "sockstate", "tls", "clients", "server_cost",
    "framing",
    "concurrency",
    "programs",
    "relay",
)

__all__ = sorted([*_EXPORTS, *_SUBMODULES])


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name, _SUBMODULES)


def __dir__() -> list[str]:
    return __all__
