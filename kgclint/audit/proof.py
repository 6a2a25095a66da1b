"""Object proof for an audit: GC simulated on a finished build's ``vmlinux.o`` with its generated script.

Kbuild links vmlinux from ``vmlinux.o`` (every built-in object, ``ld -r``)
and ``arch/<ARCH>/kernel/vmlinux.lds`` (the script after cpp). Running
kgclint's GC simulation (kgclint.analysis.gc, checked against ld's own
``--print-gc-sections``) on exactly those turns a row's prediction into a
fact: how many of the input sections its pattern takes survive.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kgclint.elf.facts import SHF_ALLOC
from kgclint.lds.model import ScriptModel


@dataclass
class ObjectProof:
    """Live and dropped alloc sections of vmlinux.o, by name, under one linker."""

    build_dir: Path
    linker: str
    live: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)

    def for_description(self, model: ScriptModel, index: int) -> str:
        """What the link does to the sections the source script's description ``index`` takes (first match)."""
        kept = gone = 0
        names: list[str] = []
        for name in sorted(set(self.live) | set(self.dropped)):
            found = model.place("vmlinux.o", name)
            if found is None or found.description is None or found.description.index != index:
                continue
            kept += self.live[name]
            gone += self.dropped[name]
            if self.dropped[name]:
                names.append(name)
        if not kept and not gone:
            return "vmlinux.o has no section this pattern takes"
        shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
        verdict = f"{gone} dropped ({shown})" if gone else "none dropped"
        return f"GC of vmlinux.o ({self.linker}): {kept + gone} input sections taken, {kept} kept, {verdict}"


def object_proof(build_dir: Path, arch: str, linker: str) -> tuple[ObjectProof | None, str]:
    """The proof for a build directory, or None and why there is none."""
    from kgclint.analysis.gc import GcOptions, load_script, object_input, simulate

    vmlinux_o = build_dir / "vmlinux.o"
    script = build_dir / "arch" / arch / "kernel" / "vmlinux.lds"
    missing = [str(p) for p in (vmlinux_o, script) if not p.is_file()]
    if missing:
        return None, f"no object proof: {', '.join(missing)} not found (a finished Kbuild O= directory has both)"
    model, diagnostics = load_script(script, linker)
    result = simulate([object_input(vmlinux_o, "vmlinux.o")], model, GcOptions(linker=linker, entry=model.entry))
    proof = ObjectProof(build_dir, linker)
    for k, obj in enumerate(result.objects):
        for section in obj.facts.sections:
            sid = result.base[k] + section.index
            if not result.candidate[sid] or not section.flags & SHF_ALLOC:
                continue
            (proof.live if result.live[sid] else proof.dropped)[section.name] += 1
    notes = "; ".join(d.message for d in [*diagnostics, *result.diagnostics][:3])
    return proof, f"object proof from {vmlinux_o} and {script}" + (f" ({notes})" if notes else "")
