"""The course's figures: what is hard to read in text (bytes on the wire, timings, retries).

Every function takes ``ax=None`` and returns the Axes it drew on (a new figure through
pyplot when none is given, so a notebook shows it inline); none calls ``plt.show()`` or
changes ``rcParams``. matplotlib is imported only when a figure is drawn. Titles never
contain measured numbers, so the Axes' text repr that a notebook prints is the same every
run; the numbers go inside the figure.
"""

from __future__ import annotations

from .anatomy import Anatomy, Part, anatomy, split_response
from .attempts import attempts
from .backlog import backlog
from .chunks import chunk_records, chunk_sizes
from .concat import concat_cost, measure_concat
from .keepalive import keep_alive
from .latency import latency, percentile
from .sequence import sequence
from .server_cost import server_cost
from .steps import client_steps

__all__ = [
    "Anatomy",
    "Part",
    "anatomy",
    "attempts",
    "backlog",
    "chunk_records",
    "chunk_sizes",
    "client_steps",
    "concat_cost",
    "keep_alive",
    "latency",
    "measure_concat",
    "percentile",
    "sequence",
    "server_cost",
    "split_response",
]
