"""KGC101: a static object placed in a section that the compiler drops before the linker sees it."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.sections import SectionIndex
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Related
from kgclint.placement import SectionPlacement, placement_name
from kgclint.project import Project
from kgclint.rule import Rule


def _kept_on_purpose(placements: tuple[SectionPlacement, ...]) -> SectionPlacement | None:
    """An entry that shows the section is a table: a quarter or more of its entries are kept on purpose.

    Kept on purpose means marked ``used``/``retain``; only C objects count
    (assembly switching into ``.init.data`` says nothing about tables). A section where most objects are ordinary named data
    (``.init.data``, ``.data..ro_after_init``: few entries kept) is a region, not a table: an
    unreferenced object there is dead code, which the compiler may drop.
    """
    entries = [p for p in placements if p.origin == "c" and p.what == "object"]
    kept = [p for p in entries if p.used or p.retain]
    if not kept or 4 * len(kept) < len(entries):
        return None
    return kept[0]


class UnusedSectionObject(Rule):
    """A static object in a named section that is neither marked ``used`` nor referenced in its file.

    What it finds:
    ``static`` objects placed in a section by an attribute or a macro
    (``__section(".tbl")``, a table-entry macro) that carry no ``used``
    (or ``retain``) attribute, or that are marked ``unused``, and that
    nothing in their own file names. Reported when a quarter or more of the
    entries of the same section in the tree are kept on purpose (marked
    ``used``/``retain``),
    which is what makes it a table rather than a dead variable. Objects
    another object of the same macro expansion points to count as referenced,
    as do names another macro the file uses spells or pastes
    (``DECLARE_BOARD(samus)`` → ``samus##_peripherals``) and, for an object
    a header defines, uses in the files that include the header.

    Why it breaks a kernel:
    A static object that no code of its translation unit references is
    dead to the compiler: at ``-O1`` and above GCC removes it and its
    section never reaches the object file, so no linker-script ``KEEP``
    can save it. Table entries are exactly such objects (walked between
    boundary symbols at run time, never named), so the table silently
    loses the entry. ``__attribute__((unused))`` only silences the
    warning; it keeps nothing.

    Example:
    static const struct quirk q __section(".quirks") = { ... };
    static const struct quirk r __maybe_unused __section(".quirks") = { ... };

    Fix:
    Mark the entry ``__used`` (``__attribute__((used))``), as the kernel's
    own table macros do, or ``__attribute__((retain))`` to survive
    ``--gc-sections`` too; put the attribute into the table-entry macro so
    every entry gets it.
    """

    code = "KGC101"
    name = "unused-section-object"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(SectionIndex)
        for placement in index.placements:
            if (placement.origin != "c" or placement.what != "object" or placement.storage != "static"
                    or placement.used or placement.retain or placement.referenced_in_file or not placement.symbol):
                continue
            name = placement_name(placement.section)
            if name.startswith(".discard"):
                continue        # dropped on purpose
            sibling = _kept_on_purpose(index.by_section(name))
            if sibling is None:
                continue
            why = "is marked unused but not used" if placement.unused else "is not marked used"
            related = [Related(use.defined_at, f"section comes from macro {use.name}") for use in placement.macros]
            if sibling is not None:
                related.append(Related(sibling.location, f"another entry of {name} that is kept on purpose"))
            yield self.finding(
                f"static object {placement.symbol or '(unnamed)'} in section {name} {why} and nothing in "
                f"its file references it: the compiler drops it before the linker sees it (mark it __used)",
                placement.location,
                related=related,
                properties={"section": name, "breakage": "silent"},
            )
