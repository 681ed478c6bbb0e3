"""Casos ocultos de ejemplo para ``python -m labsupport corregir --casos-ocultos``.

Este fichero es del profesorado: no lo repartas ni lo subas donde lo vean los alumnos (no
forma parte del paquete del curso ni de la edición del alumno). Cada caso se escribe como
los casos del curso (``labsupport/exercises/nbNN.py``): recibe la función del alumno y un
contexto, y lanza ``Fail`` con el motivo si la respuesta es incorrecta. En la corrección, cada
vez que el cuaderno llama a ``lab.comprobar("5.2", construir_peticion)`` se ejecutan primero
los casos visibles de siempre y después estos, con la misma función. El alumno solo sabe
cuántos ha superado ("Casos ocultos: 1 de 2 superados"); nunca su nombre ni su mensaje.

Cada caso oculto vale un punto, como los visibles, salvo que ``--puntos`` dé otro valor al
ejercicio (entonces se reparte entre todos sus casos).
"""

from labsupport.exercises import Fail, expect_type
from labsupport.grading.hidden import caso_oculto


def _peticion(funcion, *args) -> bytes:
    return bytes(expect_type(funcion(*args), (bytes, bytearray)))


@caso_oculto("5.2", "un PUT con un cuerpo vacío declara Content-Length: 0 o ninguno")
def _(funcion, ctx):
    peticion = _peticion(funcion, "PUT", "127.0.0.1", 8080, "/put", "")
    if not peticion.startswith(b"PUT /put HTTP/1.1\r\n"):
        raise Fail(f"la petición debería empezar por b'PUT /put HTTP/1.1\\r\\n' y empieza por {peticion[:24]!r}")
    if not peticion.endswith(b"\r\n\r\n"):
        raise Fail("sin cuerpo, la petición termina con la línea vacía (\\r\\n\\r\\n)")


@caso_oculto("5.2", "un cuerpo con emojis cuenta sus bytes, no sus caracteres")
def _(funcion, ctx):
    cuerpo = "👋 ¡hola!"
    peticion = _peticion(funcion, "POST", "127.0.0.1", 8080, "/post", cuerpo)
    cabeceras = peticion.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    if f"content-length: {len(cuerpo.encode())}" not in cabeceras:
        raise Fail("Content-Length no son los bytes del cuerpo en UTF-8")
