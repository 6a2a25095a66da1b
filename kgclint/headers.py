"""The headers a run over named files reads for their macros, as the compiler would include them.

A whole-tree run learns ``__init``, ``__section`` or ``EXPORT_SYMBOL`` from
the facts of ``include/`` and ``arch/<arch>/include/``, which are among its
inputs. A run over a few named files (a pre-commit hook) has none of them,
and would see no section placed through a macro at all. So the headers the
named files include, and those they include in turn, are loaded too
(through the same cache, so a warm run parses none of them), resolved the
way Kbuild's include path resolves them (``kgclint.c.include_paths``).
They serve the macro table only: no rule reports on them, so a pre-commit
hook says nothing about files the commit does not touch.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping
from pathlib import Path

from kgclint.analysis.macros import DEFAULT_ARCH
from kgclint.c.include_paths import includes_of, resolve
from kgclint.discovery import Discovered
from kgclint.c.facts import CFacts
from kgclint.engine import EngineSettings, FactsView, load_inputs
from kgclint.inputs import InputKind
from kgclint.project import Options, arch_from_path

#: What a context header is read for: the macro table needs its defines and includes, nothing else.
MACROS_VIEW = FactsView("macros", CFacts.macros_only)
#: A bound on the headers followed, far above what one kernel file includes (a few hundred).
MAX_HEADERS = 20_000


def _files_in(folder: str) -> frozenset[str]:
    """The names of the regular files (or links to them) in a folder; none if it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(e.name for e in entries if e.is_file())
    except OSError:
        return frozenset()


def included_headers(
    root: Path,
    inputs: Iterable[object],
    options: Options,
    settings: EngineSettings,
    overlay: Mapping[str, bytes | None] | None = None,
) -> list[object]:
    """The facts of every header the inputs include, transitively, that is not an input itself."""
    overlay = overlay or {}
    # A kernel file's includes are mostly the same few hundred ``<linux/...>`` names: look each up
    # once, and list each folder once rather than asking the file system about every candidate.
    listings: dict[str, frozenset[str]] = {}
    resolved: dict[tuple[str, str, str], str | None] = {}

    def is_file(path: str) -> bool:
        if path in overlay:
            return overlay[path] is not None
        folder, _, name = path.rpartition("/")
        if folder not in listings:
            listings[folder] = _files_in(os.path.join(root, folder))
        return name in listings[folder]

    def lookup(name: str, quoted: bool, includer: str, arch: str) -> str | None:
        key = (name, posixpath.dirname(includer) if quoted else "", arch)
        if key not in resolved:
            resolved[key] = resolve(name, quoted, includer, arch, is_file)
        return resolved[key]

    # (facts, the arch whose include path applies): a header is read with its includer's arch
    frontier = [(facts, options.arch or arch_from_path(facts.path) or DEFAULT_ARCH) for facts in inputs]
    seen = {facts.path for facts, _arch in frontier}
    found: list[object] = []
    while frontier and len(seen) < MAX_HEADERS:
        wanted: dict[str, str] = {}
        for facts, arch in frontier:
            for name, quoted in includes_of(facts):
                path = lookup(name, quoted, facts.path, arch)
                if path is not None and path not in seen:
                    seen.add(path)
                    wanted[path] = arch_from_path(path) or arch
        batch = [Discovered(path, root / path, InputKind.C) for path in sorted(wanted)]
        loaded = load_inputs(root, batch, options, settings, overlay, MACROS_VIEW)
        frontier = [(loaded.results[path][1].facts, wanted[path]) for path in sorted(loaded.results)
                    if loaded.results[path][1].facts is not None]
        found.extend(facts for facts, _arch in frontier)
    return sorted(found, key=lambda facts: facts.path)
