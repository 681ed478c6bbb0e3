"""What the asyncio exercises share: their own event loop in a thread, and words for where a coroutine waits.

A student's coroutine never blocks the checker's thread: it runs in an event loop of the
checker's (a thread of its own, or the case's worker), so Jupyter's own loop is never touched
and a coroutine that waits for ever is found waiting (its task's stack), cancelled and named,
instead of running the case out of time. Python 3.10's ``asyncio.TimeoutError`` is not yet the
builtin ``TimeoutError`` (3.11 made them one): :data:`TIMEOUTS` accepts both.
"""

from __future__ import annotations

import asyncio
import contextlib
import linecache
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from types import FrameType
from typing import Any

from .. import Fail, brief
from .._diagnose import is_student_file

#: What a deadline raises, in every supported Python (3.10: asyncio.TimeoutError is another class).
TIMEOUTS: tuple[type[BaseException], ...] = (TimeoutError, asyncio.TimeoutError)


def expect_coroutine(result: Any, name: str) -> Awaitable[Any]:
    """What the student's function returned must be awaited: Fail if it is not a coroutine (no ``async def``)."""
    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
        return result
    raise Fail(
        f"tu función devolvió {brief(result)} en vez de una corrutina: escríbela con `async def {name}(...)` "
        "y usa await dentro"
    )


def _await_chain(task: asyncio.Task[Any]) -> list[FrameType]:
    """The frames of a suspended task, outermost first, following what each coroutine awaits.

    ``Task.get_stack()`` shows only the task's own coroutine: a coroutine that awaits another is
    not its frame's ``f_back``, so the chain is walked through ``cr_await`` (``gi_yieldfrom``)."""
    frames: list[FrameType] = []
    awaited: Any = task.get_coro()
    for _ in range(100):  # a chain is short; a cycle is impossible, a bound costs nothing
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return frames


def where_waiting(task: asyncio.Task[Any]) -> str:
    """`` en la línea 7 de f(): `await lector.readline()` ``: the student's line a task waits at ("" if none)."""
    frames = [f for f in _await_chain(task) if is_student_file(f.f_code.co_filename)]
    if not frames:
        return ""
    frame = frames[-1]
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno, frame.f_globals).strip()
    shown = f": `{code[:70]}`" if code else ""
    return f" en la línea {frame.f_lineno} de {frame.f_code.co_name}(){shown}"


async def settle(task: asyncio.Task[Any], patience: float) -> None:
    """Cancel ``task`` and wait (at most ``patience``) until it has ended."""
    task.cancel()
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(asyncio.shield(task), patience)


class LoopThread:
    """An event loop of the checker's, running in a thread of its own until :meth:`stop`.

    ``run(coro, timeout)`` runs a coroutine there from another thread and waits for its result.
    ``stop()`` cancels whatever still runs, closes the loop and joins the thread (idempotent).
    """

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        #: What the loop would have printed (an exception nobody retrieved): kept, never printed.
        self.unhandled: list[dict[str, Any]] = []
        self.loop.set_exception_handler(lambda _loop, context: self.unhandled.append(context))
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stopped = False
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        if tasks:
            self.loop.run_until_complete(asyncio.wait(tasks, timeout=2.0))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float) -> Any:
        """Run ``coro`` in this loop; its result (or exception). TimeoutError if it takes over ``timeout``."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, function: Callable[[], Any]) -> None:
        """Call ``function`` in the loop's thread, soon."""
        if not self._stopped:
            self.loop.call_soon_threadsafe(function)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(RuntimeError):  # already closed
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5.0)


def run_silently(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``asyncio.run(main())`` in a loop of the checker's that never prints: an exception nobody retrieved
    (a student's task left behind) is dropped instead of logged, and what is still running at the end is
    cancelled and awaited before the loop closes."""
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda _loop, _context: None)
    try:
        return loop.run_until_complete(main())
    finally:
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks, timeout=2.0))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def wait_event(event: threading.Event, patience: float, interval: float = 0.005) -> bool:
    """Wait for a thread's ``event`` without blocking the loop (so the student's callbacks still run)."""
    deadline = time.monotonic() + patience
    while not event.is_set():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval)
    return True
