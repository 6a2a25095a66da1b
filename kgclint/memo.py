"""Whole-run memo: an unchanged tree checked again gives the stored rule output without loading any facts.

The per-file cache makes a warm run skip the front-ends, but the project
analyses (macro expansion over every file of the tree) still run. When the
inputs, the rules and the options are all the same as in an earlier run, so
are the rules' findings; the memo keeps them, keyed by:

- kgclint's code fingerprint and each enabled rule's package sources;
- the options and the engine's limits that change what is read;
- every input's path, kind, arch and content hash (from the stat index, so
  no file is read), or its size, mtime and inode when the run could not
  hash it (a file over the size limit).

Only runs whose rules read nothing but their inputs are memoised: facts of
C and assembly files of the whole tree (a run over named files also reads
the headers they include). Linker-script analyses run ``cpp`` over headers that
are not inputs, and Kbuild or object rules read a build directory, so their
results are not a function of the inputs' contents alone. Patch mode reads
an overlay, not the disk, and is never memoised either.

A run is stored only if no input's stat changed while it ran, so a file
edited mid-run cannot leave findings of its old content under its new key.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import sqlite3
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kgclint.cache import StatEntry, code_fingerprint, open_cache
from kgclint.discovery import Discovered
from kgclint.findings import Finding
from kgclint.inputs import InputKind
from kgclint.plugins import RuleInfo
from kgclint.project import Options, arch_from_path
from kgclint.suppressions import Suppression

#: Input kinds whose rules and analyses read only the inputs' facts (see the module doc).
CLOSED_KINDS = frozenset({InputKind.C, InputKind.ASM})
#: Memoised runs kept; older ones are dropped when a new one is stored.
KEEP_RUNS = 8


@dataclass(frozen=True)
class RunOutput:
    """What a run's rules and front-ends said, before selection, ignores, suppressions and baseline."""

    findings: list[Finding]
    suppressions: dict[str, tuple[Suppression, ...]]
    lines: int


def eligible(kinds: frozenset[InputKind], options: Options, overlay: Mapping[str, object], reads_headers: bool) -> bool:
    """Whether a run over these kinds and options is a function of its inputs' contents alone.

    ``reads_headers``: the run also reads the headers its inputs include
    (``kgclint.headers``), which are not inputs and so not in the key.
    """
    return (
        bool(kinds) and kinds <= CLOSED_KINDS and not overlay and not reads_headers
        and options.build_dir is None and options.config is None
    )


@lru_cache(maxsize=None)
def _package_fingerprint(module_name: str) -> str:
    """A hash of every Python source of the top-level package a rule comes from."""
    top = importlib.import_module(module_name.split(".", 1)[0])
    origin = Path(getattr(top, "__file__", "") or "")
    digest = hashlib.sha256(module_name.split(".", 1)[0].encode())
    folder = origin.parent
    sources = sorted(folder.rglob("*.py")) if origin.name == "__init__.py" else [origin]
    for source in sources:
        try:
            digest.update(source.relative_to(folder).as_posix().encode())
            digest.update(source.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()[:16]


def _file_token(path: str, known: Mapping[str, StatEntry], info: os.stat_result | None) -> str:
    """The content hash the stat index vouches for, else the stat itself, else "missing"."""
    if info is None:
        return "missing"
    entry = known.get(path)
    if entry is not None and entry.matches(info):
        return entry.digest
    return f"stat:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


class RunMemo:
    """Stored rule output by run key, in the results cache's database."""

    def __init__(self, cache_dir: Path, files: Sequence[Discovered], rules: Sequence[RuleInfo],
                 options: Options, limits: tuple[object, ...]) -> None:
        self.cache_dir = cache_dir
        self.files = files
        head = hashlib.sha256()
        head.update(code_fingerprint().encode())
        for info in sorted(rules, key=lambda i: i.code):
            head.update(f"{info.code}={info.distribution}:{_package_fingerprint(info.rule.__module__)};".encode())
        head.update(repr((options.arch, options.linker, limits)).encode())
        self._head = head
        self._paths = [os.path.abspath(item.path) for item in files]
        self._before: list[os.stat_result | None] = [_stat(path) for path in self._paths]

    def _key(self, stats: list[os.stat_result | None]) -> str | None:
        cache, _warning = open_cache(self.cache_dir)
        if cache is None:
            return None
        try:
            known = cache.stats(self._paths)
        finally:
            cache.close()
        digest = self._head.copy()
        for item, path, info in zip(self.files, self._paths, stats):
            arch = arch_from_path(item.relpath)
            digest.update(f"{item.relpath}\0{item.kind.value}\0{arch}\0{_file_token(path, known, info)}\n".encode())
        return digest.hexdigest()

    def recall(self) -> RunOutput | None:
        """The stored output of a run over exactly these inputs, if there is one."""
        key = self._key(self._before)
        if key is None:
            return None
        try:
            with sqlite3.connect(self._database(), timeout=30) as db:
                row = db.execute("SELECT blob FROM runs WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        try:
            return pickle.loads(zlib.decompress(row[0]))
        except Exception:  # a damaged row is a miss, not a crash
            return None

    def store(self, output: RunOutput) -> None:
        """Keep this run's output, unless an input changed while it ran."""
        after = [_stat(path) for path in self._paths]
        if any(_identity(a) != _identity(b) for a, b in zip(self._before, after)):
            return
        key = self._key(after)
        if key is None:
            return
        blob = zlib.compress(pickle.dumps(output, protocol=pickle.HIGHEST_PROTOCOL), 1)
        try:
            with sqlite3.connect(self._database(), timeout=30) as db:
                db.execute("INSERT OR REPLACE INTO runs (key, stamp, blob) VALUES (?, "
                           "(SELECT COALESCE(MAX(stamp), 0) + 1 FROM runs), ?)", (key, blob))
                db.execute("DELETE FROM runs WHERE stamp <= (SELECT MAX(stamp) FROM runs) - ?", (KEEP_RUNS,))
        except sqlite3.Error:
            return  # an unwritable cache was already reported by the per-file cache

    def _database(self) -> Path:
        return self.cache_dir / "results.sqlite"


def _identity(info: os.stat_result | None) -> tuple[int, int, int] | None:
    return None if info is None else (info.st_size, info.st_mtime_ns, info.st_ino)
