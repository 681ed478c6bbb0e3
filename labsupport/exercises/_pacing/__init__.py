"""Send to the student's socket in pieces, each only after it has read the previous one.

"One ``recv()`` is one message" passes a case whenever the pieces a checker sends happen to
arrive together, and on a loaded machine they often do: a drip with pauses makes that mistake
fail only *usually*. So every checker that sends in pieces paces them the same way: before each
piece it waits until the student's socket has received everything sent so far *and* read it
all. Every ``recv()`` then returns at most one piece, on every run, whatever the load.

The student's socket lives in this very process, so the kernel can be asked about it
(:mod:`.reader`: on Linux ``TCP_INFO`` counts the bytes delivered, ``FIONREAD`` those still
unread); where the checker holds only the other end of the connection (a proxy, a server the
student connects to), :class:`PeerReader` finds the student's socket from that end. Where the
system cannot tell, a short pause stands in for the wait. Waits are bounded: a student who
stops reading holds a piece back only so long.

One way to pace (:func:`send_paced`, built on :func:`wait_consumed`), used by everything here:

- :func:`send_paced` from a case's own thread, or a thread of the checker's;
- :class:`PacedConnection`: a connection whose far end sends the pieces from a thread of its own,
  and reads back what the student left unread (:meth:`PacedConnection.read_rest`);
- :class:`Slicer`: a proxy in front of a server that cuts the first chunk of each answer.
"""

from __future__ import annotations

from .connection import PacedConnection, slices
from .reader import CLOSED, PeerReader, Reader, Reception, SocketReader, delivered, reception, unread
from .sending import GAP, PATIENCE, send_paced, student_finished, wait_consumed
from .slicer import RECORD_LIMIT, Slicer, cut_points

__all__ = [
    "CLOSED", "GAP", "PATIENCE", "RECORD_LIMIT", "PacedConnection", "PeerReader", "Reader", "Reception",
    "Slicer", "SocketReader", "cut_points", "delivered", "reception", "send_paced", "slices",
    "student_finished", "unread", "wait_consumed",
]
