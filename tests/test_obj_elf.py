"""The ELF reader: bulk decoding checked against readelf, odd layouts, and bad input that must not crash."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from test_obj_oracle import BINUTILS, asm
from toolchain import compile_c, require, run

from kgclint.elf.archive import read_archive
from kgclint.elf.facts import SHF_COMPRESSED, SHN_XINDEX
from kgclint.elf.reader import read_object
from kgclint.frontends.elf import parse_archive, parse_object
from kgclint.inputs import SourceInput

SAMPLE = asm("""
    .globl _start
    .section .text._start,"ax",%progbits
_start: .dc.a target
    .dc.a .Llocal
    .section .data.target,"aw",%progbits
    .globl target
target: .long 1
    .section .rodata.local,"a",%progbits
.Llocal: .long 2
    .section .text.g,"axG",%progbits,g,comdat
    .globl g
g: .long 3
""")


def _assemble(arch: str, text: str, work: Path, name: str = "s") -> Path:
    src = work / f"{name}.s"
    src.write_text(text)
    out = work / f"{name}.o"
    run([require(BINUTILS[arch] + "as"), str(src), "-o", str(out)])
    return out


def _readelf_relocs(arch: str, obj: Path) -> list[tuple[str, int, str]]:
    """(relocation section, offset, symbol or section name) from readelf -rW."""
    text = run([require(BINUTILS[arch] + "readelf"), "-rW", str(obj)]).stdout
    out, current = [], None
    for line in text.splitlines():
        if line.startswith("Relocation section"):
            current = line.split("'")[1]
        elif current and line[:1] in "0123456789abcdef" and len(line.split()) >= 5:
            parts = line.split()
            out.append((current, int(parts[0], 16), parts[4]))
    return out


@pytest.mark.parametrize("arch", list(BINUTILS))
def test_relocations_match_readelf(arch: str, tmp_path: Path) -> None:
    obj = _assemble(arch, SAMPLE, tmp_path)
    facts = read_object(obj.read_bytes(), "s.o")
    assert facts.diagnostics == ()
    mine = []
    for r in facts.relocations:
        for off, row in zip(r.offsets, r.symbols):
            name = facts.symbols.names[row] or facts.section_name(facts.symbols.shndx[row])
            mine.append((facts.section_name(r.section), off, name))
    assert sorted(mine) == sorted(_readelf_relocs(arch, obj))
    groups = {g.signature: [facts.section_name(m) for m in g.members] for g in facts.groups}
    assert groups == {"g": [".text.g"]}


def test_compressed_sections_report_their_uncompressed_size(tmp_path: Path) -> None:
    src = tmp_path / "d.c"
    src.write_text("int f(int x) { return x * 5; }\n")
    obj = compile_c(src, tmp_path / "d.o", flags=("-g", "-gz=zlib"))
    facts = read_object(obj.read_bytes(), "d.o")
    compressed = [s for s in facts.sections if s.flags & SHF_COMPRESSED]
    assert compressed
    plain = compile_c(src, tmp_path / "p.o", flags=("-g",))
    sizes = {s.name: s.size for s in read_object(plain.read_bytes(), "p.o").sections}
    for s in compressed:
        assert s.size == sizes[s.name]


def test_more_than_65280_sections_use_xindex(tmp_path: Path) -> None:
    """SHN_XINDEX: section count, name table and symbol section indexes past SHN_LORESERVE."""
    count = 65400
    text = ".altmacro\n.macro sec n\n.section .text.s\\n,\"ax\",@progbits\n.globl f\\n\nf\\n: ret\n.endm\n"
    text += f".set i,0\n.rept {count}\nsec %i\n.set i,i+1\n.endr\n"
    obj = _assemble("x86_64", text, tmp_path, "big")
    facts = read_object(obj.read_bytes(), "big.o")
    assert facts.diagnostics == ()
    assert facts.shnum > 0xFF00
    names = {s.name for s in facts.sections}
    assert f".text.s{count - 1}" in names
    last = facts.symbols.names.index(f"f{count - 1}")
    assert facts.section_name(facts.symbols.shndx[last]) == f".text.s{count - 1}"
    assert facts.symbols.shndx[last] != SHN_XINDEX


# -- bad input: a diagnostic naming the file (and member), never a traceback -----------------


def _valid_object(tmp_path: Path) -> bytes:
    return _assemble("x86_64", SAMPLE, tmp_path).read_bytes()


def _header_fields(data: bytes) -> tuple[int, int, int]:
    e_shoff = struct.unpack_from("<Q", data, 0x28)[0]
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    return e_shoff, e_shentsize, e_shnum


def _corrupt(data: bytes, how: str) -> bytes:
    buf = bytearray(data)
    e_shoff, entsize, shnum = _header_fields(data)
    if how == "truncated":
        return bytes(buf[: len(buf) // 3])
    if how == "header-only":
        return bytes(buf[:20])
    if how == "magic":
        buf[:4] = b"\x7fELG"
        return bytes(buf)
    if how == "class":
        buf[4] = 7
        return bytes(buf)
    if how == "section-table-past-end":
        struct.pack_into("<Q", buf, 0x28, len(buf) + 4096)
        return bytes(buf)
    if how == "section-data-past-end":
        for i in range(1, shnum):
            base = e_shoff + i * entsize
            struct.pack_into("<Q", buf, base + 0x18, len(buf) * 4)  # sh_offset
        return bytes(buf)
    if how == "bad-entsize":
        struct.pack_into("<H", buf, 0x3A, 17)
        return bytes(buf)
    if how in ("reloc-symbol-out-of-range", "reloc-offset-past-end"):
        for i in range(1, shnum):
            base = e_shoff + i * entsize
            sh_type = struct.unpack_from("<I", buf, base + 4)[0]
            if sh_type == 4:  # SHT_RELA
                sh_off = struct.unpack_from("<Q", buf, base + 0x18)[0]
                if how == "reloc-symbol-out-of-range":
                    struct.pack_into("<I", buf, sh_off + 12, 0xFFFF)  # high word of r_info
                else:
                    struct.pack_into("<Q", buf, sh_off, 0x10000000)  # r_offset
                return bytes(buf)
    if how == "bad-shstrndx":
        struct.pack_into("<H", buf, 0x3E, 0xF000)
        return bytes(buf)
    raise AssertionError(how)


BAD = {
    "truncated": "",
    "header-only": "truncated",
    "magic": "bad magic",
    "class": "bad ELF identification",
    "section-table-past-end": "past the end of the file",
    "section-data-past-end": "runs past the end of the file",
    "bad-entsize": "section header size",
    "reloc-symbol-out-of-range": "symbol index past the symbol table",
    "reloc-offset-past-end": "lies past the end of section",
    "bad-shstrndx": "section name table index",
}


@pytest.mark.parametrize("how", sorted(BAD))
def test_bad_object_gives_a_diagnostic(how: str, tmp_path: Path) -> None:
    data = _corrupt(_valid_object(tmp_path), how)
    facts = parse_object(SourceInput("drivers/bad.o", data, "x86"))
    assert facts.path == "drivers/bad.o"
    assert facts.diagnostics, how
    assert all(d.location.path == "drivers/bad.o" and "drivers/bad.o" in d.message for d in facts.diagnostics)
    assert BAD[how] in " ".join(d.message for d in facts.diagnostics)


def test_bad_input_in_the_simulation_does_not_crash(tmp_path: Path) -> None:
    """A corrupt object among good ones: the link is simulated over what could be read."""
    from kgclint.analysis.gc import GcOptions, LinkObject, simulate

    good = read_object(_valid_object(tmp_path), "good.o")
    bad = read_object(_corrupt(_valid_object(tmp_path), "reloc-symbol-out-of-range"), "bad.o")
    result = simulate([LinkObject("good.o", "good.o", good), LinkObject("bad.o", "bad.o", bad)], None,
                      GcOptions(entry="_start"))
    assert result.dropped() is not None


def test_archive_with_a_bad_member_names_archive_and_member(tmp_path: Path) -> None:
    good = _assemble("x86_64", SAMPLE, tmp_path, "good")
    bad = tmp_path / "bad.o"
    bad.write_bytes(b"this is not an object\n" * 3)
    archive = tmp_path / "lib.a"
    run([require("ar"), "rc", str(archive), str(good), str(bad)])
    facts = parse_archive(SourceInput("lib/lib.a", archive.read_bytes(), "x86"))
    assert [m.name for m in facts.members] == ["good.o", "bad.o"]
    assert facts.members[0].facts is not None and facts.members[0].facts.ok
    messages = [d.message for d in facts.diagnostics]
    assert any("lib/lib.a(bad.o)" in m and "bad magic" in m for m in messages)


@pytest.mark.parametrize("data,expected", [
    (b"!<arch>\n" + b"x" * 30, "corrupt member header"),
    (b"!<arch>\nfoo.o/          0           0     0     644     99999     `\nabc", "runs past the end"),
    (b"!<arch>\nfoo.o/          0           0     0     644     zz        `\n", "bad size field"),
    (b"not an archive", "bad magic"),
    (b"!<thin>\n/999            0           0     0     644     10        `\n", "outside the name table"),
])
def test_corrupt_archives(data: bytes, expected: str) -> None:
    facts = read_archive(data, "lib.a")
    assert any(expected in d.message and d.message.startswith("lib.a") for d in facts.diagnostics)


def test_thin_archive_records_member_paths(tmp_path: Path) -> None:
    sub = tmp_path / "kernel"
    sub.mkdir()
    obj = _assemble("x86_64", SAMPLE, sub, "fork")
    archive = tmp_path / "built-in.a"
    subprocess.run([require("ar"), "cDPrST", str(archive), "kernel/fork.o"], cwd=tmp_path, check=True)
    facts = read_archive(archive.read_bytes(), "built-in.a")
    assert facts.thin and facts.diagnostics == ()
    assert [(m.name, m.path, m.facts) for m in facts.members] == [("kernel/fork.o", "kernel/fork.o", None)]
    assert obj.exists()
