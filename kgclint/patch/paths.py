"""Keep a patch inside the tree: no absolute paths, no ``..``, no symlink leading out."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from kgclint.patch import PatchError


def safe_relpath(name: str, root: Path) -> str:
    """``name`` as a clean tree-relative path, or PatchError when it could reach outside ``root``.

    Checked on the name itself (absolute, ``..`` components, NUL) and on the
    disk: every existing component must resolve inside the root, so a
    symlink in the tree cannot carry a read or a write elsewhere.
    """
    if not name or "\0" in name:
        raise PatchError(f"patch names an empty or invalid path {name!r}")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PatchError(f"patch path {name!r} is absolute; patch paths must be relative to the tree root")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise PatchError(f"patch path {name!r} contains '..'; it could reach outside the tree root")
    if not parts:
        raise PatchError(f"patch path {name!r} names the tree root itself")
    relpath = "/".join(parts)
    real_root = os.path.realpath(root)
    resolved = os.path.realpath(os.path.join(real_root, *parts))
    if resolved != real_root and not resolved.startswith(real_root.rstrip("/") + "/"):
        raise PatchError(f"patch path {relpath!r} leads outside the tree root through a symlink (to {resolved})")
    return relpath


def check_link_target(relpath: str, target: bytes) -> None:
    """A symlink a patch creates must point inside the tree."""
    text = target.decode("utf-8", "surrogateescape").rstrip("\n")
    if not text or text.startswith("/"):
        raise PatchError(f"patch makes {relpath} a symlink to {text!r}, outside the tree root")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(relpath), text))
    if joined == ".." or joined.startswith("../"):
        raise PatchError(f"patch makes {relpath} a symlink to {text!r}, outside the tree root")
