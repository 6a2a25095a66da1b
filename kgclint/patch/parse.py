"""A strict reader of unified diffs, ``git diff`` output and ``git format-patch`` mailboxes.

Text around the diffs (mail headers, the commit message, the ``-- `` trailer)
is skipped, as ``git apply`` skips it. Inside a file's diff nothing is
guessed: a hunk header that does not parse, a hunk shorter or longer than
its header says, or a line that is neither context, addition, removal nor
``\\ No newline at end of file`` is an error naming the patch line, because
a silently skipped hunk would make kgclint lint a tree the patch never
produces. (PyPI's ``unidiff`` was considered: it decodes to text and skips a
hunk whose header it cannot parse, so it is not used.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kgclint.patch import PatchError

HUNK_HEADER = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"


@dataclass(frozen=True, slots=True)
class HunkLine:
    """One body line: ``tag`` is `` ``, ``+`` or ``-``; ``text`` its bytes with the line end (if any)."""

    tag: str
    text: bytes
    patch_line: int


@dataclass(frozen=True, slots=True)
class Hunk:
    """``@@ -old_start,old_len +new_start,new_len @@`` and its body."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: tuple[HunkLine, ...]
    patch_line: int

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"


@dataclass(slots=True)
class FilePatch:
    """One file's change: paths as written in the patch (prefix removed; None is /dev/null)."""

    old_path: str | None
    new_path: str | None
    patch_line: int
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    copy: bool = False

    @property
    def name(self) -> str:
        return self.new_path or self.old_path or "?"

    @property
    def symlink(self) -> bool:
        return SYMLINK_MODE in (self.old_mode, self.new_mode)

    @property
    def gitlink(self) -> bool:
        return GITLINK_MODE in (self.old_mode, self.new_mode)


def split_lines(data: bytes) -> list[bytes]:
    """Lines with their ``\\n`` kept; only ``\\n`` ends a line (a lone ``\\r`` is content)."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _unquote(name: bytes) -> bytes:
    """Git's C-style quoting of unusual path names (``"a/tab\\there"``)."""
    if not (len(name) >= 2 and name.startswith(b'"') and name.endswith(b'"')):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    simple = {ord("n"): 10, ord("t"): 9, ord('"'): 34, ord("\\"): 92, ord("a"): 7, ord("b"): 8,
              ord("f"): 12, ord("r"): 13, ord("v"): 11}
    while i < len(body):
        if body[i] == 92 and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if len(body) >= i + 4 and all(48 <= c <= 55 for c in body[i + 1:i + 4]):
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
        out.append(body[i])
        i += 1
    return bytes(out)


def _path(raw: bytes, strip: bool) -> str | None:
    """A header's file name: timestamp cut, quotes undone, one leading component removed (``-p1``)."""
    raw = raw.rstrip(b"\r\n")
    if b"\t" in raw:
        raw = raw.split(b"\t", 1)[0]
    raw = _unquote(raw.strip() if not raw.startswith(b'"') else raw)
    if raw == b"/dev/null":
        return None
    name = raw.decode("utf-8", "surrogateescape")
    if strip and not name.startswith("/"):  # an absolute name stays absolute, to be refused
        if "/" not in name:
            return name
        name = name.split("/", 1)[1]
    return name


def _git_header_names(line: bytes) -> tuple[str | None, str | None]:
    """The two names of ``diff --git a/X b/Y`` when they can be told apart (same name, or quoted)."""
    rest = line[len(b"diff --git "):].rstrip(b"\r\n")
    if rest.startswith(b'"'):
        end = rest.find(b'" ', 1)
        if end > 0:
            return _path(rest[:end + 1], True), _path(rest[end + 2:], True)
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[half:half + 1] == b" " and rest[2:half] == rest[half + 3:]:
        return _path(rest[:half], True), _path(rest[half + 1:], True)
    return None, None


_GIT_EXTENDED = (
    b"old mode ", b"new mode ", b"deleted file mode ", b"new file mode ", b"copy from ", b"copy to ",
    b"rename from ", b"rename to ", b"similarity index ", b"dissimilarity index ", b"index ",
    b"Binary files ", b"GIT binary patch",
)


class _Reader:
    """A cursor over the patch's lines (line numbers are 1-based, as in an editor)."""

    def __init__(self, data: bytes) -> None:
        self.lines = split_lines(data)
        self.i = 0

    def peek(self) -> bytes | None:
        return self.lines[self.i] if self.i < len(self.lines) else None

    def take(self) -> bytes:
        line = self.lines[self.i]
        self.i += 1
        return line

    @property
    def number(self) -> int:
        """The 1-based number of the line ``peek`` shows."""
        return self.i + 1


def parse_patch(data: bytes) -> list[FilePatch]:
    """Every file change in ``data``, in order (a series may change one file several times)."""
    if b"\0" in data:
        raise PatchError("the patch contains NUL bytes: not a text diff (a binary file?)")
    reader = _Reader(data)
    files: list[FilePatch] = []
    while (line := reader.peek()) is not None:
        if line.startswith(b"diff --git "):
            files.append(_git_file(reader))
        elif line.startswith(b"--- ") and reader.i + 1 < len(reader.lines) and reader.lines[reader.i + 1].startswith(b"+++ "):
            files.append(_plain_file(reader))
        elif line.startswith(b"Binary files ") and line.rstrip().endswith(b" differ"):
            raise PatchError(f"patch line {reader.number}: binary patch ({line.decode('utf-8', 'replace').strip()}); kgclint reads text diffs only")
        else:
            reader.take()
    if not files:
        raise PatchError("no diff in the input: it is empty or holds no '--- '/'+++ ' or 'diff --git' file header")
    return files


