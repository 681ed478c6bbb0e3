"""Notebook 11's measuring tools over UDP: a pinger, a stop-and-wait sender and its receiver.

The notebook measures with these (and draws what they return) so that its verdicts never depend on
the student's own versions, which the exercises 11.1 and 11.3 ask for with the same datagram formats:

- a ping is ``f"PING {i} {marca}"`` and the server (``UdpEchoServer(prefix=b"")``) sends it back as is;
- a stop-and-wait datagram is ``struct.pack("!I", i) + mensaje`` and its acknowledgement (ACK) the
  four bytes ``struct.pack("!I", i)``.

Every wait is bounded: a ping waits at most its timeout, a message at most ``tries`` timeouts.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
import time
from collections.abc import Sequence

from ._address import resolve_host
from ._server import DatagramServer

__all__ = ["PingReport", "SendReport", "StopAndWaitReceiver", "ping", "stop_and_wait"]

_SEQ = struct.Struct("!I")


@dataclasses.dataclass
class PingReport:
    """What a run of pings saw: ``rtts[i]`` for ping ``i + 1`` (seconds, or None if lost)."""

    rtts: list[float | None]
    #: replies read that were not the current ping's (a duplicate, or an earlier ping's, late)
    stale: int = 0

    @property
    def lost(self) -> int:
        return sum(rtt is None for rtt in self.rtts)

    @property
    def answered(self) -> list[float]:
        return [rtt for rtt in self.rtts if rtt is not None]


def _wait_for(sock: socket.socket, deadline: float, wanted: bytes, *, prefix: bool) -> tuple[bool, int]:
    """Read until a datagram ``wanted`` (or starting with it, if ``prefix``) arrives or ``deadline`` passes:
    (arrived, how many others were read and dropped)."""
    dropped = 0
    while (left := deadline - time.perf_counter()) > 0:
        sock.settimeout(left)
        try:
            data = sock.recv(65535)
        except TimeoutError:
            break
        if data.startswith(wanted) if prefix else data == wanted:
            return True, dropped
        dropped += 1
    return False, dropped


def ping(address: tuple[str, int], n: int, timeout: float) -> PingReport:
    """Send ``n`` pings to an echo server, one after another, waiting ``timeout`` s at most for each."""
    host, family = resolve_host(address[0])
    report = PingReport([])
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        for i in range(1, n + 1):
            sent = time.perf_counter()
            sock.sendto(f"PING {i} {sent}".encode(), (host, address[1]))
            arrived, dropped = _wait_for(sock, sent + timeout, f"PING {i} ".encode(), prefix=True)
            report.rtts.append(time.perf_counter() - sent if arrived else None)
            report.stale += dropped
    return report


@dataclasses.dataclass
class SendReport:
    """What a stop-and-wait sender did: datagrams sent, how many were retransmissions, how long it took."""

    messages: int
    sent: int
    elapsed: float
    #: ACKs read that did not confirm the message being sent (a duplicate, or an earlier one's)
    stale_acks: int = 0
    #: how many times each message was sent (1 = never retransmitted), in the order of the messages:
    #: a loss belongs to one message, so this is what the relay's losses are compared with, message by message
    sends: list[int] = dataclasses.field(default_factory=list)

    @property
    def retransmissions(self) -> int:
        return self.sent - self.messages

    @property
    def goodput(self) -> float:
        """Messages confirmed per second."""
        return self.messages / self.elapsed if self.elapsed > 0 else float("inf")


def stop_and_wait(address: tuple[str, int], messages: Sequence[bytes], timeout: float, tries: int) -> SendReport:
    """Send each message, numbered, and wait for its ACK; retransmit after ``timeout``; give up after
    ``tries`` sends of one message with ``TimeoutError``."""
    host, family = resolve_host(address[0])
    start = time.perf_counter()
    sends: list[int] = []
    stale = 0
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        for i, message in enumerate(messages):
            ack = _SEQ.pack(i)
            sends.append(0)
            for _ in range(tries):
                sock.sendto(ack + message, (host, address[1]))
                sends[-1] += 1
                confirmed, dropped = _wait_for(sock, time.perf_counter() + timeout, ack, prefix=False)
                stale += dropped
                if confirmed:
                    break
            else:
                raise TimeoutError(f"el mensaje {i} no se confirmó tras {tries} intentos")
    return SendReport(len(messages), sum(sends), time.perf_counter() - start, stale, sends)


class StopAndWaitReceiver(DatagramServer):
    """The receiving end of stop-and-wait: ACKs every numbered datagram, delivers each message once, in order.

    ``delivered`` holds the messages in the order they were delivered; ``duplicates`` counts datagrams
    that carried a message already delivered (its ACK was lost, or it was retransmitted too soon): they
    are acknowledged again, never delivered twice.
    """

    name = "receptor de parada y espera"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: object) -> None:
        self.delivered: list[bytes] = []
        self.duplicates = 0
        self._expected = 0
        super().__init__(host, port, **kwargs)  # type: ignore[arg-type]

    def handle_datagram(self, data: bytes, addr: tuple) -> bytes | None:
        if len(data) < _SEQ.size:
            return None  # not a numbered datagram: nothing to acknowledge
        (number,) = _SEQ.unpack_from(data)
        if number == self._expected:
            self.delivered.append(data[_SEQ.size :])
            self._expected += 1
        elif number < self._expected:
            self.duplicates += 1
        else:
            return None  # from the future: stop-and-wait never sends it, so it is not acknowledged
        return data[: _SEQ.size]
