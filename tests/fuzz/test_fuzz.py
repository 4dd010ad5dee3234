"""Mutants of real recordings through `tracy info`, `tracy validate`, `load()`, `iter_spans` and the
viewer: no traceback, no hang, and every span of an intact frame read back.

The long campaign is `scripts/fuzz.py`; its figures are in docs/RELIABILITY.md. Problems that a
known finding explains (`fuzz.FINDINGS`, each with a strict xfail in test_hostile.py) are counted,
not failed, until its fix merges.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import fuzz

MUTANTS = 300


def _unknown(problems: dict[str, list[str]]) -> dict[str, list[str]]:
    return {tool: [p for p in ps if fuzz.known(tool, p) is None] for tool, ps in problems.items() if any(fuzz.known(tool, p) is None for p in ps)}


@settings(max_examples=MUTANTS, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_mutants_read_without_traceback_hang_or_loss(data, originals, prober, tmp_path_factory):
    name, rec, base = data.draw(st.sampled_from(originals), label="original")
    mutant = data.draw(fuzz.mutants(rec), label="mutant")
    path = tmp_path_factory.getbasetemp() / "mutant.tracy"
    path.write_bytes(mutant.data)
    problems = fuzz.check(rec, base, mutant.data, prober.run(path))
    assert not _unknown(problems), f"{name}, {mutant.operator} {mutant.detail}: {fuzz.summary_line(problems)}"


def test_the_oracle_sees_lost_spans(originals, prober, tmp_path):
    """The check fails when a reader drops an intact batch: here, a file cut before its last batch
    is compared as if that batch were still there."""
    _, rec, base = originals[2]
    s, _, _ = rec.batches[-1]
    path = tmp_path / "cut.tracy"
    path.write_bytes(rec.data[: s.offset])
    problems = fuzz.check(rec, base, rec.data, prober.run(path, ["load"]))
    assert problems["load"] == [f"lost: {rec.batches[-1][2]} of {rec.batches[-1][2]} spans of intact batch {len(rec.batches) - 1}"]


def test_mutants_in_the_window(originals, tmp_path):
    """A sample of mutants drawn by `tracy-view --screenshot`: exit 0 or 1, no traceback, within the deadline."""
    rng = random.Random(14)
    for k in range(3):
        name, rec, _ = originals[k % len(originals)]
        f = rec.frames[rng.randrange(len(rec.frames))]
        data = fuzz.flip_bits(rec.data, [(f.offset + 24 + rng.randrange(max(1, f.stored_len)), 0x40)])
        path = tmp_path / f"mutant{k}.tracy"
        path.write_bytes(data)
        shot = fuzz.screenshot(path, tmp_path / f"mutant{k}.png")
        problem = fuzz.window_problem(shot)
        assert problem is None or fuzz.known("viewer", problem), f"{name} with a flipped byte in frame {f}: {shot}"
