"""A first-come, first-served turn for the CPU part of each HTTP request.

Why: HttpServer runs one thread per connection. Under load (a classroom of 200 keep-alive
clients) nearly all of those threads are runnable at once and queue for CPython's GIL, which
is not handed over in order: a thread coming back from ``send``/``recv`` grabs it ahead of
the ones already waiting. ``py-spy dump --native`` of the server at 200 clients showed 94 % of
the handler threads blocked in ``pthread_cond_timedwait`` right after a socket call (the GIL's
wait), and wrk measured a p99 of 0.8-2.4 s for a median of 10-20 ms. Letting the threads take
turns in arrival order, on a lock of their own (which releases the GIL while they wait), brought
that p99 down to 0.1-0.14 s in the same run, and 40-50 ms to 10-12 ms at 50 clients, with
requests per second within the run-to-run noise (``benchmarks/classroom_load.py``).

The turn covers only work that cannot block: a request holds it from routing until its first
write or sleep (``leave()`` is called there, and again at the end, idempotently). If a turn
is not granted within ``patience`` seconds the thread goes on without one, so a path that
forgets to leave can slow the others by at most that much, never stall the server.
"""

from __future__ import annotations

import collections
import threading


class FairTurn:
    """``slots`` turns handed out in arrival order; ``enter()`` / ``leave()`` per thread."""

    def __init__(self, slots: int = 1, patience: float = 0.25) -> None:
        self._lock = threading.Lock()
        self._free = slots
        self._queue: collections.deque[threading.Lock] = collections.deque()
        self._patience = patience
        self._held = threading.local()

    def enter(self) -> None:
        """Wait for this thread's turn (at most ``patience`` s, then go on without one)."""
        if getattr(self._held, "turn", False):
            return
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                self._held.turn = True
                return
            ticket = threading.Lock()
            ticket.acquire()
            self._queue.append(ticket)
        if not ticket.acquire(timeout=self._patience):
            with self._lock:
                try:
                    self._queue.remove(ticket)
                    return  # gave up waiting: no turn to give back
                except ValueError:
                    pass  # leave() handed the turn over just as the wait ended: it is ours
        self._held.turn = True

    def leave(self) -> None:
        """Give this thread's turn to the longest waiter; nothing if it holds none."""
        if not getattr(self._held, "turn", False):
            return
        self._held.turn = False
        with self._lock:
            if self._queue:
                self._queue.popleft().release()
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        """Threads queued for a turn right now."""
        with self._lock:
            return len(self._queue)
