"""Which archive members a link takes, proved on the objects and archives of a build.

This replays what GNU ld does with an archive group: objects linked in
whole contribute their defined and undefined global symbols; then each
archive member that defines a symbol still undefined is extracted, its own
undefined symbols join the list, and the archives are scanned again until
nothing changes (``--start-group``/``--end-group``). Members never
extracted are not in the image, and neither are their exported symbols.

Which objects are linked in whole and which archives are linked as
archives come from the Kbuild model (``kgclint.analysis.kbuild``); when the
tree has no makefiles, every object given is taken in whole and every
archive given as an archive.

The export marker symbols are derived from the tree's
``include/linux/export.h``: whatever ``PREFIX##sym`` it pastes
(``__ksymtab_`` in older kernels, ``__export_symbol_`` in 6.x) names, in an
object, the symbol that ``EXPORT_SYMBOL(sym)`` exports.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from kgclint.analysis.kbuild import KbuildModel
from kgclint.elf.facts import SHN_UNDEF, STB_GLOBAL, STB_WEAK, ArchiveFacts, ObjectFacts
from kgclint.elf.archive import read_archive
from kgclint.elf.reader import read_object
from kgclint.inputs import InputKind
from kgclint.project import Project

_PASTE = re.compile(r"\b(\w+)\s*##\s*sym\b")
EXPORT_HEADER = "include/linux/export.h"


@dataclass(frozen=True, slots=True)
class Member:
    """One archive member: the archive, the member's label and object path, and its symbol facts.

    ``path`` names it for messages (``lib/lib.a(foo.o)``, or the file of a
    thin member); ``object`` is the object's tree path as the Kbuild model
    names it (``lib/foo.o``).
    """

    archive: str
    name: str
    path: str
    object: str
    defined: frozenset[str]
    undefined: frozenset[str]
    exports: frozenset[str]


def symbol_sets(facts: ObjectFacts) -> tuple[frozenset[str], frozenset[str]]:
    """(defined global or weak symbols, undefined strong symbols) of one object.

    A weak undefined reference does not make ld extract an archive member, so it is left out.
    """
    symbols = facts.symbols
    defined: set[str] = set()
    undefined: set[str] = set()
    for i in range(symbols.first_global, len(symbols)):
        name = symbols.names[i]
        if not name:
            continue
        if symbols.shndx[i] == SHN_UNDEF:
            if symbols.bind(i) == STB_GLOBAL:
                undefined.add(name)
        elif symbols.bind(i) in (STB_GLOBAL, STB_WEAK):
            defined.add(name)
    return frozenset(defined), frozenset(undefined)


def export_prefixes(root: Path) -> tuple[str, ...]:
    """The symbol prefixes the tree's EXPORT_SYMBOL pastes onto the exported name."""
    try:
        text = (root / EXPORT_HEADER).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    return tuple(sorted({m.group(1) for m in _PASTE.finditer(text)}))


def exported_names(facts: ObjectFacts, prefixes: tuple[str, ...]) -> frozenset[str]:
    """The symbols an object exports, read from the export machinery's marker symbols."""
    out: set[str] = set()
    for name in facts.symbols.names:
        for prefix in prefixes:
            if name.startswith(prefix) and len(name) > len(prefix):
                out.add(name[len(prefix):])
    return frozenset(out)


