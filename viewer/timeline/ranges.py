"""What happened in a stretch of a trace's time axis: the figures shown for a range dragged on the timeline.

Pure numpy over the trace's columns, no Qt:

    figures = range_figures(index, trace, t0=1.2e9, t1=2.5e9, table=prices().table)
    range_text(figures)   # '1.30 s · 14 spans · 1 error · 3 LLM calls · 4.5k tokens · $0.012'

Times are ns from the trace's start, as on the timeline's axis. A span *overlaps* the range when
it starts before the range ends and ends after it starts (a zero-length span inside counts);
LLM calls, tokens and cost count the spans that *start* in the range, so two neighbouring
ranges never count one call twice. Tokens count only `TraceIndex.counted` spans, as every
total in the viewer does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracefile.format import STATUS_ERROR
from tracefile.genai import CATEGORY_LLM

from ..cost import logic as cost
from ..formatting import format_duration, format_tokens
from ..tracedata import TraceIndex


@dataclass(frozen=True)
class RangeFigures:
    t0: float  # ns from the trace start
    t1: float
    spans: int  # spans overlapping the range
    errors: int  # of those, spans with error status
    llm_calls: int  # LLM calls starting in the range
    input_tokens: int  # of counted spans starting in the range
    output_tokens: int
    cost: float
    unpriced: int  # spans with tokens and no price, starting in the range
    currency: str = "USD"

    @property
    def duration(self) -> float:
        return self.t1 - self.t0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def range_figures(ix: TraceIndex, trace: int, t0: float, t1: float, table: cost.PriceTable) -> RangeFigures:
    """The figures of ``[t0, t1]`` (ns from the start of trace ``trace``) over that trace's spans."""
    t0, t1 = sorted((float(t0), float(t1)))
    tl = ix.timeline
    rows = ix.trace_rows(trace)
    origin = np.int64(ix.traces.start[trace]) if 0 <= trace < len(ix.traces) else np.int64(0)
    start = (tl.start[rows].astype(np.int64) - origin).astype(np.float64)
    end = (tl.end[rows].astype(np.int64) - origin).astype(np.float64)
    # Crossing the range, or lying inside it (a zero-length span too); merely touching an end is not overlapping.
    overlap = ((start < t1) & (end > t0)) | ((start >= t0) & (end <= t1))
    begins = (start >= t0) & (start < t1) if t1 > t0 else (start == t0)
    errors = int(np.count_nonzero(overlap & (tl.status[rows] == STATUS_ERROR)))
    llm = int(np.count_nonzero(begins & (tl.category[rows] == CATEGORY_LLM)))
    counted = rows[begins & ix.counted[rows]]
    totals = cost.rows_totals(tl, counted, table)
    return RangeFigures(
        t0, t1, int(np.count_nonzero(overlap)), errors, llm, totals.input, totals.output, totals.cost,
        totals.unpriced_spans, totals.currency,
    )  # fmt: skip


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def range_text(f: RangeFigures) -> str:
    """One line: duration, spans, errors, LLM calls, tokens and cost (the last three only when there are any)."""
    parts = [format_duration(int(round(f.duration))), _plural(f.spans, "span")]
    if f.errors:
        parts.append(_plural(f.errors, "error"))
    if f.llm_calls:
        parts.append(_plural(f.llm_calls, "LLM call"))
    if f.tokens:
        parts.append(f"{format_tokens(f.tokens)} tokens")
        if f.cost or not f.unpriced:
            parts.append(cost.format_cost(f.cost, f.currency))
    return " · ".join(parts)
