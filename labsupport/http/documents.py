"""Documents to download: files under a document root, and one large virtual file.

Sections 3 and 5 download a text, an HTML page, an image and a large file (progress bar,
hash check). The first three are real files in ``labsupport/docs/``; the large one,
``grande.bin`` (8 MiB), is generated on the fly from a fixed seed, so the repository and
the package stay small and the file's SHA-256 is a constant the notebook can check.

Serving never leaves the root: ``..`` and ``.`` segments (also percent-encoded), hidden
files, absolute paths, drive letters and symlinks that resolve outside give 403 or 404,
and a directory is never listed.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

from .handler import Handler
from .protocol import HttpError, StopResponse, int_param

DEFAULT_DOCROOT = Path(__file__).resolve().parent.parent / "docs"

BIG_FILE_NAME = "grande.bin"
BIG_FILE_BLOCK = 64 * 1024
BIG_FILE_SIZE = 8 * 1024 * 1024
#: SHA-256 of ``/docs/grande.bin``: the notebook compares the downloaded file with it.
BIG_FILE_SHA256 = "2821c3ca7dc9cb05f6ac371e295ebef321ada1ccc04b5380a7c11b601f306a69"

CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".bin": "application/octet-stream",
}


def big_file_block(index: int) -> bytes:
    """Block ``index`` of grande.bin: SHAKE-256 output, fixed by the standard on every system."""
    return hashlib.shake_256(b"labsupport/grande.bin/%d" % index).digest(BIG_FILE_BLOCK)


def big_file_bytes() -> bytes:
    """The whole of grande.bin (8 MiB), as the server sends it."""
    return b"".join(big_file_block(i) for i in range(BIG_FILE_SIZE // BIG_FILE_BLOCK))


def content_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    if ext in CONTENT_TYPES:
        return CONTENT_TYPES[ext]
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def resolve(root: str, rest: str) -> str:
    """The real path of ``rest`` inside ``root``, or HttpError (403 outside, 404 otherwise)."""
    decoded = unquote(rest, errors="strict") if "%" in rest else rest
    parts = decoded.split("/")
    for part in parts:
        if part in (".", "..") or "\\" in part or "\x00" in part or ":" in part:
            raise HttpError(403, "esa ruta sale de la carpeta de documentos: no se sirve.")
        if part.startswith("."):
            raise HttpError(404, "no existe ese documento.")
    if not decoded or decoded.endswith("/"):
        raise HttpError(404, "eso es una carpeta y las carpetas no se listan; pide un archivo.")
    path = os.path.realpath(os.path.join(root, *[p for p in parts if p]))
    if os.path.commonpath([root, path]) != root:
        raise HttpError(403, "ese documento apunta fuera de la carpeta de documentos: no se sirve.")
    return path


def _rate(req: Handler, size: int) -> int:
    """``?rate=`` bytes per second, to watch a progress bar move on loopback."""
    value = req.args.get("rate")
    if value is None:
        return 0
    rate = int_param(value, "rate (bytes por segundo)", 1024, 1 << 40)
    if size / rate > req.server.max_delay:
        raise HttpError(400, f"a ese ritmo la descarga duraría más de {req.server.max_delay:g} s.")
    return rate


def view_document(req: Handler, rest: str) -> None:
    srv = req.server
    try:
        path = resolve(srv.docroot, rest)
    except UnicodeDecodeError:
        raise HttpError(400, "la ruta tiene un %XX que no es UTF-8 válido.") from None
    try:
        info = os.stat(path)  # before open(): opening a FIFO would block the thread
    except OSError:
        info = None
    if info is None and rest == BIG_FILE_NAME:
        _send_big_file(req)
        return
    if info is None or not stat.S_ISREG(info.st_mode):
        raise HttpError(404, f"no existe el documento {rest[:100]!r}.")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        rate = _rate(req, size)
        ctype = content_type(path)
        if size <= BIG_FILE_BLOCK and not rate:
            req.respond(200, f.read(size), ctype)
            return
        if not req.start_stream(200, ctype, length=size):
            return
        _copy(req, iter(lambda: f.read(BIG_FILE_BLOCK), b""), rate)


def _send_big_file(req: Handler) -> None:
    rate = _rate(req, BIG_FILE_SIZE)
    headers = [("Content-Disposition", f'attachment; filename="{BIG_FILE_NAME}"')]
    if req.start_stream(200, "application/octet-stream", headers, length=BIG_FILE_SIZE):
        blocks = (big_file_block(i) for i in range(BIG_FILE_SIZE // BIG_FILE_BLOCK))
        _copy(req, blocks, rate)


def _copy(req: Handler, blocks: Iterable[bytes], rate: int) -> None:
    """Write the blocks; with a rate, in tenths of a second's worth, sleeping between them."""
    piece_size = max(1024, rate // 10)
    for block in blocks:
        if not rate:
            req.write_chunk(block)
            continue
        for start in range(0, len(block), piece_size):
            piece = block[start : start + piece_size]
            req.write_chunk(piece)
            if not req.server.sleep(len(piece) / rate):
                raise StopResponse
