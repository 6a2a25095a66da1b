"""Read an ELF relocatable object into ObjectFacts, decoding its big tables in bulk.

pyelftools names the machine and decompresses SHF_COMPRESSED sections;
its ELFFile is built only for a file that has one, because constructing its
structs costs ~10 ms per file, more than reading a whole object here (the
ARM kernel build has 400 objects). The header, the SHN_XINDEX escapes and
everything sized by the number of sections, symbols or relocations are
decoded with ``struct.iter_unpack`` and ``array`` slicing: pyelftools'
per-record accessors cost tens to hundreds of times more on a kernel-sized
object (STYLE.md).

Malformed input never raises: each problem becomes a Diagnostic naming the
file, and whatever could be read is returned.
"""

from __future__ import annotations

import io
import struct
import sys
from array import array
from itertools import accumulate, repeat
from operator import rshift

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.enums import ENUM_E_MACHINE

from kgclint.elf.facts import (
    EMPTY_SYMBOLS,
    SHF_COMPRESSED,
    SHF_EXECINSTR,
    SHF_LINK_ORDER,
    SHN_XINDEX,
    SHT_GROUP,
    SHT_NOBITS,
    SHT_REL,
    SHT_RELA,
    SHT_SYMTAB,
    SHT_SYMTAB_SHNDX,
    Group,
    ObjectFacts,
    Relocations,
    Section,
    Symbols,
)
from kgclint.elf.machines import EM_MIPS, arch_of_machine
from kgclint.findings import Diagnostic
from kgclint.location import Location

_HOST_LITTLE = sys.byteorder == "little"
_MACHINE_NAMES = {value: name for name, value in ENUM_E_MACHINE.items() if isinstance(value, int)}


class _Reader:
    """The state of reading one file: its bytes, layout, and the diagnostics so far."""

    def __init__(self, data: bytes, path: str, label: str) -> None:
        self.data = data
        self.path = path
        self.label = label
        self.diagnostics: list[Diagnostic] = []
        self.elf: ELFFile | None = None

    def complain(self, message: str) -> None:
        self.diagnostics.append(Diagnostic(Location(self.path), f"{self.label}: {message}"))


def read_object(data: bytes, path: str, label: str | None = None) -> ObjectFacts:
    """The facts of one ELF object; ``label`` names it in diagnostics (``lib.a(foo.o)``)."""
    r = _Reader(data, path, label or path)
    try:
        return _read(r)
    except (ELFError, struct.error, ValueError, IndexError, OverflowError, EOFError) as exc:
        r.complain(f"not a readable ELF object: {exc}")
    except Exception as exc:  # pyelftools' construct layer raises its own exception types
        r.complain(f"not a readable ELF object: {type(exc).__name__}: {exc}")
    return ObjectFacts(path=path, diagnostics=tuple(r.diagnostics))


