"""Network conditions on demand: relays that put a bad network between a client and a server.

Loopback never loses, delays or splits anything, so the lessons about a real network (a slow
link, a peer that vanishes, ``recv()`` returning pieces) need something in the middle that
misbehaves on purpose, and does it the same way every run (seeded):

- :mod:`.tcp`: ``Relay``, the recording proxy of :mod:`labsupport.tap` with *toxics* (the
  names of toxiproxy, the reference tool): latency, bandwidth, slow_close, timeout,
  reset_peer, slicer, coalesce, limit_data, each per direction and with a probability;
- :mod:`.toxics`: the toxic kinds, their parameter checks and their seeded decisions;
- :mod:`.udp`: ``UdpRelay``, loss, duplication, reordering, corruption and delay of datagrams.

Nothing is imported until it is used, as in ``labsupport``.
"""

from __future__ import annotations

from typing import Any

from .._lazy import load

#: public name -> the module of this package that defines it
_EXPORTS = {
    "Relay": ".tcp",
    "RelayEvent": ".tcp",
    "Toxic": ".toxics",
    "ToxicError": ".toxics",
    "TOXICS": ".toxics",
    "DIRECTIONS": ".toxics",
    "UdpRelay": ".udp",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return __all__
