"""The indexes every view needs, computed from a file's timeline columns with numpy.

Nothing here imports Qt and nothing holds a Python object per span: a
million-span file is a few dozen arrays. From `tracefile.format.columns.Timeline`
it derives, for each span row, its trace, its parent row and its depth, a
depth-first order of each trace's spans (children by start time, as a
waterfall shows them), subtree sizes, and one summary row per trace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracefile.format import STATUS_ERROR, Timeline


@dataclass
class TraceTable:
    """One row per trace, in order of first start time."""

    root: np.ndarray  # int64 row of the trace's root span (earliest span without a parent in the trace)
    start: np.ndarray  # uint64 ns
    end: np.ndarray  # uint64 ns
    spans: np.ndarray  # int64 span count
    errors: np.ndarray  # int64 spans with error status
    input_tokens: np.ndarray  # int64
    output_tokens: np.ndarray  # int64
    offset: np.ndarray  # int64 (traces + 1): the trace's spans are order[offset[t]:offset[t+1]]
    cache_read_tokens: np.ndarray | None = None  # int64, part of input_tokens (zeros when not given)
    reasoning_tokens: np.ndarray | None = None  # int64, part of output_tokens (zeros when not given)

    def __post_init__(self) -> None:
        if self.cache_read_tokens is None:
            self.cache_read_tokens = np.zeros(len(self.root), np.int64)
        if self.reasoning_tokens is None:
            self.reasoning_tokens = np.zeros(len(self.root), np.int64)

    def __len__(self) -> int:
        return len(self.root)


@dataclass
class TraceIndex:
    """Per-span structure of a file: trace, parent, depth and depth-first order."""

    timeline: Timeline
    trace: np.ndarray  # int64 (n,) trace number of each row (index into traces)
    parent: np.ndarray  # int64 (n,) parent row, -1 for roots and for parents not in the file
    depth: np.ndarray  # int32 (n,)
    order: np.ndarray  # int64 (n,) rows, trace by trace, each trace depth-first
    position: np.ndarray  # int64 (n,) inverse of order: position[row] = index in order
    subtree: np.ndarray  # int64 (n,) number of spans in the row's subtree, itself included
    traces: TraceTable
    #: bool (n,): the span's tokens count toward its trace's totals. False for spans without tokens
    #: and for spans whose descendants report tokens too (they repeat those totals).
    counted: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.counted is None:
            self.counted = (self.timeline.input_tokens | self.timeline.output_tokens) != 0

    @property
    def n(self) -> int:
        return len(self.order)

    def trace_rows(self, t: int) -> np.ndarray:
        """The rows of trace ``t`` in depth-first order."""
        o = self.traces.offset
        return self.order[o[t] : o[t + 1]]

    def trace_with_id(self, trace_id: bytes) -> int | None:
        """The number of the trace with this 16-byte id, or None."""
        hits = np.nonzero((self.timeline.trace_id == np.frombuffer(trace_id, np.uint64)).all(axis=1))[0]
        return int(self.trace[hits[0]]) if len(hits) else None

    def visible_rows(self, t: int, collapsed: set[int] | frozenset[int] = frozenset()) -> np.ndarray:
        """Rows of trace ``t`` in depth-first order, without the descendants of ``collapsed`` rows."""
        rows = self.trace_rows(t)
        if not collapsed:
            return rows
        base = int(self.traces.offset[t])
        hide = np.zeros(len(rows) + 1, np.int32)
        for row in collapsed:
            if self.trace[row] != t:
                continue
            p = int(self.position[row]) - base
            s = int(self.subtree[row])
            if s > 1:
                hide[p + 1] += 1
                hide[p + s] -= 1
        return rows[np.cumsum(hide[:-1]) == 0]

    def parents_at_depth(self, t: int, depth: int) -> np.ndarray:
        """Rows of trace ``t`` at ``depth`` that have children: collapsing them shows the tree down to ``depth``
        (0 collapses every root, as "collapse all" does)."""
        rows = self.trace_rows(t)
        return rows[(self.depth[rows] == depth) & (self.subtree[rows] > 1)]

    def subtree_rows(self, row: int) -> np.ndarray:
        """``row`` and its descendants, in depth-first order."""
        p = int(self.position[row])
        return self.order[p : p + int(self.subtree[row])]

    def is_error(self, row: int) -> bool:
        return int(self.timeline.status[row]) == STATUS_ERROR

    def name(self, row: int) -> str:
        return self.timeline.names[int(self.timeline.name[row])]

    def model(self, row: int) -> str:
        m = int(self.timeline.model[row])
        return self.timeline.names[m - 1] if m else ""


def _trace_numbers(tl: Timeline) -> tuple[np.ndarray, int]:
    """Number the traces by first start time; returns (trace of each row, trace count)."""
    n = len(tl)
    if n == 0:
        return np.zeros(0, np.int64), 0
    # Sorting 64-bit keys is several times faster than sorting 16-byte ids. Mixing both halves
    # keeps distinct ids distinct in practice; a collision is checked for and handled exactly.
    halves = tl.trace_id
    key = halves[:, 0] ^ (halves[:, 1] * np.uint64(0x9E3779B97F4A7C15))
    # The order among equal keys does not matter below, so the sort need not be stable.
    by = np.argsort(key)
    k = key[by]
    new = np.r_[True, k[1:] != k[:-1]]
    # Equal keys and equal second halves mean equal first halves (the key is first ^ f(second)).
    second = halves[:, 1][by]
    same_key_other_id = ~new[1:] & (second[1:] != second[:-1])
    if same_key_other_id.any():
        ids = np.ascontiguousarray(halves).view(np.dtype((np.void, 16))).ravel()
        _, inverse = np.unique(ids, return_inverse=True)
        group = inverse.ravel().astype(np.int64)
        count = int(group.max()) + 1
        first = np.full(count, np.iinfo(np.uint64).max, np.uint64)
        np.minimum.at(first, group, tl.start)
    else:
        group = np.empty(n, np.int64)
        group[by] = np.cumsum(new) - 1
        count = int(group.max()) + 1
        # Rows are already sorted by trace in `by`: each trace's earliest start is one reduceat.
        first = np.minimum.reduceat(tl.start[by], np.nonzero(new)[0])
    rank = np.empty(count, np.int64)
    rank[np.lexsort((np.arange(count), first))] = np.arange(count)
    return rank[group], count


#: How far apart (in rows) a child and its parent are looked for first. Exporters write a
#: batch of spans as they end, so a parent is usually a few rows after its children.
_NEAR = 24


def _parents(tl: Timeline, trace: np.ndarray) -> np.ndarray:
    """Parent row of each row: the row holding the parent's span id, if it is in the same trace; else -1."""
    n = len(tl)
    parent = np.full(n, -1, np.int64)
    if n == 0:
        return parent
    sid, pid = tl.span_id, tl.parent_span_id
    open_rows = np.nonzero(pid != 0)[0]
    # First look nearby with a few vectorised comparisons; that settles most rows cheaply. The ids
    # and traces sought are gathered once, and again only after a pass found some parents; the trace
    # is compared only where the span id matched (with 10M spans each gather is a tenth of a second).
    want, want_trace = pid[open_rows], trace[open_rows]
    for k in [d for step in range(1, _NEAR + 1) for d in (step, -step)]:
        if len(open_rows) == 0:
            break
        # open_rows is sorted: those whose row + k is inside the file are one slice.
        lo = int(np.searchsorted(open_rows, -k)) if k < 0 else 0
        hi = int(np.searchsorted(open_rows, n - k)) if k > 0 else len(open_rows)
        other = open_rows[lo:hi] + k
        same = np.flatnonzero(sid[other] == want[lo:hi])
        same = same[trace[other[same]] == want_trace[lo:hi][same]]
        if len(same):
            parent[open_rows[lo + same]] = other[same]
            left = np.ones(len(open_rows), bool)
            left[lo + same] = False
            open_rows, want, want_trace = open_rows[left], want[left], want_trace[left]
    if len(open_rows):
        # The rest by sorted search over every span id.
        by = np.argsort(sid)
        sorted_ids = sid[by]
        q = np.argsort(pid[open_rows])
        has = open_rows[q]
        wanted = pid[has]
        pos = np.minimum(np.searchsorted(sorted_ids, wanted), n - 1)
        found = by[pos]
        # A 64-bit id seen twice (a span exported twice) still resolves; one from another trace does not.
        ok = (sorted_ids[pos] == wanted) & (trace[found] == trace[has]) & (found != has)
        parent[has[ok]] = found[ok]
    return parent


