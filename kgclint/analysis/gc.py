"""Simulate ``--gc-sections``: which input sections GNU ld or ld.lld keeps, which it drops, and why.

The simulation reproduces each linker's own algorithm on the real objects,
and is tested section for section against the linkers' ``--print-gc-sections``
(tests/test_obj_oracle.py). What each linker does, as checked with GNU ld
2.40 and ld.lld 14 on this machine:

Roots, both linkers: every section any effective ``KEEP`` pattern matches
(KEEP marks by pattern, even a section an earlier pattern sends to
``/DISCARD/``: GC runs before sections are mapped to outputs), SHT_NOTE
sections outside groups, SHF_GNU_RETAIN sections, the ``-e``/``ENTRY``
symbol's section and ``-u``/``--require-defined`` symbols' sections.
Only ld.lld: ``_start`` when there is no entry, ``_init``/``_fini``,
symbols the script reads, init/fini/preinit arrays by type, ``.init``,
``.fini``, ``.ctors*``, ``.dtors*``, ``.jcr*`` by name, ``.eh_frame``.
ld.lld never takes an SHF_LINK_ORDER section as a root, not even when a
``KEEP`` pattern matches it; GNU ld does.

Marking follows relocations of live sections only, through the symbol
table: local symbols to their section, global ones to their resolved
definition. A reference to an undefined ``__start_X``/``__stop_X`` (X a C
identifier, not defined by the script) keeps every input section named X
under GNU ld (``-z nostart-stop-gc``, its default) and keeps nothing under
ld.lld's default ``-z start-stop-gc``. A section group lives and dies as a
unit. An SHF_LINK_ORDER section lives when the section it links to lives:
ld.lld marks it with its parent; GNU ld in a later pass over the files in
order (and ARM's ``.ARM.exidx`` in a pass of its own). Non-alloc sections:
ld.lld keeps them all (outside groups) without following their
relocations; GNU ld keeps a file's non-alloc sections that carry no
relocations (and its debug sections) only if some alloc section of the
file survives.

GNU ld has no built-in init/fini-array or ``.init``/``.ctors`` roots: its
default script KEEPs them, so without ``-T`` the simulation is given that
script (``ld --verbose``) as GNU ld itself uses it; its default entry is
``_start`` only through that script. A duplicate COMDAT group is dropped
while reading by ld.lld (never named) and swept, and named, by GNU ld.
GNU ld's MIPS back end takes ``.MIPS.abiflags`` out of GC.

What is printed: GNU ld names every unmarked section of non-zero size,
``.group`` sections included, a grouped section as ``name[signature]``, a
thin archive's member by its path and a regular one as ``lib.a(m.o)``;
ld.lld names every dead input section, empty ones too, members always as
``archive(member)``, but never the sections it drops while reading
(groups, ``.note.GNU-stack``, ``.note.gnu.property``, SHF_EXCLUDE …).

Archive members are extracted as both linkers do inside one
``--start-group``/``--end-group`` (and as ld.lld always does): while some
loaded object references a symbol, undefined and not weak, that a member
defines. GNU ld outside a group extracts only from archives later on the
command line; kernels link their libraries as one group.
"""

from __future__ import annotations

import posixpath
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kgclint.elf.archive import read_archive
from kgclint.elf.facts import (
    SHF_ALLOC,
    SHF_EXCLUDE,
    SHF_GNU_RETAIN,
    SHF_LINK_ORDER,
    SHN_ABS,
    SHN_COMMON,
    SHN_UNDEF,
    SHT_ARM_EXIDX,
    SHT_FINI_ARRAY,
    SHT_GROUP,
    SHT_INIT_ARRAY,
    SHT_NOTE,
    SHT_NULL,
    SHT_PREINIT_ARRAY,
    SHT_REL,
    SHT_RELA,
    SHT_STRTAB,
    SHT_SYMTAB,
    SHT_SYMTAB_SHNDX,
    STB_LOCAL,
    STB_WEAK,
    ArchiveFacts,
    ObjectFacts,
    Section,
)
from kgclint.elf.linkinputs import (  # re-exported: the GC simulation's public API
    LinkArchive,
    LinkInput,
    LinkObject,
    resolved,
    archive_from_facts,
    archive_input,
    load_inputs,
    object_input,
)
from kgclint.elf.machines import EM_ARM, EM_MIPS
from kgclint.elf.reader import read_object
from kgclint.findings import Diagnostic
from kgclint.location import Location

