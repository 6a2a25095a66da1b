"""Run kgclint on a corpus case and read the findings its markers expect.

A case is a folder under corpus/: a small kernel-like tree. A comment
``expect: KGC101`` (any comment syntax; several codes comma-separated) on a
line says that exactly those findings are reported on that line. A case
whose objects must be built first has a ``corpus.mk``; it is built with
``make -f corpus.mk`` in a copy of the case, never in the repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from functools import lru_cache
from pathlib import Path

from kgclint.checker import run_check
from kgclint.cli import build_parser
from kgclint.options import build_request
from kgclint.plugins import load_rules

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MARKER = re.compile(r"expect:\s*(KGC[0-9]{3}(?:\s*,\s*KGC[0-9]{3})*)")
TEXT_SUFFIXES = (".c", ".h", ".S", ".s", ".lds", ".ld", ".lds.S", ".toml", "Makefile", "Kbuild", ".config")

Key = tuple[str, int, str]


def cases() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


def expected(case_dir: Path) -> Counter[Key]:
    """Every (file, line, code) the case's markers ask for."""
    found: Counter[Key] = Counter()
    for path in sorted(case_dir.rglob("*")):
        if not path.is_file() or not path.name.endswith(TEXT_SUFFIXES):
            continue
        rel = path.relative_to(case_dir).as_posix()
        text = path.read_bytes().decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for match in MARKER.finditer(line):
                for code in match.group(1).split(","):
                    found[(rel, number, code.strip())] += 1
    return found


def prepared(case: str, workdir: Path) -> Path:
    """The case folder to check: itself, or a built copy when it has a corpus.mk."""
    source = CORPUS / case
    if not (source / "corpus.mk").exists():
        return source
    target = workdir / case
    if not target.exists():
        shutil.copytree(source, target)
        subprocess.run(["make", "-s", "-f", "corpus.mk"], cwd=target, check=True, capture_output=True)
    return target


@lru_cache(maxsize=None)
def _ruleset():
    return load_rules()


def actual(case_dir: Path) -> Counter[Key]:
    """Every (file, line, code) kgclint reports on the case, run as `kgclint check` would."""
    args = build_parser().parse_args(["check", str(case_dir), "--root", str(case_dir), "--no-cache", "-j", "1"])
    result = run_check(build_request(args, [case_dir]), _ruleset())
    return Counter((f.location.path, f.location.line, f.code) for f in result.findings)
