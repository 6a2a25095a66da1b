"""Read a System V / GNU ``ar`` archive, regular (``!<arch>``) or thin (``!<thin>``).

Kbuild links ``vmlinux.a`` and every ``built-in.a`` as thin archives: the
archive holds only a symbol index and member *paths* (relative to the
archive's directory), not the members' bytes. The front-end must not read
other files, so a thin member is recorded by path and read later by a
project analysis (``kgclint.analysis.gc``).
"""

from __future__ import annotations

import posixpath
import struct

from kgclint.elf.facts import ArchiveFacts, ArchiveMember
from kgclint.elf.reader import read_object
from kgclint.findings import Diagnostic
from kgclint.location import Location

ARMAG = b"!<arch>\n"
THINMAG = b"!<thin>\n"
_HEADER = 60


def is_archive(data: bytes) -> bool:
    """Whether ``data`` starts like an ar archive."""
    return data[:8] in (ARMAG, THINMAG)


def read_archive(data: bytes, path: str) -> ArchiveFacts:
    """The members (with object facts, or paths for a thin archive) and symbol index of one archive."""
    diagnostics: list[Diagnostic] = []

    def complain(message: str) -> None:
        diagnostics.append(Diagnostic(Location(path), f"{path}: {message}"))

    magic = data[:8]
    if magic not in (ARMAG, THINMAG):
        complain("not an ar archive (bad magic)")
        return ArchiveFacts(path=path, diagnostics=tuple(diagnostics))
    thin = magic == THINMAG
    members: list[ArchiveMember] = []
    member_at: dict[int, int] = {}
    long_names = b""
    symtab: tuple[bytes, bool] | None = None
    pos = 8
    while pos + 1 < len(data):
        if data[pos:pos + 1] == b"\n":  # padding byte to an even offset
            pos += 1
            continue
        header = data[pos:pos + _HEADER]
        if len(header) < _HEADER or header[58:60] != b"`\n":
            complain(f"corrupt member header at offset {pos:#x}; the rest of the archive is ignored")
            break
        raw_name = header[:16].decode("latin-1").rstrip(" ")
        try:
            size = int(header[48:58].decode("latin-1").strip() or "0")
        except ValueError:
            complain(f"member header at offset {pos:#x} has a bad size field; the rest of the archive is ignored")
            break
        start = pos + _HEADER
        special = raw_name in ("/", "//", "/SYM64/")
        stored = special or not thin
        if stored and start + size > len(data):
            complain(f"member {raw_name!r} at offset {pos:#x} ({size} bytes) runs past the end of the archive")
            break
        body = data[start:start + size] if stored else b""
        if raw_name == "/":
            symtab = (body, False)
        elif raw_name == "/SYM64/":
            symtab = (body, True)
        elif raw_name == "//":
            long_names = body
        else:
            name = _member_name(raw_name, long_names)
            if name is None:
                complain(f"member at offset {pos:#x} has a long name {raw_name!r} outside the name table")
                name = raw_name
            member_at[pos] = len(members)
            label = f"{path}({name})"
            if thin:
                if name.startswith("/"):
                    member_path = posixpath.normpath(name)
                else:
                    member_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), name))
                members.append(ArchiveMember(name=name, size=size, path=member_path))
            else:
                facts = read_object(body, path, label)
                members.append(ArchiveMember(name=name, size=size, facts=facts))
                diagnostics.extend(facts.diagnostics)
        pos = start + (size if stored else 0)
        pos += pos & 1
    index = _symbol_index(symtab, member_at, complain) if symtab else ()
    return ArchiveFacts(path=path, diagnostics=tuple(diagnostics), thin=thin, members=tuple(members), index=index)


def _member_name(raw: str, long_names: bytes) -> str | None:
    """A member's name: GNU ``name/`` or ``/offset`` into the long-name table."""
    digits = raw[1:].rstrip(" /")
    if raw.startswith("/") and digits.isdigit():
        # GNU ar may end the field with '/' after the offset's padding (seen in Kbuild's thin archives).
        offset = int(digits)
        if offset >= len(long_names):
            return None
        stop = long_names.find(b"/\n", offset)
        if stop < 0:
            stop = long_names.find(b"\n", offset)
        if stop < 0:
            stop = len(long_names)
        return long_names[offset:stop].decode("utf-8", "replace")
    return raw[:-1] if raw.endswith("/") else raw


def _symbol_index(symtab: tuple[bytes, bool], member_at: dict[int, int], complain) -> tuple[tuple[str, int], ...]:
    """(symbol, member position) from the archive's symbol table; first definition wins."""
    body, wide = symtab
    word = 8 if wide else 4
    fmt = ">Q" if wide else ">I"
    if len(body) < word:
        complain("symbol table is truncated")
        return ()
    (count,) = struct.unpack_from(fmt, body, 0)
    names_at = word + count * word
    if names_at > len(body):
        complain(f"symbol table claims {count} symbols but is {len(body)} bytes long")
        return ()
    offsets = struct.unpack_from(f">{count}{'Q' if wide else 'I'}", body, word)
    names = body[names_at:].split(b"\0")
    seen: dict[str, int] = {}
    for offset, raw in zip(offsets, names):
        member = member_at.get(offset)
        if member is None:
            continue
        seen.setdefault(raw.decode("utf-8", "replace"), member)
    return tuple(seen.items())