def _depths(parent: np.ndarray) -> np.ndarray:
    """Depth of every row by pointer jumping: about log2(depth) passes over the arrays.

    Rows on a parent cycle (only a broken file has one) get depth -1.
    """
    anc = parent.copy()
    dist = (parent >= 0).astype(np.int64)
    for _ in range(64):
        m = np.nonzero(anc >= 0)[0]
        if len(m) == 0:
            break
        a = anc[m]
        dist[m] += dist[a]
        anc[m] = anc[a]
    else:
        dist[anc >= 0] = -1
    return dist.astype(np.int32)


def build_index(tl: Timeline) -> TraceIndex:
    """Compute every index for ``tl``. About a second for a million spans on a slow machine."""
    n = len(tl)
    trace, count = _trace_numbers(tl)
    parent = _parents(tl, trace)
    depth = _depths(parent)
    if n and depth.min() < 0:
        # Spans on a parent cycle (a broken file) become roots, and their subtrees are re-measured.
        parent = np.where(depth < 0, -1, parent)
        depth = _depths(parent)

    # Subtree sizes, deepest level first.
    # Rows grouped by depth once (a counting sort), so each level below is a slice.
    max_depth = int(depth.max()) if n else 0
    by_depth = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[by_depth], np.arange(max_depth + 2))

    def level(d: int) -> np.ndarray:
        return by_depth[bounds[d] : bounds[d + 1]]

    subtree = np.ones(n, np.int64)
    for d in range(max_depth, 0, -1):
        rows = level(d)
        if len(rows) < n // 64:  # a thin level: add.at touches only its rows
            np.add.at(subtree, parent[rows], subtree[rows])
        else:  # a wide level: one pass of bincount is faster than add.at
            subtree += np.bincount(parent[rows], weights=subtree[rows], minlength=n).astype(np.int64)

    # Depth-first positions: a node sits right after its parent, after its earlier siblings' subtrees.
    # Siblings are ordered by start time, then row; roots of a trace likewise.
    position = np.zeros(n, np.int64)
    trace_sizes = np.bincount(trace, minlength=count).astype(np.int64) if n else np.zeros(0, np.int64)
    offset = np.zeros(count + 1, np.int64)
    np.cumsum(trace_sizes, out=offset[1:])
    if n:
        # Group key: the parent row for children, -(trace+1) for roots.
        group = np.where(parent >= 0, parent, -(trace + 1))
        sib = np.lexsort((np.arange(n), tl.start, group))
        g = group[sib]
        sizes = subtree[sib]
        before = np.cumsum(sizes) - sizes
        first_of_group = np.r_[True, g[1:] != g[:-1]]
        group_base = np.maximum.accumulate(np.where(first_of_group, before, 0))
        earlier = before - group_base  # total size of earlier siblings
        rel = np.empty(n, np.int64)
        rel[sib] = earlier
        is_root = parent < 0
        position[is_root] = offset[trace[is_root]] + rel[is_root]
        for d in range(1, max_depth + 1):
            rows = level(d)
            position[rows] = position[parent[rows]] + 1 + rel[rows]
    order = np.empty(n, np.int64)
    order[position] = np.arange(n)

    # Agent spans in the GenAI conventions may report the token totals of the model calls under
    # them: a span's tokens count only when no descendant reports tokens, so none count twice.
    counted = (tl.input_tokens | tl.output_tokens) != 0
    below = np.zeros(n, bool)  # some descendant reports tokens
    if counted.any():
        for d in range(max_depth, 0, -1):
            rows = level(d)
            up = rows[counted[rows] | below[rows]]
            below[parent[up]] = True
        counted &= ~below
    traces = _trace_table(tl, trace, count, order, offset, counted)
    return TraceIndex(tl, trace, parent, depth, order, position, subtree, traces, counted)


