"""watch_unclosed blames a socket leaked inside the block by its own thread, and nothing else:
not a socket left from before the block, not one another thread leaks meanwhile."""

from __future__ import annotations

import gc
import socket
import threading

import pytest

from labsupport.exercises import Fail
from labsupport.exercises._leaks import watch_unclosed


def _leak_in_a_cycle() -> None:
    """A socket that only the garbage collector will destroy (a frame in a reference cycle)."""
    s = socket.socket()
    holder = {"socket": s}
    holder["self"] = holder


def _leak_now() -> None:
    """A socket destroyed unclosed as soon as the function returns (its last reference goes)."""
    socket.socket()


@pytest.mark.parametrize("leak", [_leak_in_a_cycle, _leak_now], ids=["ciclo", "al_instante"])
def test_a_socket_leaked_inside_the_block_fails(leak):
    with pytest.raises(Fail, match="no cerró un socket"), watch_unclosed():
        leak()


def test_an_accepted_socket_left_open_fails():
    with socket.create_server(("127.0.0.1", 0)) as server, socket.create_connection(server.getsockname()):
        with pytest.raises(Fail, match="no cerró un socket"), watch_unclosed():
            server.accept()  # the connection is dropped without close()


def test_a_socket_closed_inside_the_block_passes():
    with watch_unclosed():
        socket.socket().close()
        with socket.socket():
            pass


def test_a_socket_returned_and_still_held_is_not_judged():
    with watch_unclosed():
        kept = socket.socket()
    kept.close()


def test_a_socket_left_by_earlier_code_is_not_blamed():
    gc.disable()  # the cycle must survive until the block's own collection
    try:
        _leak_in_a_cycle()
        with watch_unclosed():
            pass
    finally:
        gc.enable()


def test_a_socket_another_thread_leaks_meanwhile_is_not_blamed():
    inside, done = threading.Event(), threading.Event()

    def other_thread():
        assert inside.wait(10)
        _leak_now()
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with watch_unclosed():
        inside.set()
        assert done.wait(10)
    thread.join(10)


def test_nested_watches_both_see_the_leak():
    with pytest.raises(Fail, match="fuera"), watch_unclosed("fuera"):
        with watch_unclosed("dentro"):
            kept = socket.socket()
        del kept  # destroyed in the outer block only
