"""Inclusive subtotals (tokens and cost of a span's whole subtree) and self time (the part of a
span's duration that none of its children covers), from a trace index's columns (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..tracedata import TraceIndex


@dataclass
class Subtotals:
    """Per span row: the tokens and cost of its subtree, itself included.

    Only the spans `TraceIndex.counted` keeps are summed, the rule the trace list and status line
    use, so an agent span that repeats its model calls' totals does not double its subtree."""

    input: np.ndarray  # int64 (n,)
    output: np.ndarray  # int64 (n,)
    cost: np.ndarray  # float64 (n,)

    @property
    def tokens(self) -> np.ndarray:
        return self.input + self.output


def subtotals(index: TraceIndex, span_cost: np.ndarray) -> Subtotals:
    """Every span's subtree sums at once: a subtree is a run of the depth-first order, so each sum is
    the difference of two prefix sums. Tens of milliseconds at 1M spans."""
    order, counted = index.order, index.counted
    start = index.position
    stop = start + index.subtree
    tl = index.timeline

    def inclusive(values: np.ndarray, dtype) -> np.ndarray:
        prefix = np.zeros(index.n + 1, dtype)
        np.cumsum(np.where(counted[order], values[order], 0).astype(dtype), out=prefix[1:])
        return prefix[stop] - prefix[start]

    return Subtotals(inclusive(tl.input_tokens, np.int64), inclusive(tl.output_tokens, np.int64),
                     inclusive(span_cost, np.float64))  # fmt: skip


def subtree_totals(index: TraceIndex, span_cost: np.ndarray, row: int) -> tuple[int, int, float]:
    """One span's subtree sums (input tokens, output tokens, cost), as `subtotals` gives them: from
    its subtree's run of the depth-first order, so a question costs the subtree's size, not the file's."""
    pos, size = int(index.position[row]), int(index.subtree[row])
    rows = index.order[pos : pos + size]
    rows = rows[index.counted[rows]]
    tl = index.timeline
    return int(tl.input_tokens[rows].sum(dtype=np.int64)), int(tl.output_tokens[rows].sum(dtype=np.int64)), float(span_cost[rows].sum())


def self_times(start: np.ndarray, end: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Each span's duration minus the union of its children's intervals, clipped to the span (int64 ns).

    ``parent[i]`` is the index of span ``i``'s parent in these arrays, or -1. Children that overlap
    count once; a child that runs past its parent's end counts only up to that end."""
    start = np.asarray(start).astype(np.int64)
    end = np.maximum(np.asarray(end).astype(np.int64), start)
    parent = np.asarray(parent, np.int64)
    own = end - start
    kids = np.flatnonzero(parent >= 0)
    if len(kids) == 0:
        return own
    p = parent[kids]
    # Children's intervals relative to their parent's start, clipped to the parent.
    s = np.clip(start[kids] - start[p], 0, own[p])
    e = np.clip(end[kids] - start[p], 0, own[p])
    by = np.lexsort((s, p))
    p, s, e = p[by], s[by], e[by]
    # A running maximum of ends within each parent: shift each parent's values above all earlier
    # parents' so that one global maximum.accumulate never carries across parents.
    first = np.r_[True, p[1:] != p[:-1]]
    span = own[p] + 1
    base = np.cumsum(np.where(first, span, 0)) - span  # the sum of earlier parents' spans
    reach = np.maximum.accumulate(base + e)
    before = np.r_[np.int64(0), reach[:-1]] - base  # the furthest end among earlier siblings
    before = np.where(first, 0, before)
    covered = np.clip(e - np.maximum(s, before), 0, None)
    union = np.bincount(p, weights=covered, minlength=len(own)).astype(np.int64)
    return own - union


def self_time(index: TraceIndex, row: int) -> int:
    """Self time of one span (ns): its children are found within its subtree's run of the order."""
    pos, size = int(index.position[row]), int(index.subtree[row])
    below = index.order[pos + 1 : pos + size]
    kids = below[index.parent[below] == row]
    rows = np.r_[np.int64(row), kids]
    tl = index.timeline
    local_parent = np.r_[np.int64(-1), np.zeros(len(kids), np.int64)]
    return int(self_times(tl.start[rows], tl.end[rows], local_parent)[0])
