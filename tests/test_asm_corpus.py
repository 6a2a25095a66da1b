"""The asm-* corpus cases assemble as their markers say, with the real GCC of their arch.

A KGC105 marker on a ``.popsection`` line must match the assembler's own
"without corresponding .pushsection" warning in some configuration (each
``CONFIG_`` symbol the file tests, off and on), and the assembler must warn
nowhere else; every C case file must compile with its case's include path, by the GCC of its
``arch/<name>/`` folder (ARC's assembler rejects a '`' it does not take as a
statement separator).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolchain import try_compile

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TARGETS = {"x86": "x86_64", "arm": "arm", "arc": "arc"}
_WARNING = re.compile(r":(\d+): Warning: \.popsection without corresponding \.pushsection")


def _asm_files() -> list[Path]:
    return sorted(
        p for p in CORPUS.glob("asm-*/arch/*/**/*.S") if p.relative_to(CORPUS).parts[2] in TARGETS
    )


def _target(path: Path) -> str:
    """The GCC target of a case file: its ``arch/<name>/`` folder's, else the host's."""
    parts = path.relative_to(CORPUS).parts
    return TARGETS[parts[2]] if len(parts) > 3 and parts[1] == "arch" else "x86_64"


@pytest.mark.parametrize("path", _asm_files(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_pop_markers_are_the_assemblers_warnings(tmp_path, path):
    text = path.read_text()
    symbols = sorted(set(re.findall(r"#\s*ifn?def\s+(CONFIG_\w+)", text)))
    warned: set[int] = set()
    for config in ((), tuple(f"-D{s}" for s in symbols)):
        done = try_compile(path, tmp_path / "o.o", arch=_target(path), flags=config)
        assert done.returncode == 0, done.stderr
        warned |= {int(m.group(1)) for m in _WARNING.finditer(done.stderr)}
    marked = {
        number for number, line in enumerate(text.splitlines(), start=1)
        if ".popsection" in line and "expect: KGC105" in line
    }
    assert warned == marked


@pytest.mark.parametrize("path", sorted(CORPUS.glob("asm-*/**/*.c")), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_c_cases_compile(tmp_path, path):
    case = CORPUS / path.relative_to(CORPUS).parts[0]
    flags = ("-fno-pie", "-fno-asynchronous-unwind-tables", f"-I{case}/include")
    done = try_compile(path, tmp_path / "o.o", arch=_target(path), flags=flags)
    assert done.returncode == 0, done.stderr
