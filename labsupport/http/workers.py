"""A bounded pool of worker threads, started on demand, running jobs first come, first served.

The HTTP server's selector thread reads request heads; a complete one becomes a job here.

Why few threads: CPython's GIL is not handed over in arrival order (a thread coming back
from ``send``/``recv`` grabs it ahead of those already waiting). With a thread per
connection, ``py-spy dump --native`` of the server at 200 clients showed 94 % of the threads
queued for the GIL and a p99 of 0.8-2.4 s for a median of 10-20 ms. Here jobs wait in one
FIFO queue, and a worker that ends a job takes the next one itself (no hand-over to another
thread, which on a busy machine waits for the scheduler). A new thread starts only when a
job is queued, no worker is free and fewer than ``max_active`` are computing: a worker inside
``with pool.waiting():`` (a sleep, a body still on its way) does not count, so requests that
wait keep a thread each and the others still get new threads, up to ``max_workers``. A write
that blocks (a download to a slow reader) cannot be told apart in advance: :meth:`unstall`,
called by the selector's sweep, starts one more thread when queued jobs have not moved for
``STALL`` seconds. Idle threads end after ``idle`` seconds.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

#: Seconds without a job starting, while jobs wait, after which one more thread is started.
STALL = 0.1


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
        self._wakeups = 0  # idle workers notified that have not taken their job yet
        self._computing = 0  # workers in a job and not in waiting()
        self._stopping = False
        self._started = 0
        self._last_start = time.monotonic()
        self._local = threading.local()

    def submit(self, job: Callable[..., Any], *args: Any) -> bool:
        """Queue ``job``; False (and nothing queued) once the pool is stopping."""
        with self._cv:
            if self._stopping:
                return False
            self._jobs.append((job, args))
            if self._idle > self._wakeups:
                self._wakeups += 1
                self._cv.notify()
            elif self._computing + self._wakeups < self.max_active:
                self._start_thread()
        return True

    def _start_thread(self) -> None:
        """With the lock held and jobs queued: one more worker for the oldest, if the cap allows.

        The job is handed over at once (and counted as computing), so a second ``submit`` in
        the same instant never starts a second thread for a turn already taken.
        """
        if len(self._threads) < self.max_workers:
            self._started += 1
            self._computing += 1
            self._last_start = time.monotonic()
            job = self._jobs.popleft()
            thread = threading.Thread(target=self._work, args=(job,), name=f"{self.name}-{self._started}", daemon=True)
            self._threads.add(thread)
            thread.start()

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """Around a wait inside a job (sleep, slow read): the worker stops counting as computing."""
        mine = getattr(self._local, "computing", False) and not getattr(self._local, "waiting", False)
        if mine:
            self._local.waiting = True
            with self._cv:
                self._computing -= 1
                if self._jobs and self._idle <= self._wakeups and self._computing + self._wakeups < self.max_active:
                    self._start_thread()
        try:
            yield
        finally:
            if mine:
                self._local.waiting = False
                with self._cv:
                    self._computing += 1

    def unstall(self) -> None:
        """Start one more worker if queued jobs have not moved for ``STALL`` s (every worker blocked)."""
        with self._cv:
            if self._jobs and not self._idle and time.monotonic() - self._last_start > STALL:
                self._last_start = time.monotonic()
                self._start_thread()

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
        """Workers in a job and not inside ``waiting()``."""
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
                    self._local.computing = False
                    with self._cv:
                        self._computing -= 1
            with self._cv:
                while not self._jobs and not self._stopping:
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
                self._last_start = time.monotonic()

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
