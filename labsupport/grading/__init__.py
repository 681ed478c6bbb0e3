"""Grade a folder of submissions: run every student's notebooks, collect every exercise.

``python -m labsupport corregir CARPETA`` expects one subfolder per student. Each notebook
runs in a fresh kernel of this same Python (nbclient), in a temporary copy of the student's
folder, with ``LABSUPPORT_RESULTADOS`` pointing to a file where each ``lab.comprobar`` call
appends its result. A submission is graded for what it did, and nothing a notebook does can
stop the run: a cell that hangs is interrupted after ``--limite-celda`` seconds (and the
notebook abandoned if the kernel ignores the interrupt, or after ``--limite-cuaderno``
seconds in total), a dead kernel ends only that notebook, an exception fails only its cell,
and an exercise whose cell was deleted is reported as missing ("falta").

What this does not defend against: a student who edits ``lab.comprobar`` or writes to the
results file can fake a result. The grader checks work done in good faith; it is not an exam
proctor.

Network: the course only speaks to loopback, and so does the grader (it opens no socket of
its own besides the kernel's channels, which are Unix sockets on Linux and macOS). Students'
code, though, could try anything; on Linux each kernel therefore runs in its own network
namespace (``unshare --user --net``) where the only interface is a private loopback, and
talks to the grader over Unix sockets (ZeroMQ's ``ipc`` transport). Where ``unshare`` is not
available (macOS, Windows, a locked-down container) the summary says the network was NOT
isolated; run the grader inside a container without network then (``docker run --network
none ...`` keeps only loopback).

One module per stage, in the order a grading goes (as otter-grader splits ``grade``,
``execute`` and ``export``):

=================  ===========================================================================
``scan``           what there is to grade: the exercises a notebook calls, each student's notebooks
``kernel``         the kernel a notebook runs in: this Python, its network isolated where possible
``runner``         running one notebook with its limits, never raising for the notebook's sake
``rows``           one row per exercise from what a run produced
``folder``         the whole folder: students in parallel, then the exports and the summary
``hidden``         hidden cases (``--casos-ocultos``): loaded in each kernel, only counts come out
``roster``         ``--lista alumnos.csv``: who each folder is (names, LMS IDs)
``gradebook``      points: per exercise (one per case, or ``--puntos``), per notebook, in total
``summary``        ``resumen.md``, the Spanish report for the instructor
``exports``        the files other tools read, one module per format (``notas.csv``, nbgrader,
                   the wide CSV, Canvas, Gradescope: ``--formato``)
``feedback``       each student's feedback to hand back (``retroalimentacion/``)
``cli``            ``python -m labsupport corregir``
``gradescope``     ``python -m labsupport gradescope``: the autograder bundle for Gradescope
``__main__``       the isolated kernel's entry point (``python -m labsupport.grading --nucleo-aislado``)
=================  ===========================================================================

The statuses of a row and the lines of the results file are the exercise framework's too:
they are defined once, in :mod:`labsupport._results`.
"""

from __future__ import annotations

from .._results import Status
from .exports.grades_csv import CSV_COLUMNS
from .folder import Grading, grade_folder
from .kernel import isolation_available
from .rows import Row, rows_for
from .runner import CellProblem, NotebookRun, run_notebook
from .scan import exercise_cells, master_exercises
from .summary import format_summary

# Two statuses the tests name through this module (the rest: labsupport._results.Status).
TIMEOUT = Status.CELL_TIMEOUT
ERROR = Status.ERROR

__all__ = [
    "CSV_COLUMNS", "ERROR", "TIMEOUT",
    "CellProblem", "Grading", "NotebookRun", "Row", "Status", "exercise_cells", "format_summary",
    "grade_folder", "isolation_available", "master_exercises", "rows_for", "run_notebook",
]
