"""Output is a function of the inputs: byte-identical across -j1/-jN, cached/uncached, and directory order."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgclint.cli import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
#: Bytes every C front-end must report (binary data): a KGC001 finding that depends on no rule.
BINARY_C = b"int a;\n\0\n"


def kgclint(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kgclint", *args], env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def env(tmp_path):
    """A private default cache (linker-script cpp results included), so runs share nothing with the user's."""
    values = {k: v for k, v in os.environ.items() if k != "KGCLINT_CACHE_DIR"}
    values["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    return values


def test_identical_files_all_survive_a_warm_cache(tmp_path, env):
    """Two files with the same bytes are two inputs; a warm (stat-validated) cache must not fold them."""
    tree = tmp_path / "tree"
    for folder in ("drivers/a", "drivers/b", "drivers/c"):
        (tree / folder).mkdir(parents=True)
        (tree / folder / "same.c").write_bytes(BINARY_C)
    cache = tmp_path / "cache"
    runs = [kgclint("check", str(tree), "--format", "json", "-j1", "--select", "KGC0,KGC1", *extra, env=env)
            for extra in (["--no-cache"], ["--cache-dir", str(cache)], ["--cache-dir", str(cache)])]
    for run in runs:
        assert run.returncode == 1, run.stderr
        for folder in ("a", "b", "c"):
            assert f'"path": "drivers/{folder}/same.c"' in run.stdout, run.stdout
    assert len({run.stdout for run in runs}) == 1


def test_copied_file_is_reported_at_its_own_path(tmp_path, env):
    """A file added with the bytes of a cached one gets findings at its own path, not the cached file's."""
    tree = tmp_path / "tree"
    (tree / "drivers" / "old").mkdir(parents=True)
    (tree / "drivers" / "old" / "a.c").write_bytes(BINARY_C)
    cache = tmp_path / "cache"
    args = ["check", str(tree), "--format", "json", "-j1", "--select", "KGC0,KGC1", "--cache-dir", str(cache)]
    assert kgclint(*args, env=env).returncode == 1
    shutil.move(tree / "drivers" / "old", tree / "drivers" / "new")
    warm = kgclint(*args, env=env)
    cold = kgclint(*args[:-2], "--no-cache", env=env)
    assert '"path": "drivers/new/a.c"' in cold.stdout
    assert warm.stdout == cold.stdout


def test_corpus_output_same_for_jobs_and_cache(tmp_path, env):
    """The whole corpus (every front-end and rule): -j1/-j2, no cache, cold cache, warm cache: one output."""
    tree = tmp_path / "corpus"
    shutil.copytree(CORPUS, tree, symlinks=True)
    cache = tmp_path / "cache"
    variants = [
        ["-j1", "--no-cache"],
        ["-j2", "--no-cache"],
        ["-j2", "--cache-dir", str(cache)],
        ["-j1", "--cache-dir", str(cache)],
        ["-j2", "--cache-dir", str(cache)],
    ]
    outputs = {}
    for extra in variants:
        run = kgclint("check", str(tree), "--format", "json", *extra, env=env)
        assert run.returncode == 1, run.stderr
        outputs[" ".join(extra)] = run.stdout
    reference = outputs["-j1 --no-cache"]
    assert '"findings": 0' not in reference
    assert {name for name, out in outputs.items() if out != reference} == set()


class _Listing:
    """What os.scandir returns (an iterator and a context manager), over entries in a chosen order."""

    def __init__(self, entries: list) -> None:
        self._entries = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self) -> None:
        pass


def reorder(monkeypatch, order: str) -> None:
    """Make os.scandir and os.listdir return entries reversed or shuffled, as another file system might."""
    real_scandir, real_listdir = os.scandir, os.listdir
    rng = random.Random(order)

    def arrange(items: list) -> list:
        if order == "reversed":
            return items[::-1]
        rng.shuffle(items)
        return items

    def scandir(path="."):
        with real_scandir(path) as listing:
            entries = list(listing)
        return _Listing(arrange(entries))

    def listdir(path="."):
        return arrange(real_listdir(path))

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", listdir)


@pytest.mark.parametrize("order", ["reversed", "shuffled-1", "shuffled-2"])
def test_output_independent_of_directory_order(tmp_path, monkeypatch, order):
    """In-process runs over the corpus with listings reordered give the bytes of the natural-order run."""
    tree = tmp_path / "corpus"
    shutil.copytree(CORPUS, tree, symlinks=True)
    for folder in ("drivers/a", "drivers/b"):
        (tree / "extra" / folder).mkdir(parents=True)
        (tree / "extra" / folder / "same.c").write_bytes(BINARY_C)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KGCLINT_CACHE_DIR", raising=False)
    natural = tmp_path / "natural.json"
    assert main(["check", str(tree), "--format", "json", "--no-cache", "-j1", "--no-progress",
                 "-o", str(natural)]) == 1
    reorder(monkeypatch, order)
    assert [e.name for e in os.scandir(tree)] != sorted(e.name for e in os.scandir(tree)) or order != "reversed"
    shuffled = tmp_path / f"{order}.json"
    assert main(["check", str(tree), "--format", "json", "--no-cache", "-j1", "--no-progress",
                 "-o", str(shuffled)]) == 1
    assert shuffled.read_bytes() == natural.read_bytes()
    assert b'"path": "extra/drivers/b/same.c"' in natural.read_bytes()
