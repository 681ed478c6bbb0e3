"""Where the course runs and where it says no: every supported Python, and not JupyterLite.

JupyterLite (Pyodide) imports ``socket`` but cannot connect to 127.0.0.1: ``import labsupport``
must say so in Spanish, pointing to Binder and ``make lab``. A machine whose loopback is down
(a network namespace of its own, ``unshare -n``: ``bind()`` works, ``connect()`` fails) must
hear the same when the first server is created, not an obscure error several cells later.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import COMMAND_LIMIT

from labsupport import _loopback

ADVICE = ("Binder", "`make lab`", "127.0.0.1")
ROOT = Path(__file__).resolve().parent.parent


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


PYODIDE_SCRIPT = """
import {{ loadPyodide }} from {module};
const py = await loadPyodide();
py.FS.mkdirTree("/curso");
py.FS.mount(py.FS.filesystems.NODEFS, {{ root: {root} }}, "/curso");
console.log(py.runPython(`
import socket, sys
sys.path.insert(0, "/curso")
servidor = socket.socket(); servidor.bind(("127.0.0.1", 0)); servidor.listen(1); servidor.settimeout(0.3)
cliente = socket.socket(); cliente.settimeout(0.3); cliente.connect(servidor.getsockname())
try:
    servidor.accept(); llego = "llegó"
except OSError:
    llego = "no llegó"
try:
    import labsupport
    dijo = "importó"
except Exception as exc:
    dijo = type(exc).__name__ + ": " + str(exc)
llego + "\\\\n" + dijo
`));
process.exit(0);  // the emulated socket's pending WebSocket would keep Node alive
"""


@pytest.mark.skipif(not os.environ.get("LABSUPPORT_PYODIDE") or shutil.which("node") is None,
                    reason="opt-in: LABSUPPORT_PYODIDE=<npm install pyodide>/node_modules/pyodide, and node")
def test_in_real_pyodide_no_connection_arrives_and_import_says_so(tmp_path):
    """The premise measured in Pyodide itself (under Node): connect() returns, accept() never gets it."""
    module = Path(os.environ["LABSUPPORT_PYODIDE"]).resolve() / "pyodide.mjs"
    script = tmp_path / "pyodide.mjs"
    script.write_text(PYODIDE_SCRIPT.format(module=json.dumps(module.as_uri()), root=json.dumps(str(ROOT))))
    result = _run("node", str(script))
    assert result.returncode == 0, result.stderr
    arrived, said = result.stdout.strip().splitlines()[-2:]
    assert arrived == "no llegó"
    assert said.startswith("NoLoopbackError: Este entorno es JupyterLite"), said
    assert all(advice in said for advice in ADVICE), said
