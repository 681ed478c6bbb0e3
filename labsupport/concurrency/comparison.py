"""Threads vs selectors vs asyncio with 10, 100 and 1 000 clients: latency, threads, memory.

One measure, the same for the three servers of :mod:`~labsupport.concurrency.servers`, each
running in this process (so its threads are the process's threads, counted by ``psutil``):

1. the server starts; the process's threads and resident memory (RSS) are read;
2. clients connect up to each count, :data:`BATCH` at a time, and each batch is served once
   (an echo each) before the next connects, which proves the server holds them (and never
   overflows its accept queue, 128 long);
3. at each count, ``rounds`` times (more with few clients: at least ``min_requests`` echoes per
   count, so that a hiccup of the scheduler in one round cannot move the median of 10 clients),
   **every client at once** sends a short message, and one
   thread (this one, with a selector: the clients cost no threads) waits for every echo; the
   latency of each request is from its send to the last byte of its echo. p50 and p99 of those
   are the latency under load (all clients busy), which is what "many clients" costs;
4. the threads the server gained (plus its own) and the RSS the process gained.

The clients and the server share the process, and with it the interpreter's lock: the
latencies are those of one Python process serving and loading at once, good to compare the
three servers in the same run, not absolute figures. 1 000 clients need about 2 000
descriptors (a socket for each client and each server connection): :func:`room_for` raises the
soft limit where the system allows it, :func:`fitting_counts` scales down (with the reason) where not.
Every wait is bounded; at the end the clients close, the server stops and the threads it cost are awaited.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import selectors
import socket
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import psutil

from .._polling import wait_until
from ..server_cost import MIB, DescriptorLimitError, _room_for
from .servers import AsyncioEchoServer, SelectorEchoServer, threaded

#: A wait that must not run out (an echo on loopback, with 1 000 clients busy): generous.
PATIENCE = 10.0
#: Clients that connect before they are served once: fewer than the servers' accept queue (128).
BATCH = 100
MESSAGE = b"0123456789abcdef" * 4  # 64 bytes: one recv on loopback, nothing to frame but the count
#: The three servers, by the names the notebook prints (each a factory of a plain echo server).
KINDS: dict[str, Callable[[], Any]] = {
    "un hilo por cliente": lambda: threaded(prefix=b""),
    "selectors": lambda: SelectorEchoServer(prefix=b""),
    "asyncio": lambda: AsyncioEchoServer(prefix=b""),
}


@dataclasses.dataclass(frozen=True)
class Point:
    """One server with ``clients`` connected clients, all of them busy."""

    clients: int
    threads: int  #: the server's threads: its own plus those the process gained since it started
    memory_mib: float  #: resident memory the process gained since the server started, in MiB
    p50_ms: float  #: median latency of an echo with every client sending at once
    p99_ms: float  #: 99th percentile of the same
    requests: int  #: echoes measured (clients × rounds)
    intact: bool  #: every echo came back whole and equal to what was sent


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by the nearest rank: a value that was measured."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def fitting_counts(counts: Iterable[int]) -> tuple[list[int], str]:
    """The counts this process can open (2 descriptors per client), and why some were left out ('' if none)."""
    wanted = sorted(set(int(c) for c in counts))
    try:
        import resource
    except ImportError:  # Windows: no such limit for sockets
        return wanted, ""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        return wanted, ""
    try:
        in_use = psutil.Process().num_fds()
    except (AttributeError, psutil.Error):
        in_use = 64
    fits = [c for c in wanted if in_use + 2 * c + 64 <= hard]
    if fits == wanted:
        return wanted, ""
    return fits, (
        f"este sistema deja abrir como mucho {hard} descriptores a este proceso: medimos con "
        f"{', '.join(map(str, fits)) or 'ningún número de'} clientes en vez de {', '.join(map(str, wanted))}"
    )


def _connect(address: tuple, family: int) -> socket.socket:
    """A connected, non-blocking client (the handshake is the kernel's: it needs no accept yet)."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(PATIENCE)
        sock.connect(address)
        sock.setblocking(False)
        return sock
    except BaseException:
        sock.close()
        raise


def one_round(clients: Sequence[socket.socket]) -> tuple[list[float], bool]:
    """Every client sends :data:`MESSAGE` at once; wait for every echo. (latencies in ms, all intact)."""
    selector = selectors.DefaultSelector()
    sent: dict[socket.socket, float] = {}
    got: dict[socket.socket, bytearray] = {}
    latencies: list[float] = []
    intact = True
    try:
        for sock in clients:
            sock.send(MESSAGE)  # 64 bytes into an empty send buffer: taken whole
            sent[sock] = time.perf_counter()
            got[sock] = bytearray()
            selector.register(sock, selectors.EVENT_READ, sock)
        deadline = time.monotonic() + PATIENCE
        while got:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(got)} clientes siguen sin su eco tras {PATIENCE:g} s")
            for key, _ in selector.select(timeout=PATIENCE):
                sock = key.data  # the client socket itself, registered as the key's data
                data = sock.recv(65536)
                buffer = got[sock]
                if not data:
                    raise ConnectionError("el servidor cerró una conexión a mitad de la medida")
                buffer += data
                if len(buffer) >= len(MESSAGE):
                    latencies.append((time.perf_counter() - sent[sock]) * 1000)
                    intact = intact and bytes(buffer) == MESSAGE
                    selector.unregister(sock)
                    del got[sock]
    finally:
        selector.close()
    return latencies, intact


