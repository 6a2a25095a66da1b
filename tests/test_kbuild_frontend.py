"""The Kbuild and .config front-ends and make's evaluation, on small makefiles and bad input."""

from __future__ import annotations

import pickle

import pytest

from kgclint.frontends import kbuild, kconfig
from kgclint.inputs import InputKind, SourceInput
from kgclint.kbuild.evaluate import Evaluator
from kgclint.kbuild.syntax import Assign, Conditional, Include, Unfollowed
from kgclint.location import Location


def parse(text: str, path: str = "lib/Makefile") -> kbuild.KbuildFacts:
    return kbuild.parse(SourceInput(path, text.encode(), None))


def evaluate(text: str, config: dict[str, str] | None, files: dict[str, str] | None = None):
    facts = parse(text, "Makefile")
    loaded = {p: parse(t, p) for p, t in (files or {}).items()}
    evaluator = Evaluator(config, loaded.get)
    env = evaluator.run(facts, {})

    def words(name: str) -> list[tuple[str, frozenset[str]]]:
        return [(w.text, w.guards) for w in evaluator.value_words(name, env, Location("Makefile"))]

    return words, evaluator.diagnostics


def test_statements_continuations_comments_and_rules():
    facts = parse(
        "# comment\n"
        "obj-y += a.o \\\n"
        "\tb.o # trailing\n"
        "lib-$(CONFIG_X) := c.o\n"
        "$(obj)/x.o: $(src)/x.c\n"
        "\tobj-y += recipe-not-assignment.o\n"
        "CFLAGS_head.o = -fno-function-sections\n"
        "export FOO := 1\n"
    )
    assert facts.diagnostics == ()
    assigns = [s for s in facts.statements if isinstance(s, Assign)]
    assert [(a.name, a.op, a.value, a.location.line) for a in assigns] == [
        ("obj-y", "+=", "a.o b.o", 2),
        ("lib-$(CONFIG_X)", ":=", "c.o", 4),
        ("CFLAGS_head.o", "=", "-fno-function-sections", 7),
        ("FOO", ":=", "1", 8),
    ]
    assert assigns[-1].export
    pickle.loads(pickle.dumps(facts))


def test_conditionals_nest_and_chain():
    facts = parse(
        "ifeq ($(CONFIG_A),y)\n"
        "obj-y += a.o\n"
        "else ifdef CONFIG_B\n"
        "obj-y += b.o\n"
        "else\n"
        "obj-y += c.o\n"
        "endif\n"
    )
    assert facts.diagnostics == ()
    (top,) = facts.statements
    assert isinstance(top, Conditional) and top.kind == "ifeq" and top.args == ("$(CONFIG_A)", "y")
    (chained,) = top.orelse
    assert isinstance(chained, Conditional) and chained.kind == "ifdef"
    assert [s.value for s in chained.orelse] == ["c.o"]


@pytest.mark.parametrize(("config", "expected"), [
    ({"CONFIG_A": "y"}, ["a.o"]),
    ({"CONFIG_B": "y"}, ["b.o"]),
    ({}, ["c.o"]),
])
def test_configuration_picks_one_branch(config, expected):
    words, diagnostics = evaluate(
        "ifeq ($(CONFIG_A),y)\nobj-y += a.o\nelse ifdef CONFIG_B\nobj-y += b.o\nelse\nobj-y += c.o\nendif\n", config)
    assert [w for w, _ in words("obj-y")] == expected
    assert diagnostics == []


def test_every_branch_without_configuration_records_guards():
    words, _ = evaluate(
        "obj-$(CONFIG_FOO) += foo.o\n"
        "ifdef CONFIG_MODULES\nX := whole\nelse\nX := archive\nendif\n"
        "lib-y := $(filter-out $(obj-y), a.o foo.o)\n", None)
    assert words("obj-y") == [("foo.o", frozenset({"CONFIG_FOO=y"}))]
    assert words("X") == [("whole", frozenset({"CONFIG_MODULES is set"})),
                          ("archive", frozenset({"CONFIG_MODULES is not set"}))]
    # a conditional obj-y entry does not remove an unconditional lib-y one
    assert [w for w, _ in words("lib-y")] == ["a.o", "foo.o"]


