"""A trace's critical path: the chain of span sections that determines when the trace ends (no Qt).

The definition Jaeger and Perfetto use. Start at the root's end. Within a span, walking backwards
from a point in time, the next section is the child that finished last before that point: the
span itself is critical from that child's end to the point, the walk continues inside the child,
and comes back to the span at the child's start. When no child finished before the point, the span
is critical from its start, and the walk returns to its parent. Children are clipped to their
parent first, so a child that overruns its parent cannot move the path past the parent's end.

Children that end exactly when a later sibling starts (sequential steps) are on the path: Jaeger's
strict "ends before" would skip them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..tracedata import TraceIndex


@dataclass
class CriticalPath:
    """Sections of the path, latest first: span ``rows[i]`` is critical from ``start[i]`` to ``end[i]``."""

    rows: np.ndarray  # int64 file rows
    start: np.ndarray  # int64 unix ns
    end: np.ndarray  # int64 unix ns

    def __len__(self) -> int:
        return len(self.rows)

    def spans(self) -> np.ndarray:
        """The rows with a section on the path, sorted."""
        return np.unique(self.rows)

    def sections_of(self, rows: np.ndarray) -> np.ndarray:
        """Indices of the sections that belong to any of ``rows``."""
        return np.flatnonzero(np.isin(self.rows, rows))


class Cancelled(Exception):
    """The caller gave up on the path (another trace was selected)."""


def critical_sections(
    start: np.ndarray, end: np.ndarray, parent: np.ndarray, root: int, depth: np.ndarray | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The path through spans given as arrays (``parent[i]`` an index into them, -1 for none), from
    span ``root``: (span index, section start, section end) per section, latest first.
    ``depth`` (each span's distance from its root) is computed when not given. ``cancelled`` is
    asked now and then on a long walk; when it says so, `Cancelled` is raised."""
    n = len(start)
    s = np.asarray(start).astype(np.int64)
    e = np.maximum(np.asarray(end).astype(np.int64), s)
    parent = np.asarray(parent, np.int64)
    if depth is None:
        depth = np.zeros(n, np.int64)
        anc = parent.copy()
        while (anc >= 0).any():
            m = anc >= 0
            depth[m] += 1
            anc[m] = parent[anc[m]]
    # Clip each span to its parent's clipped interval, parents first (level by level).
    by_depth = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[by_depth], np.arange(int(depth.max(initial=0)) + 2))
    alive = np.ones(n, bool)
    for d in range(1, len(bounds) - 1):
        r = by_depth[bounds[d] : bounds[d + 1]]
        p = parent[r]
        s[r] = np.maximum(s[r], s[p])
        e[r] = np.minimum(e[r], e[p])
        alive[r] = alive[p] & (s[r] < e[r])  # outside its parent, or of no length: never critical
    # Children of each span sorted by clipped end (ties: the earlier start, the longer child, last).
    kids = np.flatnonzero((parent >= 0) & alive)
    by = np.lexsort((-s[kids], e[kids], parent[kids]))
    kids = kids[by]
    kid_parent = parent[kids]
    lo = np.searchsorted(kid_parent, np.arange(n), "left").tolist()
    hi = np.searchsorted(kid_parent, np.arange(n), "right").tolist()
    # The walk visits one span per step, and most spans of a trace of sequential steps are on the
    # path: plain lists and bisect keep a step at a fraction of a microsecond, where numpy scalars
    # and a searchsorted call per step cost several.
    kid_end = e[kids].tolist()
    kid_list = kids.tolist()
    starts, ends, parents = s.tolist(), e.tolist(), parent.tolist()

    out_span: list[int] = []
    out_start: list[int] = []
    out_end: list[int] = []
    add_span, add_start, add_end = out_span.append, out_start.append, out_end.append

    cur, bound = int(root), ends[root]
    steps = 0
    while True:
        steps += 1
        if cancelled is not None and not steps & 0xFFFF and cancelled():
            raise Cancelled
        a, b = lo[cur], hi[cur]
        # The child that finished last at or before `bound`; each return to a span lowers `bound`
        # to a child's start, which is before that child's end, so the walk always ends.
        k = bisect_right(kid_end, bound, a, b) - 1 if b > a else a - 1
        if k >= a:
            child = kid_list[k]
            if kid_end[k] < bound:
                add_span(cur), add_start(kid_end[k]), add_end(bound)
            cur, bound = child, ends[child]
            continue
        if starts[cur] < bound:
            add_span(cur), add_start(starts[cur]), add_end(bound)
        if cur == root:
            break
        cur, bound = parents[cur], starts[cur]
    return np.array(out_span, np.int64), np.array(out_start, np.int64), np.array(out_end, np.int64)


def critical_path(index: TraceIndex, trace: int, cancelled: Callable[[], bool] | None = None) -> CriticalPath:
    """The critical path of trace ``trace``, from its root span (the earliest without a parent)."""
    rows = index.trace_rows(trace)
    if len(rows) == 0:
        z = np.zeros(0, np.int64)
        return CriticalPath(z, z, z)
    local = np.full(index.n, -1, np.int64) if len(rows) > index.n // 8 else None
    if local is not None:
        local[rows] = np.arange(len(rows))
        lp = np.where(index.parent[rows] >= 0, local[np.maximum(index.parent[rows], 0)], -1)
    else:  # a small trace of a big file: map parents by search rather than a file-sized array
        by = np.argsort(rows)
        p = index.parent[rows]
        i = np.clip(np.searchsorted(rows[by], p), 0, len(rows) - 1)
        lp = np.where((p >= 0) & (rows[by][i] == p), by[i], -1)
    tl = index.timeline
    root = int(np.flatnonzero(rows == index.traces.root[trace])[0])
    depth = index.depth[rows].astype(np.int64)
    span, a, b = critical_sections(tl.start[rows], tl.end[rows], lp, root, depth - depth.min(), cancelled)
    return CriticalPath(rows[span], a, b)
