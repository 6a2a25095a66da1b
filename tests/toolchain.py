"""The real compilers and linkers that tests use as the oracle.

Every claim kgclint makes about what GCC emits or what ``--gc-sections``
drops is checked against these tools, never against a hard-coded answer.
A test that needs a tool that is missing fails loudly in CI (where
``.ci/run`` installs it) and is skipped only on a developer machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

#: GCC target prefix per kgclint arch name; "" is the host (x86_64 here).
CROSS_PREFIX = {
    "x86": "",
    "x86_64": "",
    "arm": "arm-linux-gnueabi-",
    "arm64": "aarch64-linux-gnu-",
    "riscv": "riscv64-linux-gnu-",
    "powerpc": "powerpc64le-linux-gnu-",
    "mips": "mips-linux-gnu-",
    "arc": "arc-linux-gnu-",
}


def require(tool: str) -> str:
    """The path of ``tool``; fail under CI, skip elsewhere, when it is not installed."""
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} is not installed (.ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def tool_for(arch: str, tool: str) -> str:
    """``gcc``/``as``/``ld``/``ar``/``objcopy`` for ``arch``, required."""
    return require(CROSS_PREFIX[arch] + tool)


def run(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool with an argument list; raise with its stderr when it fails."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return done


def compile_c(source: Path, output: Path, arch: str = "x86_64", flags: tuple[str, ...] = ()) -> Path:
    """Compile one C or .S file to an object as Kbuild would for GC: function and data sections."""
    gcc = tool_for(arch, "gcc")
    run([gcc, "-c", "-O2", "-ffunction-sections", "-fdata-sections", *flags, str(source), "-o", str(output)])
    return output


def try_compile(source: Path, output: Path, arch: str = "x86_64", flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Compile without raising: for tests that prove an assembler *rejects* something."""
    gcc = tool_for(arch, "gcc")
    return subprocess.run(
        [gcc, "-c", "-O2", *flags, str(source), "-o", str(output)],
        capture_output=True, text=True, check=False,
    )


@dataclass(frozen=True)
class LinkResult:
    """What one ``--gc-sections --print-gc-sections`` link dropped: (object basename, section)."""

    dropped: frozenset[tuple[str, str]]
    stderr: str
    returncode: int


def link_gc(
    objects: list[Path],
    script: Path | None,
    output: Path,
    *,
    linker: str = "bfd",
    arch: str = "x86_64",
    entry: str | None = None,
    extra: tuple[str, ...] = (),
) -> LinkResult:
    """Link with GC and parse the linker's own list of removed sections.

    GNU ld prints ``ld: removing unused section '.x' in file 'a.o'``;
    ld.lld prints ``removing unused section a.o:(.x)``. Both are normalised
    to (basename of the object, section name).
    """
    if linker == "lld":
        ld = require("ld.lld")
    else:
        ld = tool_for(arch, "ld")
    argv = [ld, "--gc-sections", "--print-gc-sections", "-o", str(output)]
    if entry:
        argv += ["-e", entry]
    if script is not None:
        argv += ["-T", str(script)]
    argv += [*extra, *map(str, objects)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return LinkResult(parse_print_gc_sections(done.stderr + done.stdout), done.stderr, done.returncode)


def parse_print_gc_sections(text: str) -> frozenset[tuple[str, str]]:
    """(object basename, section) pairs from either linker's ``--print-gc-sections`` output."""
    dropped: set[tuple[str, str]] = set()
    for line in text.splitlines():
        line = line.strip()
        if "removing unused section '" in line and "' in file '" in line:
            section = line.split("removing unused section '", 1)[1].split("'", 1)[0]
            obj = line.rsplit("' in file '", 1)[1].rstrip("'")
            dropped.add((Path(obj).name, section))
        elif line.startswith("removing unused section ") and ":(" in line:
            rest = line[len("removing unused section "):]
            obj, _, section = rest.rpartition(":(")
            dropped.add((Path(obj).name, section.rstrip(")")))
    return frozenset(dropped)
