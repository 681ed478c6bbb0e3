"""The toxic lab: a chat with an echo server through the relay, and toxics added while it talks.

The fault lab (:mod:`.faultlab`) makes each exception happen once; a real network is worse in
degrees: slow, uneven, cutting in the middle of a conversation. Here a connection stays open (the
chat of :mod:`.chat`, pointed at a :class:`~labsupport.relay.Relay` in front of the server), and
the student adds and removes toxics between two messages: the next reply comes late, in pieces,
cut short, or not at all, and the relay's table says which toxic did what to each fragment.

Driven from Python as every course widget::

    tl = lab.widgets.toxic_lab()
    tl.kind.value = "limit_data"; tl.direction.value = "vuelta"; tl.params.value = "bytes=4"
    tl.add_button.click()
    tl.chat.send("hola")                     # 'Echo' and then: the server closed the connection
"""

from __future__ import annotations

from typing import Any

from .._errors import LabError
from ..echo import EchoServer
from ..relay.tcp import Relay
from ..relay.toxics import TOXICS, ToxicError
from ._common import LabWidget, error_html, esc, ipywidgets
from .chat import Chat

#: What the parameters box proposes for each kind (a value that shows the toxic at once).
EXAMPLES = {
    "latency": "latency=0.5, jitter=0",
    "bandwidth": "rate=20",
    "slow_close": "delay=1",
    "timeout": "timeout=0",
    "reset_peer": "bytes=4",
    "slicer": "size=3, variation=1, delay=0.1",
    "coalesce": "window=0.3",
    "limit_data": "bytes=4",
}
#: Events of the relay shown under the chat (the newest connection's, at most this many).
EVENT_ROWS = 30


def parse_params(text: str) -> dict[str, Any]:
    """``"latency=0.5, jitter=0.1"`` → ``{"latency": 0.5, "jitter": 0.1}``; a Spanish error otherwise."""
    params: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, value = (piece.strip() for piece in item.partition("="))
        if not sep or not name:
            raise ToxicError(f"Cada parámetro se escribe nombre=valor (por ejemplo latency=0.5); se leyó {item!r}.")
        try:
            number = float(value)
        except ValueError:
            raise ToxicError(f"El parámetro {name!r} necesita un número; se leyó {value!r}.") from None
        params[name] = int(number) if number.is_integer() and "." not in value else number
    return params


class ToxicLab(LabWidget):
    """Widget: the toxics of a relay (add, remove, list), a chat through it, and its recording."""

    title = "Laboratorio de tóxicos: una red mala entre el cliente y el servidor"
    css_class = "lab-toxic-lab"

    def __init__(self, target: Any = None, *, seed: int = 0, timeout: float = 5.0) -> None:
        w = ipywidgets()
        self._own_server = target is None
        self.server = EchoServer() if target is None else target
        self.relay = Relay(self.server, seed=seed)
        self.chat = Chat(self.relay, timeout=timeout, prefix=getattr(self.server, "prefix", None))
        label = {"style": {"description_width": "7em"}}
        self.kind = w.Dropdown(options=list(TOXICS), value="latency", description="Tóxico:", **label)
        self.direction = w.ToggleButtons(
            options=[("ida (cliente→servidor)", "ida"), ("vuelta (servidor→cliente)", "vuelta"), ("ambas", "ambas")],
            value="vuelta",
            description="Sentido:",
            **label,
        )
        self.probability = w.FloatSlider(
            value=1.0, min=0.0, max=1.0, step=0.05, readout_format=".2f", description="Probabilidad:", **label
        )
        self.params = w.Text(
            value=EXAMPLES["latency"], description="Parámetros:", layout=w.Layout(width="30em"), **label
        )
        self.add_button = w.Button(description="Añadir", button_style="warning", icon="flask")
        self.removable = w.Dropdown(options=[], description="Quitar:", **label)
        self.remove_button = w.Button(description="Quitar", icon="trash", disabled=True)
        self.status = w.HTML("Añade un tóxico y envía un mensaje por el chat.")
        self.status.add_class("lab-status")
        self.toxics_html = w.HTML()
        self.events_html = w.HTML()
        self.kind.observe(lambda change: setattr(self.params, "value", EXAMPLES[change["new"]]), names="value")
        self.add_button.on_click(lambda _button: self.add())
        self.remove_button.on_click(lambda _button: self.remove())
        self.chat.button.on_click(lambda _button: self.refresh())  # after the chat's own handler
        self._show_toxics()
        self._finish(
            [
                w.HBox([self.kind, self.probability]),
                self.direction,
                w.HBox([self.params, self.add_button]),
                w.HBox([self.removable, self.remove_button]),
                self.status,
                self.toxics_html,
                self.chat.ui,
                self.events_html,
            ]
        )

    def add(self) -> str | None:
        """Add the toxic the controls describe; its name, or None (the reason shown) if it is wrong."""
        try:
            name = self.relay.add(
                self.kind.value, self.direction.value, float(self.probability.value), **parse_params(self.params.value)
            )
        except LabError as exc:
            self.status.value = error_html(str(exc))
            return None
        self.status.value = f"Añadido <code>{esc(name)}</code>: actúa ya, también en la conexión abierta."
        self._show_toxics()
        return name

    def remove(self, name: str | None = None) -> None:
        """Remove ``name`` (or the one chosen in «Quitar»)."""
        chosen = name or self.removable.value
        try:
            self.relay.remove(chosen)
        except LabError as exc:
            self.status.value = error_html(str(exc))
            return
        self.status.value = f"Quitado <code>{esc(chosen)}</code>."
        self._show_toxics()

    def send(self, message: str) -> str | None:
        """Send ``message`` through the chat and show the relay's recording; the reply, or None."""
        reply = self.chat.send(message)
        self.refresh()
        return reply

    def refresh(self) -> None:
        """Show what the relay recorded of the newest connection (and any error of its threads)."""
        try:
            self.relay.check()
        except Exception as exc:  # a bug in the relay: shown, a callback must not raise
            self.status.value = error_html(f"Error en el proxy: {type(exc).__name__}: {exc}")
        conns = self.relay.connections()
        if not conns:
            self.events_html.value = ""
            return
        table = self.relay.table(conn=conns[-1], limit=EVENT_ROWS)
        self.events_html.value = table.html(boxed=True, css_class="lab-toxic-events")

    def _show_toxics(self) -> None:
        names = [t.name for t in self.relay.toxics]
        self.removable.options = names
        self.removable.value = names[-1] if names else None  # the newest: the one most often removed
        self.remove_button.disabled = not names
        self.toxics_html.value = self.relay.toxics_table().html(boxed=True, css_class="lab-toxics")

    def close(self) -> None:
        self.chat.close()
        self.relay.stop()
        if self._own_server:
            self.server.stop()
        super().close()


def toxic_lab(target: Any = None, *, seed: int = 0, timeout: float = 5.0) -> ToxicLab:
    """The toxic lab in front of ``target`` (a course server; a new echo server by default)."""
    return ToxicLab(target, seed=seed, timeout=timeout)