def _read(r: _Reader) -> ObjectFacts:
    data = r.data
    if data[:4] != b"\x7fELF":
        r.complain("not an ELF file (bad magic)")
        return ObjectFacts(path=r.path, diagnostics=tuple(r.diagnostics))
    if len(data) < 52:
        r.complain(f"truncated: {len(data)} bytes is shorter than an ELF header")
        return ObjectFacts(path=r.path, diagnostics=tuple(r.diagnostics))
    cls = {1: 32, 2: 64}.get(data[4])
    little = {1: True, 2: False}.get(data[5])
    if cls is None or little is None:
        r.complain(f"bad ELF identification (EI_CLASS {data[4]}, EI_DATA {data[5]})")
        return ObjectFacts(path=r.path, diagnostics=tuple(r.diagnostics))
    end = "<" if little else ">"
    if cls == 64:
        e_type, e_machine, _v, _entry, _phoff, e_shoff, e_flags, _eh, _phes, _phn, e_shentsize, e_shnum, e_shstrndx = (
            struct.unpack_from(end + "HHIQQQIHHHHHH", data, 16)
        )
    else:
        e_type, e_machine, _v, _entry, _phoff, e_shoff, e_flags, _eh, _phes, _phn, e_shentsize, e_shnum, e_shstrndx = (
            struct.unpack_from(end + "HHIIIIIHHHHHH", data, 16)
        )
    base = dict(
        path=r.path,
        elf_class=cls,
        little_endian=little,
        machine=e_machine,
        machine_name=_MACHINE_NAMES.get(e_machine, f"EM_{e_machine}"),
        arch=arch_of_machine(e_machine),
        e_type=e_type,
        e_flags=e_flags,
    )
    if e_shoff == 0:
        r.complain("has no section header table")
        return ObjectFacts(diagnostics=tuple(r.diagnostics), **base)
    hdr_fmt = end + ("IIQQQQIIQQ" if cls == 64 else "IIIIIIIIII")
    hdr_size = struct.calcsize(hdr_fmt)
    if e_shentsize != hdr_size:
        r.complain(f"section header size {e_shentsize} is not {hdr_size}")
        return ObjectFacts(diagnostics=tuple(r.diagnostics), **base)
    if e_shoff + hdr_size > len(data):
        r.complain(f"section header table offset {e_shoff:#x} lies past the end of the file ({len(data)} bytes)")
        return ObjectFacts(diagnostics=tuple(r.diagnostics), **base)
    # SHN_XINDEX escapes: more than 65279 sections keep the count and the name
    # table's index in section header 0 (sh_size and sh_link).
    first = struct.unpack_from(hdr_fmt, data, e_shoff)
    shnum = e_shnum or first[5]
    shstrndx = first[6] if e_shstrndx == SHN_XINDEX else e_shstrndx
    hdr_fmt = end + ("IIQQQQIIQQ" if cls == 64 else "IIIIIIIIII")
    hdr_size = struct.calcsize(hdr_fmt)
    if e_shentsize != hdr_size:
        r.complain(f"section header size {e_shentsize} is not {hdr_size}")
        return ObjectFacts(diagnostics=tuple(r.diagnostics), **base)
    table_end = e_shoff + shnum * hdr_size
    if table_end > len(data):
        r.complain(f"section header table ({shnum} entries at {e_shoff:#x}) runs past the end of the file ({len(data)} bytes)")
        shnum = max(0, (len(data) - e_shoff) // hdr_size)
        if shnum == 0:
            return ObjectFacts(diagnostics=tuple(r.diagnostics), **base)
        table_end = e_shoff + shnum * hdr_size
    raw = list(struct.iter_unpack(hdr_fmt, data[e_shoff:table_end]))
    # Fields: name, type, flags, addr, offset, size, link, info, addralign, entsize.
    names = _section_names(r, raw, shstrndx)
    sizes = _uncompressed_sizes(r, raw, end, cls)
    groups, group_of = _groups(r, raw, names, end)
    make = Section._make
    sections = tuple(
        make((i, names[i], h[1], h[2], sizes[i], h[6], h[7], h[8], h[9], group_of.get(i, 0)))
        for i, h in enumerate(raw)
    )
    symtab_index = next((i for i, h in enumerate(raw) if h[1] == SHT_SYMTAB), 0)
    symbols = _symbols(r, raw, symtab_index, end, cls) if symtab_index else EMPTY_SYMBOLS
    groups = _group_signatures(groups, symbols)
    relocations = _relocations(r, raw, names, sizes, len(symbols), end, cls, e_machine)
    return ObjectFacts(
        diagnostics=tuple(r.diagnostics),
        shnum=len(raw),
        sections=sections,
        symbols=symbols,
        relocations=relocations,
        groups=groups,
        **base,
    )


def _section_bytes(r: _Reader, raw: list[tuple], index: int) -> bytes:
    """The file bytes of section ``index`` (decompressed when SHF_COMPRESSED); b'' with a diagnostic when out of bounds."""
    h = raw[index]
    if h[1] == SHT_NOBITS:
        return b""
    offset, size = h[4], h[5]
    if offset + size > len(r.data):
        r.complain(f"section [{index}] data ({size} bytes at {offset:#x}) runs past the end of the file")
        return b""
    if h[2] & SHF_COMPRESSED:
        inflated = _declared_size(r.data, offset, size)
        if inflated is None or inflated > max(MAX_INFLATED_MIN, MAX_INFLATION * size):
            r.complain(f"section [{index}] claims {inflated} bytes from {size} compressed; not decompressed")
            return b""
        try:
            if r.elf is None:
                r.elf = ELFFile(io.BytesIO(r.data))
            return r.elf.get_section(index).data()
        except Exception as exc:  # zlib/zstd errors, unknown ch_type
            r.complain(f"section [{index}] cannot be decompressed: {exc}")
            return b""
    return r.data[offset:offset + size]


#: A compressed section may inflate to this many times its size (or to MAX_INFLATED_MIN) before it is refused:
#: the tables read here are never compressed by real toolchains, and a zlib bomb inflates ~1000 times.
MAX_INFLATION = 64
MAX_INFLATED_MIN = 1 << 20


def _declared_size(data: bytes, offset: int, size: int) -> int | None:
    """ch_size from the compression header at ``offset`` (ELF class and byte order from e_ident)."""
    end = ">" if data[5:6] == b"\x02" else "<"
    layout = end + ("IIQ" if data[4:5] == b"\x02" else "II")
    if struct.calcsize(layout) > size:
        return None
    return struct.unpack_from(layout, data, offset)[-1]


def _section_names(r: _Reader, raw: list[tuple], shstrndx: int) -> list[str]:
    if not 0 < shstrndx < len(raw):
        r.complain(f"section name table index {shstrndx} is out of range")
        return [f"[{i}]" for i in range(len(raw))]
    table = _section_bytes(r, raw, shstrndx)
    return _names_at(table, tuple(h[0] for h in raw))


def _cstring(table: bytes, offset: int) -> str:
    stop = table.find(b"\0", offset)
    if stop < 0:
        stop = len(table)
    return table[offset:stop].decode("utf-8", "replace")


def _uncompressed_sizes(r: _Reader, raw: list[tuple], end: str, cls: int) -> list[int]:
    """sh_size, or ch_size from the compression header of SHF_COMPRESSED sections (what a linker counts)."""
    sizes = [h[5] for h in raw]
    chdr = end + ("IIQQ" if cls == 64 else "III")
    for i, h in enumerate(raw):
        if h[2] & SHF_COMPRESSED and h[1] != SHT_NOBITS:
            try:
                sizes[i] = struct.unpack_from(chdr, r.data, h[4])[2]
            except struct.error:
                r.complain(f"section [{i}] has a truncated compression header")
    return sizes


def _groups(r: _Reader, raw: list[tuple], names: list[str], end: str) -> tuple[list[tuple[int, int, int, tuple[int, ...]]], dict[int, int]]:
    """(group index, signature symbol row, flags, members) per SHT_GROUP, and member → group."""
    groups = []
    group_of: dict[int, int] = {}
    for i, h in enumerate(raw):
        if h[1] != SHT_GROUP:
            continue
        body = _section_bytes(r, raw, i)
        words = array("I", body[: len(body) // 4 * 4])
        if (end == "<") != _HOST_LITTLE:
            words.byteswap()
        if not words:
            r.complain(f"section group [{i}] {names[i]} is empty")
            continue
        members = tuple(m for m in words[1:] if 0 < m < len(raw))
        if len(members) != len(words) - 1:
            r.complain(f"section group [{i}] {names[i]} lists a section index out of range")
        for m in members:
            group_of[m] = i
        groups.append((i, h[7], words[0], members))
    return groups, group_of


def _group_signatures(groups: list[tuple[int, int, int, tuple[int, ...]]], symbols: Symbols) -> tuple[Group, ...]:
    out = []
    for index, sig_row, flags, members in groups:
        signature = symbols.names[sig_row] if 0 <= sig_row < len(symbols) else ""
        out.append(Group(index, signature, flags, members))
    return tuple(out)


def _symbols(r: _Reader, raw: list[tuple], index: int, end: str, cls: int) -> Symbols:
    h = raw[index]
    body = _section_bytes(r, raw, index)
    if cls == 64:
        fmt, name_i, info_i, other_i, shndx_i, value_i, size_i = "IBBHQQ", 0, 1, 2, 3, 4, 5
    else:
        fmt, name_i, value_i, size_i, info_i, other_i, shndx_i = "IIIBBH", 0, 1, 2, 3, 4, 5
    entsize = struct.calcsize(end + fmt)
    body = body[: len(body) // entsize * entsize]
    if not body:
        return EMPTY_SYMBOLS
    columns = list(zip(*struct.iter_unpack(end + fmt, body)))
    strtab_index = h[6]
    if 0 < strtab_index < len(raw):
        strtab = _section_bytes(r, raw, strtab_index)
    else:
        r.complain(f"symbol table's string table index {strtab_index} is out of range")
        strtab = b""
    names = _names_at(strtab, columns[name_i])
    shndx = array("I", columns[shndx_i])
    if SHN_XINDEX in columns[shndx_i]:
        _resolve_xindex(r, raw, index, shndx, end)
    return Symbols(
        names=tuple(names),
        values=array("Q", columns[value_i]),
        sizes=array("Q", columns[size_i]),
        info=bytes(columns[info_i]),
        other=bytes(columns[other_i]),
        shndx=shndx,
        first_global=h[7],
    )


def _names_at(strtab: bytes, offsets: tuple[int, ...]) -> list[str]:
    """The strings at ``offsets`` of a string table: split once, look up by start offset.

    Offsets into the middle of a string (suffix sharing) fall back to a scan.
    """
    parts = strtab.split(b"\0")
    starts = list(accumulate((len(p) + 1 for p in parts), initial=0))
    if strtab.isascii():
        decoded = strtab.decode("ascii").split("\0")
    else:
        decoded = [p.decode("utf-8", "replace") for p in parts]
    table = dict(zip(starts, decoded))
    names = list(map(table.get, offsets))
    if None in names:
        for i, off in enumerate(offsets):
            if names[i] is None:
                names[i] = _cstring(strtab, off) if off < len(strtab) else ""
    return names  # type: ignore[return-value]


def _resolve_xindex(r: _Reader, raw: list[tuple], symtab: int, shndx: array, end: str) -> None:
    """Replace SHN_XINDEX entries with the real section index from SHT_SYMTAB_SHNDX."""
    table_index = next((i for i, h in enumerate(raw) if h[1] == SHT_SYMTAB_SHNDX and h[6] == symtab), 0)
    if not table_index:
        r.complain("symbols use SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section")
        return
    words = array("I", _section_bytes(r, raw, table_index)[: len(shndx) * 4])
    if (end == "<") != _HOST_LITTLE:
        words.byteswap()
    for i, value in enumerate(shndx):
        if value == SHN_XINDEX:
            shndx[i] = words[i] if i < len(words) else 0


def _relocations(
    r: _Reader, raw: list[tuple], names: list[str], sizes: list[int], nsyms: int, end: str, cls: int, machine: int
) -> tuple[Relocations, ...]:
    """Every relocation section, decoded in one pass per kind (REL, RELA) and split by section.

    With -ffunction-sections an object has a relocation section per
    function, mostly of a handful of records: joining them and decoding once
    keeps the per-section cost to two array slices.
    """
    wanted: dict[bool, list[tuple[int, int, bytes]]] = {False: [], True: []}
    for i, h in enumerate(raw):
        if h[1] not in (SHT_REL, SHT_RELA):
            continue
        target = h[7]
        if not 0 < target < len(raw):
            r.complain(f"relocation section [{i}] {names[i]} applies to section index {target}, out of range")
            continue
        rela = h[1] == SHT_RELA
        entsize = (3 if rela else 2) * (8 if cls == 64 else 4)
        body = _section_bytes(r, raw, i)
        wanted[rela].append((i, target, body[: len(body) // entsize * entsize]))
    found: list[Relocations] = []
    for rela, items in wanted.items():
        if not items:
            continue
        entsize = (3 if rela else 2) * (8 if cls == 64 else 4)
        offsets, types, symbols, addends = _decode_relocs(b"".join(b for _i, _t, b in items), rela, end, cls, machine)
        at = 0
        for i, target, body in items:
            n = len(body) // entsize
            part = slice(at, at + n)
            at += n
            sec_addends = addends[part] if rela else array("q")
            if not rela and cls == 32 and n and not raw[target][2] & (SHF_EXECINSTR | SHF_LINK_ORDER):
                sec_addends = _inplace_words(r, raw, target, offsets[part], end)
            relocs = Relocations(i, target, offsets[part], types[part], symbols[part], sec_addends)
            _validate(r, relocs, names, sizes, raw, nsyms)
            found.append(relocs)
    return tuple(sorted(found, key=lambda x: x.section))


def _validate(r: _Reader, relocs: Relocations, names: list[str], sizes: list[int], raw: list[tuple], nsyms: int) -> None:
    """Diagnose symbol rows past the symbol table (and neutralise them) and offsets past the patched section."""
    if not len(relocs):
        return
    i, target, symbols = relocs.section, relocs.target, relocs.symbols
    if max(symbols) >= nsyms:
        bad_sym = [n for n, s in enumerate(symbols) if s >= nsyms]
        r.complain(
            f"relocation section [{i}] {names[i]}: {len(bad_sym)} relocation(s) name a symbol index past the "
            f"symbol table ({nsyms} symbols), first at entry {bad_sym[0]}; they are ignored"
        )
        for n in bad_sym:
            symbols[n] = 0
    last = max(relocs.offsets)
    if raw[target][1] != SHT_NOBITS and last >= max(sizes[target], 1):
        r.complain(
            f"relocation section [{i}] {names[i]}: a relocation offset {last:#x} lies past the end of "
            f"section [{target}] {names[target]} ({sizes[target]} bytes)"
        )


def _inplace_words(r: _Reader, raw: list[tuple], target: int, offsets: array, end: str) -> array:
    """SHT_REL keeps addends in the patched bytes: the 32-bit word at each offset of a data section.

    Meaningful for data relocations (R_ARM_ABS32 and the like), which is
    what tables hold; code is not read. Empty when a word lies outside the section.
    """
    data = _section_bytes(r, raw, target)
    if not data or max(offsets) + 4 > len(data):
        return array("q")
    if any(off & 3 for off in offsets):
        fmt = end + "i"
        return array("q", (struct.unpack_from(fmt, data, off)[0] for off in offsets))
    words = array("i", data[: len(data) // 4 * 4])
    if (end == "<") != _HOST_LITTLE:
        words.byteswap()
    return array("q", [words[off >> 2] for off in offsets])


def _decode_relocs(body: bytes, rela: bool, end: str, cls: int, machine: int) -> tuple[array, array, array, array]:
    """Offsets, types, symbol rows and addends of one relocation section, by array slicing.

    No Python object is made per record: r_info's halves are picked out of
    the raw words (64-bit) or shifted with ``map`` (32-bit).
    """
    words_per = (3 if rela else 2) * (2 if cls == 64 else 1)
    entsize = words_per * 4
    body = body[: len(body) // entsize * entsize]
    swap = (end == "<") != _HOST_LITTLE
    words = array("I", body)
    if swap:
        words.byteswap()
    if cls == 64:
        quads = array("Q", body)
        if swap:
            quads.byteswap()
        stride = 3 if rela else 2
        offsets = quads[0::stride]
        addends = array("q", quads[2::3].tobytes()) if rela else array("q")
        if machine == EM_MIPS:
            # MIPS64: r_sym (a 32-bit word), then r_ssym, r_type3, r_type2, r_type as bytes.
            symbols = words[2::words_per]
            rtype, rtype2, rtype3 = body[15::entsize], body[14::entsize], body[13::entsize]
            if any(rtype2) or any(rtype3):
                types = array("I", (a | b << 8 | c << 16 for a, b, c in zip(rtype, rtype2, rtype3)))
            else:
                types = array("I", iter(rtype))
        else:
            # r_info as one 64-bit value: low word = type, high word = symbol.
            lo, hi = (2, 3) if end == "<" else (3, 2)
            types = words[lo::words_per]
            symbols = words[hi::words_per]
        return offsets, types, symbols, addends
    stride = 3 if rela else 2
    offsets = array("Q", words[0::stride])
    infos = words[1::stride]
    type_byte = 4 if end == "<" else 7
    types = array("I", iter(body[type_byte::entsize]))
    symbols = array("I", map(rshift, infos, repeat(8)))
    addends = array("q", array("i", words[2::3].tobytes())) if rela else array("q")
    return offsets, types, symbols, addends
