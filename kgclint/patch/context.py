"""What patch mode reads besides the touched files, so a run is fast yet sees what rules need.

Linting the whole tree before and after every patch would parse tens of
thousands of files; the findings a patch can add depend on far less: the
touched files, the files beside them (other entries of the same table, the
Kbuild makefile), and the linker scripts that place their sections. Headers
and included scripts are read on demand through ``Project.read_bytes``, so
they need not be inputs. ``--context tree`` lints the whole tree instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kgclint.discovery import SKIPPED_DIRS
from kgclint.inputs import InputKind, kind_of
from kgclint.project import arch_from_path


def _scripts(folder: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if kind_of(path.name) is InputKind.LINKER_SCRIPT and not SKIPPED_DIRS.intersection(path.parts) and path.is_file():
            found.append(path)
    return found


def _nearest_folder(root: Path, relpath: str) -> Path:
    """The closest existing folder of a file the patch creates (discovery then finds the new file in it)."""
    folder = (root / relpath).parent
    while not folder.is_dir() and folder != root:
        folder = folder.parent
    return folder


def context_paths(root: Path, touched: Iterable[str], arch: str | None) -> list[Path]:
    """Inputs for a patch touching ``touched``: those files, the sources beside them, the relevant arches' scripts.

    A file the patch creates is found through its closest existing folder;
    a header brings no siblings (its includers read it on demand).
    """
    paths: set[Path] = set()
    arches: set[str] = {arch} if arch else set()
    for relpath in sorted(set(touched)):
        path = root / relpath
        if path.is_file():
            paths.add(path)
            if kind_of(path.name) is not None and not path.name.endswith(".h"):
                paths.update(
                    p for p in path.parent.iterdir()
                    if p.is_file() and kind_of(p.name) is not None and not p.name.endswith(".h")
                )
        else:
            paths.add(_nearest_folder(root, relpath))
        if not arch and (named := arch_from_path(relpath)):
            arches.add(named)
    arch_root = root / "arch"
    if not arches and arch_root.is_dir():
        # an arch-independent change: every arch's main script may place its sections
        paths.update(
            p for p in sorted(arch_root.glob("*/kernel/*"))
            if p.is_file() and kind_of(p.name) is InputKind.LINKER_SCRIPT
        )
    for name in sorted(arches):
        if (arch_root / name).is_dir():
            paths.update(_scripts(arch_root / name))
    return sorted(paths)
