"""The content store (docs/FORMAT.md §2.6): long texts stored once per file, read back exactly,
and never shown wrong when their content frames are damaged, missing or hostile."""

from __future__ import annotations

import errno
import json
import os
import struct

import msgspec
import pytest

import tracefile
from tracefile.format import content
from tracefile.format.columns import TimelineReader
from tracefile.format.content import MIN_CHARS, PREFIX, ContentEntry, PythonContentWriter, decode_content
from tracefile.format.encode import model_to_frames, write_spans
from tracefile.format.framing import ScanReport, encode_frame, scan_frames
from tracefile.format.model import Span, SpanEvent
from tracefile.format.schema import FRAME_HEADER_SIZE, KIND_CONTENT, KIND_SPAN_DETAILS, SpanDetails
from tracefile.format.writer import ShortWriteError, TraceWriter
from tests.helpers.content_files import SYSTEM, TRACE, content_frame, conversation, crafted, details_with_refs, event_layout, write
from tracefile.format.validate import validate





def _entries(path) -> list[ContentEntry]:
    data = path.read_bytes()
    return [e for r in scan_frames(data, ScanReport()) if r.kind == KIND_CONTENT for e in decode_content(data, r.offset)]


def _same_details(tf, spans) -> None:
    assert [s.attributes for s in tf.spans] == [s.attributes for s in spans]
    assert [[e.attributes for e in s.events] for s in tf.spans] == [[e.attributes for e in s.events] for s in spans]


def test_a_growing_conversation_is_stored_as_continuations(tmp_path):
    spans = conversation(30)
    path = tmp_path / "chat.tracy"
    write(path, spans)
    tf = tracefile.load(path)
    assert tf.warnings == [] and tf.version == (2, 0)
    _same_details(tf, spans)
    entries = _entries(path)
    histories = [e for e in entries if e.text.startswith(", {") or e.text.startswith('[{"role": "system"')]
    assert len(histories) == 30 and sum(e.base >= 0 for e in histories) == 29  # each turn continues the last
    assert sum(e.text.startswith('[{"name": "search"') for e in entries) == 1  # the tools, stored once
    stored = sum(len(e.text) for e in entries)
    inline = sum(len(v) for s in spans for v in s.attributes.values() if isinstance(v, str) and len(v) >= MIN_CHARS)
    assert stored * 8 < inline
    v11 = tmp_path / "chat-v11.tracy"
    write(v11, spans, format_version=(1, 1))
    assert path.stat().st_size * 1.8 < v11.stat().st_size  # batches of 2: zstd sees two turns at a time
    assert tracefile.load(v11).version == (1, 1) and _entries(v11) == []


def test_every_reader_resolves_references_in_any_order(tmp_path):
    spans = conversation(12, "x")
    path = tmp_path / "chat.tracy"
    write(path, spans, batch=3)
    _same_details(tracefile.load(path, strict=True), spans)
    assert [s.attributes for s in tracefile.iter_spans(path)] == [s.attributes for s in spans]
    reader = TimelineReader(path)
    reader.read()
    assert len(reader.content) == 4 and not reader.content._decoded  # the timeline never decodes content
    for row in (11, 0, 7, 3):
        assert reader.span(row).attributes == spans[row].attributes


def _both_writers(spans, batch: int, store: int) -> list[list[tuple]]:
    """What the Python and the compiled content writers extract from the same batches: per batch,
    the details they leave and the entries they store, encoded."""
    results = []
    for writer in (PythonContentWriter(store=store), content.ContentWriter(store=store)):
        out = []
        for i in range(0, len(spans), batch):
            _, details = model_to_frames(spans[i : i + batch], i)
            got, first, entries = writer.extract(details)
            out.append((msgspec.msgpack.encode(got), first, msgspec.msgpack.encode(entries)))
        results.append(out)
    return results


def test_the_compiled_writer_stores_what_the_python_one_does():
    if content._text is None:
        pytest.skip("the compiled writer is not built here")
    spans = conversation(20, "a") + conversation(20, "b")
    spans = [s for pair in zip(spans[:20], spans[20:]) for s in pair]  # two conversations interleaved
    results = _both_writers(spans, 4, store=7)
    assert results[0] == results[1]
    entries = [x for _, _, e in results[0] for x in msgspec.msgpack.decode(e)]
    assert len(entries) > 20 and sum(x[0] >= 0 for x in entries) > 10


def test_interleaved_conversations_still_continue_their_own_history(tmp_path):
    a, b = conversation(15, "a"), conversation(15, "b")
    spans = [s for pair in zip(a, b) for s in pair]
    path = tmp_path / "two.tracy"
    write(path, spans, batch=1)
    _same_details(tracefile.load(path), spans)
    entries = _entries(path)
    continued = [e for e in entries if e.base >= 0 and e.keep > len(SYSTEM) + 200]
    assert len(continued) >= 26  # each conversation's turns after the first continue its own earlier turn


