"""`python -m labsupport libro`: the course as a website that can be read without installing anything.

It writes a MyST project (Jupyter Book 2) into ``build/libro/`` and builds it with
``jupyter-book build --html`` into ``build/libro/_build/html``. Everything the site shows comes
from files the course already keeps, so the site can never drift from them:

- the table of contents is read from the README's course map (the guide's notebooks, then
  «Más allá de la guía»), and the instructor notes are the README's «Para el profesorado»;
- the pages are the master notebooks **with their stored outputs** (the ones strict nbval
  checks), so every plot and verdict is the one the course really printed; nothing is executed;
- solutions are hidden by :func:`labsupport.editions.strip_solutions`, the same function that
  writes the student edition (``--con-soluciones`` keeps them); a cell whose solution is hidden
  loses its outputs too, since they came from the solution;
- each notebook page starts with two launch links: Binder (the repository's ``alumno/``) and a
  JupyterHub through nbgitpuller (the student edition's repository, as the README explains),
  with the hub's address configurable (``--hub``).

The HTML build needs a MyST site template. ``book-theme`` (the default) is downloaded by
jupyter-book from the Internet; without a network, point ``--plantilla`` (or the environment
variable ``LABSUPPORT_PLANTILLA_LIBRO``) at a local copy of a built template.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._errors import LabError
from .editions import CODE_STUB, TEXT_STUB, strip_solutions

DEFAULT_HUB = "https://TU-HUB"
DEFAULT_REPO = "ORG/sockets-en-python"
DEFAULT_STUDENT_REPO = "ORG/sockets-en-python-alumno"
DEFAULT_TEMPLATE = "book-theme"
TEMPLATE_ENV = "LABSUPPORT_PLANTILLA_LIBRO"
BEYOND_GUIDE = "Más allá de la guía"
# Written first in the generated myst.yml; a destination that has another myst.yml is not ours to delete.
GENERATED_MARK = "# Generado por «python -m labsupport libro»: no lo edites, se rehace en cada construcción."
_GITHUB_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")
_NOTEBOOK_LINK = re.compile(r"\]\(notebooks/([^)#\s]+\.ipynb)\)")


@dataclass(frozen=True)
class LaunchLinks:
    """Where a reader can run a page: Binder (this repository) and a JupyterHub (the student edition).

    ``repo`` and ``student_repo`` are GitHub ``owner/name``; ``hub`` is the hub's base URL.
    """

    repo: str = DEFAULT_REPO
    student_repo: str = DEFAULT_STUDENT_REPO
    hub: str = DEFAULT_HUB
    branch: str = "main"

    def binder(self, notebook: str) -> str:
        """The README's Binder link, opening ``notebook`` in the student's copy ``alumno/``."""
        return f"https://mybinder.org/v2/gh/{self.repo}/{self.branch}?urlpath=lab/tree/alumno/{notebook}"

    def jupyterhub(self, notebook: str) -> str:
        """The README's nbgitpuller link: clones (or updates, keeping the student's edits) the edition."""
        clone = self.student_repo.rsplit("/", 1)[-1]
        query = urllib.parse.urlencode(
            {
                "repo": f"https://github.com/{self.student_repo}",
                "branch": self.branch,
                "urlpath": f"lab/tree/{clone}/{notebook}",
            },
            quote_via=urllib.parse.quote,
            safe="",
        )
        return f"{self.hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


# --------------------------------------------------------------------------- the README


def readme_section(readme: str, heading: str) -> str:
    """The body of the README's ``## heading`` section (without its heading), up to the next ``## ``."""
    lines = readme.split("\n")
    try:
        start = lines.index(f"## {heading}") + 1
    except ValueError:
        raise LabError(f"El README no tiene la sección «## {heading}»: el libro la necesita.") from None
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end]).strip() + "\n"


