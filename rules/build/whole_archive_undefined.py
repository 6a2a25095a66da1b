"""KGC402: an archive member that only links because ld leaves it out."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.kbuild import KbuildModel
from kgclint.analysis.scripts import ScriptIndex
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.kbuild.archives import ArchiveLinkResult
from kgclint.location import Location, Related
from kgclint.rule import Rule


class WholeArchiveUndefined(Rule):
    """A member of a conditionally linked archive that references symbols nothing in the link defines.

    What it finds:
    Members of an archive the tree links as an archive (``lib.a`` of
    ``lib-y`` objects) that ld does not extract today, and that reference a
    symbol no object of the link, no archive member and no linker script
    defines (nor the linker itself, as ``__start_``/``__stop_`` of a
    section named like a C identifier). Proved on the build's objects and
    archives, under the configuration they were built with.

    Why it breaks a kernel:
    The link works only because ld never looks inside the member. Linking
    the archive in whole — ``--whole-archive``, thin archives, or
    ``lib-y`` turned into ``obj-y`` so GC can work on everything — takes
    the member in and the link fails with ``undefined reference``: in seed
    000, ``arch/arm/lib/lib.a(io-acorn.o)`` referenced ``printk`` in a
    ``CONFIG_PRINTK=n`` build.

    Example:
    arch/arm/lib/Makefile::

        lib-y += io-acorn.o     # calls printk, which CONFIG_PRINTK=n does not build

    Fix:
    Build the member only in configurations that provide what it uses
    (``lib-$(CONFIG_ARCH_ACORN)``), or make the reference conditional in
    the source (``IS_ENABLED()``), so the archive can be linked in whole.
    """

    code = "KGC402"
    name = "whole-archive-undefined"
    severity = Severity.WARNING
    needs = frozenset({InputKind.KBUILD, InputKind.OBJECT, InputKind.ARCHIVE, InputKind.LINKER_SCRIPT})

    def check(self, project) -> Iterable[Finding]:
        proof = project.analysis(ArchiveLinkResult)
        if not proof.found:
            return
        model = project.analysis(KbuildModel)
        defined = set(proof.whole_defined)
        for member in proof.members:
            defined |= member.defined
        defined |= {f"{edge}{name}" for name in proof.section_names if name.isidentifier()
                    for edge in ("__start_", "__stop_")}
        for script in project.analysis(ScriptIndex).scripts:
            defined |= {d.assignment.target for d in script.model.symbols}
        for member in proof.left_out:
            missing = sorted(member.undefined - defined)
            if not missing:
                continue
            obj = model.library.get(member.object)
            location = Location(obj.sources[0]) if obj and obj.sources else Location(member.path)
            related = [Related(obj.origin, f"{obj.path} is a lib-y object here")] if obj else []
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            yield self.finding(
                f"{member.name} in {member.archive} references {shown}, which nothing in the link defines: "
                f"it links only because ld never extracts it; --whole-archive or thin archives would fail "
                f"with 'undefined reference' ({model.describe_mode()})",
                location,
                related=related,
                properties={"mode": model.mode, "evidence": "objects"},
            )
