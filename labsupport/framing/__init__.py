"""Framing: how to tell where a message ends in a TCP byte stream (notebook 10).

Reference implementations, each with a limit and a Spanish error: a delimiter (``\\n``, with
escaping), a fixed size, a 4-byte length prefix, a JSON header with a version (Real Python's
design), the key-value server of the notebook's application protocol, and ``recv_exactly``
(``recv_into`` + ``memoryview``), which all of them share.
"""

from __future__ import annotations

from ..exercises._pacing import Slicer  # the checkers' slicing proxy, shown in section 10.1
from .arrival import arrived, wait_arrived
from .codecs import (
    DELIMITER,
    MAX_LINE,
    MAX_MESSAGE,
    PREFIX,
    LineReader,
    check_size,
    encode_fixed,
    encode_line,
    encode_prefixed,
    escape,
    recv_fixed,
    recv_prefixed,
    send_prefixed,
    unescape,
)
from .errors import FramingError, IncompleteMessageError, MessageTooLargeError, VersionError, size_text
from .jsonheader import HEADER_LENGTH, VERSION, Message, encode_message, parse_header, recv_message
from .kv import KeyValueServer
from .stream import recv_exactly

__all__ = [
    "DELIMITER", "HEADER_LENGTH", "MAX_LINE", "MAX_MESSAGE", "PREFIX", "VERSION", "FramingError",
    "IncompleteMessageError", "KeyValueServer", "LineReader", "Message", "MessageTooLargeError", "Slicer",
    "VersionError", "arrived", "check_size", "encode_fixed", "encode_line", "encode_message", "encode_prefixed",
    "escape", "parse_header", "recv_exactly", "recv_fixed", "recv_message", "recv_prefixed", "send_prefixed",
    "size_text", "unescape", "wait_arrived",
]  # fmt: skip
