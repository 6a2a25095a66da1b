"""Section mismatches per object, before the final link: modpost's check without ``vmlinux.o``.

modpost (``scripts/mod/modpost.c``) links nothing itself: Kbuild first runs
``ld -r`` to make ``vmlinux.o`` only so that every relocation's symbol is
resolved to the section that defines it, then modpost walks the
relocations. Here each object is checked on its own, in parallel: a
relocation against a symbol defined in the object gives the target section
directly; one against an undefined symbol is resolved through a
cross-object index of global definitions (strong before weak), which is
what ``ld -r`` would have done.

The rules are modpost 6.12's, so that the two agree:

* ``sectioncheck[]``: from text/data sections (``.text``, ``.text.*``,
  ``.data`` …) into any ``.init.*``/``.exit.*`` section; from ``.init.*``
  into ``.exit.*``; from ``.exit.*`` into ``.init.*``; from the PCI fixup
  sections into ``.init.*``; from ``__ex_table`` to anything that is not
  text;
* ``secref_whitelist()``: ``__param*`` data referring to init data,
  ``__param_ops_*`` to ``.init.text``, data symbols named ``*_ops``,
  ``*_probe``, ``*_console`` referring to init/exit sections,
  ``.head.text`` referring to init sections, references to
  ``__init_begin``/``_sinittext``/``_einittext``, and ``*.constprop.*``
  text referring to init sections;
* the names reported: the nearest symbol at or before the reference
  (``fromsym+offset``), and for the target its symbol, or the nearest one
  within 20 bytes when the relocation uses a section symbol; mapping
  symbols (``$a``, ``$d``, ``.L…``) are not names.

The section-name lists are modpost's own, copied because agreeing with
modpost is the point of this check (they are the tool's rules, not a
reason kgclint invents).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
import re
from fnmatch import translate
from functools import lru_cache

from kgclint.elf.facts import SHN_UNDEF, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC, STT_SECTION, ObjectFacts

EM_386, EM_MIPS, EM_ARM = 3, 8, 40

# modpost.c, Linux 6.12: the section classes of sectioncheck[] and secref_whitelist().
ALL_INIT_DATA_SECTIONS = (".init.setup", ".init.rodata", ".init.data")
ALL_PCI_INIT_SECTIONS = (".pci_fixup_early", ".pci_fixup_header", ".pci_fixup_final", ".pci_fixup_enable",
                         ".pci_fixup_resume", ".pci_fixup_resume_early", ".pci_fixup_suspend")
ALL_INIT_SECTIONS = (".init.*",)
ALL_EXIT_SECTIONS = (".exit.*",)
DATA_SECTIONS = (".data", ".data.rel")
TEXT_SECTIONS = (".text", ".text.*", ".sched.text", ".kprobes.text", ".cpuidle.text", ".noinstr.text",
                 ".ltext", ".ltext.*")
OTHER_TEXT_SECTIONS = (".ref.text", ".head.text", ".spinlock.text", ".fixup", ".entry.text",
                       ".exception.text", ".coldtext", ".softirqentry.text", ".irqentry.text")
ALL_TEXT_SECTIONS = (".init.text", ".exit.text", *TEXT_SECTIONS, *OTHER_TEXT_SECTIONS)
SECTION_WHITE_LIST = (".comment*", ".debug*", ".zdebug*", ".GCC.command.line", ".mdebug*", ".pdr", ".stab*",
                      ".note*", ".got*", ".toc*", ".xt.prop", ".xt.lit", ".arcextmap*", ".gnu.linkonce.arcext*",
                      ".cmem*", ".fmt_slot*", ".gnu.lto*", ".discard.*", ".llvm.call-graph-profile")


@dataclass(frozen=True, slots=True)
class Check:
    """One entry of modpost's ``sectioncheck[]``."""

    kind: str
    fromsec: tuple[str, ...]
    bad_tosec: tuple[str, ...] = ()
    good_tosec: tuple[str, ...] = ()


