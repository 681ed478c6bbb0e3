"""One audit hook for the checkers, installed once, that hands each audit event to its watchers.

Some requirements can only be seen in the calls a student's code makes, not in their results
(``bind()`` asked for port 0; a socket was made and never closed). CPython raises an audit event
for them (``socket.bind``, ``socket.__new__``) before the system call, however the call is spelled.
An audit hook cannot be removed, and every hook runs for every event in the process, so there is
one: it looks the event up in a table and returns at once for the rest.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

#: What each watched event calls, with the event's arguments; a handler may raise to make the call fail.
_handlers: dict[str, Callable[[tuple], None]] = {}
_installed = False
_lock = threading.Lock()


def _hook(event: str, args: tuple) -> None:
    handler = _handlers.get(event)
    if handler is not None:
        handler(args)


def on_audit_event(event: str, handler: Callable[[tuple], None]) -> None:
    """Call ``handler(args)`` for every audit ``event`` from now on (one handler per event)."""
    global _installed
    with _lock:
        _handlers[event] = handler
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