class ArchiveLinkResult:
    """Members extracted (with the symbol and the object that pulled each) and members left out."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.extracted, self.left_out, self.members, self.whole_defined = {}, [], [], {}
        self.section_names = set()
        self._linked: list[tuple[str, ObjectFacts]] = []
        self._member_facts: dict[tuple[str, str], ObjectFacts] = {}
        self.prefixes = export_prefixes(project.root)
        model = project.analysis(KbuildModel)
        archives = list(project.facts(InputKind.ARCHIVE))
        objects = {o.path: o for o in project.facts(InputKind.OBJECT)}
        conditional = [a for a in archives if _conditional(a.path, model)]
        if not archives and project.options.build_dir is not None:
            archives, conditional, objects = self._recorded_link(project.options.build_dir)
        self.found = bool(conditional)
        if not archives and not objects:
            return
        member_paths: set[str] = set()
        for archive in conditional:
            for index, member in enumerate(archive.members):
                facts = member.facts or self._read(member.path)
                if facts is None:
                    continue
                defined, undefined = symbol_sets(facts)
                self.section_names.update(sec.name for sec in facts.sections)
                path = member.path or f"{archive.path}({member.name})"
                obj = _strip_build(member.path, project) if member.path else posixpath.join(
                    posixpath.dirname(_strip_build(archive.path, project)), member.name)
                member_paths.add(obj)
                self._member_facts[(archive.path, member.name)] = facts
                self.members.append(Member(archive.path, member.name, path, obj, defined, undefined,
                                           exported_names(facts, self.prefixes)))
        whole = self._whole(model, objects, member_paths, archives, conditional)
        self._linked = list(whole)
        undefined: dict[str, str] = {}
        for path, facts in whole:
            self.section_names.update(sec.name for sec in facts.sections)
            defined, refs = symbol_sets(facts)
            for name in defined:
                self.whole_defined.setdefault(name, path)
            for name in refs:
                undefined.setdefault(name, path)
        keys = [((m.archive, m.name), m.defined, m.undefined) for m in self.members]
        taken = extract([(set(self.whole_defined), set(undefined))], keys, undefined)
        for member in self.members:
            key = (member.archive, member.name)
            if key in taken:
                self.extracted[key] = taken[key]
                self._linked.append((member.path, self._member_facts[key]))
        self.left_out = [m for m in self.members if (m.archive, m.name) not in self.extracted]

    def _recorded_link(self, build_dir: Path) -> tuple[list[ArchiveFacts], list[ArchiveFacts], dict[str, ObjectFacts]]:
        """The archives and objects of the link Kbuild recorded in a build directory (``.vmlinux.o.cmd``).

        Used when the run was given a build directory but no archives as
        inputs: the record says which archives are linked in whole and which
        as a group, which is proof, not a model.
        """
        from kgclint.builddir import vmlinux_link

        build = build_dir if build_dir.is_absolute() else self.project.root / build_dir
        archives: list[ArchiveFacts] = []
        conditional: list[ArchiveFacts] = []
        objects: dict[str, ObjectFacts] = {}
        for item in vmlinux_link(build).items:
            try:
                data = (build / item.path).read_bytes()
            except OSError:
                continue
            if item.path.endswith(".a"):
                archive = read_archive(data, item.path)
                archives.append(archive)
                if not item.whole:
                    conditional.append(archive)
            elif item.whole:
                objects[item.path] = read_object(data, item.path)
        return archives, conditional, objects

    def _read(self, path: str | None) -> ObjectFacts | None:
        """A thin archive member or a built object, read from the build directory or the tree."""
        if path is None:
            return None
        for base in (self.project.options.build_dir, self.project.root):
            if base is None:
                continue
            file = (base if base.is_absolute() else self.project.root / base) / path
            try:
                return read_object(file.read_bytes(), path)
            except OSError:
                continue
        return None

    def _whole(self, model: KbuildModel, objects: dict[str, ObjectFacts], member_paths: set[str],
               archives: list[ArchiveFacts], conditional: list[ArchiveFacts]) -> list[tuple[str, ObjectFacts]]:
        """The objects linked in whole.

        The members of the archives linked in whole (``vmlinux.a``) when
        the build gives them; else the objects given that are not members
        of a conditional archive; else the Kbuild model's built-in objects,
        read from the build directory.
        """
        out: list[tuple[str, ObjectFacts]] = []
        for archive in archives:
            if archive in conditional:
                continue
            for member in archive.members:
                facts = member.facts or self._read(member.path)
                if facts is not None:
                    out.append((member.path or f"{archive.path}({member.name})", facts))
        if out:
            return out
        for path, facts in sorted(objects.items()):
            if _strip_build(path, self.project) not in member_paths:
                out.append((path, facts))
        if out or not model.objects:
            return out
        for path in sorted(model.objects):
            facts = self._read(path)
            if facts is not None:
                out.append((path, facts))
        return out

    @property
    def linked(self) -> list[tuple[str, ObjectFacts]]:
        """Every object the link takes: in whole, and the archive members it extracts."""
        return self._linked


def extract(whole, members, first_referrer: dict[str, str] | None = None) -> dict:
    """ld's archive-group extraction: which members are taken, and the symbol that pulls each.

    ``whole`` is (defined, undefined) symbol sets of what is linked in
    whole; ``members`` is (key, defined, undefined) per archive member in
    link order. A member is taken when it defines a symbol that is
    undefined so far; its own undefined symbols then count, and the members
    are scanned again until nothing changes (``--start-group``). Returns
    key -> (symbol, who referenced it first) for every member taken.
    """
    available: set[str] = set()
    referrer: dict[str, str] = dict(first_referrer or {})
    undefined: set[str] = set()
    for defined, refs in whole:
        available |= defined
        undefined |= refs
    taken: dict = {}
    changed = True
    while changed:
        changed = False
        for key, defined, refs in members:
            if key in taken:
                continue
            wanted = sorted(n for n in defined if n in undefined and n not in available)
            if not wanted:
                continue
            taken[key] = (wanted[0], referrer.get(wanted[0], ""))
            available |= defined
            for name in refs:
                undefined.add(name)
                referrer.setdefault(name, str(key))
            changed = True
    return taken


def _strip_build(path: str, project: Project) -> str:
    """A build-directory input's path relative to the build directory (objects are named so in the model)."""
    build = project.options.build_dir
    if build is not None:
        absolute = build if build.is_absolute() else project.root / build
        for prefix in (absolute.as_posix().rstrip("/") + "/", build.as_posix().rstrip("/") + "/"):
            if path.startswith(prefix):
                return path[len(prefix):]
    return posixpath.normpath(path)


def _tail(path: str, wanted: str) -> str | None:
    """``wanted`` when ``path`` is it or ends with ``/wanted`` (a build directory prefix), else None."""
    return wanted if path == wanted or path.endswith("/" + wanted) else None


def _conditional(path: str, model: KbuildModel) -> bool:
    """Whether an archive is linked as an archive: per the Kbuild model, or any archive when there is none."""
    if not model.archives and not model.objects:
        return True
    return any(link.conditional and _tail(path, name) for name, link in model.archives.items())
