"""watch_unclosed: a socket leaked inside the block fails; one left from before the block does not."""

from __future__ import annotations

import gc
import socket

import pytest

from labsupport.exercises import Fail
from labsupport.exercises._leaks import open_fds, watch_unclosed


def _leak_in_a_cycle() -> None:
    """A socket that only the garbage collector will destroy (a frame in a reference cycle)."""
    s = socket.socket()
    holder = {"socket": s}
    holder["self"] = holder


def test_a_socket_leaked_inside_the_block_fails():
    with pytest.raises(Fail, match="no cerró un socket"), watch_unclosed():
        _leak_in_a_cycle()


def test_a_socket_closed_inside_the_block_passes():
    with watch_unclosed():
        socket.socket().close()


@pytest.mark.skipif(open_fds() is None, reason="this system cannot list its open descriptors")
def test_a_socket_left_by_earlier_code_is_not_blamed():
    gc.disable()  # the cycle must survive until the block's own collection
    try:
        _leak_in_a_cycle()
        with watch_unclosed():
            pass
    finally:
        gc.enable()
