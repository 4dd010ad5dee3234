"""The committed golden files (format 1.0, 1.1 and 2.0) must always decode to their committed expected JSON.

If this fails after a reader change, the change broke compatibility with
existing files: fix the reader, never regenerate a golden file (a new format
version adds a new one, as docs/FORMAT.md says).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

import tracefile
from tracefile.format.columns import TimelineReader, read_timeline
from tracefile.format.content import EXT_CONTENT, decode_content
from tracefile.format.framing import ScanReport, encode_frame, file_header, frame_payload, scan_frames
from tracefile.format.reader import decode_frame
from tracefile.format.schema import (
    FILE_MAGIC,
    FLAG_ZSTD,
    KIND_CONTENT,
    KIND_FEEDBACK,
    KIND_FILE_INFO,
    KIND_INDEX,
    KIND_SPAN_DETAILS,
    KIND_SPANS,
    FileInfo,
    Index,
)
from tests.helpers.golden import dump, to_json, token_columns

DATA = Path(__file__).resolve().parents[2] / "data"
GOLDEN = DATA / "golden-v1.tracy"
EXPECTED = DATA / "golden-v1.expected.json"
GOLDEN_11 = DATA / "golden-v1.1.tracy"
EXPECTED_11 = DATA / "golden-v1.1.expected.json"
GOLDEN_2 = DATA / "golden-v2.tracy"
EXPECTED_2 = DATA / "golden-v2.expected.json"


def _dump_11(path: Path) -> dict:
    """`dump` plus the timeline's token columns, where format 1.1's fields 21-22 show."""
    got = dump(tracefile.load(path))
    got["columns"] = token_columns(read_timeline(path))
    return got


def test_golden_file_decodes_to_expected_json():
    tf = tracefile.load(GOLDEN)
    got = dump(tf)
    want = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert got == want
    # Text equality also pins value types (1 vs 1.0 vs true).
    assert to_json(got) == EXPECTED.read_text(encoding="utf-8")


def test_golden_file_strict_and_streaming_reads_agree():
    strict = tracefile.load(GOLDEN, strict=True)
    assert dump(strict) == dump(tracefile.load(GOLDEN))
    streamed = list(tracefile.iter_spans(GOLDEN))
    assert [s.span_id for s in streamed] == [s.span_id for s in strict.spans]
    assert [s.attributes for s in streamed] == [s.attributes for s in strict.spans]


def test_golden_file_header():
    data = GOLDEN.read_bytes()
    assert data.startswith(b"\x89TRACY\r\n\x1a\n") and data[:10] == FILE_MAGIC
    assert struct.unpack_from("<HHH", data, 10) == (1, 0, 0)
    assert tracefile.load(GOLDEN).version == (1, 0)


def test_golden_file_frames():
    data = GOLDEN.read_bytes()
    report = ScanReport()
    refs = list(scan_frames(data, report))
    assert report.warnings == [] and report.truncated_at is None and report.end == len(data)
    assert [r.kind for r in refs] == [
        KIND_FILE_INFO, KIND_SPANS, KIND_SPAN_DETAILS, KIND_SPANS, KIND_SPAN_DETAILS, KIND_FEEDBACK, KIND_INDEX,
    ]  # fmt: skip
    assert all(r.flags == FLAG_ZSTD for r in refs)
    assert all(len(frame_payload(data, r)) == r.raw_len for r in refs)
    info = decode_frame(data, refs[0])
    assert isinstance(info, FileInfo) and info.writer == "make_golden"
    index = decode_frame(data, refs[-1])
    assert isinstance(index, Index) and index.spans == 7
    assert [(e.offset, e.kind, e.count) for e in index.frames] == [
        (refs[1].offset, KIND_SPANS, 5), (refs[2].offset, KIND_SPAN_DETAILS, 5),
        (refs[3].offset, KIND_SPANS, 2), (refs[4].offset, KIND_SPAN_DETAILS, 2),
        (refs[5].offset, KIND_FEEDBACK, 3),
    ]  # fmt: skip
    assert [c.batch_id for c in (decode_frame(data, refs[i]) for i in (1, 2, 3, 4))] == [0x1111, 0x1111, 0x2222, 0x2222]


def test_golden_covers_the_format():
    """Guard against the golden file quietly losing coverage if it is ever regenerated."""
    want = json.loads(EXPECTED.read_text(encoding="utf-8"))
    spans = want["spans"]
    assert sorted({s["kind"] for s in spans}) == [0, 1, 2, 3, 4]
    assert sorted({s["status_code"] for s in spans}) == [0, 1, 2]
    assert any(s["status_message"] for s in spans)
    values = [v for s in spans for v in s["attributes"].values()]
    for t in (str, int, float, bool):
        assert any(type(v) is t for v in values), t
        assert any(isinstance(v, list) and v and all(type(x) is t for x in v) for v in values), t
    assert any(e["attributes"] for s in spans for e in s["events"])
    assert any(lk["attributes"] and lk["trace_state"] for s in spans for lk in s["links"])
    assert any(s["trace_state"] and s["flags"] & 0x200 for s in spans)
    assert any(s["dropped_attributes"] and s["dropped_events"] and s["dropped_links"] for s in spans)
    assert any(e["dropped_attributes"] for s in spans for e in s["events"])
    assert any(lk["dropped_attributes"] for s in spans for lk in s["links"])
    assert len(want["resources"]) == 2 and all(r["attributes"] for r in want["resources"])
    assert any(s["scope"]["attributes"] and s["scope"]["version"] and s["scope"]["schema_url"] for s in spans)
    assert len(want["feedback"]) == 3 and sorted(i for s in spans for i in s["feedback"]) == [0, 1, 2]


@pytest.mark.parametrize(
    ("version", "golden", "expected"), [("1.0", GOLDEN, EXPECTED), ("1.1", GOLDEN_11, EXPECTED_11), ("2.0", GOLDEN_2, EXPECTED_2)]
)
def test_make_golden_regenerates_the_same_content(tmp_path, version, golden, expected):
    """The script is deterministic and still describes the committed file. (The
    bytes may differ from the committed file's under another zstd version.)"""
    runs = []
    for i in range(2):
        out, out_json = tmp_path / f"g{i}.tracy", tmp_path / f"g{i}.json"
        subprocess.run(
            [sys.executable, str(DATA / "make_golden.py"), "--version", version, str(out), str(out_json)], check=True, capture_output=True
        )
        runs.append(out.read_bytes())
    assert runs[0] == runs[1]
    assert out_json.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")
    got = _dump_11(out) if version != "1.0" else dump(tracefile.load(out))
    assert to_json(got) == expected.read_text(encoding="utf-8")
    # Every payload but the index (whose offsets follow the compressed sizes) is the committed one.
    def payloads(data: bytes) -> list[tuple[int, bytes]]:
        return [(r.kind, frame_payload(data, r)) for r in scan_frames(data, ScanReport()) if r.kind != KIND_INDEX]

    assert runs[0][:16] == golden.read_bytes()[:16]
    if version != "2.0":  # format 2's payloads follow the writer's choices of what to store (the content is pinned above)
        assert payloads(runs[0]) == payloads(golden.read_bytes())


# --------------------------------------------------------------------------- format 1.1


def test_golden_11_file_decodes_to_expected_json():
    got = _dump_11(GOLDEN_11)
    assert got == json.loads(EXPECTED_11.read_text(encoding="utf-8"))
    assert to_json(got) == EXPECTED_11.read_text(encoding="utf-8")
    assert dump(tracefile.load(GOLDEN_11, strict=True)) == dump(tracefile.load(GOLDEN_11))
    assert [s.span_id for s in tracefile.iter_spans(GOLDEN_11)] == [s["span_id"] for s in got["spans"]]


def test_golden_11_file_header_and_frames():
    data = GOLDEN_11.read_bytes()
    assert struct.unpack_from("<HHH", data, 10) == (1, 1, 0)
    assert tracefile.load(GOLDEN_11).version == (1, 1)
    report = ScanReport()
    refs = list(scan_frames(data, report))
    assert report.warnings == [] and report.end == len(data)
    assert [r.kind for r in refs] == [KIND_FILE_INFO] + [KIND_SPANS, KIND_SPAN_DETAILS] * 3 + [KIND_FEEDBACK, KIND_INDEX]
    # Fields 21-22 are written (empty when every span of the batch has zero), and hold the third batch's tokens.
    spans_frames = [msgspec.msgpack.decode(frame_payload(data, r)) for r in refs if r.kind == KIND_SPANS]
    assert [len(f) for f in spans_frames] == [23, 23, 23]
    assert [(f[21], f[22]) for f in spans_frames[:2]] == [(b"", b""), (b"", b"")]
    assert struct.unpack("<I", spans_frames[2][21]) == (1024,) and struct.unpack("<I", spans_frames[2][22]) == (256,)


def test_golden_10_file_has_no_fields_21_22_and_reads_them_as_zero():
    data = GOLDEN.read_bytes()
    spans_frames = [msgspec.msgpack.decode(frame_payload(data, r)) for r in scan_frames(data, ScanReport()) if r.kind == KIND_SPANS]
    assert [len(f) for f in spans_frames] == [21, 21]  # a 1.0 writer ended spans frames after field 20
    columns = token_columns(read_timeline(GOLDEN))
    assert columns["cache_read_tokens"] == columns["reasoning_tokens"] == [0] * 7
    assert columns["input_tokens"] == [120, 0, 0, 0, 0, 0, 0]


def _append_field(payload: bytes) -> bytes:
    """A newer minor's payload: one more element at the end of the frame's array, and of each feedback record."""
    value = msgspec.msgpack.decode(payload)
    if len(value) == 1 and isinstance(value[0], list):  # a feedback batch
        value = [[[*record, "newer"] for record in value[0]], "newer"]
    else:
        value = [*value, {"newer": 1}]
    return msgspec.msgpack.encode(value)


def test_a_newer_minor_version_reads_as_its_known_part(tmp_path):
    """FORMAT.md §6: this reader reads a file of a later minor that added trailing fields to every struct
    and a new frame kind, and gets what it knows, without warnings. (Content frames are not MessagePack
    at their top, and stay as they are; references keep their meaning.)"""
    data = GOLDEN_2.read_bytes()
    frames = [
        bytes(data[r.offset : r.end]) if r.kind == KIND_CONTENT else encode_frame(r.kind, _append_field(frame_payload(data, r)))
        for r in scan_frames(data, ScanReport())
    ]
    frames.insert(1, encode_frame(0x30, msgspec.msgpack.encode(["a frame kind from the future"])))
    path = tmp_path / "newer.tracy"
    path.write_bytes(file_header(2, 9) + b"".join(frames))
    want = json.loads(EXPECTED_2.read_text(encoding="utf-8"))
    want["version"] = [2, 9]
    assert _dump_11(path) == want


# --------------------------------------------------------------------------- format 2.0


def test_golden_2_file_decodes_to_expected_json_by_every_reader():
    got = _dump_11(GOLDEN_2)
    assert got == json.loads(EXPECTED_2.read_text(encoding="utf-8"))
    assert to_json(got) == EXPECTED_2.read_text(encoding="utf-8")
    strict = tracefile.load(GOLDEN_2, strict=True)
    assert dump(strict) == dump(tracefile.load(GOLDEN_2))
    streamed = list(tracefile.iter_spans(GOLDEN_2))
    assert [s.attributes for s in streamed] == [s.attributes for s in strict.spans]
    # The timeline reader resolves a span's references when its details are asked for, in any order.
    reader = TimelineReader(GOLDEN_2)
    reader.read()
    for row in reversed(range(len(reader.timeline))):
        span = reader.span(row)
        assert span.attributes == strict.spans[row].attributes
        assert [e.attributes for e in span.events] == [e.attributes for e in strict.spans[row].events]


def test_golden_2_file_keeps_its_long_texts_once_in_content_frames():
    data = GOLDEN_2.read_bytes()
    assert struct.unpack_from("<HHH", data, 10) == (2, 0, 0)
    refs = list(scan_frames(data, ScanReport()))
    kinds = [r.kind for r in refs]
    assert kinds == [KIND_FILE_INFO] + [KIND_SPANS, KIND_SPAN_DETAILS] * 3 + [KIND_CONTENT, KIND_SPANS, KIND_SPAN_DETAILS] * 2 + [
        KIND_FEEDBACK, KIND_INDEX]  # fmt: skip
    contents = [decode_content(data, r.offset) for r in refs if r.kind == KIND_CONTENT]
    first, second = contents
    assert [e.base for e in first] == [-1] * len(first)  # new texts
    history, events = [e for e in second if e.base >= 0]
    assert type(history.text) is str and history.base == 0 and history.keep > 400  # the history, continued
    assert type(events.text) is bytes and type(first[events.base].text) is bytes  # the message events, continued
    assert events.keep > 1000
    assert len(second) == 3  # the repeated tool definitions and event text took no new entry
    details = [msgspec.msgpack.decode(frame_payload(data, r)) for r in refs if r.kind == KIND_SPAN_DETAILS]
    assert [d[8] for d in details[:3]] == [0, 0, 0] and details[3][8] == details[4][8] != 0  # the content store
    second_attrs = details[4][2][0]
    tools = [second_attrs["gen_ai.tool.definitions"], details[3][2][0]["gen_ai.tool.definitions"]]
    assert all(isinstance(t, msgspec.msgpack.Ext) and t.code == EXT_CONTENT for t in tools)
    assert tools[0].data == tools[1].data  # one entry, referred to twice
    assert second_attrs["short"] == "stays inline" and second_attrs["gen_ai.request.model"] == "gpt-4o"


def test_golden_2_file_reads_without_its_content_as_marked_loss(tmp_path):
    """A reader that meets references whose content frames are gone shows a marker, never wrong text."""
    data = GOLDEN_2.read_bytes()
    kept = b"".join(bytes(data[r.offset : r.end]) for r in scan_frames(data, ScanReport()) if r.kind != KIND_CONTENT)
    path = tmp_path / "no-content.tracy"
    path.write_bytes(data[:16] + kept)
    tf = tracefile.load(path)
    chats = [s for s in tf.spans if s.attributes.get("short") == "stays inline"]
    assert len(chats) == 2
    for s in chats:
        assert s.attributes["gen_ai.input.messages"].startswith("…[content lost: ")
        assert s.attributes["gen_ai.request.model"] == "gpt-4o"
