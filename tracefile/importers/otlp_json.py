"""OTLP/JSON files: one ExportTraceServiceRequest, or one per line (JSON Lines), as
``opentelemetry-exporter-otlp-json-file`` and the Collector's file exporter write them."""

from __future__ import annotations

import json

from ..errors import TraceFileError
from ..otlp_json import otlp_to_spans
from . import Imported


def read(path: str, head: bytes) -> Imported | None:
    if not head.lstrip().startswith(b"{"):
        return None
    spans = []
    warnings = []
    with open(path, "rb") as f:
        text = f.read()
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError as exc:
                warnings.append(f"{path}: line {lineno} is not JSON ({exc.msg} at column {exc.colno}); skipped")
    if not docs or not all(isinstance(d, dict) and "resourceSpans" in d for d in docs):
        if any(isinstance(d, dict) and "resourceSpans" in d for d in docs):
            raise TraceFileError(f"{path}: some lines are not OTLP/JSON trace requests")
        return None
    for i, doc in enumerate(docs, 1):
        spans.extend(otlp_to_spans(doc, f"{path}: request {i}"))
    return Imported("otlp-json", spans, [], warnings)
