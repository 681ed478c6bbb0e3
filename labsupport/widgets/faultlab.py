"""The fault lab: pick a network failure and a timeout, run it, read what the client got.

Chapter 7 of the guide lists exceptions; here each one happens for real against a fault
server from :mod:`labsupport.faults`, and the widget shows which call raised it, the
exception class, its errno name and the time it took, so that "connect timeout" and
"read timeout", or "refused" and "reset", can be told apart by doing rather than reading.
Every run is added to a table, to compare timeouts side by side.

The slider sets the timeout of the call the fault leaves waiting (``connect()`` to a full
queue, ``recv()`` from a silent server). A fault that comes by itself (a refusal, an RST,
a FIN, data) is met with a patient timeout (:data:`PATIENT`) instead, which never fires:
the slider is disabled for it and the widget says why, so that a slow machine can never
show a ``TimeoutError`` where the lesson is the RST.
"""

from __future__ import annotations

from .._errors import LabError
from ._common import LabWidget, error_html, esc, ipywidgets, table_html
from ._fault_scenarios import BY_KEY, PATIENT, SCENARIOS, FaultResult, run_scenario

MAX_HISTORY = 50
_GAIERROR = (
    "getaddrinfo() lanza socket.gaierror: el nombre no se puede resolver. Aquí se pide con "
    "AI_NUMERICHOST, así que falla sin consultar ningún DNS."
)
_NO_WAIT = (
    "Este fallo llega solo, sin esperar a ningún timeout: el cliente usa uno generoso "
    f"({PATIENT:g} s) que no llega a agotarse, así que el control de timeout no se usa aquí."
)
_WAITS = "El timeout elegido se aplica a {call}: es la llamada que este fallo deja esperando."
_NO_ERRNO = (
    "El TimeoutError de un socket con timeout no lleva errno: no lo da el sistema, lo decide "
    "Python al agotarse el plazo."
)


class UnknownFaultError(LabError, ValueError):
    """The fault lab was asked for a fault it does not have."""


class FaultLab(LabWidget):
    """Widget: a fault menu, a timeout slider, «Provocar» and the results so far."""

    title = "Laboratorio de fallos de red"
    css_class = "lab-fault-lab"

    def __init__(self, *, timeout: float = 1.0, fault: str = "closed-port") -> None:
        w = ipywidgets()
        if fault not in BY_KEY:
            raise UnknownFaultError(f"No hay un fallo llamado {fault!r}; los que hay: {', '.join(BY_KEY)}.")
        self.last_result: FaultResult | None = None
        self.history: list[FaultResult] = []
        label = {"style": {"description_width": "9em"}}
        self.fault = w.Dropdown(
            options=[(s.label, s.key) for s in SCENARIOS],
            value=fault,
            description="Fallo:",
            layout=w.Layout(width="34em"),  # the longest label whole, not cut ("Servidor mudo (acepta y…")
            **label,
        )
        self.timeout = w.FloatSlider(
            value=timeout, min=0.1, max=5.0, step=0.1, readout_format=".1f", description="Timeout (s):", **label
        )
        self.button = w.Button(description="Provocar", button_style="danger", icon="bolt")
        self.button.add_class("lab-send")
        self.explanation = w.HTML()
        self.result_html = w.HTML("Elige un fallo y pulsa «Provocar».")
        self.result_html.add_class("lab-status")
        self.table = w.HTML()
        self.button.on_click(lambda _button: self.run())
        self.fault.observe(lambda _change: self._explain(), names="value")
        self._explain()
        self._finish(
            [
                w.HBox([self.fault, self.timeout]),
                self.explanation,
                self.button,
                self.result_html,
                self.table,
            ]
        )

    def run(self, fault: str | None = None) -> FaultResult | None:
        """Run the chosen fault (or ``fault``, a key such as ``"reset"``); never raise."""
        key = fault or self.fault.value
        try:
            if key not in BY_KEY:
                raise UnknownFaultError(f"No hay un fallo llamado {key!r}; los que hay: {', '.join(BY_KEY)}.")
            self.fault.value = key  # run("reset") from Python shows that fault selected, as the button would
            result = run_scenario(key, float(self.timeout.value))
        except Exception as exc:  # a bug or a misuse, shown rather than raised from a callback
            self.result_html.value = error_html(f"No se pudo provocar el fallo: {type(exc).__name__}: {exc}")
            return None
        self.last_result = result
        self.history.append(result)
        del self.history[:-MAX_HISTORY]
        self._show(result)
        return result

    def _explain(self) -> None:
        scenario = BY_KEY[self.fault.value]
        if scenario.fault is None:
            text, other = _GAIERROR, ""
        else:
            text, other = scenario.fault.summary, scenario.fault.on_other_systems
        extra = f"<br><i>En otros sistemas:</i> {esc(other)}" if other else ""
        timing = _WAITS.format(call=scenario.waits) if scenario.waits else _NO_WAIT
        self.timeout.disabled = not scenario.waits
        self.explanation.value = f"<div style='font-size:12px'>{esc(text)}{extra}<br>{esc(timing)}</div>"

    def _show(self, result: FaultResult) -> None:
        if result.exception is None:
            got = f"sin excepción: {esc(result.outcome)}"
        else:
            got = f"<b>{esc(result.exception_name)}</b> (errno: {esc(result.errno_name)}): {esc(result.exception)}"
        note = f"<br><i>{esc(_NO_ERRNO)}</i>" if isinstance(result.exception, TimeoutError) else ""
        self.result_html.value = (
            f"{esc(result.label)} → en <code>{esc(result.step)}</code>: {got}. "
            f"Tiempo: {_about(result.rounded)} ({_timeout_text(result)}){note}"
        )
        rows = [
            (
                r.label,
                f"{r.timeout:.1f}" if BY_KEY[r.key].waits else f"{r.timeout:g} (generoso)",
                r.step,
                r.exception_name if r.exception is not None else f"— ({r.outcome})",
                r.errno_name,
                f"{r.rounded:.1f}",
            )
            for r in reversed(self.history)
        ]
        self.table.value = table_html(
            ["Fallo", "Timeout (s)", "Llamada", "Excepción", "errno", "Tiempo (s)"], rows, "lab-fault-history"
        )


def _timeout_text(result: FaultResult) -> str:
    """The chosen timeout with one decimal; the patient one said to be so."""
    if BY_KEY[result.key].waits:
        return f"timeout {result.timeout:.1f} s"
    return f"timeout generoso de {result.timeout:g} s"


def _about(seconds: float) -> str:
    return "< 0.1 s" if seconds < 0.1 else f"≈ {seconds:.1f} s"


def fault_lab(*, timeout: float = 1.0, fault: str = "closed-port") -> FaultLab:
    """The fault lab. ``fault`` is the initially selected key (see ``FAULT_KEYS``)."""
    return FaultLab(timeout=timeout, fault=fault)


FAULT_KEYS = tuple(BY_KEY)
