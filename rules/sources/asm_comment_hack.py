"""KGC103: the asm-comment section hack, in C section attributes, inline asm and .S files."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.inline_asm import InlineAsmIndex
from kgclint.analysis.sections import SectionIndex
from kgclint.asm.expand import ExpandedAsmFiles
from kgclint.asm.hack import asm_comment_hacks, gcc_view
from kgclint.asm.syntax import known_arches, syntax_for
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Related
from kgclint.placement import SectionPlacement
from kgclint.project import Project
from kgclint.rule import Rule

ADVICE = "keep the section with KEEP() in the linker script, or mark the object __attribute__((retain))"


def judge(section: str, arch: str | None, what: str = "object", const: bool = False) -> tuple[Severity, str] | None:
    """What GCC plus the assembler of ``arch`` make of a section attribute string, or None if it is no hack.

    GCC prints ``.section <string>,"<flags>"`` verbatim, so text after a
    comma in the string becomes directive syntax, and a comment character
    hides GCC's own flags. Which characters comment, and which prefix a
    section type, depends on the target: kgclint.asm.hack.gcc_view scans
    GCC's line as that target's assembler reads it (proved per arch).
    Clang instead quotes the whole string as the section's name.
    """
    if "," not in section:
        return None
    shown = f'"{section}"'
    if syntax_for(arch).arch == "generic":
        spellings = "; ".join(
            f"{a}: comment {' or '.join(repr(c) for c in syntax_for(a).comment)}" for a in known_arches()
        )
        return Severity.WARNING, (
            f"section attribute {shown} smuggles assembler flags past GCC with a comment character "
            f"(the asm-comment section hack); whether it assembles depends on the target ({spellings}), "
            f"and clang makes the whole string the section name; {ADVICE}"
        )
    view = gcc_view(section, arch, what, const)
    target = syntax_for(arch).arch
    if view.rejected:
        return Severity.ERROR, (
            f"section attribute {shown} cannot assemble for {target}: GCC writes `{view.line}` and the "
            f"assembler rejects it (\"junk at end of line\"), because what starts a comment and what "
            f"prefixes a section type differ per target; {ADVICE}"
        )
    made = f"{view.name} {view.attrs.describe()}" if view.attrs else str(view.name)
    hidden = f", hiding GCC's own {view.hidden!r}" if view.hidden else ""
    return Severity.WARNING, (
        f"section attribute {shown} is the asm-comment section hack: on {target} the assembler reads "
        f"`{view.line}` as {made}{hidden}; the same string fails on targets with other comment characters, "
        f"and clang makes the whole string the section name; {ADVICE}"
    )


class AsmCommentSectionHack(Rule):
    """A section attribute whose string smuggles assembler flags past GCC behind a comment character.

    What it finds:
    ``__attribute__((section("name,\\"a\\",@note #")))``, directly or through a
    macro such as ``__section()``: the string closes GCC's ``.section``
    directive early and comments out the flags GCC appends, usually to make
    the section ``SHT_NOTE``, which ``--gc-sections`` never collects. Also
    the same shape in inline asm and ``.S`` files: a ``.section`` whose
    comment hides further section operands.

    Why it breaks a kernel:
    The comment character and the type prefix belong to one architecture:
    ``#`` and ``@note`` on x86 and powerpc, ``@`` and ``%note`` on ARM. The
    x86 spelling is an assembler error on ARM ("junk at end of line") and
    the ARM spelling one on x86. Clang does not print the string verbatim: it
    makes the whole string the section name, so tools and linker scripts
    that look for ``name`` find nothing and the table is silently lost.

    Example:
    static const struct entry e __used
        __attribute__((section(".tbl,\\"a\\",@note #"))) = { ... };

    Fix:
    Name the section plainly (``__section(".tbl")``) and keep it where it
    is linked: ``KEEP(*(.tbl))`` in the linker script, or mark the object
    ``__attribute__((retain))`` (GCC 11+, binutils 2.36+), which sets
    ``SHF_GNU_RETAIN`` so that GC keeps it.
    """

    code = "KGC103"
    name = "asm-comment-section-hack"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C, InputKind.ASM})

    def check(self, project: Project) -> Iterable[Finding]:
        for placement in project.analysis(SectionIndex).placements:
            if placement.origin != "c":
                continue
            arch = project.arch_of(placement.location.path)
            verdict = judge(placement.section, arch, placement.what, placement.const)
            if verdict is not None:
                severity, message = verdict
                yield self.finding(message, placement.location, related=_macro_trail(placement), severity=severity)
        scans = [(s.scan, s.location, s.macros) for s in project.analysis(InlineAsmIndex).statements]
        scans += [(scan, None, ()) for _path, scan in sorted(project.analysis(ExpandedAsmFiles).scans.items())]
        for scan, statement, macros in scans:
            for location, string, explanation in asm_comment_hacks(scan):
                yield self.finding(
                    f"section directive `{string}` is the asm-comment section hack: {explanation}; {ADVICE}",
                    statement or location,
                    related=tuple(Related(use.defined_at, f"written by macro {use.name}") for use in macros),
                )


def _macro_trail(placement: SectionPlacement) -> tuple[Related, ...]:
    return tuple(Related(use.defined_at, f"section string built by macro {use.name}") for use in placement.macros)
