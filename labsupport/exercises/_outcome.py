"""What a student's network function did, and how to say it: the checkers of notebooks 04 to 08.

A network function may *have to* raise (a timeout, a reset): :func:`call` returns what it
raised instead of letting it end the case, so the case can judge it, and clears the
traceback's frames so that a socket the student left open is collected, and reported,
while the watch for unclosed sockets is still on. :func:`mismatch` says how the bytes it
returned differ from the bytes that were sent, in words that are true for those very bytes.
:func:`expect_connection_error` is the one judgement of "the peer closed too early: raise
ConnectionError" (notebooks 06 and 08).
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable
from typing import Any

from ._framework import Fail, brief
from ._leaks import watch_unclosed


def call(funcion: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
    """``(result, None)`` or ``(None, exception)``: what the student's function did."""
    try:
        return funcion(*args), None
    except Exception as exc:  # judged by the case; KeyboardInterrupt and the framework's stop pass
        traceback.clear_frames(exc.__traceback__)  # file and line stay for the report
        return None, exc


def watch_unclosed_if(closes: bool, what: str = "tu función") -> contextlib.AbstractContextManager[None]:
    """:func:`~._leaks.watch_unclosed` in the cases that judge closing, nothing in the others.

    The watch ends with a full garbage collection, which costs a tenth of a second or more in
    a kernel that has imported matplotlib and ipywidgets: one case per path (answer, timeout,
    reset) is enough to check "close the socket" on that path.
    """
    return watch_unclosed(what) if closes else contextlib.nullcontext()


def exception_text(error: BaseException) -> str:
    """``TimeoutError: timed out``, for messages."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def expect_connection_error(
    funcion: Callable[..., Any],
    *args: Any,
    returned: Callable[[Any], str],
    raised: Callable[[Exception], str] | None = None,
    accept: tuple[type[Exception], ...] = (),
) -> None:
    """Call ``funcion(*args)`` when the peer closes too early and the answer is to raise ConnectionError.

    It passes if ``funcion`` raised ConnectionError (or one of ``accept``: another library's word
    for the same thing). If it returned, Fail with ``returned(result)``. ``NotImplementedError``
    goes on as it is (the student has not written that part yet: pending, not wrong), and so does
    the checker's own Fail. Any other exception is a wrong one: Fail with ``raised(exception)``,
    or, without ``raised``, it goes on to the framework, which reports it as the student's.
    """
    result, error = call(funcion, *args)
    if error is None:
        raise Fail(returned(result))
    if isinstance(error, (ConnectionError, *accept)):
        return
    if raised is None or isinstance(error, (NotImplementedError, Fail)):
        raise error
    raise Fail(raised(error)) from None


def mismatch(got: bytes, expected: bytes, what: str = "tu función") -> str:
    """How ``got`` differs from ``expected``, in words that are true for these very bytes."""
    n, m = len(got), len(expected)
    if not got:
        return f"{what} devolvió b'' (nada) y se esperaban {m} bytes"
    if expected.startswith(got):
        return (
            f"{what} devolvió solo los primeros {n} de {m} bytes ({brief(got, 40)}): "
            "llegaron en varios fragmentos y faltó seguir leyendo"
        )
    if got.startswith(expected):
        return f"{what} devolvió {n} bytes: los {m} esperados y {n - m} de más ({brief(got[m:], 30)})"
    return f"{what} devolvió {n} bytes que no son los {m} esperados (empiezan por {brief(got[:24], 40)})"
