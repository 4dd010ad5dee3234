"""The distribution of trace durations in log-scale buckets with round edges (1, 2, 5 × 10ⁿ ns),
and the search that lists one bucket's traces (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..search.query import format_duration

_STEPS = (1, 2, 5)


@dataclass
class Histogram:
    """Bucket ``i`` holds the traces with ``edges[i] <= duration < edges[i + 1]``; the first bucket
    also holds shorter ones (zero-length traces)."""

    edges: np.ndarray  # int64 ns, len(counts) + 1
    counts: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.counts)

    def bucket_of(self, duration_ns: int) -> int:
        return int(np.clip(np.searchsorted(self.edges, duration_ns, "right") - 1, 0, len(self.counts) - 1))


def _round_edges(low: int, high: int) -> np.ndarray:
    """1-2-5 edges from the largest at or below ``low`` to the first above ``high``."""
    edges: list[int] = []
    decade = 1
    while decade * 10 <= low:
        decade *= 10
    while True:
        for step in _STEPS:
            edge = step * decade
            if edge > high:
                edges.append(edge)
                return np.array([x for x in edges if x <= low][-1:] + [x for x in edges if x > low], np.int64)
            edges.append(edge)
        decade *= 10


def duration_histogram(durations: np.ndarray) -> Histogram:
    """Counts of ``durations`` (ns) in 1-2-5 buckets spanning them."""
    d = np.asarray(durations).astype(np.int64)
    if len(d) == 0:
        return Histogram(np.zeros(1, np.int64), np.zeros(0, np.int64))
    # Zero-length traces join the first bucket rather than stretch the axis down to 1 ns.
    positive = d[d > 0]
    low = int(positive.min()) if len(positive) else 1
    edges = _round_edges(low, max(int(d.max()), low))
    bucket = np.clip(np.searchsorted(edges, d, "right") - 1, 0, len(edges) - 2)
    return Histogram(edges, np.bincount(bucket, minlength=len(edges) - 1).astype(np.int64))


def bucket_query(h: Histogram, i: int) -> str:
    """The search listing bucket ``i``'s traces: ``trace_duration>=100ms trace_duration<200ms``
    (the first bucket has no lower bound)."""
    lo, hi = int(h.edges[i]), int(h.edges[i + 1])
    upper = f"trace_duration<{format_duration(hi)}"
    return upper if i == 0 else f"trace_duration>={format_duration(lo)} {upper}"


def edge_text(ns: int) -> str:
    """A round edge as a person reads it: ``200 ms``, ``1 s``, ``50 µs``."""
    for unit, scale in (("s", 1_000_000_000), ("ms", 1_000_000), ("µs", 1_000)):
        if ns >= scale:
            return f"{ns / scale:g} {unit}"
    return f"{ns} ns"


def bucket_label(h: Histogram, i: int) -> str:
    """``100 ms – 200 ms``."""
    return f"{edge_text(int(h.edges[i]))} – {edge_text(int(h.edges[i + 1]))}"
