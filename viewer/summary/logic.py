"""Where the time and money went, one row per model, tool, category or span name: count, errors,
p50/p95 duration, tokens and cost, computed from the timeline columns with numpy (no Qt).

Tokens and cost are summed over the spans that count (`TraceIndex.counted`): an agent span that
repeats the totals of the model calls under it adds nothing, so the column sums to the file's total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tracefile.format import STATUS_ERROR, Timeline
from tracefile.genai import CATEGORY_EMBEDDINGS, CATEGORY_LLM, CATEGORY_NAMES, CATEGORY_TOOL

MODEL, TOOL, CATEGORY, NAME = "model", "tool", "category", "name"
#: The ways to group, with the words the "Group by" box shows.
GROUPINGS: tuple[tuple[str, str], ...] = ((MODEL, "Model"), (TOOL, "Tool"), (CATEGORY, "Category"), (NAME, "Span name"))
NO_MODEL = "(no model name)"
#: At most this many look-alike names are excluded from a row's search (``-model:gpt-4o-mini``).
MAX_EXCLUDED = 8


@dataclass
class Summary:
    """One entry per group, in order of descending total duration."""

    grouping: str
    labels: list[str]
    keys: np.ndarray  # int64: the model column value, name id or category of each group
    count: np.ndarray  # int64 spans
    errors: np.ndarray  # int64 spans with error status
    p50: np.ndarray  # float64 ns
    p95: np.ndarray  # float64 ns
    total: np.ndarray  # float64 ns, the sum of the spans' durations
    input: np.ndarray  # int64 tokens (counted spans only)
    output: np.ndarray  # int64 tokens
    cost: np.ndarray  # float64, in the price table's currency

    def __len__(self) -> int:
        return len(self.labels)


def _rows_of(tl: Timeline, grouping: str, rows: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
    """The rows a grouping covers (None: every row) and their group key."""
    cat = tl.category if rows is None else tl.category[rows]
    if grouping == MODEL:
        keep = (cat == CATEGORY_LLM) | (cat == CATEGORY_EMBEDDINGS)
    elif grouping == TOOL:
        keep = cat == CATEGORY_TOOL
    elif grouping in (CATEGORY, NAME):
        keep = None
    else:
        raise ValueError(f"unknown grouping {grouping!r}: use one of {', '.join(g for g, _ in GROUPINGS)}")
    if keep is not None:
        rows = np.flatnonzero(keep) if rows is None else rows[keep]
    col = {MODEL: tl.model, TOOL: tl.name, NAME: tl.name, CATEGORY: tl.category}[grouping]
    return rows, (col if rows is None else col[rows])


def summarize(
    tl: Timeline,
    grouping: str,
    counted: np.ndarray,
    span_cost: np.ndarray,
    rows: np.ndarray | None = None,
) -> Summary:
    """Figures per group over ``rows`` (default: the whole file). ``counted`` is `TraceIndex.counted`,
    ``span_cost`` each span's cost (`viewer.cost.logic.price_spans`). About 100 ms at 1M spans."""
    rows, key = _rows_of(tl, grouping, None if rows is None else np.asarray(rows, np.int64))

    def take(col: np.ndarray) -> np.ndarray:
        return col if rows is None else col[rows]

    # Dense group numbers from a bincount of the keys, not np.unique: no sort of a million values.
    present = np.bincount(key, minlength=1) > 0 if len(key) else np.zeros(1, bool)
    keys = np.flatnonzero(present)
    dense_of = np.cumsum(present) - 1
    k = len(keys)
    group = dense_of[key].astype(np.uint16 if k < 65536 else np.int64)
    duration = (take(tl.end).astype(np.int64) - take(tl.start).astype(np.int64)).clip(0)

    count = np.bincount(group, minlength=k).astype(np.int64)
    errors = np.bincount(group, weights=take(tl.status) == STATUS_ERROR, minlength=k).astype(np.int64)
    total = np.bincount(group, weights=duration, minlength=k)
    w = take(counted)
    tin = np.bincount(group, weights=np.where(w, take(tl.input_tokens), 0), minlength=k).astype(np.int64)
    tout = np.bincount(group, weights=np.where(w, take(tl.output_tokens), 0), minlength=k).astype(np.int64)
    cost = np.bincount(group, weights=np.where(w, take(span_cost), 0.0), minlength=k)

    # Percentiles: sort by duration once, then stably by group (a radix sort on small ints),
    # so each group's durations are one sorted run.
    by = np.argsort(duration)
    by = by[np.argsort(group[by], kind="stable")]
    ordered = duration[by].astype(np.float64)
    first = np.zeros(k, np.int64)
    np.cumsum(count[:-1], out=first[1:])
    p50, p95 = (_percentile(ordered, first, count, q) for q in (0.5, 0.95))

    labels = _labels(tl, grouping, keys)
    o = np.lexsort((np.arange(k), -total))
    return Summary(grouping, [labels[i] for i in o.tolist()], keys[o].astype(np.int64), count[o], errors[o],
                   p50[o], p95[o], total[o], tin[o], tout[o], cost[o])  # fmt: skip


def _percentile(ordered: np.ndarray, first: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """The ``q`` quantile of each sorted run, interpolated linearly as `numpy.percentile` does."""
    pos = q * np.maximum(count - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    a, b = ordered[first + lo], ordered[first + hi]
    return a + (b - a) * (pos - lo)


def _labels(tl: Timeline, grouping: str, keys: np.ndarray) -> list[str]:
    if grouping == MODEL:
        return [tl.names[m - 1] if m else NO_MODEL for m in keys.tolist()]
    if grouping == CATEGORY:
        return [CATEGORY_NAMES[c] if c < len(CATEGORY_NAMES) else str(c) for c in keys.tolist()]
    return [tl.names[i] for i in keys.tolist()]


# -- the search a row stands for --------------------------------------------------------------


def _quote(value: str) -> str:
    if '"' in value:  # the query language has no escape for a quote: search for the text before it
        value = value.split('"')[0]
    return f'"{value}"' if re.search(r"[\s()]", value) else value


def row_query(tl: Timeline, summary: Summary, i: int) -> str:
    """The search that finds the spans of row ``i``: ``model:gpt-4o -model:gpt-4o-mini``,
    ``name:"execute_tool get_weather"``, ``category:llm``.

    ``name:`` and ``model:`` match substrings, so names in the file that contain this one are
    excluded by name (up to `MAX_EXCLUDED` of them)."""
    key = int(summary.keys[i])
    if summary.grouping == CATEGORY:
        return f"category:{summary.labels[i]}"
    if summary.grouping == MODEL:
        if key == 0:
            return "category:llm -model:"
        used = np.flatnonzero(np.bincount(tl.model, minlength=1)[1:]).tolist()
        field, target, others = "model", tl.names[key - 1], [tl.names[m] for m in used if m != key - 1]
    else:
        used = np.flatnonzero(np.bincount(tl.name, minlength=1)).tolist()
        field, target, others = "name", tl.names[key], [tl.names[n] for n in used if n != key]
    low = target.lower()
    # A look-alike that only differs in case cannot be excluded without excluding the target too.
    alike = sorted(o for o in others if low in o.lower() and o.lower() != low)
    parts = [f"{field}:{_quote(target)}"] + [f"-{field}:{_quote(o)}" for o in alike[:MAX_EXCLUDED]]
    return " ".join(parts)
