"""Writers stay within what readers accept (FORMAT.md §5.1): a batch too big for one frame is written
in halves, and a payload too dense in items for its compressed size is stored uncompressed; every span
then reads back, with no damage reported."""

from __future__ import annotations

import pytest

import tracefile
from tracefile.format import ScanReport, open_buffer, scan_frames
from tracefile.format.encode import write_spans
from tracefile.format.model import Span
from tracefile.format.schema import FLAG_ZSTD, MAX_FRAME_RAW

TRACE = "0af7651916cd43dd8448eb211c80319c"


def _spans(n: int, value) -> list[Span]:
    return [
        Span(TRACE, f"{i + 1:016x}", "", f"step {i}", 0, 1_000 + i, 2_000 + i, 0, "", {"payload": value, "n": i})
        for i in range(n)
    ]


def _frames(path):
    with open_buffer(path) as data:
        return list(scan_frames(data, ScanReport()))


@pytest.mark.parametrize("version", [(1, 1), (2, 0)])
def test_a_batch_bigger_than_a_frame_is_written_in_halves(tmp_path, version):
    path = tmp_path / "big.tracy"
    spans = _spans(300, "")
    for s in spans:  # 90 MB of distinct texts in one batch of 512: in its details, or its content frame
        s.attributes["payload"] = f"{s.attributes['n']:04d}" + "x" * 299_996
    assert write_spans(path, spans, format_version=version) == 300
    frames = _frames(path)
    assert all(f.raw_len <= MAX_FRAME_RAW for f in frames)
    assert sum(1 for f in frames if f.kind_name == "spans") >= 2
    assert any(f.kind_name == "content" for f in frames) == (version >= (2, 0))
    loaded = tracefile.load(path)
    assert loaded.warnings == [] and loaded.version == version
    assert sorted(s.attributes["n"] for s in loaded.spans) == list(range(300))
    assert all(s.attributes["payload"] == f"{s.attributes['n']:04d}" + "x" * 299_996 for s in loaded.spans)


def test_a_payload_too_dense_in_items_is_stored_uncompressed_or_split(tmp_path):
    path = tmp_path / "dense.tracy"
    write_spans(path, _spans(200, [0] * 30_000))  # 6 million one-byte items that zstd packs tightly
    loaded = tracefile.load(path)
    assert loaded.warnings == []
    assert len(loaded.spans) == 200 and all(len(s.attributes["payload"]) == 30_000 for s in loaded.spans)


def test_the_exporter_splits_a_batch_too_big_for_a_frame(tmp_path):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from tracefile import TracyFileExporter
    from tracefile.record.redact import Policy

    path = tmp_path / "exported.tracy"
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(TracyFileExporter(path, redaction=Policy(max_length=None, redact=False)),
                                                   max_export_batch_size=512, schedule_delay_millis=60_000))  # fmt: skip
    tracer = provider.get_tracer("tests.limits")
    for i in range(300):
        with tracer.start_as_current_span(f"step {i}", attributes={"payload": "y" * 300_000, "n": i}):
            pass
    provider.shutdown()
    loaded = tracefile.load(path)
    assert loaded.warnings == []
    assert sorted(s.attributes["n"] for s in loaded.spans) == list(range(300))
    assert all(f.raw_len <= MAX_FRAME_RAW for f in _frames(path))
    assert FLAG_ZSTD  # frames stay compressed where they may


def _depth_to_text(value) -> tuple[int, object]:
    depth = 0
    while isinstance(value, (list, dict)):
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
        depth += 1
    return depth, value


def test_values_nested_past_the_budget_are_cut_where_they_are_written(tmp_path):
    """An imported value nested 200 deep would make its details frame break the decode budget (64
    levels): it is cut at 32, as the recorder cuts, and the batch reads with no damage."""
    from tracefile.format.encode import DEEPER, MAX_VALUE_DEPTH
    from tracefile.format.model import SpanEvent

    deep = "bottom"
    for i in range(200):
        deep = [deep] if i % 2 else {"k": deep}
    span = _spans(1, "flat")[0]
    span.attributes = {"deep": deep, "flat": [1, 2, 3]}
    span.events = [SpanEvent(1_500, "e", {"deep": deep})]
    path = tmp_path / "deep.tracy"
    write_spans(path, [span, *_spans(3, "x")[1:]])
    loaded = tracefile.load(path)
    assert loaded.warnings == []
    got = next(s for s in loaded.spans if "deep" in s.attributes)
    assert _depth_to_text(got.attributes["deep"]) == (MAX_VALUE_DEPTH, DEEPER)
    assert _depth_to_text(got.events[0].attributes["deep"]) == (MAX_VALUE_DEPTH, DEEPER)
    assert got.attributes["flat"] == [1, 2, 3]
    assert len(loaded.spans) == 3


def test_an_otlp_file_with_a_deeply_nested_value_converts_whole(tmp_path):
    import json

    from tracefile.cli import main

    value = {"stringValue": "bottom"}
    for _ in range(150):
        value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
    request = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "s"}, "spans": [
        {"traceId": TRACE, "spanId": "00000000000000a1", "name": "deep", "kind": 1, "startTimeUnixNano": "1000",
         "endTimeUnixNano": "2000", "attributes": [{"key": "deep", "value": value}, {"key": "n", "value": {"intValue": "7"}}]},
    ]}]}]}  # fmt: skip
    source = tmp_path / "deep.json"
    source.write_text(json.dumps(request))
    assert main(["convert", str(source), str(tmp_path / "deep.tracy")]) == 0
    loaded = tracefile.load(tmp_path / "deep.tracy")
    assert loaded.warnings == [] and loaded.spans[0].attributes["n"] == 7
