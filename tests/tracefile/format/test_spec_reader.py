"""docs/FORMAT.md is enough to read the format: a second reader written from it alone
(`tests/helpers/spec_reader.py`: msgpack, zstandard, nothing of tracefile) reads the golden files
to their expected contents, and what the writer writes today as `load()` reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracefile
from tests.helpers import hostile, spec_reader
from tests.helpers.content_files import conversation, event_layout, write

DATA = Path(__file__).resolve().parents[2] / "data"
TOKENS = ("category", "model", "input_tokens", "output_tokens", "cache_read_tokens", "reasoning_tokens")


def _json(value):
    return json.loads(json.dumps(spec_reader.jsonable(value), ensure_ascii=False))


@pytest.mark.parametrize("version", ["v1", "v1.1", "v2"])
def test_the_spec_reader_reads_each_golden_file_to_its_expected_contents(version):
    expected = json.loads((DATA / f"golden-{version}.expected.json").read_text(encoding="utf-8"))
    got = spec_reader.read_file(DATA / f"golden-{version}.tracy")
    renamed = {"start_time_unix_nano": "start_time", "end_time_unix_nano": "end_time"}
    spans = [{renamed.get(k, k): v for k, v in s.items() if k not in TOKENS} for s in got["spans"]]
    assert _json(spans) == expected["spans"]
    assert _json(got["feedback"]) == expected["feedback"]
    if "columns" in expected:
        assert {k: [s[k] for s in got["spans"]] for k in expected["columns"]} == expected["columns"]
    resources = []
    for s in got["spans"]:
        if s["resource"] not in resources:
            resources.append(s["resource"])
    assert _json(resources) == expected["resources"]
    assert [{"writer": f[0], "writer_version": f[1]} for f in got["file_info"]] == expected["writers"]
    assert got["version"] == expected["version"] and got["warnings"] == expected["warnings"] == []


def _as_load_reads(span) -> dict:
    return {
        "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": span.parent_span_id, "name": span.name,
        "kind": span.kind, "start_time_unix_nano": span.start_time, "end_time_unix_nano": span.end_time,
        "status_code": span.status_code, "status_message": span.status_message, "attributes": span.attributes,
        "events": [{"time_unix_nano": e.time_unix_nano, "name": e.name, "attributes": e.attributes,
                    "dropped_attributes": e.dropped_attributes} for e in span.events],
    }  # fmt: skip


@pytest.mark.parametrize("case", ["conversation", "event lists", "recording"])
def test_the_spec_reader_reads_what_the_writer_writes_now(case, tmp_path):
    """Content references, continued entries and event lists as the writer makes them today, and
    a real recording's frames, read the same by both readers."""
    path = tmp_path / f"{case}.tracy"
    if case == "conversation":
        write(path, conversation(14), batch=3)
    elif case == "event lists":
        write(path, event_layout(8), batch=1)
    else:
        path.write_bytes(hostile.clean_file())
    got = spec_reader.read_file(path)
    assert got["warnings"] == []
    keys = list(_as_load_reads(tracefile.load(path).spans[0]))
    mine = [{k: s[k] for k in keys} for s in got["spans"]]
    assert mine == [_as_load_reads(s) for s in tracefile.load(path).spans]
