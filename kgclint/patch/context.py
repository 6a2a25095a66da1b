"""What patch mode reads besides the touched files, so a run is fast yet sees what rules need.

Linting the whole tree before and after every patch would parse tens of
thousands of files; the findings a patch can add depend on far less: the
touched files, the files beside them (other entries of the same table, the
Kbuild makefile), and the linker scripts that place their sections. Headers
and included scripts are read on demand through ``Project.read_bytes``, so
they need not be inputs. ``--context tree`` lints the whole tree instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from kgclint.discovery import SKIPPED_DIRS
from kgclint.inputs import InputKind, kind_of
from kgclint.project import arch_from_path


#: ``sym = .`` and ``sym = ADDR(...)``-style assignments: the symbols code walks a script's tables through.
_ASSIGNED = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:\.|(?:ABSOLUTE|ADDR|LOADADDR|SIZEOF|ALIGN)\s*\()")


def _script_symbols(scripts: Iterable[Path]) -> set[str]:
    """Symbols assigned right next to an input-section pattern without KEEP in the scripts' own text.

    Those bracket a table GC could empty; the code using them is what makes
    it a table. Symbols of KEEP()'d tables, of whole images (``_text``,
    ``_end``) and of the shared ``*.lds.h`` headers are left out: half the
    tree uses them, and reading every user would make the context the tree.
    """
    symbols: set[str] = set()
    for path in scripts:
        try:
            lines = [line for line in path.read_bytes().splitlines() if line.strip()]
        except OSError:
            continue
        for i, line in enumerate(lines):
            match = _ASSIGNED.search(line)
            if match is None or match.group(1) == b".":
                continue
            near = lines[max(i - 1, 0):i] + lines[i + 1:i + 2]
            if any(b"*(" in other and b"KEEP(" not in other for other in near):
                symbols.add(match.group(1).decode())
    return symbols


#: Where the walkers of an arch script's own tables live besides arch/<arch>/: the generic core and headers.
CORE_DIRS = ("include", "init", "kernel", "mm", "lib")


def walkers(root: Path, scripts: Iterable[Path], arches: Iterable[str] = ()) -> list[Path]:
    """Source files that use a symbol the scripts assign: the code that walks their tables.

    Found with ripgrep (a whole-word, fixed-string search of C, header and
    assembly files) in ``arch/<arch>/`` and the core folders when the arches
    are known, else in the whole tree; without ripgrep, none (the run then sees only the
    walkers among the other context files).
    """
    symbols = sorted(_script_symbols(scripts))
    rg = shutil.which("rg")
    if not symbols or rg is None:
        return []
    argv = [rg, "-l", "-w", "-F", "--no-messages", "-g", "*.[chS]", "-g", "!tools/", "-g", "!Documentation/"]
    for symbol in symbols:
        argv += ["-e", symbol]
    arches = sorted(arches)
    where = [f"arch/{a}" for a in arches] + [d for d in CORE_DIRS if (root / d).is_dir()] if arches else ["."]
    done = subprocess.run([*argv, "--", *where], cwd=root, capture_output=True, check=False)
    return [root / line.decode("utf-8", "surrogateescape") for line in done.stdout.splitlines() if line]


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
    """Inputs for a patch touching ``touched``: those files, the sources beside them, the relevant arches' scripts,
    the code that walks those scripts' tables, and the include/ folders (the macro table is learned from them).

    A file the patch creates is found through its closest existing folder;
    a header brings no siblings (its includers read it on demand).
    """
    paths: set[Path] = set()
    if arch and not (root / "arch" / arch).is_dir():
        arch = None  # a compiler's name for it (x86_64) rather than the tree's folder: judge by the paths
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
    # the headers the macro table learns from (kgclint.analysis.macros reads the include/ folders' facts)
    header_arches = sorted(arches) or (sorted(p.name for p in arch_root.iterdir()) if arch_root.is_dir() else [])
    folders = [root / "include", *(arch_root / name / "include" for name in header_arches)]
    paths.update(folder for folder in folders if folder.is_dir())
    scripts = [p for p in paths if kind_of(p.name) is InputKind.LINKER_SCRIPT]
    paths.update(p for p in walkers(root, scripts, arches) if not _other_arch(root, p, arches))
    return sorted(paths)


def _other_arch(root: Path, path: Path, arches: set[str]) -> bool:
    named = arch_from_path(path.relative_to(root).as_posix())
    return bool(arches) and named is not None and named not in arches