def course_map(readme: str) -> tuple[list[str], list[str]]:
    """The notebooks of the README's course map, in order: (the guide's, those «Más allá de la guía»)."""
    section = readme_section(readme, "Mapa del curso")
    guide_part, _, beyond_part = section.partition(f"**{BEYOND_GUIDE}**")
    guide, beyond = _NOTEBOOK_LINK.findall(guide_part), _NOTEBOOK_LINK.findall(beyond_part)
    if not guide:
        raise LabError("El mapa del curso del README no enlaza ningún cuaderno (notebooks/NN_nombre.ipynb).")
    return list(dict.fromkeys(guide)), list(dict.fromkeys(beyond))


def _site_links(markdown: str) -> str:
    """README links point into ``notebooks/``; in the site the pages sit side by side."""
    return markdown.replace("](notebooks/", "](")


# --------------------------------------------------------------------------- the pages


def launch_cell(notebook: str, links: LaunchLinks, solutions: bool) -> Any:
    """The markdown cell that opens each notebook page: where to run it, and what was left out."""
    import nbformat

    hidden = (
        ""
        if solutions
        else "\n\nEn esta edición las soluciones de los ejercicios están ocultas, como en tu copia de trabajo."
    )
    text = (
        ":::{tip} Ejecuta este cuaderno\n"
        f"[Abrir en Binder]({links.binder(notebook)}) (sin instalar nada; tarda un poco en arrancar) · "
        f"[Abrir en tu JupyterHub]({links.jupyterhub(notebook)}) (con nbgitpuller: al volver a abrirlo "
        "se actualiza sin borrar tu trabajo).\n\n"
        "Las salidas de esta página son las que guarda el curso; para ver las tuyas, ejecútalo."
        f"{hidden}\n:::"
    )
    return nbformat.v4.new_markdown_cell(text)


def book_notebook(nb: Any, name: str, links: LaunchLinks, solutions: bool) -> Any:
    """A copy of master notebook ``nb`` as the site shows it (outputs kept).

    Without ``solutions``, each solution is replaced by the student edition's stub and the
    cell that held it loses its outputs (they were the solution's). The launch links go right
    after the first cell, which holds the notebook's title.
    """
    nb = copy.deepcopy(nb)
    if not solutions:
        for index, cell in enumerate(nb.cells, start=1):
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            if cell.cell_type not in ("code", "markdown"):
                continue
            stripped = strip_solutions(cell.source, stub, f"{name}, celda {index}")
            if stripped != cell.source:
                cell.source = stripped
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
    nb.cells.insert(1, launch_cell(name, links, solutions))
    stem = Path(name).stem.split("_", 1)[0]
    for index, cell in enumerate(nb.cells):  # MyST makes each cell id a project label: unique across notebooks
        cell.id = f"n{stem}-{cell.get('id') or index}"[:64]
    return nb


def index_page(readme: str) -> str:
    """The home page: what the course is and its map, from the README."""
    return (
        "# Sockets en Python\n\n"
        + _site_links(readme_section(readme, "Qué es"))
        + "\n## Mapa del curso\n\n"
        + _site_links(readme_section(readme, "Mapa del curso"))
    )


def instructor_page(readme: str) -> str:
    """The instructor notes: the README's «Para el profesorado», word for word."""
    return "# Para el profesorado\n\n" + _site_links(readme_section(readme, "Para el profesorado"))


