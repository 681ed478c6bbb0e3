"""A chat box for an echo server: the guide's interactive client, without ``input()``.

The guide's ``cliente_interactivo`` loops on ``input()`` (which cannot run under nbval or
in a widget callback) and reads the reply with a single ``recv(1024)``, as if TCP kept
message boundaries. This client keeps one connection open like the guide's, but reads
until the echo of the whole message has arrived (the reply ends with the bytes sent), the
server goes quiet after answering something that is not that echo, or a time limit passes;
and it decodes the reply only once complete, so a character split across two ``recv``
calls is not broken.

Timeouts: while what arrived can still be the start of the echo, the client waits up to
``timeout`` (generous: an echo that comes in pieces on a loaded machine must not be cut);
only an answer that is not the echo ends after ``quiet`` seconds of silence.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from .._address import format_address
from ..echo import PREFIX as ECHO_PREFIX
from ._common import LabWidget, error_html, esc, explain, ipywidgets, pre
from ._target import loopback_address

MAX_LINES = 500


class Chat(LabWidget):
    """Widget: a text box, an «Enviar» button and the conversation with an echo server."""

    title = "Chat con el servidor de eco"
    css_class = "lab-chat"

    def __init__(self, target: Any, *, timeout: float = 5.0, quiet: float = 0.3, prefix: bytes | None = None) -> None:
        w = ipywidgets()
        self.address = loopback_address(target)
        #: what the server puts before each chunk it echoes (the course's EchoServer says it)
        self.prefix = prefix if prefix is not None else getattr(target, "prefix", ECHO_PREFIX)
        self.timeout = timeout
        self.quiet = quiet
        self._sock: socket.socket | None = None
        #: every line shown, oldest first: "Tú: hola", "Servidor: Echo: hola", notes in parentheses
        self.transcript: list[str] = []
        self.last_reply: str | None = None
        self.text = w.Text(
            placeholder="Escribe un mensaje ('quit' para desconectar)",
            description="Mensaje:",
            layout=w.Layout(width="30em"),
        )
        self.text.add_class("lab-chat-input")
        self.button = w.Button(description="Enviar", button_style="primary", icon="paper-plane")
        self.button.add_class("lab-send")
        # «Enviar» stays active when disconnected (the next message connects); «Desconectar» does not
        self.disconnect_button = w.Button(description="Desconectar", icon="plug", disabled=True)
        self.conversation = w.HTML()
        self.conversation.add_class("lab-transcript")
        self.status = w.HTML(f"Servidor: {esc(format_address(self.address))} (se conecta al enviar)")
        self.button.on_click(lambda _button: self.send())
        self.disconnect_button.on_click(lambda _button: self.disconnect())
        self._finish(
            [
                w.HBox([self.text, self.button, self.disconnect_button]),
                self.status,
                self.conversation,
            ]
        )

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def send(self, message: str | None = None) -> str | None:
        """Send ``message`` (or the text box's value); return the reply text, or None."""
        if message is None:
            message = self.text.value
            self.text.value = ""
        if not message:
            self.status.value = "Escribe un mensaje antes de pulsar «Enviar»."
            return None
        if message.strip().lower() == "quit":  # the guide's way out
            self.disconnect()
            return None
        self._add(f"Tú: {message}")
        reply: str | None = None
        try:
            if self._sock is None:
                self._sock = socket.create_connection(self.address, timeout=self.timeout)
                self.status.value = f"Conectado a {esc(format_address(self.address))}"
                self.disconnect_button.disabled = False
            data = message.encode("utf-8")
            self._sock.sendall(data)
            raw, closed = self._read_reply(data)
            if raw:
                reply = raw.decode("utf-8", "replace")
                self._add(f"Servidor: {reply}")
            if closed:
                self._drop()
                self._add("(el servidor cerró la conexión)")
            elif not raw:
                self._add(f"(sin respuesta en {self.timeout:g} s)")
            elif not self._whole_echo(raw, data):
                self._add("(respuesta sin el eco completo: el servidor dejó de enviar)")
        except Exception as exc:  # shown in the widget: a callback must not raise
            self._drop()
            self._add(f"(error: {type(exc).__name__})")
            self.status.value = error_html(explain(exc))
        self.last_reply = reply
        return reply

    def _whole_echo(self, received: bytes, sent: bytes) -> bool:
        """Whether ``received`` ends with the echo of all of ``sent``.

        The server echoes each chunk it reads with the prefix in front, so a long message
        may come back as ``Echo: <part 1>Echo: <part 2>``: compare without prefixes.
        """
        if self.prefix and sent.replace(self.prefix, b""):
            return received.replace(self.prefix, b"").endswith(sent.replace(self.prefix, b""))
        return received.endswith(sent)

    def _may_become_echo(self, received: bytes, sent: bytes) -> bool:
        """Whether ``received`` can still be the beginning of the echo of ``sent``."""
        if self.prefix:
            for cut in range(len(self.prefix) - 1, 0, -1):  # a prefix cut by the end of a recv()
                if received.endswith(self.prefix[:cut]):
                    received = received[:-cut]
                    break
            return sent.replace(self.prefix, b"").startswith(received.replace(self.prefix, b""))
        return sent.startswith(received)

    def _read_reply(self, sent: bytes) -> tuple[bytes, bool]:
        """Read until the whole echo arrived, EOF, silence after another answer, or the time limit."""
        assert self._sock is not None
        received = bytearray()
        deadline = time.monotonic() + self.timeout
        while not self._whole_echo(bytes(received), sent):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            patient = self._may_become_echo(bytes(received), sent)  # True while nothing arrived
            self._sock.settimeout(left if patient else min(left, self.quiet))
            try:
                chunk = self._sock.recv(4096)
            except TimeoutError:  # the time limit, or silence after an answer that is not the echo
                break
            if not chunk:
                return bytes(received), True
            received += chunk
        return bytes(received), False

    def disconnect(self) -> None:
        """Close the connection (the next message opens a new one)."""
        if self._sock is not None:
            self._drop()
            self._add("(desconectado)")
        self.status.value = f"Servidor: {esc(format_address(self.address))} (desconectado)"

    def _drop(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None

    def _add(self, line: str) -> None:
        self.transcript.append(line)
        del self.transcript[:-MAX_LINES]
        self.conversation.value = pre(esc("\n".join(self.transcript)), newest_last=True)
        self.disconnect_button.disabled = self._sock is None  # nothing to disconnect

    def close(self) -> None:
        self._drop()
        super().close()


def chat(server_or_address: Any, *, timeout: float = 5.0, prefix: bytes | None = None) -> Chat:
    """A chat box connected (on the first message) to an echo server on loopback.

    ``prefix`` is what the server puts before each echoed chunk (read from the course's
    EchoServer; ``b"Echo: "`` otherwise, as in the guide).
    """
    return Chat(server_or_address, timeout=timeout, prefix=prefix)
