"""Shared test helpers: count threads and file descriptors, so leaks fail a test."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

import labsupport as lab

# The suite's checks (and the nbval kernels, which inherit this environment) are not a student's
# progress: nothing reads or writes a .progreso.json under test unless a test asks for one.
os.environ.setdefault("LABSUPPORT_PROGRESO", "no")


def open_fds() -> int | None:
    """Number of open file descriptors of this process (None where /proc is missing)."""
    if sys.platform.startswith("linux"):
        return len(os.listdir("/proc/self/fd"))
    return None


#: Seconds for a wait that must not run out (a reply that comes, a thread that ends): generous,
#: since it costs nothing when things go right and a loaded machine must not fail the test.
#: A timeout that must fire is written short (0.2-0.3 s) where it is used.
PATIENT = 10.0

#: Seconds a whole command in a subprocess (a CLI command, postBuild, a fresh interpreter importing
#: the course, JupyterLab starting) may take before the test calls it hung. A bound against a hang,
#: never a speed check: on two cores at load 15 (a CPU hog plus other engineers' runs) commands that
#: take 5 s on an idle machine took over 120 s, and 60-120 s limits failed three tests.
COMMAND_LIMIT = 600.0


def settle(predicate, timeout: float = PATIENT) -> bool:
    """Wait (polling, bounded) until ``predicate()`` is true: closing threads take a moment to end.

    For a condition that will become true; never use it to show that something does *not* happen.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def no_leaks():
    """Fail the test if it leaves a thread or a file descriptor behind."""
    threads, fds = threading.active_count(), open_fds()
    yield
    lab.stop_all()
    assert settle(lambda: threading.active_count() <= threads), threading.enumerate()
    if fds is not None:
        assert settle(lambda: open_fds() <= fds), f"{open_fds()} descriptores abiertos, antes {fds}"


@pytest.fixture(autouse=True)
def _stop_servers_after_each_test():
    yield
    lab.stop_all()
