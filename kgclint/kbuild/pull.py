"""Which archive members the link pulls in, predicted from sources and the Kbuild model.

A linker takes an archive member only when it defines a symbol that is
still undefined: referenced by something already in the link and defined
nowhere in it. From sources this is: the global definitions of each
``lib-y`` member against the identifiers the linked files use, repeated
until nothing more is pulled (a pulled member's own references can pull
others, as ``--start-group`` makes ld do).

Linked files are the C and assembly sources of built-in objects (and of
members of a ``lib.a`` the tree links in whole). Headers do not count as
files (a prototype is not a reference), but their macros do: a linked file
that uses ``isdigit`` uses what the macro's body names (``_ctype``), so
identifiers are closed over every ``#define`` body in the tree.
Identifiers count wherever the front-end saw them (comments too), so a
member is taken as pulled whenever some linked file might use it: a
finding means no linked file names any of its symbols, directly or
through a macro.
"""

from __future__ import annotations

import posixpath
import re

from kgclint.analysis.kbuild import KbuildModel
from kgclint.inputs import InputKind
from kgclint.project import Project


class SourcePull:
    """The lib-y members a link would take, and why each one is taken (or not)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        model = project.analysis(KbuildModel)
        c_facts = {f.path: f for f in project.facts(InputKind.C)}
        asm_facts = {f.path: f for f in project.facts(InputKind.ASM)}

        def references(sources: tuple[str, ...]) -> set[str]:
            out: set[str] = set()
            for source in sources:
                if source in c_facts:
                    out |= c_facts[source].references
                elif source in asm_facts:
                    out |= asm_facts[source].symbol_refs
            return out

        def definitions(sources: tuple[str, ...]) -> frozenset[str]:
            out: set[str] = set()
            for source in sources:
                if source in c_facts:
                    for facts in [c_facts[source], *_included_c(project, c_facts[source], c_facts)]:
                        out |= {d.name for d in facts.definitions if d.storage != "static"}
                        # DEFINE_PER_CPU(type, name) and friends define through a macro: count its arguments
                        for item in facts.items:
                            call = _C_DEFINER.match(item.text)
                            if call:
                                out |= item.idents - {call.group(1)}
                elif source in asm_facts:
                    out |= set(asm_facts[source].labels) | _macro_defined(project, source)
            return frozenset(out)

        macros = _macro_references(c_facts.values())
        exported = _exports_by_path(project) if c_facts or asm_facts else {}

        def note(names: set[str] | frozenset[str], by: str) -> None:
            """Record who references each name, and through macros what they expand to."""
            work = [n for n in names if n not in referenced_by]
            for name in work:
                referenced_by[name] = by
            while work:
                name = work.pop()
                for inner in macros.get(name, ()):
                    if inner not in referenced_by:
                        referenced_by[inner] = by
                        work.append(inner)

        # who (which linked object) references each identifier: the first one, for messages
        referenced_by: dict[str, str] = {}
        for obj in sorted(model.linked_objects(), key=lambda o: o.path):
            note(references(obj.sources), obj.path)
        members = sorted(model.library.values(), key=lambda o: o.path)
        # What a file exports it defines (modpost insists): this also covers definitions a front-end missed.
        self.definitions = {m.path: definitions(m.sources) | {e for s in m.sources for e in exported.get(s, ())}
                            for m in members}
        self.pulled = {}
        changed = True
        while changed:
            changed = False
            for member in members:
                if member.path in self.pulled:
                    continue
                hit = next((s for s in sorted(self.definitions[member.path]) if s in referenced_by), None)
                if hit is None:
                    continue
                self.pulled[member.path] = (hit, referenced_by[hit])
                note(references(member.sources) - self.definitions[member.path], member.path)
                changed = True
        self.unpulled = [m for m in members if m.path not in self.pulled]


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _macro_references(facts) -> dict[str, frozenset[str]]:
    """Macro name -> identifiers its bodies name (every definition in every file, all branches)."""
    out: dict[str, set[str]] = {}
    for f in facts:
        for define in f.defines:
            out.setdefault(define.name, set()).update(_IDENT.findall(define.body))
    return {name: frozenset(idents - {name}) for name, idents in out.items()}


def _exports_by_path(project: Project) -> dict[str, set[str]]:
    from kgclint.analysis.sections import SectionIndex

    out: dict[str, set[str]] = {}
    for export in project.analysis(SectionIndex).exports:
        out.setdefault(export.location.path, set()).add(export.symbol)
    return out


_C_DEFINER = re.compile(r"([A-Z][A-Z0-9_]*)\s*\(")
_ASM_DEFINER = re.compile(r"^[ \t]*[A-Z][A-Z0-9_]*\(\s*([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
#: Source files read here are bounded like the front-ends' inputs.
_MAX_SOURCE = 4 * 1024 * 1024


def _macro_defined(project: Project, path: str) -> set[str]:
    """Symbols a ``.S`` file defines through a macro (``ENTRY(memcpy)``, ``SYM_FUNC_START(x)``).

    The scanner sees the labels gas would see only after cpp; the first
    argument of an upper-case macro call at the start of a line is taken
    as defined too, which can only make a member look pulled (no finding).
    """
    try:
        text = (project.root / path).read_bytes()[:_MAX_SOURCE].decode("utf-8", errors="replace")
    except OSError:
        return set()
    return set(_ASM_DEFINER.findall(text))


def _included_c(project: Project, facts, c_facts) -> list:
    """The ``.c`` files a C file includes (``lib/fdt.c`` is ``#include "../scripts/dtc/libfdt/fdt.c"``)."""
    from kgclint.frontends import c as c_frontend
    from kgclint.inputs import SourceInput

    out = []
    directory = facts.path.rpartition("/")[0]
    for include in facts.includes:
        if include.system or not include.name.endswith(".c"):
            continue
        path = posixpath.normpath(posixpath.join(directory, include.name))
        if path in c_facts:
            out.append(c_facts[path])
            continue
        try:
            data = (project.root / path).read_bytes()[:_MAX_SOURCE]
        except OSError:
            continue
        out.append(c_frontend.parse(SourceInput(path, data, project.arch_of(path))))
    return out
