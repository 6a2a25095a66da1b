"""Real Linux 6.12 linker scripts preprocess and parse, with nodes mapped to the files a person edits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kgclint.analysis.scripts import ScriptIndex
from kgclint.analysis.tables import find_candidates
from kgclint.frontends.lds_file import parse as parse_file
from kgclint.inputs import InputKind, SourceInput
from kgclint.lds.cpp import MODE_ALL, MODE_CONFIG
from kgclint.project import Options, Project
from toolchain import require

pytestmark = pytest.mark.kernel

SCRIPTS = {
    "arm": ["arch/arm/kernel/vmlinux.lds.S", "arch/arm/kernel/vmlinux-xip.lds.S", "arch/arm/vdso/vdso.lds.S"],
    "x86": ["arch/x86/kernel/vmlinux.lds.S", "arch/x86/boot/compressed/vmlinux.lds.S", "arch/x86/entry/vdso/vdso.lds.S"],
    "riscv": ["arch/riscv/kernel/vmlinux.lds.S"],
    "powerpc": ["arch/powerpc/kernel/vmlinux.lds.S"],
    "mips": ["arch/mips/kernel/vmlinux.lds.S"],
}


@pytest.fixture(scope="session")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lds-cache")


@pytest.fixture(scope="session")
def arm_defconfig(linux_tree: Path, tmp_path_factory) -> Path:
    """``make ARCH=arm defconfig`` in a scratch O= directory: host tools only, a few seconds."""
    require("make")
    build = tmp_path_factory.mktemp("arm-defconfig")
    subprocess.run(["make", "-s", "ARCH=arm", f"O={build}", "defconfig"], cwd=linux_tree, check=True,
                   capture_output=True, timeout=600)
    return build


def index(tree: Path, arch: str, paths: list[str], options: Options) -> ScriptIndex:
    facts = [parse_file(SourceInput(p, (tree / p).read_bytes(), arch)) for p in paths]
    return Project(tree, options, {InputKind.LINKER_SCRIPT: facts}).analysis(ScriptIndex)


@pytest.mark.parametrize("arch", sorted(SCRIPTS))
def test_real_scripts_parse_in_all_branches_mode(linux_tree: Path, arch: str, cache: Path, monkeypatch):
    monkeypatch.setenv("KGCLINT_CACHE_DIR", str(cache))
    result = index(linux_tree, arch, SCRIPTS[arch], Options(arch=arch))
    for info in result.scripts:
        assert info.mode == MODE_ALL
        assert info.diagnostics == (), (info.path, info.diagnostics[:3])
        assert info.model.descriptions, info.path


def test_arm_defconfig_script_keeps_its_tables_with_macro_origins(linux_tree: Path, arm_defconfig: Path,
                                                                  cache: Path, monkeypatch):
    monkeypatch.setenv("KGCLINT_CACHE_DIR", str(cache))
    result = index(linux_tree, "arm", ["arch/arm/kernel/vmlinux.lds.S"], Options(arch="arm", build_dir=arm_defconfig))
    info = result.scripts[0]
    assert info.mode == MODE_CONFIG and info.diagnostics == ()
    model = info.model
    assert model.entry == "stext"
    pv = model.place("arch/arm/kernel/phys2virt.o", ".pv_table")
    assert pv is not None and pv.keep and pv.output == ".init.pv_table"
    assert pv.location.path == "arch/arm/kernel/vmlinux.lds.S"
    proc = model.place("arch/arm/mm/proc-v7.o", ".proc.info.init")
    assert proc is not None and proc.keep
    origin = result.origin(info, proc.description.node)
    assert origin.macro is not None and origin.defined_at.path == "arch/arm/include/asm/vmlinux.lds.h"
    assert origin.used_at.path == "arch/arm/kernel/vmlinux.lds.S"
    initcall = model.place("init/main.o", ".initcall6.init")
    assert initcall is not None and initcall.keep
    assert result.origin(info, initcall.description.node).defined_at.path == "include/asm-generic/vmlinux.lds.h"
    # the vector pages sit in an OVERLAY: KEEP is honoured by GNU ld, not by ld.lld before 21
    vectors = model.place("arch/arm/kernel/entry-armv.o", ".vectors")
    assert vectors is not None and vectors.description.overlay is not None
    # tables bracketed by script symbols are found without a list of names
    bracketed = {c.description.node.text for c in find_candidates(info)}
    assert "*(.taglist.init)" in bracketed and "KEEP(*(.pv_table))" in bracketed
    # TEXT_MAIN takes .text.* only with CONFIG_LD_DEAD_CODE_DATA_ELIMINATION (not in defconfig)
    assert model.place("kernel/fork.o", ".text").output == ".text"
    assert model.place("kernel/fork.o", ".text.copy_process") is None


def test_every_script_of_the_tree_parses_in_all_branches_mode(linux_tree: Path, cache: Path, monkeypatch):
    """All 64 *.lds.S, each for its arch (scripts/module.lds.S for every arch): no diagnostic.

    Seven are #included by another script (arm's and riscv's
    vmlinux-xip.lds.S, um's uml/dyn.lds.S, the vdso-layout.lds.S of sparc and
    x86) and are read as part of it, all-branches mode taking every #if branch.
    """
    monkeypatch.setenv("KGCLINT_CACHE_DIR", str(cache))
    failures = []
    count = 0
    for arch_dir in sorted(p for p in (linux_tree / "arch").iterdir() if p.is_dir()):
        paths = sorted(str(p.relative_to(linux_tree)) for p in arch_dir.rglob("*.lds.S"))
        paths.append("scripts/module.lds.S")
        for info in index(linux_tree, arch_dir.name, paths, Options(arch=arch_dir.name)).scripts:
            count += 1
            if info.diagnostics or not info.model.script.commands:
                failures.append((arch_dir.name, info.path, info.diagnostics[:1]))
    assert count == 77  # 63 arch scripts - 7 included fragments + 21 x scripts/module.lds.S
    assert not failures, failures


def test_arm_tables_are_told_from_ranges_by_the_code(linux_tree: Path, arm_defconfig: Path, cache: Path, monkeypatch):
    """arm's ATAG parser table is walked and anonymous: a table; its KEEP'd tables and code ranges are not reported."""
    from kgclint.analysis.tables import Tables
    from kgclint.engine import build_project

    monkeypatch.setenv("KGCLINT_CACHE_DIR", str(cache))
    paths = [linux_tree / p for p in (
        "arch/arm/kernel", "arch/arm/include/asm/setup.h", "arch/arm/include/asm/mach/arch.h",
        "include/linux/compiler_attributes.h", "include/linux/init.h",
    )]
    project = build_project(linux_tree, paths, Options(arch="arm", build_dir=arm_defconfig),
                            {InputKind.C, InputKind.ASM, InputKind.LINKER_SCRIPT})
    tables = [t for t in project.analysis(Tables).tables if t.candidate.script.path == "arch/arm/kernel/vmlinux.lds.S"]
    by_text = {t.candidate.description.node.text: t for t in tables}
    tag = by_text["*(.taglist.init)"]
    assert tag.kind == "table" and tag.unkept and not tag.named
    assert any(loc.path == "arch/arm/kernel/atags_parse.c" for loc in tag.walkers)
    assert all(p.section == ".taglist.init" for p in tag.entries)
    # a KEEP'd table has nothing unkept; code sections bounded by symbols are ranges or not tables at all
    for text, table in by_text.items():
        if text.startswith("KEEP("):
            assert not table.unkept, text
        if "text" in text:
            assert table.kind == "range" or not table.unkept, text
