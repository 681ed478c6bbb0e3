"""11.3: a stop-and-wait sender: numbered datagrams, an ACK for each, retransmission on timeout, a clear give-up.

The checker's receiver sits behind the relay: it delivers a datagram only if it carries the number it
expects next (so a gap or a repeat is never delivered) and acknowledges every datagram it takes with
its number. Every judgement is read from what happened: the relay's events (what the student sent, what
was lost), the receiver's record (what it delivered, when it acknowledged). The one about waiting for
each ACK before the next message is a bound that only time going forward makes true: the relay holds
every ACK back ``delay`` seconds, so a message that reaches the receiver sooner than ``delay`` after
the previous one's ACK left was sent before that ACK could arrive, however loaded the machine.
"""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Callable
from typing import Any

from ..._wording import count, seconds
from ...datagrams import StopAndWaitReceiver
from ...relay.udp import UdpEvent
from .. import Context, Fail, brief, exercise
from .._chaos import error_text
from .._outcome import call
from ._shared import MARKER, SEQ, Counts, StudentSockets, percent, quiet, relay, sockets_used

fiable = exercise("11.3", "Parada y espera (stop-and-wait)", "enviar_fiable")

#: The wait of the cases with losses: it must fire for a lost datagram, so it is short; an ACK that
#: passes takes milliseconds, and one that took longer would only cost a harmless retransmission.
ESPERA = 0.3
#: Enough tries that no seeded run of losses of these cases exhausts them.
MANY = 10


class _Receiver(StopAndWaitReceiver):
    """The notebook's stop-and-wait receiver, which also notes when each datagram arrived and each ACK left.
    ``deaf_from``: numbers from which it takes nothing (no delivery, no ACK); ``drop_first``: per number,
    how many of its first arrivals it ignores."""

    name = "receptor del corrector"

    def __init__(self, *, deaf_from: int | None = None, drop_first: dict[int, int] | None = None) -> None:
        self.deaf_from = deaf_from
        self.drops = dict(drop_first or {})
        #: (time it arrived, its number or None if shorter than 4 bytes)
        self.arrivals: list[tuple[float, int | None]] = []
        #: (time just before the ACK left, its number)
        self.acks: list[tuple[float, int]] = []
        self.counts = Counts()
        super().__init__()

    def handle_datagram(self, data: bytes, addr: tuple) -> bytes | None:
        if data == MARKER:
            return None
        return self.counts.counted(self._take(data, addr))

    def _take(self, data: bytes, addr: tuple) -> bytes | None:
        number = SEQ.unpack(data[: SEQ.size])[0] if len(data) >= SEQ.size else None
        self.arrivals.append((time.monotonic(), number))
        if number is not None and self.deaf_from is not None and number >= self.deaf_from:
            return None
        if number is not None and self.drops.get(number, 0) > 0:
            self.drops[number] -= 1
            return None
        ack = super().handle_datagram(data, addr)
        if ack is not None and number is not None:
            self.acks.append((time.monotonic(), number))  # before it leaves: the server sends it on return
        return ack


