"""``lab.progreso()``: every exercise of the course with its last result, kept across sessions.

Each ``lab.comprobar`` call records its result (:func:`record`) in a small JSON file in the
student's own folder, the folder the kernel runs in: Jupyter starts a notebook's kernel in the
notebook's folder, so the file sits next to the notebooks and ``make lab`` students (whose
notebooks live in ``alumno/``) find their progress there in the next session. The file is
written only where there are notebooks (a ``*.ipynb`` in the folder) and never inside the
installed packages, so a script or a test run elsewhere leaves nothing behind.

The file, ``.progreso.json`` (hidden, so the student edition never copies the master's and the
grader never copies the student's)::

    {"formato": "labsupport-progreso", "version": 1,
     "ejercicios": {"3.2": {"estado": "fallo", "superados": 4, "total": 6,
                            "fecha": "2026-12-01T23:50:12+00:00", "veces": 3}},
     "aviso": "..."}          # only after the file was rebuilt: shown once by lab.progreso()

``estado`` is the exercise's status as ``lab.comprobar`` reports it (``ok``, ``fallo``,
``pendiente``, ``error del corrector``); an exercise with no entry is «sin comprobar».

Why it never corrupts and never breaks a check:

- two kernels (two notebooks open) may record at the same moment: each update is a
  read-modify-write under an exclusive lock on ``.progreso.json.lock`` (``flock`` on Unix,
  ``msvcrt.locking`` on Windows), and the new content goes to a temporary file that
  ``os.replace`` puts in place, so a reader sees the old file or the new, never half of one;
- a damaged file (not JSON, or not this shape) is kept aside as ``.progreso.json.roto-FECHA`` and
  rebuilt from what this kernel checked; a missing one is rebuilt the same way; the next
  ``lab.progreso()`` says so in Spanish;
- :func:`record` never raises and never prints: ``lab.comprobar``'s report, which nbval compares,
  is the same with or without a progress file. What could not be written is said by
  ``lab.progreso()``, which also shows this kernel's results kept in memory.

The environment variable ``LABSUPPORT_PROGRESO`` names another file, or turns the file off with
``no`` (then only this kernel's results are shown): the course's tests and the runs that store
the master notebooks' outputs use ``no``, so those outputs never depend on an earlier run.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import json
import os
import sysconfig
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ._display import Table
from ._results import RESULTS_ENV, Status
from ._wording import count

#: Environment variable: a file path, or "no" to keep progress only in memory.
PROGRESS_ENV = "LABSUPPORT_PROGRESO"
FILE_NAME = ".progreso.json"
FORMAT = "labsupport-progreso"
VERSION = 1
#: The status of an exercise with no result yet.
NEVER = "sin comprobar"
#: The statuses an entry may have (an exercise's status as ``lab.comprobar`` sets it).
STATUSES = (Status.OK.value, Status.FAIL.value, Status.PENDING.value, Status.INTERNAL.value)
_OFF = {"no", "0", "off", "false", "nada"}

#: This kernel's results: exercise id -> entry (shown even when the file cannot be written).
_SESSION: dict[str, dict[str, Any]] = {}
#: Why the last write failed ("" when it did not): shown by lab.progreso().
_last_problem = ""
_guard = threading.Lock()


class DamagedFile(ValueError):
    """The progress file exists but is not one (its reason in Spanish)."""


# -- where ------------------------------------------------------------------------------------
def _installed_dirs() -> list[Path]:
    """Folders that are never a student's: the installed packages and this package itself."""
    dirs = [Path(__file__).resolve().parent]
    paths = sysconfig.get_paths()
    for key in ("purelib", "platlib", "stdlib"):
        with contextlib.suppress(KeyError, OSError):
            dirs.append(Path(paths[key]).resolve())
    return dirs


def progress_file() -> Path | None:
    """The progress file of this kernel, or None when progress is kept only in memory.

    ``LABSUPPORT_PROGRESO`` decides when set; otherwise ``.progreso.json`` in the current folder,
    if that folder holds a notebook and is not inside the installed packages. Never while
    ``corregir`` runs the notebook (``LABSUPPORT_RESULTADOS`` set): grading is not the student's progress.
    """
    chosen = os.environ.get(PROGRESS_ENV, "").strip()
    if chosen:
        return None if chosen.lower() in _OFF else Path(chosen).expanduser()
    if os.environ.get(RESULTS_ENV):
        return None
    try:
        folder = Path.cwd().resolve()
        if not any(folder.glob("*.ipynb")):
            return None
    except OSError:
        return None
    for installed in _installed_dirs():
        if folder == installed or installed in folder.parents:
            return None
    return folder / FILE_NAME


# -- the file ---------------------------------------------------------------------------------
def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _valid_entry(entry: Any) -> bool:
    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    return (
        isinstance(entry, dict)
        and entry.get("estado") in STATUSES
        and whole(entry.get("superados"))
        and whole(entry.get("total"))
        and isinstance(entry.get("fecha", ""), str)
        and whole(entry.get("veces", 1))
    )


