"""Run a coroutine that drives Jupyter kernels so that Ctrl+C ends the command, not one kernel.

nbclient, when it runs in the main thread, replaces SIGINT's handler with its own: Ctrl+C then
shuts down the kernel of the notebook being run and the command goes on. For ``ejecutar`` that
ended in nbclient's own failed assertion (a traceback, exit 1); for ``corregir`` it was worse:
the notebook was graded as "el kernel terminó de golpe" and grading went on to the next
student, writing grades for work nobody finished running. Signals belong to the main thread,
so the coroutine runs in another one (where nbclient cannot install its handler) and the main
thread only waits: Ctrl+C there cancels the coroutine (its ``async with`` blocks shut their
kernels down), kills whatever kernel is still alive, and comes out as ``KeyboardInterrupt``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: seconds the cancelled coroutine gets to shut its kernels down before they are killed
CANCEL_WAIT = 10.0


def run_interruptibly(make: Callable[[], Coroutine[Any, Any, T]], *, name: str) -> T:
    """``asyncio.run(make())`` in a thread named ``name``; Ctrl+C in the caller cancels it and re-raises."""
    box: dict[str, Any] = {}
    started = threading.Event()
    before = _children()

    async def main() -> T:
        box["loop"], box["task"] = asyncio.get_running_loop(), asyncio.current_task()
        started.set()
        return await make()

    def work() -> None:
        try:
            box["value"] = asyncio.run(main())
        except BaseException as exc:  # handed to the caller's thread, which raises it
            box["error"] = exc
        finally:
            started.set()

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        started.wait(CANCEL_WAIT)
        loop, task = box.get("loop"), box.get("task")
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed: nothing to cancel
                loop.call_soon_threadsafe(task.cancel)
        worker.join(CANCEL_WAIT)
        _kill(_children() - before)
        raise
    if "error" in box:
        raise box["error"]
    return box["value"]


def _children() -> set[Any]:
    import psutil

    return set(psutil.Process().children(recursive=True))


def _kill(processes: set[Any]) -> None:
    """Kill the processes started during the run (its kernels) that survived the cancellation, bounded;
    processes that were already there (a program the notebook started) are not the run's to kill."""
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(list(processes), timeout=CANCEL_WAIT)
