"""What the kernel knows about ONE TCP socket, read without privileges.

The course shows what the operating system does with a connection (TIME_WAIT after a
close, CLOSE_WAIT when you forgot yours, a SYN_SENT client behind a full backlog, bytes
waiting in a queue) from the system itself, never invented:

- Linux: ``getsockopt(IPPROTO_TCP, TCP_INFO)`` gives ``struct tcp_info`` (linux/tcp.h), and
  ``ioctl(SIOCINQ)`` / ``ioctl(SIOCOUTQ)`` the bytes in the receive and send queues.
- macOS: ``getsockopt(IPPROTO_TCP, TCP_CONNECTION_INFO)`` gives ``struct
  tcp_connection_info`` (netinet/tcp.h in XNU), and ``ioctl(FIONREAD)`` the receive queue.
- Windows: Python's ``socket.ioctl`` only knows three control codes, none of them
  ``SIO_TCP_INFO``: nothing can be read, and `missing_reason` says so.

Every function answers ``None`` where the system cannot say (or the socket is closed, or is
not TCP): a caller shows "no disponible", never a guess. State names are RFC 793's with
underscores (``FIN_WAIT_1``, ``SYN_RECEIVED``, ``CLOSED``), one spelling for every system;
`from_psutil` maps psutil's spelling (``FIN_WAIT1``, ``SYN_RECV``, ``CLOSE``) onto it.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
import sys
from typing import Any

__all__ = [
    "STATES",
    "TcpInfo",
    "accept_queue",
    "from_psutil",
    "info",
    "missing_reason",
    "queues",
    "rtt",
    "supported",
    "tcp_state",
]

#: The TCP states of RFC 793 (section 3.2), as this module spells them.
STATES = (
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
    "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
)  # fmt: skip

# Linux's numbering: include/net/tcp_states.h (TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11).
# 12 (TCP_NEW_SYN_RECV) and 13 (TCP_BOUND_INACTIVE) are internal to the kernel: a request or an
# unconnected bound socket, which user space sees as SYN_RECEIVED and CLOSED.
_LINUX_STATES = {
    1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECEIVED", 4: "FIN_WAIT_1", 5: "FIN_WAIT_2",
    6: "TIME_WAIT", 7: "CLOSED", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING",
    12: "SYN_RECEIVED", 13: "CLOSED",
}  # fmt: skip

# macOS's numbering: bsd/netinet/tcp_fsm.h in XNU (TCPS_CLOSED = 0 ... TCPS_TIME_WAIT = 10).
_MACOS_STATES = {
    0: "CLOSED", 1: "LISTEN", 2: "SYN_SENT", 3: "SYN_RECEIVED", 4: "ESTABLISHED", 5: "CLOSE_WAIT",
    6: "FIN_WAIT_1", 7: "CLOSING", 8: "LAST_ACK", 9: "FIN_WAIT_2", 10: "TIME_WAIT",
}  # fmt: skip

# psutil's spelling (psutil/_common.py, CONN_*) -> ours. "NONE" (a socket with no state,
# e.g. on Windows for UDP) has no TCP state.
_PSUTIL_STATES = {
    "ESTABLISHED": "ESTABLISHED", "SYN_SENT": "SYN_SENT", "SYN_RECV": "SYN_RECEIVED",
    "FIN_WAIT1": "FIN_WAIT_1", "FIN_WAIT2": "FIN_WAIT_2", "TIME_WAIT": "TIME_WAIT",
    "CLOSE": "CLOSED", "CLOSE_WAIT": "CLOSE_WAIT", "LAST_ACK": "LAST_ACK", "LISTEN": "LISTEN",
    "CLOSING": "CLOSING", "DELETE_TCB": "CLOSED", "BOUND": "CLOSED",
}  # fmt: skip

# struct tcp_info, linux/tcp.h (unchanged at the front since Linux 2.6; the kernel copies
# min(optlen, sizeof) bytes, so an older kernel simply returns fewer):
#   offset 0: __u8 tcpi_state, ca_state, retransmits, probes, backoff, options, wscales, flags
#   offset 8: __u32 tcpi_rto, ato, snd_mss, rcv_mss,
#             unacked (24), sacked (28), lost, retrans, fackets,
#             last_data_sent, last_ack_sent, last_data_recv, last_ack_recv,
#             pmtu, rcv_ssthresh, rtt (68, microseconds), rttvar, snd_ssthresh, snd_cwnd (80),
#             advmss, reordering, rcv_rtt, rcv_space, total_retrans (100)
# For a LISTEN socket tcp_get_info() aliases tcpi_unacked = connections ready for accept()
# (sk_ack_backlog) and tcpi_sacked = the backlog (sk_max_ack_backlog), as `ss` shows them.
_LINUX_TCP_INFO = struct.Struct("=8B24I")  # the first 104 bytes
_LINUX_TCP_INFO_LEN = 256  # room for any newer, longer struct: we read the front only

# struct tcp_connection_info, bsd/netinet/tcp.h in XNU (TCP_CONNECTION_INFO = 0x106):
#   offset 0: u_int8_t tcpi_state, snd_wscale, rcv_wscale, __pad1
#   offset 4: u_int32_t tcpi_options, flags, rto, maxseg, snd_ssthresh, snd_cwnd (24), snd_wnd,
#             snd_sbbytes (32: bytes in the send buffer, including in-flight data), rcv_wnd,
#             rttcur (40, ms), srtt (44, ms), rttvar, a word of bit fields (52)
#   offset 56: u_int64_t counters (tx/rx packets and bytes...), 112 bytes in all
_MACOS_TCP_CONNECTION_INFO = 0x106
_MACOS_INFO = struct.Struct("=4B13I")  # the first 56 bytes
_MACOS_INFO_LEN = 112

_SYSTEM = sys.platform  # a variable, so type checkers check every branch on every system


@dataclasses.dataclass(frozen=True)
class TcpInfo:
    """One reading of the kernel's record of a TCP socket (``None``: not given by this system).

    ``rtt`` is the smoothed round-trip time in seconds (it varies from reading to reading:
    show it rounded, never as a verdict). ``accept_ready``/``backlog`` are only for a LISTEN
    socket on Linux; ``send_queue`` is set where the same record gives it (macOS).
    """

    state: str
    rtt: float | None = None
    retransmitted: int | None = None  # segments retransmitted over the connection's life
    accept_ready: int | None = None
    backlog: int | None = None
    send_queue: int | None = None


def supported() -> bool:
    """True on the systems where this module can read a socket's TCP state (Linux, macOS)."""
    return _SYSTEM.startswith("linux") or _SYSTEM == "darwin"


