"""KGC202: code at a fixed address or offset, reached by hardware, without KEEP."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.scripts import ScriptIndex, mode_note
from kgclint.analysis.tables import PlacedSections, compiler_bulk, is_code, object_name, retained_by_flags
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.lds import ast
from kgclint.lds.fix import wrap_in_keep
from kgclint.lds.model import Description, ScriptModel, walk
from kgclint.lds.sources import SourceView
from kgclint.location import Location, Related
from kgclint.placement import SectionPlacement, placement_name
from kgclint.project import Project
from kgclint.rule import Rule

def constant(expr: ast.Expr | None) -> bool:
    """An address the script fixes: numbers and operators only.

    No symbol, no ``.``, and no builtin but ABSOLUTE (ALIGN(8) and NEXT(8)
    depend on the location counter without naming it).
    """
    if expr is None:
        return False
    for node in walk(expr):
        if isinstance(node, ast.Symbol):
            return False
        if isinstance(node, ast.Call) and node.function != "ABSOLUTE":
            return False
    return True


def fixed_reason(model: ScriptModel, description: Description) -> tuple[str, Location] | None:
    """Why the description's contents sit at an address the script fixes, or None."""
    output = description.output
    commands = output.commands
    i = description.position - 1
    while i >= 0 and isinstance(commands[i], ast.Assignment):
        command = commands[i]
        if command.target == "." and command.op == "=" and constant(command.value):
            return "after a location-counter assignment to a constant", command.location
        i -= 1
    first = not any(isinstance(c, (ast.InputSection, ast.Data)) for c in commands[: description.position])
    if first and description.overlay is None:
        before = _sections_level_before(model, output)
        if before is not None:
            return "first in an output section placed by a location-counter assignment to a constant", before
    if first and constant(output.address):
        return f"first in output section {output.name} at a fixed address", output.location
    if first and description.overlay is not None and constant(description.overlay.start):
        return f"first in overlay section {output.name} at a fixed address", description.overlay.location
    return None


def _sections_level_before(model: ScriptModel, output: ast.OutputSection) -> Location | None:
    """The ``. = <constant>`` at SECTIONS level that places ``output`` (only assignments in between)."""
    for command in model.script.commands:
        if not isinstance(command, ast.Sections):
            continue
        items = command.commands
        for index, item in enumerate(items):
            if item is not output:
                continue
            i = index - 1
            while i >= 0 and isinstance(items[i], ast.Assignment):
                assignment = items[i]
                if assignment.target == "." and assignment.op == "=" and constant(assignment.value):
                    return assignment.location
                i -= 1
            return None
    return None


class EntryCodeWithoutKeep(Rule):
    """Code the hardware jumps to at a fixed address, in a pattern without KEEP.

    What it finds:
    An input-section description without KEEP() that takes code the sources
    place (a function, an executable .section) at an address the script
    fixes: right after a location-counter assignment to a constant
    (. = 0x100), first in an output section or OVERLAY with a constant
    address (exception vectors, head code), when nothing references that
    code by name. (The ENTRY symbol's own section is a GC root in both GNU
    ld and ld.lld and needs no KEEP; code the hardware or firmware reaches
    by address has no such protection.)

    Why it breaks a kernel:
    --gc-sections keeps only what its roots reach by relocations. A CPU
    jumping to its vector page or a firmware jumping to offset 0x100 of the
    image is no relocation: the linker drops the code, the address holds
    whatever came next, and the machine hangs at its first exception or at
    boot (powerpc's .head.text, ARM's vector pages needed KEEP).

    Example:
    .head : { . = 0x100; *(.head.vectors) }   <- nothing calls the handler

    Fix:
    KEEP(*(.head.vectors)). kgclint offers the edit where the pattern is
    written verbatim.
    """

    code = "KGC202"
    name = "entry-code-without-keep"
    severity = Severity.ERROR
    needs = frozenset({InputKind.LINKER_SCRIPT, InputKind.C, InputKind.ASM, InputKind.KBUILD})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(ScriptIndex)
        sources = project.analysis(SourceView)
        for info in index.scripts:
            model = info.model
            for description in model.descriptions:
                if description.discard or description.keep:
                    continue  # a KEEP the linker rejects (OVERLAY, old ld.lld) is KGC205's
                if compiler_bulk(description):
                    continue
                reason = fixed_reason(model, description)
                if reason is None:
                    continue
                code = self._unkept_code(project, sources, info, description)
                if not code:
                    continue
                origin = index.origin(info, description.node)
                where = f" ({origin.describe()})" if origin.macro else ""
                related = [Related(reason[1], "fixes the address")]
                related += [Related(p.location, f"places code in {placement_name(p.section)}") for p in code[:5]]
                yield self.finding(
                    f"'{description.node.text}'{where} takes code {reason[0]} that no other file references by name "
                    f"(reached by hardware or firmware, not by a relocation) and has no KEEP: --gc-sections drops it"
                    + mode_note(info),
                    origin.location, related=related, fix=wrap_in_keep(description.node, origin),
                    properties={"mode": info.mode, "linker": project.options.linker},
                )

    @staticmethod
    def _unkept_code(project: Project, sources: SourceView, info, description: Description) -> list[SectionPlacement]:
        found = []
        for placement in project.analysis(PlacedSections).by_description(info).get(description.index, ()):
            if not is_code(placement) or sources.named_elsewhere(placement) or retained_by_flags(placement):
                continue
            if placement.symbol is not None and placement.symbol == info.model.entry:
                continue  # the ENTRY symbol's section is a GC root in both linkers
            placed = info.model.place(object_name(placement.location.path), placement_name(placement.section))
            if placed is not None and not placed.keep:
                found.append(placement)
        return found
