"""What several exercises share: the checker's own reliable client, with the checker's patience.

The bytes are read by the course's one HTTP client codec (:mod:`labsupport.http.client`), the
same the widgets and the anatomy plot use; here only the checker's timeout is added.
"""

from __future__ import annotations

from ..http.client import MAX_RESPONSE
from ..http.client import fetch as _fetch
from ..http.client import read_until_close as read_to_eof

__all__ = ["MAX_RESPONSE", "PATIENT", "fetch", "read_to_eof"]

#: The checker's own client's timeout (seconds): it must not fire when the server is fine, even on
#: a loaded machine, so it is generous.
PATIENT = 5.0


def fetch(address: tuple[str, int], path: str) -> bytes:
    """The checker's own client: the whole raw response to ``GET path`` with ``Connection: close``."""
    return _fetch(address, path, timeout=PATIENT)
