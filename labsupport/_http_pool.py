"""A bounded pool of worker threads, started on demand, running jobs first come, first served.

The HTTP server's selector thread reads request heads; a complete one becomes a job here.

Why so few threads compute at once: CPython's GIL is not handed over in arrival order (a
thread coming back from ``send``/``recv`` grabs it ahead of those already waiting). With a
thread per connection, ``py-spy dump --native`` of the server at 200 clients showed 94 % of
the threads queued for the GIL and a p99 of 0.8-2.4 s for a median of 10-20 ms. Here jobs
wait in one FIFO queue instead, and at most ``max_active`` of them compute at once: a job
computes from its start until it calls :meth:`leave` (the server calls it before anything
that may block for long: reading a body still on its way, the first write of a response, a
sleep) or it ends. So under a load of quick requests ``max_active`` threads share the GIL,
in arrival order; requests that wait (an upload, /delay, a download to a slow reader) keep
a thread each but no turn, and new threads are started for the others, up to
``max_workers``. Idle threads end after ``idle`` seconds.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any


class WorkerPool:
    """``submit(job, *args)`` runs ``job(*args)`` in one of at most ``max_workers`` threads."""

    def __init__(self, name: str, max_workers: int, max_active: int = 4, idle: float = 1.0) -> None:
        self.name = name
        self.max_workers = max_workers
        self.max_active = max_active
        self._idle_exit = idle
        self._cv = threading.Condition()
        self._jobs: collections.deque[tuple[Callable[..., Any], tuple]] = collections.deque()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._computing = 0
        self._wakeups = 0  # idle workers notified that have not run yet
        self._stopping = False
        self._started = 0
        self._local = threading.local()

    def submit(self, job: Callable[..., Any], *args: Any) -> bool:
        """Queue ``job``; False (and nothing queued) once the pool is stopping."""
        with self._cv:
            if self._stopping:
                return False
            self._jobs.append((job, args))
            self._wake_or_start()
        return True

    def _wake_or_start(self) -> None:
        """With the lock held: if a turn is free, an idle worker takes the next job, or a new one starts."""
        if self._computing + self._wakeups >= self.max_active:
            return  # the next leave() comes back here
        if self._idle > self._wakeups:
            self._wakeups += 1  # counted until that worker runs: no second thread for the same turn
            self._cv.notify()
        elif len(self._threads) < self.max_workers:
            self._started += 1
            self._computing += 1  # the new thread starts with the oldest job
            job = self._jobs.popleft()
            thread = threading.Thread(target=self._work, args=(job,), name=f"{self.name}-{self._started}", daemon=True)
            self._threads.add(thread)
            thread.start()

    def leave(self) -> None:
        """This worker's job will wait (write, sleep): it stops counting as computing. Idempotent."""
        if not getattr(self._local, "computing", False):
            return  # not a worker of this pool, or already left
        self._local.computing = False
        with self._cv:
            self._computing -= 1
            if self._jobs:
                self._wake_or_start()

    @property
    def threads(self) -> int:
        with self._cv:
            return len(self._threads)

    @property
    def busy(self) -> int:
        """Workers running a job right now (computing or waiting)."""
        with self._cv:
            return len(self._threads) - self._idle

    @property
    def computing(self) -> int:
        """Workers in the computing part of a job (before its first write or sleep)."""
        with self._cv:
            return self._computing

    @property
    def queued(self) -> int:
        """Jobs waiting for a worker right now."""
        with self._cv:
            return len(self._jobs)

    def _work(self, job: tuple[Callable[..., Any], tuple] | None) -> None:
        me = threading.current_thread()
        while True:
            if job is not None:
                self._local.computing = True
                try:
                    job[0](*job[1])  # the job handles its own errors: the caller's policy, not the pool's
                finally:
                    self.leave()
            with self._cv:
                while not (self._jobs and self._computing < self.max_active) and not self._stopping:
                    self._idle += 1
                    woken = self._cv.wait(self._idle_exit)
                    self._idle -= 1
                    if self._wakeups:
                        self._wakeups -= 1
                    if not woken and not self._jobs:
                        self._threads.discard(me)
                        return
                if self._stopping:
                    self._threads.discard(me)
                    return
                job = self._jobs.popleft()
                self._computing += 1

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
