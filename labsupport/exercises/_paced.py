"""Old names of nb06's import, until it imports :class:`._pacing.PacedConnection` (then removed)."""

from ._pacing import PacedConnection as Paced
from ._pacing import slices

__all__ = ["Paced", "slices"]
