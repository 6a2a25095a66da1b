"""Files outside Kbuild's folders that a build still compiles, because a file it compiles includes them.

A folder Kbuild's descent never reaches (``tools/``) holds user-space
programs and their headers, which no kernel script links. Yet a kernel
file may pull such a file in by a quoted relative path (``kernel/bpf/
btf.c`` includes ``../../tools/lib/bpf/relo_core.h``, ``kernel/bpf/
btf_iter.c`` a whole ``.c`` from there), and then its placements are the
kernel's. This analysis follows quoted includes from every file of the
build (a source in a reached folder, or a file under an include search
folder) into unreached folders, through the files found there in turn;
``closure`` does the same from any other set of files (the sources a
make rule links).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable

from kgclint.c.include_paths import beside, includes_of, on_search_path, search_folders
from kgclint.inputs import InputKind
from kgclint.project import Project


class IncludedFromBuild:
    """The tree files in unreached folders that a file of the build includes, directly or through each other."""

    def __init__(self, project: Project, unreached: Callable[[str], bool]) -> None:
        #: quoted includes that land in unreached folders, by including file
        self.edges: dict[str, set[str]] = {}
        for facts in _every_facts(project):
            for name, quoted in includes_of(facts):
                for target in _landings(facts.path, name, quoted, project.arch_of(facts.path)):
                    if not target.startswith("../") and not on_search_path(target) and unreached(target):
                        self.edges.setdefault(facts.path, set()).add(target)
        built = [source for source in self.edges if not unreached(source) or on_search_path(source)]
        self.files: frozenset[str] = self.closure(built) - frozenset(built)

    def closure(self, starts: Iterable[str]) -> frozenset[str]:
        """``starts`` and every file they include, directly or in turn, in unreached folders."""
        found: set[str] = set()
        todo = list(starts)
        while todo:
            path = todo.pop()
            if path not in found:
                found.add(path)
                todo.extend(self.edges.get(path, ()))
        return frozenset(found)


def _landings(includer: str, name: str, quoted: bool, arch: str | None) -> Iterable[str]:
    """Where an include may land off the search path: beside the includer (quoted), or out of a search
    folder by ``..`` (``kernel/bpf/btf.c``'s ``"../tools/lib/bpf/relo_core.h"`` is found through
    ``-I include``). A plain ``<linux/x.h>`` lands on the search path, which is in the build anyway."""
    if quoted:
        yield beside(includer, name)
    if ".." in name:
        yield from (posixpath.normpath(posixpath.join(folder, name)) for folder in search_folders(arch))


def _every_facts(project: Project) -> Iterable[object]:
    """The facts of every C and assembly file the run has, inputs and context alike."""
    for kind in (InputKind.C, InputKind.ASM):
        yield from project.facts(kind)
        yield from project.context_facts(kind)
