"""Wall time of the pre-commit hook on a commit touching 5 files of the full Linux tree, warm cache.

Runs exactly what the hook runs (``kgclint check`` with the five names,
from the tree root, as pre-commit does), once to warm the cache and then
``--repeat`` times, and prints the times; then times each enabled rule in
process, so a slow run says which rule (and so which analysis) costs.

    python bench/bench_precommit.py [--tree /var/tmp/kgclint-tests/linux-source-6.12]

Target (issue 6): under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_TREE = Path(os.environ.get("KGCLINT_LINUX_TREE", "/var/tmp/kgclint-tests/linux-source-6.12"))
#: A commit as a developer makes one: a driver, core code, arch code, a header and the arch's linker script.
FILES = (
    "drivers/base/core.c",
    "kernel/module/main.c",
    "arch/arm/kernel/setup.c",
    "include/linux/init.h",
    "arch/arm/kernel/vmlinux.lds.S",
)
TARGET = 1.0


def hook_environment() -> dict[str, str]:
    """The environment of the hook's process, with Python's bytecode cache on.

    pre-commit installs the hook with pip, which compiles every module to
    bytecode; a shell that sets PYTHONDONTWRITEBYTECODE (CI images, this
    project's sandboxes) would instead have each run compile all of
    kgclint from source again, some 0.15 s that no hook user pays.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_hook(tree: Path, cache: Path, extra: list[str]) -> float:
    argv = [sys.executable, "-m", "kgclint", "check", "--no-progress", "--cache-dir", str(cache), *extra, *FILES]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=tree, capture_output=True, check=False, env=hook_environment())
    if done.returncode not in (0, 1):           # 1: findings, as the hook exits on a bad commit
        sys.exit(f"the hook failed (exit {done.returncode}):\n{done.stderr.decode(errors='replace')}")
    return time.perf_counter() - start


def per_rule(tree: Path, cache: Path, extra: list[str]) -> list[tuple[float, str]]:
    """Seconds each rule's check takes (its analyses included, the first rule that asks pays)."""
    from kgclint import checker
    from kgclint.cli import build_parser
    from kgclint.options import build_request
    from kgclint.plugins import load_rules

    timings: list[tuple[float, str]] = []
    real = checker._run_rule

    def timed(info, project):
        start = time.perf_counter()
        try:
            return real(info, project)
        finally:
            timings.append((time.perf_counter() - start, info.code))

    checker._run_rule = timed
    os.chdir(tree)
    args = build_parser().parse_args(["check", "--no-progress", "--cache-dir", str(cache), *extra, *FILES])
    start = time.perf_counter()
    checker.run_check(build_request(args, [Path(f) for f in FILES]), load_rules())
    timings.append((time.perf_counter() - start, "whole run (in process)"))
    return sorted(timings, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, help="default: a fresh temporary cache, warmed by the first run")
    parser.add_argument("extra", nargs="*", help="more kgclint options, e.g. --ignore KGC4")
    args = parser.parse_args()
    missing = [f for f in FILES if not (args.tree / f).is_file()]
    if missing:
        parser.error(f"{args.tree} lacks {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="kgclint-bench-") as scratch:
        cache = args.cache_dir or Path(scratch) / "cache"
        cold = run_hook(args.tree, cache, args.extra)
        warm = [run_hook(args.tree, cache, args.extra) for _ in range(args.repeat)]
        print(f"tree: {args.tree}")
        print(f"files: {' '.join(FILES)}")
        print(f"first run (cache cold for these files): {cold:.2f} s")
        print(f"warm runs: {', '.join(f'{t:.2f}' for t in warm)} s; median {statistics.median(warm):.2f} s "
              f"(target < {TARGET:.0f} s: {'met' if statistics.median(warm) < TARGET else 'NOT met'})")
        print("per rule, warm, in process (seconds, rule):")
        for seconds, code in per_rule(args.tree, cache, args.extra):
            print(f"  {seconds:7.3f}  {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