def test_a_damaged_content_frame_shows_content_lost_never_wrong_text(tmp_path):
    spans = conversation(8)
    path = tmp_path / "chat.tracy"
    write(path, spans)
    data = bytearray(path.read_bytes())
    refs = [r for r in scan_frames(bytes(data), ScanReport()) if r.kind == KIND_CONTENT]
    second = refs[1]
    data[second.payload_offset + PREFIX.size + 5] ^= 0xFF  # inside its entries: the checksum fails
    path.write_bytes(bytes(data))
    tf = tracefile.load(path)
    assert any(str(second.offset) in w for w in tf.warnings)
    for s, want in zip(tf.spans, spans):
        for k, v in s.attributes.items():
            assert v == want.attributes[k] or v.startswith("…[content lost: "), k
    lost = [s.attributes["turn"] for s in tf.spans if s.attributes["gen_ai.input.messages"].startswith("…[content lost")]
    assert lost and 0 not in lost  # the first turns' texts were in the first frame
    assert tf.spans[0].attributes == spans[0].attributes
    reader = TimelineReader(path)  # the timeline reader skips the frame unchecked, then finds the damage when asked
    reader.read()
    assert reader.span(lost[0]).attributes["gen_ai.input.messages"].startswith("…[content lost: ")
    assert any(str(second.offset) in p for p in validate(path).problems)





@pytest.mark.parametrize(
    "case, frame, refs",
    [
        ("base after itself", content_frame(5, 0, [ContentEntry(0, 3, "abc")]), {"x": 0}),
        ("keeps more than its base has", content_frame(5, 0, [ContentEntry(-1, 0, "ab"), ContentEntry(0, 10, "c")]), {"x": 1}),
        ("base in another store", content_frame(5, 0, [ContentEntry(7, 1, "c")]), {"x": 0}),
        ("unknown codec", content_frame(5, 0, [ContentEntry(-1, 0, "a")], codec=9), {"x": 0}),
        ("count disagrees", content_frame(5, 0, [ContentEntry(-1, 0, "a")], count=3), {"x": 0}),
        ("raw length disagrees", content_frame(5, 0, [ContentEntry(-1, 0, "a")], raw_len=999), {"x": 0}),
        ("huge raw length", content_frame(5, 0, [ContentEntry(-1, 0, "a")], codec=1, raw_len=(1 << 32) - 1), {"x": 0}),
        ("entry not there", content_frame(5, 0, [ContentEntry(-1, 0, "a")]), {"x": 4}),
        ("store not there", content_frame(6, 0, [ContentEntry(-1, 0, "a")]), {"x": 0}),
        ("not entries", encode_frame(KIND_CONTENT, PREFIX.pack(5, 0, 1, 0, 3) + b"\xa3abc", msgpack=False), {"x": 0}),
        ("shorter than its prefix", encode_frame(KIND_CONTENT, b"\x05\x00", msgpack=False), {"x": 0}),
    ],
)
def test_hostile_content_frames_read_as_content_lost(tmp_path, case, frame, refs):
    path = tmp_path / "hostile.tracy"
    crafted(path, frame, details_with_refs(5, refs))
    tf = tracefile.load(path)
    (span,) = tf.spans
    assert span.attributes["x"].startswith("…[content lost: "), span.attributes
    reader = TimelineReader(path)
    reader.read()
    assert reader.span(0).attributes["x"].startswith("…[content lost: ")


def test_a_failed_write_never_leaves_a_reference_to_content_not_written(tmp_path, monkeypatch):
    spans = conversation(10)
    path = tmp_path / "full.tracy"
    real_write = os.write
    calls = {"n": 0}

    def flaky(fd, data):
        calls["n"] += 1
        if calls["n"] == 4:  # the disk is full for one append: nothing of it is written
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    with TraceWriter(path) as w:
        monkeypatch.setattr(os, "write", flaky)
        written = []
        for i in range(0, 10, 2):
            columns, details = model_to_frames(spans[i : i + 2], i + 1)
            try:
                w.write_spans(columns, details, 0, 0)
                written += spans[i : i + 2]
            except OSError:
                pass
        monkeypatch.setattr(os, "write", real_write)
    tf = tracefile.load(path)
    assert tf.warnings == []
    assert len(written) == 8 and [s.attributes["turn"] for s in tf.spans] == [s.attributes["turn"] for s in written]
    _same_details(tf, written)


