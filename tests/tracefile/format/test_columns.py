"""The timeline reader (`tracefile.format.columns`) against `load()`: the same spans, whatever the
batch sizes (joined batch by batch when batches are big, all at once when they are small), and
when the file grows between reads."""

from __future__ import annotations

import numpy as np
import pytest

import tracefile
from tracefile.format.columns import TimelineReader, read_timeline
from tracefile.format.writer import TraceWriter
from tracefile.testing import synthetic
from tracefile.record.convert import spans_to_frames


def _write(path, spans, batch: int) -> None:
    with TraceWriter(path) as w:
        for i in range(0, len(spans), batch):
            part = spans[i : i + batch]
            w.write_spans(*spans_to_frames(part, i + 1), min(s.start_time for s in part), max(s.end_time for s in part))


def _rows(timeline) -> list[tuple]:
    names = timeline.names
    return [
        (timeline.span_id_hex(timeline.span_id[i]), names[timeline.name[i]], int(timeline.start[i]), int(timeline.end[i]),
         names[timeline.model[i] - 1] if timeline.model[i] else "", int(timeline.kind[i]), int(timeline.status[i]),
         int(timeline.input_tokens[i]))
        for i in range(len(timeline))
    ]  # fmt: skip


def _expected(path) -> list[tuple]:
    return [
        (s.span_id, s.name, s.start_time, s.end_time,
         s.attributes.get("gen_ai.response.model") or s.attributes.get("gen_ai.request.model") or "",
         s.kind, s.status_code, int(s.attributes.get("gen_ai.usage.input_tokens") or 0))
        for s in tracefile.load(path).spans
    ]  # fmt: skip


@pytest.mark.parametrize("batch", [1, 3, 64, 512])
def test_the_timeline_holds_what_load_reads_whatever_the_batch_size(tmp_path, batch):
    spans = synthetic.make_spans(1500, seed=5)
    path = tmp_path / f"b{batch}.tracy"
    _write(path, spans, batch)
    timeline = read_timeline(path)
    assert _rows(timeline) == _expected(path)
    assert len(timeline.batches) == -(-1500 // batch)
    assert timeline.batch[-1] == len(timeline.batches) - 1


def test_a_growing_file_reads_the_same_in_parts(tmp_path):
    spans = synthetic.make_spans(900, seed=6)
    path = tmp_path / "grow.tracy"
    reader = TimelineReader(path)
    with TraceWriter(path) as w:
        for i, size in enumerate([2, 500, 3, 395]):
            at = sum([2, 500, 3, 395][:i])
            part = spans[at : at + size]
            w.write_spans(*spans_to_frames(part, i + 1), 0, 0)
            reader.read()
    assert _rows(reader.timeline) == _rows(read_timeline(path)) == _expected(path)
    assert np.array_equal(reader.timeline.trace_id, read_timeline(path).trace_id)
