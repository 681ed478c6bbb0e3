"""Open the course in JupyterLab, in Spanish, without touching the user's own settings.

Settings go to the environment's ``share/jupyter/lab/settings/overrides.json`` (inside the
virtual environment), never to ``~/.jupyter``: a student's other projects stay as they were.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ._errors import LabError
from .cli import port_number

OVERRIDES: dict[str, dict[str, Any]] = {
    "@jupyterlab/translation-extension:plugin": {"locale": "es_ES"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def overrides_path() -> Path:
    return Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def write_overrides() -> Path:
    """Merge the course's overrides into the environment's file, keeping what was there."""
    path = overrides_path()
    current: dict[str, Any] = {}
    if path.exists():
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            current = {}
    if not isinstance(current, dict):  # valid JSON but not the settings object JupyterLab expects
        current = {}
    for plugin, values in OVERRIDES.items():
        settings = current.get(plugin)
        current[plugin] = {**(settings if isinstance(settings, dict) else {}), **values}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise LabError(
            f"No se pudo escribir la configuración de JupyterLab en {path} ({exc.strerror or exc}). "
            "Comprueba que el entorno del curso es tuyo y se puede escribir (make entorno lo crea)."
        ) from None
    return path


def notebooks_dir() -> Path:
    """The folder to open: the student edition when it exists or can be built, else the master."""
    root = Path.cwd()
    try:
        from . import editions
    except ImportError:
        return root / "notebooks"
    return editions.ensure_student_edition(root)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if parser.prog.endswith("abrir"):
        parser.add_argument("--maestra", action="store_true", help="abre la edición maestra (con soluciones)")
        parser.add_argument("--puerto", type=port_number, default=0, help="puerto de JupyterLab (0: el que elija)")
        parser.add_argument("--sin-navegador", action="store_true", help="no abre el navegador (servidores remotos)")


def run(args: argparse.Namespace) -> int:
    """``preparar-lab`` writes the settings; ``abrir`` also starts JupyterLab and waits for it to end."""
    path = write_overrides()
    if args._name == "preparar-lab":
        print(f"JupyterLab configurado en español: {path}")
        return 0
    folder = Path.cwd() / "notebooks" if args.maestra else notebooks_dir()
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}", "--ServerApp.ip=127.0.0.1"]
    if args.puerto:
        cmd.append(f"--port={args.puerto}")
    if getattr(os, "geteuid", lambda: 1)() == 0:  # containers (Binder-like, CI) often run as root
        cmd.append("--allow-root")
    if args.sin_navegador:
        cmd.append("--no-browser")
    print(f"Abriendo el curso en JupyterLab: {folder}", flush=True)
    try:
        code = subprocess.call(cmd, env=os.environ.copy())
    except KeyboardInterrupt:  # Ctrl+C stops JupyterLab: not an error
        return 0
    if code != 0:  # JupyterLab has already said why on stderr
        raise LabError(f"JupyterLab terminó con el código {code}: mira los mensajes de arriba.")
    return 0
