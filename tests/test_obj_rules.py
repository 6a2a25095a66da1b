"""Object rules (KGC3xx) proved by the real linkers, and the project link they run on."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_obj_oracle import BINUTILS, asm
from toolchain import compile_c, parse_print_gc_sections, require, run

from kgclint.analysis.gc import GcOptions, ProjectLink, load_script, object_input, simulate
from kgclint.elf.reader import read_object
from kgclint.inputs import InputKind
from kgclint.project import Options, Project
from kgclint_rules.objects.orphan_sections import OrphanSections, orphans
from kgclint_rules.objects.table_entries_dropped import TableEntriesDropped

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

ORPHANS = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a kept_orphan_fn
    .dc.a .Ld
    .section .orph.text,"ax",%progbits
kept_orphan_fn: .long 0
    .section .orph.dead,"ax",%progbits
    .long 0
    .section .orph.data,"aw",%progbits
.Ld: .long 0
    .section .orph.nonalloc,"",%progbits
    .long 0
    .section .orph.empty,"a",%progbits
    .section .note.orphan,"a",%note
    .long 1
    .section .orph.group,"axG",%progbits,sig,comdat
    .long 0
""")
ORPHAN_SCRIPT = "ENTRY(_start)\nSECTIONS { .text : { *(.text .text.*) } }\n"
_BFD_ORPHAN = re.compile(r"orphan section `(?P<section>[^']+)' from `(?P<file>[^']+)' being placed")
_LLD_ORPHAN = re.compile(r"warning: (?P<file>.+):\((?P<section>.+)\) is being placed in")


def _linker_orphans(linker: str, arch: str, obj: Path, script: Path, work: Path) -> set[tuple[str, str]]:
    ld = require("ld.lld") if linker == "lld" else require(BINUTILS[arch] + "ld")
    done = subprocess.run(
        [ld, "--gc-sections", "--orphan-handling=warn", "-T", str(script), str(obj), "-o", str(work / "out")],
        capture_output=True, text=True, check=False,
    )
    pattern = _LLD_ORPHAN if linker == "lld" else _BFD_ORPHAN
    # GNU ld files the sections it creates itself (.got, .iplt ...) under the first input: not input sections.
    own = {s.name for s in read_object(obj.read_bytes(), obj.name).sections}
    found = set()
    for line in done.stderr.splitlines():
        m = pattern.search(line)
        if m and m["file"] != "<internal>" and Path(m["file"]).name == obj.name and m["section"] in own:
            found.add((obj.name, m["section"]))
    return found


@pytest.mark.parametrize("arch", ["x86_64", "arm", "riscv64", "powerpc64"])
@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_orphans_are_what_orphan_handling_warn_reports(arch: str, linker: str, tmp_path: Path) -> None:
    src = tmp_path / "o.s"
    src.write_text(ORPHANS)
    obj = tmp_path / "o.o"
    run([require(BINUTILS[arch] + "as"), str(src), "-o", str(obj)])
    script = tmp_path / "o.lds"
    script.write_text(ORPHAN_SCRIPT)
    model, _ = load_script(script, linker)
    result = simulate([object_input(obj, str(obj))], model, GcOptions(linker=linker))
    mine = {(obj.name, s.name) for _o, s, live in orphans(result, model) if live}
    real = _linker_orphans(linker, arch, obj, script, tmp_path)
    assert real, "the linker warned about no orphan; the case proves nothing"
    assert mine == real


def _built_case(name: str, work: Path) -> Path:
    """A corpus case copied and built with its corpus.mk, as the corpus harness does."""
    target = work / name
    shutil.copytree(CORPUS / name, target)
    run(["make", "-s", "-f", "corpus.mk"], cwd=target)
    return target


def _project(root: Path, linker: str) -> Project:
    """A project of the case's objects and its plain linker script, as the engine would build it."""
    from kgclint.frontends.lds_file import parse as parse_lds
    from kgclint.inputs import SourceInput

    objects = [read_object(p.read_bytes(), p.relative_to(root).as_posix()) for p in sorted(root.glob("*.o"))]
    scripts = [parse_lds(SourceInput(p.relative_to(root).as_posix(), p.read_bytes(), None)) for p in sorted(root.glob("*.lds"))]
    return Project(root, Options(linker=linker), {InputKind.OBJECT: objects, InputKind.LINKER_SCRIPT: scripts})