def myst_config(guide: list[str], beyond: list[str], template: str) -> str:
    """``myst.yml``: the table of contents of the course map. JSON is YAML, so no YAML writer is needed."""
    toc: list[dict[str, Any]] = [
        {"file": "index.md"},
        {"title": "La guía", "children": [{"file": nb} for nb in guide]},
    ]
    if beyond:
        toc.append({"title": BEYOND_GUIDE, "children": [{"file": nb} for nb in beyond]})
    toc += [{"file": "glosario.md"}, {"file": "profesorado.md"}]
    config = {
        "version": 1,
        "project": {
            "title": "Sockets en Python",
            "description": "Curso interactivo de programación con sockets en Python, en español.",
            "toc": toc,
        },
        "site": {"template": template, "options": {"hide_myst_branding": True}},
    }
    return GENERATED_MARK + "\n" + json.dumps(config, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- writing and building


def _clear_destination(destination: Path) -> None:
    """Empty ``destination`` if it is a site this module wrote (or empty); refuse anything else."""
    if not destination.exists():
        return
    config = destination / "myst.yml"
    ours = config.is_file() and config.read_text(encoding="utf-8").startswith(GENERATED_MARK)
    if any(destination.iterdir()) and not ours:
        raise LabError(
            f"{destination} ya existe y no es un libro escrito por esta orden: no se borra nada. "
            "Elige otra carpeta con --destino o vacíala tú."
        )
    shutil.rmtree(destination)


def write_project(
    root: Path, destination: Path, links: LaunchLinks, solutions: bool = False, template: str = DEFAULT_TEMPLATE
) -> list[str]:
    """Write the MyST project of the course in ``root`` into ``destination``; return its notebooks in order.

    Everything is computed before the destination is touched, so an unbalanced solution
    marker leaves the previous site as it was.
    """
    import nbformat

    readme = (root / "README.md").read_text(encoding="utf-8")
    guide, beyond = course_map(readme)
    notebooks = guide + beyond
    pages: dict[str, str] = {}
    for name in notebooks:
        path = root / "notebooks" / name
        if not path.is_file():
            raise LabError(f"El mapa del curso del README enlaza {name}, que no está en notebooks/.")
        nb = book_notebook(nbformat.read(path, as_version=4), name, links, solutions)
        pages[name] = nbformat.writes(nb)
    pages["glosario.md"] = (root / "notebooks" / "glosario.md").read_text(encoding="utf-8")
    pages["index.md"] = index_page(readme)
    pages["profesorado.md"] = instructor_page(readme)
    pages["myst.yml"] = myst_config(guide, beyond, template)
    _clear_destination(destination)
    destination.mkdir(parents=True)
    for name, text in pages.items():
        (destination / name).write_text(text, encoding="utf-8")
    return notebooks


def jupyter_book_command() -> str:
    """The ``jupyter-book`` of this environment (next to its Python), else the one on PATH."""
    here = Path(sys.executable).with_name("jupyter-book")
    found = str(here) if here.exists() else shutil.which("jupyter-book")
    if not found:
        raise LabError(
            "Falta jupyter-book (2.x) en este entorno: instálalo con «.venv/bin/pip install jupyter-book» "
            "(necesita Node.js 18 o superior)."
        )
    return found


def build_html(destination: Path, timeout: float) -> Path:
    """Run ``jupyter-book build --html`` in ``destination``; return the site's folder.

    Its output goes to our stdout; a failure or a build longer than ``timeout`` seconds is a
    LabError that says so (a template that needs the network is the usual cause offline).
    """
    command = [jupyter_book_command(), "build", "--html"]
    env = dict(os.environ, BASE_URL=os.environ.get("BASE_URL", ""))
    try:
        result = subprocess.run(command, cwd=destination, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise LabError(f"jupyter-book no ha terminado en {timeout:g} s; se ha parado.") from None
    site = destination / "_build" / "html"
    if result.returncode != 0 or not (site / "index.html").is_file():
        raise LabError(
            f"jupyter-book build --html ha fallado (código {result.returncode}). Sin conexión a Internet, "
            f"la plantilla «{DEFAULT_TEMPLATE}» no se puede descargar: indica una local con --plantilla DIR "
            f"o con la variable {TEMPLATE_ENV}."
        )
    return site


def build_content(destination: Path, timeout: float) -> Path:
    """Run ``jupyter-book build --site``: MyST parses every page into ``_build/site/content/*.json``.

    That step needs no template and no network, so it checks the whole project offline (the
    TOC, each notebook with its outputs, the links); MyST then validates the template and exits
    non-zero if it cannot, after the content is written. Returns the content folder, or raises
    LabError if a page is missing from it.
    """
    command = [jupyter_book_command(), "build", "--site"]
    try:
        subprocess.run(command, cwd=destination, timeout=timeout, check=False, capture_output=True)
    except subprocess.TimeoutExpired:
        raise LabError(f"jupyter-book no ha terminado en {timeout:g} s; se ha parado.") from None
    content = destination / "_build" / "site" / "content"
    if not (content / "index.json").is_file():
        raise LabError(f"jupyter-book build --site no ha escrito {content}/index.json.")
    return content


def build_book(
    root: Path,
    destination: Path,
    links: LaunchLinks,
    solutions: bool = False,
    template: str = DEFAULT_TEMPLATE,
    timeout: float = 600.0,
) -> Path:
    """Write the project and build it; return the folder of the static site."""
    write_project(root, destination, links, solutions, template)
    return build_html(destination, timeout)


def hub_url(text: str) -> str:
    """An argparse ``type``: the hub's base address, ``http(s)://host[:port][/path]``."""
    parts = urllib.parse.urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"se esperaba una dirección como https://hub.tu-centro.es y se recibió {text!r}"
        )
    return text.strip().rstrip("/")


def github_repo(text: str) -> str:
    """An argparse ``type``: a GitHub repository as ``owner/name``."""
    if not _GITHUB_REPO.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"se esperaba un repositorio de GitHub como ORG/nombre y se recibió {text!r}")
    return text.strip()


