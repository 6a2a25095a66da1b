"""The whole-run memo: an unchanged tree skips loading and rules; any change to inputs, rules or options does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kgclint import checker
from kgclint.checker import CheckRequest, run_check
from kgclint.engine import EngineSettings
from kgclint.inputs import InputKind
from kgclint.memo import eligible
from kgclint.plugins import load_rules
from kgclint.project import Options
from kgclint.selection import Selection

HACK = 'static const char e{n}[] __attribute__((used, section(".t{n},\\"a\\",@note #"))) = "x";\n'


def _tree(root: Path, files: int = 6) -> Path:
    for n in range(files):
        folder = root / "arch/x86/kernel"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{n}.c").write_text(HACK.format(n=n))
    return root


def _request(tree: Path, cache: Path | None, select: str = "KGC1", options: Options = Options()) -> CheckRequest:
    return CheckRequest(root=tree, paths=(tree,), options=options, selection=Selection((select,)),
                        settings=EngineSettings(cache_dir=cache))


def _codes(result) -> list[tuple[str, str, int]]:
    return [(f.code, f.location.path, f.location.line) for f in result.findings]


def test_unchanged_tree_is_answered_from_the_memo(tmp_path, monkeypatch):
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    cold = run_check(_request(tree, cache), load_rules())
    assert len(cold.findings) == 6
    monkeypatch.setattr(checker, "load_inputs", lambda *a, **k: pytest.fail("inputs were loaded"))
    warm = run_check(_request(tree, cache), load_rules())
    assert warm.findings == cold.findings
    assert (warm.parsed, warm.cached, warm.lines) == (0, 6, cold.lines)


def test_an_edited_file_misses_the_memo_and_its_new_findings_show(tmp_path):
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    run_check(_request(tree, cache), load_rules())
    fixed = tree / "arch/x86/kernel/f0.c"
    fixed.write_text('static const char e0[] __attribute__((used, section(".t0"))) = "x";\n')
    after = run_check(_request(tree, cache), load_rules())
    assert after.parsed == 1
    assert ("KGC103", "arch/x86/kernel/f0.c", 1) not in _codes(after)
    assert len(after.findings) == 5


def test_a_new_file_misses_the_memo(tmp_path):
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    run_check(_request(tree, cache), load_rules())
    (tree / "arch/x86/kernel/new.c").write_text(HACK.format(n=9))
    after = run_check(_request(tree, cache), load_rules())
    assert ("KGC103", "arch/x86/kernel/new.c", 1) in _codes(after)


def test_other_rules_or_options_miss_the_memo(tmp_path, monkeypatch):
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    run_check(_request(tree, cache, select="KGC103"), load_rules())
    loads: list[int] = []
    real = checker.load_inputs
    monkeypatch.setattr(checker, "load_inputs", lambda *a, **k: loads.append(1) or real(*a, **k))
    run_check(_request(tree, cache, select="KGC102"), load_rules())
    run_check(_request(tree, cache, select="KGC103", options=Options(arch="arm")), load_rules())
    assert len(loads) == 2
    run_check(_request(tree, cache, select="KGC103"), load_rules())
    assert len(loads) == 2, "the first run's memo is still kept"


def test_filters_apply_to_memoised_output(tmp_path, monkeypatch):
    """Per-file ignores are applied after the memo, so a warm run honours a new configuration."""
    from dataclasses import replace

    from kgclint.config import Config

    tree, cache = _tree(tmp_path / "tree", files=2), tmp_path / "cache"
    run_check(_request(tree, cache), load_rules())
    monkeypatch.setattr(checker, "load_inputs", lambda *a, **k: pytest.fail("inputs were loaded"))
    config = Config(per_file_ignores=(("arch/x86/kernel/f0.c", ("KGC103",)),))
    warm = run_check(replace(_request(tree, cache), config=config), load_rules())
    assert _codes(warm) == [("KGC103", "arch/x86/kernel/f1.c", 1)]


def test_a_file_changed_during_the_run_is_not_memoised(tmp_path, monkeypatch):
    tree, cache = _tree(tmp_path / "tree", files=2), tmp_path / "cache"
    victim = tree / "arch/x86/kernel/f1.c"
    real = checker.load_inputs

    def load_then_edit(*args, **kwargs):
        loaded = real(*args, **kwargs)
        victim.write_text(victim.read_text() + "/* edited while the rules ran */\n")
        return loaded

    monkeypatch.setattr(checker, "load_inputs", load_then_edit)
    run_check(_request(tree, cache), load_rules())
    loads: list[int] = []
    monkeypatch.setattr(checker, "load_inputs", lambda *a, **k: loads.append(1) or real(*a, **k))
    run_check(_request(tree, cache), load_rules())
    assert loads == [1]


def test_a_timed_out_file_keeps_the_run_out_of_the_memo(tmp_path, monkeypatch):
    from kgclint import worker

    tree, cache = _tree(tmp_path / "tree", files=2), tmp_path / "cache"

    def slow(source):
        raise worker.FileTimeout

    monkeypatch.setattr(worker, "load_frontend", lambda kind: slow)
    first = run_check(_request(tree, cache), load_rules())
    assert any("file-timeout" in f.message for f in first.findings)
    monkeypatch.undo()
    second = run_check(_request(tree, cache), load_rules())
    assert not any("file-timeout" in f.message for f in second.findings)
    assert len([f for f in second.findings if f.code == "KGC103"]) == 2


@pytest.mark.parametrize(("kinds", "options", "overlay", "reads_headers", "expected"), [
    ({InputKind.C, InputKind.ASM}, Options(), {}, False, True),
    ({InputKind.C, InputKind.LINKER_SCRIPT}, Options(), {}, False, False),
    ({InputKind.C}, Options(build_dir=Path("/o")), {}, False, False),
    ({InputKind.C}, Options(config=Path(".config")), {}, False, False),
    ({InputKind.C}, Options(), {"a.c": b""}, False, False),
    ({InputKind.C}, Options(), {}, True, False),
])
def test_only_runs_closed_over_their_inputs_are_memoised(kinds, options, overlay, reads_headers, expected):
    assert eligible(frozenset(kinds), options, overlay, reads_headers) is expected


def test_no_cache_means_no_memo(tmp_path, monkeypatch):
    tree = _tree(tmp_path / "tree", files=2)
    run_check(_request(tree, None), load_rules())
    loads: list[int] = []
    real = checker.load_inputs
    monkeypatch.setattr(checker, "load_inputs", lambda *a, **k: loads.append(1) or real(*a, **k))
    run_check(_request(tree, None), load_rules())
    assert loads == [1]
    assert not any(p.name == "results.sqlite" for p in tmp_path.rglob("*")), os.listdir(tmp_path)
