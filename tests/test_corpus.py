"""Every corpus case: each marked finding is reported, and nothing else is.

Test ids are ``case:file:line`` for each expected finding and
``case:unexpected`` for the check that nothing unmarked is reported.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from corpus_harness import CORPUS, Key, actual, cases, expected, prepared

_params = []
for _case in cases():
    for (_file, _line, _code), _n in sorted(expected(CORPUS / _case).items()):
        _params.append(pytest.param(_case, (_file, _line, _code), id=f"{_case}:{_file}:{_line}:{_code}"))
    _params.append(pytest.param(_case, None, id=f"{_case}:unexpected"))


@pytest.fixture(scope="session")
def corpus_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@lru_cache(maxsize=None)
def _run(case: str, workdir: str) -> tuple[Counter[Key], Counter[Key]]:
    folder = prepared(case, Path(workdir))
    return expected(CORPUS / case), actual(folder)


def test_corpus_is_not_empty():
    assert cases(), "corpus/ has no case"


@pytest.mark.parametrize(("case", "key"), _params)
def test_case(case: str, key: Key | None, corpus_workdir: Path) -> None:
    want, got = _run(case, str(corpus_workdir))
    if key is not None:
        assert got[key] >= want[key], f"{case}: expected {key[2]} at {key[0]}:{key[1]}; got {sorted(got)}"
    else:
        extra = sorted((got - want).elements())
        assert not extra, f"{case}: findings without a marker: {extra}"


@pytest.mark.parametrize("order", [
    ("tools/bpf/prog.c", "tools/bpf/maps.h", "tools/lib/relo.h", "tools/lib/iter.c"),
    ("tools/lib/iter.c", "tools/lib/relo.h", "tools/bpf/maps.h", "tools/bpf/prog.c"),
])
def test_script_choice_is_per_file_not_per_folder(order: tuple[str, ...]) -> None:
    """corpus/script-choice: files in tools/ are linked by no kernel script (a .c file, and a header no built file
    includes), except those a built file includes, directly or through another, whichever is asked about first."""
    from kgclint.analysis.scripts import ScriptIndex
    from kgclint.engine import build_project
    from kgclint.inputs import InputKind
    from kgclint.project import Options

    case = CORPUS / "script-choice"
    index = build_project(case, [case], Options(), set(InputKind)).analysis(ScriptIndex)
    answers = {path: {info.path for info in index.scripts_for(path)} for path in order}
    images = {"arch/alpha/kernel/vmlinux.lds", "arch/x86/kernel/vmlinux.lds"}
    assert answers == {"tools/bpf/prog.c": set(), "tools/bpf/maps.h": set(),
                       "tools/lib/relo.h": images, "tools/lib/iter.c": images}
