"""The course as a website (``python -m labsupport libro``): built for real, read in headless Chromium.

The project-writing tests need only nbformat. The site test builds the whole book with
jupyter-book into a temporary folder, serves it on 127.0.0.1 with ``http.server`` and opens
every page in Chromium; any request the browser makes outside 127.0.0.1 is refused and
recorded, so a page that needs the Internet (a font, a script) fails the test instead of
hanging. It is skipped, saying why, where jupyter-book or an offline MyST template is missing:
jupyter-book downloads its ``book-theme`` template from the Internet unless
``LABSUPPORT_PLANTILLA_LIBRO`` names a local copy. Screenshots go to ``artefactos/``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from browser.jupyter_lab import CHROMIUM, CHROMIUM_ARGS, artefacts_dir, require_browser

from labsupport import book
from labsupport.editions import BEGIN_MARK, CODE_STUB

REPO = Path(__file__).resolve().parent.parent
HUB = "https://hub.curso.invalid"
LINKS = book.LaunchLinks(hub=HUB)
LAUNCH_HOSTS = {"mybinder.org", "hub.curso.invalid"}


def _title(name: str) -> str:
    nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
    return nb.cells[0].source.split("\n")[0].lstrip("#").strip()


def _notebooks() -> list[str]:
    guide, beyond = book.course_map((REPO / "README.md").read_text(encoding="utf-8"))
    return guide + beyond


# --------------------------------------------------------------------------- the project (no build)


def test_course_map_follows_the_readme():
    guide, beyond = book.course_map((REPO / "README.md").read_text(encoding="utf-8"))
    assert guide == [f.name for f in sorted((REPO / "notebooks").glob("0[1-8]_*.ipynb"))]
    assert beyond == [f.name for f in sorted((REPO / "notebooks").glob("*.ipynb")) if f.name >= "09"]


def test_launch_links_are_the_readmes():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    default = book.LaunchLinks()
    assert default.jupyterhub("01_crear_sockets.ipynb") in readme
    assert default.binder("01_crear_sockets.ipynb") in readme


@pytest.mark.parametrize("solutions", [False, True])
def test_project_hides_or_shows_solutions(tmp_path, solutions):
    notebooks = book.write_project(REPO, tmp_path / "libro", LINKS, solutions=solutions)
    assert notebooks == _notebooks()
    masters = sum((REPO / "notebooks" / n).read_text(encoding="utf-8").count(BEGIN_MARK) for n in notebooks)
    assert masters > 0, "los cuadernos maestros deberían tener soluciones"
    written = [nbformat.read(tmp_path / "libro" / n, as_version=4) for n in notebooks]
    sources = "\n".join(c.source for nb in written for c in nb.cells)
    assert sources.count(BEGIN_MARK) == (masters if solutions else 0)
    assert (CODE_STUB in sources) is not solutions
    # outputs kept (plots included), except those of a cell whose solution was hidden
    pngs = sum("image/png" in o.get("data", {}) for nb in written for c in nb.cells for o in c.get("outputs", []))
    assert pngs > 0
    for nb in written:
        for cell in nb.cells:
            if CODE_STUB in cell.source and cell.cell_type == "code":
                assert cell.outputs == []
    assert {"glosario.md", "index.md", "profesorado.md", "myst.yml"} <= {p.name for p in (tmp_path / "libro").iterdir()}


@pytest.mark.parametrize("bad", ["ftp://hub", "hub.es", "https://", "https://hub.es/?x=1"])
def test_a_bad_hub_address_is_refused_in_spanish(bad):
    with pytest.raises(argparse.ArgumentTypeError, match="se esperaba una dirección"):
        book.hub_url(bad)


def test_hub_address_and_repositories_reach_the_links():
    links = book.LaunchLinks(
        repo="aula/curso", student_repo="aula/curso-alumno", hub=book.hub_url("http://127.0.0.1:8000/")
    )
    url = urllib.parse.urlsplit(links.jupyterhub("02_conectarse.ipynb"))
    assert (url.scheme, url.netloc, url.path) == ("http", "127.0.0.1:8000", "/hub/user-redirect/git-pull")
    assert urllib.parse.parse_qs(url.query)["urlpath"] == ["lab/tree/curso-alumno/02_conectarse.ipynb"]
    assert links.binder("02_conectarse.ipynb").startswith("https://mybinder.org/v2/gh/aula/curso/main?")
    with pytest.raises(argparse.ArgumentTypeError, match="ORG/nombre"):
        book.github_repo("curso")


def test_destination_that_is_not_a_book_is_never_deleted(tmp_path):
    (tmp_path / "mio.txt").write_text("mi trabajo")
    with pytest.raises(book.LabError, match="no es un libro"):
        book.write_project(REPO, tmp_path, LINKS)
    assert (tmp_path / "mio.txt").read_text() == "mi trabajo"


# --------------------------------------------------------------------------- MyST's content, offline


def _jupyter_book_or_skip() -> None:
    if shutil.which("jupyter-book") is None and not Path(sys.executable).with_name("jupyter-book").exists():
        pytest.skip("jupyter-book no está instalado (pip install jupyter-book): no se construye el libro")


def _course_hosts() -> set[str]:
    """Hosts the course's own text links (manual pages, documentation): they are part of the course."""
    texts = [(REPO / "notebooks" / n).read_text(encoding="utf-8") for n in _notebooks()]
    texts += [(REPO / "notebooks" / "glosario.md").read_text(encoding="utf-8")]
    texts += [book.readme_section((REPO / "README.md").read_text(encoding="utf-8"), "Para el profesorado")]
    # (a host named in bare prose is NOT allowed: MyST would turn it into a link, so the course writes it as code)
    return {urllib.parse.urlsplit(u).hostname or "" for t in texts for u in _URL.findall(t)}


