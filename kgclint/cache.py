"""The per-file results cache: front-end facts keyed by content, kept between runs.

A result is stored under the hash of the file's bytes, its path, kind, arch and
kgclint's code fingerprint (the version plus a hash of the package sources,
so a changed front-end never serves stale facts). A second table remembers
each path's size, mtime and inode with its content hash, so a warm run over
an unchanged tree reads no file at all; a third keeps whole-run rule output
(``kgclint.memo``). The cache is a single SQLite file;
when it cannot be opened or written (a read-only directory), kgclint warns
once and runs without it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import kgclint

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, blob BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS stats (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, inode INTEGER, digest TEXT
);
CREATE TABLE IF NOT EXISTS runs (key TEXT PRIMARY KEY, stamp INTEGER, blob BLOB NOT NULL);
"""

#: Above this many paths, the stat index is read whole rather than path by path.
FULL_SCAN = 5000


def default_cache_dir() -> Path:
    """``$KGCLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/kgclint``, else ``~/.cache/kgclint``."""
    explicit = os.environ.get("KGCLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kgclint"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """kgclint's version and a hash of its own and its built-in rules' sources."""
    digest = hashlib.sha256(kgclint.__version__.encode())
    package = Path(kgclint.__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def content_key(digest: str, kind: str, arch: str | None, relpath: str) -> str:
    """The results key of one file's bytes at one path, as one kind for one arch, under this kgclint.

    The path is part of the key because facts carry their own locations:
    two identical headers at different paths have different facts.
    """
    return f"{code_fingerprint()}:{kind}:{arch or '-'}:{relpath}:{digest}"


@dataclass(frozen=True, slots=True)
class StatEntry:
    """What a file looked like when its content hash was taken."""

    size: int
    mtime_ns: int
    inode: int
    digest: str

    def matches(self, info: os.stat_result) -> bool:
        """Whether the file still looks as it did when hashed, so the digest can be trusted unread."""
        return (info.st_size, info.st_mtime_ns, info.st_ino) == (self.size, self.mtime_ns, self.inode)


class ResultCache:
    """Facts blobs by content key, and content hashes by path and stat."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "results.sqlite"
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.executescript(SCHEMA)
        self._db.commit()

    def stats(self, paths: Sequence[str] | None = None) -> dict[str, StatEntry]:
        """The remembered stat and digest of ``paths`` (absolute), or of every path.

        A few paths are looked up one query per few hundred; a whole tree's are
        read in one scan, which is faster than tens of thousands of lookups.
        """
        if paths is None or len(paths) > FULL_SCAN:
            rows = self._db.execute("SELECT path, size, mtime_ns, inode, digest FROM stats")
            return {path: StatEntry(size, mtime, inode, digest) for path, size, mtime, inode, digest in rows}
        found: dict[str, StatEntry] = {}
        for start in range(0, len(paths), 500):
            chunk = list(paths[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT path, size, mtime_ns, inode, digest FROM stats WHERE path IN ({marks})", chunk)
            found.update((path, StatEntry(size, mtime, inode, digest)) for path, size, mtime, inode, digest in rows)
        return found

    def iter_many(self, keys: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(key, blob) for those keys that are present, a few hundred at a time, so memory stays flat."""
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(f"SELECT key, blob FROM results WHERE key IN ({marks})", chunk)

    def put_many(self, results: Iterable[tuple[str, bytes]], stats: Iterable[tuple[str, StatEntry]]) -> None:
        """Store new blobs and stats in one transaction."""
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO results (key, blob) VALUES (?, ?)", results)
            self._db.executemany(
                "INSERT OR REPLACE INTO stats (path, size, mtime_ns, inode, digest) VALUES (?, ?, ?, ?, ?)",
                ((path, s.size, s.mtime_ns, s.inode, s.digest) for path, s in stats),
            )

    def close(self) -> None:
        self._db.close()


def open_cache(directory: Path) -> tuple[ResultCache | None, str | None]:
    """The cache, or None with the reason it cannot be used (the run goes on uncached).

    Writability is asked of the file system, not proved with a write: a
    write transaction syncs the database to disk, which after a cold run
    over a whole tree (hundreds of MB just written) took seconds.
    """
    try:
        cache = ResultCache(directory)
    except (OSError, sqlite3.Error) as exc:
        return None, f"cache directory {directory} is not usable ({exc}); running without a cache"
    if not (os.access(directory, os.W_OK) and os.access(cache.path, os.W_OK)):
        cache.close()
        return None, f"cache directory {directory} is not usable (not writable); running without a cache"
    return cache, None
