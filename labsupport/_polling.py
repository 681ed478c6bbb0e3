"""Waiting for a state that only the kernel knows, or that threads we do not own will reach.

Most waits in the course are awaited (an event, a join, a readable socket). A few cannot be:
how many bytes a socket still has unread, how many threads the process has. Those are polled,
every millisecond or so, and always bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.001) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; return whether it held."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
