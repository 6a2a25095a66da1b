"""KGC102: a custom section named like the sections the compiler makes for one function or object."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.sections import SectionIndex
from kgclint.c.naming import COMPILER_GROUPS, compiler_namespace, kernel_spelling
from kgclint.findings import Finding, Fix, Severity, TextEdit
from kgclint.inputs import InputKind
from kgclint.location import Related
from kgclint.placement import SectionPlacement, placement_name
from kgclint.project import Project
from kgclint.rule import Rule

#: How many lines after a placement's first line its section string may stand on.
_FIX_WINDOW = 8


class CompilerNamespaceSection(Rule):
    """A custom section named ``.text.X``, ``.data.X``, ``.rodata.X`` or ``.bss.X``.

    What it finds:
    Section attributes, macros and assembler ``.section`` directives that
    name a section inside the compiler's per-symbol namespace: ``.text.X``
    (also ``.text.unlikely.X``, ``.text.hot.X``, ``.text.startup.X``),
    ``.data.X``, ``.rodata.X``, ``.bss.X``. One finding per file and
    section; mergeable-constant sections (``"M"``, ``.rodata.cst16``) and a
    symbol placed in the very section the compiler would give it are not
    reported.

    Why it breaks a kernel:
    With ``-ffunction-sections -fdata-sections`` the compiler puts each
    function and object into exactly such a section, and the linker
    script gathers them with wildcards such as ``*(.text .text.*)``. A
    custom section spelled the same way is swallowed by that wildcard: it
    is not kept by the ``KEEP`` meant for it (an earlier pattern wins), it
    is placed among ordinary code or data, and ``--gc-sections`` drops it
    as soon as nothing references it. The kernel's convention, a double
    dot (``.data..percpu``, ``.text..ftrace``), can never match a C
    identifier.

    Example:
    static const struct entry e __used __section(".data.quirks") = { ... };

    Fix:
    Rename the section with the ``..`` convention (``.data..quirks``) in
    the source and in every linker-script pattern and ``__start_``/
    ``__stop_`` user that names it.
    """

    code = "KGC102"
    name = "compiler-namespace-section"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C, InputKind.ASM})

    def check(self, project: Project) -> Iterable[Finding]:
        index = project.analysis(SectionIndex)
        reported: set[tuple[str, str]] = set()
        for placement in index.placements:
            name = placement_name(placement.section)
            better = kernel_spelling(name)
            if better is None or name in COMPILER_GROUPS or "M" in (placement.flags or ""):
                continue        # "M": a mergeable-constant section joins the compiler's own on purpose
            if placement.symbol and compiler_namespace(name)[1] == placement.symbol and placement.origin == "c":
                continue        # the very section -ffunction/-fdata-sections would give this symbol
            if (placement.location.path, name) in reported:
                continue        # one finding per file and section: the fix is one rename
            reported.add((placement.location.path, name))
            related = [Related(use.defined_at, f"section name comes from macro {use.name}")
                       for use in placement.macros]
            yield self.finding(
                f"section {name} is named like a compiler-made section (-ffunction-sections/-fdata-sections), "
                f"so linker-script wildcards for those swallow it; use the kernel's '..' convention: {better}",
                placement.location,
                related=related,
                fix=_fix(project, placement, name, better),
                properties={"section": name},
            )


def _fix(project: Project, placement: SectionPlacement, name: str, better: str) -> Fix | None:
    """Rewrite the section string where it is spelled, when it is spelled once near the placement.

    A name built by a macro elsewhere is not spelled there, so it gets no fix.
    """
    try:
        data = project.absolute(placement.location.path).read_bytes()
    except OSError:
        return None
    lines = data.split(b"\n")
    line = placement.location.line
    if not line or line > len(lines):
        return None
    start = sum(len(x) + 1 for x in lines[: line - 1])
    end = sum(len(x) + 1 for x in lines[: min(len(lines), line - 1 + _FIX_WINDOW)])
    needle = name.encode("latin-1")
    window = data[start:end]
    hits = []
    at = window.find(needle)
    while at >= 0:
        after = window[at + len(needle): at + len(needle) + 1]
        before = window[at - 1: at] if at else b""
        if after in (b'"', b",", b" ", b"\t", b"\n", b"") and before in (b'"', b" ", b"\t", b""):
            hits.append(at)
        at = window.find(needle, at + 1)
    if len(hits) != 1:
        return None
    offset = start + hits[0]
    return Fix(
        description=f"rename section {name} to {better} (update linker-script patterns that name it too)",
        edits=(TextEdit(placement.location.path, offset, offset + len(needle), better),),
    )