def measure(
    kind: str, counts: Iterable[int] = (10, 100, 1000), *, rounds: int = 3, min_requests: int = 100
) -> list[Point]:
    """Start the server ``kind`` (a key of :data:`KINDS`), measure it at each count, stop it.

    Each count runs ``rounds`` rounds, or as many as give ``min_requests`` echoes if that is more.
    """
    counts = sorted(set(int(c) for c in counts))
    if not counts or counts[0] < 1 or rounds < 1:
        raise ValueError("counts debe tener números de clientes mayores que 0, y rounds ser 1 o más.")
    process = psutil.Process()
    threads_before = process.num_threads()
    gc.collect()
    rss_before = process.memory_info().rss
    server = KINDS[kind]()
    clients: list[socket.socket] = []
    results = []
    try:
        with _room_for(2 * counts[-1]):
            address = tuple(server.address)
            family = server.family
            try:
                for count in counts:
                    while len(clients) < count:
                        batch = []
                        try:
                            for _ in range(min(BATCH, count - len(clients))):
                                batch.append(_connect(address, family))
                        finally:
                            clients += batch  # closed at the end whatever happens
                        one_round(batch)  # each served once: the server holds them all now
                    latencies: list[float] = []
                    intact = True
                    for _ in range(max(rounds, math.ceil(min_requests / count))):
                        got, whole = one_round(clients)
                        latencies += got
                        intact = intact and whole
                    results.append(
                        Point(
                            clients=count,
                            threads=process.num_threads() - threads_before,
                            memory_mib=(process.memory_info().rss - rss_before) / MIB,
                            p50_ms=statistics.median(latencies),
                            p99_ms=percentile(latencies, 99),
                            requests=len(latencies),
                            intact=intact and len(latencies) == count * max(rounds, math.ceil(min_requests / count)),
                        )
                    )
            finally:
                for sock in clients:
                    sock.close()
        server.check()
    finally:
        server.stop()
        # the threads the clients cost end on their own once their sockets close: wait (bounded)
        wait_until(lambda: process.num_threads() <= threads_before, PATIENCE, interval=0.01)
    return results


def compare(
    counts: Iterable[int] = (10, 100, 1000), *, rounds: int = 3, min_requests: int = 100
) -> dict[str, list[Point]]:
    """:func:`measure` each of :data:`KINDS`, in the order selectors, asyncio, threads.

    The thread-per-client server goes last: the process reuses memory it already freed, so the
    one measured later gains a little less, and that advantage is better given to the threads.
    """
    order = ("selectors", "asyncio", "un hilo por cliente")
    measured = {kind: measure(kind, counts, rounds=rounds, min_requests=min_requests) for kind in order}
    return {kind: measured[kind] for kind in KINDS}


__all__ = [
    "KINDS",
    "DescriptorLimitError",
    "Point",
    "compare",
    "fitting_counts",
    "measure",
    "one_round",
    "percentile",
]