def missing_reason(sock: socket.socket | None = None) -> str:
    """Why nothing can be read, in Spanish, for a card's row (``sock`` refines the reason)."""
    if sock is not None:
        if sock.fileno() == -1:
            return (
                "socket cerrado: close() ya se llamó; si tenía conexión, el núcleo puede seguir "
                "con ella un rato (míralo con lab.conexiones)"
            )
        if sock.type != socket.SOCK_STREAM:
            return "no aplica: UDP no tiene conexión ni estados TCP"
    if _SYSTEM == "win32":
        return (
            "no disponible en Windows: Python no puede pedírselo al sistema "
            "(socket.ioctl no conoce SIO_TCP_INFO); míralo con netstat -ano o lab.conexiones"
        )
    if not supported():
        return f"no disponible en este sistema ({_SYSTEM}): el curso solo sabe leerlo en Linux y macOS"
    return "no disponible: el sistema no lo dio para este socket"


def info(sock: socket.socket) -> TcpInfo | None:
    """The kernel's record of ``sock``, or ``None`` (closed, not TCP, or this system cannot say)."""
    if sock.fileno() == -1 or sock.type != socket.SOCK_STREAM:
        return None
    try:
        if _SYSTEM.startswith("linux"):
            return parse_linux(sock.getsockopt(socket.IPPROTO_TCP, _linux_option(), _LINUX_TCP_INFO_LEN))
        if _SYSTEM == "darwin":
            option = getattr(socket, "TCP_CONNECTION_INFO", _MACOS_TCP_CONNECTION_INFO)
            return parse_macos(sock.getsockopt(socket.IPPROTO_TCP, option, _MACOS_INFO_LEN))
    except OSError:  # e.g. a socket of another protocol, or a kernel without the option
        return None
    return None


def tcp_state(sock: socket.socket) -> str | None:
    """``"ESTABLISHED"``, ``"TIME_WAIT"``…: the socket's TCP state (RFC 793 names), or ``None``.

    A socket whose connection ended reads ``CLOSED`` while the program keeps it open; if it
    closed first, the kernel also keeps a TIME_WAIT record of that connection that no longer
    belongs to any socket (see ``lab.conexiones``).
    """
    record = info(sock)
    return None if record is None else record.state


