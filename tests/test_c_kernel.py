"""Section names computed through Linux 6.12's own macros agree with what gcc emits for the same macros.

Real kernel files (initcalls, ``__setup``/``early_param``, exports,
``__init*`` code and data) are read with the headers they include; for
each use kgclint expands, a stand-alone C file is written with the very
macro definitions kgclint chose (read from the tree), stubs for the
plain names the use mentions, and the use itself. gcc compiles it, and
every section (and symbol) kgclint predicts must be in the object.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from dataclasses import replace

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.analysis.macros import MacroTable
from kgclint.analysis.sections import SectionIndex
from kgclint.c.analysis import ItemExpansions
from kgclint.c.items import KEYWORDS
from kgclint.frontends.c import parse
from kgclint.inputs import InputKind, SourceInput
from kgclint.project import Options, Project
from toolchain import require

pytestmark = pytest.mark.kernel

FILES = [
    "init/main.c",                          # __setup, early_param, __init, __initdata, exports
    "drivers/tty/serial/8250/8250_core.c",  # console_initcall, module_init, exports
    "kernel/printk/printk.c",               # initcalls, __setup, exports
    "mm/percpu.c",                          # early_param, __init* data, exports
]
MAX_HEADERS = 2500
#: C types the stand-alone cases need; kernel headers are not compiled, only the macros.
PRELUDE = """typedef unsigned long uintptr_t; typedef unsigned long size_t; typedef _Bool bool;
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
typedef int s32; typedef int (*initcall_t)(void); typedef initcall_t initcall_entry_t;
struct obs_kernel_param { const char *str; int (*setup_func)(char *); int early; };
"""
_IDENT = re.compile(r"[A-Za-z_]\w*")
_INCLUDE_DIRS = ("include", "arch/x86/include", "include/uapi", "arch/x86/include/uapi")


@pytest.fixture(scope="session")
def kernel_project(linux_tree: Path) -> Project:
    """The chosen files and the headers they include (transitively, bounded), parsed."""
    facts = {}
    todo = list(FILES)
    while todo and len(facts) < MAX_HEADERS:
        path = todo.pop()
        if path in facts or not (linux_tree / path).is_file():
            continue
        parsed = facts[path] = parse(SourceInput(path, (linux_tree / path).read_bytes(), None))
        for inc in parsed.includes:
            candidates = [posixpath.join(d, inc.name) for d in _INCLUDE_DIRS]
            if not inc.system:
                candidates.insert(0, posixpath.normpath(posixpath.join(posixpath.dirname(path), inc.name)))
            todo.extend(c for c in candidates if (linux_tree / c).is_file())
    return Project(linux_tree, Options(arch="x86"), {InputKind.C: [facts[p] for p in sorted(facts)]})


def _closure(scope, names) -> list:
    """Every definition the names need, following bodies (the macros gcc must see)."""
    chosen, seen, todo = [], set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        defn = scope.lookup(name)
        if defn is None:
            continue
        chosen.append(defn)
        todo.extend(_IDENT.findall(defn.body))
    return chosen


def _case(scope, result) -> str:
    defs = _closure(scope, set(result.used) | set(_IDENT.findall(result.item.text)))
    lines = [PRELUDE]
    for d in defs:
        params = "" if d.params is None else "(" + ", ".join(
            (p + "..." if p == d.variadic and p != "__VA_ARGS__" else "..." if p == "__VA_ARGS__" else p)
            for p in d.params) + ")"
        lines.append(f"#define {d.name}{params} {d.body}")
    declared = {decl.name for decl in result.declared if decl.name and decl.storage != "extern"}
    macro_names = {d.name for d in defs}
    for word in sorted(set(_IDENT.findall(result.item.text)) - macro_names - KEYWORDS - declared):
        if word not in PRELUDE and not word.startswith("__"):
            lines.append(f"int {word}(char *);")
    text = result.item.text
    if result.item.kind == "function":
        text += "\n{ return 0; }" if not text.lstrip().startswith("static void") else "\n{ }"
    elif result.item.kind == "initialized":
        text += " = { 0 };"
    elif not text.rstrip().endswith(";"):
        text += ";"
    lines.append(f"#line {result.item.line}")
    lines.append(text)
    # keep static definitions alive: whether gcc drops an unreferenced static is KGC101's test, not this one
    for k, decl in enumerate(d for d in result.declared if d.name and d.storage == "static" and not d.used):
        lines.append(f"void *__kgc_keep{k} = (void *)&{decl.name};")
    return "\n".join(lines) + "\n"


def _object(tmp: Path, source: str, name: str) -> dict[str, set[str]] | None:
    import subprocess

    c = tmp / f"{name}.c"
    c.write_text(source)
    o = tmp / f"{name}.o"
    done = subprocess.run([require("gcc"), "-c", "-O2", "-w", "-fno-PIE", str(c), "-o", str(o)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        return None
    with o.open("rb") as f:
        elf = ELFFile(f)
        names = [s.name for s in elf.iter_sections()]
        out: dict[str, set[str]] = {n: set() for n in names}
        for sym in elf.get_section_by_name(".symtab").iter_symbols():
            if isinstance(sym["st_shndx"], int) and sym.name:
                out[names[sym["st_shndx"]]].add(sym.name)
        return out


CATEGORIES = {
    "initcall": lambda chain: any(m.endswith("initcall") or m == "module_init" for m in chain),
    "setup": lambda chain: "__setup" in chain or "early_param" in chain,
    "export": lambda chain: any(m.startswith("EXPORT_SYMBOL") for m in chain),
    "init": lambda chain: bool({"__init", "__initdata", "__initconst"} & set(chain)),
}


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_section_names_match_gcc(kernel_project, tmp_path, category):
    expansions = kernel_project.analysis(ItemExpansions)
    index = kernel_project.analysis(SectionIndex)
    table = kernel_project.analysis(MacroTable)
    by_location = {}
    for placement in index.placements:
        by_location.setdefault(placement.location, []).append(placement)
    checked = 0
    for n, result in enumerate(expansions.items):
        if result.path not in FILES or not CATEGORIES[category](list(result.used)):
            continue
        placements = by_location.get(result.location, [])
        if not placements:
            continue
        sections = _object(tmp_path, _case(table.scope(result.path), result), f"case{n}")
        if sections is None:
            continue        # the use needs a kernel type the stand-alone case lacks
        for placement in placements:
            name = placement.section.split(",")[0].strip().strip('"')
            assert name in sections, (result.location, name, sorted(sections))
            if placement.origin == "c" and placement.symbol:
                assert placement.symbol in sections[name], (result.location, placement.symbol, sections[name])
        checked += 1
        if checked >= 12:
            break
    assert checked >= 3, f"only {checked} {category} uses could be compiled stand-alone"


def _declared(result) -> list:
    """Declarations as comparable values (tokens compare by identity)."""
    return [(replace(d, section_tokens=[]), [(t.kind, t.text, t.chain) for t in d.section_tokens])
            for d in result.declared]


def test_forked_shards_expand_exactly_as_one_process(kernel_project, monkeypatch):
    """-j2 expands shards in forked workers; the results, macro chains with their places included, are the same."""
    import multiprocessing

    from kgclint.c import shards

    forks: list[str] = []
    real_context = multiprocessing.get_context
    monkeypatch.setattr(shards, "POOL_WORK", 0)
    monkeypatch.setattr(shards.multiprocessing, "get_context",
                        lambda method: forks.append(method) or real_context(method))

    def expanded(jobs: int):
        project = Project(kernel_project.root, kernel_project.options, kernel_project.files, jobs=jobs)
        return project, project.analysis(ItemExpansions)

    _one_project, one = expanded(1)
    assert not forks
    _two_project, two = expanded(2)
    assert forks == ["fork"]
    assert len(one.items) == len(two.items) > 50
    for a, b in zip(one.items, two.items):
        assert (a.location, a.item, _declared(a), a.section_macros, a.used, a.problems, a.named_twice) == \
               (b.location, b.item, _declared(b), b.section_macros, b.used, b.problems, b.named_twice)
        assert [(x.text, x.macros) for x in a.asm] == [(x.text, x.macros) for x in b.asm]
    # a macro chain says where each macro is defined, from the worker as from one process
    assert any(m.defined_at.path.startswith("include/") for r in two.items for ms in r.section_macros for m in ms)
    assert one.asm_pieces == two.asm_pieces
    assert one.problems == two.problems
