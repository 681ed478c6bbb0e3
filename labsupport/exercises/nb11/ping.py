"""11.1: the pinger (Kurose and Ross): n pings from one socket, a timeout per ping, no reply taken for another's.

Which pings had an answer in time is read from what happened, never assumed: the relay's events say
which pings were lost on the way there and which replies on the way back, and the checker's ping
server says which replies it sent late. A late reply is sent when the *next* ping reaches the server,
just before that ping's own reply: the student had already given up on it (they sent the next one),
whatever the machine's load, so "late" never depends on timing.

That a ping without a reply was waited for its whole ``espera`` is a lower bound, which load cannot
break: the next ping cannot reach the relay sooner than ``espera`` after the earliest moment the
student could have sent the previous one (the call, or the relay's sending of the reply before it).
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..._server import DatagramServer
from ..._wording import count, decimal, seconds
from ...relay.udp import UdpEvent
from .. import Context, Fail, brief, exercise, expect_type
from ._shared import MARKER, Counts, Drip, Relay, StudentSockets, percent, quiet, relay, sockets_used

pinger = exercise("11.1", "Un pinger que no se deja engañar", "hacer_ping")

#: The wait of the cases where some pings are answered: a reply arrives in milliseconds, so a second
#: never runs out for it (it must not fire), and a lost ping costs one second.
ESPERA = 1.0
#: The wait of the case where nothing comes back: it must fire, so it is short.
SHORT = 0.25
#: Each way, in the cases with a wait of ESPERA: an RTT is then at least 10 ms, by construction, so an
#: RTT given in milliseconds (10 or more) is always more than the wait, in every case, and told so.
DELAY = 0.005
#: How much sooner than its wait a ping may seem to be given up: the clocks' resolution (Windows'
#: monotonic clock ticks every 16 ms), never the machine's load (that only makes the gap longer).
SLACK = 0.05
#: The copies of an old reply that the server sends while a ping waits (STALE_CASE): one every STALE_EVERY.
STALE_EVERY = 0.1


def ping_number(data: bytes) -> int | None:
    """The number ``i`` of a ping ``b"PING i marca"`` (None if the datagram is not one)."""
    parts = data.split()
    if len(parts) != 3 or parts[0] != b"PING":
        return None
    try:
        number = int(parts[1])
        float(parts[2])
    except ValueError:
        return None
    return number


class _PingServer(DatagramServer):
    """The ping server of the notebook (``UdpEchoServer(prefix=b"")``: each ping back as it came), but the
    pings in ``late`` are answered only when the next datagram arrives (just before its answer), and the
    ones in ``silent`` never."""

    name = "servidor de ping del corrector"

    def __init__(self, *, late: Iterable[int] = (), silent: Iterable[int] = (), stale: int | None = None) -> None:
        self.late = frozenset(late)
        self.silent = frozenset(silent)
        #: The ping during whose wait the previous ping's reply comes again, every STALE_EVERY, until the next ping.
        self.stale = stale
        self._drip: Drip | None = None
        self._last_reply: bytes | None = None
        #: The pings whose reply went out late, in order.
        self.answered_late: list[int] = []
        self.counts = Counts()
        self._held: list[tuple[int, bytes, tuple]] = []
        super().__init__("127.0.0.1", 0)

    def handle_datagram(self, data: bytes, addr: tuple) -> bytes | None:
        if data == MARKER:
            return None
        return self.counts.counted(self._answer(data, addr))

    def stop(self) -> None:
        if self._drip is not None:
            self._drip.stop()
        super().stop()

    def _resend(self, reply: bytes, to: tuple) -> None:
        self.counts.replied()  # before it leaves: the relay will see it
        self._sock.sendto(reply, to)

    def _answer(self, data: bytes, addr: tuple) -> bytes | None:
        if self._drip is not None:  # the next ping came: the old reply stops coming (none goes out after this)
            self._drip.stop()
            self._drip = None
        for held, reply, to in self._held:
            self.answered_late.append(held)  # before it leaves: a reply the relay saw is always known late
            self.counts.replied()
            self._sock.sendto(reply, to)
        self._held.clear()
        number = ping_number(data)
        if number is None:
            return data  # not a ping: echoed all the same, so the student's function ends and is told why
        if number == self.stale and self._last_reply is not None:
            old = self._last_reply
            self._drip = Drip(lambda: self._resend(old, addr), STALE_EVERY, most=100)
        if number in self.silent:
            return None
        if number in self.late:
            self._held.append((number, data, addr))
            return None
        self._last_reply = data
        return data


def _sent(events: list[UdpEvent], n: int) -> None:
    """Fail unless the student sent exactly ``n`` pings, ``PING i marca`` with i = 1..n in order."""
    sent = [e for e in events if e.direction == "ida" and e.action != "duplicado"]
    for e in sent:
        if ping_number(e.data) is None:
            raise Fail(f"el datagrama {e.number} que enviaste, {brief(e.data, 50)}, no es un ping: cada ping es "
                       "f\"PING {i} {marca}\".encode(), tres palabras separadas por espacios (por ejemplo "
                       "b'PING 1 12.5')")
    used = sockets_used(events)
    if used > 1:
        raise Fail(f"enviaste los pings desde {used} sockets distintos: envíalos todos desde el mismo socket; así "
                   "la respuesta tardía de uno puede llegarte mientras esperas otro, y tu función tiene que saber "
                   "descartarla")
    got = [ping_number(e.data) for e in sent]
    if len(got) > n:
        pings = count(n, "ping", "pings")
        raise Fail(f"para {pings} enviaste {count(len(got), 'datagrama')} (números {brief(got)}): envía cada ping"
                   " una sola vez; si su respuesta no llega a tiempo, ese ping es None")
    if got != list(range(1, n + 1)):
        if got == list(range(n)):
            raise Fail(f"tus pings llevan los números {brief(got)}: se numeran desde 1 (1, 2, …, {n})")
        pings, sent_pings = count(n, "ping", "pings"), count(len(got), "ping", "pings")
        raise Fail(f"se esperaban {pings} numerados 1, 2, …, {n} y enviaste {sent_pings} con los números {brief(got)}")


def _rtt(value: float) -> str:
    """An RTT for prose, never rounded to a misleading 0: "0,0123 s", "menos de 0,0001 s"."""
    return f"{decimal(value, 4)} s" if abs(value) >= 0.0001 else "menos de 0,0001 s"


def _is_rtt(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class _Outcome:
    """What happened to each ping of a run, from the relay's events and the server."""

    def __init__(self, relay_: Relay, server: _PingServer, n: int, start: float) -> None:
        events = quiet(relay_, server.counts)
        _sent(events, n)
        self.start = start
        #: When each ping reached the relay, and when each reply (its first copy) left the server for it.
        self.arrived = {ping_number(e.data): e.t for e in events if e.direction == "ida" and e.action != "duplicado"}
        self.replied: dict[int | None, float] = {}
        for e in events:
            if e.direction == "vuelta" and e.action != "perdido":
                self.replied.setdefault(ping_number(e.data), e.t)
        self.lost_there = {ping_number(e.data) for e in events if e.direction == "ida" and e.action == "perdido"}
        back = [e for e in events if e.direction == "vuelta"]
        self.delivered = {ping_number(e.data) for e in back if e.action != "perdido"}
        self.lost_back = {ping_number(e.data) for e in back if e.action == "perdido"} - self.delivered
        self.late = set(server.answered_late)
        self.silent = set(server.silent) - self.lost_there
        self.in_time = self.delivered - self.late

    def why_not(self, i: int) -> str:
        if i in self.lost_there:
            return "el ping se perdió a la ida"
        if i in self.silent:
            return "el servidor no lo contestó"
        if i in self.late:
            return "su respuesta llegó tarde, después de su espera"
        if i in self.lost_back:
            return "su respuesta se perdió a la vuelta"
        return "su respuesta no llegó"

    def given_up_soon(self, n: int, espera: float) -> int | None:
        """The first ping without a reply in time after which the next one reached the relay sooner than
        ``espera`` after the earliest moment the previous could have been sent; None if there is none.
        ``earliest`` is a lower bound of when the student sent each ping: the call for the first; for the
        next, the reply they took (it left the relay) or, if none came in time, a whole wait more."""
        earliest = self.start
        for i in range(1, n):
            if i in self.in_time:
                earliest = max(earliest, self.replied.get(i, earliest))
                continue
            earliest += espera
            if self.arrived[i + 1] < earliest - SLACK:
                return i
        return None


