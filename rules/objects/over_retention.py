"""KGC304: a KEEP'd table whose entries pin code that nothing else uses."""

from __future__ import annotations

from collections.abc import Iterable

from kgclint.analysis.gc import GcResult, ProjectLink
from kgclint.elf.facts import SHF_EXECINSTR, STT_FUNC
from kgclint.findings import Finding, Severity
from kgclint.inputs import InputKind
from kgclint.location import Location
from kgclint.project import Project
from kgclint.rule import Rule

MAX_NAMED = 5


def pinned_code(link: ProjectLink, linker: str | None = None) -> dict[object, list[tuple[int, int]]]:
    """Per KEEP description: (entry section, code section) pairs where the entry alone keeps the code.

    The code is live in the real link and dead in the same link where the
    sections this KEEP description matches kept only themselves (the table
    without KEEP, every other KEEP as it is); the KEEP'd section is data (a table, not code that calls
    code); and the entry points strictly inside a function (an
    instruction, as exception-table and patch-site entries do), not at the
    start of a function or label a table names to call, like an initcall
    or a CPU descriptor's setup routine, whose retention is the point.
    """
    real = link.result(linker)
    suspects: dict[object, list[tuple[int, int]]] = {}
    for sid, root in real.roots.items():
        if root.keep is None:
            continue
        obj, section = real.locate(sid)
        if section.flags & SHF_EXECINSTR:
            continue
        k = real.objects.index(obj)
        syms = obj.facts.symbols
        functions = _functions(obj)
        for r in obj.facts.relocations:
            if r.target != section.index or len(r.addends) != len(r):
                continue
            for n, row in enumerate(r.symbols):
                if row >= len(syms) or syms.type(row) == STT_FUNC:
                    continue
                if r.types[n] in _PC_RELATIVE.get(obj.facts.machine, ()):
                    continue
                index = syms.shndx[row]
                if not 0 < index < len(obj.facts.sections) or index == section.index:
                    continue
                if not obj.facts.sections[index].flags & SHF_EXECINSTR:
                    continue
                if _inside_function(functions.get(index, ()), syms.values[row] + r.addends[n]):
                    suspects.setdefault(root.keep, []).append((sid, real.base[k] + index))
    found: dict[object, list[tuple[int, int]]] = {}
    for description, pairs in suspects.items():
        without = link.result_keep_inert(description.index, linker)  # type: ignore[attr-defined]
        kept_only_by_it = [(e, t) for e, t in pairs if not without.live[t]]
        if kept_only_by_it:
            found[description] = kept_only_by_it
    return found


#: PC-relative data relocations: their addend is not the target's offset, so they are not judged.
_PC_RELATIVE = {40: (3, 42), 62: (2, 24), 183: (260, 261), 243: (57,), 21: (26, 44)}


def _functions(obj) -> dict[int, list[tuple[int, int]]]:
    """Per section: (start, end) of every sized function symbol (Thumb bit cleared)."""
    syms = obj.facts.symbols
    arm = obj.facts.machine == 40
    out: dict[int, list[tuple[int, int]]] = {}
    for i in range(1, len(syms)):
        if syms.type(i) == STT_FUNC and syms.sizes[i]:
            start = syms.values[i] & ~1 if arm else syms.values[i]
            out.setdefault(syms.shndx[i], []).append((start, start + syms.sizes[i]))
    return out


def _inside_function(ranges, address: int) -> bool:
    """Whether ``address`` is strictly inside a function: an instruction, not an entry point."""
    return any(start < address < end for start, end in ranges)


class OverRetention(Rule):
    """A KEEP'd table whose entries keep otherwise-dead code alive.

    What it finds:
    Sections kept by a ``KEEP()`` pattern whose relocations point into code
    (through a section symbol or a local label, as exception-table and
    patch-site entries do, not through a function symbol as an initcall
    does) that the simulated link would drop if the KEEP'd entries did not
    hold it. One finding per KEEP pattern, naming the code it pins.

    Why it breaks a kernel:
    It does not break the boot; it defeats ``--gc-sections``: every
    exception-table entry of an unused ``get_user`` caller keeps that
    caller, its fixup and everything they call, so dead code ships and the
    image stays large. Kernels met this with ``__ex_table`` → ``.fixup`` →
    ``get_user`` (seed 002).

    Example:
    ``__ex_table : { KEEP(*(__ex_table)) }`` with entries emitted by
    ``.pushsection __ex_table,"a"`` next to a user access in a function
    nothing calls: the function stays.

    Fix:
    Emit each entry into a section linked to the code it describes,
    ``.pushsection __ex_table,"ao",@progbits,.text.fn`` (the ``o`` flag,
    SHF_LINK_ORDER; GNU as 2.35+, ld.lld), and take those sections out of
    ``KEEP()``: both linkers then keep an entry exactly when its code is
    kept (checked in tests/test_obj_oracle.py, case link-order). GNU ld
    still honours ``KEEP`` on SHF_LINK_ORDER sections and would pin the
    code again; ld.lld ignores it.
    """

    code = "KGC304"
    name = "over-retention"
    severity = Severity.INFO
    needs = frozenset({InputKind.OBJECT, InputKind.ARCHIVE, InputKind.LINKER_SCRIPT})

    def check(self, project: Project) -> Iterable[Finding]:
        link = project.analysis(ProjectLink)
        if link.script is None or not link.inputs:
            return
        result = link.result()
        for description, pairs in sorted(pinned_code(link).items(), key=lambda item: item[0].index):  # type: ignore[attr-defined]
            code = sorted({_label(result, t) for _e, t in pairs})
            entries = sorted({_label(result, e) for e, _t in pairs})
            named = ", ".join(code[:MAX_NAMED]) + (f" and {len(code) - MAX_NAMED} more" if len(code) > MAX_NAMED else "")
            node = description.node  # type: ignore[attr-defined]
            message = (
                f"{getattr(node, 'text', 'KEEP')} keeps {len(code)} code section(s) nothing else "
                f"uses ({named}) through {len(entries)} entry section(s) that point into them; link each entry "
                f"to its code (SHF_LINK_ORDER, the 'o' flag) and leave it out of KEEP, so it lives and dies with its code"
            )
            yield self.finding(message, _script_location(node.location, link),
                               properties={"linker": result.linker, "pinned": str(len(code))})


def _label(result: GcResult, sid: int) -> str:
    obj, s = result.locate(sid)
    return f"{obj.display(result.linker)}:({s.name})"


def _script_location(location: Location, link: ProjectLink) -> Location:
    build_dir = link.build_dir
    if build_dir is not None and location.path.startswith(str(build_dir)):
        return Location(location.path[len(str(build_dir)):].lstrip("/"), location.line, location.column)
    return location