def rtt(sock: socket.socket) -> float | None:
    """The smoothed round-trip time the kernel measured, in seconds (``None``: unknown)."""
    record = info(sock)
    return None if record is None else record.rtt


def accept_queue(sock: socket.socket) -> tuple[int | None, int | None]:
    """For a LISTEN socket: (connections ready for ``accept()``, the backlog the kernel uses).

    Linux gives both (what ``ss`` shows as Recv-Q and Send-Q of a listener); the backlog is
    ``listen(n)``'s n capped at the system's ``somaxconn``. ``(None, None)`` elsewhere.
    """
    record = info(sock)
    if record is None or record.state != "LISTEN":
        return None, None
    return record.accept_ready, record.backlog


def queues(sock: socket.socket) -> tuple[int | None, int | None]:
    """Bytes in the (receive queue, send queue) of a TCP connection; ``None`` where unknown.

    Receive queue: arrived, acknowledged, not yet read by ``recv()``. Send queue: handed to
    ``send()`` but not yet acknowledged by the peer (unsent or in flight); a FIN waiting to
    go counts one more, as it takes a sequence number. A LISTEN socket has no byte queues
    (its queue holds connections: `accept_queue`), so it reads ``(None, None)``.
    """
    record = info(sock)
    if record is None or record.state == "LISTEN":
        return None, None
    received = _ioctl_int(sock, _termios_constant("FIONREAD"))  # SIOCINQ on Linux
    if _SYSTEM.startswith("linux"):
        return received, _ioctl_int(sock, _termios_constant("TIOCOUTQ"))  # SIOCOUTQ
    return received, record.send_queue


def from_psutil(status: str) -> str | None:
    """psutil's state name (``"FIN_WAIT1"``) in this module's spelling (``"FIN_WAIT_1"``)."""
    return _PSUTIL_STATES.get(status)


# -- parsing: plain functions of bytes, so the layouts are tested on every system --------------
def parse_linux(raw: bytes) -> TcpInfo | None:
    """A ``struct tcp_info`` from Linux (see the offsets above)."""
    if len(raw) < _LINUX_TCP_INFO.size:
        return None
    fields: tuple[Any, ...] = _LINUX_TCP_INFO.unpack_from(raw)
    state = _LINUX_STATES.get(fields[0])
    if state is None:
        return None
    words = fields[8:]  # the __u32 fields, from tcpi_rto on
    unacked, sacked, rtt_us, total_retrans = words[4], words[5], words[15], words[23]
    if state == "LISTEN":
        return TcpInfo(state, accept_ready=unacked, backlog=sacked)
    measured = rtt_us / 1e6 if rtt_us else None  # 0: nothing measured yet (e.g. SYN_SENT)
    return TcpInfo(state, rtt=measured, retransmitted=total_retrans)


def parse_macos(raw: bytes) -> TcpInfo | None:
    """A ``struct tcp_connection_info`` from macOS (see the offsets above)."""
    if len(raw) < _MACOS_INFO.size:
        return None
    fields: tuple[Any, ...] = _MACOS_INFO.unpack_from(raw)
    state = _MACOS_STATES.get(fields[0])
    if state is None:
        return None
    words = fields[4:]  # the u_int32_t fields, from tcpi_options on
    sbbytes, srtt_ms = words[7], words[10]
    if state == "LISTEN":
        return TcpInfo(state)
    return TcpInfo(state, rtt=srtt_ms / 1e3 if srtt_ms else None, send_queue=sbbytes)


# -- system calls ------------------------------------------------------------------------------
def _linux_option() -> int:
    return getattr(socket, "TCP_INFO", 11)  # 11 in linux/tcp.h


def _termios_constant(name: str) -> int | None:
    try:
        import termios
    except ImportError:  # Windows
        return None
    value = getattr(termios, name, None)
    return value if isinstance(value, int) else None


def _ioctl_int(sock: socket.socket, request: int | None) -> int | None:
    """The int an ``ioctl`` writes for ``sock`` (``None`` if the system refuses it)."""
    if request is None:
        return None
    import fcntl  # not on Windows, where request is always None

    try:
        raw = fcntl.ioctl(sock.fileno(), request, b"\0\0\0\0")
    except OSError:  # EINVAL for a listener, ENOTTY where unsupported: unknown, never a crash
        return None
    value: int = struct.unpack("=i", raw)[0]
    return value
