"""The engine: same bytes for -j1/-j2/cached, warm runs read nothing, bad input never stops a run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kgclint import worker
from kgclint.checker import CheckRequest, run_check
from kgclint.cli import build_parser
from kgclint.engine import EngineSettings
from kgclint.options import build_request
from kgclint.plugins import RuleInfo, RuleSet, load_rules
from kgclint.project import Options
from kgclint.rule import Rule
from kgclint.selection import Selection

HACK = 'static const char e{n}[] __attribute__((used, section(".t{n},\\"a\\",@note #"))) = "x";\n'


def make_tree(root: Path, files: int = 40) -> Path:
    """A small tree with enough files for the pool, each with one KGC103 finding."""
    for n in range(files):
        folder = root / ("arch/x86/kernel" if n % 2 else "arch/arm/kernel")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{n:02}.c").write_text(f"/* file {n} */\n" + HACK.format(n=n))
    return root


def kgclint(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kgclint", *args], cwd=cwd, capture_output=True, text=True)


def test_same_bytes_for_jobs_and_cache(tmp_path):
    tree = make_tree(tmp_path / "tree")
    cache = tmp_path / "cache"
    base = ["check", str(tree), "--format", "json", "--select", "KGC1"]
    outputs = [
        kgclint(*base, "--no-cache", "-j1"),
        kgclint(*base, "--no-cache", "-j2"),
        kgclint(*base, "--cache-dir", str(cache), "-j2"),
        kgclint(*base, "--cache-dir", str(cache), "-j1"),
    ]
    assert all(out.returncode == 1 for out in outputs), [out.stderr for out in outputs]
    assert outputs[0].stdout.count('"code": "KGC103"') == 40
    assert len({out.stdout for out in outputs}) == 1


def _request(tree: Path, cache: Path | None, jobs: int = 1, timeout: float = 30.0) -> CheckRequest:
    return CheckRequest(
        root=tree, paths=(tree,), options=Options(), selection=Selection(("KGC1",)),
        settings=EngineSettings(jobs=jobs, cache_dir=cache, file_timeout=timeout),
    )


def test_warm_run_parses_nothing_and_edit_reparses_one(tmp_path):
    tree = make_tree(tmp_path / "tree", files=20)
    cache = tmp_path / "cache"
    cold = run_check(_request(tree, cache, jobs=2), load_rules())
    warm = run_check(_request(tree, cache, jobs=2), load_rules())
    assert (cold.parsed, warm.parsed, warm.cached) == (20, 0, 20)
    assert cold.findings == warm.findings
    edited = tree / "arch/arm/kernel/f00.c"
    edited.write_text(edited.read_text() + "\n")
    again = run_check(_request(tree, cache), load_rules())
    assert (again.parsed, again.cached) == (1, 19)


def test_read_only_cache_degrades_to_none_with_a_warning(tmp_path):
    if os.geteuid() == 0:
        cache = Path("/proc/kgclint-cannot-be-here")
    else:
        cache = tmp_path / "ro"
        cache.mkdir()
        cache.chmod(0o500)
    tree = make_tree(tmp_path / "tree", files=3)
    result = run_check(_request(tree, cache), load_rules())
    assert len(result.findings) == 3
    assert any("running without a cache" in w for w in result.warnings)


def test_bad_inputs_are_diagnosed_and_the_run_goes_on(tmp_path):
    tree = make_tree(tmp_path / "tree", files=2)
    bad = tree / "drivers/bad"
    bad.mkdir(parents=True)
    (bad / "junk.c").write_bytes(os.urandom(4096))
    (bad / "latin1.c").write_bytes(b"/* caf\xe9 */ static int x __attribute__((used, section(\".t\")));\n")
    (bad / "empty.c").write_bytes(b"")
    (bad / "big.c").write_bytes(b"int a;" * (10 * 2**20 // 6))
    (bad / "junk.S").write_bytes(b"\x00\xff.section\x00\n" * 100)
    (bad / "loop").symlink_to(bad)
    (bad / "self.c").symlink_to(bad / "self.c")
    done = kgclint("check", str(tree), "--no-cache", "--format", "text")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "drivers/bad/big.c:0:0: KGC004 skipped: 10.0 MiB is over the 8 MiB limit" in done.stdout
    assert "drivers/bad/self.c:0:0: KGC001 cannot follow symlink" in done.stdout
    assert done.stdout.count("KGC103") == 2


class Crashes(Rule):
    """Raises, to prove a rule's crash is contained.

    What it finds:
    Nothing.

    Why it breaks a kernel:
    It does not.

    Example:
    None.

    Fix:
    None.
    """

    code = "KGC190"
    name = "crashes"
    needs = frozenset()

    def check(self, project):
        raise KeyError("boom")


def test_a_crashing_rule_becomes_kgc003_and_others_still_report(tmp_path):
    tree = make_tree(tmp_path / "tree", files=2)
    rules = load_rules()
    crashing = RuleInfo(Crashes, Crashes.doc(), "testpack 1.0", "kgclint.rules:KGC19 = t:RULES")
    result = run_check(_request(tree, None), RuleSet(rules.rules + (crashing,), ()))
    codes = [f.code for f in result.findings]
    assert codes.count("KGC103") == 2 and codes.count("KGC003") == 1
    crash = next(f for f in result.findings if f.code == "KGC003")
    assert "KGC190 (crashes) from testpack 1.0: KeyError" in crash.message


def test_front_end_crash_and_timeout_are_per_file(tmp_path, monkeypatch):
    tree = make_tree(tmp_path / "tree", files=2)
    real = worker.load_frontend

    def flaky(kind):
        parse = real(kind)

        def wrapped(source):
            if source.path.endswith("f00.c"):
                raise ValueError("front-end bug")
            if source.path.endswith("f01.c"):
                time.sleep(5)
            return parse(source)

        return wrapped

    monkeypatch.setattr(worker, "load_frontend", flaky)
    result = run_check(_request(tree, None, timeout=0.5), load_rules())
    by_code = sorted((f.code, f.location.path) for f in result.findings)
    assert ("KGC003", "arch/arm/kernel/f00.c") in by_code
    assert ("KGC004", "arch/x86/kernel/f01.c") in by_code
    assert "front-end bug" in next(f.message for f in result.findings if f.code == "KGC003")


def test_usage_errors_exit_2_without_traceback(tmp_path):
    for args in (["check", str(tmp_path / "missing")], ["check", str(tmp_path), "--select", "E501"], ["explain", "KGC999"]):
        done = kgclint(*args)
        assert done.returncode == 2 and "kgclint: error:" in done.stderr and "Traceback" not in done.stderr


def test_config_error_exits_2(tmp_path):
    (tmp_path / ".kgclint.toml").write_text("[tool.kgclint]\nbogus = 1\n")
    done = kgclint("check", str(tmp_path))
    assert done.returncode == 2 and "unknown key(s) in [tool.kgclint]: bogus" in done.stderr


def test_request_from_cli_options(tmp_path):
    (tmp_path / ".kgclint.toml").write_text('[tool.kgclint]\nselect = ["KGC2"]\nignore = ["KGC201"]\narch = "arm"\n')
    args = build_parser().parse_args(["check", str(tmp_path), "--extend-select", "KGC103", "--linker", "lld", "-j", "3"])
    request = build_request(args, [tmp_path])
    assert request.root == tmp_path.resolve()
    assert request.selection.enabled("KGC202") and not request.selection.enabled("KGC201")
    assert request.selection.enabled("KGC103") and not request.selection.enabled("KGC101")
    assert (request.options.arch, request.options.linker, request.settings.jobs) == ("arm", "lld", 3)


def test_directory_symlink_out_of_the_tree_is_not_followed(tmp_path):
    tree = make_tree(tmp_path / "tree", files=1)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.c").write_text(HACK.format(n=99))
    (tree / "drivers").mkdir()
    (tree / "drivers" / "out").symlink_to(outside)
    result = run_check(_request(tree, None), load_rules())
    assert [f.code for f in result.findings].count("KGC103") == 1
    assert any(f.code == "KGC001" and "outside the tree" in f.message for f in result.findings)


def test_directory_symlinks_inside_the_walk_are_read_under_the_real_path(tmp_path):
    """dtc's ``include-prefixes/arm -> ../../../arch/arm/boot/dts``: the files are read once, under their own
    path, even when the link sorts before its target ("aaa" before "zzz"), and nothing is diagnosed."""
    from kgclint.discovery import discover
    from kgclint.inputs import InputKind

    tree = make_tree(tmp_path / "tree", files=1)
    (tree / "zzz" / "real").mkdir(parents=True)
    (tree / "zzz" / "real" / "x.c").write_text("int a;\n")
    (tree / "aaa").symlink_to("zzz/real", target_is_directory=True)
    (tree / "scripts" / "prefixes").mkdir(parents=True)
    (tree / "scripts" / "prefixes" / "real").symlink_to("../../zzz/real", target_is_directory=True)
    found, problems = discover(tree, [tree], frozenset({InputKind.C}))
    paths = [d.relpath for d in found]
    assert "zzz/real/x.c" in paths
    assert not [p for p in paths if p.startswith(("aaa/", "scripts/"))]
    assert problems == []
    # named on its own, the folder holding the link is a walk its target is not in: the link is followed
    found, problems = discover(tree, [tree / "scripts"], frozenset({InputKind.C}))
    assert [d.relpath for d in found] == ["scripts/prefixes/real/x.c"] and problems == []


def test_a_tree_named_through_a_symlink_reads_as_the_tree(tmp_path):
    """The root is resolved, the named path was not: every path stayed absolute and lost its arch."""
    tree = make_tree(tmp_path / "tree", files=4)
    link = tmp_path / "link"
    link.symlink_to(tree, target_is_directory=True)
    base = ["--format", "json", "--select", "KGC1", "--no-cache", "-j1"]
    direct = kgclint("check", str(tree), *base)
    through = kgclint("check", str(link), *base)
    assert direct.returncode == through.returncode == 1, (direct.stderr, through.stderr)
    assert through.stdout == direct.stdout
    assert '"path": "arch/arm/kernel/f00.c"' in through.stdout
