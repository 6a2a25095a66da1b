"""KGC205: KEEP inside an OVERLAY description, which ld.lld before 21 rejects."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.scripts import ScriptIndex, mode_note
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.project import Project
from kgclint.rule import Rule


class KeepInOverlay(Rule):
    """KEEP() inside an OVERLAY description, linked with ld.lld.

    What it finds:
    An input-section description with KEEP() inside a section of an OVERLAY,
    in a project that links with ld.lld (--linker lld). GNU ld accepts it
    (checked with binutils 2.40; ld's manual defines overlay sections to be
    identical to ordinary ones). ld.lld before 21 does not: its overlay
    parser took no KEEP ("( expected, but got }" with ld.lld 14, checked in
    tests/test_lds_oracle.py); llvm-project pull request #130661 "[ELF]
    Allow KEEP within OVERLAY" (March 2025, LLVM 21) added it, and Linux
    guards its use with LD_CAN_USE_KEEP_IN_OVERLAY (init/Kconfig:
    LD_IS_BFD || LLD_VERSION >= 210000).

    Why it breaks a kernel:
    With an older ld.lld the link fails outright; a script that drops the
    KEEP to please it (as ARM's OVERLAY_KEEP does for old ld.lld) loses its
    vector pages to --gc-sections instead.

    Example:
    OVERLAY 0xffff0000 : AT(__vectors_lma) { .vectors { KEEP(*(.vectors)) } }

    Fix:
    Link with ld.lld 21 or later (or GNU ld), or keep the section's contents
    alive another way: place the overlay's input sections in a KEEP()
    description outside the OVERLAY, or mark them retained (the "R" flag).
    """

    code = "KGC205"
    name = "keep-in-overlay"
    severity = Severity.ERROR
    needs = frozenset({InputKind.LINKER_SCRIPT})

    def check(self, project: Project) -> Iterable[Finding]:
        if project.options.linker != "lld":
            return
        index = project.analysis(ScriptIndex)
        for info in index.scripts:
            for description in info.model.descriptions:
                if description.overlay is None or not description.keep:
                    continue
                origin = index.origin(info, description.node)
                where = f" ({origin.describe()})" if origin.macro else ""
                yield self.finding(
                    f"KEEP inside OVERLAY section {description.output.name}: '{description.node.text}'{where}; "
                    f"ld.lld before 21 rejects it (llvm-project PR #130661), so this script does not link with "
                    f"the ld.lld this project uses unless it is 21 or later" + mode_note(info),
                    origin.location,
                    properties={"mode": info.mode, "linker": "lld"},
                )
