"""The canonical JSON form of a loaded .tracy file, used by the golden-file test.

Everything a reader decodes is in it except the per-run FileInfo values (pid,
host, start time). JSON keeps the difference between ints, floats and bools,
so comparing the text compares value types too.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from .spans import loaded_span_dict


def _resource(r) -> dict[str, Any]:
    return {"attributes": r.attributes, "schema_url": r.schema_url, "dropped_attributes": r.dropped_attributes}


def feedback_dict(f) -> dict[str, Any]:
    return msgspec.structs.asdict(f)


def dump(tf) -> dict[str, Any]:
    """A `tracefile.TraceFile` as plain data."""
    fb_index = {id(f): i for i, f in enumerate(tf.feedback)}
    spans = []
    for s in tf.spans:
        d = loaded_span_dict(s)
        d["feedback"] = [fb_index[id(f)] for f in s.feedback]
        spans.append(d)
    return {
        "version": list(tf.version),
        "truncated": tf.truncated,
        "warnings": list(tf.warnings),
        "writers": [{"writer": w.writer, "writer_version": w.writer_version} for w in tf.writers],
        "resources": [_resource(r) for r in tf.resources],
        "spans": spans,
        "feedback": [feedback_dict(f) for f in tf.feedback],
    }


def token_columns(timeline) -> dict[str, list[int]]:
    """The token columns of a `tracefile.format.columns.Timeline`, one number per span in file order."""
    names = ("input_tokens", "output_tokens", "cache_read_tokens", "reasoning_tokens")
    return {name: getattr(timeline, name).tolist() for name in names}


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
