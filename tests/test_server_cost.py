"""lab.server_cost.measure: threads and memory by idle clients, from psutil, on real servers."""

from __future__ import annotations

import selectors
import socket
import sys
import threading

import psutil
import pytest
from conftest import settle

import labsupport as lab
from labsupport import server_cost


def one_thread_echo(parar, al_arrancar):
    """The smallest selectors echo: one thread for every client (short answers only)."""
    selector = selectors.DefaultSelector()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        selector.register(server, selectors.EVENT_READ)
        al_arrancar(server.getsockname())
        while not parar.is_set():
            for key, _ in selector.select(timeout=0.05):
                if key.fileobj is server:
                    conn, _ = server.accept()
                    selector.register(conn, selectors.EVENT_READ)
                elif data := key.fileobj.recv(4096):
                    key.fileobj.sendall(b"Echo: " + data)  # a few bytes: they always fit
                else:
                    selector.unregister(key.fileobj)
                    key.fileobj.close()
        for key in list(selector.get_map().values()):
            key.fileobj.close()
    selector.close()


def _no_leftover_checker_threads() -> None:
    """The threads are counted process-wide: a wrong answer's abandoned checker worker (a mutation test
    run before, in the same process) ending during the measure would change the count."""
    assert settle(lambda: not any(t.name.startswith("comprobar-") for t in threading.enumerate()), timeout=30)


def test_a_thread_per_client_server_has_a_thread_per_client(no_leaks):
    _no_leftover_checker_threads()
    threads_before = psutil.Process().num_threads()
    with lab.EchoServer(max_connections=64) as server:  # one handler thread per connection
        costs = server_cost.measure(server, counts=(20, 5), probes=5)
    assert [c.clients for c in costs] == [5, 20]
    for cost in costs:
        assert abs(cost.threads - (cost.clients + 1)) <= 1
        assert cost.min_ms > 0 and isinstance(cost.memory_mib, float)
    assert psutil.Process().num_threads() <= threads_before + 1  # the handlers ended (the server's own thread)
    if sys.platform.startswith("linux"):  # each thread reserves its stack (8 MiB by default, ulimit -s)
        assert server_cost.per_thread(costs)[1] > 1


def test_a_selectors_server_keeps_one_thread(no_leaks):
    _no_leftover_checker_threads()
    with lab.FunctionServer(one_thread_echo) as server:
        costs = server_cost.measure(server, counts=(5, 50), probes=5)
    assert [c.threads for c in costs] == [1, 1]
    assert server_cost.per_thread(costs) == (0.0, 0.0)  # no thread grew
    assert server_cost.grows_with_clients(costs) == costs[-1].memory_mib - costs[0].memory_mib


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE on Windows")
def test_a_low_descriptor_limit_is_raised_for_the_measure_and_restored(no_leaks):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = psutil.Process().num_fds() + 20
    resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))
    try:
        with lab.FunctionServer(one_thread_echo) as server:
            costs = server_cost.measure(server, counts=(30,), probes=2)  # 60 sockets: over the limit
        assert costs[0].threads == 1
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (low, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_counts_must_be_positive(no_leaks):
    with lab.FunctionServer(one_thread_echo) as server:
        for bad in ((), (0, 10)):
            with pytest.raises(ValueError, match="mayores que 0"):
                server_cost.measure(server, counts=bad)


def test_latency_steady_allows_scheduler_noise_but_not_a_real_rise():
    from labsupport.server_cost import Cost, latency_steady

    def costs(first: float, last: float) -> list:
        return [Cost(clients=n, threads=1, memory_mib=0.0, min_ms=ms, virtual_mib=0.0)
                for n, ms in ((10, first), (500, last))]

    assert latency_steady(costs(0.05, 0.2))  # over twice, within a quarter of a millisecond: noise
    assert not latency_steady(costs(0.05, 0.4))  # over twice and beyond the noise
    assert not latency_steady(costs(1.0, 2.5))
