"""The committed format-1.0 golden file must always decode to the committed expected JSON.

If this fails after a reader change, the change broke compatibility with
existing files: fix the reader, never regenerate the golden file (that is only
for a new major version, as docs/FORMAT.md says).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import tracefile
from tracefile.format.framing import ScanReport, frame_payload, scan_frames
from tracefile.format.reader import decode_frame
from tracefile.format.schema import (
    FILE_MAGIC,
    FLAG_ZSTD,
    KIND_FEEDBACK,
    KIND_FILE_INFO,
    KIND_INDEX,
    KIND_SPAN_DETAILS,
    KIND_SPANS,
    FileInfo,
    Index,
)
from tests.helpers.golden import dump, to_json

DATA = Path(__file__).resolve().parents[2] / "data"
GOLDEN = DATA / "golden-v1.tracy"
EXPECTED = DATA / "golden-v1.expected.json"


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


def test_make_golden_regenerates_the_same_content(tmp_path):
    """The script is deterministic and still describes the committed file. (The
    bytes may differ from the committed file's under another zstd version.)"""
    runs = []
    for i in range(2):
        out, out_json = tmp_path / f"g{i}.tracy", tmp_path / f"g{i}.json"
        subprocess.run([sys.executable, str(DATA / "make_golden.py"), str(out), str(out_json)], check=True, capture_output=True)
        runs.append(out.read_bytes())
    assert runs[0] == runs[1]
    assert out_json.read_text(encoding="utf-8") == EXPECTED.read_text(encoding="utf-8")
    assert to_json(dump(tracefile.load(out))) == EXPECTED.read_text(encoding="utf-8")
