"""What goes wrong with a frame, each error a subclass of what a student's code would catch.

A peer that closes early is a :class:`ConnectionError` (as the standard library's own); a frame
that cannot be right (too large, malformed, another version) is a :class:`ValueError`. The
messages are Spanish and say what arrived and what was expected, so a notebook can show them.
"""

from __future__ import annotations

from .._errors import LabError


class IncompleteMessageError(LabError, ConnectionError):
    """The peer closed (FIN) before the whole frame arrived."""


class FramingError(LabError, ValueError):
    """A frame that breaks the protocol: malformed header, impossible length, bad JSON."""


class MessageTooLargeError(FramingError):
    """The announced (or accumulated) size is over the reader's limit; nothing was allocated for it."""


class VersionError(FramingError):
    """A JSON header with a version this reader does not speak."""


def size_text(n: int) -> str:
    """``n`` bytes for a person: 1048576 → «1 MiB (1048576 bytes)», 4294967295 → «4294967295 bytes (≈ 4 GiB)»."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit} ({n} bytes)"
        if n >= size:
            return f"{n} bytes (≈ {round(n / size)} {unit})"
    return f"{n} bytes"
