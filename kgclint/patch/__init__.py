"""Patch mode: read unified diffs and ``git format-patch`` mail, apply them in memory, pick the findings they cause.

Everything works on bytes, so a patch to a file with CRLF line ends, a
Latin-1 comment or trailing white space applies exactly as ``git apply``
would; nothing is ever written to the tree.
"""

from __future__ import annotations


class PatchError(Exception):
    """A patch that cannot be read or applied; the message names the file and the hunk."""
