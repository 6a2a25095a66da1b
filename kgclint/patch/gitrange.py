"""``kgclint diff --git A..B``: the diff and the original files of a commit range, from git itself.

git runs with an argument list (no shell), in the tree root, with
``--relative`` so paths are relative to the root even when the repository's
top is above it. Binary files in the range are left out (kgclint reads text)
and named in a warning.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from kgclint.patch import PatchError
from kgclint.patch.apply import Reader

_DIFF = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--relative", "--src-prefix=a/", "--dst-prefix=b/"]


def _git(root: Path, args: list[str], data: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=root, input=data, capture_output=True, check=False)
    except OSError as exc:
        raise PatchError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise PatchError(f"git {' '.join(args)}: {message}")
    return done.stdout


def split_range(spec: str) -> tuple[str, str]:
    """``A..B`` (``A..`` means ``A..HEAD``) into its two ends."""
    if ".." not in spec or "..." in spec:
        raise PatchError(f"--git wants a range A..B, not {spec!r}")
    first, second = spec.split("..", 1)
    if not first or first.startswith("-") or second.startswith("-"):
        raise PatchError(f"--git wants a range A..B, not {spec!r}")
    return first, second or "HEAD"


def _commit(root: Path, rev: str) -> str:
    return _git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"]).decode().strip()


def git_range(root: Path, spec: str) -> tuple[bytes, Reader, list[str]]:
    """The range's diff, a reader of the files as they are at A, and the binary files left out."""
    first, second = split_range(spec)
    a, b = _commit(root, first), _commit(root, second)
    binary: list[str] = []
    for record in _git(root, ["diff", "--numstat", "-z", "--relative", "--no-renames", a, b, "--"]).split(b"\0"):
        if record.startswith(b"-\t-\t"):
            binary.append(record[4:].decode("utf-8", "surrogateescape"))
    excludes = [f":(exclude,literal){path}" for path in binary]
    diff = _git(root, [*_DIFF, a, b, "--", ".", *excludes])

    def read(relpath: str) -> bytes | None:
        out = _git(root, ["cat-file", "--batch"], f"{a}:./{relpath}\n".encode("utf-8", "surrogateescape"))
        header, _, rest = out.partition(b"\n")
        if header.endswith(b" missing") or b" blob " not in header:
            return None
        size = int(header.rsplit(b" ", 1)[1])
        return rest[:size]

    return diff, read, binary