def test_functions_and_recursive_variables():
    words, diagnostics = evaluate(
        "libs-y := lib/ arch/x/lib/\n"
        "L = $(patsubst %/,%/lib.a,$(libs-y))\n"
        "S := $(sort b a b) $(addprefix p/,x y) $(subst .o,.c,m.o) $(notdir d/e.o) $(foreach v,1 2,n$(v))\n"
        "R := $(L:.a=.b)\n", {})
    assert [w for w, _ in words("L")] == ["lib/lib.a", "arch/x/lib/lib.a"]
    assert [w for w, _ in words("S")] == ["a", "b", "p/x", "p/y", "m.c", "e.o", "n1", "n2"]
    assert [w for w, _ in words("R")] == ["lib/lib.b", "arch/x/lib/lib.b"]
    assert diagnostics == []


def test_include_is_followed_and_missing_include_named():
    words, diagnostics = evaluate("include inc.mk\ninclude missing.mk\n-include optional.mk\n", {},
                                  {"inc.mk": "obj-y += from-include.o\n"})
    assert [w for w, _ in words("obj-y")] == ["from-include.o"]
    assert [(d.location.line, "missing.mk" in d.message) for d in diagnostics] == [(2, True)]


def test_recursive_include_is_a_diagnostic_not_a_hang():
    words, diagnostics = evaluate("include a.mk\n", {},
                                  {"a.mk": "obj-y += a.o\ninclude b.mk\n", "b.mk": "include a.mk\n"})
    assert [w for w, _ in words("obj-y")] == ["a.o"]
    assert any("recursive include of 'a.mk'" in d.message and d.location == Location("b.mk", 1) for d in diagnostics)


def test_self_referencing_variable_is_cut_off():
    words, diagnostics = evaluate("X = $(X) a\nobj-y := $(X)\n", {})
    assert any("nested deeper" in d.message for d in diagnostics)


def test_unknown_syntax_is_named_and_the_rest_goes_on():
    facts = parse(
        "obj-y += a.o\n"
        "this is not make\n"
        "$(eval $(call gen,foo))\n"
        "vpath %.c src\n"
        "endif\n"
        "ifeq (unterminated\n"
        "obj-y += b.o\n"
    )
    messages = [(d.location.line, d.message) for d in facts.diagnostics]
    assert any(line == 2 and "unknown makefile syntax 'this'" in m for line, m in messages)
    assert any(line == 5 and "'endif' without" in m for line, m in messages)
    assert any(line == 6 and "cannot read the condition" in m for line, m in messages)
    assert sum(isinstance(s, Unfollowed) for s in facts.statements) >= 3
    # valid make the model does not follow is said where a makefile is evaluated, not where it is read
    assert not any(line in (3, 4) for line, _ in messages)
    evaluator = Evaluator({}, lambda _path: None)
    evaluator.run(facts, {})
    evaluated = [(d.location.line, d.message) for d in evaluator.diagnostics]
    assert any(line == 3 and "$(eval" in m for line, m in evaluated)
    assert any(line == 4 and "'vpath'" in m for line, m in evaluated)
    assert not any(line == 2 for line, _ in evaluated)      # the front-end's already
    words, _ = evaluate("obj-y += a.o\nthis is not make\nobj-y += b.o\n", {})
    assert [w for w, _ in words("obj-y")] == ["a.o", "b.o"]


def test_shell_in_a_membership_variable_is_diagnosed():
    words, diagnostics = evaluate("obj-y += $(shell ls *.o) a.o\nFLAGS := $(shell true)\n", {})
    assert [w for w, _ in words("obj-y")] == ["a.o"]
    assert [d.location.line for d in diagnostics] == [1]


@pytest.mark.parametrize("data", [b"\x00\x01\x02ELF", b"\xff\xfe obj-y += \x80.o\n", b"ifeq (a,b)\n" * 200, b"\\\n" * 1000])
def test_bad_bytes_never_raise(data):
    facts = kbuild.parse(SourceInput("Makefile", data, None))
    assert facts.path == "Makefile"
    Evaluator({}, lambda p: None).run(facts, {})


def test_include_statement_kept():
    facts = parse("include $(srctree)/scripts/Kbuild.include\n-include x.d\n")
    assert [(s.files, s.optional) for s in facts.statements if isinstance(s, Include)] == [
        ("$(srctree)/scripts/Kbuild.include", False), ("x.d", True)]


