"""Mediciones del curso: `python -m benchmarks` (o `make bench`)."""
