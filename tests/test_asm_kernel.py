"""The assembly front-end on real Linux 6.12 ``.S`` files, checked against the real assembler.

A bounded sample (arch/{x86,arm}/kernel, arch/x86/entry, arch/arm/mm) is
scanned: no diagnostics. Each file's section-stack behaviour is then
checked against GCC and the assembler: a *skeleton* of the file keeps, on
their own line numbers, its ``#if`` lines and the lines whose first word is
a section directive, an assembler conditional, a ``.macro``/``.endm`` or a
call of a macro the file defines (chosen by a plain regex, not by the
scanner); ten ``.popsection`` lines are appended to measure the stack depth
left at the end. Assembled with every CONFIG symbol undefined, the lines
where the assembler warns about a ``.popsection`` must be exactly where the
replay finds one in that configuration, and the depth left open must match.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kgclint.asm.stack import _keys, _relevant, configurations, run
from kgclint.frontends.asm_file import parse
from kgclint.inputs import SourceInput
from toolchain import try_compile

pytestmark = pytest.mark.kernel

SAMPLE = ("arch/x86/kernel", "arch/x86/entry", "arch/arm/kernel", "arch/arm/mm")
TARGETS = {"x86": "x86_64", "arm": "arm"}
TRAILER = 10

_CPP_COND = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b")
_CPP_OTHER = re.compile(r"^\s*#\s*[a-z]")
_MACRO_DEF = re.compile(r"^\s*\.macro\s+(\w+)")
_FIRST_WORD = re.compile(r"^\s*(?:[\w.$]+:\s*)*([\w.$]+)")
_KEEP = re.compile(
    r"^\.(pushsection|popsection|section|previous|text|data|bss|subsection|macro|endm|if\w*|else\w*|endif)$"
)
_WARNING = re.compile(r":(\d+): Warning: \.popsection without corresponding \.pushsection")


def _sample(tree: Path) -> list[Path]:
    return sorted(p for d in SAMPLE for p in (tree / d).glob("*.S") if not p.name.endswith(".lds.S"))


@pytest.fixture(scope="session")
def sample_facts(linux_tree):
    return {
        p.relative_to(linux_tree).as_posix(): parse(SourceInput(p.relative_to(linux_tree).as_posix(), p.read_bytes(), None))
        for p in _sample(linux_tree)
    }


def test_sample_scans_without_diagnostics(sample_facts):
    assert len(sample_facts) > 50
    assert {path: facts.diagnostics for path, facts in sample_facts.items() if facts.diagnostics} == {}


def _skeleton(text: str) -> str:
    lines = text.split("\n")
    macros = {m.group(1) for line in lines if (m := _MACRO_DEF.match(line))}
    out: list[str] = []
    keep_continuation = drop_continuation = False
    for line in lines:
        if keep_continuation or drop_continuation:
            out.append(line if keep_continuation else "")
            keep_continuation = keep_continuation and line.endswith("\\")
            drop_continuation = drop_continuation and line.endswith("\\")
            continue
        if _CPP_COND.match(line):
            out.append(line)
            keep_continuation = line.endswith("\\")
        elif _CPP_OTHER.match(line):
            out.append("")
            drop_continuation = line.endswith("\\")
        else:
            m = _FIRST_WORD.match(line)
            word = m.group(1) if m else ""
            out.append(line if _KEEP.match(word) or word in macros else "")
    return "\n".join(out + [".popsection"] * TRAILER) + "\n"


def _all_undefined(facts):
    """The replay configuration a build without -D options takes, if every choice is on a symbol."""
    keys, _ = _keys(facts, _relevant(facts))
    if any(key[0] != "symbol" for key in keys):
        return None
    return {key: 1 for key in keys}


def test_stack_replay_matches_the_assembler(linux_tree, sample_facts, tmp_path):
    checked = 0
    for path, facts in sample_facts.items():
        arch = path.split("/")[1]
        config = _all_undefined(facts)
        if config is None:
            continue
        text = (linux_tree / path).read_bytes().decode("utf-8", "replace")
        lines = text.count("\n") + 1
        source = tmp_path / "skeleton.S"
        source.write_text(_skeleton(text))
        done = try_compile(source, tmp_path / "skeleton.o", arch=TARGETS[arch])
        if done.returncode != 0:
            continue  # the skeleton lost something a kept line needs (a symbol in `.if`)
        warned = {int(m.group(1)) for m in _WARNING.finditer(done.stderr)}
        trailer_warnings = sum(1 for line in warned if line > lines)
        problems = run(facts, config)
        pops = {loc.line for kind, loc in problems if kind == "pop-without-push"}
        open_pushes = sum(1 for kind, _ in problems if kind == "push-without-pop")
        assert {line for line in warned if line <= lines} == pops, path
        assert TRAILER - trailer_warnings == open_pushes, path
        assert config in list(configurations(facts))
        checked += 1
    assert checked > 40


_INIT_MACRO = re.compile(r'^#define\s+(__\w+)\s+\.section\s+"([^"]+)"\s*,\s*"(\w+)"', re.M)


def test_init_macros_expand_to_the_sections_linux_init_h_defines(linux_tree):
    """Every use of a ``.section`` macro of include/linux/init.h in the sample becomes that section, with its flags.

    The expected sections are read from the tree's own header by a regex,
    not by kgclint; the scan must reach them through the macro table.
    """
    from kgclint.asm.expand import ExpandedAsmFiles
    from kgclint.engine import build_project
    from kgclint.inputs import InputKind
    from kgclint.project import Options

    macros = {name: (section, flags) for name, section, flags in _INIT_MACRO.findall(
        (linux_tree / "include/linux/init.h").read_text())}
    assert {"__INIT", "__HEAD", "__INITDATA"} <= set(macros)
    use = re.compile(r"^\s*(" + "|".join(sorted(macros)) + r")\b")
    sample = [p for p in _sample(linux_tree)
              if any(use.match(line) for line in p.read_text(errors="replace").splitlines())]
    project = build_project(linux_tree, [linux_tree / "include/linux/init.h", *sample], Options(),
                            {InputKind.C, InputKind.ASM})
    scans = project.analysis(ExpandedAsmFiles).scans
    checked = 0
    for path in sample:
        rel = path.relative_to(linux_tree).as_posix()
        switches = {s.location.line: s for s in scans[rel].switches}
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            m = use.match(line)
            if not m:
                continue
            section, flags = macros[m.group(1)]
            assert switches[number].section == section and switches[number].flags == flags, (rel, number)
            checked += 1
    assert checked >= 20
