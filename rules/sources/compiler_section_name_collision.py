"""KGC107: a function or object whose compiler-made section has a custom section's name."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.sections import SectionIndex
from kgclint.c.naming import FUNCTION_PREFIXES, OBJECT_PREFIXES, compiler_namespace
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Related
from kgclint.project import Project
from kgclint.rule import Rule


class CompilerSectionNameCollision(Rule):
    """A function or object whose ``-ffunction-sections``/``-fdata-sections`` section is a custom section.

    What it finds:
    A custom section ``.text.X`` (or ``.text.unlikely.X`` and the other
    function families) while a function named ``X`` is defined in the
    tree, or a custom ``.data.X``/``.rodata.X``/``.bss.X`` while an object
    named ``X`` is, in code built for the same arch.

    Why it breaks a kernel:
    GCC puts function ``X`` into ``.text.X`` and object ``X`` into
    ``.data.X``/``.rodata.X``/``.bss.X``. The linker merges input sections
    by name, so the function's code joins the custom section: a ``KEEP``
    for the table pins an unrelated function, a table walker reads its
    instructions as entries, and the table's boundary symbols no longer
    bracket only entries. The reverse happens too: a pattern meant for the
    function captures the table.

    Example:
    void quirks(void) { ... }                       /* .text.quirks */
    static const struct q e __used __section(".text.quirks") = { ... };

    Fix:
    Rename the custom section with the kernel's ``..`` convention
    (``.text..quirks``), which no compiler-made name can equal.
    """

    code = "KGC107"
    name = "compiler-section-name-collision"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C, InputKind.ASM})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(SectionIndex)
        wanted: dict[str, list[tuple[str, str]]] = {}
        for name in index.section_names():
            found = compiler_namespace(name)
            if found is not None:
                prefix, rest = found
                wanted.setdefault(rest, []).append((prefix, name))
        if not wanted:
            return
        for facts in project.facts(InputKind.C):
            for definition in getattr(facts, "definitions", ()):
                for prefix, section in wanted.get(definition.name, ()):
                    kinds = FUNCTION_PREFIXES if definition.kind == "function" else OBJECT_PREFIXES
                    if prefix not in kinds:
                        continue
                    arch = project.arch_of(definition.location.path)
                    placements = tuple(
                        p for p in index.by_section(section)
                        if (arch is None or project.arch_of(p.location.path) in (None, arch))
                        and not (p.symbol == definition.name and p.location.path == definition.location.path)
                    )
                    if not placements:
                        continue        # another arch's section, or the object's own: no second owner
                    yield self.finding(
                        f"{definition.kind} {definition.name} gets section {section} from the compiler "
                        f"(-f{'function' if definition.kind == 'function' else 'data'}-sections), the name of a "
                        f"custom section: the linker merges them",
                        definition.location,
                        related=[Related(p.location, f"custom section {section} placed here") for p in placements[:3]],
                        properties={"section": section},
                    )
