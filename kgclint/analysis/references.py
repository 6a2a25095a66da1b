"""Which source files name an identifier: one inverted index over every C and assembly file's references.

The linker-script analyses ask it for boundary symbols (``__start_X``),
placed symbols and script symbols, thousands of times in a whole-tree
audit. Each C file keeps its identifier set compressed
(``CFacts.references``); opening all of them into sets, and scanning
those sets once per question, took gigabytes and most of a whole-tree
run. Here every set is opened once, each name is stored once
(``sys.intern``), and a question is one dictionary look-up.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from kgclint.inputs import InputKind
from kgclint.project import Project


class ReferenceIndex:
    """Identifier → the files naming it (C: any use; assembly: an operand): ``project.analysis(ReferenceIndex)``."""

    def __init__(self, project: Project) -> None:
        # (path, facts, the attribute holding its names): each set is opened only while it is indexed
        sources = [(facts.path, facts, "references") for facts in project.facts(InputKind.C)]
        sources += [(facts.path, facts, "symbol_refs") for facts in project.facts(InputKind.ASM)]
        sources.sort(key=lambda source: source[0])
        self._paths: list[str] = [path for path, _facts, _attribute in sources]
        #: name → index of the one file naming it, or a list of indexes in path order (most names have one file)
        self._files: dict[str, int | list[int]] = {}
        files = self._files
        intern = sys.intern
        for number, (_path, facts, attribute) in enumerate(sources):
            for name in getattr(facts, attribute, frozenset()):
                known = files.get(name)
                if known is None:
                    files[intern(name)] = number
                elif isinstance(known, int):
                    files[name] = [known, number]
                else:
                    known.append(number)

    def __contains__(self, name: object) -> bool:
        return name in self._files

    def __len__(self) -> int:
        return len(self._files)

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def files(self, name: str) -> tuple[str, ...]:
        """The files that name ``name``, in path order."""
        known = self._files.get(name)
        if known is None:
            return ()
        if isinstance(known, int):
            return (self._paths[known],)
        return tuple(self._paths[number] for number in known)
