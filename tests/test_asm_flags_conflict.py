"""KGC106: what the assembler and both linkers do with one section name of different attributes.

The rule's claims (one object: rejected; several objects: GNU ld splits
types into two output sections, ld.lld merges them, GC keeps the SHT_NOTE
part only, flags are merged silently) are each shown here with the real
tools, and the rule is run on .S facts built from the same texts.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from elftools.elf.elffile import ELFFile

from kgclint.findings import Severity
from kgclint.frontends.asm_file import parse
from kgclint.inputs import InputKind, SourceInput
from kgclint.location import Location
from kgclint.placement import SectionPlacement
from kgclint.project import Options, Project
from kgclint_rules.sources.section_flags_conflict import (
    SectionFlagsConflict, conflicts, emits_section, placement_definition, switch_definitions,
)
from test_asm_helpers import assemble, elf_sections
from toolchain import link_gc, require, try_compile

NOTE = '.section .tbl,"a",@note\n.long 1\n'
PROGBITS = '.section .tbl,"a",@progbits\n.long 2\n'
READONLY = '.section .ro,"a"\n.long 3\n'
WRITABLE = '.section .ro,"aw"\n.long 4\n'
START = '.globl _start\n.text\n_start: ret\n'


def test_one_object_rejects_a_change(tmp_path):
    type_change = assemble("x86", NOTE + PROGBITS, tmp_path, "a")
    assert type_change.returncode != 0 and "changed section type for .tbl" in type_change.stderr
    flag_change = assemble("x86", READONLY + WRITABLE, tmp_path, "b")
    assert flag_change.returncode != 0 and "changed section attributes for .ro" in flag_change.stderr


def _objects(tmp_path: Path, texts: dict[str, str]) -> list[Path]:
    out = []
    for name, text in texts.items():
        done = assemble("x86", text, tmp_path, name)
        assert done.returncode == 0, done.stderr
        out.append(tmp_path / f"{name}.o")
    return out


def _output_sections(path: Path, name: str) -> list[tuple[str, int]]:
    with path.open("rb") as handle:
        return [(s["sh_type"], s["sh_flags"]) for s in ELFFile(handle).iter_sections() if s.name == name]


def test_linkers_split_merge_and_collect_mixed_types(tmp_path):
    objects = _objects(tmp_path, {"start": START, "n": NOTE, "p": PROGBITS})
    bfd = tmp_path / "bfd"
    subprocess.run([require("ld"), "-o", str(bfd), *map(str, objects)], check=True, capture_output=True)
    assert sorted(t for t, _ in _output_sections(bfd, ".tbl")) == ["SHT_NOTE", "SHT_PROGBITS"]
    lld = tmp_path / "lld"
    subprocess.run([require("ld.lld"), "-o", str(lld), *map(str, objects)], check=True, capture_output=True)
    assert len(_output_sections(lld, ".tbl")) == 1
    for linker in ("bfd", "lld"):
        result = link_gc(objects, None, tmp_path / f"gc-{linker}", linker=linker)
        assert ("p.o", ".tbl") in result.dropped and ("n.o", ".tbl") not in result.dropped


def test_linkers_merge_flags_silently(tmp_path):
    objects = _objects(tmp_path, {"start": START, "r": READONLY, "w": WRITABLE})
    for tool in ("ld", "ld.lld"):
        out = tmp_path / tool
        done = subprocess.run([require(tool), "-o", str(out), *map(str, objects)], capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == ""
        [(_, flags)] = _output_sections(out, ".ro")
        assert flags & 0x1  # SHF_WRITE: the read-only half became writable


def _facts(path: str, text: str, arch: str | None = None):
    return parse(SourceInput(path, text.encode(), arch))


def test_rule_reports_the_odd_definition_with_the_usual_one_related(tmp_path):
    files = [
        _facts("arch/x86/a.S", NOTE), _facts("arch/x86/b.S", PROGBITS), _facts("arch/x86/c.S", PROGBITS),
        _facts("arch/x86/d.S", READONLY), _facts("arch/x86/e.S", WRITABLE),
    ]
    project = Project(tmp_path, Options(), {InputKind.ASM: files})
    findings = sorted(SectionFlagsConflict().check(project), key=lambda f: f.location)
    assert [(f.location.path, f.severity) for f in findings] == [
        ("arch/x86/a.S", Severity.ERROR), ("arch/x86/e.S", Severity.WARNING)]
    assert "type @note instead of @progbits" in findings[0].message
    assert findings[0].related[0].location.path == "arch/x86/b.S"
    assert "writable" in findings[1].message


def test_different_arches_never_meet():
    arm = list(switch_definitions(_facts("arch/arm/a.S", '.section .x,"ax"').switches, "arm", "asm"))
    x86 = list(switch_definitions(_facts("arch/x86/a.S", '.section .x,"a"').switches, "x86", "asm"))
    generic = list(switch_definitions(_facts("lib/a.S", '.section .x,"aw"').switches, None, "asm"))
    assert list(conflicts(arm + x86)) == []
    assert len(list(conflicts(arm + x86 + generic))) >= 1


def test_flagless_directive_is_not_a_definition():
    assert list(switch_definitions(_facts("a.S", ".section .x\n.pushsection .y\n.popsection").switches, None, "asm")) == []


def test_c_placements_take_gccs_flags_and_conflict_with_asm():
    const = SectionPlacement(".tbl2", "a", "object", Location("drivers/a.c", 3), const=True, used=True)
    var = SectionPlacement(".tbl2", "b", "object", Location("drivers/b.c", 4), used=True)
    c_defs = [placement_definition(const, None), placement_definition(var, None)]
    assert {"".join(sorted(d.attrs.flags)) for d in c_defs if d} == {"a", "aw"}
    asm_defs = list(switch_definitions(_facts("lib/t.S", '.section .tbl2,"a"').switches, None, "asm"))
    [(odd, usual, count)] = list(conflicts([d for d in c_defs if d] + asm_defs))
    assert odd.location.path == "drivers/b.c" and count == 2


def test_hack_placement_is_read_through_gccs_line():
    hack = SectionPlacement('.tbl3,"a",@note #', "n", "object", Location("arch/x86/n.c", 1), const=True)
    found = placement_definition(hack, "x86")
    assert found is not None and found.section == ".tbl3" and found.attrs.type == "note"
    # on ARM the x86 spelling does not assemble: no definition to compare
    assert placement_definition(hack, "arm") is None


def test_declarations_emit_no_section(tmp_path):
    """GCC writes no section for an extern object or a prototype carrying a section attribute."""
    source = tmp_path / "d.c"
    source.write_text(
        '__attribute__((section(".decl"))) extern int x;\n'
        '__attribute__((section(".decl"))) int f(void);\n'
        "int use(void) { return x + f(); }\n"
    )
    done = try_compile(source, tmp_path / "d.o")
    assert done.returncode == 0, done.stderr
    assert ".decl" not in elf_sections(tmp_path / "d.o")
    ext = SectionPlacement(".decl", "x", "object", Location("d.c", 1), storage="extern")
    proto = SectionPlacement(".decl", "f", "function", Location("d.c", 2))
    body = SectionPlacement(".decl", "g", "function", Location("d.c", 4))
    assert not emits_section(ext, {("x", "object")})
    assert not emits_section(proto, {("use", "function")})
    assert emits_section(body, {("g", "function")})