def _trace_table(
    tl: Timeline, trace: np.ndarray, count: int, order: np.ndarray, offset: np.ndarray, counted: np.ndarray
) -> TraceTable:
    if count == 0:
        z = np.zeros(0, np.int64)
        return TraceTable(z, z.astype(np.uint64), z.astype(np.uint64), z, z, z, z, np.zeros(1, np.int64))
    # `order` lists each trace's rows contiguously (offset), so per-trace extremes are reduceat calls.
    starts = offset[:-1]
    start = np.minimum.reduceat(tl.start[order], starts)
    end = np.maximum.reduceat(tl.end[order], starts)
    spans = np.diff(offset)
    errors = np.bincount(trace, weights=(tl.status == STATUS_ERROR), minlength=count).astype(np.int64)
    # Token totals over the counted spans only; cached and reasoning tokens are parts of input
    # and output, clamped so a part never exceeds its whole.
    rows = np.flatnonzero(counted)
    g, tin_rows, tout_rows = trace[rows], tl.input_tokens[rows], tl.output_tokens[rows]

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=values.astype(np.float64), minlength=count).astype(np.int64)

    tin, tout = total(tin_rows), total(tout_rows)
    tcached = total(np.minimum(tl.cache_read_tokens[rows], tin_rows))
    treasoning = total(np.minimum(tl.reasoning_tokens[rows], tout_rows))
    # The root shown for a trace: its earliest span without a parent, which the depth-first
    # order puts first (roots are ordered by start time).
    root = order[starts].astype(np.int64)
    return TraceTable(root, start, end, spans, errors, tin, tout, offset, tcached, treasoning)
