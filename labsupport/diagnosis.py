"""`python -m labsupport diagnostico`: is this machine ready for the course, and if not, what to do.

A student who cannot start the course in class needs one screen that says what is wrong and
the exact command that fixes it. Each check here is small, real (it imports the package,
opens the socket, renders the figure) and independent: one failure never hides the others.
Nothing leaves the machine: the network checks use 127.0.0.1 and ::1 only.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.metadata as metadata
import json
import os
import socket
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from ._wording import count

MIN_PYTHON = (3, 10)
LANGUAGE = "es_ES"
LANGUAGE_PACK = "jupyterlab-language-pack-es-ES"
WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"


@dataclasses.dataclass
class Check:
    """One line of the report: what was checked, whether it passed, what was seen, how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _python() -> str:
    """This interpreter as a student should type it in the fixes (quoted if the path has spaces)."""
    return f'"{sys.executable}"' if " " in sys.executable else sys.executable


def _pip_install(name: str) -> str:
    return f"{_python()} -m pip install \"{name}\""


# --------------------------------------------------------------------------- the checks


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    needed = ".".join(map(str, MIN_PYTHON))
    ok = sys.version_info[:2] >= MIN_PYTHON
    return Check(
        "Python",
        ok,
        f"{version} en {sys.executable} (el curso necesita {needed} o posterior)",
        "" if ok else f"instala Python {needed} o posterior y vuelve a crear el entorno: make limpiar && make entorno",
    )


def _requirements() -> list[str] | None:
    """The course's runtime requirements, as installed with labsupport (None if it is not installed)."""
    try:
        requires = metadata.requires("labsupport") or []
    except metadata.PackageNotFoundError:
        return None
    return [r for r in requires if "extra ==" not in r]


def _split_requirement(requirement: str) -> tuple[str, str]:
    """``"jupyterlab<5,>=4.2"`` -> ``("jupyterlab", "<5,>=4.2")``, without needing ``packaging``."""
    requirement = requirement.split(";", 1)[0].strip()
    for i, char in enumerate(requirement):
        if char in "<>=!~[ (":
            return requirement[:i], requirement[i:].strip()
    return requirement, ""


def _satisfies(version: str, spec: str) -> bool | None:
    """Whether ``version`` meets ``spec``; None when ``packaging`` is missing (then we do not judge)."""
    if not spec:
        return True
    try:
        from packaging.specifiers import SpecifierSet
        from packaging.version import Version
    except ImportError:
        return None
    return Version(version) in SpecifierSet(spec)


def _import_names(distribution: str) -> list[str]:
    try:
        mapping = metadata.packages_distributions()
    except Exception:
        mapping = {}
    wanted = distribution.lower().replace("_", "-")
    names = [mod for mod, dists in mapping.items() if any(d.lower().replace("_", "-") == wanted for d in dists)]
    return sorted(n for n in names if not n.startswith("_")) or [distribution.replace("-", "_")]


def check_package(requirement: str) -> Check:
    """Installed, recent enough, and importable (a broken install shows up only on import)."""
    name, spec = _split_requirement(requirement)
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return Check(f"Paquete {name}", False, "no está instalado", _pip_install(requirement))
    good = _satisfies(version, spec)
    if good is False:
        return Check(f"Paquete {name}", False, f"versión {version}, el curso pide {spec}", _pip_install(requirement))
    module = _import_names(name)[0]
    try:
        importlib.import_module(module)
    except Exception as exc:
        return Check(
            f"Paquete {name}",
            False,
            f"versión {version} instalada, pero «import {module}» falla: {type(exc).__name__}: {exc}",
            f"{_python()} -m pip install --force-reinstall \"{requirement}\"",
        )
    wanted = f" (se pide {spec})" if spec else ""
    return Check(f"Paquete {name}", True, f"{version}{wanted}")


def check_packages(extra: Iterable[str] = ()) -> list[Check]:
    requirements = _requirements()
    checks = []
    if requirements is None:
        checks.append(Check(
            "Paquete labsupport", False, "el paquete del curso no está instalado en este Python",
            "desde la carpeta del curso: make entorno   (o " + _python() + " -m pip install -e .)",
        ))
        requirements = []
    return checks + [check_package(r) for r in [*requirements, *extra]]


