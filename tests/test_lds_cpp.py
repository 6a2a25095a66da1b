"""Preprocessing .lds.S like Kbuild: line markers, configuration modes, macro attribution, caching."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgclint.analysis.scripts import ScriptIndex
from kgclint.frontends.lds_file import parse as parse_file
from kgclint.inputs import InputKind, SourceInput
from kgclint.lds import ast
from kgclint.lds.cpp import MODE_ALL, MODE_CONFIG, autoconf_from_config, blank_conditionals
from kgclint.project import Options, Project
from toolchain import require

HEADER = """\
#ifndef __ASM_GENERIC_VMLINUX_LDS_H
#define __ASM_GENERIC_VMLINUX_LDS_H
#define TABLE(name)							\\
	__##name##_start = .;						\\
	*(.name##.tab)							\\
	__##name##_end = .;
#define HOOKS								\\
	. = ALIGN(8);							\\
	KEEP(*(.hooks))
#define OUTER HOOKS
#endif
"""

SCRIPT = """\
#include <asm-generic/vmlinux.lds.h>
SECTIONS
{
	.text : { *(.text) }
	.data : {
		TABLE(foo)
		OUTER
#ifdef CONFIG_FEATURE
		*(.feature)
#else
		*(.nofeature)
#endif
	}
}
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    require("cpp")
    monkeypatch.setenv("KGCLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "tree"
    (root / "include" / "asm-generic").mkdir(parents=True)
    (root / "include" / "asm-generic" / "vmlinux.lds.h").write_text(HEADER)
    (root / "arch" / "foo" / "kernel").mkdir(parents=True)
    (root / "arch" / "foo" / "kernel" / "vmlinux.lds.S").write_text(SCRIPT)
    return root


def index_of(root: Path, options: Options) -> ScriptIndex:
    path = "arch/foo/kernel/vmlinux.lds.S"
    facts = parse_file(SourceInput(path, (root / path).read_bytes(), "foo"))
    return Project(root, options, {InputKind.LINKER_SCRIPT: [facts]}).analysis(ScriptIndex)


def patterns(info) -> list[str]:
    return [d.node.sections[0].pattern for d in info.model.descriptions]


def test_all_branches_mode_reads_every_branch(tree: Path):
    info = index_of(tree, Options(arch="foo")).scripts[0]
    assert info.mode == MODE_ALL and info.diagnostics == ()
    assert patterns(info) == [".text", ".foo.tab", ".hooks", ".feature", ".nofeature"]


def test_config_mode_takes_the_configured_branch(tree: Path, tmp_path: Path):
    config = tmp_path / ".config"
    config.write_text("CONFIG_FEATURE=y\n# CONFIG_OTHER is not set\nCONFIG_MOD=m\nCONFIG_STR=\"x\"\n")
    info = index_of(tree, Options(arch="foo", config=config)).scripts[0]
    assert info.mode == MODE_CONFIG
    assert patterns(info) == [".text", ".foo.tab", ".hooks", ".feature"]
    assert autoconf_from_config(config.read_text()).splitlines()[1:] == [
        "#define CONFIG_FEATURE 1", "#define CONFIG_MOD_MODULE 1", '#define CONFIG_STR "x"',
    ]


def test_build_dir_autoconf_is_used(tree: Path, tmp_path: Path):
    build = tmp_path / "build"
    (build / "include" / "generated").mkdir(parents=True)
    (build / "include" / "generated" / "autoconf.h").write_text("/* nothing */\n")
    info = index_of(tree, Options(arch="foo", build_dir=build)).scripts[0]
    assert info.mode == MODE_CONFIG and patterns(info)[-1] == ".nofeature"


def test_nodes_map_to_the_macro_body_line_and_the_use_line(tree: Path):
    index = index_of(tree, Options(arch="foo"))
    info = index.scripts[0]
    by_pattern = {d.node.sections[0].pattern: d for d in info.model.descriptions}
    assert by_pattern[".text"].node.location.line == 4
    table = index.origin(info, by_pattern[".foo.tab"].node)
    assert table.macro == "TABLE"
    assert table.defined_at.path == "include/asm-generic/vmlinux.lds.h" and table.defined_at.line == 5
    assert table.used_at.path == "arch/foo/kernel/vmlinux.lds.S" and table.used_at.line == 6
    assert "in macro TABLE, defined at include/asm-generic/vmlinux.lds.h:5" in table.describe()
    hooks = index.origin(info, by_pattern[".hooks"].node)
    assert (hooks.macro, hooks.chain, hooks.defined_at.line) == ("HOOKS", ("OUTER", "HOOKS"), 9)
    assert hooks.span is not None
    path, start, end = hooks.span
    assert (tree / path).read_bytes()[start:end] == b"KEEP(*(.hooks))"
    plain = index.origin(info, by_pattern[".feature"].node)
    assert plain.macro is None and plain.location.line == 9
    assert (tree / plain.span[0]).read_bytes()[plain.span[1]:plain.span[2]] == b"*(.feature)"


def test_symbols_defined_in_macros_are_in_the_model(tree: Path):
    info = index_of(tree, Options(arch="foo")).scripts[0]
    assert {"__foo_start", "__foo_end"} <= {s.assignment.target for s in info.model.symbols}


def test_results_are_cached_and_invalidated_by_edits(tree: Path):
    first = index_of(tree, Options(arch="foo")).scripts[0]
    again = index_of(tree, Options(arch="foo")).scripts[0]
    assert again.preprocessed.text == first.preprocessed.text
    header = tree / "include" / "asm-generic" / "vmlinux.lds.h"
    header.write_text(HEADER.replace("*(.name##.tab)", "*(.name##.table)"))
    changed = index_of(tree, Options(arch="foo")).scripts[0]
    assert ".foo.table" in patterns(changed)


def test_missing_generated_header_is_stubbed_and_said(tree: Path):
    script = tree / "arch" / "foo" / "kernel" / "vmlinux.lds.S"
    script.write_text("#include <generated/asm-offsets.h>\n" + SCRIPT)
    info = index_of(tree, Options(arch="foo")).scripts[0]
    assert info.diagnostics == ()
    assert any("asm-offsets.h" in note for note in info.notes)


def test_mutually_exclusive_branches_inside_a_statement_are_evaluated(tree: Path):
    script = tree / "arch" / "foo" / "kernel" / "vmlinux.lds.S"
    script.write_text(
        "SECTIONS {\n .got : { *(.got) }\n ASSERT(SIZEOF(.got) == 0 ||\n#ifdef CONFIG_X86_64\n"
        " SIZEOF(.got) == 0x18,\n#else\n SIZEOF(.got) == 0xc,\n#endif\n \"GOT\")\n}\n"
    )
    info = index_of(tree, Options(arch="foo")).scripts[0]
    assert info.diagnostics == ()
    assert any("evaluated (not flattened)" in note for note in info.notes)


def test_syntax_error_in_preprocessed_script_points_at_the_source_line(tree: Path):
    script = tree / "arch" / "foo" / "kernel" / "vmlinux.lds.S"
    script.write_text("#include <asm-generic/vmlinux.lds.h>\nSECTIONS {\n .a : { __x = . }\n}\n")
    info = index_of(tree, Options(arch="foo")).scripts[0]
    assert info.diagnostics
    d = info.diagnostics[0]
    assert (d.location.path, d.location.line) == ("arch/foo/kernel/vmlinux.lds.S", 3)
    assert "expected ';'" in d.message


def test_plain_script_include_loop_in_the_project(tmp_path: Path):
    root = tmp_path
    (root / "a.lds").write_text("SECTIONS { INCLUDE b.lds }\n")
    (root / "b.lds").write_text(".b : { *(.b) }\nINCLUDE a2.lds\n")
    (root / "a2.lds").write_text("INCLUDE b.lds\n")
    facts = parse_file(SourceInput("a.lds", (root / "a.lds").read_bytes(), None))
    index = Project(root, Options(), {InputKind.LINKER_SCRIPT: [facts]}).analysis(ScriptIndex)
    info = index.scripts[0]
    assert any("INCLUDE loop" in d.message for d in info.diagnostics)
    assert [s.name for c in info.model.script.commands if isinstance(c, ast.Sections) for s in c.commands] == [".b"]


def test_blank_conditionals_keeps_line_count():
    text = "a\n#if X \\\n  && Y\nb\n#else\nc\n#endif\n"
    out = blank_conditionals(text)
    assert out.count("\n") == text.count("\n")
    assert [line for line in out.split("\n") if line] == ["a", "b", "c"]


KCONFIG = """\
#include <generated/autoconf.h>
#define __one_1 0,
#define __second(ignored, value, ...) value
#define __pick(junk) __second(junk 1, 0)
#define __test(value) __pick(__one_##value)
#define IS_ENABLED(option) __test(option)
"""

TABLE_HEADER = """\
#define _TAB_0(name)
#define _TAB_1(name) KEEP(*(__##name##_tab))
#define __TAB(on, name) _TAB_##on(name)
#define _TAB(on, name) __TAB(on, name)
#define TAB(cfg, name) _TAB(IS_ENABLED(cfg), name)
#define TABLES \\
	TAB(CONFIG_WIDGET, widget)
"""


def test_all_branches_mode_sets_symbols_a_macro_tests_with_is_enabled(tmp_path: Path, monkeypatch):
    """No #if tests CONFIG_WIDGET: a macro pastes its IS_ENABLED value. The table exists only with it set."""
    require("cpp")
    monkeypatch.setenv("KGCLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "tree"
    (root / "include" / "linux").mkdir(parents=True)
    (root / "include" / "linux" / "kconfig.h").write_text(KCONFIG)
    (root / "include" / "asm-generic").mkdir(parents=True)
    (root / "include" / "asm-generic" / "vmlinux.lds.h").write_text(TABLE_HEADER)
    (root / "arch" / "foo" / "kernel").mkdir(parents=True)
    (root / "arch" / "foo" / "kernel" / "vmlinux.lds.S").write_text(
        "#include <asm-generic/vmlinux.lds.h>\nSECTIONS\n{\n\t.data : { *(.data) TABLES }\n}\n")
    info = index_of(root, Options(arch="foo")).scripts[0]
    assert info.mode == MODE_ALL and info.diagnostics == ()
    assert patterns(info) == [".data", "__widget_tab"]
    assert info.model.place("drivers/widget/w.o", "__widget_tab") is not None
