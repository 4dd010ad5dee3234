"""Pure logic behind the viewer's lists: trace summaries, span trees and value formatting.

Nothing here imports Qt, so it is cheap to test and reuse (CLI, future timeline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Sequence

from tracefile import Span

STATUS_ERROR = 2


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def format_duration(ns: int | float | None) -> str:
    """A duration in nanoseconds, in the unit a human would pick: ``850 ns``, ``12.3 µs``, ``1.25 s``, ``2 m 05 s``."""
    if ns is None or (isinstance(ns, float) and math.isnan(ns)) or ns < 0:
        return "–"
    if ns < 1_000:
        return f"{int(ns)} ns"
    for unit, scale, limit in (("µs", 1e3, 1000), ("ms", 1e6, 1000), ("s", 1e9, 60)):
        text = _three_digits(ns / scale)
        if float(text) < limit:
            return f"{text} {unit}"
    seconds = max(60, round(ns / 1e9))
    if seconds < 3600:
        return f"{seconds // 60} m {seconds % 60:02d} s"
    hours, rest = divmod(seconds, 3600)
    if hours < 24:
        return f"{hours} h {rest // 60:02d} m"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


def _three_digits(value: float) -> str:
    """About three significant digits: ``1.25``, ``12.5``, ``125``."""
    if round(value, 2) < 10:
        return f"{value:.2f}"
    if round(value, 1) < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def _local(unix_ns: int, tz=None) -> datetime | None:
    if not unix_ns or unix_ns < 0:
        return None
    try:
        return datetime.fromtimestamp(unix_ns // 1_000_000_000, tz=tz)
    except (OverflowError, OSError, ValueError):
        return None


def format_timestamp(unix_ns: int, *, with_date: bool = True, tz=None) -> str:
    """Local wall-clock time with milliseconds: ``2025-11-25 22:12:03.123`` (or just ``22:12:03.123``)."""
    dt = _local(unix_ns, tz)
    if dt is None:
        return "–"
    return dt.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S") + f".{(unix_ns // 1_000_000) % 1000:03d}"


def format_date(unix_ns: int, *, tz=None) -> str:
    """Local calendar date: ``2025-11-25``."""
    dt = _local(unix_ns, tz)
    return "–" if dt is None else dt.strftime("%Y-%m-%d")


def common_date(times_ns: Iterable[int], *, tz=None) -> str | None:
    """The local date all these timestamps fall on, or None if they span several days (or none)."""
    dates = {format_date(t, tz=tz) for t in times_ns}
    return dates.pop() if len(dates) == 1 else None


def format_offset(ns: int) -> str:
    """Time since the start of the trace: ``+12.3 ms`` (``0`` for the first span)."""
    if ns == 0:
        return "0"
    if ns < 0:
        return "−" + format_duration(-ns)
    return "+" + format_duration(ns)


def format_size(num_bytes: int) -> str:
    """``532 bytes``, ``12.3 KiB``, ``4.50 MiB``."""
    if num_bytes < 1024:
        return f"{num_bytes} byte" + ("" if num_bytes == 1 else "s")
    value = float(num_bytes)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        text = _three_digits(value)
        if float(text) < 1024 or unit == "TiB":
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


# ---------------------------------------------------------------------------
# Traces
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class TraceSummary:
    """One row of the trace list."""

    trace_id: str
    #: Name of the root span (or of the earliest span whose parent is missing).
    name: str
    start_time: int
    end_time: int
    span_count: int
    error_count: int
    #: False when the file holds no span without a parent for this trace (yet).
    has_root: bool
    #: The trace's spans in file order.
    spans: list[Span] = field(repr=False, default_factory=list)

    @property
    def duration_ns(self) -> int:
        return self.end_time - self.start_time


def group_by_trace(spans: Iterable[Span]) -> dict[str, list[Span]]:
    """Spans grouped by trace id, traces and spans in file order."""
    out: dict[str, list[Span]] = {}
    for span in spans:
        group = out.get(span.trace_id)
        if group is None:
            out[span.trace_id] = [span]
        else:
            group.append(span)
    return out


def find_root(spans: Sequence[Span]) -> tuple[Span | None, bool]:
    """The span that best names a trace, and whether it is a true root.

    A true root has no parent; otherwise the earliest span whose parent is not
    in the list (the root may not have been written yet); otherwise the earliest.
    """
    if not spans:
        return None, False
    roots = [s for s in spans if not s.parent_span_id]
    if roots:
        return min(roots, key=lambda s: s.start_time), True
    ids = {s.span_id for s in spans}
    orphans = [s for s in spans if s.parent_span_id not in ids]
    return min(orphans or spans, key=lambda s: s.start_time), False


def summarize_trace(trace_id: str, spans: list[Span]) -> TraceSummary:
    root, has_root = find_root(spans)
    return TraceSummary(
        trace_id=trace_id,
        name=root.name if root is not None else "",
        start_time=min(s.start_time for s in spans) if spans else 0,
        end_time=max(s.end_time for s in spans) if spans else 0,
        span_count=len(spans),
        error_count=sum(1 for s in spans if s.status_code == STATUS_ERROR),
        has_root=has_root,
        spans=spans,
    )


def summarize_traces(spans: Iterable[Span]) -> list[TraceSummary]:
    """One summary per trace id, in order of first appearance in the file."""
    return [summarize_trace(tid, group) for tid, group in group_by_trace(spans).items()]


def find_span(traces: Sequence[TraceSummary], name: str) -> tuple[int, Span] | None:
    """The first span called ``name`` (exact match, else case-insensitive): (trace index, span)."""
    folded = name.casefold()
    fallback: tuple[int, Span] | None = None
    for i, trace in enumerate(traces):
        for span in trace.spans:
            if span.name == name:
                return i, span
            if fallback is None and span.name.casefold() == folded:
                fallback = (i, span)
    return fallback


# ---------------------------------------------------------------------------
# Span tree
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class SpanTree:
    """Parent/child structure of one trace's spans, as flat index arrays.

    Node ``i`` is ``spans[i]``. ``parent[i]`` is -1 for top-level nodes,
    ``children[i]`` is sorted by start time and ``row[i]`` is the node's
    position among its siblings (or in ``roots``). ``orphan[i]`` marks
    top-level nodes that do name a parent, which is not in the file (yet), or
    which sit in a parent cycle. Flat arrays keep this cheap for big traces
    and let a Qt model use plain integers as internal ids.
    """

    spans: list[Span]
    parent: list[int]
    children: list[list[int]]
    roots: list[int]
    row: list[int]
    orphan: list[bool]
    trace_start: int = 0

    def __len__(self) -> int:
        return len(self.spans)

    def depth(self, i: int) -> int:
        d = 0
        while self.parent[i] >= 0:
            i = self.parent[i]
            d += 1
        return d

    def siblings(self, i: int) -> list[int]:
        p = self.parent[i]
        return self.roots if p < 0 else self.children[p]

    def index_of(self, span: Span) -> int:
        for i, s in enumerate(self.spans):
            if s is span:
                return i
        raise ValueError("span is not in this tree")

    def walk(self) -> Iterable[tuple[int, int]]:
        """(node, depth) in depth-first display order; iterative, so deep trees are fine."""
        stack = [(r, 0) for r in reversed(self.roots)]
        while stack:
            node, depth = stack.pop()
            yield node, depth
            stack.extend((c, depth + 1) for c in reversed(self.children[node]))


def build_span_tree(spans: Sequence[Span]) -> SpanTree:
    """Arrange one trace's spans into a tree; spans whose parent is absent become top-level nodes."""
    spans = list(spans)
    n = len(spans)
    first_by_id: dict[str, int] = {}
    for i, s in enumerate(spans):
        first_by_id.setdefault(s.span_id, i)

    def order(i: int):
        s = spans[i]
        return (s.start_time, i)

    parent = [-1] * n
    children: list[list[int]] = [[] for _ in range(n)]
    orphan = [False] * n
    for i, s in enumerate(spans):
        if not s.parent_span_id:
            continue
        p = first_by_id.get(s.parent_span_id, -1)
        if p < 0 or p == i:
            orphan[i] = True
        else:
            parent[i] = p
            children[p].append(i)
    roots = [i for i in range(n) if parent[i] < 0]

    # Nodes in a parent cycle are unreachable from any root: break each cycle
    # at its earliest span and show it as an orphan.
    seen = [False] * n
    _mark(roots, children, seen)
    if not all(seen):
        for i in sorted(range(n), key=order):
            if not seen[i]:
                p = parent[i]
                children[p].remove(i)
                parent[i] = -1
                orphan[i] = True
                roots.append(i)
                _mark([i], children, seen)

    roots.sort(key=order)
    row = [0] * n
    for r, i in enumerate(roots):
        row[i] = r
    for kids in children:
        if len(kids) > 1:
            kids.sort(key=order)
        for r, i in enumerate(kids):
            row[i] = r
    trace_start = min((s.start_time for s in spans), default=0)
    return SpanTree(spans, parent, children, roots, row, orphan, trace_start)


def _mark(starts: list[int], children: list[list[int]], seen: list[bool]) -> None:
    stack = list(starts)
    while stack:
        i = stack.pop()
        if not seen[i]:
            seen[i] = True
            stack.extend(children[i])
