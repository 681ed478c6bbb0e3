"""Checks several exercises share: things a correct answer must not leave behind."""

from __future__ import annotations

import contextlib
import gc
import warnings
from collections.abc import Iterator

from ._framework import Fail


@contextlib.contextmanager
def no_unclosed_sockets(what: str = "tu función") -> Iterator[None]:
    """Fail if a socket is garbage-collected without ``close()`` while the block runs.

    Python reports such a socket with a ``ResourceWarning`` when it is destroyed; the
    collection at the end catches sockets kept alive only by reference cycles
    (a traceback that points back to the frame that held the socket).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    if any(issubclass(w.category, ResourceWarning) for w in caught):
        raise Fail(f"Python avisó de un socket sin cerrar (ResourceWarning): {what} no cerró un socket")
