"""The pipeline: discover inputs, run front-ends (pooled, cached), build the project, run rules, filter.

Output is a function of the inputs alone: facts are ordered by path,
findings are sorted, and the same code runs for ``-j1`` and ``-jN``, cached
or not, so the bytes a reporter prints do not depend on how the run was
scheduled.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kgclint.cache import ResultCache, StatEntry, content_key, open_cache
from kgclint.discovery import Discovered, discover
from kgclint.findings import Diagnostic, Finding
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.project import Options, Project
from kgclint.suppressions import Suppression
from kgclint.worker import FileResult, Job, Outcome, load, pack, process

#: Below this many files to parse, a pool costs more than it saves.
POOL_THRESHOLD = 16


@dataclass(frozen=True)
class EngineSettings:
    """How to run, as opposed to what to check."""

    jobs: int = 1
    cache_dir: Path | None = None
    max_file_size: int = 8 * 1024 * 1024
    file_timeout: float = 30.0
    progress: bool = False


@dataclass
class LoadedInputs:
    """Every input's front-end result, and the problems met while loading."""

    results: dict[str, tuple[InputKind, FileResult]] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parsed: int = 0
    cached: int = 0
    #: some file met a problem another run may not meet (``Outcome.transient``)
    transient: bool = False


@dataclass(frozen=True)
class FactsView:
    """The part of a kind's facts one reader needs, kept in the cache under a key of its own.

    A hook run reads a thousand headers only for their macros: loading
    their whole facts (definitions, item heads) cost more than the rules.
    ``name`` tells the view's cache entries apart; ``project`` makes the
    view from full facts.
    """

    name: str
    project: Callable[[Any], Any]


def core_finding(code: str, message: str, location: Location) -> Finding:
    """A finding of one of the engine's own codes."""
    from kgclint.core_codes import CORE_CODES

    severity = next(c.severity for c in CORE_CODES if c.code == code)
    return Finding(code=code, severity=severity, message=message, location=location)


def load_inputs(
    root: Path,
    files: Sequence[Discovered],
    options: Options,
    settings: EngineSettings,
    overlay: Mapping[str, bytes | None] | None = None,
    view: FactsView | None = None,
) -> LoadedInputs:
    """Run (or fetch from the cache) the front-end of every file; ``overlay`` content wins over the disk.

    With ``view``, every result holds only that view of the facts, cached under the view's own key.
    """
    overlay = overlay or {}
    loaded = LoadedInputs()
    cache: ResultCache | None = None
    if settings.cache_dir is not None:
        cache, warning = open_cache(settings.cache_dir)
        if warning:
            loaded.warnings.append(warning)
    absolute = [os.path.abspath(f.path) for f in files]
    known = cache.stats(absolute) if cache else {}
    arch_of = {f.relpath: options.arch or _arch(f.relpath) for f in files}
    pending: list[Discovered] = []
    hits: dict[str, Discovered] = {}
    for item, path in zip(files, absolute):
        entry = None if item.relpath in overlay else known.get(path)
        if entry is not None:
            try:
                info = os.stat(path)
            except OSError:
                info = None
            if info and entry.matches(info):
                hits[content_key(entry.digest, _kind_key(item.kind, view), arch_of[item.relpath], item.relpath)] = item
                continue
        pending.append(item)
    if cache and hits:
        found: set[str] = set()
        for key, blob in cache.iter_many(hits):
            item = hits[key]
            loaded.results[item.relpath] = (item.kind, load(blob))
            loaded.cached += 1
            found.add(key)
        pending.extend(item for key, item in hits.items() if key not in found)
    cache_file = str(cache.path) if cache else None
    jobs = [
        Job(
            item.relpath, str(item.path), item.kind, arch_of[item.relpath], settings.max_file_size,
            settings.file_timeout, cache_file, overlay.get(item.relpath),
        )
        for item in sorted(pending, key=lambda f: f.relpath)
    ]
    by_rel = {item.relpath: item for item in pending}
    pending_writes = _CacheWriter(cache, loaded.warnings)
    for outcome in _run_jobs(jobs, settings):
        item = by_rel[outcome.relpath]
        if outcome.problem is not None:
            code, message = outcome.problem
            loaded.problems.append(core_finding(code, message, Location(outcome.relpath)))
            loaded.transient |= outcome.transient
            continue
        assert outcome.blob is not None and outcome.digest is not None
        result = load(outcome.blob)
        arch = arch_of[item.relpath]
        if outcome.fresh:
            loaded.parsed += 1
            pending_writes.result(content_key(outcome.digest, item.kind, arch, item.relpath), outcome.blob)
        else:
            loaded.cached += 1
        if view is not None:
            result = replace(result, facts=view.project(result.facts) if result.facts is not None else None)
            pending_writes.result(content_key(outcome.digest, _kind_key(item.kind, view), arch, item.relpath),
                                  pack(result))
        loaded.results[outcome.relpath] = (item.kind, result)
        if outcome.stat is not None:  # a patch's content has no file on disk to remember
            size, mtime, inode = outcome.stat
            pending_writes.stat(os.path.abspath(item.path), StatEntry(size, mtime, inode, outcome.digest))
    pending_writes.close()
    return loaded


