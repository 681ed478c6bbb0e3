"""The files other tools read from a grading: one module per format.

``notas.csv`` (:mod:`.grades_csv`, the course's own table of rows) is always written. The
others are chosen with ``corregir --formato`` and read the scores from one
:class:`~labsupport.grading.gradebook.Gradebook`, so they never disagree:

==============  ========================  ===================================================
``--formato``   module                    file
==============  ========================  ===================================================
``nbgrader``    :mod:`.nbgrader_csv`      ``nbgrader.csv``, nbgrader's gradebook export
``por-alumno``  :mod:`.wide_csv`          ``notas_por_alumno.csv``, a row per student
``canvas``      :mod:`.canvas_csv`        ``canvas.csv``, Canvas's gradebook import
``gradescope``  :mod:`.gradescope_json`   ``gradescope/<alumno>/results.json``
==============  ========================  ===================================================

Each module has ``write(book, output) -> Path``; adding a format never touches another.
"""

from __future__ import annotations

from types import ModuleType

from . import canvas_csv, gradescope_json, nbgrader_csv, wide_csv

FORMATS: dict[str, ModuleType] = {
    "nbgrader": nbgrader_csv,
    "por-alumno": wide_csv,
    "canvas": canvas_csv,
    "gradescope": gradescope_json,
}