CHECKS = (
    Check("TEXTDATA_TO_ANY_INIT_EXIT", TEXT_SECTIONS + DATA_SECTIONS, ALL_INIT_SECTIONS + ALL_EXIT_SECTIONS),
    Check("ANY_INIT_TO_ANY_EXIT", ALL_INIT_SECTIONS, ALL_EXIT_SECTIONS),
    Check("ANY_EXIT_TO_ANY_INIT", ALL_EXIT_SECTIONS, ALL_INIT_SECTIONS),
    Check("ANY_INIT_TO_ANY_EXIT", ALL_PCI_INIT_SECTIONS, ALL_INIT_SECTIONS),
    Check("EXTABLE_TO_NON_TEXT", ("__ex_table",), (".altinstr_replacement",), ALL_TEXT_SECTIONS),
)


@dataclass(frozen=True, slots=True, order=True)
class Mismatch:
    """One reference modpost would report: ``fromsym+offset (section: fromsec) -> tosym (section: tosec)``.

    ``via`` names the object defining ``tosym`` when the reference was
    resolved through the cross-object index (None when it is in the same object).
    """

    object: str
    fromsec: str
    fromsym: str
    offset: int
    tosym: str
    tosec: str
    kind: str
    via: str | None = None

    def modpost_text(self) -> str:
        """The reference as modpost prints it (after ``vmlinux.o: section mismatch in reference: ``)."""
        source = f"{self.fromsym}+{self.offset:#x}" if self.fromsym else f"{self.offset:#x}"
        return f"{source} (section: {self.fromsec}) -> {self.tosym} (section: {self.tosec})"


def match(name: str, patterns: tuple[str, ...]) -> bool:
    """modpost's ``match()``: fnmatch against any pattern (one compiled regex per pattern list)."""
    return _compiled(patterns)(name) is not None


@lru_cache(maxsize=None)
def _compiled(patterns: tuple[str, ...]):
    return re.compile("|".join(f"(?:{translate(p)})" for p in patterns)).match


_WHITE = _compiled(SECTION_WHITE_LIST)
_FROM = tuple((check, _compiled(check.fromsec)) for check in CHECKS)


@lru_cache(maxsize=1 << 16)
def checks_from(fromsec: str) -> tuple[Check, ...]:
    """The checks whose ``fromsec`` list matches a section name (memoised: names repeat across objects)."""
    if _WHITE(fromsec):
        return ()
    return tuple(check for check, matches in _FROM if matches(fromsec))


@lru_cache(maxsize=1 << 16)
def mismatch_kind(fromsec: str, tosec: str) -> str | None:
    """modpost's ``section_mismatch()``: the first check that forbids fromsec -> tosec, or None."""
    if not tosec:
        return None
    for check in checks_from(fromsec):
        if check.bad_tosec and match(tosec, check.bad_tosec):
            return check.kind
        if check.good_tosec and not match(tosec, check.good_tosec):
            return check.kind
    return None


def whitelisted(fromsec: str, fromsym: str, tosec: str, tosym: str) -> bool:
    """modpost's ``secref_whitelist()`` (returning True where modpost's returns 0)."""
    if match(tosec, ALL_INIT_DATA_SECTIONS) and match(fromsec, DATA_SECTIONS) and fromsym.startswith("__param"):
        return True
    if tosec == ".init.text" and match(fromsec, DATA_SECTIONS) and fromsym.startswith("__param_ops_"):
        return True
    if (match(fromsec, DATA_SECTIONS) and match(tosec, ALL_INIT_SECTIONS + ALL_EXIT_SECTIONS)
            and match(fromsym, ("*_ops", "*_probe", "*_console"))):
        return True
    if fromsec.startswith(".head.text") and match(tosec, ALL_INIT_SECTIONS):
        return True
    if match(tosym, ("__init_begin", "_sinittext", "_einittext")):
        return True
    if match(fromsec, ALL_TEXT_SECTIONS) and match(tosec, ALL_INIT_SECTIONS) and match(fromsym, ("*.constprop.*",)):
        return True
    return False


def valid_name(name: str) -> bool:
    """modpost's ``is_valid_name()``: not empty and not a mapping symbol (``$a``, ``.L1``, ``L0``)."""
    return bool(name) and not name.startswith(("$", ".L", "L0"))


