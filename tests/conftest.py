"""Shared fixtures: the real Linux tree, set up once and reused across runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

LINUX_TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
#: Where the tree is unpacked once; outside the repository and reused by later runs.
LINUX_CACHE = Path(os.environ.get("KGCLINT_TEST_CACHE", "/var/tmp/kgclint-tests"))


def _linux_tree() -> Path | None:
    """The unpacked Linux 6.12 tree: $KGCLINT_LINUX_TREE, else unpacked once from Debian's package."""
    explicit = os.environ.get("KGCLINT_LINUX_TREE")
    if explicit:
        return Path(explicit)
    tree = LINUX_CACHE / "linux-source-6.12"
    if (tree / ".unpacked").exists():
        return tree
    if not LINUX_TARBALL.exists():
        return None
    LINUX_CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "xf", str(LINUX_TARBALL), "-C", str(LINUX_CACHE)], check=True)
    (tree / ".unpacked").touch()
    return tree


@pytest.fixture(scope="session")
def linux_tree() -> Path:
    """The Linux 6.12 tree (Debian's linux-source-6.12), unpacked on first use."""
    tree = _linux_tree()
    if tree is None or not tree.is_dir():
        message = "linux-source-6.12 is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return tree
