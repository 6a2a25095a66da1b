"""KGC403: an object built without per-function/per-object sections, which GC keeps or drops whole."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.kbuild import KbuildModel, KObject
from kgclint.analysis.scripts import ScriptIndex
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.kbuild.pull import SourcePull
from kgclint.location import Related
from kgclint.rule import Rule

#: What each flag puts together, in words, and the definition kind it concerns.
_GROUPS = (("function", "function(s)", ".text"), ("data", "object(s)", ".data/.bss/.rodata"))


class NoFunctionSectionsObject(Rule):
    """An object compiled with -fno-function-sections or -fno-data-sections: GC keeps all of it or none.

    What it finds:
    Objects whose Kbuild flags (``ccflags-y``, ``subdir-ccflags-y``,
    ``CFLAGS_<obj>.o``, last flag wins as in gcc) turn off
    ``-ffunction-sections``/``-fdata-sections`` — head code often does, so
    that it stays in one piece. Their functions share one ``.text`` (their
    data one ``.data``/``.bss``), and linker GC works on sections, not
    functions. The finding says which case holds, from the references of
    the other linked sources (and the linker scripts' ``ENTRY``): a
    reference keeps the whole section, with every unreferenced function in
    it; no reference drops the whole section, with everything GC must keep.

    Why it breaks a kernel:
    When nothing links to the object by name — it is reached from the reset
    vector, from assembly by address, or from a table the script does not
    KEEP — ``--gc-sections`` removes its whole ``.text`` and the kernel
    jumps into nothing. When one reference exists, the opposite: dead code
    rides along, and the object silently stops benefiting from GC.

    Example:
    init/Makefile::

        ccflags-y := -fno-function-sections -fno-data-sections

    Fix:
    Keep what is reached without a reference: put it in a section the
    linker script KEEPs (``__HEAD``, ``.head.text``) or reference it from
    one; or drop the flag so GC can work per function.
    """

    code = "KGC403"
    name = "no-function-sections-object"
    severity = Severity.WARNING
    needs = frozenset({InputKind.KBUILD, InputKind.C, InputKind.ASM, InputKind.LINKER_SCRIPT})

    def check(self, project) -> Iterable[Finding]:
        model = project.analysis(KbuildModel)
        flagged = [o for o in _linked(project, model) if any(f.disables for f in o.section_flags)]
        if not flagged:
            return
        from kgclint.analysis.sections import SectionIndex

        placed: dict[str, set[str]] = {}
        for placement in project.analysis(SectionIndex).placements:
            if placement.symbol:
                placed.setdefault(placement.location.path, set()).add(placement.symbol)
        c_facts = {f.path: f for f in project.facts(InputKind.C)}
        referenced_by = _references(project, model, c_facts)
        entries = {s.model.entry: s.path for s in project.analysis(ScriptIndex).scripts if s.model.entry}
        for obj in flagged:
            own = set().union(*(c_facts[s].references for s in obj.sources if s in c_facts))
            code_kept = False
            for what, plural, section in _GROUPS:
                kind = "function" if what == "function" else "object"
                members = [d for source in obj.sources if source in c_facts
                           for d in c_facts[source].definitions
                           if d.kind == kind and d.name not in placed.get(source, set())]
                keepers = [(d.name, entries[d.name]) for d in members if d.name in entries]
                for d in members:
                    outside = [by for by in referenced_by.get(d.name, []) if by not in obj.sources]
                    if d.storage != "static" and outside:
                        keepers.append((d.name, outside[0]))
                if kind == "object" and code_kept:
                    keepers += [(d.name, f"its own code in {obj.sources[0]}") for d in members if d.name in own]
                if kind == "function":
                    code_kept = bool(keepers)
                flag = obj.effective_flag(what)
                if flag is None or not flag.disables or not members:
                    continue
                yield self._finding(obj, flag, plural, section, members, keepers, model.describe_mode())

    def _finding(self, obj: KObject, flag, plural, section, members, keepers, mode: str) -> Finding:
        where = flag.origin or obj.origin
        names = [d.name for d in members]
        related = [Related(members[0].location, f"{len(members)} {plural} of {obj.path} share one {section}")]
        if keepers:
            name, by = keepers[0]
            riders = [n for n in names if n not in {k for k, _ in keepers}]
            ride = f"; {len(riders)} that no other file references come with it ({_few(riders)})" if riders else ""
            return self.finding(
                f"{obj.path} is compiled with {flag.flag}: its {len(members)} {plural} ({_few(names)}) are one "
                f"{section} section, so the reference to {name} from {by} keeps all of it{ride} ({mode})",
                where, related=related, severity=Severity.INFO,
                properties={"case": "kept-whole"},
            )
        return self.finding(
            f"{obj.path} is compiled with {flag.flag}: its {len(members)} {plural} ({_few(names)}) are one "
            f"{section} section and no linked source or ENTRY references any of them, so --gc-sections drops "
            f"all of it; whatever is reached from hardware, assembly or a table needs KEEP ({mode})",
            where, related=related,
            properties={"case": "dropped-whole"},
        )


def _few(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _linked(project, model: KbuildModel) -> list[KObject]:
    pulled = project.analysis(SourcePull).pulled
    return list(model.objects.values()) + [o for o in model.library.values() if o.path in pulled]


def _references(project, model: KbuildModel, c_facts) -> dict[str, list[str]]:
    """Identifier -> the linked sources that use it, sorted, own source excluded by the caller."""
    asm_facts = {f.path: f for f in project.facts(InputKind.ASM)}
    out: dict[str, list[str]] = {}
    for obj in sorted(_linked(project, model), key=lambda o: o.path):
        for source in obj.sources:
            names = c_facts[source].references if source in c_facts else (
                asm_facts[source].symbol_refs if source in asm_facts else ())
            for name in names:
                out.setdefault(name, []).append(source)
    return out
