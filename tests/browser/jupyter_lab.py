"""Helpers of the browser test: a throwaway JupyterLab on loopback, and waiting for its kernel.

The server runs from this virtual environment with every Jupyter directory (config,
runtime, user settings, workspaces) inside a temporary folder, so the test neither reads
nor changes the user's own Jupyter setup; the course's settings overrides (Spanish, no
news toast) go to a temporary ``app_settings_dir`` too. The port is chosen by the system
(``--port=0``) and read back from the server's runtime file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

KERNEL_IDLE_JS = """() => {
    const widget = window.jupyterapp?.shell.currentWidget;
    const kernel = widget?.sessionContext?.session?.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


# Evaluates a Python expression in the current notebook's kernel, out of band (silent: no
# output, no execution count): what the kernel holds, not what the page shows.
_KERNEL_EXPR_JS = """async (expr) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const future = kernel.requestExecute(
        {code: '', silent: true, store_history: false, user_expressions: {value: expr}});
    const reply = await future.done;
    const value = reply.content.user_expressions.value;
    return value.status === 'ok' ? value.data['text/plain'] : `${value.ename}: ${value.evalue}`;
}"""


def kernel_repr(page, expr: str) -> str:
    """``repr(eval(expr))`` in the kernel of the notebook on screen (an error as ``Name: text``)."""
    return page.evaluate(_KERNEL_EXPR_JS, expr)


def wait_for_kernel(page, expr: str, expected: object, timeout: float) -> None:
    """Poll the kernel until ``expr`` has the value ``expected`` (compared by repr); bounded.

    For a browser action whose effect is in the kernel (a text box's value reaching it
    before a button is clicked): wait for the effect itself, never for a fixed time.
    """
    deadline = time.monotonic() + timeout
    want = repr(expected)
    while (got := kernel_repr(page, expr)) != want:
        if time.monotonic() >= deadline:
            raise TimeoutError(f"el núcleo no llegó a {expr} == {want} en {timeout:.0f} s (tiene {got})")
        time.sleep(0.1)


@dataclasses.dataclass
class LabServer:
    proc: subprocess.Popen
    port: int
    token: str
    root: Path
    log: Path

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}{path}{sep}token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _overrides() -> dict:
    from labsupport.labapp import OVERRIDES

    return OVERRIDES


@contextlib.contextmanager
def jupyter_lab(root: Path, *, startup_timeout: float = 40.0) -> Iterator[LabServer]:
    """Start JupyterLab serving ``root`` and stop it (kernels included) on exit."""
    home = root.parent / "jupyter-home"
    dirs = {name: home / name for name in ("config", "data", "runtime", "settings", "workspaces", "app-settings")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["app-settings"] / "overrides.json").write_text(json.dumps(_overrides()), encoding="utf-8")
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
    )
    token = secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",
        f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1",
        "--port=0",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.app_settings_dir={dirs['app-settings']}",
    ]
    log = home / "jupyter.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    server = LabServer(proc, 0, token, root, log)
    try:
        server.port = _wait_for_port(server, dirs["runtime"], startup_timeout)
        yield server
    finally:
        _stop(server)


def _wait_for_port(server: LabServer, runtime: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    port = 0
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab terminó al arrancar (código {server.proc.returncode}):\n{server.log_tail()}"
            )
        if not port:
            for info in runtime.glob("jpserver-*.json"):
                with contextlib.suppress(ValueError, OSError):
                    port = int(json.loads(info.read_text())["port"])
        if port:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={server.token}", timeout=2) as r:
                    if r.status == 200:
                        return port
            except (urllib.error.URLError, OSError):
                pass
        time.sleep(0.1)
    raise RuntimeError(f"JupyterLab no respondió en {timeout:.0f} s:\n{server.log_tail()}")


def _stop(server: LabServer) -> None:
    """Ask the server to shut down (it stops its kernels), then make sure the process is gone."""
    if server.port and server.proc.poll() is None:
        request = urllib.request.Request(server.url("/api/shutdown"), method="POST", data=b"")
        with contextlib.suppress(urllib.error.URLError, OSError):
            urllib.request.urlopen(request, timeout=5).close()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)


def copy_fixture(notebook: Path, root: Path) -> Path:
    """Lab autosaves what it opens: the browser always works on a copy."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(notebook, root / notebook.name))
