"""An interrupted ``--fix`` leaves every file old or new, never partial.

``kgclint.atomic.atomic_write`` writes a complete temporary file beside the
target and renames it over the target. The tests stop that at every point
that matters -- a failing write, a failing rename, SIGKILL between the
temporary write and the rename, SIGKILL right after a rename with more
files to go, and SIGKILL of a real ``kgclint check --fix`` at random
moments -- and check each file's bytes. A SIGKILL can leave the temporary
file behind (nothing runs to remove it); the tests check that such a
leftover, too, holds the complete new bytes and is the only extra file.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kgclint import atomic
from kgclint.atomic import atomic_write

REPO = Path(__file__).resolve().parent.parent
OLD = b"old contents\r\nwith a CRLF, a \xe9 byte and no final newline"
NEW = b"new contents, longer than the old ones " * 1000


def leftovers(folder: Path, name: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{name}.") and p.name.endswith(".tmp"))


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_failure_before_rename_keeps_old_bytes_and_no_temp(tmp_path, monkeypatch, failing):
    target = tmp_path / "vmlinux.lds"
    target.write_bytes(OLD)
    os.chmod(target, 0o640)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "write":
        real_fdopen = os.fdopen

        class Failing:
            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()
                return False

            def write(self, data):
                self.handle.write(data[: len(data) // 2])
                boom()

        monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: Failing(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(atomic.os, failing, boom)
    with pytest.raises(OSError):
        atomic_write(target, NEW)
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, target.name) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vmlinux.lds"]


def test_success_keeps_mode(tmp_path):
    target = tmp_path / "x.c"
    target.write_bytes(OLD)
    os.chmod(target, 0o640)
    atomic_write(target, NEW)
    assert target.read_bytes() == NEW
    assert target.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path, "x.c") == []


CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from kgclint.atomic import atomic_write

    target, when = Path(sys.argv[1]), sys.argv[2]
    real = os.replace

    def replace(src, dst):
        if when == "before-rename":
            sys.stderr.write("READY\\n"); sys.stderr.flush(); time.sleep(60)
        real(src, dst)
        if when == "after-rename":
            sys.stderr.write("READY\\n"); sys.stderr.flush(); time.sleep(60)

    os.replace = replace
    atomic_write(target, sys.stdin.buffer.read())
    """
)


def _kill_when_ready(argv: list[str], data: bytes = b"") -> None:
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    child.stdin.write(data)
    child.stdin.close()
    line = child.stderr.readline()
    assert line == b"READY\n", line + child.stderr.read()
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL


def test_kill_between_temp_write_and_rename_leaves_old(tmp_path):
    target = tmp_path / "vmlinux.lds"
    target.write_bytes(OLD)
    _kill_when_ready([sys.executable, "-c", CHILD, str(target), "before-rename"], NEW)
    assert target.read_bytes() == OLD
    # the only trace is the temporary file, and it is complete
    stray = leftovers(tmp_path, target.name)
    assert len(stray) == 1 and stray[0].read_bytes() == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["vmlinux.lds", stray[0].name])


def test_kill_right_after_rename_leaves_new(tmp_path):
    target = tmp_path / "vmlinux.lds"
    target.write_bytes(OLD)
    _kill_when_ready([sys.executable, "-c", CHILD, str(target), "after-rename"], NEW)
    assert target.read_bytes() == NEW
    assert leftovers(tmp_path, target.name) == []


MANY = textwrap.dedent(
    """
    import argparse, os, sys
    from pathlib import Path
    from kgclint.checker import RunResult
    from kgclint.findings import Finding, Fix, Severity, TextEdit
    from kgclint.fixes import handle_fixes
    from kgclint.location import Location

    root, stop_after, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    real, done = os.replace, [0]

    def replace(src, dst):
        real(src, dst)
        done[0] += 1
        if done[0] == stop_after:
            os.kill(os.getpid(), 9)

    os.replace = replace
    findings = [
        Finding("KGC999", Severity.WARNING, "m", Location(f"f{i}.lds", 1, 1),
                fix=Fix("d", (TextEdit(f"f{i}.lds", 0, 3, "NEW"),)))
        for i in range(count)
    ]
    result = RunResult(root=root, findings=findings, rules=(), problems=(), warnings=[], files=count, lines=count)
    handle_fixes(result, argparse.Namespace(fix=True, diff=False))
    """
)


@pytest.mark.parametrize("stop_after", [1, 3])
def test_fix_run_killed_between_files(tmp_path, stop_after):
    """kgclint.fixes writes file after file: a kill between two leaves the first new, the rest old."""
    count = 5
    for i in range(count):
        (tmp_path / f"f{i}.lds").write_bytes(OLD)
    run = subprocess.run([sys.executable, "-c", MANY, str(tmp_path), str(stop_after), str(count)], cwd=REPO,
                         capture_output=True)
    assert run.returncode == -signal.SIGKILL, run.stderr
    contents = [(tmp_path / f"f{i}.lds").read_bytes() for i in range(count)]
    fixed = b"NEW" + OLD[3:]
    assert contents.count(fixed) == stop_after and contents.count(OLD) == count - stop_after
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"f{i}.lds" for i in range(count)]


def test_real_fix_run_killed_at_random_moments(tmp_path):
    """``kgclint check --fix`` (KGC201 adds KEEP) killed at random times: the script is old or fixed, never partial."""
    case = REPO / "corpus" / "lds-table-without-keep"
    script = Path("arch/x86/kernel/vmlinux.lds")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    reference = tmp_path / "reference"
    shutil.copytree(case, reference)
    argv = [sys.executable, "-m", "kgclint", "check", ".", "--fix", "--no-cache", "-j1", "--select", "KGC201"]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=reference, env=env, capture_output=True, text=True, timeout=300)
    duration = time.perf_counter() - start
    old, fixed = (case / script).read_bytes(), (reference / script).read_bytes()
    assert fixed != old and b"KEEP(*(.mytab))" in fixed, done.stderr
    rng = random.Random(8)
    for attempt in range(6):
        tree = tmp_path / f"run{attempt}"
        shutil.copytree(case, tree)
        child = subprocess.Popen(argv, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.0) * duration)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        now = (tree / script).read_bytes()
        assert now in (old, fixed)
        extra = [p for p in (tree / script.parent).iterdir() if p.name != script.name]
        assert all(p.name.endswith(".tmp") and p.read_bytes() == fixed for p in extra)
