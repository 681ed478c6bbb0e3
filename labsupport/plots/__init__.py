"""The course's figures: what is hard to read in text (bytes on the wire, timings, retries).

Every function takes ``ax=None`` and returns the Axes it drew on (a new figure through
pyplot when none is given, so a notebook shows it inline); none calls ``plt.show()`` or
changes ``rcParams``. matplotlib is imported only when a figure is drawn. Titles never
contain measured numbers, so the Axes' text repr that a notebook prints is the same every
run; the numbers go inside the figure.

Each name is imported from its module the first time it is used, as in ``labsupport``
itself: a notebook that draws only a backlog does not pay for the HTTP codec that the
anatomy figure needs, nor for the tap that the chunk figures read.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from .._lazy import load

if TYPE_CHECKING:  # the types, for mypy and editors; at run time __getattr__ imports on first use
    from .anatomy import Anatomy, Part, anatomy, split_response
    from .attempts import attempts
    from .backlog import backlog
    from .chunks import chunk_records, chunk_sizes
    from .concat import concat_cost, measure_concat
    from .framing import byte_order, message_bytes
    from .keepalive import keep_alive
    from .latency import latency, percentile
    from .many_clients import many_clients
    from .progress import progress
    from .sequence import sequence
    from .server_cost import server_cost
    from .steps import client_steps
    from .tcp_states import tcp_states
    from .udp import goodput, ping_rtts

#: public name -> the module of this package that defines it
_EXPORTS = {
    "Anatomy": ".anatomy",
    "Part": ".anatomy",
    "anatomy": ".anatomy",
    "split_response": ".anatomy",
    "attempts": ".attempts",
    "backlog": ".backlog",
    "byte_order": ".framing",
    "chunk_records": ".chunks",
    "chunk_sizes": ".chunks",
    "client_steps": ".steps",
    "concat_cost": ".concat",
    "measure_concat": ".concat",
    "message_bytes": ".framing",
    "keep_alive": ".keepalive",
    "latency": ".latency",
    "many_clients": ".many_clients",
    "percentile": ".latency",
    "progress": ".progress",
    "sequence": ".sequence",
    "server_cost": ".server_cost",
    "tcp_states": ".tcp_states",
    "goodput": ".udp",
    "ping_rtts": ".udp",
}

__all__ = [
    "Anatomy",
    "Part",
    "anatomy",
    "attempts",
    "backlog",
    "byte_order",
    "chunk_records",
    "chunk_sizes",
    "client_steps",
    "concat_cost",
    "goodput",
    "keep_alive",
    "latency",
    "many_clients",
    "measure_concat",
    "message_bytes",
    "percentile",
    "ping_rtts",
    "progress",
    "sequence",
    "server_cost",
    "split_response",
    "tcp_states",
]


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)


class _Package(types.ModuleType):
    """This package, keeping each figure function under its name.

    Importing a submodule sets it as an attribute of its package. Most figures live in a
    module of their own name (``anatomy.anatomy``, ``sequence.sequence``): without this, the
    first import of such a module, by ``__getattr__`` or by anyone, would put the module where
    ``lab.plots.anatomy(...)`` expects the function.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == f".{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return __all__