def _judge(result: Any, n: int, espera: float, elapsed: float, outcome: _Outcome, context: str) -> None:
    """Fail with what happened if ``result`` is not the RTTs (or None) of the ``n`` pings."""
    rtts = expect_type(result, list)
    if len(rtts) != n:
        raise Fail(f"se esperaba una lista de {n} elementos (uno por ping) y tu función devolvió {len(rtts)}: "
                   f"{brief(rtts)}")
    for i, value in enumerate(rtts, start=1):
        if value is not None and not _is_rtt(value):
            raise Fail(f"para el ping {i} tu función devolvió {brief(value)}: cada elemento es un RTT en segundos "
                       "(un número) o None")
    for i, value in enumerate(rtts, start=1):
        answered = i in outcome.in_time
        if value is None and answered:
            raise Fail(f"la respuesta del ping {i} llegó a tiempo y tu función devolvió None para él{context}: "
                       "tras descartar una respuesta que no es la suya, sigue esperando lo que quede de su espera; "
                       "y cada ping tiene su propia espera, contada desde que lo envías")
        if value is not None and not answered:
            raise Fail(f"el ping {i} no tuvo respuesta a tiempo ({outcome.why_not(i)}) y tu función le dio un RTT "
                       f"de {_rtt(value)}: tomó como suya la respuesta de otro ping{context}. Mira el número "
                       "que trae cada respuesta: si no es el del ping que esperas, no es la suya")
        if value is not None and value < 0:
            raise Fail(f"el RTT del ping {i} es negativo ({_rtt(value)}): es el instante en que llega su "
                       "respuesta menos el instante en que lo enviaste")
        if value is not None and value > espera:
            raise Fail(f"el RTT del ping {i} es {decimal(value, 4)}, más que su espera ({seconds(espera)}): ¿lo das en "
                       "milisegundos? Devuelve segundos, como da time.perf_counter()")
    total = sum(v for v in rtts if v is not None)
    if total > elapsed:
        raise Fail(f"tus RTT suman {decimal(total, 3)}, más de lo que duró tu función ({seconds(elapsed, 3)}): "
                   "¿los das en milisegundos? Devuelve segundos, como da time.perf_counter()")
    soon = outcome.given_up_soon(n, espera)
    if soon is not None:
        raise Fail(f"el ping {soon} no tuvo respuesta a tiempo ({outcome.why_not(soon)}) y el {soon + 1} llegó al relé "
                   f"antes de que pasara su espera ({seconds(espera)}) desde que enviaste el {soon}{context}: espera "
                   "cada respuesta hasta espera segundos, con settimeout(espera) o lo que quede de ella, no un "
                   "timeout fijo")


