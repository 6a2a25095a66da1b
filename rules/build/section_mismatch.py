"""KGC404: a reference from kept code or data into init/exit sections, found per object."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.kbuild import KbuildModel
from kgclint.analysis.mismatch import SectionMismatches
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Location, Related
from kgclint.rule import Rule

_WHY = {
    "TEXTDATA_TO_ANY_INIT_EXIT": "init memory is freed after boot and exit code is discarded from built-in code, "
                                 "so the reference can jump into freed memory",
    "ANY_INIT_TO_ANY_EXIT": "exit code is discarded from the image (built-in code never exits), so init code "
                            "calls into nothing",
    "ANY_EXIT_TO_ANY_INIT": "exit code runs after init memory was freed",
    "EXTABLE_TO_NON_TEXT": "an exception-table entry must point at code",
}


class SectionMismatch(Rule):
    """A reference modpost's section-mismatch check would report, found per object before the final link.

    What it finds:
    Relocations from normal text or data (``.text*``, ``.data``) into
    ``.init.*``/``.exit.*`` sections, from init into exit sections, from
    exit into init sections, from PCI fixup tables into init sections, and
    exception-table entries that do not point at text, with modpost's own
    whitelist (``*_probe``/``*_ops``/``*_console`` data, ``__param``,
    ``.head.text``, ``*.constprop.*``, the init boundary symbols). Each
    object is checked on its own; references to other objects' symbols are
    resolved through a cross-object index of global definitions, so no
    ``vmlinux.o`` is linked first.

    Why it breaks a kernel:
    ``__init`` code and ``__initdata`` are freed once the kernel has
    booted, and ``__exit`` code is not even linked into a built-in
    kernel; a pointer or call into them from code that runs later
    jumps into freed or absent memory. With linker garbage collection the
    same references decide what survives: a kept section that references
    init code keeps it alive only until it is freed.

    Example:
    ``static int __init probe_hw(void)`` called from ``int driver_resume(void)``
    in ``.text``.

    Fix:
    Drop ``__init`` from the target, mark the referrer ``__init`` too if it
    only runs at boot, or, when the reference is provably used only during
    init, mark the referrer ``__ref`` (``.ref.text``).
    """

    code = "KGC404"
    name = "section-mismatch"
    severity = Severity.ERROR
    needs = frozenset({InputKind.OBJECT, InputKind.ARCHIVE, InputKind.KBUILD})

    def check(self, project) -> Iterable[Finding]:
        result = project.analysis(SectionMismatches)
        if not result.mismatches:
            return
        model = project.analysis(KbuildModel)
        definitions = _definitions(project)
        for m in result.mismatches:
            location = _source_location(model, definitions, m.object, m.fromsym) or Location(m.object)
            related = [Related(Location(m.via), f"{m.tosym} is defined in {m.tosec} here")] if m.via else []
            yield self.finding(
                f"section mismatch in reference: {m.modpost_text()} in {m.object}: {_WHY[m.kind]}",
                location,
                related=related,
                properties={"mismatch": m.kind, "evidence": "objects"},
            )


def _definitions(project) -> dict[str, dict[str, Location]]:
    out: dict[str, dict[str, Location]] = {}
    for facts in project.facts(InputKind.C):
        out[facts.path] = {d.name: d.location for d in facts.definitions}
    return out


def _source_location(model: KbuildModel, definitions, obj: str, symbol: str) -> Location | None:
    """The C definition of the referring function, when the object's source is known."""
    known = {**model.objects, **model.library}
    candidates = [o for path, o in known.items() if obj == path or obj.endswith("/" + path)]
    for kobject in candidates:
        for source in kobject.sources:
            found = definitions.get(source, {}).get(symbol.split(".", 1)[0])
            if found is not None:
                return found
    return None
