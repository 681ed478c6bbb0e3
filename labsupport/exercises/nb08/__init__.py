"""Exercises of notebook 08, "Ejemplo completo": an echo server and client that respect framing.

Every case that reads makes "one recv() is one message" fail, and never by luck: the pieces
are sent one at a time, each only after the student's socket has read the previous one
(:mod:`.._pacing`). The slow cases force a partial ``send()``: small socket buffers and a
peer that starts reading late, so code that ignores what ``send()`` returns loses bytes.
Each message is computed from the bytes that actually travelled, and names what the
student's code did with them.

One module per exercise (``lines`` 8.1, ``exact`` 8.2, ``client`` 8.3) and what they share
(``_shared``); importing the package registers the three.
"""

from . import client, exact, lines  # noqa: F401  (registration happens at import)
