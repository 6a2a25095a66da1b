"""KGC103's claims about each target, proved by compiling with the real GCC of that target.

For every spelling of the hack and every target with a compiler here, the
rule says "error" exactly when the assembler rejects the file, and
"warning" exactly when the section comes out as SHT_NOTE.
"""

from __future__ import annotations

import pytest
from elftools.elf.elffile import ELFFile

from kgclint.findings import Severity
from kgclint_rules.sources.asm_comment_hack import judge
from toolchain import try_compile

SPELLINGS = {
    "x86": '.hack,\\"a\\",@note #',
    "arm": '.hack,\\"a\\",%note @',
}


@pytest.mark.parametrize("target", ["x86_64", "arm"])
@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_verdict_matches_the_assembler(tmp_path, target, spelling):
    source = tmp_path / "hack.c"
    source.write_text(
        f'static const char entry[] __attribute__((used, section("{SPELLINGS[spelling]}"))) = "x";\n'
        "int anchor(void) { return 0; }\n"
    )
    obj = tmp_path / "hack.o"
    done = try_compile(source, obj, arch=target)
    arch = "x86" if target == "x86_64" else target
    severity, message = judge(SPELLINGS[spelling].replace('\\"', '"'), arch)
    if done.returncode != 0:
        assert "junk at end of line" in done.stderr
        assert severity is Severity.ERROR, message
        assert "cannot assemble" in message
    else:
        with obj.open("rb") as handle:
            section = ELFFile(handle).get_section_by_name(".hack")
            assert section is not None and section["sh_type"] == "SHT_NOTE"
        assert severity is Severity.WARNING, message
        assert "asm-comment section hack" in message


def test_plain_names_are_not_the_hack():
    assert judge(".init.data", "arm") is None
    assert judge(".text..ftrace", None) is None


def test_unknown_target_names_each_arch_spelling():
    severity, message = judge('.x,"a",@note #', None)
    assert severity is Severity.WARNING
    assert "arm: comment '@'" in message and "x86: comment '#'" in message
