"""The toxics of the TCP relay: what each kind does, which parameters it takes, and its seeded choices.

The names are toxiproxy's (the reference tool for putting a bad network between two programs),
so a student who meets it later recognises them; the parameters are in seconds and bytes:

================  ==========================================  ==========================================
kind              parameters                                  what the other end sees
================  ==========================================  ==========================================
``latency``       ``latency`` s, ``jitter`` s (± uniform)     each fragment arrives that much later
``bandwidth``     ``rate`` bytes/s (> 0)                      the bytes trickle in at that rate
``slow_close``    ``delay`` s                                 the FIN (b"") arrives that much later
``timeout``       ``timeout`` s (0: never close, *blackhole*) nothing more arrives; then EOF
``reset_peer``    ``bytes`` or ``after`` s                    ``ConnectionResetError`` (RST)
``slicer``        ``size``, ``variation`` bytes, ``delay`` s  ``recv()`` returns smaller fragments
``coalesce``      ``window`` s                                several writes arrive as one
``limit_data``    ``bytes``                                   EOF after that many bytes
================  ==========================================  ==========================================

Each toxic acts in one *sentido* (``"ida"``: client → server, ``"vuelta"``: server → client) or
both (``"ambas"``), and on a connection with its ``probability``. Every random choice is seeded:
whether a toxic acts on a connection and direction comes from its own generator (seeded by the
relay's seed, the toxic's name, the connection's number and the direction), so it does not depend
on which thread asks first; the per-fragment choices (jitter, slice sizes) come from one generator
per connection and direction, used only by the thread that forwards that direction, in order.
The same seed and the same conversation give the same run.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Mapping
from typing import Any

from .._errors import LabError
from ..tap import TO_CLIENT, TO_SERVER, Direction

__all__ = [
    "DIRECTIONS",
    "TOXICS",
    "Param",
    "Toxic",
    "ToxicError",
    "flow_random",
    "make_toxic",
]


class ToxicError(LabError, ValueError):
    """A toxic was asked for with an unknown kind, direction or name, or a parameter out of range."""


#: The words of the course for each way (``"ambas"`` is both), and the directions each one covers.
DIRECTIONS: dict[str, tuple[Direction, ...]] = {
    "ida": (TO_SERVER,),
    "vuelta": (TO_CLIENT,),
    "ambas": (TO_SERVER, TO_CLIENT),
}


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a toxic kind: its default (None: required), its range, its unit."""

    name: str
    default: float | None
    minimum: float = 0.0
    #: True if the minimum itself is out of range (a rate must be > 0, not ≥ 0).
    exclusive: bool = False
    integer: bool = False
    unit: str = "s"

    def range_text(self) -> str:
        sign = ">" if self.exclusive else "≥"
        kind = "un entero" if self.integer else "un número"
        return f"{kind} {sign} {self.minimum:g} ({self.unit})"

    def check(self, kind: str, value: Any) -> float:
        """``value`` if it is in range, else a `ToxicError` that names the parameter and its range."""
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        ok = numeric and math.isfinite(value) and (whole or not self.integer)
        if ok:
            ok = value > self.minimum if self.exclusive else value >= self.minimum
        if not ok:
            raise ToxicError(
                f"El tóxico {kind!r}: el parámetro {self.name!r} debe ser {self.range_text()}; se recibió {value!r}."
            )
        return int(value) if self.integer else float(value)


def _seconds(name: str, default: float | None = 0.0, **kw: Any) -> Param:
    return Param(name, default, **kw)


def _bytes(name: str, default: float | None, minimum: float = 0, **kw: Any) -> Param:
    return Param(name, default, minimum, integer=True, unit="bytes", **kw)


#: Every toxic kind and its parameters (toxiproxy's names; seconds and bytes).
TOXICS: dict[str, tuple[Param, ...]] = {
    "latency": (_seconds("latency"), _seconds("jitter")),
    "bandwidth": (Param("rate", None, 0, exclusive=True, unit="bytes/s"),),
    "slow_close": (_seconds("delay"),),
    "timeout": (_seconds("timeout"),),
    "reset_peer": (_bytes("bytes", None), _seconds("after", None)),
    "slicer": (_bytes("size", 1, minimum=1), _bytes("variation", 0), _seconds("delay")),
    "coalesce": (_seconds("window", 0.05, exclusive=True),),
    "limit_data": (_bytes("bytes", None),),
}


