"""--fix and --diff: byte-exact, atomic, idempotent, overlapping edits refused."""

from __future__ import annotations

import os
import subprocess

import pytest

from kgclint import atomic, cli, plugins
from kgclint.cli import main
from kgclint.findings import Finding, Fix, Severity, TextEdit
from kgclint.fixes import apply_edits, plan_fixes, unified_diff
from kgclint.location import Location
from test_workflow_support import make_tree, snapshot, stand_in_rules

# CRLF line ends, a Latin-1 byte, trailing white space and no final newline: all must survive.
SCRIPT = b"SECTIONS {\r\n  .data : {  \r\n    *(.data) /* caf\xe9 */\r\n    *(.tbl.a)\t \r\n    *(.tbl.b)\r\n  }\r\n}"
SOURCE = "#define DEFINE_TBL(sec, name) static int name __attribute__((section(#sec)))\nDEFINE_TBL(.tbl.a, a);\nDEFINE_TBL(.tbl.b, b);\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = make_tree(tmp_path / "linux", {"drivers/tbl.c": SOURCE})
    (root / "arch/x86").mkdir()
    (root / "arch/x86/vmlinux.lds").write_bytes(SCRIPT)
    monkeypatch.chdir(root)
    monkeypatch.setattr(plugins, "load_rules", stand_in_rules)
    monkeypatch.setattr(cli, "load_rules", stand_in_rules)
    return root


def test_fix_keeps_every_other_byte_and_is_idempotent(tree, capsys):
    # --exit-zero: the Latin-1 byte may be reported as an input error (KGC001); only the fixes matter here
    assert main(["check", ".", "-j1", "--no-cache", "--select", "KGC9", "--fix", "--exit-zero"]) == 0
    captured = capsys.readouterr()
    assert "fixed 2 findings in 1 file" in captured.err
    assert "KGC902" not in captured.out
    fixed = (tree / "arch/x86/vmlinux.lds").read_bytes()
    assert fixed == SCRIPT.replace(b"*(.tbl.a)", b"KEEP(*(.tbl.a))").replace(b"*(.tbl.b)", b"KEEP(*(.tbl.b))")
    again = snapshot(tree)
    assert main(["check", ".", "-j1", "--no-cache", "--select", "KGC9", "--fix", "--exit-zero"]) == 0
    assert snapshot(tree) == again
    assert "fixed" not in capsys.readouterr().err


def test_diff_prints_a_patch_git_applies_and_writes_nothing(tree, capsysbinary):
    before = snapshot(tree)
    assert main(["check", ".", "-j1", "--no-cache", "--select", "KGC9", "--diff"]) == 1
    patch = capsysbinary.readouterr().out
    assert snapshot(tree) == before
    assert patch.startswith(b"--- a/arch/x86/vmlinux.lds\n+++ b/arch/x86/vmlinux.lds\n")
    subprocess.run(["git", "apply", "-"], input=patch, cwd=tree, check=True)
    assert (tree / "arch/x86/vmlinux.lds").read_bytes().count(b"KEEP(") == 2
    assert main(["check", ".", "-j1", "--no-cache", "--select", "KGC9", "--diff"]) == 0
    assert capsysbinary.readouterr().out == b""


def test_interrupted_fix_leaves_old_file_and_no_temporary(tree, monkeypatch, capsys):
    def killed(src, dst):
        raise KeyboardInterrupt  # as if the run were stopped between the temporary write and the rename

    monkeypatch.setattr(atomic.os, "replace", killed)
    before = snapshot(tree)
    assert main(["check", ".", "-j1", "--no-cache", "--select", "KGC9", "--fix"]) == 130
    assert snapshot(tree) == before
    assert not [p for p in os.listdir(tree / "arch/x86") if p.endswith(".tmp")]


def test_fix_not_written_when_file_changed_since_it_was_read(tree, monkeypatch, capsys):
    from kgclint import fixes

    real = fixes.atomic_write
    monkeypatch.setattr(fixes, "plan_fixes", _touching(tree, fixes.plan_fixes))
    assert main(["check", ".", "-j1", "--no-cache", "--select", "KGC9", "--fix"]) == 1
    assert "not what was checked" in capsys.readouterr().err
    assert b"KEEP" not in (tree / "arch/x86/vmlinux.lds").read_bytes()
    assert fixes.atomic_write is real


def _touching(tree, plan):
    def wrapper(findings, sizes):
        (tree / "arch/x86/vmlinux.lds").write_bytes(SCRIPT + b"\n")  # someone edits the file meanwhile
        return plan(findings, sizes)
    return wrapper


def _finding(line: int, *edits: TextEdit) -> Finding:
    return Finding("KGC901", Severity.WARNING, "m", Location("f", line), fix=Fix("d", edits))


def test_overlapping_fixes_refused_with_a_message():
    first = _finding(1, TextEdit("f", 2, 5, "x"))
    clash = _finding(2, TextEdit("f", 4, 6, "y"))
    same_point = _finding(3, TextEdit("f", 8, 8, "a"), TextEdit("f", 10, 10, "b"))
    other_point = _finding(4, TextEdit("f", 8, 8, "c"))
    repeat = _finding(5, TextEdit("f", 2, 5, "x"))
    outside = _finding(6, TextEdit("f", 90, 91, "z"))
    plan = plan_fixes([first, clash, same_point, other_point, repeat, outside], {"f": 20})
    assert plan.fixed == [first, same_point, repeat]
    assert len(plan.refused) == 3
    assert "KGC901 at f:2" in plan.refused[0] and "overlaps" in plan.refused[0]
    assert "outside f" in plan.refused[2]
    data = bytes(range(65, 85))
    assert apply_edits(data, plan.edits["f"]) == b"AB" + b"x" + b"FGH" + b"a" + b"IJ" + b"b" + data[10:]


def test_unified_diff_marks_missing_final_newline():
    text = unified_diff("x", b"a\nb", b"a\nc")
    assert text.endswith(b"-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")
