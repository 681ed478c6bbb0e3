"""What each TCP state means, in a short Spanish sentence beside its name.

The names stay in English (GLOSARIO: «LISTEN, ESTABLISHED, TIME_WAIT… tal cual»), explained
from the point of view of the socket that is in the state ("tu" is that socket's program),
so a card, a table or a diagram says the same thing about each state.
"""

from __future__ import annotations

__all__ = ["GLOSSES", "gloss"]

GLOSSES = {
    "CLOSED": "sin conexión: aún no se conectó o la conexión ya terminó",
    "LISTEN": "escuchando: espera conexiones para accept()",
    "SYN_SENT": "envió el SYN para conectar y espera la respuesta del otro extremo",
    "SYN_RECEIVED": "recibió un SYN y respondió; falta el último paso del saludo en tres pasos",
    "ESTABLISHED": "conectado: los dos extremos pueden enviar",
    "FIN_WAIT_1": "cerraste tu lado: tu FIN aún no tiene confirmación",
    "FIN_WAIT_2": "tu FIN llegó; esperas el FIN del otro extremo, que aún puede enviarte datos",
    "CLOSE_WAIT": "el otro extremo cerró (recv() da b''): te toca cerrar a ti",
    "CLOSING": "los dos extremos cerraron a la vez; falta la confirmación de tu FIN",
    "LAST_ACK": "cerraste después del otro extremo; esperas la confirmación de tu FIN",
    "TIME_WAIT": "cerró primero: el núcleo guarda la conexión un rato por si llegan paquetes rezagados",
}


def gloss(state: str) -> str:
    """``"ESTABLISHED (conectado: los dos extremos pueden enviar)"``: the name and what it means."""
    meaning = GLOSSES.get(state)
    return f"{state} ({meaning})" if meaning else state
