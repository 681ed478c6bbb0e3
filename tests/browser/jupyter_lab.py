"""Helpers of the browser tests: a throwaway JupyterLab on loopback, and waiting for its kernel.

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

REPO = Path(__file__).resolve().parent.parent.parent
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


def artefacts_dir() -> Path:
    """Where screenshots go: ``artefactos/`` (ignored by git) or ``$ARTEFACTOS``."""
    path = Path(os.environ.get("ARTEFACTOS") or REPO / "artefactos")
    path.mkdir(parents=True, exist_ok=True)
    return path


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_browser() -> None:
    """Skip where the browser is missing; in CI that is a failure, not a skip."""
    import pytest

    missing = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"no hay Chromium en {CHROMIUM} (en Debian/Ubuntu: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("falta el paquete de Python playwright (pip install playwright; nunca 'playwright install')")
    if not missing:
        return
    reason = "Prueba de navegador no ejecutada: " + "; ".join(missing)
    if in_ci():
        pytest.fail(reason + ". CI está definido: allí esta prueba tiene que ejecutarse.", pytrace=False)
    pytest.skip(reason)


class Clock:
    """One deadline for a whole test; each wait gets what is left (in ms, for Playwright)."""

    def __init__(self, seconds: float) -> None:
        self.budget = seconds
        self.end = time.monotonic() + seconds

    def ms(self, at_most: float = float("inf")) -> float:
        """What is left of the budget, in ms (every wait here must not run out: no tight caps)."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"la prueba de navegador pasó de {self.budget:.0f} s")
        return min(left, at_most) * 1000


# Runs an async function in the page without awaiting it inside evaluate() (which has no
# timeout of its own); its outcome lands in window.__jobs[id], which Playwright waits for.
_JOB_JS = """([id, source, arg]) => {
    window.__jobs = window.__jobs || {};
    const job = window.__jobs[id] = {done: false};
    Promise.resolve().then(() => (0, eval)('(' + source + ')')(arg)).then(
        (value) => { job.value = value === undefined ? null : value; job.done = true; },
        (error) => { job.error = String(error); job.done = true; });
}"""


def run_async(page, source: str, arg: object = None, *, timeout_ms: float) -> object:
    """Await ``source`` (a JS async function of one argument) in the page, bounded; return its value."""
    job = secrets.token_hex(4)
    page.evaluate(_JOB_JS, [job, source, arg])
    page.wait_for_function(f"() => window.__jobs['{job}'].done", timeout=timeout_ms, polling=100)
    outcome = page.evaluate(f"() => window.__jobs['{job}']")
    if "error" in outcome:
        raise RuntimeError(f"en la página: {outcome['error']}")
    return outcome.get("value")


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


# Records every text an element shows, from now on, in window.__seen[key]: the text after each
# batch of changes plus the texts those changes replaced, so a value shown only for a moment is
# still caught however late the page gets to run (no race with a poller).
RECORD_TEXTS_JS = """([selector, key]) => {
    const element = document.querySelector(selector);
    window.__seen = window.__seen || {};
    const seen = window.__seen[key] = [element.textContent];
    new MutationObserver((records) => {
        for (const record of records) {
            if (record.oldValue !== null) seen.push(record.oldValue);
            for (const node of record.removedNodes) seen.push(node.textContent);
        }
        seen.push(element.textContent);
    }).observe(element, {subtree: true, childList: true, characterData: true, characterDataOldValue: true});
}"""


def kernel_repr(page, expr: str, timeout_ms: float) -> str:
    """``repr(eval(expr))`` in the kernel of the notebook on screen (an error as ``Name: text``)."""
    return str(run_async(page, _KERNEL_EXPR_JS, expr, timeout_ms=timeout_ms))


def wait_for_kernel(page, expr: str, expected: object, timeout: float) -> None:
    """Poll the kernel until ``expr`` has the value ``expected`` (compared by repr); bounded.

    For a browser action whose effect is in the kernel (a text box's value reaching it
    before a button is clicked): wait for the effect itself, never for a fixed time.
    """
    deadline = time.monotonic() + timeout
    want = repr(expected)
    while (got := kernel_repr(page, expr, max(deadline - time.monotonic(), 0.1) * 1000)) != want:
        if time.monotonic() >= deadline:
            raise TimeoutError(f"el kernel no llegó a {expr} == {want} en {timeout:.0f} s (tiene {got})")
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
def jupyter_lab(root: Path, *, startup_timeout: float = 300.0) -> Iterator[LabServer]:
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


# -- a notebook driven through JupyterLab's own model (not the DOM, which is virtualised) --
# Opens a notebook in this page (one Lab page for many notebooks) and waits for its context.
OPEN_JS = """async (path) => {
    await window.jupyterapp.started;
    await window.jupyterapp.restored;
    const widget = await window.jupyterapp.commands.execute('docmanager:open', {path, factory: 'Notebook'});
    await widget.context.ready;
    window.jupyterapp.shell.activateById(widget.id);
    return widget.context.path;
}"""

CURRENT_PATH_JS = "() => window.jupyterapp.shell.currentWidget?.context?.path ?? null"

# JupyterLab's own Run All. Its promise settles at the first error even in a cell tagged
# raises-exception, while later cells are still queued in the kernel: wait with DRAIN_JS.
RUN_ALL_JS = "async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }"

# The kernel handles its requests in order, so an empty request sent now is answered only
# after every cell sent before it: then all of them have run (or been skipped after an error).
DRAIN_JS = """async () => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    await kernel.requestExecute({code: '', silent: true, store_history: false}).done;
}"""

# Every cell as the notebook model holds it: type, source, tags, execution count, outputs.
CELLS_JS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const out = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        const code = cell.type === 'code';
        out.push({
            type: cell.type,
            source: cell.sharedModel.getSource(),
            tags: cell.getMetadata('tags') || [],
            count: code ? cell.executionCount : null,
            outputs: code ? cell.outputs.toJSON() : [],
        });
    }
    return out;
}"""

# Brings cell ``index`` to the top of the view (for a screenshot of that part).
SCROLL_TO_JS = """async (index) => {
    const notebook = window.jupyterapp.shell.currentWidget.content;
    notebook.activeCellIndex = index;
    await notebook.scrollToItem(index, 'start');
}"""

# Shuts the kernel down, saves (so closing asks nothing) and closes the notebook.
CLOSE_JS = """async () => {
    const widget = window.jupyterapp.shell.currentWidget;
    await widget.sessionContext.shutdown();
    await widget.context.save();
    widget.close();
}"""


def output_text(output: dict) -> str:
    """The readable text of one output of the model (stream, text/plain, text/html, error)."""
    if output.get("output_type") == "stream":
        parts = [output.get("text", "")]
    elif output.get("output_type") == "error":
        parts = [f"{output.get('ename', '')}: {output.get('evalue', '')}"]
    else:
        data = output.get("data", {})
        parts = [data.get(mime, "") for mime in ("text/plain", "text/html")]
    return "\n".join("".join(p) if isinstance(p, list) else str(p) for p in parts)
