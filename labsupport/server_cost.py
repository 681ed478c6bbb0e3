"""What a server costs as idle clients pile up: its threads, its resident memory, its latency.

"One thread per client is expensive" is a claim about threads and memory, not about speed
on loopback, so this measures exactly that, from the operating system's view (``psutil``):
for 10, 100, 500 connected clients that do nothing, how many threads the server has and how
much resident memory (RSS) the process gained, and the fastest of a few round trips of one
echo. The fastest, not the median: on a loaded machine the scheduler adds milliseconds to
any round trip at random, and the minimum is what the server itself costs per echo.

The server must run in this process (the notebook's servers do: a thread of the kernel of
Jupyter), so its threads are the process's threads counted from the moment the measure
begins, plus its own one. Each new client is served before the next connects (it sends a
message and waits for the echo), which proves the server took it and never overflows the
accept queue. Every wait is bounded; at the end the clients close and the measure waits
(bounded) until the threads they cost are gone, so that the next measure starts clean.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import socket
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

import psutil

from ._errors import LabError
from ._polling import wait_until
from .echo import PREFIX

#: Whether psutil's virtual memory (``vms``) counts the address space a process reserved, touched
#: or not, as a thread's stack. On Linux and macOS it does (``top``'s VIRT). On Windows psutil's
#: ``vms`` is ``pagefile``, the commit charge: only the private memory the system has committed
#: (promised) to the process, and a thread's stack is reserved, with little of it committed; so
#: there the virtual memory per thread cannot show the stack.
VIRTUAL_COUNTS_RESERVED = not sys.platform.startswith("win")
#: A wait that must not run out (an echo, a thread that ends): generous.
PATIENCE = 5.0
MIB = 1024 * 1024


class HasAddress(Protocol):
    """A server to measure: a FunctionServer, an EchoServer… anything with its listening address."""

    @property
    def address(self) -> tuple: ...


class DescriptorLimitError(LabError, OSError):
    """The system allows this process fewer open sockets than the measure needs."""


@dataclasses.dataclass(frozen=True)
class Cost:
    """The server with ``clients`` idle clients connected."""

    clients: int
    threads: int  #: the server's threads: its own plus those the process gained since the start
    memory_mib: float  #: resident memory the process gained since the start, in MiB
    min_ms: float  #: fastest of ``probes`` round trips of a short echo, in milliseconds
    #: virtual memory the process gained (reserved, touched or not: a thread's stack), in MiB;
    #: on Windows only what was committed (:data:`VIRTUAL_COUNTS_RESERVED`)
    virtual_mib: float = 0.0


def _echo(sock: socket.socket, message: bytes, prefix: bytes) -> None:
    expected = prefix + message
    sock.sendall(message)
    got = b""
    while len(got) < len(expected):
        chunk = sock.recv(len(expected) - len(got))
        if not chunk:
            raise ConnectionError("el servidor cerró la conexión en vez de responder al eco")
        got += chunk
    if got != expected:
        raise ValueError(f"el servidor respondió {got!r} y se esperaba {expected!r}")


@contextlib.contextmanager
def _room_for(sockets: int) -> Iterator[None]:
    """Raise the soft limit of open descriptors for the measure if it is too low (and restore it).

    Linux often starts processes at 1024 descriptors and macOS at 256: 500 clients and the
    server's 500 connections need more. Windows has no such per-process limit for sockets.
    """
    try:
        import resource
    except ImportError:  # Windows
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        in_use = psutil.Process().num_fds()
    except (AttributeError, psutil.Error):
        in_use = 64
    needed = in_use + sockets + 64
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise DescriptorLimitError(
                f"Este sistema deja abrir a este proceso como mucho {hard} descriptores y la medida "
                f"necesita unos {needed}. Mide con menos clientes, por ejemplo counts=(10, 100)."
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    else:
        yield


def measure(
    server: HasAddress, counts: Iterable[int] = (10, 100, 500), *, probes: int = 20, prefix: bytes = PREFIX
) -> list[Cost]:
    """Connect idle clients up to each of ``counts`` and measure the server each time.

    ``server`` has an ``address`` (a :class:`~labsupport.function_server.FunctionServer`, for
    example) and runs in this process. At each count, one of the clients makes ``probes``
    short round trips; the fastest is the latency (stable under load). Returns one :class:`Cost` per count.
    (On Windows the default selector, ``select()``, handles at most 512 sockets.)
    """
    counts = sorted(set(int(c) for c in counts))
    if not counts or counts[0] < 1:
        raise ValueError("counts debe tener uno o más números de clientes, todos mayores que 0.")
    address = tuple(server.address)
    process = psutil.Process()
    gc.collect()
    before = process.memory_info()
    threads_before = process.num_threads()
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    clients: list[socket.socket] = []
    results = []
    with _room_for(2 * counts[-1]):
        try:
            for count in counts:
                while len(clients) < count:
                    sock = socket.socket(family, socket.SOCK_STREAM)
                    clients.append(sock)
                    sock.settimeout(PATIENCE)
                    sock.connect(address)
                    _echo(sock, b"hola", prefix)  # served: the server holds this client now
                rounds = []
                for _ in range(probes):
                    start = time.perf_counter()
                    _echo(clients[0], b"ping", prefix)
                    rounds.append((time.perf_counter() - start) * 1000)
                now = process.memory_info()
                results.append(
                    Cost(
                        clients=count,
                        threads=1 + process.num_threads() - threads_before,
                        memory_mib=(now.rss - before.rss) / MIB,
                        min_ms=min(rounds),
                        virtual_mib=(now.vms - before.vms) / MIB,
                    )
                )
        finally:
            for sock in clients:
                sock.close()
            # the threads the clients cost end on their own (they are not ours to join)
            wait_until(lambda: process.num_threads() <= threads_before, PATIENCE, interval=0.01)
    return results


def grows_with_clients(costs: Sequence[Cost]) -> float:
    """MiB the memory grew from the fewest clients measured to the most."""
    return costs[-1].memory_mib - costs[0].memory_mib


def per_thread(costs: Sequence[Cost]) -> tuple[float, float]:
    """(resident, virtual) MiB each thread the server gained from the fewest clients to the most costs.

    Both 0 if the threads did not grow (a single-threaded server).
    """
    grew = costs[-1].threads - costs[0].threads
    if grew <= 0:
        return 0.0, 0.0
    return grows_with_clients(costs) / grew, (costs[-1].virtual_mib - costs[0].virtual_mib) / grew


#: Scheduler noise on a fastest-of-N loopback echo: a few tenths of a millisecond on a loaded machine,
#: as much as the echo itself takes, so "twice as slow" alone is not a change a reader could trust.
NOISE_MS = 0.25


def latency_steady(costs: Sequence[Cost], factor: float = 2.0, noise_ms: float = NOISE_MS) -> bool:
    """Whether the echo with the most clients is less than ``factor`` times as slow as with the fewest,
    give or take ``noise_ms`` (an idle CI run saw 500 clients' fastest echo over twice the 10 clients' one,
    both well under a millisecond)."""
    return costs[-1].min_ms < factor * costs[0].min_ms + noise_ms