_URL = re.compile(r"https?://[^\s\"'<>)\\]+")


def _link_urls(node: object) -> list[str]:
    """The targets of every link and image of a MyST tree (text that only mentions a URL is not a link)."""
    if isinstance(node, list):
        return [u for child in node for u in _link_urls(child)]
    if not isinstance(node, dict):
        return []
    own = [node["url"]] if node.get("type") in ("link", "image") and isinstance(node.get("url"), str) else []
    return own + _link_urls(node.get("children", []))


def test_myst_parses_every_page_offline(tmp_path):
    """MyST's own parse of the project (``build --site``, no template or network needed)."""
    _jupyter_book_or_skip()
    root = tmp_path / "libro"
    # a template folder that does not exist: the content is written before MyST looks for it
    book.write_project(REPO, root, LINKS, template=str(tmp_path / "sin-plantilla"))
    content = book.build_content(root, timeout=600)
    pages = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in content.glob("*.json")}
    by_location = {page["location"].lstrip("/"): page for page in pages.values()}
    allowed = LAUNCH_HOSTS | _course_hosts()
    for name in [*_notebooks(), "glosario.md", "profesorado.md", "index.md"]:
        assert name in by_location, f"MyST no ha construido la página de {name}"
        page = by_location[name]
        text = json.dumps(page["mdast"], ensure_ascii=False)
        outside = [u for u in _link_urls(page["mdast"]) if urllib.parse.urlsplit(u).scheme in ("http", "https")]
        hosts = {urllib.parse.urlsplit(u).hostname for u in outside}
        assert hosts <= allowed, f"{name} enlaza fuera del curso: {hosts - allowed}"
        if name.endswith(".ipynb"):  # (the instructor notes name the markers, to explain them)
            assert BEGIN_MARK not in text, f"{name} muestra una solución"
            assert page["frontmatter"]["title"] == _title(name)
            assert LINKS.binder(name) in text and LINKS.jupyterhub(name) in text, f"{name}: faltan sus enlaces"
    plots = [p for p in (content.parent / "public").glob("*.png") if p.stat().st_size > 1000]
    assert plots, "ninguna gráfica de los cuadernos ha llegado al sitio"
    index = json.dumps(by_location["index.md"]["mdast"], ensure_ascii=False)
    assert "Más allá de la guía" in index


# --------------------------------------------------------------------------- the site in Chromium


