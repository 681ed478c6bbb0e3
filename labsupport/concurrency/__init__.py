"""Many clients without a thread each: the servers, the asyncio pattern and the measure of notebook 09.

- :mod:`.aio`: an asyncio server in the loop that is already running (Jupyter's), that
  ``lab.stop_all()`` stops and ``await settle()`` shows left nothing (tasks, sockets) behind;
- :mod:`.servers`: the same echo with a thread per client, with ``selectors`` and with asyncio;
- :mod:`.comparison`: the three at 10, 100 and 1 000 busy clients: p50/p99 latency, threads, memory.

Nothing is imported until it is used (``psutil`` only by the measure), as in ``labsupport``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._lazy import load

if TYPE_CHECKING:
    from .aio import AsyncServer, Connections, echo, serve, settle
    from .comparison import KINDS, Point, compare, fitting_counts, measure, percentile
    from .servers import AsyncioEchoServer, SelectorEchoServer, threaded

_EXPORTS = {
    "AsyncServer": ".aio",
    "Connections": ".aio",
    "echo": ".aio",
    "serve": ".aio",
    "settle": ".aio",
    "AsyncioEchoServer": ".servers",
    "SelectorEchoServer": ".servers",
    "threaded": ".servers",
    "KINDS": ".comparison",
    "Point": ".comparison",
    "compare": ".comparison",
    "fitting_counts": ".comparison",
    "measure": ".comparison",
    "percentile": ".comparison",
}

__all__ = [
    "KINDS",
    "AsyncServer",
    "AsyncioEchoServer",
    "Connections",
    "Point",
    "SelectorEchoServer",
    "compare",
    "echo",
    "fitting_counts",
    "measure",
    "percentile",
    "serve",
    "settle",
    "threaded",
]


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return __all__