def default_template() -> str:
    return os.environ.get(TEMPLATE_ENV) or DEFAULT_TEMPLATE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--destino", type=Path, default=Path("build/libro"), help="carpeta del proyecto (por defecto: build/libro)"
    )
    parser.add_argument("--raiz", type=Path, default=Path("."), help="carpeta del curso (por defecto: la actual)")
    parser.add_argument("--con-soluciones", action="store_true", help="muestra las soluciones de los ejercicios")
    parser.add_argument(
        "--hub",
        type=hub_url,
        default=DEFAULT_HUB,
        help=f"dirección del JupyterHub de los enlaces (por defecto: {DEFAULT_HUB})",
    )
    parser.add_argument(
        "--repositorio",
        type=github_repo,
        default=DEFAULT_REPO,
        help=f"repositorio del curso en GitHub, para Binder ({DEFAULT_REPO})",
    )
    parser.add_argument(
        "--repositorio-alumno",
        type=github_repo,
        default=DEFAULT_STUDENT_REPO,
        help=f"repositorio de la edición del alumno, para nbgitpuller ({DEFAULT_STUDENT_REPO})",
    )
    parser.add_argument(
        "--plantilla",
        default=None,
        help=f"plantilla MyST: un nombre o una carpeta local (por defecto: ${TEMPLATE_ENV} o {DEFAULT_TEMPLATE})",
    )
    parser.add_argument("--solo-proyecto", action="store_true", help="escribe el proyecto MyST sin construirlo")


def run(args: argparse.Namespace) -> int:
    links = LaunchLinks(repo=args.repositorio, student_repo=args.repositorio_alumno, hub=args.hub)
    template = args.plantilla or default_template()
    if Path(template).is_dir():
        template = str(Path(template).resolve())
    destination = args.destino.resolve()
    notebooks = write_project(args.raiz.resolve(), destination, links, args.con_soluciones, template)
    print(f"Proyecto MyST en {destination}: {len(notebooks)} cuadernos, glosario y notas para el profesorado.")
    if args.solo_proyecto:
        return 0
    start = time.monotonic()
    site = build_html(destination, timeout=600.0)
    print(f"Libro construido en {site} ({time.monotonic() - start:.0f} s). Ábrelo con un servidor web estático.")
    return 0
