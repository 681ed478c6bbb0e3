"""Old names of nb05's imports, until it imports from :mod:`._outcome` and :mod:`._pacing` (then removed)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from . import _pacing
from ._outcome import call, mismatch
from ._outcome import watch_unclosed_if as watching
from ._pacing import PeerReader as PeerView

__all__ = ["PeerView", "call", "mismatch", "wait_consumed", "watching"]


class _Looked:
    def __init__(self, look: Callable[[], _pacing.Reception | None]) -> None:
        self.look = look


def wait_consumed(look: Callable[[], _pacing.Reception | None], total: int, stop: threading.Event) -> bool:
    """The old signature of :func:`._pacing.wait_consumed`."""
    return _pacing.wait_consumed(_Looked(look), total, stop=stop)
