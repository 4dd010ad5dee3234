"""Totals over a set of spans: counts, time range, models and GenAI token usage."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from ..genai import usage
from ..genai import model as _model
from .model import Span
from .schema import STATUS_ERROR


def model_of(span: Span) -> str:
    return _model(span.attributes)


def summarize(spans: Iterable[Span], feedback_count: int = 0) -> dict[str, Any]:
    n = errors = input_tokens = output_tokens = cache_read_tokens = reasoning_tokens = 0
    traces: set[str] = set()
    models: Counter[str] = Counter()
    start = end = None
    for s in spans:
        n += 1
        traces.add(s.trace_id)
        if s.status_code == STATUS_ERROR:
            errors += 1
        if start is None or s.start_time < start:
            start = s.start_time
        if end is None or s.end_time > end:
            end = s.end_time
        used = usage(s.name, s.attributes)  # the rule the token columns follow, every GenAI dialect
        input_tokens += used[0]
        output_tokens += used[1]
        cache_read_tokens += used[2]
        reasoning_tokens += used[3]
        m = model_of(s)
        if m:
            models[m] += 1
    return {
        "spans": n,
        "traces": len(traces),
        "errors": errors,
        "start_unix_nano": start or 0,
        "end_unix_nano": end or 0,
        "duration_s": ((end - start) / 1e9) if n else 0.0,
        "models": dict(models.most_common()),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": cache_read_tokens,
        "reasoning_tokens": reasoning_tokens,
        "feedback": feedback_count,
    }