class _Run:
    """One call of the student's sender through the relay, and what the relay and the receiver saw."""

    def __init__(self, funcion: Callable[..., Any], ctx: Context, messages: list[bytes], espera: float, intentos: int,
                 seed: int, *, ida: dict | None = None, vuelta: dict | None = None, **receiver: Any) -> None:
        ctx.own(StudentSockets())
        self.messages, self.intentos, self.seed = messages, intentos, seed
        self.receiver = ctx.own(_Receiver(**receiver))
        through = relay(ctx, self.receiver, seed, ida=ida, vuelta=vuelta)
        self.result, self.error = call(funcion, through.address, messages, espera, intentos)
        events = quiet(through, self.receiver.counts)
        self.receiver.check()
        self.sent = [e for e in events if e.direction == "ida" and e.action != "duplicado"]
        self.back = [e for e in events if e.direction == "vuelta"]
        self.context = f", con la semilla {seed} del relé"
        self._check_datagrams(events)

    def number(self, event: UdpEvent) -> int | None:
        return SEQ.unpack(event.data[: SEQ.size])[0] if event.size >= SEQ.size else None

    def sends(self, i: int) -> list[UdpEvent]:
        """The datagrams the student sent with number ``i``."""
        return [e for e in self.sent if self.number(e) == i]

    def _check_datagrams(self, events: list[UdpEvent]) -> None:
        """Fail if the student sent from more than one socket, or a datagram that is not
        ``struct.pack("!I", i) + mensajes[i]``."""
        used = sockets_used(events)
        if used > 1:
            raise Fail(f"enviaste los datagramas desde {used} sockets distintos: envíalos todos desde el mismo socket; "
                       "así el ACK de un envío anterior (un duplicado, uno que llegó tarde) puede llegarte mientras "
                       "esperas otro, y tu función tiene que saber descartarlo")
        n = len(self.messages)
        first = self.number(self.sent[0]) if self.sent else 0
        if first not in (None, 0):
            raise Fail(f"tu primer datagrama lleva el número {first}: los mensajes se numeran desde 0, "
                       "struct.pack('!I', 0) + mensajes[0]")
        for e in self.sent:
            i = self.number(e)
            if i is None:
                raise Fail(f"enviaste un datagrama de {count(e.size, 'byte')} ({brief(e.data)}): cada uno empieza por "
                           "los 4 bytes del número, struct.pack('!I', i)")
            data = e.data[SEQ.size :]
            if i < n and data == self.messages[i]:
                continue
            if i >= n:
                little = struct.unpack("<I", e.data[: SEQ.size])[0]
                order = (f" En orden de red ('!I') ese número es {i}, y en little-endian {little}: ¿lo empaquetas con "
                         "'<I' o 'I'?" if little < n else "")
                raise Fail(f"enviaste un datagrama con el número {i} y solo hay {count(n, 'mensaje')} (0 a {n - 1})."
                           f"{order}")
            if data in self.messages:
                j = self.messages.index(data)
                if j < i:
                    raise Fail(f"enviaste los datos del mensaje {j} con el número {i}{self.context}: ¿cambias el "
                               "número al retransmitir? Una retransmisión es el mismo datagrama, con el mismo número")
                raise Fail(f"el datagrama con el número {i} lleva los datos del mensaje {j}: el número i va con "
                           "mensajes[i]")
            raise Fail(f"el datagrama con el número {i} lleva {brief(data, 40)} y el mensaje {i} es "
                       f"{brief(self.messages[i], 40)}: cada datagrama es struct.pack('!I', i) + mensajes[i]")

    def why_lost(self, i: int) -> str:
        """What happened to the sends of message ``i``: "lo enviaste 1 vez y se perdió a la ida, con la semilla…"."""
        sends = self.sends(i)
        if not sends:
            return "no lo enviaste"
        times = count(len(sends), "vez", "veces")
        lost = sum(e.action == "perdido" for e in sends)
        if lost == len(sends):
            return f"lo enviaste {times} y {'se perdió' if lost == 1 else 'se perdieron todas'} a la ida{self.context}"
        if not any(number == i for _, number in self.receiver.acks):
            return f"lo enviaste {times} y el receptor no lo contestó"
        if any(e.action == "perdido" and self.number(e) == i for e in self.back):
            return f"lo enviaste {times} y su ACK se perdió a la vuelta{self.context}"
        return f"lo enviaste {times}"

    def expect_success(self, advice: str) -> None:
        """Fail unless the function returned and the receiver delivered every message, in order, once."""
        if self.error is not None:
            if isinstance(self.error, (NotImplementedError, Fail)) or not isinstance(self.error, TimeoutError):
                raise self.error
            i = max((n for e in self.sent if (n := self.number(e)) is not None), default=0)
            k = len(self.receiver.delivered)
            if k < i:  # the receiver never had k, so it could not take i: the mistake was about k
                raise Fail(f"tu función se rindió ({error_text(self.error)}) con el mensaje {i}, pero el {k} no le "
                           f"llegó al receptor ({self.why_lost(k)}), y sin él no puede aceptar los siguientes. "
                           f"{advice}")
            raise Fail(f"tu función se rindió ({error_text(self.error)}) con el mensaje {i}: {self.why_lost(i)}. "
                       f"{advice}")
        delivered, n = self.receiver.delivered, len(self.messages)
        if len(delivered) < n:
            k = len(delivered)
            raise Fail(f"tu función terminó y el receptor solo recibió {k} de {n} mensajes: el {k} no le llegó "
                       f"({self.why_lost(k)}), y sin él no puede aceptar los siguientes. {advice}")

    def check_each_waits(self, delay: float) -> None:
        """Fail if a message reached the receiver before the previous one's ACK could have reached the student."""
        acks = self.receiver.acks
        for i in range(1, len(self.messages)):
            first = next((t for t, number in self.receiver.arrivals if number == i), None)
            ack = next((t for t, number in acks if number == i - 1), None)
            if first is not None and (ack is None or first < ack + delay):
                raise Fail(f"el mensaje {i} llegó al receptor antes de que el ACK del {i - 1} pudiera llegarte (el "
                           f"relé retrasa cada ACK {seconds(delay)}): con parada y espera, envía el {i} solo cuando "
                           f"tengas el ACK del {i - 1}")


def _texts(n: int) -> list[bytes]:
    return [f"mensaje {i} de {n}: {'ñ' * (i + 1)}".encode() for i in range(n)]


@fiable.case(
    "3 mensajes sin pérdidas, con los ACK retrasados 0,2 s: uno por datagrama y cada uno tras el ACK del anterior",
    hint="el mensaje i viaja en struct.pack('!I', i) + mensajes[i], con i desde 0; tras enviarlo, espera su ACK "
    "antes de enviar el siguiente.",
    time_limit=8.0,
)
def _(funcion, ctx):
    delay = 0.2
    # espera: 10 times the ACK's delay (it must not fire); intentos=2, so that an answer the receiver never
    # acknowledges (numbered from 1) gives up within the case's limit and is told why
    run = _Run(funcion, ctx, _texts(3), 2.0, 2, seed=1, vuelta={"delay": delay})
    run.expect_success("Espera el ACK de cada mensaje antes de pasar al siguiente")
    run.check_each_waits(delay)
    if len(run.sent) > len(run.messages):
        raise Fail(f"sin ninguna pérdida enviaste {count(len(run.sent), 'datagrama')} para "
                   f"{count(len(run.messages), 'mensaje')}: retransmite solo cuando se agota la espera sin su ACK")