def test_config_reader():
    facts = kconfig.parse(SourceInput(".config", b"#\n# CONFIG_MODULES is not set\nCONFIG_PRINTK=y\n"
                                                 b"CONFIG_X=\"str\"\nCONFIG_N=n\nCONFIG_M=m\njunk line\n", None))
    assert facts.as_dict() == {"CONFIG_PRINTK": "y", "CONFIG_X": '"str"', "CONFIG_M": "m"}
    assert facts.unset == {"CONFIG_MODULES", "CONFIG_N"}
    assert [d.location.line for d in facts.diagnostics] == [7]
    assert kconfig.parse(SourceInput(".config", b"\x00\x00", None)).diagnostics


def _tree(tmp_path, files: dict[str, str]):
    from kgclint.inputs import InputKind
    from kgclint.project import Options, Project

    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    facts = [kbuild.parse(SourceInput(p, t.encode(), None)) for p, t in files.items()
             if p.rsplit("/", 1)[-1] in ("Makefile", "Kbuild")]
    return Project(tmp_path, Options(), {InputKind.KBUILD: facts})


def test_tree_missing_subdirectory_and_include_loop_are_findings(tmp_path):
    from kgclint_rules.build.kbuild_not_followed import KbuildNotFollowed

    project = _tree(tmp_path, {
        "Kbuild": "obj-y += kernel/ gone/ empty/\ninclude loop.mk\n",
        "loop.mk": "include Kbuild\n",
        "kernel/Makefile": "obj-y += a.o\n",
        "empty/README": "no makefile here\n",
    })
    findings = {(f.location.path, f.location.line, f.message.split(",")[0]) for f in KbuildNotFollowed().check(project)}
    assert ("Kbuild", 1, "obj-y names 'gone/'") in findings
    assert ("Kbuild", 1, "obj-y names 'empty/'") in findings
    assert any(path == "loop.mk" and "recursive include" in m for path, _, m in findings)
    from kgclint.analysis.kbuild import KbuildModel
    assert "kernel/a.o" in project.analysis(KbuildModel).objects


def test_tree_flags_inherit_composites_and_head(tmp_path):
    from kgclint.analysis.kbuild import KbuildModel

    project = _tree(tmp_path, {
        "Makefile": "head-y := arch/x/kernel/head.o\n",
        "Kbuild": "obj-y += arch/x/kernel/ drivers/\n",
        "arch/x/kernel/Makefile": "obj-y += setup.o\n",
        "arch/x/kernel/setup.c": "",
        "arch/x/kernel/head.S": "",
        "drivers/Makefile": "subdir-ccflags-y += -fno-data-sections\nobj-y += net/\n",
        "drivers/net/Makefile": "obj-y += nic.o\nnic-y := main.o hw.o\nCFLAGS_hw.o := -fno-function-sections\n"
                                "CFLAGS_REMOVE_nic.o := -fno-data-sections\nccflags-y := -fdata-sections\n",
        "drivers/net/main.c": "", "drivers/net/hw.c": "",
    })
    model = project.analysis(KbuildModel)
    assert model.objects["arch/x/kernel/head.o"].kind == "head"
    assert model.objects["arch/x/kernel/head.o"].sources == ("arch/x/kernel/head.S",)
    nic = model.objects["drivers/net/nic.o"]
    assert nic.sources == ("drivers/net/main.c", "drivers/net/hw.c")
    assert nic.effective_flag("function").flag == "-fno-function-sections"
    # the inherited -fno-data-sections is removed for nic.o; its own -fdata-sections stays
    assert nic.effective_flag("data").flag == "-fdata-sections"
    assert model.objects_of("drivers/net/hw.c") == [nic]