@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_table_entries_dropped_are_what_the_linker_drops(linker: str, tmp_path: Path) -> None:
    root = _built_case("obj-table-dropped", tmp_path)
    project = _project(root, linker)
    findings = list(TableEntriesDropped().check(project))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.location.path == "vmlinux.lds" and finding.location.line == 9
    assert "__handlers_start" in finding.message and "silent" in finding.message
    # The linker itself drops the table's input section, and nothing else of the table.
    ld = require("ld.lld") if linker == "lld" else require("ld")
    done = subprocess.run(
        [ld, "--gc-sections", "--print-gc-sections", "-T", "vmlinux.lds", "table.o", "-o", "out"],
        cwd=root, capture_output=True, text=True, check=False,
    )
    assert ("table.o", ".handlers") in parse_print_gc_sections(done.stderr + done.stdout)
    result = project.analysis(ProjectLink).result()
    assert any(s.name == ".handlers" for _o, s in result.dropped())


def test_kept_table_has_no_finding(tmp_path: Path) -> None:
    root = _built_case("obj-table-dropped", tmp_path)
    script = root / "vmlinux.lds"
    script.write_text(script.read_text().replace("*(.handlers)", "KEEP(*(.handlers))"))
    assert list(TableEntriesDropped().check(_project(root, "bfd"))) == []


def test_orphan_rule_points_at_the_object_without_sources(tmp_path: Path) -> None:
    src = tmp_path / "o.s"
    src.write_text(ORPHANS)
    run([require("as"), str(src), "-o", str(tmp_path / "o.o")])
    (tmp_path / "o.lds").write_text(ORPHAN_SCRIPT)
    findings = list(OrphanSections().check(_project(tmp_path, "bfd")))
    names = sorted(f.properties["section"] for f in findings)
    assert names == [".note.orphan", ".orph.data", ".orph.nonalloc", ".orph.text"]
    assert all(f.location.path == "o.o" for f in findings)


def test_c_table_in_arm_objects(tmp_path: Path) -> None:
    """The same table, compiled for ARM, is found for both linkers."""
    root = tmp_path / "case"
    shutil.copytree(CORPUS / "obj-table-dropped", root)
    compile_c(root / "table.c", root / "table.o", arch="arm")
    for linker in ("bfd", "lld"):
        assert len(list(TableEntriesDropped().check(_project(root, linker)))) == 1


@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_over_retention_is_what_keep_pins(linker: str, tmp_path: Path) -> None:
    """The code KGC304 names survives with KEEP and goes without it, in the real linker."""
    from kgclint_rules.objects.over_retention import OverRetention

    root = _built_case("obj-over-retention", tmp_path)
    ld = require("ld.lld") if linker == "lld" else require("ld")
    script = (root / "vmlinux.lds").read_text()
    (root / "nokeep.lds").write_text(script.replace("KEEP(*(__ex_table))", "*(__ex_table)"))

    def dropped(lds: str) -> frozenset[tuple[str, str]]:
        done = subprocess.run([ld, "--gc-sections", "--print-gc-sections", "-T", lds, "uaccess.o", "-o", "out"],
                              cwd=root, capture_output=True, text=True, check=False)
        return parse_print_gc_sections(done.stderr + done.stdout)

    assert ("uaccess.o", ".text..dead_get_user") not in dropped("vmlinux.lds")
    assert ("uaccess.o", ".text..dead_get_user") in dropped("nokeep.lds")
    (root / "nokeep.lds").unlink()
    findings = list(OverRetention().check(_project(root, linker)))
    assert len(findings) == 1
    assert "uaccess.o:(.text..dead_get_user)" in findings[0].message
    assert "used_get_user" not in findings[0].message
    assert findings[0].location.line == 7