def parse(text: str) -> tuple[dict[str, dict[str, Any]], str]:
    """The entries and the pending notice of a progress file's text; DamagedFile if it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DamagedFile(f"no es JSON válido ({exc.msg}, línea {exc.lineno})") from None
    except (ValueError, RecursionError):  # a number too long to read, nesting too deep
        raise DamagedFile("no es JSON legible") from None
    if not isinstance(data, dict) or data.get("formato") != FORMAT:
        raise DamagedFile("no tiene el formato de un archivo de progreso del curso")
    if data.get("version") != VERSION:
        raise DamagedFile(f"es de otra versión del formato ({data.get('version')!r}, se esperaba {VERSION})")
    entries = data.get("ejercicios")
    if not isinstance(entries, dict):
        raise DamagedFile("le falta la lista de ejercicios")
    bad = sorted(str(k) for k, v in entries.items() if not _valid_entry(v))
    if bad:
        raise DamagedFile(f"tiene entradas ilegibles (ejercicio {', '.join(bad[:3])})")
    notice = data.get("aviso", "")
    return {str(k): dict(v) for k, v in entries.items()}, notice if isinstance(notice, str) else ""


def dumps(entries: Mapping[str, Mapping[str, Any]], notice: str = "") -> str:
    """The text of a progress file with ``entries`` (and a notice for the next lab.progreso())."""
    data: dict[str, Any] = {"formato": FORMAT, "version": VERSION, "ejercicios": dict(sorted(entries.items()))}
    if notice:
        data["aviso"] = notice
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (its ``.lock`` file) while the file is read and replaced.

    The lock lives in a file of its own because ``os.replace`` gives the progress file a new
    inode each time, and a lock on the old one would not stop another kernel. ``flock`` is
    released by the system when the process ends, so a kernel that dies holding it blocks no one.
    """
    with open(path.with_name(path.name + ".lock"), "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # Windows: msvcrt retries for about 10 s, then raises OSError
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
            return
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _set_aside(path: Path) -> Path:
    """Rename a damaged file to ``NAME.roto-YYYYmmdd-HHMMSS`` (never over another) and return it."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.roto-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.roto-{stamp}-{n}")
        n += 1
    os.replace(path, aside)
    return aside


def _load_or_rebuild(path: Path) -> tuple[dict[str, dict[str, Any]], str]:
    """The file's entries and notice; for a missing or damaged one, this kernel's and a notice.

    Called with the lock held. A damaged file is renamed first, so nothing the student had is lost.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {k: dict(v) for k, v in _SESSION.items()}, ""
    except UnicodeDecodeError:
        text = "\x00"  # not text at all: damaged
    try:
        return parse(text)
    except DamagedFile as exc:
        aside = _set_aside(path)
        notice = (
            f"El archivo de progreso {path} estaba dañado ({exc}): se ha guardado tal cual como "
            f"{aside.name} y se ha creado uno nuevo con lo comprobado desde entonces."
        )
        return {k: dict(v) for k, v in _SESSION.items()}, notice


def _update(path: Path, exercise_id: str | None, entry: dict[str, Any] | None, keep_notice: bool = True) -> str:
    """Read, change and replace the file under its lock; return the notice it carried."""
    with _locked(path):
        entries, notice = _load_or_rebuild(path)
        if exercise_id is not None and entry is not None:
            before = entries.get(exercise_id, {})
            entries[exercise_id] = {**entry, "veces": int(before.get("veces", 0)) + 1}
        _write(path, dumps(entries, notice if keep_notice else ""))
    return notice


# -- recording (lab.comprobar) -----------------------------------------------------------------
def record(result: Any) -> None:
    """Keep ``result`` (what ``lab.comprobar`` returns) as its exercise's last result.

    Never raises and never prints: a progress file that cannot be written must not change the
    check's report. The reason is kept for ``lab.progreso()``.
    """
    global _last_problem
    try:
        exercise_id = str(result.exercise_id)
        entry = {"estado": str(result.status), "superados": int(result.passed), "total": int(result.total),
                 "fecha": _now()}
        if entry["estado"] not in STATUSES:
            return
        with _guard:
            try:
                path = progress_file()
                if path is not None:  # first the file: a rebuilt one takes this kernel's other results
                    _update(path, exercise_id, entry)
                    _last_problem = ""
            except OSError as exc:
                _last_problem = f"No se pudo guardar el progreso en {path} ({exc.strerror or exc})."
            finally:
                before = _SESSION.get(exercise_id, {})
                _SESSION[exercise_id] = {**entry, "veces": int(before.get("veces", 0)) + 1}
    except Exception:  # whatever happens here, the check's report stands
        return


# -- showing (lab.progreso) --------------------------------------------------------------------
def course_exercises() -> tuple[list[tuple[str, str]], str]:
    """(id, title) of every exercise of the course, in order (from the exercise registry), and a
    problem: a notebook's exercises that do not load are left out and named, never a crash."""
    from . import exercises

    problem = ""
    try:
        ids = exercises.known_ids()
    except Exception as exc:  # a broken course module: show the others
        ids = sorted(exercises._REGISTRY, key=lambda i: [int(p) if p.isdigit() else -1 for p in i.split(".")])
        problem = f"Faltan ejercicios en la lista: no se pudieron cargar ({type(exc).__name__}: {exc})."
    return [(i, exercises._REGISTRY[i].title) for i in ids], problem


def _notebook(exercise_id: str) -> str:
    head = exercise_id.split(".", 1)[0]
    return f"{int(head):02d}" if head.isdigit() else head


class ProgressMap:
    """What ``lab.progreso()`` returns: the table of every exercise (text or HTML) and its notices."""

    def __init__(self, rows: list[tuple[str, str, str, str]], where: str, notices: list[str]) -> None:
        #: (exercise id, title, status, "passed/total" or "")
        self.rows = rows
        self.where = where
        self.notices = notices

    def status(self, exercise_id: str) -> str:
        """The last result of one exercise (``sin comprobar`` if none)."""
        return next((s for i, _t, s, _c in self.rows if i == exercise_id), NEVER)

    def counts(self) -> dict[str, int]:
        """How many exercises have each status (every status listed, zeros included)."""
        out = {s: 0 for s in (*STATUSES, NEVER)}
        for _i, _t, s, _c in self.rows:
            out[s] = out.get(s, 0) + 1
        return out

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c[Status.OK]} ok", f"{c[Status.FAIL]} con fallo", count(c[Status.PENDING], "pendiente")]
        if c[Status.INTERNAL]:
            parts.append(f"{c[Status.INTERNAL]} con error del corrector")
        parts.append(f"{c[NEVER]} sin comprobar")
        return f"{count(len(self.rows), 'ejercicio')}: " + ", ".join(parts) + "."

    def notes(self) -> list[str]:
        """The lines under the table: the counts, where the file is, and any notice."""
        return [self.summary(), self.where, *self.notices]

    def table(self, note: bool = True) -> Table:
        rows = [(_notebook(i), i, s, cases, title) for i, title, s, cases in self.rows]
        return Table(["cuaderno", "ejercicio", "último resultado", "casos", "título"], rows,
                     "\n".join(self.notes()) if note else "", title="Tu progreso en el curso")

    def __repr__(self) -> str:
        return str(self.table())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        return self.table(note=False).html() + "".join(f"<p>{html.escape(line)}</p>" for line in self.notes())


