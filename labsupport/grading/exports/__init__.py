"""The files other tools read from a grading: one module per format.

Each module writes the rows of a grading (:class:`..rows.Row`) in one tool's format and
returns the path it wrote. Today there is ``grades_csv`` (``notas.csv``, the course's own
table); nbgrader's CSV, Canvas and Gradescope go beside it, each in its own module, so that
adding a format never touches another.
"""