def _many_sections(prefix: str, count: int) -> str:
    """Assembly with ``count`` function sections (each referencing the next) and a comdat group."""
    text = ".altmacro\n.macro sec n\n"
    text += f".section .text.{prefix}\\n,\"ax\",@progbits\n.globl {prefix}\\n\n{prefix}\\n: call {prefix}\\n\nret\n.endm\n"
    text += f".set i,0\n.rept {count}\nsec %i\n.set i,i+1\n.endr\n"
    text += '.section .text.shared,"ax",@progbits\nret\n.section .text.g,"axG",@progbits,g,comdat\n.globl g\ng: ret\n'
    return text


@pytest.mark.parametrize("counts", [(40, 60), (33000, 33000)], ids=["small", "past-limit"])
def test_ld_r_section_count_is_projected_exactly(counts: tuple[int, int], tmp_path: Path) -> None:
    from kgclint.elf.relocatable import relocatable_section_count
    from kgclint_rules.objects.section_limit import SectionLimit

    objs = []
    for prefix, count in zip("ab", counts):
        src = tmp_path / f"{prefix}.s"
        src.write_text(_many_sections(prefix, count))
        objs.append(tmp_path / f"{prefix}.o")
        run([require("as"), str(src), "-o", str(objs[-1])])
    facts = [read_object(p.read_bytes(), p.name) for p in objs]
    out = tmp_path / "built-in.o"
    run([require("ld"), "-r", "-o", str(out), *map(str, objs)])
    merged = read_object(out.read_bytes(), "built-in.o")
    assert relocatable_section_count(facts) == merged.shnum
    project = Project(tmp_path, Options(), {InputKind.OBJECT: [merged]})
    findings = list(SectionLimit().check(project))
    if merged.shnum >= 0xFF00:
        assert len(findings) == 1 and "past" in findings[0].message and findings[0].severity == "error"
    else:
        assert findings == []


PPC_FAR = {
    "a.s": "\t.abiversion 2\n\t.section .text,\"ax\",@progbits\n\t.globl _start\n_start:\t.space 40000\n"
           "\tcmpdi 3,0\n\tbeq 0,far_target\n\tblr\n",
    "big.s": "\t.section .text,\"ax\",@progbits\n\t.globl big\nbig:\t.space 40000\n\tblr\n",
    "b.s": "\t.section .text,\"ax\",@progbits\n\t.globl far_target\nfar_target: blr\n",
}


def test_branch_stranded_by_ld_r_fails_the_final_link(tmp_path: Path) -> None:
    """KGC305 names exactly the branch the final link of the ld -r output cannot reach (ld.lld proves it)."""
    from kgclint_rules.objects.branch_range import BranchRange, stranded_branches

    prefix = BINUTILS["powerpc64le"]
    objs = []
    for name, text in PPC_FAR.items():
        (tmp_path / name).write_text(text)
        objs.append(tmp_path / name.replace(".s", ".o"))
        run([require(prefix + "as"), str(tmp_path / name), "-o", str(objs[-1])])
    merged = tmp_path / "built-in.o"
    run([require(prefix + "ld"), "-r", "-o", str(merged), *map(str, objs)])
    # Linked directly, ld.lld finds room for a thunk; after ld -r it cannot.
    direct = subprocess.run([require("ld.lld"), *map(str, objs), "-o", str(tmp_path / "d")], capture_output=True, text=True)
    incremental = subprocess.run([require("ld.lld"), str(merged), "-o", str(tmp_path / "i")], capture_output=True, text=True)
    assert direct.returncode == 0
    assert "too large for range extension thunk" in incremental.stderr
    bfd = subprocess.run([require(prefix + "ld"), str(merged), "-o", str(tmp_path / "g")], capture_output=True, text=True)
    assert "relocation truncated to fit: R_PPC64_REL14" in bfd.stderr
    facts = [read_object(p.read_bytes(), p.name) for p in objs]
    assert all(stranded_branches(f) == {} for f in facts)
    merged_facts = read_object(merged.read_bytes(), "built-in.o")
    stranded = stranded_branches(merged_facts)
    assert [name for (_i, name) in stranded] == ["R_PPC64_REL14"]
    assert list(stranded.values()) == [[40004]]
    findings = list(BranchRange().check(Project(tmp_path, Options(), {InputKind.OBJECT: [merged_facts, *facts]})))
    assert len(findings) == 1 and findings[0].location.path == "built-in.o"


