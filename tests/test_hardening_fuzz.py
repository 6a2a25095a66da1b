"""Bounded fuzz runs of every reader of untrusted input (seconds each); ``bench/fuzz.py`` is the long run.

Each harness (``tests/fuzz_targets.py``) mutates real seeds -- the corpus,
small files written like kernel sources, objects compiled here with gcc --
and checks the front-end contract: no exception, facts that name the file
and carry diagnostics, pickling, a time bound. Hypothesis drives the
mutations through a ``Random`` it controls, so a failure shrinks to a small
reproducer and is printed with its seed. In CI the runs are derandomized
(the same inputs every time); locally every run explores new ones.
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_targets import harnesses

HARNESSES = harnesses()
EXPECTED = {"c", "c-macros", "c-project", "lds-cpp", "discovery", "patch", "lds-file", "asm-file", "asm-scan", "lds", "elf-object", "elf-archive", "config", "suppressions",
            "kbuild", "kconfig"}


def test_every_front_end_has_a_harness():
    assert EXPECTED <= set(HARNESSES)


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_fuzz(name):
    harness = HARNESSES[name]
    seeds = harness.seeds()
    assert seeds, f"harness {name} has no seeds"
    for seed in seeds:  # the seeds themselves must pass
        harness.run(seed)

    @settings(max_examples=harness.examples, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=list(HealthCheck))
    @given(st.randoms(use_true_random=False))
    def fuzz(rng: random.Random):
        from fuzz_targets import generate

        harness.run(generate(harness, seeds, rng))

    fuzz()
