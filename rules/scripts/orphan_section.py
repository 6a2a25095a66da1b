"""KGC203: a section the sources produce that no linker-script pattern captures."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.scripts import ScriptIndex, mode_note
from kgclint.analysis.tables import C_IDENTIFIER, is_alloc, object_name, placement_scripts
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.lds.sources import SourceView
from kgclint.location import Related
from kgclint.placement import placement_name
from kgclint.project import Project
from kgclint.rule import Rule


class OrphanSection(Rule):
    """A section that the sources produce and no pattern of the linker script takes.

    What it finds:
    A named, allocated section that C or assembly sources place something in
    (attribute, .section/.pushsection) while no input-section description of
    the script that links the file matches it: an orphan. A section the
    script's text or its headers name in an #if branch that is not taken is
    left alone: the same option disables its sources. So is a placement under
    an #ifdef of a macro Kbuild defines for module objects alone (-DMODULE in
    the top-level makefile's KBUILD_CFLAGS_MODULE), against the image script.

    Why it breaks a kernel:
    The linker places orphans by its own heuristics (GNU ld next to a
    section with similar flags, ld.lld in its own order), outside every
    range the script brackets, and --gc-sections drops an orphan whose
    contents nothing references. The kernel asks for --orphan-handling=warn
    on some arches for this reason; a table or entry code in an orphan is
    lost or misplaced without an error.

    Example:
    static int x __attribute__((section(".mysec")));   (no *(.mysec) in vmlinux.lds.S)

    Fix:
    Add the section to the script, inside the output section where it
    belongs, with KEEP() if it is a table; or place the object in a section
    the script already handles. (Sections named like C identifiers that code
    walks through __start_/__stop_ are reported by KGC206 instead.)
    """

    code = "KGC203"
    name = "orphan-section"
    severity = Severity.WARNING
    needs = frozenset({InputKind.LINKER_SCRIPT, InputKind.C, InputKind.ASM, InputKind.KBUILD})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(ScriptIndex)
        sources = project.analysis(SourceView)
        referenced = sources.referenced_names
        for placement in sources.placements:
            name = placement_name(placement.section)
            if not name or not is_alloc(placement):
                continue
            if C_IDENTIFIER.match(name) and (f"__start_{name}" in referenced or f"__stop_{name}" in referenced):
                continue
            for info in placement_scripts(index, placement):
                if info.model.place(object_name(placement.location.path), name) is not None:
                    continue
                if index.mentions(info, name):
                    continue  # the script handles it under some configuration (#if branch not taken)
                if index.is_image(info) and index.module_only(placement.location):
                    continue  # under #ifdef MODULE: only module objects have it
                yield self.finding(
                    f"section {name} is placed here but no pattern of {info.path} takes it: the linker treats it "
                    f"as an orphan (placed by heuristics, dropped by --gc-sections when nothing references it)"
                    + mode_note(info),
                    placement.location,
                    related=[Related(info.model.script.commands[0].location if info.model.script.commands
                                     else placement.location, "the linker script")],
                    properties={"mode": info.mode, "script": info.path, "section": name},
                )
