"""Fixed bodies of the local HTTP server: httpbin's sample pages, in Spanish.

httpbin serves Moby Dick at ``/html``, a slide show at ``/json`` and a UTF-8 demo at
``/encoding/utf8``. The shapes stay (an HTML page with ``<h1>`` and ``<p>``, the same JSON
keys), the text is Spanish and full of accents, so decoding mistakes show at once.
"""

from __future__ import annotations

import html

HTML_PAGE = """<!DOCTYPE html>
<html lang="es">
  <head>
    <meta charset="utf-8">
    <title>Don Quijote de la Mancha</title>
  </head>
  <body>
      <h1>Miguel de Cervantes — El ingenioso hidalgo don Quijote de la Mancha</h1>
      <div>
        <p>
          En un lugar de la Mancha, de cuyo nombre no quiero acordarme, no ha mucho tiempo que
          vivía un hidalgo de los de lanza en astillero, adarga antigua, rocín flaco y galgo
          corredor. Una olla de algo más vaca que carnero, salpicón las más noches, duelos y
          quebrantos los sábados, lantejas los viernes, algún palomino de añadidura los domingos,
          consumían las tres partes de su hacienda. El resto della concluían sayo de velarte,
          calzas de velludo para las fiestas, con sus pantuflos de lo mesmo, y los días de
          entresemana se honraba con su vellorí de lo más fino. Tenía en su casa una ama que
          pasaba de los cuarenta, y una sobrina que no llegaba a los veinte, y un mozo de campo
          y plaza, que así ensillaba el rocín como tomaba la podadera.
        </p>
      </div>
  </body>
</html>
""".encode()

SLIDESHOW = {
    "slideshow": {
        "author": "El equipo del curso",
        "date": "fecha de publicación",
        "slides": [
            {"title": "¡Despierta con los sockets!", "type": "all"},
            {
                "items": ["Por qué <em>recv</em> devuelve trozos", "Quién <em>cierra</em> la conexión"],
                "title": "Resumen",
                "type": "all",
            },
        ],
        "title": "Presentación de ejemplo",
    }
}

UTF8_DEMO = """Demostración de UTF-8 (codificación de caracteres Unicode)

Cada carácter ocupa de 1 a 4 bytes; len(texto) cuenta caracteres, len(texto.encode()) bytes.

1 byte  (ASCII):      Hola, mundo. GET /get HTTP/1.1
2 bytes (latín):      año, niño, corazón, pingüino, ¿qué?, ¡olé!
2 bytes (griego):     κόσμε — «cosmos»
2 bytes (cirílico):   Привет, мир
3 bytes (símbolos):   € — … “comillas” ← → ∞ ≠ ≤ ≥
3 bytes (CJK):        你好，世界 — こんにちは
4 bytes (emoji):      🐍 🔌 📡 ✅ (✅ ocupa 3)

Pangrama: El veloz murciélago hindú comía feliz cardillo y kiwi. La cigüeña tocaba
el saxofón detrás del palenque de paja.

Si lees bytes sueltos con recv() y decodificas cada trozo por separado, un carácter
de varios bytes puede quedar partido entre dos trozos: UnicodeDecodeError.
""".encode()

ROBOTS_TXT = b"User-agent: *\nDisallow: /deny\n"

#: Short Spanish text used by the /raw/ endpoints: multi-byte characters on purpose.
SAMPLE_TEXT = (
    "¡Hola desde el servidor local! Este cuerpo tiene tildes (canción, pingüino, año)\n"
    "y una eñe en cada línea, para que se vea qué pasa al cortar bytes UTF-8.\n"
    "Señal de fin: ✅\n"
).encode()

INDEX_HTML = """<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><title>Servidor HTTP local del curso</title></head>
<body>
<h1>Servidor HTTP local del curso «Sockets en Python»</h1>
<p>Funciona como el servicio httpbin, pero en tu máquina (127.0.0.1): nada sale de ella.</p>
<ul>
<li>/get, /post, /put, /patch, /delete, /anything — devuelven tu petición en JSON</li>
<li>/headers, /ip, /user-agent</li>
<li>/status/{código}, /redirect/{n}, /relative-redirect/{n}, /absolute-redirect/{n}, /redirect-to?url=</li>
<li>/delay/{s}, /bytes/{n}?seed=, /stream-bytes/{n}, /drip?numbytes=&amp;duration=&amp;delay=</li>
<li>/html, /json, /robots.txt, /encoding/utf8</li>
<li>/docs/texto.txt, /docs/pagina.html, /docs/imagen.png, /docs/grande.bin — documentos</li>
<li>/raw/… — respuestas defectuosas a propósito (ver la documentación de labsupport.http)</li>
</ul>
</body>
</html>
""".encode()

TEAPOT = b"""
    -=[ tetera ]=-

       _...._
     .'  _ _ `.
    | ."` ^ `". _,
    \\_;`"---"`|//
      |       ;/
      \\_     _/
        `\"\"\"`
"""


def redirect_page(location: str) -> bytes:
    """The body of a redirect, shaped like the one Flask's ``redirect()`` gives httpbin."""
    where = html.escape(location)
    return (
        '<!doctype html>\n<html lang="es">\n<title>Redirigiendo...</title>\n<h1>Redirigiendo...</h1>\n'
        f'<p>Deberías ir automáticamente a la dirección de destino: <a href="{where}">{where}</a>. '
        "Si no, pulsa el enlace.\n"
    ).encode()