def test_named_files_limit_the_model_to_their_way_down(tmp_path, monkeypatch):
    """A pre-commit run names a few files: only the makefiles on their path are read, and only their folders' objects kept."""
    from dataclasses import replace

    from kgclint.analysis.kbuild import KbuildModel

    files = {
        "Kbuild": "obj-y += drivers/ kernel/ gone/\n",
        "drivers/Makefile": "subdir-ccflags-y += -fno-function-sections\nobj-y += net/ base/\n",
        "drivers/net/Makefile": "obj-y += nic.o\n",
        "drivers/net/nic.c": "",
        "drivers/base/Makefile": "obj-y += core.o\n",
        "drivers/base/core.c": "",
        "kernel/Makefile": "obj-y += fork.o\n",
        "kernel/fork.c": "",
    }
    whole = _tree(tmp_path, files)
    read: list[str] = []
    model = whole.analysis(KbuildModel)
    assert set(model.objects) == {"drivers/net/nic.o", "drivers/base/core.o", "kernel/fork.o"}
    assert any("gone/" in d.message for d in model.diagnostics)

    real_load = KbuildModel.load
    monkeypatch.setattr(KbuildModel, "load", lambda self, path: read.append(path) or real_load(self, path))
    focused = KbuildModel(replace(whole, scope=("drivers/net/nic.c",), files={}, _analyses={}))
    assert set(focused.objects) == {"drivers/net/nic.o"}
    assert focused.objects["drivers/net/nic.o"].effective_flag("function").flag == "-fno-function-sections"
    assert not any(path.startswith(("kernel/", "drivers/base/")) for path in read), read
    assert not any("gone/" in d.message for d in focused.diagnostics)

    folder = replace(whole, scope=("drivers",), files={}, _analyses={})
    assert set(folder.analysis(KbuildModel).objects) == {"drivers/net/nic.o", "drivers/base/core.o"}


def test_makefiles_beyond_the_inputs_come_from_the_cache(tmp_path, monkeypatch):
    """A run over named files reads the top-level makefiles it follows through the cache: a warm hook parses none."""
    from kgclint.cli import main

    tree = tmp_path / "tree"
    files = {
        "Makefile": "include scripts/Kbuild.include\n",
        "scripts/Kbuild.include": "CC := gcc\n",
        "Kbuild": "obj-y += drivers/\n",
        "drivers/Makefile": "obj-y += nic.o\n",
        "drivers/nic.c": "static int x __attribute__((section(\".x\"), used));\n",
        "include/linux/init.h": "",
        "arch/arm/Makefile": "",
    }
    for path, text in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
    monkeypatch.chdir(tree)
    argv = ["check", "--no-progress", "--exit-zero", "--cache-dir", str(tmp_path / "cache"), "drivers/nic.c"]
    parsed: list[str] = []
    real_parse = kbuild.parse
    monkeypatch.setattr(kbuild, "parse", lambda source: parsed.append(source.path) or real_parse(source))
    assert main(argv) == 0
    assert {"Makefile", "scripts/Kbuild.include", "Kbuild"} <= set(parsed)
    parsed.clear()
    assert main(argv) == 0
    assert parsed == []


@pytest.mark.parametrize("modifier", ["override", "export", "private"])
def test_a_modified_define_block_is_skipped_whole(modifier: str) -> None:
    """tools/testing/selftests/*/Makefile: ``override define RUN_TESTS`` holds recipe lines, not statements."""
    facts = parse(
        f"{modifier} define RUN_TESTS\n"
        "\t+@for T in $(SUB_DIRS); do \\\n"
        "\t\t$(MAKE) -C $$T run_tests; \\\n"
        "\tdone;\n"
        "\trm -f x\n"
        "endef\n"
        "obj-y += a.o\n"
    )
    assert facts.diagnostics == ()
    assert [(s.name, s.value) for s in facts.statements if isinstance(s, Assign)] == [("obj-y", "a.o")]


def test_an_unfollowable_test_is_reported_only_where_its_branches_set_what_kgclint_reads():
    """lib/crypto/Makefile: '$(call clang-min-version, …)' around KASAN_SANITIZE_x.o says nothing about what is
    built; the same test around obj-y is reported, and both its branches are taken."""
    quiet = "ifeq ($(call clang-min-version, 180000),)\nKASAN_SANITIZE_x.o := n\nendif\nobj-y += a.o\n"
    words, diagnostics = evaluate(quiet, None)
    assert diagnostics == [] and [w for w, _ in words("obj-y")] == ["a.o"]
    loud = "ifeq ($(call clang-min-version, 180000),)\nobj-y += old.o\nelse\nobj-y += new.o\nendif\n"
    words, diagnostics = evaluate(loud, None)
    assert [d.location.line for d in diagnostics] == [1]
    assert sorted(w for w, _ in words("obj-y")) == ["new.o", "old.o"]


