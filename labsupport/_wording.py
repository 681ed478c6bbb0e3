"""Numbers as Spanish prose writes them: a decimal comma and a noun that agrees with its count.

Messages a person reads follow GLOSARIO.md: «0,3 s» in prose (Python's own output keeps the
point), and never «1 conexiones». One place for both, so every message says it the same way.
"""

from __future__ import annotations


def decimal(number: float, digits: int = 2) -> str:
    """``number`` rounded to ``digits`` decimals, without trailing zeros, with a comma: 0.25 → "0,25"."""
    return f"{round(float(number), digits):g}".replace(".", ",")


def seconds(number: float, digits: int = 2) -> str:
    """A duration for prose: 0.3 → "0,3 s", 5 → "5 s"."""
    return f"{decimal(number, digits)} s"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and its noun in agreement: count(1, "alumno") → "1 alumno", count(3, "alumno") → "3 alumnos"."""
    return f"{n} {singular if n == 1 else (plural or _plural(singular))}"


def _plural(word: str) -> str:
    if word.endswith(("a", "e", "i", "o", "u", "á", "é", "ó")):
        return word + "s"
    if word.endswith("z"):
        return word[:-1] + "ces"
    if word.endswith("ón"):
        return word[:-2] + "ones"
    return word + "es"
