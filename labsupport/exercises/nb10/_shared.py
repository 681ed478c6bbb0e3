"""What notebook 10's checkers share: their time limit and the course's length prefix."""

from __future__ import annotations

import struct

#: A case that reads: a right answer takes a few hundredths of a second.
LIMIT = 3.0
#: The length prefix of 10.2 and 10.3: 4 bytes, unsigned, network byte order.
HEADER = struct.Struct("!I")