@dataclasses.dataclass(frozen=True)
class Toxic:
    """One toxic of a relay: its name, kind, direction, probability and parameters.

    ``added`` is when it was added (the relay's monotonic clock): a toxic with a clock of its own
    (``timeout``, ``reset_peer`` with ``after``) counts from when it starts acting on a connection,
    the later of the connection's start and ``added``.
    """

    name: str
    kind: str
    direction: str
    probability: float
    params: Mapping[str, float]
    added: float = 0.0

    @property
    def ways(self) -> tuple[Direction, ...]:
        return DIRECTIONS[self.direction]

    def __getitem__(self, param: str) -> Any:
        return self.params[param]

    def acts_on(self, seed: int | str, conn: int, way: Direction) -> bool:
        """Whether this toxic acts on connection ``conn`` in ``way``: seeded, the same every run."""
        if way not in self.ways:
            return False
        if self.probability >= 1.0:
            return True
        return random.Random(f"{seed}:{self.name}:{conn}:{way.name}").random() < self.probability

    @property
    def clock(self) -> float | None:
        """Seconds after it starts acting on a connection when this toxic ends it by itself (None: never)."""
        if self.kind == "timeout" and self.params["timeout"] > 0:
            return float(self.params["timeout"])
        if self.kind == "reset_peer" and self.params["after"] is not None:
            return float(self.params["after"])
        return None

    def describe(self) -> str:
        """``latency (ida, p=1): latency=0.2, jitter=0``: for tables and messages."""
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items() if v is not None)
        return f"{self.kind} ({self.direction}, p={self.probability:g}): {params}"


def flow_random(seed: int | str, conn: int, way: Direction) -> random.Random:
    """The generator of the per-fragment choices of connection ``conn`` in ``way``."""
    return random.Random(f"{seed}:{conn}:{way.name}")


def make_toxic(
    kind: str, direction: str, probability: float, params: Mapping[str, Any], *, name: str, added: float = 0.0
) -> Toxic:
    """Check everything about a toxic and build it; a `ToxicError` in Spanish names what is wrong."""
    if kind not in TOXICS:
        raise ToxicError(f"No hay tóxico {kind!r}. Los tóxicos son: {', '.join(TOXICS)}.")
    if direction not in DIRECTIONS:
        raise ToxicError(
            f"El parámetro 'direction' debe ser uno de {', '.join(repr(d) for d in DIRECTIONS)} "
            f"('ida': cliente→servidor, 'vuelta': servidor→cliente); se recibió {direction!r}."
        )
    numeric = isinstance(probability, (int, float)) and not isinstance(probability, bool)
    if not (numeric and 0.0 <= probability <= 1.0):  # NaN fails both comparisons
        raise ToxicError(
            f"El tóxico {kind!r}: el parámetro 'probability' debe ser un número entre 0 y 1; "
            f"se recibió {probability!r}."
        )
    spec = {p.name: p for p in TOXICS[kind]}
    unknown = sorted(set(params) - set(spec))
    if unknown:
        known = ", ".join(spec) or "ninguno"
        raise ToxicError(f"El tóxico {kind!r} no tiene el parámetro {unknown[0]!r}. Sus parámetros: {known}.")
    values: dict[str, Any] = {}
    for p in TOXICS[kind]:
        given = params.get(p.name, p.default)
        values[p.name] = None if given is None else p.check(kind, given)
    _check_together(kind, values)
    return Toxic(name, kind, direction, float(probability), values, added)


def _check_together(kind: str, values: dict[str, Any]) -> None:
    """The rules that tie two parameters of one kind (and fill the defaults that depend on them)."""
    if kind == "bandwidth" and values["rate"] is None:
        raise ToxicError("El tóxico 'bandwidth' necesita el parámetro 'rate': un número > 0 (bytes/s).")
    if kind == "limit_data" and values["bytes"] is None:
        raise ToxicError("El tóxico 'limit_data' necesita el parámetro 'bytes': un entero ≥ 0 (bytes).")
    if kind == "reset_peer":
        if values["bytes"] is not None and values["after"] is not None:
            raise ToxicError(
                "El tóxico 'reset_peer' corta la conexión tras 'bytes' bytes o tras 'after' segundos: "
                "da uno de los dos, no ambos."
            )
        if values["bytes"] is None and values["after"] is None:
            values["after"] = 0.0  # toxiproxy's default: the RST as soon as it acts
    if kind == "slicer" and values["variation"] >= values["size"]:
        raise ToxicError(
            f"El tóxico 'slicer': el parámetro 'variation' debe ser un entero ≥ 0 y menor que 'size' "
            f"({values['size']}); se recibió {values['variation']!r}."
        )
