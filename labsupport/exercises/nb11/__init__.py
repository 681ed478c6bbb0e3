"""Exercises of notebook 11, "UDP a fondo": a pinger, a receiver that orders, stop-and-wait, a CRC-32 check.

One module per exercise, imported here in the notebook's order so that ``lab.comprobar("11.N", ...)``
finds it. Every case runs through the lossy UDP relay (:class:`labsupport.relay.udp.UdpRelay`) with a
fixed seed, named in the case and in its messages: the relay's decisions are the same on every run, and
what is expected is computed from what the relay did (its events), never assumed.
"""

from __future__ import annotations

from . import checksum, order, ping, stop_and_wait

__all__ = ["checksum", "order", "ping", "stop_and_wait"]
