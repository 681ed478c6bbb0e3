"""Old name of nb05's import, until it imports :class:`._pacing.Slicer` (then removed)."""

from ._pacing import Slicer, cut_points

__all__ = ["Slicer", "cut_points"]
