"""kgclint installs as a normal (non-editable) distribution and finds its rules through entry points."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _package_dirs() -> set[str]:
    names = set()
    for top, import_name in (("kgclint", "kgclint"), ("rules", "kgclint_rules")):
        for init in (REPO / top).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / top)
            names.add(".".join((import_name, *rel.parts)))
    return names


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert _package_dirs() == listed


@pytest.mark.slow
def test_pip_install_in_a_fresh_venv_lists_the_builtin_rules(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin/pip"), "install", "-q", str(REPO)], capture_output=True, text=True,
    )
    assert install.returncode == 0, install.stderr
    listing = subprocess.run([str(venv / "bin/kgclint"), "rules"], capture_output=True, text=True, cwd=tmp_path)
    assert listing.returncode == 0 and not listing.stderr, listing.stderr
    assert "KGC103  asm-comment-section-hack" in listing.stdout
    assert "kgclint 0.1.0" in listing.stdout
    module = subprocess.run([str(venv / "bin/python"), "-m", "kgclint", "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert module.stdout.strip() == "kgclint 0.1.0"
