"""Recorded runs to push: a synthetic GenAI corpus written through the real exporter, with feedback."""

from __future__ import annotations

from pathlib import Path

from tracefile.record.exporter import TracyFileExporter
from tracefile.record.feedback import record_feedback
from tracefile.testing.synthetic import make_spans


def recorded_run(path: Path, n_spans: int = 120, seed: int = 0, *, feedback: bool = True) -> Path:
    """Write ``n_spans`` synthetic agent spans to ``path``; with ``feedback``, a thumbs-down on the
    first root span and an evaluator's score on the first chat span."""
    spans = make_spans(n_spans, seed=seed)
    exporter = TracyFileExporter(str(path))
    exporter.export(spans)
    exporter.shutdown()
    if feedback:
        root = next(s for s in spans if s.parent is None)
        chat = next(s for s in spans if s.name.startswith("chat "))
        record_feedback(span_id=root.context.span_id, trace_id=root.context.trace_id, score=0, label="thumbs_down",
                        comment="wrong invoice total", path=path)  # fmt: skip
        record_feedback(span_id=chat.context.span_id, trace_id=chat.context.trace_id, score=0.8,
                        evaluator="relevance", path=path)  # fmt: skip
    return path
