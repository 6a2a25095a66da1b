"""The hook definition in .pre-commit-hooks.yaml, run by the real pre-commit on a temporary repository.

The hook is used as pre-commit's ``repo: local`` with this repository's own
definition (id, entry, args, files, types) copied in and ``language:
system`` pointing at the kgclint installed beside the test's Python, so the
test needs no network and still exercises the file filter, the names
pre-commit passes and the exit status it acts on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from test_workflow_support import git, make_tree
from toolchain import require

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

BAD = 'int f(void) { return 1; }\nasm(".section .discard.foo\\n"\n    ".long 1\\n"\n    ".previous\\n");\nint g(void) { return 2; }\n'
GOOD = 'int f(void) { return 1; }\nasm(".pushsection .discard.foo\\n.long 1\\n.popsection\\n");\n'


def hook_definition() -> dict:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "kgclint"]
    return hook


def test_hook_definition_names_the_inputs_kgclint_reads():
    import re

    pattern = re.compile(hook_definition()["files"])
    for name in ("a.c", "include/linux/x.h", "arch/arm/kernel/head.S", "arch/arm/kernel/vmlinux.lds.S", "x.lds", "x.ld"):
        assert pattern.search(name), name
    for name in ("README", "Makefile", "a.py", "Documentation/x.rst"):
        assert not pattern.search(name), name
    assert hook_definition()["entry"] == "kgclint check"


@pytest.fixture
def repo(tmp_path):
    pre_commit = BIN / "pre-commit"
    if not pre_commit.exists():
        require("pre-commit")
    root = make_tree(tmp_path / "linux", {"drivers/good.c": GOOD, "drivers/sub/bad.c": BAD, "README": "x\n"})
    hook = {**hook_definition(), "language": "system", "entry": f"{BIN / 'kgclint'} check"}
    hook.pop("minimum_pre_commit_version", None)
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
    git(root, "add", ".pre-commit-config.yaml")
    git(root, "commit", "-qm", "hook")
    return root


def pre_commit(root: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"), "KGCLINT_CACHE_DIR": str(root.parent / "cache")}
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", "--files", *files], cwd=root, env=env, capture_output=True, text=True, check=False,
    )


def test_fails_on_a_bad_file_and_says_where(repo):
    done = pre_commit(repo, "drivers/sub/bad.c", "README")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "drivers/sub/bad.c:2:1: KGC104" in done.stdout


def test_passes_on_a_good_file(repo):
    done = pre_commit(repo, "drivers/good.c")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_skips_files_it_does_not_read(repo):
    done = pre_commit(repo, "README")
    assert done.returncode == 0
    assert "(no files to check)Skipped" in done.stdout


def test_fixed_file_then_passes(repo):
    subprocess.run([str(BIN / "kgclint"), "check", "--fix", "drivers/sub/bad.c"], cwd=repo, capture_output=True, check=False)
    assert (repo / "drivers/sub/bad.c").read_text() == BAD.replace(".section", ".pushsection").replace(".previous", ".popsection")
    done = pre_commit(repo, "drivers/sub/bad.c")
    assert done.returncode == 0, done.stdout