def definition_index(objects: Iterable[ObjectFacts]) -> dict[str, tuple[str, str]]:
    """Global symbol -> (section name, object) of its definition; a strong definition beats a weak one."""
    strong: dict[str, tuple[str, str]] = {}
    weak: dict[str, tuple[str, str]] = {}
    for facts in objects:
        symbols = facts.symbols
        for i in range(symbols.first_global, len(symbols)):
            shndx = symbols.shndx[i]
            if shndx == SHN_UNDEF or shndx >= len(facts.sections):
                continue
            bind = symbols.bind(i)
            table = strong if bind == STB_GLOBAL else weak if bind == STB_WEAK else None
            if table is not None:
                table.setdefault(symbols.names[i], (facts.sections[shndx].name, facts.path))
    weak.update(strong)
    return weak


class _Nearest:
    """modpost's symsearch for one object: valid-named symbols sorted by (section, address)."""

    def __init__(self, facts: ObjectFacts) -> None:
        symbols = facts.symbols
        arm = facts.arch == "arm"
        rows = []
        for i in range(1, len(symbols)):
            name = symbols.names[i]
            if not valid_name(name):
                continue
            value = symbols.values[i]
            if arm and symbols.type(i) == STT_FUNC:
                value &= ~1
            rows.append((symbols.shndx[i], value, i))
        rows.sort()
        self.keys = [(s, v) for s, v, _ in rows]
        self.rows = rows
        self.names = symbols.names

    def find(self, section: int, address: int, allow_after: bool, distance: int) -> tuple[str, int] | None:
        """The nearest symbol's (name, value): at or before, or (when allowed) just after within distance."""
        hi = bisect.bisect_right(self.keys, (section, address))
        result = None
        if allow_after and hi < len(self.keys) and self.keys[hi][0] == section and self.keys[hi][1] - address <= distance:
            distance = self.keys[hi][1] - address
            result = self.rows[hi]
        if hi > 0 and self.keys[hi - 1][0] == section and address - self.keys[hi - 1][1] <= distance:
            result = self.rows[hi - 1]
        if result is None:
            return None
        # symsearch_fixup: among symbols at one address the lowest symbol index wins
        first = bisect.bisect_left(self.keys, (result[0], result[1]))
        row = self.rows[first]
        return self.names[row[2]], row[1]


def _sign_extend(value: int, index: int) -> int:
    value &= (1 << (index + 1)) - 1
    return value - (1 << (index + 1)) if value >> index & 1 else value


def rel_addend(machine: int, little: bool, data: bytes, offset: int, r_type: int, sym_value: int) -> int:
    """The target address of an SHT_REL relocation, decoded from the instruction as modpost's
    ``addend_386_rel``/``addend_arm_rel``/``addend_mips_rel`` do; -1 when modpost does not know the type.
    """
    order = "little" if little else "big"
    if offset < 0 or offset + 4 > len(data):
        return -1
    inst = int.from_bytes(data[offset:offset + 4], order)
    if machine == EM_386:
        return {1: inst, 2: inst + 4}.get(r_type, -1)
    if machine == EM_MIPS:
        return {6: inst & 0xFFFF, 4: (inst & 0x03FFFFFF) << 2, 2: inst}.get(r_type, -1)
    if machine != EM_ARM:
        return -1
    upper = int.from_bytes(data[offset:offset + 2], order)
    lower = int.from_bytes(data[offset + 2:offset + 4], order)
    if r_type in (2, 3):  # ABS32, REL32
        return (inst + sym_value) & 0xFFFFFFFF
    if r_type in (43, 44):  # MOVW_ABS_NC, MOVT_ABS
        return _sign_extend(((inst & 0xF0000) >> 4) | (inst & 0xFFF), 15) + sym_value
    if r_type in (1, 28, 29):  # PC24, CALL, JUMP24
        return _sign_extend((inst & 0x00FFFFFF) << 2, 25) + sym_value + 8
    if r_type in (47, 48):  # THM_MOVW_ABS_NC, THM_MOVT_ABS
        return _sign_extend(((upper & 0x000F) << 12) | ((upper & 0x0400) << 1) | ((lower & 0x7000) >> 4)
                            | (lower & 0x00FF), 15) + sym_value
    sign, j1, j2 = (upper >> 10) & 1, (lower >> 13) & 1, (lower >> 11) & 1
    if r_type == 51:  # THM_JUMP19
        return _sign_extend((sign << 20) | (j2 << 19) | (j1 << 18) | ((upper & 0x03F) << 12)
                            | ((lower & 0x07FF) << 1), 20) + sym_value + 4
    if r_type in (10, 30):  # THM_PC22, THM_JUMP24
        return _sign_extend((sign << 24) | ((~(j1 ^ sign) & 1) << 23) | ((~(j2 ^ sign) & 1) << 22)
                            | ((upper & 0x03FF) << 12) | ((lower & 0x07FF) << 1), 24) + sym_value + 4
    return -1


