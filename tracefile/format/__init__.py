"""The `.tracy` format core: schema, frame codec, writer, readers and the in-memory model.

This layer knows nothing of OpenTelemetry: reading, converting and validating a
file never loads the SDK. `docs/FORMAT.md` specifies what it reads and writes.

The names below are the public reading API that tools such as the viewer build
on; they are imported on first use, so ``import tracefile`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    # The in-memory model and errors.
    "TraceFileError": "errors",
    "Span": "model",
    "SpanEvent": "model",
    "SpanLink": "model",
    "TraceFile": "model",
    # Whole-file and streaming reads.
    "load": "reader",
    "iter_spans": "reader",
    "open_buffer": "reader",
    "decode_frame": "reader",
    "join_feedback": "reader",
    # Frame-level access.
    "FrameRef": "framing",
    "ScanReport": "framing",
    "scan_frames": "framing",
    "frame_payload": "framing",
    "check_file_header": "framing",
    # Which span a feedback record judges (FORMAT.md §2.4).
    "find_span": "feedback",
    "Match": "feedback",
    "RESPONSE_ID": "feedback",
    # The marker that ends a value cut to its size limit.
    "TRUNCATION_RE": "truncation",
    "truncated_chars": "truncation",
    # Columnar timeline reads.
    "Timeline": "columns",
    "TimelineReader": "columns",
    "BatchRef": "columns",
    "read_timeline": "columns",
    # The content store (FORMAT.md §2.6): long texts kept once per file.
    "ContentIndex": "content",
    "EXT_CONTENT": "content",
    "content_lost": "content",
    "index_content": "content",
    "common_prefix": "content",
    # Appending records.
    "TraceWriter": "writer",
    # Payload types and constants.
    "Feedback": "schema",
    "FileInfo": "schema",
    "Resource": "schema",
    "Scope": "schema",
    "SpanDetails": "schema",
    "KIND_SPAN_DETAILS": "schema",
    "SPAN_KIND_NAMES": "schema",
    "STATUS_ERROR": "schema",
    "STATUS_OK": "schema",
    "STATUS_UNSET": "schema",
    "STATUS_NAMES": "schema",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'tracefile.format' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted(_PUBLIC)


__all__ = sorted(_PUBLIC)
