"""Patches kgclint must refuse: a clear message, exit status 2, and nothing written anywhere."""

from __future__ import annotations

import io
import os
import sys

import pytest

from kgclint import plugins
from kgclint.cli import main
from test_workflow_support import make_tree, snapshot, stand_in_rules

GOOD_HEADER = "diff --git a/drivers/x.c b/drivers/x.c\n--- a/drivers/x.c\n+++ b/drivers/x.c\n"

CASES = {
    "empty": ("", "no diff in the input"),
    "prose only": ("Subject: hello\n\nno diff here\n", "no diff in the input"),
    "binary (git)": (
        "diff --git a/fw.bin b/fw.bin\nindex 1..2 100644\nGIT binary patch\nliteral 3\nKcmZ?wbYuVk0RR91\n\n",
        "binary patch for fw.bin",
    ),
    "binary (diff)": ("Binary files a/fw.bin and b/fw.bin differ\n", "binary patch"),
    "NUL bytes": ("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\0\n+b\n", "NUL bytes"),
    "dot-dot": ("--- a/../outside.c\n+++ b/../outside.c\n@@ -0,0 +1 @@\n+int x;\n", "contains '..'"),
    "dot-dot deep": ("--- a/drivers/../../outside.c\n+++ b/drivers/../../outside.c\n@@ -1 +1 @@\n-a\n+b\n", "contains '..'"),
    "absolute": ("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "is absolute"),
    "absolute new file": ("--- /dev/null\n+++ /tmp/evil.c\n@@ -0,0 +1 @@\n+int x;\n", "is absolute"),
    "missing file": ("--- a/drivers/none.c\n+++ b/drivers/none.c\n@@ -1 +1 @@\n-a\n+b\n", "drivers/none.c: the patch changes this file"),
    "new file exists": ("--- /dev/null\n+++ b/drivers/x.c\n@@ -0,0 +1 @@\n+int y;\n", "already exists"),
    "malformed header": (GOOD_HEADER + "@@ -1,x +1 @@\n int a;\n", "malformed hunk header in drivers/x.c"),
    "header without counts": (GOOD_HEADER + "@@ garbage @@\n int a;\n", "malformed hunk header"),
    "hunk too short": (GOOD_HEADER + "@@ -1,3 +1,3 @@\n int a;\n", "ends before its 3 old and 3 new lines"),
    "hunk interrupted": (GOOD_HEADER + "@@ -1,2 +1,2 @@\n int a;\nxint b;\n", "hunk is shorter than its header says"),
    "header, no hunk": (GOOD_HEADER, "file header without any hunk"),
    "context mismatch": (
        GOOD_HEADER + "@@ -1,2 +1,2 @@\n int a;\n-int zzz;\n+int c;\n",
        "drivers/x.c: hunk #1 (@@ -1,2 +1,2 @@, patch line 4) does not apply: at line 2 the patch expects 'int zzz;\\n', the file has 'int b;\\n'",
    ),
    "delete leaves lines": (
        "diff --git a/drivers/x.c b/drivers/x.c\ndeleted file mode 100644\n--- a/drivers/x.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-int a;\n",
        "deletes this file but leaves 1",
    ),
    "symlink out": (
        "diff --git a/drivers/l b/drivers/l\nnew file mode 120000\n--- /dev/null\n+++ b/drivers/l\n@@ -0,0 +1 @@\n+../../../etc\n\\ No newline at end of file\n",
        "symlink to '../../../etc', outside the tree root",
    ),
    "through symlink": ("--- a/escape/x.c\n+++ b/escape/x.c\n@@ -1 +1 @@\n-a\n+b\n", "leads outside the tree root through a symlink"),
}


@pytest.fixture
def tree(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.c").write_text("a\n")
    root = make_tree(tmp_path / "linux", {"drivers/x.c": "int a;\nint b;\n"})
    os.symlink(outside, root / "escape")
    monkeypatch.chdir(root)
    monkeypatch.setattr(plugins, "load_rules", stand_in_rules)
    return root


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_with_exit_2_and_nothing_written(tree, tmp_path, name, capsys, monkeypatch):
    patch, message = CASES[name]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(patch.encode())))
    before = snapshot(tree.parent)
    cache = tmp_path / "cache"
    status = main(["diff", "-", "-j1", "--cache-dir", str(cache), "--fix"])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith("kgclint: error: patch not applied, nothing checked: <stdin>: ") or "patch not applied" in captured.err
    assert message in captured.err, captured.err
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert snapshot(tree.parent) == before
    assert not cache.exists()


def test_patch_file_that_does_not_exist(tree, capsys):
    assert main(["diff", "no-such.patch"]) == 2
    assert "no-such.patch: No such file or directory" in capsys.readouterr().err


def test_git_range_that_is_not_one(tree, capsys):
    assert main(["diff", "--git", "nonsense"]) == 2
    assert "--git wants a range A..B" in capsys.readouterr().err
    assert main(["diff", "--git", "HEAD..no-such-branch"]) == 2
    assert "patch not applied" in capsys.readouterr().err


def test_hunk_applies_at_an_offset_but_never_fuzzily(tree, capsys, monkeypatch):
    (tree / "drivers/x.c").write_text("int pre1;\nint pre2;\nint a;\nint b;\n")
    patch = GOOD_HEADER + "@@ -1,2 +1,3 @@\n int a;\n int b;\n+int kgc_bad;\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(patch.encode())))
    assert main(["diff", "-", "-j1", "--no-cache"]) == 1
    assert "FILE: drivers/x.c:5:" in capsys.readouterr().out
