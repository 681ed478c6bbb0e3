"""labsupport.concurrency: the three echo servers, the asyncio server in a running loop, the measure.

Real sockets on loopback. A server is correct for a client that drips, for one that does not
read and for one that stalls; it stops with such a client connected and leaves no thread or
descriptor behind; the asyncio server stops from a synchronous call inside its own loop (as
``lab.stop_all()`` in a cell) and ``settle()`` then finds nothing left.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import pytest

import labsupport as lab
from labsupport import concurrency
from labsupport.concurrency.comparison import percentile

SERVERS = {
    "threads": concurrency.threaded,
    "selectors": concurrency.SelectorEchoServer,
    "asyncio": concurrency.AsyncioEchoServer,
}


def _drip(address: tuple, message: bytes) -> bytes:
    """Send ``message`` one byte at a time, each after the echo of the one before; what came back."""
    got = bytearray()
    with socket.create_connection(address, timeout=5) as sock:
        for byte in message:
            sock.sendall(bytes([byte]))
            expected = len(got) + len(b"Echo: ") + 1
            while len(got) < expected and (chunk := sock.recv(64)):
                got += chunk
    return bytes(got)


@pytest.mark.parametrize("kind", SERVERS)
def test_echo_of_a_client_that_drips(kind, no_leaks):
    with SERVERS[kind]() as server:
        assert _drip(server.address, b"hola") == b"Echo: hEcho: oEcho: lEcho: a"
        server.check()


@pytest.mark.parametrize("kind", SERVERS)
def test_a_reader_that_does_not_read_gets_its_whole_echo_and_others_are_served(kind, no_leaks):
    with SERVERS[kind]() as server:
        outcome = lab.clients.slow_reader(server.address)
        assert outcome.intact and not outcome.broken, outcome
        assert outcome.other_served
        server.check()


@pytest.mark.parametrize("kind", SERVERS)
def test_stops_at_once_with_a_stalled_client_connected(kind, no_leaks):
    server = SERVERS[kind]()
    with lab.clients.stalled(server.address) as stuck:
        assert stuck.held_back  # the server stopped reading it: backpressure
        assert lab.clients.echo_once(server.address)  # and still answers someone else
        server.stop()
        assert not server.running
    server.check()


def test_plain_echo_with_an_empty_prefix(no_leaks):
    with concurrency.SelectorEchoServer(prefix=b"") as server, socket.create_connection(server.address, 5) as c:
        c.sendall(b"abc")
        assert c.recv(10) == b"abc"


def test_selectors_server_closes_an_idle_client_and_serves_the_rest(no_leaks):
    with concurrency.SelectorEchoServer(idle_timeout=0.2) as server:
        with socket.create_connection(server.address, timeout=5) as quiet:
            assert quiet.recv(1) == b""  # FIN from the server, well before the 5 s
        assert lab.clients.echo_once(server.address)
        assert any(e.kind == lab.EventKind.TIMEOUT for e in server.log())


def test_selectors_server_orderly_close_sends_what_is_pending_first(no_leaks):
    with concurrency.SelectorEchoServer() as server, socket.create_connection(server.address, timeout=5) as c:
        data = b"x" * 300_000
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)  # FIN right after: the echo must still come whole, then the close
        got = bytearray()
        while chunk := c.recv(65536):
            got += chunk
        assert bytes(got).replace(b"Echo: ", b"") == data


# -- the asyncio server in the running loop ---------------------------------------------------


def test_async_server_serves_and_stop_all_inside_the_loop_leaves_nothing(no_leaks):
    async def main() -> tuple:
        server = await concurrency.serve(concurrency.echo)
        reader, writer = await asyncio.open_connection(*server.address)
        writer.write(b"hola")
        answer = await asyncio.wait_for(reader.readexactly(10), 5)
        tasks_while_connected = len(server.connections.tasks)
        stopped = lab.stop_all()  # synchronous, in the loop's own thread: as in a notebook cell
        eof = await asyncio.wait_for(reader.read(10), 5)
        left = await concurrency.settle()
        writer.close()
        return answer, tasks_while_connected, stopped, eof, left, server.pending()

    answer, tasks, stopped, eof, left, pending = asyncio.run(main())
    assert answer == b"Echo: hola"
    assert tasks == 1 and stopped >= 1
    assert eof == b""  # the client saw the close
    assert left == 0 and pending == 0
    assert lab.running_servers() == []


def test_async_server_cancelled_connections_print_nothing(caplog, capfd):
    async def main() -> None:
        server = await concurrency.serve(concurrency.echo)
        clients = [await asyncio.open_connection(*server.address) for _ in range(3)]
        for reader, writer in clients:
            writer.write(b"x")
            await asyncio.wait_for(reader.readexactly(7), 5)
        assert await server.aclose()
        for _, writer in clients:
            writer.close()

    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        asyncio.run(main())
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert capfd.readouterr().err == ""


def test_async_server_keeps_handler_bugs_for_check_not_client_errors():
    async def buggy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.readexactly(4)  # a client that closes early: IncompleteReadError, its doing
        raise ValueError(f"fallo del manejador con {data!r}")

    async def main() -> list:
        async with await concurrency.serve(buggy) as server:
            for message in (b"ab", b"abcd"):  # the first closes early, the second reaches the bug
                reader, writer = await asyncio.open_connection(*server.address)
                writer.write(message)
                writer.write_eof()
                assert await asyncio.wait_for(reader.read(), 5) == b""
                writer.close()
            await server.connections.wait()
            return server.errors()

    errors = asyncio.run(main())
    assert [type(e) for e in errors] == [ValueError]


def test_async_server_stops_from_another_thread_and_refuses_its_address_after():
    async def main() -> None:
        server = await concurrency.serve(concurrency.echo)
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        await asyncio.to_thread(stopper.join, 5)
        assert await concurrency.settle() == 0
        with pytest.raises(lab.ServerStoppedError):
            server.address  # noqa: B018

    asyncio.run(main())


# -- the measure --------------------------------------------------------------------------------


def test_percentile_is_a_measured_value_by_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([3.0], 99) == 3.0
    assert percentile([5, 1, 4], 100) == 5


@pytest.mark.parametrize("kind", concurrency.KINDS)
def test_measure_counts_the_servers_threads_and_every_echo(kind, no_leaks):
    points = concurrency.measure(kind, (3, 12), rounds=2, min_requests=30)
    assert [p.clients for p in points] == [3, 12]
    assert [p.requests for p in points] == [30, 36]  # 10 rounds of 3 (30 echoes at least), 3 of 12
    assert all(p.intact for p in points)
    assert all(0 < p.p50_ms <= p.p99_ms for p in points)
    expected = [4, 13] if kind == "un hilo por cliente" else [1, 1]
    assert [p.threads for p in points] == expected


def test_measure_rejects_counts_it_cannot_measure():
    with pytest.raises(ValueError, match="mayores que 0"):
        concurrency.measure("selectors", (0, 10))
    with pytest.raises(ValueError, match="rounds"):
        concurrency.measure("selectors", (10,), rounds=0)


def test_fitting_counts_keeps_what_fits_here():
    resource = pytest.importorskip("resource")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    counts, reason = concurrency.fitting_counts((10, 100))
    assert counts == [10, 100] and reason == ""
    if hard != resource.RLIM_INFINITY:
        too_many = hard  # 2 descriptors per client: never fits
        counts, reason = concurrency.fitting_counts((10, too_many))
        assert counts == [10] and str(hard) in reason
