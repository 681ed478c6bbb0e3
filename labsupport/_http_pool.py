"""A bounded pool of worker threads, started on demand, taking jobs first come, first served.

The HTTP server's selector thread reads request heads; a complete one becomes a job here.
Threads are created only while every existing one is busy, up to ``max_workers``, and end
after ``idle`` seconds without work, so an idle server runs none and a busy one never more
than the cap, however many clients are connected. Jobs wait in one FIFO queue: a request
that arrives first starts first.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any


class WorkerPool:
    """``submit(job, *args)`` runs ``job(*args)`` in one of at most ``max_workers`` threads."""

    def __init__(self, name: str, max_workers: int, idle: float = 1.0) -> None:
        self.name = name
        self.max_workers = max_workers
        self._idle_exit = idle
        self._cv = threading.Condition()
        self._jobs: collections.deque[tuple[Callable[..., Any], tuple]] = collections.deque()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._stopping = False
        self._started = 0

    def submit(self, job: Callable[..., Any], *args: Any) -> bool:
        """Queue ``job``; False (and nothing queued) once the pool is stopping."""
        with self._cv:
            if self._stopping:
                return False
            self._jobs.append((job, args))
            if self._idle >= len(self._jobs):
                self._cv.notify()
            elif len(self._threads) < self.max_workers:
                self._started += 1
                thread = threading.Thread(target=self._work, name=f"{self.name}-{self._started}", daemon=True)
                self._threads.add(thread)
                thread.start()
        return True

    @property
    def threads(self) -> int:
        with self._cv:
            return len(self._threads)

    @property
    def queued(self) -> int:
        """Jobs waiting for a free worker right now."""
        with self._cv:
            return len(self._jobs)

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cv:
                while not self._jobs and not self._stopping:
                    self._idle += 1
                    woken = self._cv.wait(self._idle_exit)
                    self._idle -= 1
                    if not woken and not self._jobs:
                        self._threads.discard(me)
                        return
                if self._stopping:
                    self._threads.discard(me)
                    return
                job, args = self._jobs.popleft()
            job(*args)  # the job handles its own errors: the caller's policy, not the pool's

    def stop(self, timeout: float = 2.0) -> list[tuple[Callable[..., Any], tuple]]:
        """Start no more jobs, wait (bounded) for the running ones; return those never started."""
        with self._cv:
            self._stopping = True
            left = list(self._jobs)
            self._jobs.clear()
            threads = list(self._threads)
            self._cv.notify_all()
        for thread in threads:
            thread.join(timeout)
        return left