def _offline_template() -> str:
    template = os.environ.get(book.TEMPLATE_ENV, "")
    _jupyter_book_or_skip()
    if not template or not (Path(template) / "template.yml").is_file():
        pytest.skip(
            "jupyter-book descarga de Internet su plantilla book-theme; sin red hace falta una copia local "
            f"construida, en {book.TEMPLATE_ENV}=DIR (con su template.yml)"
        )
    return str(Path(template).resolve())


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the base class's name
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The book built once, served on 127.0.0.1 for the module's tests; yields its base URL."""
    template = _offline_template()
    require_browser()
    root = tmp_path_factory.mktemp("libro") / "libro"
    html = book.build_book(REPO, root, LINKS, solutions=False, template=template, timeout=900)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=html))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _page_urls(page, base: str) -> dict[str, str]:
    """Each notebook's page URL, read from the site's own table of contents (its titles)."""
    page.goto(base + "/", wait_until="networkidle")
    anchors = page.eval_on_selector_all("a[href]", "els => els.map(a => [a.textContent.trim(), a.href])")
    urls = {}
    for name in _notebooks():
        title = _title(name)
        hits = [href for text, href in anchors if text == title and href.startswith(base)]
        assert hits, f"la portada no enlaza «{title}»"
        urls[name] = hits[0]
    return urls


def _foreign(urls: list[str]) -> list[str]:
    out = []
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname not in {"127.0.0.1", *LAUNCH_HOSTS, *_course_hosts()}:
            out.append(url)
    return out


def test_site_renders_with_plots_and_launch_links(site):
    from playwright.sync_api import sync_playwright

    shots = artefacts_dir()
    refused: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})

            def guard(route) -> None:
                if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
                    route.continue_()
                else:
                    refused.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            page.set_default_timeout(60_000)
            urls = _page_urls(page, site)
            extra = {"glosario": "Glosario", "profesorado": "Para el profesorado"}
            anchors = page.eval_on_selector_all("a[href]", "els => els.map(a => [a.textContent.trim(), a.href])")
            for key, title in extra.items():
                hits = [href for text, href in anchors if text.startswith(title) and href.startswith(site)]
                assert hits, f"la portada no enlaza «{title}»"
                urls[key] = hits[0]
            page.screenshot(path=str(shots / "libro-portada.png"))
            pages_checked = 0
            for name, url in urls.items():
                page.goto(url, wait_until="networkidle")
                h1 = page.locator("h1").first.inner_text().strip()
                expected = _title(name) if name.endswith(".ipynb") else extra[name]
                assert h1 == expected, f"{url}: el título es «{h1}», se esperaba «{expected}»"
                links = page.eval_on_selector_all(
                    "a[href], img[src], script[src], link[href], iframe[src]",
                    "els => els.map(e => e.href || e.src)",
                )
                assert not _foreign(links), f"{url} enlaza fuera del curso: {_foreign(links)}"
                if name.endswith(".ipynb"):
                    _check_launch_links(page, name)
                    text = page.inner_text("body")
                    assert BEGIN_MARK not in text, f"{url} muestra una solución"
                page.screenshot(path=str(shots / f"libro-{Path(name).stem}.png"))
                pages_checked += 1
            assert pages_checked == len(_notebooks()) + 2
            page.goto(urls["01_crear_sockets.ipynb"], wait_until="networkidle")
            _check_a_plot_is_visible(page)
            page.screenshot(path=str(shots / "libro-grafica.png"))
        finally:
            browser.close()
    assert not refused, f"el sitio pidió recursos fuera de 127.0.0.1: {refused[:5]}"


def _check_launch_links(page, name: str) -> None:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    binder = [h for h in hrefs if h.startswith("https://mybinder.org/")]
    hub = [h for h in hrefs if h.startswith(HUB + "/")]
    assert binder and hub, f"{name}: faltan los enlaces para ejecutarlo (Binder {binder}, JupyterHub {hub})"
    b = urllib.parse.urlsplit(binder[0])
    assert b.path == f"/v2/gh/{book.DEFAULT_REPO}/main"
    assert urllib.parse.parse_qs(b.query) == {"urlpath": [f"lab/tree/alumno/{name}"]}
    h = urllib.parse.urlsplit(hub[0])
    assert h.path == "/hub/user-redirect/git-pull"
    assert urllib.parse.parse_qs(h.query) == {
        "repo": [f"https://github.com/{book.DEFAULT_STUDENT_REPO}"],
        "branch": ["main"],
        "urlpath": [f"lab/tree/sockets-en-python-alumno/{name}"],
    }


def _check_a_plot_is_visible(page) -> None:
    plot = page.locator("img[src*='.png']").first
    plot.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"img[src*='.png']\")].some(i => i.complete && i.naturalWidth > 0)"
    )
    box = plot.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, f"la gráfica no se ve: {box}"
