"""The course's real programs: the guide's echo server and interactive client, fixed, as scripts.

Everything else in the course runs inside one Jupyter kernel. These two are separate programs, as
the guide means them: a student starts them in JupyterLab's terminal (where ``input()`` works) or
from a notebook with :func:`labsupport.programs.start`, and sees their connection from the outside
(``lab.conexiones``, with the two process ids). Each runs both ways::

    python -m labsupport.scripts.servidor_echo
    python ruta/a/labsupport/scripts/servidor_echo.py

They are written for students to read (Spanish names and comments, the guide's structure), so
they use only the standard library plus :mod:`labsupport.scripts._common` (a Spanish ``--help``, the stop signals).

:data:`READY` says, for each script, the line it prints once it is ready to be used and where in
that line its addresses are (groups ``address`` and ``local``): :mod:`labsupport.programs` waits for it.
"""

from __future__ import annotations

from pathlib import Path

#: Folder of the scripts (shipped as package data: ``labsupport/scripts/*.py``).
FOLDER = Path(__file__).parent

#: script name -> regular expression of its "ready" line. Group ``address`` is the server's address
#: (the server: where it listens; the client: where it connected), group ``local`` the client's own end.
READY = {
    "servidor_echo": r"^Servidor Echo iniciado en (?P<address>\S+)",
    "cliente_interactivo": r"^Conectado al servidor Echo en (?P<address>\S+) desde (?P<local>\S+)",
}


def path(name: str) -> Path:
    """The file of the course script ``name`` (``"servidor_echo"``)."""
    return FOLDER / f"{name}.py"
