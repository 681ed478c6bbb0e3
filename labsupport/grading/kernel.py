"""The kernel a submission runs in: this very Python, with a private loopback where possible.

On Linux with user namespaces each kernel starts inside ``unshare --user --net``: its only
network is a loopback of its own, so a student's code cannot reach the machine's network,
nor the other kernels' servers. The grader talks to it over Unix sockets (ZeroMQ's ``ipc``
transport), the one way into a namespace with no route to ours.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jupyter_client.manager import AsyncKernelManager

#: ``unshare`` arguments that give the command a network namespace of its own, as an unprivileged user.
UNSHARE = ["unshare", "--user", "--map-root-user", "--net", "--"]
#: The flag ``python -m labsupport.grading`` needs to start an isolated kernel (see ``__main__``).
ISOLATED_FLAG = "--nucleo-aislado"


def isolation_available() -> bool:
    """True where kernels can get a private, loopback-only network (Linux with user namespaces)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    try:
        probe = subprocess.run([*UNSHARE, sys.executable, "-c", "pass"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def kernel_manager(isolate: bool, folder: Path, exec_lines: Sequence[str] = ()) -> AsyncKernelManager:
    """A kernel manager for this very Python (not whatever "python3" kernel the user installed).

    On POSIX the kernel talks to the grader over Unix sockets placed in ``folder``: no TCP
    port at all. The path is absolute because the kernel runs in another working directory.
    ``exec_lines`` run in the kernel before the notebook's first cell (IPython's
    ``IPKernelApp.exec_lines``): how the hidden cases are hooked in (:mod:`.hidden`).
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    if isolate:
        argv = [*UNSHARE, sys.executable, "-m", "labsupport.grading", ISOLATED_FLAG, "-f", "{connection_file}"]
    else:
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    argv += [f"--IPKernelApp.exec_lines={line}" for line in exec_lines]

    class ThisPythonSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(argv=argv, display_name="Python 3 (corrector)", language="python")

    if os.name == "posix":
        return AsyncKernelManager(
            kernel_name="python3",
            kernel_spec_manager=ThisPythonSpecs(),
            transport="ipc",
            ip=str(folder / "nucleo"),
            connection_file=str(folder / "conexion.json"),
        )
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisPythonSpecs())


def _loopback_up() -> None:
    """Bring up ``lo`` in a fresh network namespace (it starts down), without the ``ip`` tool."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, siocgifflags, struct.pack("16sH14x", b"lo", 0)))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))


def isolated_kernel_main(argv: list[str]) -> None:
    """Run an IPython kernel with ``argv`` (its ``-f`` connection file) inside ``unshare --net``."""
    _loopback_up()
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # like ipykernel_launcher: the working folder is added back by IPython
    sys.argv = [sys.argv[0], *argv]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