def _uses_this_python(command: str) -> bool:
    if command in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        return True  # jupyter_client runs these names with the Python that starts the kernel
    here = {os.path.abspath(sys.executable), os.path.abspath(os.path.join(sys.prefix, "bin", "python"))}
    return os.path.abspath(command) in here or os.path.abspath(command).startswith(os.path.abspath(sys.prefix) + os.sep)


def check_kernel() -> Check:
    """The ``python3`` kernel JupyterLab will start must be this Python, or labsupport is not there."""
    fix = f"{_python()} -m ipykernel install --sys-prefix   (y mira «jupyter kernelspec list» por si hay otro python3)"
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        manager = KernelSpecManager()
        try:
            spec = manager.get_kernel_spec("python3")
        except NoSuchKernel:
            return Check("Kernel python3", False, "no hay ningún kernel «python3» registrado", fix)
        importlib.import_module("ipykernel")
    except Exception as exc:
        return Check("Kernel python3", False, f"{type(exc).__name__}: {exc}", _pip_install("ipykernel"))
    command = spec.argv[0] if spec.argv else ""
    if not _uses_this_python(command):
        return Check(
            "Kernel python3",
            False,
            f"el kernel registrado en {spec.resource_dir} usa otro Python ({command}): los cuadernos no "
            "encontrarán labsupport",
            fix,
        )
    return Check("Kernel python3", True, f"{spec.resource_dir} (usa este Python)")


def _jupyter_data_dirs(kind: str) -> list[Path]:
    from jupyter_core.paths import jupyter_path

    return [Path(p) for p in jupyter_path(kind)]


def check_widgets() -> Check:
    fix = _pip_install("jupyterlab_widgets>=3") + " (se instala con ipywidgets 8)"
    try:
        version = metadata.version("jupyterlab_widgets")
    except metadata.PackageNotFoundError:
        detail = "jupyterlab_widgets no está instalado: los widgets no se verán"
        return Check("Extensión de widgets", False, detail, fix)
    for folder in _jupyter_data_dirs("labextensions"):
        if (folder / WIDGETS_EXTENSION / "package.json").is_file():
            return Check("Extensión de widgets", True, f"jupyterlab_widgets {version}, {folder / WIDGETS_EXTENSION}")
    return Check(
        "Extensión de widgets", False,
        f"jupyterlab_widgets {version} instalado, pero JupyterLab no encuentra {WIDGETS_EXTENSION}",
        f"{_python()} -m pip install --force-reinstall jupyterlab_widgets",
    )


def check_language_pack() -> Check:
    try:
        version = metadata.version(LANGUAGE_PACK)
    except metadata.PackageNotFoundError:
        detail = f"{LANGUAGE_PACK} no está instalado"
        return Check("Idioma español (paquete)", False, detail, _pip_install(LANGUAGE_PACK))
    names = {ep.name for ep in metadata.entry_points(group="jupyterlab.languagepack")}
    if LANGUAGE not in names:
        return Check(
            "Idioma español (paquete)", False, f"{LANGUAGE_PACK} {version} no se registra en JupyterLab",
            f"{_python()} -m pip install --force-reinstall {LANGUAGE_PACK}",
        )
    return Check("Idioma español (paquete)", True, f"{LANGUAGE_PACK} {version}")


def check_language_selected() -> Check:
    """JupyterLab opens in Spanish because of the environment's overrides.json (see labapp)."""
    from .labapp import overrides_path

    path = overrides_path()
    fix = f"{_python()} -m labsupport preparar-lab"
    try:
        locale = json.loads(path.read_text(encoding="utf-8"))["@jupyterlab/translation-extension:plugin"]["locale"]
    except (OSError, ValueError, KeyError, TypeError):
        return Check("Idioma español (por defecto)", False, f"{path} no elige el español", fix)
    if locale != LANGUAGE:
        return Check("Idioma español (por defecto)", False, f"{path} elige «{locale}»", fix)
    return Check("Idioma español (por defecto)", True, f"{path}")


