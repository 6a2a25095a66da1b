"""Which findings a patch is responsible for.

A finding after the patch is the patch's when it sits on a line the patch
adds, or when it did not exist before the patch (compared at the line's
original position, so a context line that merely moved down is the same
line). A finding that appears in a file the patch does not touch but names
an added line as a related place (the table entry whose linker-script
pattern lacks KEEP) is reported at that added line, with its own place as a
related one. A finding that existed before in an untouched file is the
patch's again when it now names an added line the patch did not just move
there (one more entry in a table that already lacked KEEP). A finding on an
added line that the tree had before on a line the patch removes (same code, same message apart from line numbers) moved
with the code and is not the patch's.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from kgclint.findings import Finding
from kgclint.location import Location, Related
from kgclint.patch.apply import AppliedPatch

_NUMBERS = re.compile(r"\d+")


def _shape(finding: Finding) -> tuple[str, str]:
    """A finding's identity apart from where it is (line numbers in the message too)."""
    return finding.code, _NUMBERS.sub("#", finding.message)


def _old_place(finding: Finding, patch: AppliedPatch) -> tuple[str, int] | None:
    """Where an after-patch location was in the original tree; None for a line the patch adds."""
    loc = finding.location
    change = patch.changes.get(loc.path)
    if change is None:
        return loc.path, loc.line
    if loc.line <= 0:
        return (change.old_path, 0) if change.old_path else None
    if loc.line > len(change.origin) or change.origin[loc.line - 1] == 0 or change.old_path is None:
        return None
    return change.old_path, change.origin[loc.line - 1]


def _on_added(location: Location, patch: AppliedPatch) -> bool:
    change = patch.changes.get(location.path)
    return change is not None and location.line in change.added_at


def codes_to_compare(after: list[Finding], patch: AppliedPatch) -> set[str]:
    """The codes whose findings before the patch can change the answer; the run before needs only those rules."""
    moved_possible = any(change.removed for change in patch.changes.values())
    return {f.code for f in after if moved_possible or not _on_added(f.location, patch)}


def caused_by_patch(before: list[Finding], after: list[Finding], patch: AppliedPatch) -> list[Finding]:
    """The findings to report for ``patch``, given the tree's findings before and after it."""
    existed = {(f.code, f.location.path, f.location.line, f.location.column): f for f in before}
    moved_from = Counter(
        _shape(f) for f in before
        if (change := patch.change_for_old(f.location.path)) is not None and f.location.line in change.removed
    )
    chosen: list[Finding] = []
    for finding in after:
        loc = finding.location
        if _on_added(loc, patch):
            if moved_from[_shape(finding)] > 0:
                moved_from[_shape(finding)] -= 1
                continue
            chosen.append(finding)
            continue
        old = _old_place(finding, patch)
        previous = existed.get((finding.code, old[0], old[1], loc.column)) if old is not None else None
        if previous is not None and not _adds_related(previous, finding, patch):
            continue
        chosen.append(_at_added_related(finding, patch))
    return chosen


def _adds_related(previous: Finding, finding: Finding, patch: AppliedPatch) -> bool:
    """Whether a finding that existed before now also names places the patch adds (a new entry of a table).

    Related places on added lines that merely replace ones on removed lines
    (the same note, code that moved) do not count.
    """
    added = Counter(_NUMBERS.sub("#", r.message) for r in finding.related if _on_added(r.location, patch))
    if not added:
        return False
    removed = Counter(
        _NUMBERS.sub("#", r.message) for r in previous.related
        if (change := patch.change_for_old(r.location.path)) is not None and r.location.line in change.removed
    )
    return bool(added - removed)


def _at_added_related(finding: Finding, patch: AppliedPatch) -> Finding:
    """Report a finding the patch caused elsewhere at the added line it names, if it names one."""
    for related in finding.related:
        if _on_added(related.location, patch):
            others = tuple(r for r in finding.related if r is not related)
            moved = Related(finding.location, "where the finding is, in a file the patch leaves unchanged")
            return replace(finding, location=related.location, related=(moved, *others))
    return finding
