"""KGC204: a compiler-namespace wildcard captures a section meant for a more specific pattern."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.scripts import ScriptIndex, mode_note
from kgclint.analysis.tables import is_alloc, main_scripts, object_name, placement_scripts
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.lds.sources import SourceView
from kgclint.lds.wildcard import compiler_wildcard, is_wildcard, literal_head
from kgclint.location import Related
from kgclint.placement import placement_name
from kgclint.project import Project
from kgclint.rule import Rule

def more_specific(pattern: str, than: str) -> bool:
    if not is_wildcard(pattern):
        return True
    return len(literal_head(pattern)) > len(literal_head(than))


class WildcardCapture(Rule):
    """A section that a compiler-namespace wildcard takes before the pattern written for it.

    What it finds:
    A section the sources produce (say .text.vectors or .data.fixups) that
    the script names in a specific pattern, in another output section, while
    an earlier wildcard for the compiler's own names (*(.text.*),
    *(.data.*)) matches it first. ld places an input section by the first
    matching description, so the specific pattern never sees it. Also a
    function or object whose compiler-made section (.text.<name>,
    .data.<name>…) is exactly a custom section's literal pattern.

    Why it breaks a kernel:
    The section lands in the wrong output section: outside the symbols that
    bracket its table, away from its fixed address, mixed with code that
    --gc-sections may drop. The kernel separates its names from the
    compiler's with two dots (.data..percpu, .text..ftrace) for this reason,
    and init/Kconfig warns that scripts must not let .text.* pull in
    unrelated sections.

    Example:
    .text : { *(.text .text.*) }
    .vectors : { KEEP(*(.text.vectors)) }   <- never gets .text.vectors

    Fix:
    Rename the section out of the compiler's namespace (.text..vectors), or
    move the specific pattern before the wildcard (or EXCLUDE it from the
    wildcard's description).
    """

    code = "KGC204"
    name = "wildcard-capture"
    severity = Severity.WARNING
    needs = frozenset({InputKind.LINKER_SCRIPT, InputKind.C, InputKind.ASM, InputKind.KBUILD})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(ScriptIndex)
        sources = project.analysis(SourceView)
        for placement in sources.placements:
            name = placement_name(placement.section)
            if not name or not is_alloc(placement):
                continue
            for info in placement_scripts(index, placement):
                matched = list(info.model.matching(object_name(placement.location.path), name))
                if len(matched) < 2:
                    continue
                (first, first_pattern), rest = matched[0], matched[1:]
                if first.discard or not compiler_wildcard(first_pattern.pattern):
                    continue
                intended = next(
                    ((d, p) for d, p in rest
                     if d.output.name != first.output.name and more_specific(p.pattern, first_pattern.pattern)),
                    None,
                )
                if intended is None:
                    continue
                d2, p2 = intended
                yield self.finding(
                    f"section {name} is taken by the compiler-namespace wildcard '{first_pattern.pattern}' "
                    f"({first.node.location}, output {first.output.name}) before the pattern '{p2.pattern}' "
                    f"written for it ({d2.node.location}, output {d2.output.name}) sees it; rename it out of "
                    f"gcc's namespace (e.g. '..' as in .data..percpu)" + mode_note(info),
                    placement.location,
                    related=[Related(first.node.location, f"'{first_pattern.pattern}' captures {name}"),
                             Related(d2.node.location, f"'{p2.pattern}' is meant for {name}")],
                    properties={"mode": info.mode, "script": info.path, "section": name},
                )
        yield from self._function_names(project, index)

    def _function_names(self, project: Project, index: ScriptIndex) -> Iterable[Finding]:
        """Functions and objects whose -ffunction-sections/-fdata-sections name is a custom literal pattern."""
        for facts in project.facts(InputKind.C):
            for definition in getattr(facts, "definitions", ()):
                kinds = (".text.",) if definition.kind == "function" else (".data.", ".bss.", ".rodata.")
                for info in main_scripts(index, facts.path):
                    for prefix in kinds:
                        section = prefix + definition.name
                        if section not in info.model.literal_names:
                            continue
                        placed = info.model.place(object_name(facts.path), section)
                        if placed is None or placed.description is None or is_wildcard(placed.pattern):
                            continue
                        yield self.finding(
                            f"{definition.kind} {definition.name} is compiled into {section} with "
                            f"-f{'function' if prefix == '.text.' else 'data'}-sections, which the custom pattern "
                            f"'{placed.pattern}' ({placed.location}, output {placed.output}) takes",
                            definition.location,
                            related=[Related(placed.location, f"'{placed.pattern}' is meant for a custom section")],
                            properties={"mode": info.mode, "script": info.path, "section": section},
                        )
                        break
