"""Where the course runs and where it says no: every supported Python, and not JupyterLite.

JupyterLite (Pyodide) imports ``socket`` but cannot connect to 127.0.0.1: ``import labsupport``
must say so in Spanish, pointing to Binder and ``make lab``. A machine whose loopback is down
(a network namespace of its own, ``unshare -n``: ``bind()`` works, ``connect()`` fails) must
hear the same when the first server is created, not an obscure error several cells later.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import COMMAND_LIMIT

from labsupport import _loopback

ADVICE = ("Binder", "`make lab`", "127.0.0.1")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_LIMIT, check=False)


def test_this_python_is_a_supported_one():
    assert sys.version_info[:2] >= (3, 10)
    assert _loopback.platform_refusal(sys.platform) is None


@pytest.mark.parametrize("platform", ["emscripten", "wasi"])
def test_refusal_names_the_environment_and_where_to_go(monkeypatch, platform):
    monkeypatch.setattr(sys, "platform", platform)
    with pytest.raises(_loopback.NoLoopbackError) as caught:
        _loopback.refuse_unsupported_platform()
    message = str(caught.value)
    assert _loopback.NO_LOOPBACK_PLATFORMS[platform] in message
    assert all(advice in message for advice in ADVICE), message


def test_import_labsupport_in_jupyterlite_says_so_in_spanish():
    """The setup cell's own line, ``import labsupport as lab``, in a Python that reports Pyodide's platform."""
    code = "import sys; sys.platform = 'emscripten'; import labsupport as lab"
    result = _run(sys.executable, "-c", code)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("labsupport._loopback.NoLoopbackError: Este entorno es JupyterLite"), result.stderr
    assert all(advice in last for advice in ADVICE), last


def test_import_labsupport_here_opens_nothing():
    """The check at import is a string compare: no socket is created just by importing the course."""
    code = ("import socket; made = []; real = socket.socket.__init__\n"
            "def spy(self, *a, **k): made.append(a); real(self, *a, **k)\n"
            "socket.socket.__init__ = spy\n"
            "import labsupport as lab; print(len(made))")
    result = _run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return _run("unshare", "-n", "true").returncode == 0


@pytest.mark.skipif(not sys.platform.startswith("linux") or not _unshare_works(),
                    reason="needs `unshare -n` (Linux, root or user namespaces) for a loopback that is down")
def test_first_server_where_loopback_is_down_says_so_in_spanish():
    code = ("import labsupport as lab\n"
            "try:\n    lab.EchoServer()\n"
            "except lab.NoLoopbackError as exc:\n    print(exc)\n"
            "else:\n    print('arrancó')")
    result = _run("unshare", "-n", sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    said = result.stdout.strip()
    assert said.startswith("No se puede conectar con 127.0.0.1 en este entorno"), said
    assert all(advice in said for advice in ADVICE), said


def test_first_server_where_loopback_works_starts(monkeypatch):
    """The probe passes on this machine, and passes once: a second server does not probe again."""
    import labsupport as lab

    monkeypatch.setattr(_loopback, "_probed", False)
    with lab.EchoServer():
        assert _loopback._probed
    monkeypatch.setattr(_loopback, "probe_error", lambda: pytest.fail("probed twice"))
    with lab.EchoServer():
        pass
