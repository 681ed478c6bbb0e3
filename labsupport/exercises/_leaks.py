"""Watch for sockets a student's function leaves unclosed, and only for those.

Python reports a socket destroyed without ``close()`` with a ``ResourceWarning`` when it is
collected. Recording every such warning while a case runs can blame a right answer: a socket
left by an *earlier* case or cell (in a traceback's reference cycle, after an error or a
time-out), or by another thread (a server of the checker, another test in the same process),
may be collected during this one. Collecting first would clear some of them, but not the
other threads', and a full collection in a notebook's kernel costs a tenth of a second.

So the watch tells the sockets apart by who made them. CPython raises the audit event
``socket.__new__`` for every socket object, however it is made (``socket.socket``,
``create_connection``, ``create_server``, ``accept``, TLS), with the object itself; and the
warning names its ``source``, the very socket being destroyed. A warning counts only if its
source was born inside the block, in the thread that runs it (where the checker calls the
student's function). The checkers' one audit hook (:mod:`._audit`) hands this module every ``socket.__new__``; it
does nothing for threads that are not watching.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import warnings
import weakref
from collections.abc import Iterator

from ._audit import on_audit_event
from ._framework import Fail

#: Per watching thread (by ident): id of each socket born there inside the block -> a weak reference to it.
_born: dict[int, dict[int, weakref.ref]] = {}


def _on_event(args: tuple) -> None:
    born = _born.get(threading.get_ident())
    if born is not None:
        sock = args[0]
        born[id(sock)] = weakref.ref(sock)


def _install() -> None:
    on_audit_event("socket.__new__", _on_event)


def _ours(warning: warnings.WarningMessage, born: dict[int, weakref.ref]) -> bool:
    """Whether the warning is about a socket born in the block (its weak reference points to it,
    or was already cleared, as the collector does for a cycle before destroying it)."""
    if not issubclass(warning.category, ResourceWarning) or warning.source is None:
        return False
    ref = born.get(id(warning.source))
    return ref is not None and ref() in (warning.source, None)


def _still_open(born: dict[int, weakref.ref]) -> bool:
    """Whether a socket born in the block is alive and open: only such a socket can warn when collected."""
    return any((sock := ref()) is not None and sock.fileno() != -1 for ref in list(born.values()))


@contextlib.contextmanager
def watch_unclosed(what: str = "tu función") -> Iterator[None]:
    """Fail if a socket created by this thread while the block runs is destroyed without ``close()``.

    The collection at the end catches sockets kept alive only by reference cycles (a
    traceback that points back to the frame that held the socket). It is skipped when no socket
    born in the block is still open, and it looks only at objects made during the block
    (``gc.freeze`` before it): a full collection in a notebook's kernel, with IPython, ipywidgets
    and matplotlib loaded, costs 0,15–0,45 s, once per case. A socket still referenced when the
    block ends (one the function returned, on purpose) is not judged.
    """
    _install()
    me = threading.get_ident()
    outer = _born.get(me)
    born: dict[int, weakref.ref] = {}
    _born[me] = born
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            gc.freeze()  # what existed before the block is not the block's: the collection skips it
            try:
                yield
                if _still_open(born):  # only an open socket warns when collected
                    gc.collect()
            finally:
                gc.unfreeze()  # (a nested watch's unfreeze makes the outer collection a full one: slower, still right)
    finally:
        if outer is None:
            del _born[me]
        else:
            _born[me] = outer
            outer.update(born)  # an outer watch also saw these sockets born
    leaked = any(_ours(w, born) for w in caught)
    caught.clear()  # the warnings hold the dead sockets (their ``source``)
    if leaked:
        raise Fail(f"Python avisó de un socket sin cerrar (ResourceWarning): {what} no cerró un socket")
