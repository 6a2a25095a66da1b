"""Rules come only from entry points; a second distribution's pack is listed and run, a broken one reported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from kgclint.plugins import load_rules, validate_rule
from kgclint.rule import Rule

FAKE_PACK = '''
"""A third-party rule pack, installed as its own distribution."""
from kgclint.findings import Severity
from kgclint.location import Location
from kgclint.rule import Rule


class MakefileSeen(Rule):
    """Reports the first Makefile of the tree, to prove third-party rules run.

    What it finds:
    The first Kbuild makefile.

    Why it breaks a kernel:
    It does not; it proves the plugin ran.

    Example:
    Makefile:1:0: KGC901 saw a makefile

    Fix:
    None needed.
    """

    code = "KGC901"
    name = "makefile-seen"
    severity = Severity.INFO

    def check(self, project):
        yield self.finding("fake pack ran", Location("Makefile", 1))


RULES = (MakefileSeen,)
'''


def _install_fake_distributions(site: Path) -> None:
    (site / "fakepack.py").write_text(FAKE_PACK)
    (site / "brokenpack.py").write_text("raise RuntimeError('this plugin is broken on purpose')\n")
    for name, entry in (("fakepack", "KGC9 = fakepack:RULES"), ("brokenpack", "KGC8 = brokenpack:RULES")):
        info = site / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[kgclint.rules]\n{entry}\n")


def _kgclint(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "kgclint", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_builtin_packs_are_entry_points():
    ruleset = load_rules()
    assert not ruleset.problems, ruleset.problems
    assert {"KGC001", "KGC002", "KGC003", "KGC004", "KGC103"} <= set(ruleset.by_code())
    assert ruleset.by_code()["KGC103"].distribution.startswith("kgclint ")


def test_second_distribution_listed_run_and_broken_one_reported(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    _install_fake_distributions(site)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "Makefile").write_text("obj-y += a.o\n")
    listing = _kgclint(site, "rules", cwd=tree)
    assert listing.returncode == 0, listing.stderr
    assert "KGC901" in listing.stdout and "fakepack 1.0" in listing.stdout
    assert listing.stderr.count("disabled") == 1
    assert "KGC8 = brokenpack:RULES" in listing.stderr and "this plugin is broken on purpose" in listing.stderr
    run = _kgclint(site, "check", str(tree), "--no-cache", "--select", "KGC9", cwd=tree)
    assert run.returncode == 1, run.stderr
    assert "Makefile:1:0: KGC901 fake pack ran" in run.stdout
    assert "Traceback" not in run.stderr


def _rule(**attrs):
    doc = attrs.pop("__doc__", "S.\n\nWhat it finds:\nx\n\nWhy it breaks a kernel:\nx\n\nExample:\nx\n\nFix:\nx\n")
    return type("R", (Rule,), {"__doc__": doc, "code": "KGC150", "name": "a-rule", **attrs})


def test_validation_names_what_is_wrong():
    assert validate_rule(_rule(), "KGC1") is None
    assert "does not match" in validate_rule(_rule(code="KGC15"), "KGC1")
    assert "entry point is named" in validate_rule(_rule(), "KGC2")
    assert "reserved" in validate_rule(_rule(code="KGC050"), "KGC0")
    assert "kebab-case" in validate_rule(_rule(name="A_Rule"), "KGC1")
    assert "lacks section" in validate_rule(_rule(__doc__="Only a summary."), "KGC1")
    assert "not a kgclint.rule.Rule" in validate_rule(object, "KGC1")


def test_duplicate_codes_disable_the_later_pack():
    from importlib.metadata import EntryPoint

    class Fake(EntryPoint):
        def load(self):  # noqa: D102 - an entry point that yields a given object
            return self._value

    first = Fake("KGC1", "x:y", "kgclint.rules")
    object.__setattr__(first, "_value", [_rule()])
    second = Fake("KGC15", "z:w", "kgclint.rules")
    object.__setattr__(second, "_value", [_rule()])
    ruleset = load_rules([first, second])
    assert "KGC150" in ruleset.by_code()
    assert len(ruleset.problems) == 1 and "already taken" in ruleset.problems[0].message
    assert textwrap.dedent(str(ruleset.problems[0])).startswith("plugin kgclint.rules:KGC15")