SectionBytes = Callable[[ObjectFacts, int], bytes | None]



def _checked_relocations(facts):
    """(relocation section, name of the section it patches) for every section modpost checks references from."""
    sections = facts.sections
    for relocs in facts.relocations:
        if 0 <= relocs.target < len(sections):
            fromsec = sections[relocs.target].name
            if checks_from(fromsec):
                yield relocs, fromsec

def check_object(facts: ObjectFacts, index: dict[str, tuple[str, str]],
                 section_bytes: SectionBytes | None = None) -> list[Mismatch]:
    """Every section mismatch modpost would report for the references made in one object.

    ``section_bytes`` reads a section's contents; it is asked only for an
    SHT_REL section's target when a mismatch goes through a section symbol,
    whose addend sits in the instruction (ARM, i386, MIPS).
    """
    sections = facts.sections
    symbols = facts.symbols
    out: list[Mismatch] = []
    nearest: _Nearest | None = None
    for relocs, fromsec in _checked_relocations(facts):
        bad: dict[int, tuple[str, str, str | None]] = {}
        for sym in set(relocs.symbols):
            if not 0 < sym < len(symbols):
                continue
            shndx = symbols.shndx[sym]
            via = None
            if shndx == SHN_UNDEF:
                found = index.get(symbols.names[sym])
                if found is None:
                    continue
                tosec, via = found
            elif shndx < len(sections):
                tosec = sections[shndx].name
            else:
                continue
            kind = mismatch_kind(fromsec, tosec)
            if kind is not None:
                bad[sym] = (tosec, kind, via)
        if not bad:
            continue
        if nearest is None:
            nearest = _Nearest(facts)
        addends = relocs.addends
        for k, sym in enumerate(relocs.symbols):
            if sym not in bad:
                continue
            tosec, kind, via = bad[sym]
            offset = relocs.offsets[k]
            found = nearest.find(relocs.target, offset, False, 1 << 64)
            fromsym, fromval = found if found else ("", 0)
            tosym = symbols.names[sym]
            if not valid_name(tosym) or symbols.type(sym) == STT_SECTION:
                if len(addends):
                    taddr = symbols.values[sym] + addends[k]
                else:
                    data = section_bytes(facts, relocs.target) if section_bytes else None
                    taddr = rel_addend(facts.machine, facts.little_endian, data or b"", offset,
                                       relocs.types[k] & 0xFF, symbols.values[sym])
                near = nearest.find(symbols.shndx[sym], taddr, True, 20)
                tosym = near[0] if near else (tosym or f"{taddr:#x}")
            if whitelisted(fromsec, fromsym, tosec, tosym):
                continue
            out.append(Mismatch(facts.path, fromsec, fromsym, offset - fromval if fromsym else offset,
                                tosym, tosec, kind, via))
    return out


def local_only(facts: ObjectFacts) -> bool:
    """Whether an object defines only local symbols (nothing for the cross-object index)."""
    symbols = facts.symbols
    return all(symbols.bind(i) == STB_LOCAL for i in range(symbols.first_global, len(symbols)))


@dataclass(frozen=True, slots=True)
class ObjectSummary:
    """What one object contributes to a tree-wide check, small enough to send between processes.

    ``strong``/``weak`` are its global definitions with their sections;
    ``local`` the mismatches found inside it; ``undefined`` the undefined
    symbols referenced from each checked section, to be resolved against
    every other object's definitions; ``references`` every strong undefined
    symbol (what makes ld extract archive members).
    """

    path: str
    strong: tuple[tuple[str, str], ...]
    weak: tuple[tuple[str, str], ...]
    local: tuple[Mismatch, ...]
    undefined: tuple[tuple[str, frozenset[str]], ...]
    references: frozenset[str] = frozenset()


