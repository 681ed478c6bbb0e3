"""Where a checker cuts the bytes it sends: chaos mode's seeded cut points, one module for all.

"One ``recv()`` is one message" is defeated by pacing (:mod:`._pacing`: each piece leaves once
the last was read); *where* the pieces begin and end decides which other mistakes show. Fixed
cuts (every 7 bytes, at byte 5) miss a parser whose bug needs a cut somewhere else: the end of
an HTTP head searched for in each fragment instead of in what was gathered, a header split in
two. So the cuts are drawn from the case's seeded generator (``ctx.rng``: the same cuts on every
run with the same ``semilla``, other cuts with another); a framed message's header is always
split. The blank line that ends an HTTP head is never split here: a reader that looks for it
in the last fragment only is a bug with its own case and its own hint (6.3), and a cut there
in any other case would fail it under that case's hint, which names another mistake.
Pure functions: no socket here.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from .._wording import count

#: Where an HTTP head ends.
BLANK_LINE = b"\r\n\r\n"


def chaos_cuts(rng: Any, sizes: list[int], header: int = 0, extra: int = 2) -> list[int]:
    """Where to cut a stream of messages of ``sizes`` bytes: each header split, no boundary a cut.

    ``header``: bytes of each message's header (0: raw bytes, no header). ``extra``: random cuts
    in each message besides. The boundaries between messages are never cuts: the piece that
    holds one message's end holds the next one's start (coalesced).
    """
    cuts: set[int] = set()
    start = 0
    for size in sizes:
        if header > 1 and size >= header:
            cuts.add(start + rng.randint(1, header - 1))
        if size > header + 1:
            cuts.update(start + rng.randint(header + 1, size - 1) for _ in range(extra))
        start += size
    boundaries = set(ends(sizes))
    return sorted(c for c in cuts if 0 < c < start and c not in boundaries)


def seeded_slices(rng: random.Random, data: bytes, size: int) -> list[bytes]:
    """``data`` in pieces of about ``size`` bytes (half to one and a half), drawn from ``rng``.

    A cut that would fall inside the blank line ending an HTTP head moves to just after it.
    """
    cuts: set[int] = set()
    at = 0
    while True:
        at += rng.randint(max(1, size // 2), max(1, size * 3 // 2))
        if at >= len(data):
            break
        cuts.add(outside_blank_line(data, at))
    return cut(data, sorted(c for c in cuts if 0 < c < len(data))) if data else [b""]


def outside_blank_line(data: bytes, at: int) -> int:
    """``at``, or the offset just after the first ``\\r\\n\\r\\n`` if ``at`` falls inside it."""
    end = data.find(BLANK_LINE)
    return end + len(BLANK_LINE) if 0 <= end < at < end + len(BLANK_LINE) else at


def answer_rng(seed: int, connection: int, answer: int) -> random.Random:
    """The generator of one answer of a proxy: the n-th answer on the k-th connection, with one seed.

    Numbered by position, never by content: a server's answer differs from run to run (its
    ``Date:`` header, where the kernel split it), and the same seed must replay the same cuts.
    """
    return random.Random(f"{seed}/{connection}/{answer}")


def ends(sizes: list[int]) -> list[int]:
    """Where each message of a stream of messages of ``sizes`` bytes ends (offsets)."""
    return list(itertools.accumulate(sizes))


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` (sorted offsets)."""
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def cuts_text(cuts: list[int]) -> str:
    """``llegaron en 4 fragmentos (cortes en los bytes 2, 5, 9)``: for messages."""
    shown = ", ".join(map(str, cuts[:8])) + (", …" if len(cuts) > 8 else "")
    pieces = count(len(cuts) + 1, "fragmento")
    return f"llegaron en {pieces} (cortes en los bytes {shown})"