C_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_START_STOP = re.compile(r"^__(start|stop)_([A-Za-z_][A-Za-z0-9_]*)$")

#: Names ld.lld 14 always keeps (isReserved), exactly or as a prefix.
_LLD_RESERVED_EXACT = (".init", ".fini")
_LLD_RESERVED_PREFIX = (".ctors", ".dtors", ".jcr")
#: Sections ld.lld drops while reading, before GC, so it never names them.
_LLD_READ_DROPS = (".note.GNU-stack", ".note.GNU-split-stack", ".note.gnu.property", ".llvm_addrsig")

SHT_MIPS_ABIFLAGS = 0x7000002A
_NOT_SECTIONS = (SHT_NULL, SHT_SYMTAB, SHT_REL, SHT_RELA, SHT_SYMTAB_SHNDX)


class ScriptView:
    """What GC needs from a linker script model (kgclint.lds.model.ScriptModel): roots and symbols.

    Wraps any object with ``matching(file, section, flags)``,
    ``keep_effective(description)``, ``entry`` and ``symbols``; None means
    "no script" (nothing is KEEP'd, no symbol is defined by the script).
    """

    def __init__(self, model: object | None) -> None:
        self.model = model
        self.entry: str | None = getattr(model, "entry", None) if model is not None else None
        self.defined: frozenset[str] = frozenset()
        self.referenced: frozenset[str] = frozenset()
        if model is not None:
            from kgclint.lds.model import symbols_in

            defs = getattr(model, "symbols", ())
            self.defined = frozenset(d.assignment.target for d in defs)
            refs: set[str] = set()
            for d in defs:
                refs |= symbols_in(d.assignment.value)
            for a in getattr(model, "asserts", ()):
                expr = getattr(a, "value", None) or getattr(a, "condition", None) or getattr(a, "expr", None)
                if expr is not None:
                    refs |= symbols_in(expr)
            self.referenced = frozenset(refs)

    def _prepare_keeps(self) -> None:
        """The effective KEEP descriptions, and one regex with a group per description, in script order.

        Regex alternation tries alternatives left to right, so the group that
        matches names the first KEEP description whose section patterns take
        the name; only that description's file patterns and flags are then
        checked the slow way.
        """
        from kgclint.lds.wildcard import compile_pattern

        model = self.model
        keeps = [d for d in getattr(model, "descriptions", ()) if d.keep and model.keep_effective(d)]  # type: ignore[union-attr]
        self._keeps = keeps
        parts = []
        for n, d in enumerate(keeps):
            body = "|".join(compile_pattern(p.pattern).pattern.removesuffix(r"\Z") for p in d.node.sections) or ".*"
            parts.append(f"(?P<k{n}>{body})\\Z")
        self._keep_filter = re.compile("|".join(parts or ["(?!)"]), re.S)

    def is_orphan(self, file: str, section: str, flags: int) -> bool:
        """Whether no input-section description of the script takes this section (fast path for the common cases)."""
        if self.model is None:
            return True
        if not hasattr(self, "_any_filter"):
            from kgclint.lds.wildcard import compile_pattern

            plain, other = [], []
            for d in getattr(self.model, "descriptions", ()):
                node = d.node
                simple = node.file == "*" and not node.exclude_files and not node.flags and not any(p.exclude_files for p in node.sections)
                parts = [compile_pattern(p.pattern).pattern.removesuffix(r"\Z") for p in node.sections] or [".*"]
                (plain if simple else other).extend(parts)
            self._plain_filter = re.compile("(?:" + "|".join(plain or ["(?!)"]) + r")\Z", re.S)
            self._any_filter = re.compile("(?:" + "|".join(plain + other or ["(?!)"]) + r")\Z", re.S)
        if self._any_filter.match(section) is None:
            return True
        if self._plain_filter.match(section) is not None:
            return False
        return self.model.place(file, section, flags) is None  # type: ignore[attr-defined]

    def kept_by(self, file: str, section: str, flags: int) -> object | None:
        """The first effective KEEP description whose patterns take this input section (a root), or None."""
        if self.model is None:
            return None
        if not hasattr(self, "_keeps"):
            self._prepare_keeps()
        m = self._keep_filter.match(section)
        if m is None:
            return None
        first = int(m.lastgroup[1:])  # type: ignore[index]
        d = self._keeps[first]
        if d.match(file, section, flags) is not None:
            return d
        return next((d for d in self._keeps[first + 1:] if d.match(file, section, flags) is not None), None)