def _ping_case(funcion: Callable[..., Any], ctx: Context, *, n: int, espera: float, seed: int, context: str = "",
               ida: dict | None = None, vuelta: dict | None = None, late: Iterable[int] = (),
               silent: Iterable[int] = (), stale: int | None = None) -> None:
    ctx.own(StudentSockets())
    server = ctx.own(_PingServer(late=late, silent=silent, stale=stale))
    through = relay(ctx, server, seed, ida=ida, vuelta=vuelta)
    called = through.now()
    start = time.perf_counter()
    result = funcion(through.address, n, espera)
    elapsed = time.perf_counter() - start
    server.check()  # a fault of the checker's own servers is the checker's, never the student's
    through.check()
    _judge(result, n, espera, elapsed, _Outcome(through, server, n, called), context)


@pinger.case(
    "5 pings sin pérdidas: 5 RTT, en segundos",
    hint="el ping i es f\"PING {i} {marca}\".encode(), con i desde 1; devuelve una lista con el RTT de cada ping, en "
    "segundos: time.perf_counter() al llegar su respuesta menos al enviarlo.",
    time_limit=8.0,
)
def _(funcion, ctx):
    # 10 ms each way: an RTT given in milliseconds (20 or more) is then more than the wait (5 s), surely
    _ping_case(funcion, ctx, n=5, espera=5.0, seed=1, ida={"delay": 0.01}, vuelta={"delay": 0.01})


