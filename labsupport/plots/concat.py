"""The cost of ``respuesta += datos`` against ``bytearray`` and ``b"".join`` as responses grow.

``bytes`` are immutable: every ``+=`` copies everything received so far, so the guide's loop
does work proportional to the square of the response size. ``bytearray`` grows in place and
``b"".join`` copies once at the end. :func:`measure_concat` times the three ways (bounded,
so a notebook cell never runs away) and :func:`concat_cost` draws them on log axes, where
the quadratic curve rises with twice the slope of the other two.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ._style import SERIES, human_bytes, new_axes

PLUS = "respuesta += datos"
BYTEARRAY = "bytearray"
JOIN = 'b"".join(partes)'
#: the largest response measure_concat accepts: 64 MiB of ``+=`` would take minutes
MAX_SIZE = 16 * 1024 * 1024


def _plus(chunks: list[bytes]) -> bytes:
    respuesta = b""
    for datos in chunks:
        respuesta += datos
    return respuesta


def _bytearray(chunks: list[bytes]) -> bytes:
    respuesta = bytearray()
    for datos in chunks:
        respuesta += datos
    return bytes(respuesta)


def _join(chunks: list[bytes]) -> bytes:
    partes = []
    for datos in chunks:
        partes.append(datos)
    return b"".join(partes)


METHODS: dict[str, Callable[[list[bytes]], bytes]] = {PLUS: _plus, BYTEARRAY: _bytearray, JOIN: _join}


def measure_concat(
    sizes: Iterable[int] = (16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 2 * 1024 * 1024),
    *,
    chunk: int = 4096,
    repeat: int = 3,
    budget: float = 3.0,
) -> tuple[list[int], dict[str, list[float]]]:
    """Time building responses of each size from ``chunk``-byte pieces, the three ways.

    Returns ``(sizes measured, {method: best seconds per size})``, ready for
    ``concat_cost(*measure_concat())``. Sizes are measured smallest first and measuring
    stops once ``budget`` seconds have been spent, so the cell always ends quickly; the
    sizes actually measured are returned.
    """
    wanted = sorted(int(s) for s in sizes)
    if not wanted or wanted[0] <= 0 or wanted[-1] > MAX_SIZE:
        raise ValueError(f"Los tamaños deben estar entre 1 byte y {human_bytes(MAX_SIZE)}; se recibió {wanted}.")
    if chunk <= 0 or repeat <= 0:
        raise ValueError("chunk y repeat deben ser positivos.")
    piece = bytes(range(256)) * (chunk // 256 + 1)
    measured: list[int] = []
    results: dict[str, list[float]] = {name: [] for name in METHODS}
    start = time.perf_counter()
    for size in wanted:
        if measured and time.perf_counter() - start > budget:
            break
        chunks = [piece[:chunk]] * (size // chunk) + ([piece[: size % chunk]] if size % chunk else [])
        for name, build in METHODS.items():
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                out = build(chunks)
                best = min(best, time.perf_counter() - t0)
            if len(out) != size:  # the three ways must build the same thing
                raise AssertionError(f"{name} construyó {len(out)} bytes en vez de {size}")
            results[name].append(best)
        measured.append(size)
    return measured, results


def concat_cost(sizes: Sequence[int], results: Mapping[str, Sequence[float]], ax: Any = None) -> Any:
    """Seconds to build each response size, one line per method, on log–log axes."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError("concat_cost espera un diccionario {método: [segundos por tamaño]}.")
    sizes = list(sizes)
    for name, secs in results.items():
        if len(secs) != len(sizes):
            raise ValueError(f"{name!r} tiene {len(secs)} tiempos para {len(sizes)} tamaños.")
    ax = new_axes(ax, 7.5, 4.2)
    markers = ("o", "s", "^", "D")
    for i, (name, secs) in enumerate(results.items()):
        ax.plot(
            sizes,
            [max(s, 1e-7) for s in secs],  # a log axis cannot show 0
            marker=markers[i % len(markers)],
            color=SERIES[i % len(SERIES)],
            linewidth=2,
            label=name,
        )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sizes, [human_bytes(s) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("tamaño de la respuesta (escala logarítmica)")
    ax.set_ylabel("segundos (escala logarítmica)")
    ax.set_title("Coste de construir la respuesta fragmento a fragmento", fontsize=11)
    ax.grid(which="major", color="#e6e6e6", linewidth=0.8)
    ax.legend(fontsize=9, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
