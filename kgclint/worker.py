"""One input file through its front-end, inside a pool worker (or in-process for -j1).

Everything a worker returns is bytes plus small records, so results cross
the process boundary cheaply and go into the cache unchanged. A front-end
that raises, or runs past the per-file time bound, gives a diagnostic for
that file and nothing else is affected.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import pickle
import signal
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from kgclint import suppressions
from kgclint.cache import content_key
from kgclint.frontends import load_frontend
from kgclint.inputs import InputKind, SourceInput

#: Kinds whose files are text written by people, so size bounds and suppressions apply.
TEXT_KINDS = frozenset({InputKind.C, InputKind.ASM, InputKind.LINKER_SCRIPT, InputKind.KBUILD, InputKind.CONFIG})


@dataclass(frozen=True, slots=True)
class Job:
    """What a worker needs to process one file."""

    relpath: str
    path: str
    kind: InputKind
    arch: str | None
    max_file_size: int
    timeout: float
    cache_file: str | None
    data: bytes | None = None  # a patch's content for this file, instead of the disk's


@dataclass(frozen=True, slots=True)
class Outcome:
    """A worker's answer: the pickled FileResult (cached when ``fresh``).

    ``transient`` marks a problem that another run may not have (a time
    bound hit on a loaded machine, an internal error), so no run that met
    one is memoised.
    """

    relpath: str
    digest: str | None
    stat: tuple[int, int, int] | None
    blob: bytes | None
    fresh: bool
    problem: tuple[str, str] | None  # (code, message) when the file could not be processed
    transient: bool = False


@dataclass(frozen=True, slots=True)
class FileResult:
    """A front-end's facts for one file, with what the engine itself needs of that file."""

    facts: object | None
    suppressions: tuple[suppressions.Suppression, ...]
    lines: int


class FileTimeout(Exception):
    """Raised by the alarm when one file's front-end runs past its bound."""


#: Set by the alarm, so that a timeout raised inside a native library's
#: callback, which the library may wrap in an exception of its own, is
#: still reported as a timeout.
_alarm_fired = False


def _on_alarm(signum: int, frame: object) -> None:
    global _alarm_fired
    _alarm_fired = True
    raise FileTimeout


_cache_connection: sqlite3.Connection | None = None
_cache_connection_file: str | None = None


def _cached_blob(cache_file: str | None, key: str) -> bytes | None:
    """Look a key up in the cache, read-only, from inside a worker."""
    global _cache_connection, _cache_connection_file
    if cache_file is None:
        return None
    try:
        if _cache_connection is None or _cache_connection_file != cache_file:
            _cache_connection = sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True, timeout=30)
            _cache_connection_file = cache_file
        row = _cache_connection.execute("SELECT blob FROM results WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _too_big(job: Job, size: int) -> Outcome | None:
    if job.kind in TEXT_KINDS and size > job.max_file_size:
        return Outcome(job.relpath, None, None, None, False, (
            "KGC004",
            f"skipped: {size / 2**20:.1f} MiB is over the {job.max_file_size / 2**20:.0f} MiB limit (max-file-size)",
        ))
    return None


def _read(job: Job) -> tuple[bytes | None, tuple[int, int, int] | None, Outcome | None]:
    """The file's bytes and stat (none for a patch's content), or the outcome that says why not."""
    if job.data is not None:
        return job.data, None, _too_big(job, len(job.data))
    try:
        info = os.stat(job.path)
    except OSError as exc:
        return None, None, Outcome(job.relpath, None, None, None, False, ("KGC001", f"cannot read: {exc.strerror or exc}"))
    refusal = _too_big(job, info.st_size)
    if refusal is not None:
        return None, None, refusal
    try:
        data = Path(job.path).read_bytes()
    except OSError as exc:
        return None, None, Outcome(job.relpath, None, None, None, False, ("KGC001", f"cannot read: {exc.strerror or exc}"))
    return data, (info.st_size, info.st_mtime_ns, info.st_ino), None


def process(job: Job) -> Outcome:
    """Read, hash, look up, and if need be parse one file."""
    data, stat_key, refusal = _read(job)
    if refusal is not None or data is None:
        return refusal
    digest = hashlib.blake2b(data, digest_size=20).hexdigest()
    key = content_key(digest, job.kind, job.arch, job.relpath)
    blob = _cached_blob(job.cache_file, key)
    if blob is not None:
        return Outcome(job.relpath, digest, stat_key, blob, False, None)
    global _alarm_fired
    _alarm_fired = False
    frontend = load_frontend(job.kind)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, job.timeout)
    try:
        facts = frontend(SourceInput(job.relpath, data, job.arch)) if frontend else None
        marks = suppressions.extract(data) if job.kind in TEXT_KINDS else ()
    except Exception as exc:  # one bad file must not stop the run
        if isinstance(exc, FileTimeout) or _alarm_fired:
            return Outcome(job.relpath, digest, stat_key, None, False, (
                "KGC004", f"skipped: reading took longer than {job.timeout:g} s (file-timeout)",
            ), transient=True)
        where = f"front-end {job.kind.value}"
        return Outcome(job.relpath, digest, stat_key, None, False, (
            "KGC003", f"internal error in {where}: {type(exc).__name__}: {exc}",
        ), transient=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    result = FileResult(facts, marks, data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0))
    return Outcome(job.relpath, digest, stat_key, pack(result), True, None)


@functools.lru_cache(maxsize=None)
def _constructor_fields(cls: type) -> tuple[str, ...] | None:
    """The fields a slotted dataclass is rebuilt from by calling it, or None if calling it would not rebuild it."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        return None
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields):
        return None
    return tuple(f.name for f in fields)


class _FactsPickler(pickle.Pickler):
    """Pickles slotted dataclasses as constructor calls.

    The generic ``__setstate__`` dataclasses give slotted classes looks up
    ``fields()`` for every object it restores, which made loading a warm
    tree's facts (some 1.5 million records) slower than parsing them.
    """

    def reducer_override(self, obj: object) -> object:
        names = _constructor_fields(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple(getattr(obj, name) for name in names)


def dumps(result: FileResult) -> bytes:
    """A FileResult's bytes (see ``_FactsPickler``)."""
    buffer = io.BytesIO()
    _FactsPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return buffer.getvalue()


def pack(result: FileResult) -> bytes:
    """The blob of a FileResult, as workers hand it over and the cache keeps it."""
    return zlib.compress(dumps(result), 1)


def load(blob: bytes) -> FileResult:
    """The FileResult inside a blob from a worker or the cache."""
    return pickle.loads(zlib.decompress(blob))