def summarize(facts: ObjectFacts, section_bytes: SectionBytes | None = None) -> ObjectSummary:
    """One object's definitions, its own mismatches, and the undefined references still to resolve."""
    symbols = facts.symbols
    sections = facts.sections
    strong: list[tuple[str, str]] = []
    weak: list[tuple[str, str]] = []
    references: set[str] = set()
    names, shndx, info = symbols.names, symbols.shndx, symbols.info
    for i in range(symbols.first_global, len(symbols)):
        bind = info[i] >> 4
        index = shndx[i]
        if index == SHN_UNDEF:
            if bind == STB_GLOBAL and names[i]:
                references.add(names[i])
        elif index < len(sections):
            if bind == STB_GLOBAL:
                strong.append((names[i], sections[index].name))
            elif bind == STB_WEAK:
                weak.append((names[i], sections[index].name))
    undefined: dict[str, set[str]] = {}
    for relocs, fromsec in _checked_relocations(facts):
        names = {symbols.names[s] for s in set(relocs.symbols) if 0 < s < len(symbols) and symbols.shndx[s] == SHN_UNDEF}
        if names:
            undefined.setdefault(fromsec, set()).update(names)
    local = check_object(facts, {}, section_bytes)
    return ObjectSummary(facts.path, tuple(strong), tuple(weak), tuple(local),
                         tuple((k, frozenset(v)) for k, v in sorted(undefined.items())), frozenset(references))


def index_of(summaries: Iterable[ObjectSummary]) -> dict[str, tuple[str, str]]:
    """The cross-object definition index built from summaries (strong beats weak, first wins)."""
    strong: dict[str, tuple[str, str]] = {}
    weak: dict[str, tuple[str, str]] = {}
    for summary in summaries:
        for name, section in summary.strong:
            strong.setdefault(name, (section, summary.path))
        for name, section in summary.weak:
            weak.setdefault(name, (section, summary.path))
    weak.update(strong)
    return weak


def needs_cross_check(summary: ObjectSummary, index: dict[str, tuple[str, str]]) -> bool:
    """Whether an undefined reference of this object resolves into a section it may not reference."""
    for fromsec, names in summary.undefined:
        for name in names:
            found = index.get(name)
            if found is not None and mismatch_kind(fromsec, found[0]) is not None:
                return True
    return False


class SectionMismatches:
    """The project's section mismatches: ``project.analysis(SectionMismatches).mismatches``.

    The objects checked are those the link takes (``kgclint.kbuild.archives``:
    objects and archives linked in whole, plus the members ld would extract
    from conditionally linked archives), so that a member left out of the
    image is not reported, as modpost, which sees only ``vmlinux.o``, does not.
    """

    def __init__(self, project) -> None:
        from kgclint.inputs import InputKind
        from kgclint.kbuild.archives import ArchiveLinkResult

        self.project = project
        proof = project.analysis(ArchiveLinkResult)
        if proof.linked:
            linked = [facts for _, facts in proof.linked]
        else:
            # Archives, when given, are what is linked (a build's vmlinux.o repeats their members).
            linked = []
            for archive in project.facts(InputKind.ARCHIVE):
                for member in archive.members:
                    facts = member.facts or _read_member(project, member.path)
                    if facts is not None:
                        linked.append(facts)
            if not linked:
                linked = list(project.facts(InputKind.OBJECT))
        linked = [f for f in linked if f.ok]
        index = definition_index(linked)
        reader = _SectionReader(project)
        found: list[Mismatch] = []
        for facts in linked:
            found.extend(check_object(facts, index, reader))
        self.objects = len(linked)
        self.mismatches: tuple[Mismatch, ...] = tuple(sorted(found))


def _read_member(project, path: str | None) -> ObjectFacts | None:
    from kgclint.elf.reader import read_object

    if path is None:
        return None
    for base in (project.options.build_dir, project.root):
        if base is None:
            continue
        try:
            return read_object((base / path).read_bytes(), path)
        except OSError:
            continue
    return None


class _SectionReader:
    """Section contents on demand (only SHT_REL addends need them), from the object's file."""

    def __init__(self, project) -> None:
        self.project = project

    def __call__(self, facts: ObjectFacts, index: int) -> bytes | None:
        from elftools.common.exceptions import ELFError
        from elftools.elf.elffile import ELFFile

        for base in (self.project.options.build_dir, self.project.root):
            if base is None:
                continue
            file = base / facts.path
            if not file.is_file():
                continue
            try:
                with file.open("rb") as stream:
                    return ELFFile(stream).get_section(index).data()
            except (ELFError, OSError, ValueError, IndexError):
                return None
        return None
