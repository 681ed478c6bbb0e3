"""What a server or the tap records: every kind of event, one name each, in one place.

Servers write their log (``server.log()``, a list of :class:`~labsupport.Event`) and the tap
its recording (``tap.events()``, a list of :class:`~labsupport.tap.TapEvent`); checkers,
plots, widgets and notebooks read them back by kind. Writers and readers name a kind by its
member here (``EventKind.FIN``), so a misspelt kind is an ``AttributeError`` (and a mypy
error), never a string that silently matches nothing.

A member *is* its string: ``e.kind == "fin"`` is True for a FIN, ``str()``, f-strings, JSON and
tables write ``fin``, and the kinds a notebook prints stay the words it always printed.
Turning a string into a kind (``EventKind("fni")``, ``tap.events(kind="fni")``) fails with a
Spanish message that lists the kinds, instead of returning nothing.

One word per idea: the other side's orderly close is ``fin`` wherever it is seen, the tap's
table (``FIN``) and the half-close server's log alike, as GLOSARIO says (FIN, cierre ordenado).
What the *reader* sees of it, ``recv()`` returning ``b""``, is its end of file (EOF): the same
event, so it has no kind of its own.
"""

from __future__ import annotations

import enum

from ._errors import LabError

__all__ = ["EventKind", "UnknownEventKindError"]


class UnknownEventKindError(LabError, ValueError):
    """A string was given as an event kind and no kind has that name."""


class EventKind(str, enum.Enum):
    """Every kind of event a course server logs or the tap records (its ``kind``)."""

    # -- every server (labsupport._server): its lifecycle and each connection's ----------
    START = "start"  #: the server listens; detail: its address
    STOP = "stop"  #: stop() has ended the threads and closed the sockets
    ERROR = "error"  #: a server thread raised (check() re-raises it); the tap: it could not reach the server
    REFUSED = "refused"  #: a connection over ``max_connections``, closed at once (HTTP: after a 503)
    CONNECT = "connect"  #: a connection was accepted; detail (tap): the client's address
    TIMEOUT = "timeout"  #: a connection stayed silent longer than the server's (or the tap's) timeout
    NETWORK_ERROR = "network-error"  #: the network failed under a connection (a reset, a broken pipe)
    CLOSE = "close"  #: a connection ended and its socket was closed
    DATAGRAM = "datagram"  #: a UDP datagram arrived; detail: its size
    # -- what crosses a connection, seen by the tap (and by the fault servers) -----------
    DATA = "data"  #: one recv() returned bytes (the tap: one chunk, with its direction)
    FIN = "fin"  #: the other side's orderly close arrived: recv() returned b"" (EOF)
    RESET = "reset"  #: an RST cut the connection (the tap: who sent it; faults.Reset: the server)
    # -- what a fault server did (labsupport.faults) ------------------------------------
    REQUEST = "request"  #: the fault read the client's request; detail: its size
    SILENCE = "silence"  #: Silent read and never answered; detail: the bytes received
    HANGUP = "hangup"  #: Hangup closed (FIN) right after accepting
    DRIP = "drip"  #: Drip sent its answer in many small pieces
    TRUNCATE = "truncate"  #: Truncate sent part of its answer, then closed
    REPLY = "reply"  #: HalfClose answered, after the client's FIN
    BACKLOG = "backlog"  #: Backlog filled its queue of pending connections with its own clients
    ATTEMPT_FAILED = "attempt-failed"  #: Flaky failed this attempt (RST or FIN, as configured)
    ATTEMPT_SERVED = "attempt-served"  #: Flaky served this attempt
    ANSWER_LOST = "answer-lost"  #: the order was registered but its answer replaced by an RST
    RECEIVE_BUFFER = "receive-buffer"  #: NeverReads shrank its receive buffer; detail: the size
    # -- TLS and HTTP ------------------------------------------------------------------
    TLS = "tls"  #: a TLS negotiation succeeded; detail: version and cipher
    TLS_ERROR = "tls-error"  #: a TLS negotiation failed; detail: why, in Spanish
    HTTP_ERROR = "http-error"  #: the HTTP server answered with an error (4xx/5xx); detail: why

    def __str__(self) -> str:  # the value on every Python version (3.10 would write EventKind.FIN)
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> EventKind:
        hint = ""
        if value == "eof":  # the reader's name for a FIN: one idea, one kind
            hint = f" El FIN del otro extremo (recv() devuelve b'') se registra como {cls.FIN.value!r}."
        known = ", ".join(member.value for member in cls)
        raise UnknownEventKindError(f"No hay eventos de tipo {value!r}.{hint} Los tipos son: {known}.")