@dataclass
class GcOptions:
    """The link's command line, as far as GC cares."""

    linker: str = "bfd"
    entry: str | None = None
    undefined: tuple[str, ...] = ()
    start_stop_gc: bool | None = None
    #: Script-order indexes of KEEP descriptions whose sections stay but keep nothing through their
    #: relocations: the what-if "this table without KEEP" that finds over-retention.
    inert_keeps: frozenset[int] = frozenset()

    @property
    def start_stop_gc_effective(self) -> bool:
        """``-z start-stop-gc``: given, else the linker's default (off in GNU ld, on in ld.lld ≥ 13)."""
        if self.start_stop_gc is not None:
            return self.start_stop_gc
        return self.linker == "lld"


@dataclass(frozen=True, slots=True)
class Root:
    """Why a section is a root: a short reason and, when a script pattern did it, that pattern's location."""

    reason: str
    location: Location | None = None
    keep: object | None = None


@dataclass
class GcResult:
    """Marks over every section of every loaded object, and the first reason each section was marked.

    Section ids are ``base[k] + index`` for object ``k``. ``parent[sid]`` is
    the section whose relocation marked it (-1 for roots and unmarked);
    ``via[sid]`` the symbol of that relocation; ``roots[sid]`` why a root is one.
    """

    linker: str
    objects: list[LinkObject]
    base: list[int]
    live: bytearray
    candidate: bytearray
    parent: list[int]
    via: dict[int, str]
    roots: dict[int, Root]
    comdat_dropped: bytearray
    definitions: dict[str, int] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    simulation: object | None = field(default=None, repr=False)

    def referenced(self) -> bytearray:
        """1 for every section some relocation (from any section, live or not) points at by symbol."""
        cached = getattr(self, "_referenced", None)
        if cached is not None:
            return cached
        sim = self.simulation
        assert isinstance(sim, _Simulation)
        marks = bytearray(len(self.live))
        for k, obj in enumerate(self.objects):
            targets = sim._row_targets(k)
            for r in obj.facts.relocations:
                if obj.facts.sections[r.target].name == ".eh_frame":
                    continue
                for row in set(r.symbols):
                    if row < len(targets) and targets[row] >= 0 and targets[row] != self.base[k] + r.target:
                        marks[targets[row]] = 1
        self._referenced = marks
        return marks

    def users(self, names: set[str], live_only: bool = True) -> dict[str, list[int]]:
        """For each symbol name, the (live) sections whose relocations use it."""
        found: dict[str, list[int]] = {}
        if not names:
            return found
        for k, obj in enumerate(self.objects):
            syms = obj.facts.symbols.names
            rows = {i for i, n in enumerate(syms) if n in names}
            if not rows:
                continue
            for r in obj.facts.relocations:
                sid = self.base[k] + r.target
                if live_only and not self.live[sid]:
                    continue
                for row in rows.intersection(r.symbols):
                    found.setdefault(syms[row], []).append(sid)
        return found

    def referrers(self, sid: int) -> list[tuple[int, str]]:
        """(section id, symbol) of every relocation that points at ``sid``, directly or as ``__start_``/``__stop_``."""
        sim = self.simulation
        assert isinstance(sim, _Simulation)
        name = self.locate(sid)[1].name
        out = []
        for k, obj in enumerate(self.objects):
            targets = sim._row_targets(k)
            names = obj.facts.symbols.names
            for r in obj.facts.relocations:
                for row in set(r.symbols):
                    if row >= len(targets):
                        continue
                    t = targets[row]
                    if t == sid or t == -3 and sim._start_stop_section(names[row]) == name:
                        out.append((self.base[k] + r.target, names[row] or "(section)"))
        return sorted(set(out))

    def locate(self, sid: int) -> tuple[LinkObject, Section]:
        """The object and section of a section id."""
        k = _bisect(self.base, sid)
        obj = self.objects[k]
        return obj, obj.facts.sections[sid - self.base[k]]

    def sid(self, k: int, index: int) -> int:
        return self.base[k] + index

    def dropped(self) -> list[tuple[LinkObject, Section]]:
        """The sections the linker names in ``--print-gc-sections``, in its order."""
        out = []
        for k, obj in enumerate(self.objects):
            b = self.base[k]
            for s in obj.facts.sections:
                sid = b + s.index
                if self.candidate[sid] and not self.live[sid]:
                    if self.linker == "bfd" and s.size == 0:
                        continue
                    out.append((obj, s))
        return out

    def is_live(self, k: int, index: int) -> bool:
        return bool(self.live[self.base[k] + index])

    def chain(self, sid: int) -> list[int]:
        """Section ids from a root down to ``sid`` (just ``[sid]`` for a root or a dead section)."""
        path = [sid]
        seen = {sid}
        while self.parent[path[-1]] >= 0 and self.parent[path[-1]] not in seen:
            path.append(self.parent[path[-1]])
            seen.add(path[-1])
        return path[::-1]

    def display(self, obj: LinkObject, s: Section) -> str:
        """A section as this linker prints it in ``--print-gc-sections``."""
        return format_removed(self.linker, obj, s)