def _round_trip(family: socket.AddressFamily, host: str) -> str:
    """Bind port 0, connect, send and receive on loopback; return the port. Raises OSError."""
    with socket.socket(family, socket.SOCK_STREAM) as server:
        server.settimeout(3)
        server.bind((host, 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection((host, port), timeout=3) as client:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(3)
                client.sendall(b"ping")
                if conn.recv(16) != b"ping":
                    raise OSError("los datos llegaron cambiados")
    return str(port)


def check_loopback() -> Check:
    try:
        port = _round_trip(socket.AF_INET, "127.0.0.1")
    except OSError as exc:
        return Check(
            "Puertos en 127.0.0.1", False, f"no se pudo abrir y usar un puerto local: {type(exc).__name__}: {exc}",
            "algo bloquea las conexiones locales (cortafuegos o antivirus): permite a Python escuchar en 127.0.0.1",
        )
    return Check("Puertos en 127.0.0.1", True, f"abrir, conectar y enviar funciona (puerto de prueba {port})")


def check_ipv6() -> Check:
    if not socket.has_ipv6:
        fix = "usa un Python con IPv6; mientras, salta los ejemplos con ::1"
        return Check("IPv6 en ::1", False, "este Python no tiene IPv6", fix)
    try:
        port = _round_trip(socket.AF_INET6, "::1")
    except OSError as exc:
        return Check(
            "IPv6 en ::1", False, f"no se pudo usar ::1: {type(exc).__name__}: {exc}",
            "activa IPv6 en loopback (Linux: sudo sysctl net.ipv6.conf.lo.disable_ipv6=0); si no puedes, "
            "los ejemplos con ::1 del cuaderno 01 se pueden saltar",
        )
    return Check("IPv6 en ::1", True, f"abrir, conectar y enviar funciona (puerto de prueba {port})")


def check_matplotlib() -> Check:
    """Figures in the notebooks are PNGs drawn by Agg and shown by the inline backend."""
    import io

    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(1, 1))
        FigureCanvasAgg(fig)
        fig.add_subplot().plot([0, 1], [0, 1])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        if not buffer.getvalue().startswith(b"\x89PNG"):
            raise RuntimeError("la figura no salió como PNG")
        importlib.import_module("matplotlib_inline.backend_inline")
        backend = matplotlib.get_backend()
    except Exception as exc:
        return Check("Gráficos (matplotlib)", False, f"{type(exc).__name__}: {exc}",
                     _pip_install("matplotlib>=3.8") + " " + "matplotlib-inline")
    return Check(
        "Gráficos (matplotlib)", True,
        f"matplotlib {matplotlib.__version__}: PNG correcto, motor «inline» disponible (aquí fuera: {backend})",
    )


CHECKS: tuple[Callable[[], Check], ...] = (
    check_python,
    check_kernel,
    check_widgets,
    check_language_pack,
    check_language_selected,
    check_loopback,
    check_ipv6,
    check_matplotlib,
)


def run_checks(extra_packages: Iterable[str] = ()) -> list[Check]:
    """Every check, in report order; an unexpected crash of one check becomes its own ✘ line."""
    checks: list[Check] = []
    steps: list[Callable[[], Check | list[Check]]] = [CHECKS[0], lambda: check_packages(extra_packages)]
    steps += CHECKS[1:]
    for step in steps:
        try:
            found = step()
            checks.extend(found if isinstance(found, list) else [found])
        except Exception as exc:  # a bug or a very broken machine: report it, go on
            checks.append(Check("Comprobación interna", False, f"{type(exc).__name__}: {exc}",
                                "avisa al profesorado con esta línea"))
    return checks


# --------------------------------------------------------------------------- the report


def _marks() -> tuple[str, str]:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "✔✘→".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "OK", "XX"
    return "✔", "✘"


def format_report(checks: list[Check], marks: tuple[str, str] | None = None) -> str:
    ok_mark, bad_mark = marks or _marks()
    arrow = "→" if ok_mark == "✔" else "->"
    lines = ["Diagnóstico de este equipo para «Sockets en Python»", ""]
    for check in checks:
        lines.append(f"{ok_mark if check.ok else bad_mark} {check.name}: {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"    {arrow} Arreglo: {check.fix}")
    failed = sum(not c.ok for c in checks)
    lines.append("")
    if failed:
        lines.append(
            f"Hay {count(failed, 'problema')} en {count(len(checks), 'comprobación')}. "
            f"Arregla lo marcado con {bad_mark} y vuelve a ejecutar «python -m labsupport diagnostico»."
        )
    else:
        lines.append(f"Todo listo: {len(checks)} de {len(checks)} comprobaciones correctas.")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--paquete",
        action="append",
        default=[],
        metavar="NOMBRE",
        help="comprueba también este paquete (se puede repetir; admite versión: 'nombre>=1.0')",
    )


def run(args: argparse.Namespace) -> int:
    checks = run_checks(args.paquete)
    print(format_report(checks))
    return 0 if all(c.ok for c in checks) else 1
