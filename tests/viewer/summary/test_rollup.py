"""Inclusive subtotals and self time on hand-built traces."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tracefile.format.columns import Timeline
from viewer.summary.rollup import self_time, self_times, subtotals, subtree_totals
from viewer.tracedata import build_index


def _timeline(parents: list[int], spans: list[tuple[int, int]], tokens: list[tuple[int, int]]) -> Timeline:
    """One trace: span i has parent ``parents[i]`` (-1: none), times ``spans[i]`` and tokens ``tokens[i]``."""
    n = len(parents)

    def z(dtype):
        return np.zeros(n, dtype)

    return Timeline(
        trace_id=np.tile(np.array([[1, 7]], np.uint64), (n, 1)), span_id=np.arange(1, n + 1, dtype=np.uint64),
        parent_span_id=np.array([p + 1 if p >= 0 else 0 for p in parents], np.uint64),
        start=np.array([s for s, _ in spans], np.uint64), end=np.array([e for _, e in spans], np.uint64),
        name=z(np.uint32), kind=z(np.uint8), status=z(np.uint8), batch=z(np.uint32), names=["x"], category=z(np.uint8),
        model=z(np.uint32), input_tokens=np.array([t for t, _ in tokens], np.uint32),
        output_tokens=np.array([t for _, t in tokens], np.uint32), cache_read_tokens=z(np.uint32),
        reasoning_tokens=z(np.uint32),
    )  # fmt: skip


# root(0) -> agent(1) -> chat(2), chat(3); root -> chat(4). The agent repeats its calls' totals.
PARENTS = [-1, 0, 1, 1, 0]
SPANS = [(0, 100), (5, 60), (10, 30), (25, 70), (65, 90)]
TOKENS = [(0, 0), (30, 7), (10, 2), (20, 5), (1, 1)]


def test_subtotals_sum_each_subtree_once():
    ix = build_index(_timeline(PARENTS, SPANS, TOKENS))
    cost = np.array([0.0, 9.0, 1.0, 2.0, 0.5])  # the agent's own 9.0 repeats its calls: not counted
    sub = subtotals(ix, cost)
    assert sub.input.tolist() == [31, 30, 10, 20, 1]
    assert sub.output.tolist() == [8, 7, 2, 5, 1]
    assert sub.cost.tolist() == [3.5, 3.0, 1.0, 2.0, 0.5]
    assert sub.tokens[0] == ix.traces.input_tokens[0] + ix.traces.output_tokens[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=40), st.integers(0, 10_000))
def test_one_spans_subtree_totals_agree_with_every_spans(parent_picks, seed):
    """Asked for one span, the sums are those computed for every span at once."""
    n = len(parent_picks)
    parents = [-1] + [parent_picks[i] % i for i in range(1, n)]
    rng = np.random.default_rng(seed)
    tokens = [(int(a), int(b)) for a, b in rng.integers(0, 500, (n, 2))]
    ix = build_index(_timeline(parents, [(i, 1000 - i) for i in range(n)], tokens))
    cost = rng.random(n)
    sub = subtotals(ix, cost)
    for row in range(n):
        inp, out, money = subtree_totals(ix, cost, row)
        assert (inp, out) == (sub.input[row], sub.output[row]) and np.isclose(money, sub.cost[row])


def test_an_agent_without_reporting_children_counts_itself():
    ix = build_index(_timeline([-1, 0, 1], [(0, 10), (1, 9), (2, 3)], [(0, 0), (40, 4), (0, 0)]))
    assert subtotals(ix, np.zeros(3)).input.tolist() == [40, 40, 0]


def test_self_time_is_the_duration_not_covered_by_children():
    # root 0-100: children cover 5-60 and 65-90 (agent's own child 25-70 overruns it) → 100 - 80.
    # agent 5-60: chats 10-30 and 25-70, clipped to 60 → union 10-60 → 5.
    assert self_times([s for s, _ in SPANS], [e for _, e in SPANS], PARENTS).tolist() == [20, 5, 20, 45, 25]
    ix = build_index(_timeline(PARENTS, SPANS, TOKENS))
    assert [self_time(ix, r) for r in range(5)] == [20, 5, 20, 45, 25]


def test_children_outside_their_parent_cover_nothing():
    assert self_times([10, 0, 30, 15], [20, 5, 40, 15], [-1, 0, 0, 0]).tolist() == [10, 5, 10, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=12), st.integers(0, 10**6))
def test_self_times_agree_with_counting_each_nanosecond(kids, offset):
    start = [offset + 10] + [offset + a for a, _ in kids]
    end = [offset + 45] + [offset + a + b for a, b in kids]
    covered = set()
    for a, b in kids:
        covered |= set(range(max(a, 10), min(a + b, 45)))
    got = self_times(start, end, [-1] + [0] * len(kids))
    assert got[0] == 35 - len(covered)
    assert got[1:].tolist() == [b for _, b in kids]


def test_no_spans():
    assert self_times([], [], []).tolist() == []