LOSS_SEED = 3


@pinger.case(
    f"pérdidas del {percent(0.3)} a la ida y a la vuelta (semilla {LOSS_SEED}): None justo en los pings sin respuesta",
    hint="devuelve el RTT de cada ping en segundos, o None si su respuesta no llega en espera segundos: pon settimeout "
    "con la espera y captura TimeoutError (ese ping es None y sigues con el siguiente); cada ping tiene su propia "
    "espera, contada desde que lo envías.",
    time_limit=10.0,
)
def _(funcion, ctx):
    _ping_case(funcion, ctx, n=8, espera=ESPERA, seed=LOSS_SEED, ida={"loss": 0.3, "delay": DELAY},
               vuelta={"loss": 0.3, "delay": DELAY},
               context=f" (relé con semilla {LOSS_SEED})")


DUP_SEED = 12


@pinger.case(
    f"cada respuesta llega dos veces y se pierden pings (semilla {DUP_SEED}): una copia no es la de otro ping",
    hint="cada respuesta trae el número de su ping: si no es el que esperas (la copia duplicada de una anterior), "
    "descártala y sigue esperando la tuya con lo que quede de la espera; el RTT de la tuya, en segundos.",
    time_limit=10.0,
)
def _(funcion, ctx):
    _ping_case(funcion, ctx, n=6, espera=ESPERA, seed=DUP_SEED, ida={"loss": 0.3, "delay": DELAY},
               vuelta={"duplicate": 1.0, "delay": DELAY},
               context=f" (relé con semilla {DUP_SEED}: cada respuesta llegó dos veces, la segunda copia durante la "
               "espera del ping siguiente)")


@pinger.case(
    "respuestas que llegan tarde, después de su espera: no son las del ping siguiente",
    hint="una respuesta tardía trae el número de un ping anterior: descártala y sigue esperando la tuya con lo que "
    "quede de la espera; si la tuya no llega, ese ping es None, y si llega, su RTT en segundos.",
    time_limit=10.0,
)
def _(funcion, ctx):
    _ping_case(funcion, ctx, n=5, espera=ESPERA, seed=1, late=(2, 4), silent=(5,), ida={"delay": DELAY},
               vuelta={"delay": DELAY},
               context=" (las respuestas de los pings 2 y 4 llegaron tarde, justo antes de la del ping siguiente, "
               "y el 5 no tuvo respuesta)")


@pinger.case(
    f"una respuesta vieja que vuelve cada {seconds(STALE_EVERY)} mientras esperas: la espera no vuelve a empezar",
    hint="la espera de cada ping se cuenta desde que lo envías: tras descartar una respuesta que no es la suya, espera "
    "solo lo que quede (límite - time.perf_counter()), no otra espera entera; si no, las respuestas viejas que sigan "
    "llegando no la dejan acabar nunca. El RTT, en segundos.",
    time_limit=6.0,
)
def _(funcion, ctx):
    # the ping 2 has no reply, and the ping 1's comes again every 0.1 s until the ping 3 arrives (at most 100
    # times): a wait that starts again with each one never ends, the right one ends 1 s after the ping 2
    _ping_case(funcion, ctx, n=3, espera=ESPERA, seed=1, silent=(2,), stale=2, ida={"delay": DELAY},
               vuelta={"delay": DELAY},
               context=" (el ping 2 no tuvo respuesta y la del 1 volvió a llegar cada "
               f"{seconds(STALE_EVERY)} mientras esperabas el 2)")


@pinger.case(
    f"si no vuelve nada: 8 veces None, esperando {seconds(SHORT)} por ping (la espera)",
    hint="settimeout(espera) antes de esperar cada respuesta (ni un timeout fijo ni ninguno): sin respuesta, cada "
    "ping cuesta como mucho su espera y la función termina.",
    time_limit=5.0,
)
def _(funcion, ctx):
    _ping_case(funcion, ctx, n=8, espera=SHORT, seed=1, ida={"loss": 1.0},
               context=" (el relé perdió todos los pings)")
