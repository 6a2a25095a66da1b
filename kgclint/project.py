"""The project-wide index that rules query.

The engine fills a Project with the per-file facts of every input; rules ask
it for facts of a kind, and for shared analyses (macro tables, linker-script
models, GC reachability) that are computed once, on first use, and only if
some selected rule asks.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kgclint.inputs import InputKind

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Options:
    """What the user told kgclint about the target, shared by front-ends and analyses.

    ``arch`` None means "take it from each file's path"; ``config`` is a
    Kbuild ``.config`` (or None: consider every ``#if`` branch);
    ``build_dir`` a Kbuild ``O=`` directory with generated files and objects.
    ``cache_dir`` is where analyses may keep work between runs (the
    preprocessed linker scripts); None means keep nothing: work files go to
    a temporary folder that is removed when the run ends.
    """

    arch: str | None = None
    linker: str = "bfd"
    build_dir: Path | None = None
    config: Path | None = None
    cache_dir: Path | None = None


@dataclass
class Project:
    """Every input's facts, by kind, sorted by path, plus memoised analyses.

    ``overlay`` maps tree-relative paths to the content a patch gives them
    (None: the patch deletes the file); it is empty outside patch mode.
    ``scope`` is the tree-relative paths the user named (files or folders);
    empty means the whole tree. Analyses that walk the tree on their own
    (the Kbuild model) stay on the way to these. ``context`` holds facts of
    files read only for what they define, never reported on: the headers
    named files include (``kgclint.headers``). ``loader`` reads one more
    tree file's facts through the run's cache (``engine.load_one``), for an
    analysis that finds the files it needs as it goes (the makefiles the
    Kbuild model includes); None means the analysis parses them itself.
    ``jobs`` is how many processes an analysis may use (``--jobs``).
    """

    root: Path
    options: Options
    files: Mapping[InputKind, Sequence[Any]]
    overlay: Mapping[str, bytes | None] = field(default_factory=dict)
    scope: tuple[str, ...] = ()
    context: Mapping[InputKind, Sequence[Any]] = field(default_factory=dict)
    loader: Callable[[str, InputKind], Any] | None = field(default=None, repr=False)
    jobs: int = 1
    _analyses: dict[Callable[[Project], Any], Any] = field(default_factory=dict, repr=False)

    def facts(self, kind: InputKind) -> Sequence[Any]:
        """The facts of every file of ``kind`` (each has ``path`` and ``diagnostics``)."""
        return self.files.get(kind, ())

    def context_facts(self, kind: InputKind) -> Sequence[Any]:
        """Facts of files read as context only (see the class doc)."""
        return self.context.get(kind, ())

    def context_file(self, path: str, kind: InputKind) -> Any | None:
        """The facts of a tree file that is not an input, from the run's cache; None if there is no loader or no file."""
        return self.loader(path, kind) if self.loader is not None else None

    def analysis(self, factory: Callable[[Project], T]) -> T:
        """The result of ``factory(self)``, computed once per project.

        An analysis is any callable that takes the project: a class whose
        ``__init__`` builds an index, or a function. Rules share it by
        asking for the same callable.
        """
        try:
            return self._analyses[factory]
        except KeyError:
            result = self._analyses[factory] = factory(self)
            return result

    def read_bytes(self, path: str) -> bytes:
        """A tree file's bytes as the run sees them: a patch's new content, else the disk.

        Analyses that read files beyond their inputs (headers, included
        scripts) use this, so that patch mode sees the patched tree. Raises
        FileNotFoundError for a file the patch deletes.
        """
        if path in self.overlay:
            data = self.overlay[path]
            if data is None:
                raise FileNotFoundError(path)
            return data
        return (self.root / path).read_bytes()

    def absolute(self, path: str) -> Path:
        """The file behind a tree-relative path."""
        return self.root / path

    def scope_dirs(self) -> tuple[str, ...] | None:
        """The folders the user named, or holding the files they named; None for the whole tree."""
        if names_whole_tree(self.scope):
            return None
        folders = {p if (self.root / p).is_dir() else posixpath.dirname(p) for p in self.scope}
        return tuple(sorted(folders))

    def arch_of(self, path: str) -> str | None:
        """The architecture a file is built for: ``--arch``, else its ``arch/<name>/`` component."""
        return self.options.arch or arch_from_path(path)


def names_whole_tree(scope: Sequence[str]) -> bool:
    """Whether the tree-relative paths a user named cover the whole tree (none, or the root itself)."""
    return not scope or any(p in ("", ".") for p in scope)


def arch_from_path(path: str) -> str | None:
    """``arch/arm/kernel/head.S`` → ``arm``; None when the path names no arch."""
    parts = path.split("/")
    for i in range(len(parts) - 2):
        if parts[i] == "arch":
            return parts[i + 1]
    return None
