"""Selection by prefix, configuration, suppressions and the baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgclint.baseline import Baseline, write_baseline
from kgclint.checker import apply_suppressions
from kgclint.config import ConfigError, find_config, load_config
from kgclint.findings import Finding, Severity
from kgclint.location import Location
from kgclint.selection import Selection, split_codes
from kgclint.suppressions import extract


def finding(code="KGC101", path="a.c", line=3, message="m") -> Finding:
    return Finding(code, Severity.WARNING, message, Location(path, line, 1))


def test_longest_prefix_wins_and_ignore_wins_ties():
    selection = Selection.build(["KGC2", "KGC201"], ["KGC20"])
    assert selection.enabled("KGC201")
    assert selection.enabled("KGC210")
    assert not selection.enabled("KGC202")
    assert not selection.enabled("KGC101")
    assert not Selection.build(["KGC1"], ["KGC1"]).enabled("KGC101")
    assert Selection.build(None, ["KGC1"], ["KGC103"]).enabled("KGC103")


def test_split_codes_rejects_what_is_not_a_prefix():
    assert split_codes(["kgc1,KGC201", " KGC3 "]) == ["KGC1", "KGC201", "KGC3"]
    with pytest.raises(ValueError):
        split_codes(["E501"])


def test_config_from_pyproject_and_kgclint_toml(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kgclint]\nselect = ["KGC2"]\narch = "arm"\n[tool.kgclint.per-file-ignores]\n"drivers/*" = ["KGC101"]\n')
    config = load_config(find_config(tmp_path))
    assert config.select == ("KGC2",) and config.arch == "arm"
    assert config.ignored_codes("drivers/x.c") == ("KGC101",)
    (tmp_path / ".kgclint.toml").write_text('[tool.kgclint]\nexclude = ["scripts"]\n')
    config = load_config(find_config(tmp_path))
    assert config.excluded("scripts/a/b.c") and not config.excluded("kernel/a.c")


@pytest.mark.parametrize("text, reason", [
    ('[tool.kgclint]\nselekt = ["KGC1"]\n', "unknown key"),
    ('[tool.kgclint]\nlinker = "gold"\n', "linker must be"),
    ('[tool.kgclint\n', "not valid TOML"),
    ('[tool.kgclint]\nmax-file-size = -1\n', "positive number"),
])
def test_bad_config_names_file_and_reason(tmp_path, text, reason):
    (tmp_path / ".kgclint.toml").write_text(text)
    with pytest.raises(ConfigError, match=reason) as info:
        load_config(find_config(tmp_path))
    assert ".kgclint.toml" in str(info.value)


def test_suppressions_only_in_comments():
    data = (
        b"int a; /* kgclint: ignore[KGC101] probed by firmware */\n"
        b'char *s = "kgclint: ignore[KGC101]";\n'
        b" * kgclint: ignore[KGC102, KGC201] block comment line\n"
        b"\t.long 0 @ kgclint: ignore[KGC104]\n"
    )
    marks = extract(data)
    assert [(m.line, m.codes) for m in marks] == [(1, ("KGC101",)), (3, ("KGC102", "KGC201")), (4, ("KGC104",))]


def test_suppression_covers_its_line_and_the_next_and_reports_unused():
    marks = {"a.c": extract(b"/* kgclint: ignore[KGC101,KGC102] */\nint a;\n\nint b;\n")}
    findings = [finding(line=2), finding(line=4)]
    kept = apply_suppressions(findings, marks, Selection(), {"KGC101", "KGC102"}, report_unused=True)
    codes = sorted((f.code, f.location.line) for f in kept)
    assert codes == [("KGC002", 1), ("KGC101", 4)]
    assert "KGC102" in next(f for f in kept if f.code == "KGC002").message
    quiet = apply_suppressions(findings, marks, Selection(), {"KGC101"}, report_unused=True)
    assert [f.code for f in quiet] == ["KGC101"]


def test_baseline_survives_moved_lines_but_not_edited_ones(tmp_path):
    from kgclint.source_text import file_lines

    source = tmp_path / "a.c"
    source.write_text("int x;\nstatic int y __section(\".t\");\n")
    base = tmp_path / "baseline.json"
    assert write_baseline(base, [finding(line=2)], tmp_path) == 1
    source.write_text("int x;\n\n\nstatic int y __section(\".t\");\n")
    file_lines.cache_clear()
    assert Baseline.read(base).filter([finding(line=4)], tmp_path) == []
    source.write_text("int x;\nstatic long y __section(\".t\");\n")
    file_lines.cache_clear()
    assert len(Baseline.read(base).filter([finding(line=2)], tmp_path)) == 1


def test_baseline_counts(tmp_path):
    (tmp_path / "a.c").write_text("x\n")
    base = tmp_path / "b.json"
    write_baseline(base, [finding(line=1)], tmp_path)
    assert len(Baseline.read(base).filter([finding(line=1), finding(line=1, message="m")], tmp_path)) == 1


def test_unreadable_baseline_is_an_error(tmp_path):
    from kgclint.baseline import BaselineError

    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(BaselineError, match="b.json"):
        Baseline.read(Path(tmp_path / "b.json"))


def test_engine_codes_stay_on_unless_ignored():
    selection = Selection.build(["KGC201"])
    assert selection.enabled("KGC001") and selection.enabled("KGC003")
    assert not Selection.build(["KGC201"], ["KGC0"]).enabled("KGC001")
    assert not Selection.build(None, ["KGC003"]).enabled("KGC003")
    assert Selection.build(None, ["KGC"]).enabled("KGC001")
