"""Apply parsed file patches in memory, strictly, and remember where every line came from.

Like ``git apply`` without fuzz: a hunk's context and removed lines must
match the file byte for byte; a hunk may sit a few lines away from where its
header says (the file moved on), never match approximately. For each file
the result keeps, per line, the line of the original file it came from (0
for a line the patch adds), which is what lets findings before and after the
patch be compared, and findings be reported on added lines only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kgclint.patch import PatchError
from kgclint.patch.parse import FilePatch, Hunk, split_lines
from kgclint.patch.paths import check_link_target, safe_relpath

#: Reads a tree file's original bytes by tree-relative path; None when there is no such file.
Reader = Callable[[str], "bytes | None"]


@dataclass(frozen=True)
class FileChange:
    """What the patch did to one file: its original path, and the origin of each new line."""

    old_path: str | None
    new_path: str | None
    origin: tuple[int, ...]          # per new line: its line in the original file, 0 if added
    added_at: dict[int, int]         # new line -> line of the patch that adds it
    removed: frozenset[int]          # lines of the original file the patch removes

    @property
    def added(self) -> frozenset[int]:
        return frozenset(self.added_at)


@dataclass
class AppliedPatch:
    """The tree before and after, for the paths the patch touches, and each file's change."""

    before: dict[str, bytes | None]
    after: dict[str, bytes | None]
    changes: dict[str, FileChange]  # by new path; by old path for a deleted file
    lines_checked: int
    skipped: list[str] = field(default_factory=list)

    def change_for_old(self, old_path: str) -> FileChange | None:
        return next((c for c in self.changes.values() if c.old_path == old_path), None)


@dataclass
class _State:
    content: bytes | None
    origin: list[int]
    added_at: dict[int, int]
    base_path: str | None


def disk_reader(root: Path) -> Reader:
    """Original content from the tree on disk (regular files only)."""

    def read(relpath: str) -> bytes | None:
        path = root / relpath
        if not path.exists():
            return None
        if not path.is_file():
            raise PatchError(f"{relpath}: not a regular file in the tree; the patch cannot change it")
        return path.read_bytes()

    return read


def apply_patches(files: list[FilePatch], root: Path, read: Reader) -> AppliedPatch:
    """Apply every file patch in order (a mailbox may change a file more than once)."""
    state: dict[str, _State] = {}
    before: dict[str, bytes | None] = {}
    skipped: list[str] = []

    def current(path: str) -> _State:
        if path not in state:
            data = read(path)
            before[path] = data
            count = len(split_lines(data)) if data is not None else 0
            state[path] = _State(data, list(range(1, count + 1)), {}, path if data is not None else None)
        return state[path]

    for patch in files:
        old = safe_relpath(patch.old_path, root) if patch.old_path is not None else None
        new = safe_relpath(patch.new_path, root) if patch.new_path is not None else None
        if patch.gitlink:
            skipped.append(f"{patch.name}: submodule change, not read")
            continue
        if patch.symlink:
            if new is not None and patch.hunks:
                target = b"".join(line.text for hunk in patch.hunks for line in hunk.lines if line.tag != "-")
                check_link_target(new, target)
            skipped.append(f"{patch.name}: symlink change, not read")
            continue
        if old is None:
            assert new is not None
            if current(new).content is not None:
                raise PatchError(f"{new}: the patch creates this file (patch line {patch.patch_line}) but it already exists")
            source = _State(b"", [], {}, None)
        else:
            source = current(old)
            if source.content is None:
                raise PatchError(f"{old}: the patch changes this file (patch line {patch.patch_line}) but it does not exist in the tree")
        content, origin, added_at = _apply_hunks(source.content or b"", patch.hunks, old or new or "?")
        composed = [source.origin[o - 1] if o else 0 for o in origin]
        for line, o in enumerate(origin, 1):
            if o and source.added_at.get(o):
                added_at[line] = source.added_at[o]
        result = _State(content, composed, added_at, source.base_path)
        if new is None:
            if content:
                raise PatchError(f"{old}: the patch deletes this file but leaves {len(split_lines(content))} of its lines")
            assert old is not None
            state[old] = _State(None, [], {}, source.base_path)
            continue
        if old is not None and old != new:
            current(new)
            if not patch.copy:
                state[old] = _State(None, [], {}, source.base_path)
            else:
                result = _State(content, [0] * len(composed), {i + 1: patch.patch_line for i in range(len(composed))}, None)
        state[new] = result
    return _result(state, before, files, skipped)