START_STOP_TABLE = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a __start_mytab
    .dc.a __stop_mytab
    .section mytab,"aw",%progbits
    .dc.a handler
    .section .text.handler,"ax",%progbits
handler: .long 0
""")


@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_start_stop_table_is_lost_only_under_lld(linker: str, tmp_path: Path) -> None:
    """ld.lld's default -z start-stop-gc drops a __start_/__stop_ table; GNU ld keeps it (both linkers say so)."""
    (tmp_path / "t.s").write_text(START_STOP_TABLE)
    run([require("as"), str(tmp_path / "t.s"), "-o", str(tmp_path / "t.o")])
    (tmp_path / "t.lds").write_text("ENTRY(_start)\nSECTIONS { .text : { *(.text .text.*) } }\n")
    ld = require("ld.lld") if linker == "lld" else require("ld")
    done = subprocess.run([ld, "--gc-sections", "--print-gc-sections", "-T", "t.lds", "t.o", "-o", "out"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    lost = ("t.o", "mytab") in parse_print_gc_sections(done.stderr + done.stdout)
    assert lost == (linker == "lld")
    findings = list(TableEntriesDropped().check(_project(tmp_path, linker)))
    assert len(findings) == int(lost)
    if lost:
        assert "__start_mytab and __stop_mytab" in findings[0].message
        assert "start-stop-gc" in findings[0].message


def test_keep_fix_makes_the_linker_keep_the_table(tmp_path: Path) -> None:
    """Applying KGC301's fix to the script: ld then keeps the entries, and the finding goes away."""
    root = _built_case("obj-table-dropped", tmp_path)
    [finding] = TableEntriesDropped().check(_project(root, "bfd"))
    assert finding.fix is not None
    [edit] = finding.fix.edits
    script = root / edit.path
    data = script.read_bytes()
    script.write_bytes(data[: edit.start] + edit.text.encode() + data[edit.end:])
    assert b"KEEP(*(.handlers))" in script.read_bytes()
    done = subprocess.run([require("ld"), "--gc-sections", "--print-gc-sections", "-T", "vmlinux.lds", "table.o", "-o", "out"],
                          cwd=root, capture_output=True, text=True, check=False)
    assert ("table.o", ".handlers") not in parse_print_gc_sections(done.stderr)
    assert list(TableEntriesDropped().check(_project(root, "bfd"))) == []


GUARDED = asm("""
    .globl _start
    .section .text.._start,"ax",%progbits
_start: .dc.a __cpu_begin
    .dc.a __cpu_end
    .section .cpu.info,"a",%progbits
cpu_a: .long 1
cpu_b: .long 2
""")
GUARDED_SCRIPT = """ENTRY(_start)
SECTIONS {
  .text : { *(.text .text.*) }
  .cpu : { __cpu_begin = .; *(.cpu.info) __cpu_end = .; }
}
ASSERT((__cpu_end - __cpu_begin), "missing CPU support")
"""


def test_guarded_table_is_loud_and_the_link_fails(tmp_path: Path) -> None:
    """An ASSERT over the table's bounds (ARM's 'missing CPU support'): the finding says loud, and ld fails."""
    (tmp_path / "t.s").write_text(GUARDED)
    run([require("as"), str(tmp_path / "t.s"), "-o", str(tmp_path / "t.o")])
    (tmp_path / "t.lds").write_text(GUARDED_SCRIPT)
    done = subprocess.run([require("ld"), "--gc-sections", "-T", "t.lds", "t.o", "-o", "out"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "missing CPU support" in done.stderr
    [finding] = TableEntriesDropped().check(_project(tmp_path, "bfd"))
    assert "loud" in finding.message and finding.properties["breakage"] == "loud"
    assert "2 entries" in finding.message
    assert [r.location.line for r in finding.related] == [6]
