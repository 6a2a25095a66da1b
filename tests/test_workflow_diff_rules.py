"""Patch mode with the real rules on a corpus tree: a new table's entries, the KEEP that fixes it, a move.

The tree is corpus/lds-table-without-keep: a script that brackets
``*(.mytab)`` with symbols kernel/walk.c walks, without KEEP.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

from kgclint.cli import main
from test_workflow_support import git

CASE = Path(__file__).resolve().parents[1] / "corpus" / "lds-table-without-keep"
ENTRIES = "drivers/mytab/entries.c"
SCRIPT = "arch/x86/kernel/vmlinux.lds"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    root = tmp_path / "case"
    shutil.copytree(CASE, root)
    for path in root.rglob("*"):
        if path.is_file():
            path.write_text(path.read_text().replace("/* expect: KGC201 */", "").replace("@ expect: KGC201", ""))
    (root / "Makefile").write_text("")
    git(root, "init", "-q", ".")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    return root


def diff(tree: Path, patch: str) -> tuple[int, str]:
    saved = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = io.TextIOWrapper(io.BytesIO(patch.encode())), io.StringIO()
    try:
        status = main(["diff", "-", "-j1", "--no-cache"])
        return status, sys.stdout.getvalue()
    finally:
        sys.stdin, sys.stdout = saved


def staged_patch(tree: Path) -> str:
    git(tree, "add", "-A")
    text = git(tree, "diff", "--cached")
    git(tree, "reset", "-q", "--hard")
    git(tree, "clean", "-qfd")
    return text


def without_entries(tree: Path) -> None:
    """Start from a tree whose table has no entries yet: the walker and the script only."""
    shutil.rmtree(tree / "drivers")
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "no entries yet")


def add_entries(tree: Path, source: Path) -> None:
    shutil.copytree(source / "drivers", tree / "drivers")


def test_new_entries_flagged_at_the_added_lines_with_the_script_as_related(tree):
    without_entries(tree)
    add_entries(tree, CASE)
    status, out = diff(tree, staged_patch(tree))
    assert status == 1, out
    heads = [line for line in out.splitlines() if line.startswith("ERROR:KGC201")]
    assert len(heads) == 1
    assert "FILE: drivers/mytab/" in out
    assert f"{SCRIPT}:10:3: where the finding is" in out
    assert "FILE: arch/" not in out


def test_same_patch_with_keep_is_clean(tree):
    without_entries(tree)
    add_entries(tree, CASE)
    script = tree / SCRIPT
    script.write_text(script.read_text().replace("*(.mytab)", "KEEP(*(.mytab))"))
    status, out = diff(tree, staged_patch(tree))
    assert status == 0, out
    assert out.startswith("total: 0 errors, 0 warnings")


def test_patch_that_only_moves_code_is_clean(tree):
    path = tree / ENTRIES
    lines = path.read_text().splitlines(keepends=True)
    one = next(i for i, line in enumerate(lines) if line.startswith("DEFINE_MYTAB(one"))
    two = next(i for i, line in enumerate(lines) if line.startswith("DEFINE_MYTAB(two"))
    lines[one], lines[two] = lines[two], lines[one]
    path.write_text("".join(lines))
    status, out = diff(tree, staged_patch(tree))
    assert status == 0, out


def test_one_more_entry_in_a_table_that_already_lacks_keep_is_reported_at_it(tree):
    path = tree / ENTRIES
    text = path.read_text()
    path.write_text(text.replace("DEFINE_MYTAB(one, probe_one);", "DEFINE_MYTAB(zero, probe_one);\nDEFINE_MYTAB(one, probe_one);"))
    status, out = diff(tree, staged_patch(tree))
    assert status == 1, out
    assert f"FILE: {ENTRIES}:6:" in out and "+DEFINE_MYTAB(zero, probe_one);" in out
    assert out.count("ERROR:KGC201") == 1


def test_diff_fix_writes_the_keep_into_the_untouched_script(tree, capsys):
    without_entries(tree)
    add_entries(tree, CASE)
    patch = staged_patch(tree)
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(patch.encode()))
    try:
        status = main(["diff", "-", "-j1", "--no-cache", "--fix"])
    finally:
        sys.stdin = saved
    captured = capsys.readouterr()
    assert status == 0, captured.out + captured.err
    assert "fixed 1 finding in 1 file" in captured.err
    assert "KEEP(*(.mytab))" in (tree / SCRIPT).read_text()
    assert not (tree / ENTRIES).exists()  # the patch itself is never written