def _git_file(reader: _Reader) -> FilePatch:
    start = reader.number
    header = reader.take()
    old, new = _git_header_names(header)
    patch = FilePatch(old, new, start)
    deleted = created = False
    while (line := reader.peek()) is not None and line.startswith(_GIT_EXTENDED):
        reader.take()
        text = line.rstrip(b"\r\n")
        word = text.decode("utf-8", "surrogateescape")
        if text.startswith(b"old mode ") or text.startswith(b"deleted file mode "):
            patch.old_mode = word.rsplit(" ", 1)[1]
            deleted = deleted or text.startswith(b"deleted")
        elif text.startswith(b"new mode ") or text.startswith(b"new file mode "):
            patch.new_mode = word.rsplit(" ", 1)[1]
            created = created or text.startswith(b"new file")
        elif text.startswith((b"rename from ", b"copy from ")):
            patch.old_path = _path(text.split(b" ", 2)[2], False)
            patch.copy = text.startswith(b"copy")
        elif text.startswith((b"rename to ", b"copy to ")):
            patch.new_path = _path(text.split(b" ", 2)[2], False)
        elif text.startswith(b"index ") and text.count(b" ") == 2:
            patch.old_mode = patch.new_mode = word.rsplit(" ", 1)[1]
        elif text.startswith((b"Binary files ", b"GIT binary patch")):
            patch.binary = True
    if deleted:
        patch.new_path = None
    if created:
        patch.old_path = None
    if patch.binary:
        raise PatchError(f"patch line {start}: binary patch for {patch.name}; kgclint reads text diffs only")
    line = reader.peek()
    if line is not None and line.startswith(b"--- "):
        if reader.i + 1 >= len(reader.lines) or not reader.lines[reader.i + 1].startswith(b"+++ "):
            raise PatchError(f"patch line {reader.number}: '--- ' file header without a '+++ ' line")
        old_name = _path(reader.take()[4:], True)
        new_name = _path(reader.take()[4:], True)
        patch.old_path = None if created else (old_name if old_name is not None else patch.old_path)
        patch.new_path = None if deleted else (new_name if new_name is not None else patch.new_path)
        _hunks(reader, patch)
        if not patch.hunks:
            raise PatchError(f"patch line {reader.number}: {patch.name}: file header without any hunk")
    if patch.old_path is None and patch.new_path is None:
        raise PatchError(f"patch line {start}: cannot tell the file name from {header.decode('utf-8', 'replace').strip()!r}")
    return patch


def _plain_file(reader: _Reader) -> FilePatch:
    start = reader.number
    old = _path(reader.take()[4:], True)
    new = _path(reader.take()[4:], True)
    if old is None and new is None:
        raise PatchError(f"patch line {start}: both sides of the file header are /dev/null")
    patch = FilePatch(old, new, start)
    _hunks(reader, patch)
    if not patch.hunks:
        raise PatchError(f"patch line {reader.number}: {patch.name}: file header without any hunk")
    return patch


def _hunks(reader: _Reader, patch: FilePatch) -> None:
    while (line := reader.peek()) is not None and line.startswith(b"@@"):
        number = reader.number
        match = HUNK_HEADER.match(line)
        if match is None:
            shown = line.decode("utf-8", "replace").rstrip()
            raise PatchError(
                f"patch line {number}: malformed hunk header in {patch.name}: {shown!r} "
                f"(expected '@@ -START[,COUNT] +START[,COUNT] @@')"
            )
        reader.take()
        old_start, old_len, new_start, new_len = (
            int(match.group(1)), int(match.group(2) or 1), int(match.group(3)), int(match.group(4) or 1),
        )
        patch.hunks.append(_body(reader, patch, number, old_start, old_len, new_start, new_len))


def _body(reader: _Reader, patch: FilePatch, number: int, old_start: int, old_len: int, new_start: int, new_len: int) -> Hunk:
    lines: list[HunkLine] = []
    old_left, new_left = old_len, new_len
    label = f"{patch.name}: hunk @@ -{old_start},{old_len} +{new_start},{new_len} @@ (patch line {number})"
    while old_left > 0 or new_left > 0:
        line = reader.peek()
        if line is None:
            raise PatchError(f"{label} ends before its {old_len} old and {new_len} new lines (patch truncated?)")
        at = reader.number
        tag = line[:1]
        if tag == b"\\":
            _no_newline(lines, line, at, label)
            reader.take()
            continue
        if line in (b"\n", b"\r\n"):
            tag, text = b" ", line  # a blank context line whose leading space a mailer ate
        elif tag in (b" ", b"+", b"-"):
            text = line[1:]
        else:
            raise PatchError(
                f"{label}: patch line {at} is neither context (' '), addition ('+') nor removal ('-') "
                f"with {old_left} old and {new_left} new lines still due: the hunk is shorter than its header says"
            )
        if tag in (b" ", b"-"):
            old_left -= 1
        if tag in (b" ", b"+"):
            new_left -= 1
        if old_left < 0 or new_left < 0:
            raise PatchError(f"{label}: patch line {at} goes past the line counts in the header")
        lines.append(HunkLine(tag.decode(), text, at))
        reader.take()
    if (line := reader.peek()) is not None and line.startswith(b"\\"):
        _no_newline(lines, line, reader.number, label)
        reader.take()
    return Hunk(old_start, old_len, new_start, new_len, tuple(lines), number)


def _no_newline(lines: list[HunkLine], line: bytes, at: int, label: str) -> None:
    """``\\ No newline at end of file``: the line before it has no line end."""
    if not lines:
        raise PatchError(f"{label}: patch line {at}: '\\' marker with no line before it")
    last = lines[-1]
    text = last.text[:-1] if last.text.endswith(b"\n") else last.text
    lines[-1] = HunkLine(last.tag, text, last.patch_line)
