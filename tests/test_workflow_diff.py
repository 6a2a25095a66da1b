"""Patch mode end to end: findings on added lines, findings the patch causes elsewhere, and nothing else."""

from __future__ import annotations

import io
import sys

import pytest

from kgclint import plugins
from kgclint.cli import main
from test_workflow_support import git, make_tree, snapshot, stand_in_rules

SCRIPT = """SECTIONS {
  .data : {
    *(.data)
    KEEP(*(.tbl.old))
  }
}
"""

TABLE_C = """#define DEFINE_TBL(sec, name) static int name __attribute__((section(#sec)))
DEFINE_TBL(.tbl.old, first);
int other;
int helper(void) { return 1; }
"""


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = make_tree(tmp_path / "linux", {
        "arch/x86/kernel/vmlinux.lds": SCRIPT,
        "drivers/tbl.c": TABLE_C,
        "drivers/old.c": "int kgc_bad_old;\nint keep_me;\n",
    })
    monkeypatch.chdir(root)
    monkeypatch.setattr(plugins, "load_rules", stand_in_rules)
    return root


def run_diff(patch: str | bytes, *extra: str) -> tuple[int, str, str]:
    data = patch.encode() if isinstance(patch, str) else patch
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(data))
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, out, err
    try:
        status = main(["diff", "-", "-j1", "--no-cache", *extra])
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return status, out.getvalue(), err.getvalue()


def patch_of(tree, edits: dict[str, str]) -> str:
    """The ``git diff`` of ``edits`` against the committed tree; the tree is left as committed."""
    for relpath, text in edits.items():
        (tree / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tree / relpath).write_text(text)
    git(tree, "add", "-A")
    diff = git(tree, "diff", "--cached")
    git(tree, "reset", "-q", "--hard")
    git(tree, "clean", "-qfd")
    return diff


def hunk_lines(diff: str) -> int:
    """What checkpatch counts as lines checked: every line inside a hunk."""
    return sum(1 for line in diff.splitlines() if line[:1] in (" ", "+", "-") and line[:4] not in ("+++ ", "--- "))


NEW_TABLE = TABLE_C + "DEFINE_TBL(.tbl.new, second);\n"


def test_new_table_entry_without_keep_is_reported_at_the_added_entry(tree):
    before = snapshot(tree)
    status, out, err = run_diff(patch_of(tree, {"drivers/tbl.c": NEW_TABLE,
                                                "arch/x86/kernel/vmlinux.lds": SCRIPT.replace("*(.data)", "*(.data)\n    *(.tbl.new)")}))
    assert status == 1, err
    assert "WARNING:KGC902: pattern for .tbl.new lacks KEEP" in out
    # the script line is added too, so the finding is on an added line of the script
    assert "FILE: arch/x86/kernel/vmlinux.lds:4:" in out
    assert snapshot(tree) == before


def test_cause_in_untouched_script_is_reported_at_the_added_entry(tree):
    tree.joinpath("arch/x86/kernel/vmlinux.lds").write_text(SCRIPT.replace("*(.data)", "*(.data .tbl.new)").replace(
        "*(.data .tbl.new)", "*(.data)\n    *(.tbl.new)"))
    git(tree, "commit", "-qam", "script places .tbl.new without KEEP")
    diff = patch_of(tree, {"drivers/tbl.c": NEW_TABLE})
    status, out, _err = run_diff(diff)
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "WARNING:KGC902: pattern for .tbl.new lacks KEEP"
    patch_line = diff.splitlines().index("+DEFINE_TBL(.tbl.new, second);") + 1
    assert lines[1] == f"#{patch_line}: FILE: drivers/tbl.c:5:"
    assert lines[2] == "+DEFINE_TBL(.tbl.new, second);"
    assert "arch/x86/kernel/vmlinux.lds:4:1: where the finding is" in lines[3]
    assert lines[-1] == f"total: 0 errors, 1 warnings, {hunk_lines(diff)} lines checked"


def test_same_patch_with_keep_is_clean(tree):
    diff = patch_of(tree, {
        "drivers/tbl.c": NEW_TABLE,
        "arch/x86/kernel/vmlinux.lds": SCRIPT.replace("*(.data)", "*(.data)\n    KEEP(*(.tbl.new))"),
    })
    status, out, _err = run_diff(diff)
    assert status == 0
    assert out.splitlines() == [f"total: 0 errors, 0 warnings, {hunk_lines(diff)} lines checked"]


def test_patch_that_only_moves_code_is_clean(tree):
    moved = "int keep_me;\nint kgc_bad_old;\n"
    status, out, _err = run_diff(patch_of(tree, {"drivers/old.c": moved}))
    assert status == 0, out
    assert out.startswith("total: 0 errors, 0 warnings")


def test_marker_on_added_line_is_reported_and_old_one_is_not(tree):
    status, out, _err = run_diff(patch_of(tree, {"drivers/old.c": "int kgc_bad_old;\nint keep_me;\nint kgc_bad_new;\n"}))
    assert status == 1
    assert out.count("KGC901") == 1
    assert "FILE: drivers/old.c:3:" in out and "+int kgc_bad_new;" in out


def test_new_file_and_emacs_form(tree):
    status, out, _err = run_diff(patch_of(tree, {"drivers/new/x.c": "int a;\nint kgc_bad;\n"}), "--emacs")
    assert status == 1
    assert out == "drivers/new/x.c:2: WARNING:KGC901: marker kgc_bad found\n"


def test_json_format_carries_only_the_patch_findings(tree):
    import json

    status, out, _err = run_diff(patch_of(tree, {"drivers/old.c": "int kgc_bad_old;\nint kgc_bad_two;\n"}), "--format", "json")
    assert status == 1
    findings = json.loads(out)["findings"]
    assert [(f["code"], f["location"]["line"]) for f in findings] == [("KGC901", 2)]


def test_git_range(tree):
    (tree / "drivers/tbl.c").write_text(NEW_TABLE + "int kgc_bad_in_range;\n")
    git(tree, "commit", "-qam", "add")
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        status = main(["diff", "--git", "HEAD~1..HEAD", "-j1", "--no-cache"])
    finally:
        sys.stdout, sys.stderr = saved
    assert status == 1, err.getvalue()
    assert "FILE: drivers/tbl.c:6:" in out.getvalue()
    assert "KGC902" not in out.getvalue()  # .tbl.new is placed nowhere: no script line lacks KEEP


def test_mbox_series_changing_one_file_twice(tree):
    first = patch_of(tree, {"drivers/old.c": "int kgc_bad_old;\nint keep_me;\nint x;\n"})
    (tree / "drivers/old.c").write_text("int kgc_bad_old;\nint keep_me;\nint x;\n")
    git(tree, "commit", "-qam", "one")
    second = patch_of(tree, {"drivers/old.c": "int kgc_bad_old;\nint keep_me;\nint x;\nint kgc_bad_y;\n"})
    git(tree, "reset", "-q", "--hard", "HEAD~1")
    mbox = (
        "From 1234 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: [PATCH 1/2] one\n\nbody\n---\n" + first
        + "-- \n2.39.2\n\nFrom 5678 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 2/2] two\n\n---\n" + second + "-- \n2.39.2\n"
    )
    status, out, err = run_diff(mbox)
    assert status == 1, err
    assert "FILE: drivers/old.c:4:" in out and out.count("KGC901") == 1
