"""The linkers decide: every lds corpus case is compiled with gcc and linked with GNU ld and ld.lld.

Each case's C and assembly sources are compiled as Kbuild would for GC
(``-ffunction-sections -fdata-sections``), linked with its script and
``--gc-sections --print-gc-sections``, and kgclint's findings are held
against what each linker actually removed:

* KGC201/KGC202/KGC203 say "would be dropped": every entry they name is in
  both linkers' removal lists;
* KGC206 says "GNU ld keeps it, ld.lld drops it" (and fails the link for
  an orphan): exactly that;
* KGC205 says "ld.lld before 21 rejects KEEP in OVERLAY": ld.lld 14 fails,
  GNU ld links;
* KGC204 says "the wildcard takes it first": the symbol lands in the
  wildcard's output section;
* a clean case (KEEP'd table) keeps every table entry in both linkers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.analysis.tables import Tables
from kgclint.checker import run_check
from kgclint.cli import build_parser
from kgclint.findings import Finding
from kgclint.options import build_request
from kgclint.plugins import load_rules
from toolchain import compile_c, link_gc, require

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and p.name.startswith("lds-"))
FLAGS = ("-fno-asynchronous-unwind-tables", "-fno-pie", "-ffreestanding", "-fno-stack-protector")


def object_for(source: str) -> str:
    """A unique object basename per source: the linkers print basenames."""
    return source.replace("/", "_").rsplit(".", 1)[0] + ".o"


def build(case: Path, out: Path) -> tuple[list[Path], Path]:
    objects = []
    for source in sorted([*case.rglob("*.c"), *case.rglob("*.S")]):
        if source.name.endswith(".lds.S"):
            continue
        rel = source.relative_to(case).as_posix()
        objects.append(compile_c(source, out / object_for(rel), flags=FLAGS))
    scripts = sorted([*case.rglob("*.lds"), *case.rglob("*.lds.S")])
    assert len(scripts) == 1, f"{case.name}: one script expected"
    if scripts[0].name.endswith(".lds.S"):
        # link with the text kgclint analysed: cpp output, line markers blanked
        from kgclint.analysis.scripts import ScriptIndex
        from kgclint.engine import build_project
        from kgclint.inputs import InputKind
        from kgclint.project import Options

        project = build_project(case, [case], Options(arch="x86_64"), {InputKind.LINKER_SCRIPT})
        plain = out / "script.lds"
        plain.write_text(project.analysis(ScriptIndex).scripts[0].preprocessed.text)
        return objects, plain
    return objects, scripts[0]


def findings(case: Path) -> list[Finding]:
    args = build_parser().parse_args(["check", str(case), "--root", str(case), "--no-cache", "-j", "1"])
    return list(run_check(build_request(args, [case]), load_rules()).findings)


def placed_entries(finding: Finding) -> Iterable[str]:
    """Source paths of the entries a finding says are placed and unprotected."""
    if finding.code in ("KGC203", "KGC206"):
        yield finding.location.path
    for related in finding.related:
        if related.message.startswith(("places", "another entry")):
            yield related.location.path


def section_of(finding: Finding) -> str:
    """The input section a finding is about, from its properties or message."""
    if "section" in finding.properties:
        return finding.properties["section"]
    for related in finding.related:
        if related.message.startswith("places"):
            return related.message.split(" in ", 1)[1]
    raise AssertionError(f"no section in {finding}")


@pytest.fixture(scope="module")
def linkers() -> None:
    require("gcc")
    require("ld")
    require("ld.lld")


@pytest.mark.parametrize("case", CASES)
def test_case_agrees_with_both_linkers(case: str, tmp_path: Path, linkers: None) -> None:
    folder = CORPUS / case
    objects, script = build(folder, tmp_path)
    bfd = link_gc(objects, script, tmp_path / "bfd.out", linker="bfd", entry="_start")
    lld = link_gc(objects, script, tmp_path / "lld.out", linker="lld", entry="_start")
    results = findings(folder)
    codes = {f.code for f in results}
    checked = 0
    for finding in results:
        if finding.code in ("KGC201", "KGC202", "KGC203"):
            section = section_of(finding)
            for source in placed_entries(finding):
                key = (object_for(source), section)
                assert bfd.returncode == 0 and key in bfd.dropped, f"GNU ld kept {key}: {finding.message}"
                assert lld.returncode == 0 and key in lld.dropped, f"ld.lld kept {key}: {finding.message}"
                checked += 1
        elif finding.code == "KGC206":
            section = section_of(finding)
            for source in placed_entries(finding):
                key = (object_for(source), section)
                assert bfd.returncode == 0 and key not in bfd.dropped, f"GNU ld dropped {key}"
                assert key in lld.dropped, f"ld.lld kept {key}"
                if finding.properties["breakage"] == "loud":
                    assert lld.returncode != 0 and f"undefined symbol: __start_{section}" in lld.stderr, lld.stderr
                else:
                    assert lld.returncode == 0, lld.stderr
                checked += 1
        elif finding.code == "KGC205":
            assert bfd.returncode == 0, bfd.stderr
            assert lld.returncode != 0 and "expected" in lld.stderr, lld.stderr
            checked += 1
        elif finding.code == "KGC204":
            assert bfd.returncode == 0, bfd.stderr
            wildcard_output = finding.related[0].message  # "'<pattern>' captures <section>"
            assert "captures" in wildcard_output
            with open(tmp_path / "bfd.out", "rb") as stream:
                elf = ELFFile(stream)
                names = [s.name for s in elf.iter_sections()]
                symtab = elf.get_section_by_name(".symtab")
                placed = {sym.name: names[sym["st_shndx"]] for sym in symtab.iter_symbols()
                          if isinstance(sym["st_shndx"], int) and sym["st_shndx"] < len(names)}
            assert placed.get("vector_reset") == ".text", placed
            checked += 1
    if not codes & {"KGC201", "KGC202", "KGC203", "KGC204", "KGC205", "KGC206"}:
        # a clean case: every table entry the analysis sees survives both links
        from kgclint.engine import build_project
        from kgclint.inputs import InputKind
        from kgclint.project import Options

        project = build_project(folder, [folder], Options(arch="x86_64"), set(InputKind))
        tables = project.analysis(Tables).tables
        assert tables, f"{case}: a clean case must have a table to keep"
        for table in tables:
            for entry in table.entries:
                key = (object_for(entry.location.path), entry.section)
                assert key not in bfd.dropped and key not in lld.dropped, key
                checked += 1
    assert checked, f"{case}: nothing was checked against the linkers"


def test_table_walked_by_one_arch_only_is_that_archs_finding(tmp_path: Path, linkers: None) -> None:
    """corpus/table-walker-arch: arm's and arc's scripts share an unkept table that only arm's code walks.
    kgclint reports arm's script alone; linking arm's image (the generic entry and arm's walker) with arm's
    script, both linkers drop the entry the finding names."""
    folder = CORPUS / "table-walker-arch"
    results = [f for f in findings(folder) if f.code == "KGC201"]
    assert [f.location.path for f in results] == ["arch/arm/kernel/vmlinux.lds"]
    walker = tmp_path / "start.c"
    walker.write_text("int run_tab(void);\nvoid _start(void) { run_tab(); }\n")
    objects = [compile_c(folder / source, tmp_path / object_for(source), flags=FLAGS)
               for source in ("drivers/tab/entries.c", "arch/arm/kernel/walk.c")]
    objects.append(compile_c(walker, tmp_path / "start.o", flags=FLAGS))
    script = folder / "arch/arm/kernel/vmlinux.lds"
    for linker in ("bfd", "lld"):
        done = link_gc(objects, script, tmp_path / f"{linker}.out", linker=linker, entry="_start")
        for source in placed_entries(results[0]):
            assert done.returncode == 0 and (object_for(source), section_of(results[0])) in done.dropped, linker


def test_module_only_sections_are_not_the_images_orphans(tmp_path: Path, linkers: None) -> None:
    """gcc makes ``.modstubs``/``.modmeta`` only with the top-level makefile's KBUILD_CFLAGS_MODULE (-DMODULE):
    the image's objects never have them, so KGC203 names just the built-in object's orphan, which both
    linkers drop."""
    case = CORPUS / "lds-module-only"
    source = case / "drivers/misc/stubs.c"

    def sections(obj: Path) -> set[str]:
        with obj.open("rb") as stream:
            return {s.name for s in ELFFile(stream).iter_sections()}

    builtin = sections(compile_c(source, tmp_path / "builtin.o", flags=FLAGS))
    module = sections(compile_c(source, tmp_path / "module.o", flags=(*FLAGS, "-DMODULE")))
    module_only = module - builtin
    assert module_only == {".modstubs", ".modmeta"}
    orphans = {f.properties["section"] for f in findings(case) if f.code == "KGC203"}
    assert orphans == {".builtin_only"} and orphans <= builtin
    bfd = link_gc([tmp_path / "builtin.o"], case / "arch/x86/kernel/vmlinux.lds", tmp_path / "bfd.out",
                  linker="bfd", entry="_start")
    assert ("builtin.o", ".builtin_only") in bfd.dropped
