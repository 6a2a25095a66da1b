"""A fix kgclint applies must satisfy the real linker: a table without KEEP, fixed, keeps its entries.

The corpus case lds-table-without-keep is compiled with gcc as Kbuild
would for GC, linked with GNU ld and ld.lld ``--gc-sections
--print-gc-sections`` before and after ``kgclint check --fix``: before, the
linkers drop the table's entries; after, none.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgclint.cli import main
from toolchain import compile_c, link_gc

CASE = Path(__file__).resolve().parents[1] / "corpus" / "lds-table-without-keep"
SOURCES = ("kernel/walk.c", "drivers/mytab/entries.c", "drivers/mytab/asm_entry.S")


def build(tree: Path, out: Path) -> list[Path]:
    out.mkdir(exist_ok=True)
    return [compile_c(tree / src, out / (Path(src).stem + ".o"), flags=("-I", str(tree / "include"))) for src in SOURCES]


def table_drops(tree: Path, objects: list[Path], linker: str) -> set[tuple[str, str]]:
    result = link_gc(objects, tree / "arch/x86/kernel/vmlinux.lds", tree / f"vmlinux.{linker}", linker=linker, entry="_start")
    assert result.returncode == 0, result.stderr
    return {pair for pair in result.dropped if pair[1] == ".mytab"}


@pytest.mark.parametrize("linker", ["bfd", "lld"])
def test_keep_fix_makes_the_linker_keep_the_table(tmp_path, linker, capsys):
    tree = tmp_path / "case"
    shutil.copytree(CASE, tree)
    objects = build(tree, tmp_path / "obj")
    assert table_drops(tree, objects, linker) == {("entries.o", ".mytab"), ("asm_entry.o", ".mytab")}
    assert main(["check", str(tree), "--no-cache", "-j1", "--fix"]) == 0
    assert "fixed 1 finding in 1 file" in capsys.readouterr().err
    script = (tree / "arch/x86/kernel/vmlinux.lds").read_text()
    assert "KEEP(*(.mytab))\t/* expect: KGC201 */" in script
    assert table_drops(tree, objects, linker) == set()
    assert main(["check", str(tree), "--no-cache", "-j1", "--select", "KGC201"]) == 0
