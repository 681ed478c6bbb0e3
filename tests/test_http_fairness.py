"""HttpServer's worker pool (labsupport.http.workers): order, turns, bounds, liveness.

The pool exists for latency under load (measured in benchmarks/, never here). What is
tested is behaviour: jobs start in arrival order, threads grow past ``max_active`` only for
jobs that wait, never past ``max_workers``, end when idle, a stalled queue gets one more,
and a slow or silent request holds no computing worker while the server answers others.
"""

from __future__ import annotations

import socket
import threading

from conftest import settle

import labsupport as lab
from labsupport.http.workers import WorkerPool

PATIENT = 5.0


def test_jobs_start_in_arrival_order() -> None:
    pool = WorkerPool("prueba", max_workers=1)
    gate = threading.Event()
    order: list[int] = []
    pool.submit(gate.wait, PATIENT)  # the only worker is busy: the others queue
    for i in range(6):
        pool.submit(order.append, i)
    assert settle(lambda: pool.computing == 1 and pool.queued == 6, timeout=PATIENT)
    gate.set()
    assert settle(lambda: len(order) == 6, timeout=PATIENT)
    assert order == list(range(6))
    pool.stop()


def test_threads_grow_only_for_jobs_that_wait() -> None:
    pool = WorkerPool("prueba", max_workers=8, max_active=2)
    gate = threading.Event()
    for _ in range(5):
        pool.submit(gate.wait, PATIENT)  # computing: no new thread past max_active
    assert settle(lambda: pool.computing == 2 and pool.queued == 3, timeout=PATIENT)
    assert pool.threads == 2
    gate.set()
    assert settle(lambda: pool.computing == 0 and pool.queued == 0, timeout=PATIENT)

    release = threading.Event()

    def waits() -> None:
        with pool.waiting(), pool.waiting():  # what the server does around a sleep; nesting is harmless
            release.wait(PATIENT)

    done = threading.Event()
    for _ in range(3):
        pool.submit(waits)
    pool.submit(done.set)  # runs although three jobs are still busy: they wait, they do not compute
    assert done.wait(PATIENT)
    assert settle(lambda: pool.busy == 3 and pool.computing == 0, timeout=PATIENT)
    release.set()
    pool.stop()


def test_threads_stay_within_max_workers_and_end_when_idle() -> None:
    pool = WorkerPool("prueba", max_workers=3, max_active=2, idle=0.2)
    gate = threading.Event()

    def waits() -> None:
        with pool.waiting():
            gate.wait(PATIENT)

    for _ in range(5):
        pool.submit(waits)
    assert settle(lambda: pool.busy == 3 and pool.queued == 2, timeout=PATIENT)
    assert pool.threads == 3
    gate.set()
    assert settle(lambda: pool.queued == 0 and pool.busy == 0, timeout=PATIENT)
    assert settle(lambda: pool.threads == 0, timeout=PATIENT)  # idle threads end by themselves
    with pool.waiting():  # not a worker: nothing happens
        pass


def test_a_stalled_queue_gets_one_more_thread() -> None:
    pool = WorkerPool("prueba", max_workers=4, max_active=1)
    gate = threading.Event()
    done = threading.Event()
    pool.submit(gate.wait, PATIENT)  # blocked without saying so (a write to a client that never reads)
    pool.submit(done.set)
    assert settle(lambda: pool.threads == 1 and pool.queued == 1, timeout=PATIENT)
    assert settle(lambda: (pool.unstall(), done.is_set())[1], timeout=PATIENT)  # what the sweep calls
    assert pool.threads == 2
    gate.set()
    pool.stop()


def test_stop_returns_the_jobs_never_started() -> None:
    pool = WorkerPool("prueba", max_workers=1)
    gate = threading.Event()
    pool.submit(gate.wait, PATIENT)
    pool.submit(print, "nunca")
    assert settle(lambda: pool.queued == 1, timeout=PATIENT)
    gate.set()
    left = pool.stop()
    assert [job for job, _ in left] in ([print], [])  # [] if it started before stop()
    assert not pool.submit(print, "tampoco")


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
            assert settle(lambda: srv.active_connections == 2, timeout=PATIENT)
            # /delay sleeps in a worker and holds no turn; /raw/silent needs no worker at all
            assert settle(lambda: srv._pool.busy == 1 and srv._pool.computing == 0, timeout=PATIENT)
            for _ in range(5):  # each answered while the other two wait
                assert _get(srv.address, "/get").startswith(b"HTTP/1.1 200 ")
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
        assert settle(lambda: srv._pool.queued == 0 and srv._pool.computing == 0, timeout=PATIENT)
        srv.check()
