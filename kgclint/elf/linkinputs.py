"""The inputs of a link as the linker reads them: objects, archives, and the members it extracts.

A LinkObject carries the names each linker prints for it (GNU ld shows a
thin archive's member by its path, ld.lld as ``archive(member)``) and the
name script file patterns see; a LinkArchive is read whole
(``--whole-archive``) or lazily, members extracted as the linkers do.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kgclint.elf.archive import read_archive
from kgclint.elf.facts import SHN_UNDEF, STB_WEAK, ArchiveFacts, ObjectFacts
from kgclint.elf.reader import read_object
from kgclint.findings import Diagnostic
from kgclint.location import Location


@dataclass(frozen=True, slots=True, eq=False)
class LinkObject:
    """One object as the linker sees it: how it prints the name, what script file patterns see, its facts."""

    name: str
    match_name: str
    facts: ObjectFacts
    lld_name: str = ""

    def display(self, linker: str) -> str:
        """The name the linker prints: GNU ld shows a thin member by its path, ld.lld as archive(path)."""
        return (self.lld_name or self.name) if linker == "lld" else self.name


@dataclass(frozen=True, slots=True, eq=False)
class LinkArchive:
    """An archive on the command line: members in order, symbol index, and ``--whole-archive``."""

    name: str
    members: tuple[LinkObject, ...]
    index: tuple[tuple[str, int], ...]
    whole: bool = False


LinkInput = LinkObject | LinkArchive


def load_inputs(inputs: Sequence[LinkInput]) -> tuple[list[LinkObject], list[Diagnostic]]:
    """The objects the link reads, in order: plain objects, whole archives, and the members it extracts.

    Archive members are extracted as both linkers do when all archives are
    inside one ``--start-group``/``--end-group`` (and as ld.lld always does):
    a member is pulled in while it defines a symbol some loaded object
    references, undefined and not weak.
    """
    loaded: list[LinkObject] = []
    lazy: list[tuple[LinkArchive, list[bool]]] = []
    for item in inputs:
        if isinstance(item, LinkObject):
            loaded.append(item)
        elif item.whole:
            loaded.extend(item.members)
        else:
            lazy.append((item, [False] * len(item.members)))
    if not lazy:
        return loaded, []
    defined: set[str] = set()
    wanted: set[str] = set()

    def scan(obj: LinkObject) -> None:
        syms = obj.facts.symbols
        for i in range(syms.first_global, len(syms)):
            name = syms.names[i]
            if syms.shndx[i] != SHN_UNDEF:
                defined.add(name)
            elif syms.bind(i) != STB_WEAK and name:
                wanted.add(name)

    for obj in loaded:
        scan(obj)
    indexes = []
    for archive, _taken in lazy:
        index: dict[str, int] = dict(archive.index)
        if not index:
            for position, member in enumerate(archive.members):
                syms = member.facts.symbols
                for i in range(syms.first_global, len(syms)):
                    if syms.shndx[i] != SHN_UNDEF:
                        index.setdefault(syms.names[i], position)
        indexes.append(index)
    changed = True
    while changed:
        changed = False
        for (archive, taken), index in zip(lazy, indexes):
            for name in sorted(wanted - defined):
                position = index.get(name)
                if position is None or taken[position]:
                    continue
                taken[position] = True
                member = archive.members[position]
                loaded.append(member)
                scan(member)
                changed = True
    return loaded, []


def object_input(path: Path, display: str | None = None) -> LinkObject:
    """A plain object file, read from disk, named as the linker would print ``display`` (default: the path)."""
    name = display or str(path)
    facts = read_object(path.read_bytes(), name)
    return LinkObject(name=name, match_name=name, facts=facts)


def archive_input(
    path: Path,
    display: str | None = None,
    whole: bool = False,
    load_member: Callable[[str], bytes] | None = None,
) -> tuple[LinkArchive, list[Diagnostic]]:
    """An archive read from disk; a thin archive's members are read from their paths next to it."""
    name = display or str(path)
    facts = read_archive(path.read_bytes(), name)
    return archive_from_facts(facts, path.parent, whole, load_member)


def archive_from_facts(
    facts: ArchiveFacts,
    directory: Path,
    whole: bool = False,
    load_member: Callable[[str], bytes] | None = None,
    known: dict[Path, object] | None = None,
) -> tuple[LinkArchive, list[Diagnostic]]:
    """LinkArchive from archive facts; thin members are read relative to ``directory`` (the archive's folder).

    ``known`` maps resolved file paths to facts the engine already has, so a
    thin member it parsed (and cached) is not read again.
    """
    diagnostics = list(facts.diagnostics)
    members = []
    for member in facts.members:
        label = f"{facts.path}({member.name})"
        mfacts = member.facts
        target = directory / member.name if not os.path.isabs(member.name) else Path(member.name)
        if mfacts is None and known:
            cached = known.get(resolved(target))
            if isinstance(cached, ObjectFacts):
                mfacts = cached
        if mfacts is None:
            try:
                data = load_member(member.name) if load_member else target.read_bytes()
            except OSError as exc:
                diagnostics.append(Diagnostic(Location(facts.path), f"{label}: thin archive member cannot be read: {exc.strerror}"))
                data = b""
            mfacts = read_object(data, member.path or facts.path, label)
            diagnostics.extend(mfacts.diagnostics)
        # GNU ld prints a regular member as archive(member) and a thin one by its own path;
        # script file patterns see the member's name.
        name = (member.path or member.name) if facts.thin else label
        lld_name = label  # ld.lld: archive(member name as stored), thin or not
        members.append(LinkObject(name=name, match_name=posixpath.basename(member.name), facts=mfacts, lld_name=lld_name))
    return LinkArchive(name=facts.path, members=tuple(members), index=facts.index, whole=whole), diagnostics


def resolved(path: Path) -> Path:
    """The path with symlinks and '..' resolved (as is when that fails): how files are matched to facts."""
    try:
        return path.resolve()
    except OSError:
        return path
