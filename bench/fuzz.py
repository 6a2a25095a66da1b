"""The long fuzz run: every harness of tests/fuzz_targets.py for a fixed time, one at a time.

    /work/venv/bin/python bench/fuzz.py                      # 300 s per harness, all harnesses
    /work/venv/bin/python bench/fuzz.py --seconds 60 c lds   # some harnesses, 60 s each
    /work/venv/bin/python bench/fuzz.py --linux /var/tmp/kgclint-tests/linux-source-6.12

Inputs are mutations of each harness's seeds (the corpus, small files
written like kernel sources, objects compiled with gcc), plus small real
files of a Linux tree when one is given. An input whose diagnostics say
something no earlier input made the reader say (messages with numbers
blanked) joins the seed pool, a cheap stand-in for coverage feedback that
steers mutation toward the readers' error paths. Every failure -- an
exception, a broken front-end contract, or an input slower than the
harness bound -- is saved with its traceback under ``--out``, deduplicated
by exception type and the innermost kgclint frame. The table printed at the
end (also ``summary.json`` in ``--out``) gives inputs executed, inputs per
second, seeds grown and unique crashes per harness. Exit status 1 when any
harness crashed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_targets import MAX_INPUT, generate, harnesses, kernel_files  # noqa: E402

#: Small real kernel files per harness (tree-relative), added as seeds when --linux is given.
KERNEL_SEEDS = {
    "c": ["include/linux/init.h", "include/linux/export.h", "include/linux/compiler_attributes.h",
          "kernel/extable.c", "init/version.c", "lib/bug.c"],
    "c-macros": ["include/linux/init.h", "include/linux/export.h", "include/linux/linkage.h",
                 "include/linux/compiler_types.h"],
    "asm-file": ["arch/x86/kernel/head_64.S", "arch/arm/kernel/entry-armv.S", "arch/x86/lib/memcpy_64.S",
                 "arch/arm/kernel/head.S"],
    "asm-scan": ["arch/x86/entry/entry_64.S", "arch/arm/mm/proc-v7.S"],
    "lds": ["arch/x86/kernel/vmlinux.lds.S", "arch/arm/kernel/vmlinux.lds.S", "include/asm-generic/vmlinux.lds.h"],
    "lds-file": ["arch/x86/kernel/vmlinux.lds.S", "arch/arm/kernel/vmlinux-xip.lds.S"],
    "lds-cpp": ["arch/x86/kernel/vmlinux.lds.S"],
    "kbuild": ["Makefile", "kernel/Makefile", "drivers/Makefile", "arch/x86/Makefile", "scripts/Makefile.build"],
    "kconfig": ["arch/x86/configs/x86_64_defconfig", "arch/arm/configs/multi_v7_defconfig"],
    "suppressions": ["kernel/extable.c"],
}
_VARYING = re.compile(r"\d+|'[^']*'|\"[^\"]*\"")


def signature(result: object) -> frozenset[str]:
    """What a reader said about an input, numbers and quoted names blanked: a new message means a new path."""
    diagnostics = getattr(result, "diagnostics", None) or ()
    return frozenset(_VARYING.sub("#", getattr(d, "message", str(d)))[:200] for d in diagnostics)


def crash_key(exc: BaseException) -> str:
    """Exception type and the innermost frame inside kgclint (or the harness), for deduplication."""
    frames = traceback.extract_tb(exc.__traceback__)
    inner = next((f for f in reversed(frames) if "/kgclint/" in f.filename), frames[-1] if frames else None)
    where = f"{Path(inner.filename).name}:{inner.lineno}" if inner else "?"
    return f"{type(exc).__name__}@{where}"


def fuzz(name: str, seconds: float, out: Path, linux: Path | None, seed: int) -> dict:
    harness = harnesses()[name]
    seeds = list(harness.seeds())
    if linux is not None:
        import os

        os.environ["KGCLINT_LINUX_TREE"] = str(linux)
        seeds += [data[:MAX_INPUT] for data in kernel_files(KERNEL_SEEDS.get(name, []))]
    rng = random.Random(seed)
    seen: set[str] = set()
    crashes: dict[str, dict] = {}
    executed = grown = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        data = generate(harness, seeds, rng)
        executed += 1
        try:
            result = harness.run(data)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # the point: every failure is recorded, none stops the run
            key = crash_key(exc)
            entry = crashes.setdefault(key, {"count": 0, "first": None, "size": None})
            entry["count"] += 1
            if entry["first"] is None or len(data) < entry["size"]:
                folder = out / name
                folder.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha1(data).hexdigest()[:12]
                (folder / f"{digest}.bin").write_bytes(data)
                (folder / f"{digest}.txt").write_text(key + "\n\n" + "".join(traceback.format_exception(exc)))
                entry["first"], entry["size"] = f"{name}/{digest}.bin", len(data)
            continue
        new = signature(result) - seen
        if new and len(seeds) < 4000:
            seen |= new
            seeds.append(data)
            grown += 1
    took = time.monotonic() - start
    return {"harness": name, "inputs": executed, "seconds": round(took, 1), "per_second": round(executed / took, 1),
            "seeds_grown": grown, "unique_crashes": len(crashes), "crashes": crashes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("harness", nargs="*", help="harness names (default: all)")
    parser.add_argument("--seconds", type=float, default=300.0, help="time per harness (default 300)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/kgclint-fuzz"), help="crash reproducers and summary")
    parser.add_argument("--linux", type=Path, help="a Linux tree whose small real files join the seeds")
    parser.add_argument("--seed", type=int, default=1, help="random seed (a run is reproducible with the same seed)")
    args = parser.parse_args(argv)
    available = harnesses()
    names = args.harness or sorted(available)
    unknown = sorted(set(names) - set(available))
    if unknown:
        parser.error(f"no harness {', '.join(unknown)} (have: {', '.join(sorted(available))})")
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'harness':14} {'inputs':>9} {'inputs/s':>9} {'grown':>6} {'crashes':>8}", flush=True)
    for name in names:
        row = fuzz(name, args.seconds, args.out, args.linux, args.seed)
        rows.append(row)
        print(f"{name:14} {row['inputs']:9} {row['per_second']:9} {row['seeds_grown']:6} {row['unique_crashes']:8}"
              + "".join(f"\n    {key} x{c['count']} -> {args.out / c['first']}" for key, c in row["crashes"].items()),
              flush=True)
    (args.out / "summary.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if any(row["unique_crashes"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