def test_wildcard_lists_the_tree_as_make_at_its_top_would(tmp_path):
    """arch/arm/Kbuild: 'obj-y += $(patsubst $(src)/%,%,$(wildcard $(src)/fastfpe/))' builds the folder only when it
    is there; a pattern reaching outside the tree lists nothing."""
    from kgclint.analysis.kbuild import KbuildModel
    from kgclint.project import Options, Project

    (tmp_path / "arch/arm/present").mkdir(parents=True)
    files = {
        "Kbuild": "obj-y += arch/arm/\n",
        "arch/arm/Kbuild": ("obj-y += $(patsubst $(src)/%,%,$(wildcard $(src)/present/))\n"
                            "obj-y += $(patsubst $(src)/%,%,$(wildcard $(src)/absent/))\n"
                            "obj-y += $(notdir $(wildcard ../../*))\n"),
        "arch/arm/present/Makefile": "obj-y += here.o\n",
        "arch/arm/present/here.c": "int here;\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    facts = [kbuild.parse(SourceInput(name, text.encode(), None)) for name, text in files.items()
             if not name.endswith(".c")]
    model = Project(tmp_path, Options(arch="arm"), {InputKind.KBUILD: facts}).analysis(KbuildModel)
    assert sorted(model.objects) == ["arch/arm/present/here.o"]
    assert not [d for d in model.diagnostics if "wildcard" in d.message]


def test_wildcard_expands_as_gnu_make_does(tmp_path):
    import glob
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.fail("make is needed (.ci/run installs it)")
    for folder in ("arch/arm/present", "arch/arm/also"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "arch/arm/a.c").write_text("")
    (tmp_path / "arch/arm/b.c").write_text("")
    expression = "$(patsubst $(src)/%,%,$(wildcard $(src)/present/ $(src)/absent/ $(src)/*.c))"
    makefile = f"src := arch/arm\nX := {expression}\nall:\n\t@echo '$(X)'\n"
    (tmp_path / "probe.mk").write_text(makefile)
    made = subprocess.run(["make", "-s", "-f", "probe.mk"], cwd=tmp_path, capture_output=True, text=True,
                          check=True).stdout.split()
    evaluator = Evaluator(None, lambda _path: None, glob=lambda p: sorted(glob.glob(p, root_dir=tmp_path)))
    env = evaluator.run(parse(f"src := arch/arm\nX := {expression}\n", "Makefile"), {})
    ours = [w.text for w in evaluator.value_words("X", env, Location("Makefile"))]
    assert sorted(ours) == sorted(made) == ["a.c", "b.c", "present/"]


@pytest.mark.parametrize(("name", "lists"), [
    ("obj-y", True), ("obj-", True), ("obj-$(CONFIG_X)", True), ("lib-m", True), ("core-y", True),
    ("foo-objs", True), ("foo-y", True), ("subdir-ccflags-y", False), ("core-edition", False), ("obj-fancy", False),
])
def test_membership_variables(name: str, lists: bool) -> None:
    """rust/Makefile's 'core-edition' is no 'core-y' list: a shell call in it says nothing about what is built."""
    from kgclint.kbuild.evaluate import membership_variable

    assert membership_variable(name) is lists


def test_an_assignment_to_a_configured_name_keeps_the_old_value_in_every_branch_mode(tmp_path):
    """fs/proc/Makefile's ``proc-$(CONFIG_MMU) := task_mmu.o`` replaces ``proc-y`` only when the option is y:
    with no configuration, kgclint's words are what make gives in either configuration, together."""
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.fail("make is needed (.ci/run installs it)")
    text = ("proc-y := nommu.o task_nommu.o\nproc-$(CONFIG_MMU) := task_mmu.o\nproc-y += generic.o\n"
            "lib-y = a.o\nlib-$(CONFIG_B) = b.o\n")
    (tmp_path / "probe.mk").write_text(text + "all:\n\t@echo '$(proc-y) $(lib-y)'\n")
    made: set[str] = set()
    for config in ([], ["CONFIG_MMU=y", "CONFIG_B=y"]):
        made |= set(subprocess.run(["make", "-s", "-f", "probe.mk", *config], cwd=tmp_path, capture_output=True,
                                   text=True, check=True).stdout.split())
    words, _ = evaluate(text, None)
    assert {w for w, _ in words("proc-y")} | {w for w, _ in words("lib-y")} == made
    assert made == {"nommu.o", "task_nommu.o", "task_mmu.o", "generic.o", "a.o", "b.o"}
    configured, _ = evaluate(text, {"CONFIG_MMU": "y"})
    assert [w for w, _ in configured("proc-y")] == ["task_mmu.o", "generic.o"]
