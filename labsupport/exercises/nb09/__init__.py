"""Exercises of notebook 09, "Muchos clientes sin un hilo cada uno": non-blocking reads, a selectors
chat server, an asyncio echo handler with an idle timeout, an asyncio client with an overall deadline.

One module per exercise; each is imported here so that ``lab.comprobar("9.N", ...)`` finds it.
As in the other notebooks, every case runs against real sockets on loopback, every piece a
checker sends reaches the student's socket in a read of its own (:mod:`.._pacing`), and a
timeout that must not fire is generous while one that must fire is short.
"""

from __future__ import annotations

from . import available, chat, client_async, echo_async

__all__ = ["available", "chat", "client_async", "echo_async"]
