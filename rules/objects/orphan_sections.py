"""KGC302: sections in the objects that no pattern of the linker script places."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.gc import GcResult, LinkObject, ProjectLink, ScriptView
from kgclint.elf.facts import Section
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Location, Related
from kgclint.project import Project
from kgclint.rule import Rule

MAX_NAMED = 5


def source_locations(project: Project, section: str) -> list[Location]:
    """Where the sources place ``section`` (empty when the project has no C/asm facts)."""
    if not project.facts(InputKind.C) and not project.facts(InputKind.ASM):
        return []
    from kgclint.analysis.sections import SectionIndex

    return sorted({p.location for p in project.analysis(SectionIndex).by_section(section)})


def orphans(result: GcResult, model: object) -> list[tuple[LinkObject, Section, bool]]:
    """Input sections no description places, with whether GC keeps them (empty dropped ones left out)."""
    view = ScriptView(model)
    out = []
    for k, obj in enumerate(result.objects):
        for s in obj.facts.sections:
            sid = result.base[k] + s.index
            if not result.candidate[sid] or (s.size == 0 and not result.live[sid]):
                continue
            if view.is_orphan(obj.match_name, s.name, s.flags):
                out.append((obj, s, bool(result.live[sid])))
    return out


class OrphanSections(Rule):
    """Input sections of the real objects that the linker script does not place (orphans).

    What it finds:
    Every input section that survives the simulated ``--gc-sections`` link
    and that no input-section description of the linker script matches:
    exactly the sections ``--orphan-handling=warn`` makes GNU ld or ld.lld
    warn about (tests/test_obj_rules.py checks that set against both
    linkers). One finding per section name, naming the objects; sections of
    that name that GC drops are counted too.

    Why it breaks a kernel:
    The linker places an orphan by its own heuristics, next to sections of
    similar flags, outside every table and range the script brackets, or
    after ``_end``. Boundary symbols do not cover it, it may land in a
    region that is freed after boot, and with ``--gc-sections`` nothing
    protects it: orphans that nothing references silently vanish.

    Example:
    ``.pushsection .mytable,"a"`` in a driver, with a ``vmlinux.lds`` that
    has no ``*(.mytable)``: the entries end up in an output section of
    their own, which the code walking ``__mytable_start`` never sees.

    Fix:
    Place the section explicitly in the script (inside ``KEEP()`` if it is
    a table), rename it to a name an existing pattern takes, or discard it
    in ``/DISCARD/`` if it is not needed at run time.
    """

    code = "KGC302"
    name = "object-orphan-section"
    severity = Severity.WARNING
    needs = frozenset({InputKind.OBJECT, InputKind.ARCHIVE, InputKind.LINKER_SCRIPT})

    def check(self, project: Project) -> Iterable[Finding]:
        link = project.analysis(ProjectLink)
        model = link.script
        if model is None or not link.inputs:
            return
        result = link.result()
        by_name: dict[str, list[tuple[str, str, bool]]] = {}
        for obj, s, live in orphans(result, model):
            by_name.setdefault(s.name, []).append((obj.display(result.linker), obj.facts.path, live))
        for name, items in sorted(by_name.items()):
            kept = sorted({o for o, _p, live in items if live})
            dropped = sorted({o for o, _p, live in items if not live})
            if not kept:
                continue
            named = ", ".join(kept[:MAX_NAMED]) + (f" and {len(kept) - MAX_NAMED} more" if len(kept) > MAX_NAMED else "")
            also = f"; --gc-sections drops it from {len(dropped)} other object(s)" if dropped else ""
            message = (
                f"orphan section {name} in {len(kept)} object(s) ({named}) matches no pattern of "
                f"{link.script_path}: the linker places it by its own heuristics{also}"
            )
            sources = source_locations(project, name)
            first_kept = next(p for _o, p, live in items if live)
            location = sources[0] if sources else Location(first_kept)
            related = [Related(loc, f"places {name}") for loc in sources[1:]]
            yield self.finding(message, location, related=related,
                               properties={"linker": result.linker, "section": name, "objects": str(len(kept))})
