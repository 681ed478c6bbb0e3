"""Exercises of notebook 10, "Diseña tu protocolo": read exactly, frame messages, limit them, serve files.

One module per exercise, imported here in the notebook's order so that ``lab.comprobar("10.N", ...)``
finds it. Every case that reads from the network runs in chaos mode (:mod:`labsupport.exercises._chaos`): the bytes
are cut at seeded points, every header split and every boundary between two messages inside one
piece, and paced, so an answer that takes one ``recv()`` for one message fails on every run.
"""

from __future__ import annotations

from . import exact, json_header, receive, send, web

__all__ = ["exact", "json_header", "receive", "send", "web"]