def format_removed(linker: str, obj: LinkObject, s: Section) -> str:
    """One line of ``--print-gc-sections`` output, as the linker writes it (without its program prefix)."""
    if linker == "lld":
        return f"removing unused section {obj.display('lld')}:({s.name})"
    name = s.name
    if s.group and s.type != SHT_GROUP:
        sig = next((g.signature for g in obj.facts.groups if g.index == s.group), "")
        name = f"{name}[{sig}]"
    return f"removing unused section '{name}' in file '{obj.name}'"


def bfd_section_name(obj: LinkObject, s: Section) -> str:
    """GNU ld's name for a section in messages: grouped sections carry ``[signature]``."""
    if s.group and s.type != SHT_GROUP:
        sig = next((g.signature for g in obj.facts.groups if g.index == s.group), "")
        return f"{s.name}[{sig}]"
    return s.name


#: st_shndx values that are not sections (ABS, COMMON). Past SHN_LORESERVE sections the reader has
#: already replaced SHN_XINDEX by the real index, so only these two stay special.
_SPECIAL_SHNDX = (SHN_ABS, SHN_COMMON)


def _in_section(ndx: int, nsec: int) -> bool:
    """Whether a (resolved) symbol section index names a real section of the object."""
    return 0 < ndx < nsec and ndx not in _SPECIAL_SHNDX


def _bisect(base: list[int], sid: int) -> int:
    lo, hi = 0, len(base) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if base[mid] <= sid:
            lo = mid
        else:
            hi = mid - 1
    return lo


