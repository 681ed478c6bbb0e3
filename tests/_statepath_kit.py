"""Experiments recorded with StatePath, shared by the tests of the path and of its diagram."""

from __future__ import annotations

import socket

from _sockstate_kit import listener
from conftest import PATIENT

from labsupport.sockstate.path import StatePath


def active_close(family: socket.AddressFamily) -> StatePath:
    """A real connection the client closes first, then the server; both ends marked at each step."""
    with listener(family) as lst:
        client = socket.socket(family, socket.SOCK_STREAM)
        client.settimeout(PATIENT)
        path = StatePath(cliente=client, servidor=lst)
        path.mark("creados")
        client.connect(lst.getsockname()[:2])
        server, _ = lst.accept()
        path.track("servidor", server)
        path.mark("conectados")
        client.close()
        path.mark("el cliente cierra")
        server.close()
        path.mark("el servidor cierra")
    return path