def _file_view() -> tuple[dict[str, dict[str, Any]], str, list[str]]:
    """The entries to show, where they come from, and the notices (rebuilding a damaged file)."""
    path = progress_file()
    notices: list[str] = []
    if path is None:
        chosen = os.environ.get(PROGRESS_ENV, "").strip()
        why = f"{PROGRESS_ENV}={chosen}" if chosen else "esta carpeta no tiene cuadernos"
        return {}, f"El progreso no se guarda en ningún archivo ({why}): solo ves lo comprobado en esta sesión.", []
    where = f"Guardado en {path}."
    entries: dict[str, dict[str, Any]] = {}
    try:
        if not path.exists():
            where = (f"Aún no hay archivo de progreso en {path}: se crea la primera vez que ejecutas "
                     "lab.comprobar en esta carpeta.")
        else:
            try:
                entries, notice = parse(path.read_text(encoding="utf-8"))
            except (DamagedFile, UnicodeDecodeError):
                notice = ""
            else:
                if not notice:
                    return entries, where, notices
            with _guard:  # damaged, or a notice to show once: rebuild or rewrite it under the lock
                notice = _update(path, None, None, keep_notice=False)
            entries = parse(path.read_text(encoding="utf-8"))[0]
            notices.append(notice)
    except OSError as exc:
        notices.append(f"No se pudo leer el progreso de {path} ({exc.strerror or exc}).")
    if _last_problem:
        notices.append(_last_problem)
    return entries, where, [n for n in notices if n]


def progress_map() -> ProgressMap:
    """Every exercise of the course with its last result: the file's, or this kernel's if newer."""
    entries, where, notices = _file_view()
    with _guard:
        for exercise_id, mine in _SESSION.items():
            if str(mine.get("fecha", "")) > str(entries.get(exercise_id, {}).get("fecha", "")):
                entries[exercise_id] = mine
    rows = []
    known, problem = course_exercises()
    if problem:
        notices.append(problem)
    for exercise_id, title in known:
        entry = entries.get(exercise_id)
        if entry is None:
            rows.append((exercise_id, title, NEVER, ""))
        else:
            rows.append((exercise_id, title, str(entry["estado"]), f"{entry['superados']}/{entry['total']}"))
    return ProgressMap(rows, where, notices)


def progreso(figura: bool = True) -> ProgressMap:
    """``lab.progreso()``: the table of every exercise with its last result, and (``figura``) its map."""
    progress = progress_map()
    if figura:
        from .plots.progress import progress as draw

        draw([(i, s) for i, _t, s, _c in progress.rows])
    return progress
