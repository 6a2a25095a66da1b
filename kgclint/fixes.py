"""``--fix`` and ``--diff``: apply the mechanical fixes findings carry, or print them as a patch.

Fixes are byte-offset edits (kgclint.findings.TextEdit) into a file as it
was read, so applying them works on bytes: every byte outside an edit —
line ends, encoding, trailing white space — is kept. A fix whose edits
overlap another fix's is refused (the first one in report order wins) and
said on stderr; applying the others is safe because their ranges are
disjoint. Every file is written with kgclint.atomic.atomic_write, so an
interrupted run leaves each file old or new, never half-written. A second
run finds nothing left to fix, since the findings the fixes address are gone.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kgclint.atomic import atomic_write
from kgclint.checker import RunResult
from kgclint.findings import Finding, TextEdit


@dataclass
class FixPlan:
    """Which findings' fixes can be applied together, and the edits by file."""

    edits: dict[str, list[TextEdit]] = field(default_factory=dict)
    fixed: list[Finding] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _overlaps(a: TextEdit, b: TextEdit) -> bool:
    """Two edits touch the same bytes (two insertions at one offset count: their order would be a guess)."""
    if a == b:
        return False
    if a.start == a.end == b.start == b.end:
        return True
    return a.start < b.end and b.start < a.end


def plan_fixes(findings: list[Finding], sizes: Mapping[str, int]) -> FixPlan:
    """Choose the fixes to apply: in report order, each whose edits are in range and clash with no chosen one."""
    plan = FixPlan()
    for finding in findings:
        if finding.fix is None or not finding.fix.edits:
            continue
        where = f"{finding.code} at {finding.location}"
        bad = [e for e in finding.fix.edits if e.path not in sizes or not 0 <= e.start <= e.end <= sizes[e.path]]
        if bad:
            plan.refused.append(f"fix for {where} not applied: edit {bad[0].start}..{bad[0].end} is outside {bad[0].path}")
            continue
        clash = next(
            (e for e in finding.fix.edits for chosen in plan.edits.get(e.path, ()) if _overlaps(e, chosen)), None,
        )
        if clash is not None:
            plan.refused.append(
                f"fix for {where} not applied: its edit at bytes {clash.start}..{clash.end} of {clash.path} "
                f"overlaps the fix of another finding (run --fix again to apply it after that one)"
            )
            continue
        for edit in finding.fix.edits:
            chosen = plan.edits.setdefault(edit.path, [])
            if edit not in chosen:
                chosen.append(edit)
        plan.fixed.append(finding)
    return plan


def apply_edits(data: bytes, edits: list[TextEdit]) -> bytes:
    """``data`` with disjoint ``edits`` applied; bytes outside them unchanged."""
    out: list[bytes] = []
    at = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(data[at:edit.start])
        out.append(edit.text.encode("utf-8"))
        at = edit.end
    out.append(data[at:])
    return b"".join(out)


def unified_diff(path: str, old: bytes, new: bytes) -> bytes:
    """A ``git apply``-able diff of one file, on bytes (no decoding, line ends as they are)."""
    lines = difflib.diff_bytes(
        difflib.unified_diff, old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=b"a/" + path.encode("utf-8", "surrogateescape"), tofile=b"b/" + path.encode("utf-8", "surrogateescape"),
    )
    out: list[bytes] = []
    for line in lines:
        if line.startswith((b"---", b"+++")):
            line = line.rstrip(b" \n") + b"\n"  # difflib leaves a space for the empty date
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


def handle_fixes(result: RunResult, args: argparse.Namespace, contents: Mapping[str, bytes | None] | None = None) -> int | None:
    """Apply (``--fix``) or print (``--diff``) the fixes of ``result``'s findings.

    ``contents`` is patch mode's view of files the patch changed (the
    edits' offsets are into that content). With ``--fix``, fixed findings
    leave ``result`` and the run reports what is left; files whose disk
    content is not what was linted are not written. With ``--diff`` the
    patch is the output and the return value is the exit status.
    """
    contents = contents or {}
    texts: dict[str, bytes] = {}
    wanted = {e.path for f in result.findings if f.fix is not None for e in f.fix.edits}
    for path in sorted(wanted):
        data = contents.get(path)
        if data is None:
            try:
                data = (result.root / path).read_bytes()
            except OSError:
                continue
        texts[path] = data
    plan = plan_fixes(result.findings, {p: len(d) for p, d in texts.items()})
    for message in plan.refused:
        sys.stderr.write(f"kgclint: {message}\n")
    new = {path: apply_edits(texts[path], edits) for path, edits in sorted(plan.edits.items())}
    if args.diff:
        out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
        patch = b"".join(unified_diff(path, texts[path], data) for path, data in new.items() if data != texts[path])
        if out is not None:
            sys.stdout.flush()
            out.write(patch)
            out.flush()
        else:
            sys.stdout.write(patch.decode("utf-8", "surrogateescape"))
        return 1 if patch else 0
    written, fixed = _write(result.root, texts, new)
    done = [f for f in plan.fixed if all(e.path in fixed for e in f.fix.edits)]
    result.findings = [f for f in result.findings if f not in done]
    if done:
        sys.stderr.write(f"kgclint: fixed {len(done)} finding{'s' * (len(done) != 1)} in {written} file{'s' * (written != 1)}\n")
    return None


def _write(root: Path, texts: dict[str, bytes], new: dict[str, bytes]) -> tuple[int, set[str]]:
    """Write changed files atomically, but only where the disk still holds what was linted."""
    written = 0
    fixed: set[str] = set()
    for path, data in new.items():
        target = root / path
        try:
            on_disk = target.read_bytes()
        except OSError as exc:
            sys.stderr.write(f"kgclint: {path}: not fixed: {exc.strerror or exc}\n")
            continue
        if on_disk != texts[path]:
            sys.stderr.write(f"kgclint: {path}: not fixed: the file on disk is not what was checked (use --diff)\n")
            continue
        if data != on_disk:
            atomic_write(target, data)
            written += 1
        fixed.add(path)
    return written, fixed