class _Simulation:
    def __init__(self, objects: list[LinkObject], script: ScriptView, options: GcOptions) -> None:
        self.objects = objects
        self.script = script
        self.options = options
        self.linker = options.linker
        base = []
        total = 0
        for obj in objects:
            base.append(total)
            total += len(obj.facts.sections)
        self.base = base
        self.total = total
        self.live = bytearray(total)
        self.candidate = bytearray(total)
        self.comdat_dropped = bytearray(total)
        self.parent = [-1] * total
        self.via: dict[int, str] = {}
        self.roots: dict[int, Root] = {}
        self.queue: deque[int] = deque()
        self.group_next: dict[int, int] = {}
        self.link_children: dict[int, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.relocs_of: dict[int, list] = {}
        self._targets_cache: dict[int, list[int]] = {}

    # -- set-up --------------------------------------------------------
    def prepare(self) -> None:
        seen_groups: set[str] = set()
        for k, obj in enumerate(self.objects):
            f = obj.facts
            b = self.base[k]
            for g in f.groups:
                members = [m for m in g.members if m < len(f.sections)]
                if g.comdat:
                    if g.signature in seen_groups:
                        for m in members:
                            self.comdat_dropped[b + m] = 1
                        self.comdat_dropped[b + g.index] = 1
                        continue
                    seen_groups.add(g.signature)
                ring = [b + m for m in members]
                for a, c in zip(ring, ring[1:] + ring[:1]):
                    self.group_next[a] = c
            symtab_links = {s.link for s in f.sections if s.type == SHT_SYMTAB}
            shstrndx_like = {s.index for s in f.sections if s.type == SHT_STRTAB and (s.index in symtab_links or s.name == ".shstrtab")}
            for s in f.sections:
                sid = b + s.index
                if self.comdat_dropped[sid] and self.linker == "lld":
                    continue  # ld.lld drops a duplicate COMDAT group while reading; GNU ld sweeps (and names) it
                if not self._is_input_section(s, shstrndx_like, f.machine):
                    continue
                self.candidate[sid] = 1
                self.by_name.setdefault(s.name, []).append(sid)
                if s.flags & SHF_LINK_ORDER and 0 < s.link < len(f.sections):
                    self.link_children.setdefault(b + s.link, []).append(sid)
            for r in f.relocations:
                self.relocs_of.setdefault(b + r.target, []).append(r)
        self._resolve_symbols()

    def _is_input_section(self, s: Section, strtabs: set[int], machine: int) -> bool:
        if s.type in _NOT_SECTIONS or s.index in strtabs:
            return False
        if self.linker == "lld":
            if s.type == SHT_GROUP or s.type == SHT_STRTAB or s.flags & SHF_EXCLUDE or s.name in _LLD_READ_DROPS:
                return False
            return True
        # GNU ld's MIPS back end merges .MIPS.abiflags itself and excludes the inputs from GC.
        return not s.flags & SHF_EXCLUDE and not (s.type == SHT_MIPS_ABIFLAGS and machine == EM_MIPS)

    def _resolve_symbols(self) -> None:
        """Global definitions: a strong one beats weak ones; otherwise the first wins (link order)."""
        table: dict[str, tuple[int, bool]] = {}
        for k, obj in enumerate(self.objects):
            syms = obj.facts.symbols
            b = self.base[k]
            names, shndx, info = syms.names, syms.shndx, syms.info
            nsec = len(obj.facts.sections)
            # ELF puts every local before sh_info (first_global); only the rest can define globals.
            for i in range(min(syms.first_global, len(syms)) or 0, len(syms)):
                bind = info[i] >> 4
                if bind == STB_LOCAL:
                    continue
                ndx = shndx[i]
                if ndx == SHN_UNDEF:
                    continue
                if _in_section(ndx, nsec):
                    if self.comdat_dropped[b + ndx]:
                        continue
                    target = b + ndx
                elif ndx >= nsec or ndx in _SPECIAL_SHNDX:
                    target = -2
                else:
                    continue
                weak = bind == STB_WEAK
                old = table.get(names[i])
                if old is None or (old[1] and not weak):
                    table[names[i]] = (target, weak)
        self.definitions = {name: t for name, (t, _w) in table.items()}

    def _row_targets(self, k: int) -> list[int]:
        """For each symbol row of object ``k``: the section id it resolves to, -1 none, -3 start/stop magic."""
        cached = self._targets_cache.get(k)
        if cached is not None:
            return cached
        obj = self.objects[k]
        syms = obj.facts.symbols
        b = self.base[k]
        nsec = len(obj.facts.sections)
        names, shndx, info = syms.names, syms.shndx, syms.info
        first = min(syms.first_global, len(syms))
        out = [b + n if 0 < n < nsec and n not in _SPECIAL_SHNDX else -1 for n in shndx[:first]]
        out += [-1] * (len(syms) - first)
        defs = self.definitions
        for i in range(first, len(syms)):
            ndx = shndx[i]
            if info[i] >> 4 == STB_LOCAL:
                if _in_section(ndx, nsec):
                    out[i] = b + ndx
                continue
            t = defs.get(names[i])
            if t is not None:
                out[i] = t if t >= 0 else -1
            elif _in_section(ndx, nsec):
                out[i] = b + ndx
            elif self._start_stop_section(names[i]) is not None:
                out[i] = -3
        self._targets_cache[k] = out
        return out

    def _start_stop_section(self, name: str) -> str | None:
        m = _START_STOP.match(name)
        if m is None or name in self.script.defined:
            return None
        section = m.group(2)
        return section if section in self.by_name else None

    # -- marking -------------------------------------------------------
    def mark(self, sid: int, parent: int = -1, via: str = "", root: Root | None = None) -> None:
        if self.live[sid]:
            return
        self.live[sid] = 1
        self.parent[sid] = parent
        if via:
            self.via[sid] = via
        if root is not None:
            self.roots[sid] = root
        self.queue.append(sid)

    def run_queue(self) -> None:
        queue = self.queue
        start_stop_retains = not self.options.start_stop_gc_effective
        lld = self.linker == "lld"
        while queue:
            sid = queue.popleft()
            nxt = self.group_next.get(sid)
            while nxt is not None and nxt != sid and not self.live[nxt]:
                self.mark(nxt, sid, "section group")
                nxt = self.group_next.get(nxt)
            if lld:
                for child in self.link_children.get(sid, ()):
                    self.mark(child, sid, "SHF_LINK_ORDER")
            relocs = self.relocs_of.get(sid)
            if not relocs:
                continue
            k = _bisect(self.base, sid)
            obj = self.objects[k]
            s = obj.facts.sections[sid - self.base[k]]
            if s.name == ".eh_frame":
                continue
            targets = self._row_targets(k)
            names = obj.facts.symbols.names
            for r in relocs:
                for row in set(r.symbols):
                    if row >= len(targets):
                        continue
                    t = targets[row]
                    if t >= 0:
                        if not self.live[t] and self.candidate[t]:
                            self.mark(t, sid, names[row] or "(section)")
                    elif t == -3:
                        section = self._start_stop_section(names[row]) or ""
                        if not (start_stop_retains or lld and section.startswith("__libc_")):
                            continue
                        for other in self.by_name.get(section, ()):
                            if not self.live[other]:
                                self.mark(other, sid, names[row])

    def roots_pass(self) -> None:
        lld = self.linker == "lld"
        for k, obj in enumerate(self.objects):
            b = self.base[k]
            for s in obj.facts.sections:
                sid = b + s.index
                if not self.candidate[sid]:
                    continue
                reason = self._root_reason(obj, s)
                if reason is not None and reason.keep is not None and reason.keep.index in self.options.inert_keeps:  # type: ignore[attr-defined]
                    self.live[sid] = 1
                    self.roots[sid] = reason
                elif reason is not None:
                    self.mark(sid, root=reason)
                elif lld and not s.flags & SHF_ALLOC and not s.flags & SHF_LINK_ORDER and not s.group:
                    # Kept, but its relocations are not followed.
                    self.live[sid] = 1
                    self.roots[sid] = Root("non-alloc section (ld.lld keeps those outside groups)")
        symbols = list(self.options.undefined)
        entry = self.options.entry or self.script.entry
        if entry:
            symbols.insert(0, entry)
        elif lld:
            symbols.insert(0, "__start" if self.objects and self.objects[0].facts.machine == EM_MIPS else "_start")
        if lld:
            symbols += ["_init", "_fini", *sorted(self.script.referenced)]
        for name in symbols:
            t = self.definitions.get(name)
            if t is not None and t >= 0:
                what = "entry symbol" if name == entry else "symbol"
                self.mark(t, root=Root(f"{what} {name}"))
        self.run_queue()

    def _root_reason(self, obj: LinkObject, s: Section) -> Root | None:
        lld = self.linker == "lld"
        if lld and s.name == ".eh_frame":
            return Root(".eh_frame (ld.lld keeps it)")
        if s.flags & SHF_GNU_RETAIN:
            return Root("SHF_GNU_RETAIN")
        if lld and s.flags & SHF_LINK_ORDER:
            return None
        if s.type == SHT_NOTE and not s.group and not (s.flags & SHF_LINK_ORDER and s.link):
            return Root("SHT_NOTE section")
        if lld:
            if s.type in (SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY):
                return Root("init/fini array (ld.lld keeps those)")
            if s.name in _LLD_RESERVED_EXACT or s.name.startswith(_LLD_RESERVED_PREFIX):
                return Root(f"{s.name} (a name ld.lld always keeps)")
        kept = self.script.kept_by(obj.match_name, s.name, s.flags)
        if kept is not None:
            node = getattr(kept, "node", None)
            return Root("KEEP in the linker script", getattr(node, "location", None), kept)
        return None

    def bfd_extra_pass(self) -> None:
        """GNU ld's _bfd_elf_gc_mark_extra_sections: link-order sections, then kept files' non-alloc sections."""
        for k, obj in enumerate(self.objects):
            f = obj.facts
            b = self.base[k]
            some_kept = False
            for s in f.sections:
                sid = b + s.index
                if not self.candidate[sid]:
                    continue
                if self.live[sid] and s.flags & SHF_ALLOC and s.type != SHT_NOTE:
                    some_kept = True
                    continue
                if self.live[sid]:
                    continue
                link = s.link if s.flags & SHF_LINK_ORDER else 0
                seen = set()
                while 0 < link < len(f.sections) and link not in seen:
                    seen.add(link)
                    if self.live[b + link]:
                        self.mark(sid, b + link, "SHF_LINK_ORDER")
                        self.run_queue()
                        break
                    parent = f.sections[link]
                    link = parent.link if parent.flags & SHF_LINK_ORDER else 0
            if f.machine == EM_ARM:
                exidx = [s for s in f.sections if s.type == SHT_ARM_EXIDX and 0 < s.link < len(f.sections)]
                again = bool(exidx)
                while again:
                    again = False
                    for s in exidx:
                        sid = b + s.index
                        if not self.live[sid] and self.live[b + s.link]:
                            self.mark(sid, b + s.link, "SHF_LINK_ORDER (.ARM.exidx)")
                            self.run_queue()
                            again = True
            if not some_kept:
                continue
            has_relocs = {r.target for r in f.relocations}
            for s in f.sections:
                sid = b + s.index
                if not self.candidate[sid] or self.live[sid] or s.group or s.flags & SHF_LINK_ORDER:
                    continue
                debug = s.name.startswith((".debug", ".zdebug", ".gnu.linkonce.wi.", ".line", ".stab"))
                if debug or not (s.flags & SHF_ALLOC or s.index in has_relocs):
                    self.live[sid] = 1
                    self.roots[sid] = Root("non-alloc section of a file with kept sections (GNU ld keeps those)")

    def bfd_groups(self) -> None:
        """A ``.group`` section lives when its first member does."""
        for k, obj in enumerate(self.objects):
            b = self.base[k]
            for g in obj.facts.groups:
                if self.candidate[b + g.index] and g.members:
                    self.live[b + g.index] = self.live[b + g.members[0]]

    def run(self) -> GcResult:
        self.prepare()
        self.roots_pass()
        if self.linker == "bfd":
            self.bfd_extra_pass()
            self.bfd_groups()
        return GcResult(
            linker=self.linker,
            objects=self.objects,
            base=self.base,
            live=self.live,
            candidate=self.candidate,
            parent=self.parent,
            via=self.via,
            roots=self.roots,
            comdat_dropped=self.comdat_dropped,
            definitions=self.definitions,
            simulation=self,
        )


def simulate(inputs: Sequence[LinkInput], script: object | None = None, options: GcOptions | None = None) -> GcResult:
    """Run GC over a link: inputs in command-line order, a script model (or None), the options."""
    options = options or GcOptions()
    objects, diagnostics = load_inputs(inputs)
    usable = [o for o in objects if o.facts.ok]
    result = _Simulation(usable, ScriptView(script), options).run()
    result.diagnostics.extend(diagnostics)
    return result


def removed_lines(result: GcResult) -> list[str]:
    """kgclint's dropped set in the linker's own ``--print-gc-sections`` format (GNU ld adds its ``ld: `` prefix)."""
    prefix = "ld: " if result.linker == "bfd" else ""
    return [prefix + format_removed(result.linker, obj, s) for obj, s in result.dropped()]


def dropped_pairs(result: GcResult) -> frozenset[tuple[str, str]]:
    """(basename of the object as printed, section as printed), the shape tests/toolchain.parse_print_gc_sections returns."""
    out = set()
    for obj, s in result.dropped():
        section = bfd_section_name(obj, s) if result.linker == "bfd" else s.name
        out.add((Path(obj.display(result.linker)).name, section))
    return frozenset(out)


def iter_live(result: GcResult) -> Iterable[tuple[LinkObject, Section]]:
    """Every live input section."""
    for k, obj in enumerate(result.objects):
        for s in obj.facts.sections:
            if result.live[result.base[k] + s.index] and result.candidate[result.base[k] + s.index]:
                yield obj, s


def load_script(path: Path, linker: str = "bfd") -> tuple[object, list[Diagnostic]]:
    """A plain (already preprocessed) linker script file as a ScriptModel for ``linker``."""
    from kgclint.lds.model import ScriptModel
    from kgclint.lds.parser import parse

    text = path.read_bytes().decode("utf-8", "replace")
    parsed = parse(text, str(path))
    return ScriptModel(parsed.script, linker=linker), list(parsed.diagnostics)


# -- the link of a project ---------------------------------------------------------


class ProjectLink:
    """The link a project describes, and its GC under each linker (``project.analysis(ProjectLink)``).

    With a build directory (``Options.build_dir``) it is Kbuild's final
    vmlinux link, read from Kbuild's records (kgclint.builddir). Otherwise
    every object of the project is linked whole, in path order (except
    ``vmlinux.o`` and the members of thin archives, which come in through
    their archive), with every archive as a library, under the project's
    only linker script (or the one named ``vmlinux.lds``); the script's
    ENTRY is the entry.
    """

    inputs: list[LinkInput]
    script: object | None
    script_path: str | None
    options: GcOptions
    diagnostics: list[Diagnostic]
    relocatable: ObjectFacts | None

    def __init__(self, project) -> None:
        from kgclint.inputs import InputKind

        self._results = {}
        self.diagnostics = []
        self.relocatable = None
        options = project.options
        self.build_dir: Path | None = Path(options.build_dir).resolve() if options.build_dir is not None else None
        #: Whether the real link uses --gc-sections (a build whose arch lacks DCE does not: findings are what-ifs).
        self.gc_sections = True
        known: dict[Path, object] = {}
        for kind in (InputKind.OBJECT, InputKind.ARCHIVE):
            for facts in project.facts(kind):
                known[resolved(project.absolute(facts.path))] = facts
        self.script, self.script_path = None, None
        if options.build_dir is not None:
            from kgclint.builddir import vmlinux_link

            link = vmlinux_link(self.build_dir)
            self.inputs = []
            for item in link.items:
                path = link.build_dir / item.path
                self.inputs.append(self._load(path, item.path, item.whole, known))
            if link.script:
                self.script_path = link.script
                self.script, diags = load_script(link.build_dir / link.script, options.linker)
                self.diagnostics += diags
            self.options = GcOptions(options.linker, link.entry, link.undefined, link.start_stop_gc)
            self.gc_sections = link.gc_sections
            if link.relocatable:
                cached = known.get(resolved(link.build_dir / link.relocatable))
                self.relocatable = cached if isinstance(cached, ObjectFacts) else None
            return
        self.inputs = []
        in_thin = {
            resolved(project.absolute(a.path).parent / m.name)
            for a in project.facts(InputKind.ARCHIVE)
            if a.thin
            for m in a.members
        }
        for facts in sorted(project.facts(InputKind.OBJECT), key=lambda f: f.path):
            if posixpath.basename(facts.path) == "vmlinux.o" or not facts.ok:
                continue
            if in_thin and resolved(project.absolute(facts.path)) in in_thin:
                continue  # linked through its thin archive, not twice
            self.inputs.append(LinkObject(facts.path, facts.path, facts, facts.path))
        for facts in sorted(project.facts(InputKind.ARCHIVE), key=lambda f: f.path):
            archive, diags = archive_from_facts(facts, project.absolute(facts.path).parent, known=known)
            self.inputs.append(archive)
            self.diagnostics += [d for d in diags if d not in facts.diagnostics]
        self._pick_script(project)
        self.options = GcOptions(options.linker)

    def _pick_script(self, project) -> None:
        try:
            from kgclint.analysis.scripts import ScriptIndex
        except ImportError:
            return
        infos = project.analysis(ScriptIndex).scripts
        if not infos:
            return
        chosen = next((i for i in infos if posixpath.basename(i.path).startswith("vmlinux.lds")), None)
        if chosen is None and len(infos) == 1:
            chosen = infos[0]
        if chosen is not None:
            self.script, self.script_path = chosen.model, chosen.path

    def _load(self, path: Path, display: str, whole: bool, known: dict[Path, object]) -> LinkInput:
        facts = known.get(resolved(path))
        try:
            if facts is None:
                data = path.read_bytes()
                if display.endswith(".a"):
                    facts = read_archive(data, display)
                else:
                    facts = read_object(data, display)
        except OSError as exc:
            self.diagnostics.append(Diagnostic(Location(display), f"{display}: cannot be read: {exc.strerror}"))
            facts = read_object(b"", display)
        if isinstance(facts, ArchiveFacts):
            archive, diags = archive_from_facts(facts, path.parent, whole, known=known)
            self.diagnostics += diags
            return archive
        assert isinstance(facts, ObjectFacts)
        return LinkObject(display, display, facts, display)

    def result(self, linker: str | None = None) -> GcResult:
        """GC of this link under ``linker`` (default: the project's)."""
        linker = linker or self.options.linker
        if linker not in self._results:
            opts = GcOptions(linker, self.options.entry, self.options.undefined, self.options.start_stop_gc)
            model = self.script
            if model is not None and getattr(model, "linker", linker) != linker:
                from kgclint.lds.model import ScriptModel

                model = ScriptModel(model.script, linker=linker)  # type: ignore[attr-defined]
            self._results[linker] = simulate(self.inputs, model, opts)
        return self._results[linker]

    def result_keep_inert(self, description_index: int, linker: str | None = None) -> GcResult:
        """The same link if the sections one KEEP description matches kept only themselves."""
        linker = linker or self.options.linker
        key = f"{linker}:inert:{description_index}"
        if key not in self._results:
            base = self.result(linker)
            opts = GcOptions(linker, self.options.entry, self.options.undefined, self.options.start_stop_gc,
                             inert_keeps=frozenset({description_index}))
            sim = base.simulation
            self._results[key] = simulate(self.inputs, sim.script.model if sim is not None else None, opts)  # type: ignore[attr-defined]
        return self._results[key]