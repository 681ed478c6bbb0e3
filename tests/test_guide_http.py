"""The guide's ClienteHTTP, kept verbatim in labsupport.guide_http: it runs, and it keeps its bugs."""

from __future__ import annotations

import json
from pathlib import Path

import labsupport as lab
from labsupport.guide_http import ClienteHTTP, show

GUIDE = Path("/work/shared/guia/sockets-en-python.md")


def test_the_source_shown_is_the_guides_code_line_for_line():
    shown = [line.strip() for line in repr(show(ClienteHTTP)).splitlines() if line.strip()]
    assert shown[0] == "class ClienteHTTP:" and "cliente.send(peticion.encode('utf-8'))" in shown
    if GUIDE.exists():  # the guide lives next to the repository on the course's machines
        text = GUIDE.read_text(encoding="utf-8")
        start = text.index("class ClienteHTTP:")
        block = text[start : text.index("# Ejemplo de uso", start)]
        assert shown == [line.strip() for line in block.splitlines() if line.strip()]
    assert "<span" in show(ClienteHTTP)._repr_html_()


def test_it_runs_against_the_local_server_and_counts_characters_not_bytes():
    with lab.HttpServer() as web:
        cliente = ClienteHTTP(timeout=5)
        respuesta = cliente.get(web.url("/get"))
        assert respuesta["status_code"] == 200
        assert json.loads(respuesta["content"])["headers"]["Host"] == web.host  # the guide's Host: no port
        form = json.loads(cliente.post(web.url("/post"), "nombre=año")["content"])["form"]
        assert form == {"nombre": "añ"}  # 10 characters declared, 11 bytes sent
