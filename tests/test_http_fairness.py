"""HttpServer's first-come, first-served turn (labsupport._gate): order, patience, liveness.

The turn exists for latency under load (measured in benchmarks/classroom_load.py, never
here). What is tested is behaviour: turns are handed out in arrival order, a turn never
held forever stalls no one past the patience, and a slow or silent request holds no turn
while the server answers others.
"""

from __future__ import annotations

import socket
import threading
import time

from conftest import settle

import labsupport as lab
from labsupport._gate import FairTurn


def test_turns_are_handed_out_in_arrival_order() -> None:
    turn = FairTurn(slots=1, patience=5.0)
    turn.enter()  # the main thread holds the only turn: everyone else queues
    order: list[int] = []

    def worker(i: int) -> None:
        turn.enter()
        order.append(i)
        turn.leave()

    threads = []
    for i in range(6):
        t = threading.Thread(target=worker, args=(i,), daemon=True)
        t.start()
        threads.append(t)
        assert settle(lambda n=i + 1: turn.waiting == n)  # queued before the next one starts
    turn.leave()
    for t in threads:
        t.join(5)
    assert order == list(range(6))
    assert turn.waiting == 0


def test_a_turn_never_given_back_stalls_no_one_past_the_patience() -> None:
    turn = FairTurn(slots=1, patience=0.05)
    turn.enter()  # held and never left by this thread
    done = threading.Event()

    def other() -> None:
        turn.enter()  # gives up after the patience and goes on
        turn.leave()  # holds no turn: nothing to give back
        done.set()

    threading.Thread(target=other, daemon=True).start()
    assert done.wait(5)
    assert turn.waiting == 0
    turn.leave()
    turn.enter()  # the slot came back: taken at once, not after the patience
    assert turn.waiting == 0
    turn.leave()


def test_leave_without_a_turn_and_enter_twice_are_harmless() -> None:
    turn = FairTurn(slots=1, patience=5.0)
    turn.leave()
    turn.enter()
    turn.enter()  # already held: no second slot, no deadlock
    turn.leave()
    got = threading.Event()
    t = threading.Thread(target=lambda: (turn.enter(), got.set(), turn.leave()), daemon=True)
    t.start()
    assert got.wait(5)  # one leave() freed the single slot
    t.join(5)


def _get(address: tuple[str, int], path: str, timeout: float = 3.0) -> bytes:
    with socket.create_connection(address, timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while data := s.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def test_silent_and_slow_requests_hold_no_turn() -> None:
    with lab.HttpServer(max_delay=3) as srv:
        silent = socket.create_connection(srv.address, timeout=3)
        slow = socket.create_connection(srv.address, timeout=3)
        try:
            silent.sendall(b"GET /raw/silent HTTP/1.1\r\nHost: x\r\n\r\n")
            slow.sendall(b"GET /delay/2 HTTP/1.1\r\nHost: x\r\n\r\n")
            assert settle(lambda: srv.active_connections == 2)
            time.sleep(0.1)  # both are inside their routes now
            assert srv._turn.waiting == 0
            for _ in range(5):  # each answered while the other two wait
                assert _get(srv.address, "/get").startswith(b"HTTP/1.1 200 ")
            assert srv._turn.waiting == 0
        finally:
            silent.close()
            slow.close()
        srv.check()


def test_many_keep_alive_clients_all_answered() -> None:
    with lab.HttpServer() as srv:
        statuses: list[bytes] = []
        lock = threading.Lock()

        def client() -> None:
            with socket.create_connection(srv.address, timeout=5) as s:
                f = s.makefile("rb")
                for path in ("/get", "/status/404", "/json", "/bytes/64?seed=1", "/headers"):
                    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                    status = f.readline()
                    length = 0
                    while (line := f.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    f.read(length)
                    with lock:
                        statuses.append(status.split()[1])
                f.close()

        threads = [threading.Thread(target=client, daemon=True) for _ in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert len(statuses) == 30 * 5
        assert statuses.count(b"404") == 30 and statuses.count(b"200") == 30 * 4
        assert srv._turn.waiting == 0
        srv.check()