def _result(state: dict[str, _State], before: dict[str, bytes | None], files: list[FilePatch], skipped: list[str]) -> AppliedPatch:
    changes: dict[str, FileChange] = {}
    after: dict[str, bytes | None] = {}
    for path, st in state.items():
        after[path] = st.content
        if st.content is None:
            if st.base_path is not None and st.base_path == path:
                total = len(split_lines(before[path] or b""))
                changes.setdefault(path, FileChange(path, None, (), {}, frozenset(range(1, total + 1))))
            continue
        kept = {o for o in st.origin if o}
        total = len(split_lines(before.get(st.base_path) or b"")) if st.base_path else 0
        removed = frozenset(i for i in range(1, total + 1) if i not in kept)
        changes[path] = FileChange(st.base_path, path, tuple(st.origin), dict(st.added_at), removed)
    after = {p: c for p, c in after.items() if c != before.get(p)}
    lines = sum(len(h.lines) for f in files for h in f.hunks)
    return AppliedPatch(before, after, changes, lines, skipped)


def _apply_hunks(content: bytes, hunks: list[Hunk], name: str) -> tuple[bytes, list[int], dict[int, int]]:
    old_lines = split_lines(content)
    out: list[bytes] = []
    origin: list[int] = []
    added_at: dict[int, int] = {}
    pos = drift = 0
    for number, hunk in enumerate(hunks, 1):
        want = [line.text for line in hunk.lines if line.tag != "+"]
        stated = hunk.old_start - 1 if hunk.old_len else hunk.old_start
        at = _find(old_lines, want, stated + drift, pos)
        if at is None:
            raise PatchError(_mismatch(name, number, hunk, old_lines, want, max(stated + drift, pos)))
        for j in range(pos, at):
            out.append(old_lines[j])
            origin.append(j + 1)
        j = at
        for line in hunk.lines:
            if line.tag == " ":
                out.append(old_lines[j])
                origin.append(j + 1)
                j += 1
            elif line.tag == "-":
                j += 1
            else:
                out.append(line.text)
                origin.append(0)
                added_at[len(out)] = line.patch_line
        pos = j
        drift = at - stated
    for j in range(pos, len(old_lines)):
        out.append(old_lines[j])
        origin.append(j + 1)
    return b"".join(out), origin, added_at


def _find(lines: list[bytes], want: list[bytes], expected: int, floor: int) -> int | None:
    """Where ``want`` sits in ``lines``, nearest to ``expected`` and not before ``floor``."""
    last = len(lines) - len(want)
    if last < floor:
        return None
    expected = min(max(expected, floor), last)
    for distance in range(0, max(expected - floor, last - expected) + 1):
        for at in (expected - distance, expected + distance):
            if floor <= at <= last and lines[at:at + len(want)] == want:
                return at
    return None


def _mismatch(name: str, number: int, hunk: Hunk, lines: list[bytes], want: list[bytes], at: int) -> str:
    """Why a hunk does not apply: the first line at the stated place that differs."""
    head = f"{name}: hunk #{number} ({hunk.header}, patch line {hunk.patch_line}) does not apply"
    for k, expected in enumerate(want):
        have = lines[at + k] if at + k < len(lines) else None
        if have != expected:
            shown = "end of file" if have is None else repr(have.decode("utf-8", "replace"))
            return f"{head}: at line {at + k + 1} the patch expects {expected.decode('utf-8', 'replace')!r}, the file has {shown}, and the hunk matches nowhere else"
    return f"{head}: it matches nowhere in the file"
