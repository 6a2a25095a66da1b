"""KGC103: the asm-comment section hack in a C section attribute."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.asm.syntax import known_arches, syntax_for
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.placement import SectionPlacement, placement_name
from kgclint.project import Project
from kgclint.rule import Rule

ADVICE = "keep the section with KEEP() in the linker script, or mark the object __attribute__((retain))"


def _first_comment(text: str, comments: tuple[str, ...]) -> str | None:
    """The comment opener that appears first in ``text``, if any."""
    hits = [(text.find(c), c) for c in comments if c in text]
    return min(hits)[1] if hits else None


def _type_prefix(flags: str) -> str | None:
    """The character in front of a section type (``@note`` → ``@``) in the smuggled flags."""
    for part in flags.split(","):
        part = part.strip()
        if len(part) > 1 and part[0] in "@%" and part[1:2].isalpha():
            return part[0]
    return None


def judge(section: str, arch: str | None) -> tuple[Severity, str] | None:
    """What GCC plus the assembler of ``arch`` make of a section attribute string, or None if it is no hack.

    GCC prints ``.section <string>,"<flags>"`` verbatim, so text after a
    comma in the string becomes directive syntax, and a comment character
    hides GCC's own flags. Which characters comment, and which prefix a
    section type, depends on the target (kgclint.asm.syntax, proved per
    arch); clang instead quotes the whole string as the section's name.
    """
    if "," not in section:
        return None
    name, flags = section.split(",", 1)
    syntax = syntax_for(arch)
    shown = f'"{section}"'
    if syntax.arch == "generic":
        spellings = "; ".join(
            f"{a}: comment {' or '.join(repr(c) for c in syntax_for(a).comment)}" for a in known_arches()
        )
        return Severity.WARNING, (
            f"section attribute {shown} smuggles assembler flags past GCC with a comment character "
            f"(the asm-comment section hack); whether it assembles depends on the target ({spellings}), "
            f"and clang makes the whole string the section name; {ADVICE}"
        )
    prefix = _type_prefix(flags)
    comment = _first_comment(flags, syntax.comment)
    if prefix is not None and prefix not in syntax.type_prefixes:
        return Severity.ERROR, (
            f"section attribute {shown} cannot assemble for {syntax.arch}: {prefix!r} starts a comment there, "
            f"so the section type and everything after it are lost and GCC's flags leave a dangling ',' "
            f"(\"junk at end of line\"); {ADVICE}"
        )
    if comment is None:
        return Severity.ERROR, (
            f"section attribute {shown} cannot assemble for {syntax.arch}: nothing in it starts a comment "
            f"there ({' or '.join(repr(c) for c in syntax.comment)} would), so GCC's own flags follow it "
            f"and the assembler rejects the line (\"junk at end of line\"); {ADVICE}"
        )
    return Severity.WARNING, (
        f"section attribute {shown} is the asm-comment section hack: {comment!r} hides GCC's flags so "
        f"that {placement_name(name)} gets the smuggled type; it assembles only for targets where "
        f"{comment!r} comments, and clang makes the whole string the section name; {ADVICE}"
    )


class AsmCommentSectionHack(Rule):
    """A section attribute whose string smuggles assembler flags past GCC behind a comment character.

    What it finds:
    ``__attribute__((section("name,\\"a\\",@note #")))``, directly or through a
    macro such as ``__section()``: the string closes GCC's ``.section``
    directive early and comments out the flags GCC appends, usually to make
    the section ``SHT_NOTE``, which ``--gc-sections`` never collects.

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
        from kgclint.analysis.sections import SectionIndex

        index = project.analysis(SectionIndex)
        for placement in index.placements:
            if placement.origin != "c":
                continue
            verdict = judge(placement.section, project.arch_of(placement.location.path))
            if verdict is not None:
                severity, message = verdict
                yield self.finding(message, placement.location, related=_macro_trail(placement), severity=severity)


def _macro_trail(placement: SectionPlacement):
    from kgclint.location import Related

    return tuple(Related(use.defined_at, f"section string built by macro {use.name}") for use in placement.macros)
