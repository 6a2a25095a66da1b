"""``.S`` files rescanned with the C preprocessor macros they use, expanded from the tree.

The assembly front-end reads one file and cannot expand ``__INIT``,
``__HEAD`` or ``_ASM_EXTABLE(1b, 2b)``: their definitions live in headers.
This analysis can: it looks each statement-head macro up in the tree's
macro table (``kgclint.analysis.macros``), preferring the definitions a
``.S`` file sees (``#ifdef __ASSEMBLY__`` branches, then unconditional
ones, never ``#ifndef __ASSEMBLY__`` ones), expands the lines whose macros
can reach a section directive with the C front-end's expander, and scans
the file again. Line numbers are kept (an expansion stays on its first
line; lines it joined through backslash-newlines are left empty), and a
placement made by an expanded line names the macro that made it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from kgclint.analysis.macros import MacroTable
from kgclint.asm.scanner import AsmScan, scan
from kgclint.c.directives import scan_directives
from kgclint.c.expander import Expander
from kgclint.c.facts import MacroDef, by_name
from kgclint.c.tokens import spell, tokenize
from kgclint.frontends.asm_file import AsmFacts, decode
from kgclint.inputs import InputKind, SourceInput
from kgclint.placement import MacroUse
from kgclint.project import Project

_ASM_ONLY = "+__ASSEMBLY__"
_C_ONLY = "-__ASSEMBLY__"
_SWITCH_TEXT = re.compile(r"\.(?:section|pushsection|popsection|previous|text|data|bss|subsection)\b")
#: Most backslash-continued lines joined into one use.
MAX_CONTINUED = 64
#: Longest line expanded; longer ones (never seen in a kernel .S) are left as written.
MAX_EXPANDED_LINE = 4096


def _asm_rank(defn: MacroDef) -> tuple[int, int]:
    """Prefer ``#ifdef __ASSEMBLY__`` definitions, then unconditional ones, then fewer options."""
    optional = sum(1 for c in defn.conditions if c[:1] in "+?")
    return (0 if _ASM_ONLY in defn.conditions else 1, optional)


class _AsmLookup:
    """The macro a name means in one ``.S`` file: its own defines, then the tree's, asm-valid only."""

    def __init__(self, table: MacroTable, arch: str, local: list[MacroDef]) -> None:
        self.table = table
        self.arch = arch
        self.local = by_name(local)
        self._chosen: dict[str, MacroDef | None] = {}
        self._reach: dict[str, bool] = {}

    def __call__(self, name: str) -> MacroDef | None:
        if name in self._chosen:
            return self._chosen[name]
        found = self.local.get(name) or self.table.global_candidates(name, self.arch)
        usable = [d for d in found if _C_ONLY not in d.conditions]
        chosen = min(usable, key=_asm_rank) if usable else None
        self._chosen[name] = chosen
        return chosen

    def reaches(self, name: str) -> bool:
        """Whether ``name`` can expand to a section directive (``.previous`` and ``.popsection`` too)."""
        known = self._reach.get(name)
        if known is not None:
            return known
        self._reach[name] = False  # in progress: a cycle back here does not reach
        defn = self(name)
        result = defn is not None and (
            bool(_SWITCH_TEXT.search(defn.body))
            or any(self.reaches(n) for n in set(self.table.body_names(defn)))
        )
        self._reach[name] = result
        return result


class ExpandedAsmFiles:
    """``project.analysis(ExpandedAsmFiles).scans``: every ``.S``/``.s`` file's scan, macros expanded.

    A file that uses no macro able to reach a section keeps its front-end
    facts. ``expanded`` maps each path to the lines that were expanded.
    """

    def __init__(self, project: Project) -> None:
        self.scans: dict[str, AsmScan | AsmFacts] = {}
        self.expanded: dict[str, tuple[int, ...]] = {}
        asm_files = project.facts(InputKind.ASM)
        table = project.analysis(MacroTable) if project.facts(InputKind.C) or project.context_facts(InputKind.C) else None
        for facts in asm_files:
            result = self._expand(project, table, facts) if table is not None and facts.macro_uses else None
            self.scans[facts.path] = result if result is not None else facts

    def _expand(self, project: Project, table: MacroTable, facts: AsmFacts) -> AsmScan | None:
        arch = table.arch_of(facts.path)
        try:
            data = project.read_bytes(facts.path)
        except OSError:
            return None
        text, _ = decode(SourceInput(facts.path, data, facts.arch))
        if text is None:
            return None
        lookup = _AsmLookup(table, arch, scan_directives(data, facts.path).defines)
        lines = text.split("\n")
        made: dict[int, tuple[MacroUse, ...]] = {}
        for name, location in facts.macro_uses:
            number = location.line
            if number in made or not 1 <= number <= len(lines) or len(lines[number - 1]) > MAX_EXPANDED_LINE:
                continue
            if not lookup.reaches(name):
                continue
            last = number
            while lines[last - 1].endswith("\\") and last < len(lines) and last - number < MAX_CONTINUED:
                last += 1  # cpp joins backslash-continued lines before it expands
            joined = " ".join(line.removesuffix("\\") for line in lines[number - 1:last])
            expander = Expander(lookup, line=number, path=facts.path)
            out = expander.expand(tokenize(joined))
            if expander.problems:
                continue
            lines[number - 1] = spell(out)
            for blank in range(number, last):
                lines[blank] = ""
            made[number] = tuple(
                MacroUse(used, table.location(defn)) for used, defn in expander.used.items()
            )
        if not made:
            return None
        self.expanded[facts.path] = tuple(sorted(made))
        result = scan("\n".join(lines), path=facts.path, arch=facts.arch, origin="asm", cpp=True)
        placements = tuple(
            replace(p, macros=made.get(p.location.line, ())) if p.location.line in made else p
            for p in result.placements
        )
        return replace(result, placements=placements, diagnostics=())
