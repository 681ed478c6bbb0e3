"""Errors for misuse of labsupport itself.

Network failures reach students as the real standard-library exceptions (they are the
lesson); these classes are only for mistakes in how the course's helpers are used, and
their messages say in Spanish what was expected, what was given and what to do.
"""

from __future__ import annotations


class LabError(Exception):
    """Base of every labsupport error: a Spanish message meant for the student."""


class ServerStoppedError(LabError, RuntimeError):
    """A server was used after `stop()`: its port may already belong to someone else."""


class NotLoopbackError(LabError, ValueError):
    """An address outside 127.0.0.0/8 and ::1 was given without explicit permission."""


class NoIPv6Error(LabError, OSError):
    """The machine has no IPv6 on loopback, so `::1` cannot be used."""


class UnknownExerciseError(LabError, KeyError):
    """`lab.comprobar` was given an exercise id that does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotCallableError(LabError, TypeError):
    """`lab.comprobar` was given something that is not a function."""


class BadSeedError(LabError, ValueError):
    """`lab.comprobar` was given a ``semilla`` that is not a whole number ≥ 0."""
