"""The widgets in a real JupyterLab, in headless Chromium, clicked like a student would.

Headless tests (test_widgets.py) drive the Python side; this one checks what only a
browser shows: that the widgets render, that a click reaches the kernel and that the
answer comes back on screen. It starts JupyterLab on a loopback port chosen by the system,
with a token, opens a copy of ``tests/browser/widgets_demo.ipynb``, runs it, uses the
request builder, the chat, the download, the fault lab and the request log, and saves
screenshots to ``artefactos/`` (or ``$ARTEFACTOS``).

Without ``/usr/bin/chromium`` it is skipped; with ``CI`` set it fails instead, because CI
installs Chromium and must run it. Every wait is for a condition (a text on the page, a
value in the kernel), bounded by one generous budget for the whole test: about 25 s on an
idle machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser.jupyter_lab import (
    CHROMIUM,
    CHROMIUM_ARGS,
    KERNEL_IDLE_JS,
    PANEL,
    RECORD_TEXTS_JS,
    RUN_ALL_JS,
    Clock,
    artefacts_dir,
    copy_fixture,
    jupyter_lab,
    require_browser,
    run_async,
    wait_for_kernel,
)

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parent / "browser" / "widgets_demo.ipynb"
BUDGET = 400.0  # seconds for the whole test, Lab start included: 25 s idle, 150 s seen at load 24


def test_widgets_work_in_jupyterlab_with_chromium(tmp_path):
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    clock = Clock(BUDGET)
    out = artefacts_dir()
    root = tmp_path / "cuadernos"
    notebook = copy_fixture(FIXTURE, root)
    shots: list[str] = []

    with jupyter_lab(root) as lab_server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2600})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            def shot(name: str) -> None:
                path = out / name
                page.screenshot(path=str(path))
                shots.append(path.name)

            try:
                page.goto(lab_server.url(f"/lab/tree/{notebook.name}?reset"), timeout=clock.ms())
                page.wait_for_function(KERNEL_IDLE_JS, timeout=clock.ms(), polling=200)
                run_async(page, RUN_ALL_JS, timeout_ms=clock.ms())  # settles when every cell has run
                panel = page.locator(PANEL)

                # request builder: send, and the status line of the answer appears
                builder = panel.locator(".lab-request-builder")
                expect(builder).to_be_visible(timeout=clock.ms())
                expect(panel.locator(".lab-request-log")).to_be_visible(timeout=clock.ms())
                page.wait_for_function(KERNEL_IDLE_JS, timeout=clock.ms(), polling=200)
                shot("navegador-1-cuaderno-ejecutado.png")
                builder.locator("button.lab-send").click()
                expect(builder.locator(".lab-status")).to_contain_text("HTTP/1.1 200 OK", timeout=clock.ms())
                expect(builder.locator(".lab-parsed")).to_contain_text("Content-Type", timeout=clock.ms())
                builder.screenshot(path=str(out / "navegador-2-constructor.png"))
                shots.append("navegador-2-constructor.png")

                # chat: type, send, the echo appears in the conversation
                chat = panel.locator(".lab-chat")
                box = chat.locator(".lab-chat-input input")
                box.fill("hola")
                box.press("Tab")  # leaving the box sends its value to the kernel (change event)
                wait_for_kernel(page, "charla.text.value", "hola", clock.ms() / 1000)  # then click
                chat.locator("button.lab-send").click()
                expect(chat.locator(".lab-transcript")).to_contain_text("Servidor: Echo: hola", timeout=clock.ms())
                # the kernel empties the box after sending: wait for that, or it may wipe what we type next
                expect(chat.locator(".lab-chat-input input")).to_have_value("", timeout=clock.ms())
                box.fill("¿qué tal? ñandú")
                box.press("Tab")  # leaving the box sends its value to the kernel (change event)
                wait_for_kernel(page, "charla.text.value", "¿qué tal? ñandú", clock.ms() / 1000)
                chat.locator("button.lab-send").click()
                expect(chat.locator(".lab-transcript")).to_contain_text(
                    "Servidor: Echo: ¿qué tal? ñandú", timeout=clock.ms()
                )
                chat.screenshot(path=str(out / "navegador-3-chat.png"))
                shots.append("navegador-3-chat.png")

                # download: the bar moves while the kernel is busy, then the SHA-256 shows
                download = panel.locator(".lab-download")
                page.evaluate(RECORD_TEXTS_JS, [f"{PANEL} .lab-download .lab-progress", "progreso"])
                download.locator("button.lab-send").click()
                expect(download.locator(".lab-status")).to_contain_text("SHA-256", timeout=clock.ms())
                expect(download.locator(".lab-progress")).to_contain_text("100 %", timeout=clock.ms())
                # intermediate percentages were shown: updates reach the page while the callback runs
                seen = page.evaluate("() => window.__seen.progreso")
                assert any(re.search(r"(^|\D)[1-9]\d? %", text) for text in seen), seen
                download.screenshot(path=str(out / "navegador-4-descarga.png"))
                shots.append("navegador-4-descarga.png")

                # fault lab: the default fault (closed port) gives ConnectionRefusedError
                faults = panel.locator(".lab-fault-lab")
                faults.locator("button.lab-send").click()
                expect(faults.locator(".lab-status")).to_contain_text("ConnectionRefusedError", timeout=clock.ms())
                faults.screenshot(path=str(out / "navegador-5-fallos.png"))
                shots.append("navegador-5-fallos.png")

                # request log: refresh shows the requests made above
                log = panel.locator(".lab-request-log")
                log.locator("button.lab-send").click()
                expect(log.locator(".lab-table")).to_contain_text("/docs/grande.bin", timeout=clock.ms())
                expect(log.locator(".lab-table")).to_contain_text("/get", timeout=clock.ms())
                log.screenshot(path=str(out / "navegador-6-registro.png"))
                shots.append("navegador-6-registro.png")
                shot("navegador-7-final.png")
            except Exception:
                with_failure = out / "navegador-fallo.png"
                page.screenshot(path=str(with_failure))
                print(f"Captura del fallo: {with_failure}\nRegistro de JupyterLab:\n{lab_server.log_tail()}")
                raise
            assert not errors, f"errores de JavaScript en la página: {errors}"
        finally:
            browser.close()
    print("Capturas en", out, ":", ", ".join(shots))