def test_a_short_write_keeps_whole_frames_and_later_batches_resolve(tmp_path, monkeypatch):
    spans = conversation(10)
    path = tmp_path / "short.tracy"
    real_write = os.write
    calls = {"n": 0}

    def short(fd, data):
        calls["n"] += 1
        if calls["n"] == 4:  # half of this append reaches the file...
            return real_write(fd, bytes(data[: len(data) // 2]))
        if calls["n"] == 5:  # ...then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    with TraceWriter(path) as w:
        monkeypatch.setattr(os, "write", short)
        for i in range(0, 10, 2):
            columns, details = model_to_frames(spans[i : i + 2], i + 1)
            try:
                w.write_spans(columns, details, 0, 0)
            except ShortWriteError:
                pass
        monkeypatch.setattr(os, "write", real_write)
    tf = tracefile.load(path)
    for s in tf.spans:  # every span read has its own text, or none (its details were cut): never another's
        want = spans[s.attributes["turn"]] if s.attributes else None
        if want is not None:
            assert s.attributes == want.attributes
    # The cut batch (turns 6 and 7) lost its details or more; the batches after it resolve their texts.
    assert [s.attributes["turn"] for s in tf.spans if s.attributes] == [0, 1, 2, 3, 4, 5, 8, 9]
    assert any("short" in w or "inside" in w or "missing" in w or "damag" in w or "byte" in w for w in tf.warnings)


def test_a_renamed_file_is_followed_by_a_file_that_holds_its_own_content(tmp_path):
    spans = conversation(10)
    path = tmp_path / "live.tracy"
    with TraceWriter(path) as w:
        for i in range(0, 10, 2):
            if i == 6:
                os.rename(path, tmp_path / "rotated.tracy")
            columns, details = model_to_frames(spans[i : i + 2], i + 1)
            w.write_spans(columns, details, 0, 0)
    new, old = tracefile.load(path), tracefile.load(tmp_path / "rotated.tracy")
    assert new.warnings == old.warnings == []
    _same_details(old, spans[:6])
    _same_details(new, spans[6:])


def test_a_small_memory_stores_more_but_reads_the_same(tmp_path, monkeypatch):
    spans = conversation(20)
    big, small = tmp_path / "big.tracy", tmp_path / "small.tracy"
    write(big, spans)
    real = content.ContentWriter
    monkeypatch.setattr("tracefile.format.writer.ContentWriter", lambda: real(max_chars=4096))
    write(small, spans)
    _same_details(tracefile.load(small), spans)
    assert small.stat().st_size > big.stat().st_size


def test_appending_to_a_format_1_file_keeps_it_format_1(tmp_path):
    spans = conversation(6)
    path = tmp_path / "old.tracy"
    write(path, spans[:2], format_version=(1, 1))
    write(path, spans[2:])  # a writer of format 2 appends to it
    tf = tracefile.load(path)
    assert tf.version == (1, 1) and _entries(path) == []
    _same_details(tf, spans)
    data = path.read_bytes()
    details = [msgspec.msgpack.decode(bytes(data[r.payload_offset : r.end]) if not r.flags else zlib_free(data, r))
               for r in scan_frames(data, ScanReport()) if r.kind == KIND_SPAN_DETAILS]  # fmt: skip
    assert {len(d) for d in details} == {8}  # format 1's span-details: no field 8


def zlib_free(data, ref):
    from tracefile.format.framing import frame_payload

    return frame_payload(data, ref)


def test_two_writers_in_one_process_keep_separate_stores(tmp_path):
    a, b = conversation(8, "a"), conversation(8, "bb")
    path = tmp_path / "two.tracy"
    with TraceWriter(path) as wa, TraceWriter(path) as wb:
        assert wa.content.store != wb.content.store
        for i in range(0, 8, 2):
            for w, spans in ((wa, a), (wb, b)):
                columns, details = model_to_frames(spans[i : i + 2], i + 1)
                w.write_spans(columns, details, 0, 0)
    tf = tracefile.load(path)
    got = {s.span_id: s.attributes for s in tf.spans}
    assert all(got[s.span_id] == s.attributes for s in a + b)


def test_write_spans_takes_a_format_version(tmp_path):
    spans = conversation(4)
    for version in ((1, 1), (2, 0)):
        path = tmp_path / f"v{version[0]}.tracy"
        write_spans(path, spans, format_version=version)
        tf = tracefile.load(path)
        assert tf.version == version
        _same_details(tf, spans)
    with pytest.raises(ValueError, match="cannot write .tracy format"):
        TraceWriter(tmp_path / "x.tracy", format_version=(1, 0))


def test_content_frame_prefix_layout():
    assert PREFIX.size == 28
    assert PREFIX.pack(1, 2, 3, 1, 4) == struct.pack("<QQIB3xI", 1, 2, 3, 1, 4)
    assert FRAME_HEADER_SIZE == 24



def test_message_events_are_kept_as_event_lists_that_continue_each_other(tmp_path):
    spans = event_layout(12)
    path = tmp_path / "events.tracy"
    write(path, spans, batch=1)
    tf = tracefile.load(path)
    assert tf.warnings == []
    assert [[(e.time_unix_nano, e.name, e.attributes, e.dropped_attributes) for e in s.events] for s in tf.spans] == [
        [(e.time_unix_nano, e.name, e.attributes, e.dropped_attributes) for e in s.events] for s in spans]  # fmt: skip
    lists = [e for e in _entries(path) if type(e.text) is bytes]
    assert len(lists) == 12 and sum(e.base >= 0 for e in lists) >= 1
    reader = TimelineReader(path)
    reader.read()
    assert [e.attributes for e in reader.span(7).events] == [e.attributes for e in spans[7].events]
    v11 = tmp_path / "events-v11.tracy"
    write(v11, spans, batch=1, format_version=(1, 1))
    assert path.stat().st_size < v11.stat().st_size


@pytest.mark.parametrize(
    "case, listed, entries",
    [
        ("times not whole", [content.ref_ext(0), b"\x00" * 7], [ContentEntry(-1, 0, b"\x93\xa1a\x80\x00")]),
        ("a text, not events", [content.ref_ext(0), b"\x00" * 8], [ContentEntry(-1, 0, "just text")]),
        ("fewer events than times", [content.ref_ext(0), b"\x00" * 16], [ContentEntry(-1, 0, b"\x93\xa1a\x80\x00")]),
        ("not events", [content.ref_ext(0), b"\x00" * 8], [ContentEntry(-1, 0, b"\xc1")]),
        ("a text continued as bytes", [content.ref_ext(1), b"\x00" * 8],
         [ContentEntry(-1, 0, "text"), ContentEntry(0, 2, b"\x93\xa1a\x80\x00")]),
    ],
)
def test_hostile_event_lists_read_as_one_content_lost_event(tmp_path, case, listed, entries):
    path = tmp_path / "hostile-events.tracy"
    details = SpanDetails(1, 1, [{}], [[]], [[]], content_store=5, event_lists={0: listed})
    crafted(path, content_frame(5, 0, entries), encode_frame(KIND_SPAN_DETAILS, msgspec.msgpack.encode(details)))
    (span,) = tracefile.load(path).spans
    assert len(span.events) == 1 and span.events[0].name.startswith("…[content lost: "), span.events


def test_an_event_list_entry_of_the_wrong_shape_costs_its_frame_with_a_warning(tmp_path):
    path = tmp_path / "bad-shape.tracy"
    details = msgspec.msgpack.encode([1, 1, [{}], [[]], [[]], {}, {}, {}, 5, {0: [content.ref_ext(0)]}])
    crafted(path, b"", encode_frame(KIND_SPAN_DETAILS, details))
    tf = tracefile.load(path)
    (span,) = tf.spans
    assert span.events == [] and any("does not decode" in w for w in tf.warnings)


def test_the_compiled_writer_keeps_event_lists_as_the_python_one_does():
    if content._text is None:
        pytest.skip("the compiled writer is not built here")
    spans = event_layout(10)
    results = _both_writers(spans, 2, store=9)
    assert results[0] == results[1]


@pytest.mark.parametrize(
    "a, b",
    [("", ""), ("abc", "abd"), ("abc", "abc"), ("abc", "abcd"), ("é" * 10 + "x", "é" * 10 + "y"), ("a" * 9000 + "x", "a" * 9000 + "y"),
     ("a" * 100 + "😀", "a" * 100 + "b"), ("ab😀c", "ab😀d"), ("é" * 9000 + "z", "é" * 9000), ("abc", b"abc"),
     (b"", b""), (b"\x00\x01" * 5000 + b"x", b"\x00\x01" * 5000 + b"y"), (b"abc", b"abd")],
)  # fmt: skip
def test_common_prefix_agrees_with_its_reference(a, b):
    want = 0 if type(a) is not type(b) else next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    assert content._common_prefix_py(a, b) == want
    assert content.common_prefix(a, b) == want


def test_validate_reports_content_that_does_not_decode_and_references_it_cannot_follow(tmp_path):
    path = tmp_path / "bad-content.tracy"
    undecodable = encode_frame(KIND_CONTENT, PREFIX.pack(5, 0, 1, 0, 1) + b"\xc1", msgpack=False)  # checksum fine
    good = content_frame(5, 1, [ContentEntry(-1, 0, "kept")])
    crafted(path, undecodable + good, details_with_refs(5, {"x": 0, "y": 1}))
    found = validate(path)
    assert any("content frame at byte" in p or "does not decode" in p for p in found.problems), found.problems
    assert any("row 0" in p and "content lost" in p for p in found.problems), found.problems
    (span,) = tracefile.load(path).spans
    assert span.attributes["y"] == "kept" and span.attributes["x"].startswith("…[content lost: ")
