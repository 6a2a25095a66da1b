"""Shared helpers of the workflow tests: a small git tree, and stand-in rules for the patch plumbing.

The stand-in rules read the tree through ``project.read_bytes`` (so they see
a patch's content) and report the way the real rules do: one on the line of
a marker, one at a linker-script line with the table entry as a related
place. They test what patch mode does with findings, not any GC claim.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from kgclint.findings import Fix, Severity, TextEdit
from kgclint.inputs import InputKind
from kgclint.location import Location, Related
from kgclint.plugins import RuleInfo, RuleSet
from kgclint.rule import Rule, parse_doc

DOC = "Stand-in.\n\nWhat it finds:\nx\n\nWhy it breaks a kernel:\nx\n\nExample:\nx\n\nFix:\nx\n"


class MarkerRule(Rule):
    code = "KGC901"
    name = "test-marker"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C})

    def check(self, project):
        for facts in project.facts(InputKind.C):
            for number, line in enumerate(project.read_bytes(facts.path).split(b"\n"), 1):
                if b"kgc_bad" in line:
                    yield self.finding("marker kgc_bad found", Location(facts.path, number, line.index(b"kgc_bad") + 1))


ENTRY = re.compile(rb"DEFINE_TBL\((\.[\w.]+)")


class TableRule(Rule):
    code = "KGC902"
    name = "test-table"
    severity = Severity.WARNING
    needs = frozenset({InputKind.C, InputKind.LINKER_SCRIPT})

    def check(self, project):
        entries = []
        for facts in project.facts(InputKind.C):
            for number, line in enumerate(project.read_bytes(facts.path).split(b"\n"), 1):
                for match in ENTRY.finditer(line):
                    entries.append((match.group(1), Location(facts.path, number, match.start() + 1)))
        for facts in project.facts(InputKind.LINKER_SCRIPT):
            data = project.read_bytes(facts.path)
            offset = 0
            for number, line in enumerate(data.split(b"\n"), 1):
                for section, where in entries:
                    pattern = b"*(" + section + b")"
                    if pattern in line and b"KEEP(" not in line:
                        start = offset + line.index(pattern)
                        end = start + len(pattern)
                        edits = (TextEdit(facts.path, start, start, "KEEP("), TextEdit(facts.path, end, end, ")"))
                        yield self.finding(
                            f"pattern for {section.decode()} lacks KEEP", Location(facts.path, number, 1),
                            related=(Related(where, "table entry placed here"),), fix=Fix("wrap in KEEP()", edits),
                        )
                offset += len(line) + 1


def stand_in_rules() -> RuleSet:
    doc = parse_doc(DOC)
    return RuleSet(tuple(RuleInfo(rule, doc, "tests", "tests") for rule in (MarkerRule, TableRule)), ())


def git(tree: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tree, capture_output=True, text=True, check=True,
    )
    return done.stdout


def make_tree(tree: Path, files: dict[str, str]) -> Path:
    """A kernel-like git tree (Makefile beside arch/ and include/) with ``files``, committed."""
    (tree / "arch").mkdir(parents=True)
    (tree / "include").mkdir()
    (tree / "Makefile").write_text("")
    for relpath, text in files.items():
        path = tree / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    git(tree, "init", "-q", ".")
    git(tree, "add", ".")
    git(tree, "commit", "-qm", "base")
    return tree


def snapshot(tree: Path) -> dict[str, bytes]:
    """Every file's bytes (outside .git), to prove a run wrote nothing."""
    return {
        str(p.relative_to(tree)): p.read_bytes()
        for p in sorted(tree.rglob("*")) if p.is_file() and ".git" not in p.relative_to(tree).parts
    }
