"""The GenAI summary columns (category, model, input/output/cached/reasoning tokens): written by the
exporter and by ``tracefile.encode`` from span attributes, read by the timeline reader without
decoding details, and absent (all zero) in files written before the cached/reasoning columns.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

import tracefile
from tracefile import genai
from tracefile.format.columns import TimelineReader
from tracefile.format.encode import write_spans
from tracefile.format.framing import ScanReport, scan_frames
from tracefile.format.reader import decode_frame, open_buffer
from tracefile.format.schema import KIND_SPANS, SpanColumns
from tracefile.format.stats import summarize

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden-v1.tracy"

USAGES = {
    "current": {"gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300,
                "gen_ai.usage.cache_read.input_tokens": 1024, "gen_ai.usage.reasoning.output_tokens": 256},
    "older": {"gen_ai.usage.prompt_tokens": 50, "gen_ai.usage.completion_tokens": 9,
              "gen_ai.usage.cache_read_input_tokens": 40, "gen_ai.usage.output_tokens.reasoning": 4},
    "no-cache": {"gen_ai.usage.input_tokens": 7, "gen_ai.usage.output_tokens": 3},
}  # fmt: skip


def _record(path: Path) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "columns"}))
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(str(path))))
    tracer = provider.get_tracer("tests.genai_columns")
    with tracer.start_as_current_span("invoke_agent planner", attributes={"gen_ai.operation.name": "invoke_agent"}):
        for case, usage in USAGES.items():
            attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": f"model-{case}", **usage}
            with tracer.start_as_current_span(f"chat {case}", attributes=attrs):
                pass
        with tracer.start_as_current_span("execute_tool lookup", attributes={"gen_ai.operation.name": "execute_tool"}):
            pass
    provider.shutdown()


def _by_name(tl) -> dict[str, int]:
    return {tl.names[int(tl.name[row])]: row for row in range(len(tl))}


def test_exporter_writes_cached_and_reasoning_tokens_in_every_naming(tmp_path: Path) -> None:
    path = tmp_path / "run.tracy"
    _record(path)
    reader = TimelineReader(path)
    reader.read()
    tl = reader.timeline
    rows = _by_name(tl)
    got = {
        name: (int(tl.input_tokens[r]), int(tl.output_tokens[r]), int(tl.cache_read_tokens[r]), int(tl.reasoning_tokens[r]))
        for name, r in rows.items()
    }
    assert got == {
        "chat current": (1200, 300, 1024, 256),
        "chat older": (50, 9, 40, 4),
        "chat no-cache": (7, 3, 0, 0),
        "execute_tool lookup": (0, 0, 0, 0),
        "invoke_agent planner": (0, 0, 0, 0),
    }
    assert int(tl.category[rows["chat older"]]) == genai.CATEGORY_LLM
    assert tl.names[int(tl.model[rows["chat older"]]) - 1] == "model-older"


def test_batches_without_cache_or_reasoning_leave_the_columns_empty(tmp_path: Path) -> None:
    path = tmp_path / "plain.tracy"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(str(path))))
    with provider.get_tracer("t").start_as_current_span("chat x", attributes={"gen_ai.usage.input_tokens": 5}):
        pass
    provider.shutdown()
    with open_buffer(path) as data:
        (cols,) = [decode_frame(data, ref) for ref in scan_frames(data, ScanReport()) if ref.kind == KIND_SPANS]
    assert cols.input_tokens != b"" and cols.cache_read_tokens == b"" and cols.reasoning_tokens == b""


def test_encode_and_stats_agree_with_the_exporter(tmp_path: Path) -> None:
    recorded = tmp_path / "run.tracy"
    _record(recorded)
    spans = tracefile.load(recorded).spans
    rewritten = tmp_path / "rewritten.tracy"
    write_spans(rewritten, spans)
    a, b = TimelineReader(recorded), TimelineReader(rewritten)
    a.read(), b.read()
    order_a, order_b = np.argsort(a.timeline.span_id), np.argsort(b.timeline.span_id)
    for column in ("cache_read_tokens", "reasoning_tokens", "input_tokens", "output_tokens"):
        assert getattr(a.timeline, column)[order_a].tolist() == getattr(b.timeline, column)[order_b].tolist()
    info = summarize(spans)
    assert (info["cache_read_tokens"], info["reasoning_tokens"]) == (1064, 260)


def test_frames_written_before_the_new_columns_read_as_zero() -> None:
    with open_buffer(GOLDEN) as data:
        refs = [ref for ref in scan_frames(data, ScanReport()) if ref.kind == KIND_SPANS]
        cols = decode_frame(data, refs[0])
    # The golden file predates fields 21 and 22: its arrays end after output_tokens.
    assert isinstance(cols, SpanColumns) and cols.cache_read_tokens == b"" and cols.reasoning_tokens == b""
    reader = TimelineReader(GOLDEN)
    reader.read()
    assert len(reader.timeline) > 0
    assert not reader.timeline.cache_read_tokens.any() and not reader.timeline.reasoning_tokens.any()


def test_a_wrong_length_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "run.tracy"
    _record(path)
    with open_buffer(path) as data:
        ref = next(ref for ref in scan_frames(data, ScanReport()) if ref.kind == KIND_SPANS)
        cols = decode_frame(data, ref)
    bad = msgspec.structs.replace(cols, reasoning_tokens=b"\x01\x00")
    from tracefile.format.reader import _check_batch

    with pytest.raises(tracefile.TraceFileError, match="column reasoning_tokens has the wrong length"):
        _check_batch(bad, ref)


def test_token_counts_that_are_not_numbers_never_lose_a_batch(tmp_path: Path) -> None:
    """NaN or infinite token counts (a buggy instrumentation) read as absent; the batch is written."""
    path = tmp_path / "run.tracy"
    provider = TracerProvider(resource=Resource.create({"service.name": "columns"}))
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(str(path))))
    tracer = provider.get_tracer("tests.genai_columns")
    nan = {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": float("nan"),
           "gen_ai.usage.output_tokens": float("inf"), "gen_ai.usage.prompt_tokens": 7}  # fmt: skip
    with tracer.start_as_current_span("chat not-numbers", attributes=nan):
        pass
    provider.shutdown()
    reader = TimelineReader(path)
    reader.read()
    tl = reader.timeline
    assert len(tl) == 1
    # input: NaN is skipped and the older name's 7 counts; output: infinity is no count.
    assert (int(tl.input_tokens[0]), int(tl.output_tokens[0])) == (7, 0)
    assert tracefile.load(path).spans[0].attributes["gen_ai.usage.prompt_tokens"] == 7
