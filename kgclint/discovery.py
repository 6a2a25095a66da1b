"""Find the inputs under the paths a user names, and the tree root they belong to.

The walk is iterative, sorted, never follows a directory symlink into a
directory it has already seen (so a symlink loop ends), and reports what it
cannot enter instead of failing. Only kinds some selected rule needs are
returned, so a sources-only run never opens an object file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kgclint.findings import Diagnostic
from kgclint.inputs import InputKind, kind_of
from kgclint.location import Location

#: Directories no kernel input lives in.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".pc"})


@dataclass(frozen=True, slots=True)
class Discovered:
    """One input file: its tree-relative path, where it is on disk, and its kind."""

    relpath: str
    path: Path
    kind: InputKind


def find_root(paths: Iterable[Path]) -> Path:
    """The top of the tree the paths belong to.

    Walks up from the paths' common folder to the first one holding a
    kgclint configuration, or that looks like the top of a kernel tree (a
    ``Makefile`` beside ``arch/`` and ``include/``), or a repository root;
    else the common folder itself.
    """
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    common = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in resolved]))
    for folder in (common, *common.parents):
        if (folder / ".kgclint.toml").is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.kgclint]" in _read_small(pyproject):
            return folder
        if (folder / "Makefile").is_file() and (folder / "arch").is_dir() and (folder / "include").is_dir():
            return folder
        if (folder / ".git").exists():
            return folder
    return common


def _read_small(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:1_000_000]
    except OSError:
        return ""


def relative(root: Path, path: Path) -> str:
    """A tree-relative posix path; paths outside the root keep their absolute form.

    The root is resolved (``find_root``) but the user's paths are not: a
    tree named through a symlink (``/var/tmp/linux`` → ``/work/linux``) is
    matched by its resolved form, or every path in it would stay absolute
    and lose what its place says (``include/``, ``arch/<name>/``).
    """
    absolute = Path(os.path.abspath(path))
    for candidate in (absolute, absolute.resolve()):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return absolute.as_posix()


def discover(
    root: Path,
    paths: Iterable[Path],
    kinds: frozenset[InputKind],
    excluded=lambda relpath: False,
) -> tuple[list[Discovered], list[Diagnostic]]:
    """Every file of the wanted kinds under ``paths``, sorted by relative path, plus what could not be read."""
    found: dict[str, Discovered] = {}
    problems: list[Diagnostic] = []
    seen_dirs: set[tuple[int, int]] = set()
    for start in paths:
        rel = relative(root, start)
        try:
            info = start.stat()
        except OSError as exc:
            problems.append(Diagnostic(Location(rel), f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(info.st_mode):
            _walk(root, start, kinds, excluded, found, problems, seen_dirs)
        elif stat.S_ISREG(info.st_mode):
            kind = kind_of(start.name) or _sniff(start)
            if kind is None:
                problems.append(Diagnostic(Location(rel), "not a kind of file kgclint reads (C, assembly, linker script, ELF object or archive, Kbuild makefile, .config)"))
            elif kind in kinds:
                found[rel] = Discovered(rel, start, kind)
    return [found[key] for key in sorted(found)], problems


def _sniff(path: Path) -> InputKind | None:
    """ELF objects and archives named without .o/.a (``vmlinux.o`` has one, a ``built-in`` might not)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError:
        return None
    if magic.startswith(b"\x7fELF"):
        return InputKind.OBJECT
    if magic in (b"!<arch>\n", b"!<thin>\n"):
        return InputKind.ARCHIVE
    return None


def _walk(root, top, kinds, excluded, found, problems, seen_dirs) -> None:
    """Depth-first, in name order; paths are handled as strings, as pathlib costs seconds on a 60k-file tree."""
    stack = [(str(top), relative(root, top))]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            info = os.stat(folder)
        except OSError as exc:
            problems.append(Diagnostic(Location(rel_folder), f"cannot enter directory: {exc.strerror or exc}"))
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen_dirs:
            if os.path.islink(folder):
                problems.append(Diagnostic(Location(rel_folder),
                                           "symlink to a directory already read under another path; not followed"))
            continue
        seen_dirs.add(identity)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Diagnostic(Location(rel_folder), f"cannot list directory: {exc.strerror or exc}"))
            continue
        prefix = "" if rel_folder in ("", ".") else rel_folder + "/"
        subdirs = []
        for entry in entries:
            rel = prefix + entry.name
            if excluded(rel):
                continue
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError as exc:
                verb = "cannot follow symlink" if entry.is_symlink() else "cannot read"
                problems.append(Diagnostic(Location(rel), f"{verb}: {exc.strerror or exc}"))
                continue
            if is_dir:
                if entry.is_symlink() and not _inside(root, Path(entry.path)):
                    problems.append(Diagnostic(Location(rel), "symlink to a directory outside the tree; not followed"))
                elif entry.is_symlink() and _inside(top, Path(entry.path)):
                    continue    # this walk reads the target under its own path (dtc's include-prefixes/arm)
                elif entry.name not in SKIPPED_DIRS:
                    subdirs.append((entry.path, rel))
            elif is_file:
                kind = kind_of(entry.name)
                if kind is not None and kind in kinds:
                    found[rel] = Discovered(rel, Path(entry.path), kind)
            elif entry.is_symlink() and kind_of(entry.name) in kinds:
                problems.append(Diagnostic(Location(rel), _broken_link_reason(Path(entry.path))))
        stack.extend(reversed(subdirs))


def _inside(root: Path, path: Path) -> bool:
    """Whether a path, its symlinks followed, stays within the tree (a link to / must not scan the disk)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


def _broken_link_reason(path: Path) -> str:
    try:
        path.stat()
    except OSError as exc:
        return f"cannot follow symlink: {exc.strerror or exc}"
    return "symlink to something that is neither a file nor a directory"


def with_overlay(
    found: list[Discovered],
    overlay: dict[str, bytes | None],
    root: Path,
    paths: Iterable[Path],
    kinds: frozenset[InputKind],
) -> list[Discovered]:
    """The discovered files as a patch leaves them: deleted ones gone, new ones under ``paths`` added."""
    by_rel = {item.relpath: item for item in found if overlay.get(item.relpath, b"") is not None}
    prefixes = [relative(root, p) for p in paths]
    for rel, data in overlay.items():
        if data is None or rel in by_rel:
            continue
        kind = kind_of(rel.rsplit("/", 1)[-1])
        inside = any(p in (".", "") or rel == p or rel.startswith(p.rstrip("/") + "/") for p in prefixes)
        if kind is not None and kind in kinds and inside:
            by_rel[rel] = Discovered(rel, root / rel, kind)
    return [by_rel[key] for key in sorted(by_rel)]