LOSS_SEED = 12


@fiable.case(
    f"pérdidas del {percent(0.3)} a la ida (semilla {LOSS_SEED}): retransmite hasta que cada mensaje llega",
    hint="settimeout(espera) y, si salta TimeoutError sin su ACK, vuelve a enviar el mismo datagrama, hasta intentos "
    "veces en total.",
    time_limit=10.0,
)
def _(funcion, ctx):
    run = _Run(funcion, ctx, _texts(6), ESPERA, MANY, LOSS_SEED, ida={"loss": 0.3})
    run.expect_success("Si su ACK no llega en espera segundos, retransmite el mismo datagrama")


ACK_SEED = 15


@fiable.case(
    f"ACK perdidos ({percent(0.3)} a la vuelta, semilla {ACK_SEED}): la retransmisión lleva el mismo número",
    hint="una retransmisión es el mismo datagrama, struct.pack('!I', i) + mensajes[i]: el receptor reconoce el "
    "número, no lo entrega dos veces y vuelve a enviar su ACK.",
    time_limit=10.0,
)
def _(funcion, ctx):
    run = _Run(funcion, ctx, _texts(6), ESPERA, MANY, ACK_SEED, vuelta={"loss": 0.3})
    run.expect_success("Si su ACK no llega, retransmite el mismo datagrama, con el mismo número")


DUP_SEED = 8


@fiable.case(
    f"cada ACK llega dos veces y se pierden mensajes (semilla {DUP_SEED}): un ACK de otro número no confirma",
    hint="compara el ACK con struct.pack('!I', i): si trae otro número (la copia de un ACK anterior), descártalo y "
    "sigue esperando el tuyo con lo que quede de la espera.",
    time_limit=10.0,
)
def _(funcion, ctx):
    run = _Run(funcion, ctx, _texts(5), ESPERA, MANY, DUP_SEED, ida={"loss": 0.3}, vuelta={"duplicate": 1.0})
    run.expect_success("¿Lo diste por confirmado con un ACK de otro número (la copia duplicada del ACK anterior)? "
                       "Solo el ACK con su número confirma un mensaje")


DEAF = 2
TRIES = 4


@fiable.case(
    f"si el receptor deja de contestar: TimeoutError tras {TRIES} envíos del mismo mensaje (intentos={TRIES})",
    hint="cuenta los envíos de cada mensaje: tras intentos envíos sin ACK (el primero y intentos-1 retransmisiones), "
    "lanza TimeoutError con un mensaje que diga qué mensaje no se confirmó y cuántos intentos hiciste.",
    time_limit=6.0,
)
def _(funcion, ctx):
    run = _Run(funcion, ctx, _texts(4), 0.25, TRIES, seed=1, deaf_from=DEAF)
    sends = len(run.sends(DEAF))
    said = f"el receptor no confirmó el mensaje {DEAF} y tu función lo envió {count(sends, 'vez', 'veces')}"
    if run.error is None:
        raise Fail(f"{said} y terminó sin avisar: quien la llama creerá que llegó; lanza TimeoutError")
    if isinstance(run.error, (NotImplementedError, Fail)):
        raise run.error
    if not isinstance(run.error, TimeoutError):
        raise Fail(f"{said} y lanzó {error_text(run.error)}: ríndete con TimeoutError")
    if sends != TRIES:
        raise Fail(f"{said} antes de rendirse, y con intentos={TRIES} son {TRIES} envíos (el primero y "
                   f"{TRIES - 1} retransmisiones)")
    text = str(run.error)
    missing = [what for what, value in (("qué mensaje no se confirmó", DEAF), ("cuántos intentos hiciste", TRIES))
               if not re.search(rf"(?<!\d){value}(?!\d)", text)]  # a number on its own: "error 24" says neither
    if missing:
        raise Fail(f"te rendiste bien, tras {TRIES} envíos, pero tu TimeoutError dice {brief(text)}: di "
                   f"{' y '.join(missing)} (el mensaje {DEAF}, {TRIES} intentos)")


@fiable.case(
    f"tres envíos perdidos seguidos y intentos={TRIES}: el cuarto envío todavía cuenta",
    hint=f"intentos={TRIES} son {TRIES} envíos en total: for intento in range(intentos), y ríndete solo cuando el "
    "último también se quedó sin ACK.",
    time_limit=10.0,
)
def _(funcion, ctx):
    # espera 1 s: the fourth send's ACK comes in milliseconds and must not miss it; each ignored send costs 1 s
    run = _Run(funcion, ctx, _texts(3), 1.0, TRIES, seed=1, drop_first={1: TRIES - 1})
    run.expect_success(f"El receptor no contestó a los {TRIES - 1} primeros envíos del mensaje 1 y sí al "
                       f"{TRIES}.º: con intentos={TRIES}, envíalo hasta {TRIES} veces")
