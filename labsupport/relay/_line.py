"""A delay line: jobs run in order by a thread of their own, each not before its time.

Latency on a real link delays every byte by the same time, however many follow it: a burst of
ten fragments arrives ten fragments later, not ten latencies later. The tap's thread of a
direction reads a fragment and only then reads the next, so if it waited each fragment's latency
itself, a burst would pile the waits up (and a latency would look like a slow link). Instead it
puts each fragment here, due at its arrival plus its latency, and goes back to reading; this
line's thread sends them in order when each is due. The bytes waiting are bounded (``limit``):
past it the reader waits, as a full send buffer would make it wait.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

__all__ = ["DelayLine"]

#: Bytes a line holds before the reader waits for it (a generous send buffer).
LIMIT = 4 * 1024 * 1024


class DelayLine:
    """Run each job at its due time, in the order they were put, in one thread.

    ``pause(seconds)`` waits and returns False if the connection ended meanwhile (then the line
    stops). A job returns False to stop the line (the connection is over); one that raises stops
    it too, and its exception goes to ``on_error`` (a thread never prints).
    """

    def __init__(
        self,
        pause: Callable[[float], bool],
        name: str,
        on_error: Callable[[BaseException], None],
        limit: int = LIMIT,
    ) -> None:
        self._pause = pause
        self._on_error = on_error
        self._limit = limit
        self._jobs: collections.deque[tuple[float, int, Callable[[], bool]]] = collections.deque()
        self._queued = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, due: float, size: int, job: Callable[[], bool]) -> bool:
        """Queue ``job`` (``size`` bytes) for ``due`` (monotonic); False if the line has stopped."""
        with self._cond:
            while self._queued >= self._limit and not self._closed:
                self._cond.wait()
            if self._closed:
                return False
            self._jobs.append((due, size, job))
            self._queued += size
            self._cond.notify_all()
        return True

    def drain(self) -> bool:
        """Wait until every job put so far has run; False if the line stopped first."""
        with self._cond:
            while self._jobs and not self._closed:
                self._cond.wait()
            return not self._closed

    def close(self) -> None:
        """Stop the line (jobs not yet run are dropped) and wait for its thread."""
        with self._cond:
            self._closed = True
            self._jobs.clear()
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                due, size, job = self._jobs[0]
            left = due - time.monotonic()
            try:
                ok = (left <= 0 or self._pause(left)) and job()
            except BaseException as exc:
                ok = False
                self._on_error(exc)
            with self._cond:
                if self._jobs and self._jobs[0][2] is job:
                    self._jobs.popleft()
                    self._queued -= size
                if not ok:
                    self._closed = True
                    self._jobs.clear()
                self._cond.notify_all()
                if self._closed:
                    return