def _kind_key(kind: InputKind, view: FactsView | None) -> str:
    """The kind part of a cache key: the kind, or the kind and the view."""
    return str(kind) if view is None else f"{kind}@{view.name}"


class _CacheWriter:
    """Stores fresh results in batches, so a cold run over a whole tree never holds every blob at once."""

    BATCH = 2000

    def __init__(self, cache: ResultCache | None, warnings: list[str]) -> None:
        self.cache = cache
        self.warnings = warnings
        self.blobs: list[tuple[str, bytes]] = []
        self.stats: list[tuple[str, StatEntry]] = []

    def result(self, key: str, blob: bytes) -> None:
        self.blobs.append((key, blob))
        if len(self.blobs) >= self.BATCH:
            self.flush()

    def stat(self, path: str, entry: StatEntry) -> None:
        self.stats.append((path, entry))
        if len(self.stats) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.cache is not None and (self.blobs or self.stats):
            try:
                self.cache.put_many(self.blobs, self.stats)
            except Exception as exc:  # sqlite3.Error, OSError: a read-only cache degrades to none
                self.warnings.append(f"cache {self.cache.path} could not be written ({exc}); results not kept")
                self.cache = None
        self.blobs, self.stats = [], []

    def close(self) -> None:
        self.flush()
        if self.cache is not None:
            self.cache.close()


def _arch(relpath: str) -> str | None:
    from kgclint.project import arch_from_path

    return arch_from_path(relpath)


def _run_jobs(jobs: list[Job], settings: EngineSettings) -> Iterable[Outcome]:
    """Outcomes in job order, from a pool when there is enough to do."""
    progress = _progress(len(jobs), settings.progress)
    if settings.jobs <= 1 or len(jobs) < POOL_THRESHOLD:
        for job in jobs:
            yield process(job)
            progress.update(1)
    else:
        chunk = max(1, min(64, len(jobs) // (settings.jobs * 8) or 1))
        with ProcessPoolExecutor(max_workers=settings.jobs) as pool:
            for outcome in pool.map(process, jobs, chunksize=chunk):
                yield outcome
                progress.update(1)
    progress.close()


def _progress(total: int, wanted: bool):
    """A progress bar on stderr for long runs on a terminal; a no-op otherwise."""
    from tqdm import tqdm

    show = wanted and total >= 500 and sys.stderr.isatty()
    return tqdm(total=total, disable=not show, file=sys.stderr, unit="file", leave=False)


def load_one(
    root: Path, relpath: str, kind: InputKind, options: Options, settings: EngineSettings,
    overlay: Mapping[str, bytes | None] | None = None,
) -> object | None:
    """One tree file's facts through the cache, for an analysis that reads beyond its inputs; None if unreadable."""
    path = root / relpath
    if relpath in (overlay or {}) or path.is_file():
        loaded = load_inputs(root, [Discovered(relpath, path, kind)], options, settings, overlay)
        if relpath in loaded.results:
            return loaded.results[relpath][1].facts
    return None


def project_from(
    root: Path, options: Options, loaded: LoadedInputs, overlay: Mapping[str, bytes | None] | None = None,
    scope: tuple[str, ...] = (),
) -> Project:
    """The Project rules see: facts per kind, in path order; ``scope`` as in ``Project``."""
    by_kind: dict[InputKind, list[object]] = defaultdict(list)
    for relpath in sorted(loaded.results):
        kind, result = loaded.results[relpath]
        if result.facts is not None:
            by_kind[kind].append(result.facts)
    return Project(root=root, options=options, files=dict(by_kind), overlay=dict(overlay or {}), scope=scope)


def build_project(
    root: Path,
    paths: list[Path],
    options: Options,
    kinds: Iterable[InputKind],
    settings: EngineSettings | None = None,
) -> Project:
    """Discover and load inputs of ``kinds`` under ``paths`` and return the project (for tools and tests)."""
    files, _problems = discover(root, paths, frozenset(kinds))
    loaded = load_inputs(root, files, options, settings or EngineSettings())
    return project_from(root, options, loaded)


def diagnostic_findings(loaded: LoadedInputs) -> list[Finding]:
    """Front-end diagnostics as KGC001 findings."""
    findings: list[Finding] = []
    for relpath in sorted(loaded.results):
        _kind, result = loaded.results[relpath]
        diagnostics: Sequence[Diagnostic] = getattr(result.facts, "diagnostics", ())
        for diagnostic in diagnostics:
            findings.append(core_finding("KGC001", diagnostic.message, diagnostic.location))
    return findings


def suppressions_by_file(loaded: LoadedInputs) -> dict[str, tuple[Suppression, ...]]:
    """Every file's inline suppressions."""
    return {rel: result.suppressions for rel, (_kind, result) in loaded.results.items() if result.suppressions}


def lines_checked(loaded: LoadedInputs) -> int:
    """Lines read, for checkpatch's closing total."""
    return sum(result.lines for _kind, result in loaded.results.values())

