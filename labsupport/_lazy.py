"""Import a package's public names on first use: the one loader behind ``labsupport``, ``lab.http``,
``lab.plots`` and ``lab.concurrency``.

``import labsupport as lab`` must be cheap and start nothing (a notebook that draws one backlog
must not pay for the HTTP codec, matplotlib or asyncio), yet students write ``lab.plots.backlog``
and ``lab.http.HttpServer`` as if everything were there. Each package keeps a table of its public
names and the module that defines each, and its module-level ``__getattr__`` (PEP 562) hands the
name to :func:`load`, which imports the module, keeps the value in the package (the next access
is an ordinary attribute) and returns it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Mapping
from typing import Any


def load(package: str, exports: Mapping[str, str], name: str, submodules: Iterable[str] = ()) -> Any:
    """The value of ``package.name``: ``exports[name]`` names the module (relative to ``package``)
    that defines it; a name in ``submodules`` is a subpackage or module of its own."""
    if name in exports:
        value = getattr(importlib.import_module(exports[name], package), name)
    elif name in submodules:
        value = importlib.import_module(f".{name}", package)
    else:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    setattr(sys.modules[package], name, value)
    return value
