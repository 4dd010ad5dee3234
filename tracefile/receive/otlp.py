"""OTLP export requests, whatever carried them (HTTP protobuf, HTTP JSON, gRPC), into the sink:
what to decode, what counts as rejected, and the outcome a transport turns into its status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..interop import otlp_json, otlp_logs
from .sink import Sink, StorageFull

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
CONTENT_TYPES = (PROTOBUF, JSON)


@dataclass
class Outcome:
    """What became of one export request: ``status`` is ``ok``, ``bad`` (a malformed request:
    HTTP 400, gRPC INVALID_ARGUMENT) or ``full`` (retry later: HTTP 503, gRPC UNAVAILABLE).
    ``rejected`` items were left out of an ``ok`` request (OTLP's partial success), ``message`` says why."""

    status: str
    accepted: int = 0
    rejected: int = 0
    message: str = ""


def _why(reasons: list[str]) -> str:
    shown = "; ".join(reasons[:3])
    return shown + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")


def _write_spans(sink: Sink, spans: list, reasons: list[str]) -> Outcome:
    try:
        sink.write_spans(spans)
    except StorageFull as exc:
        return Outcome("full", message=str(exc))
    return _outcome(len(spans), reasons)


def _outcome(count: int, reasons: list[str]) -> Outcome:
    if reasons:
        return Outcome("ok", count, len(reasons), f"{len(reasons)} span(s) rejected: {_why(reasons)}")
    return Outcome("ok", count)


def trace_body(sink: Sink, body: bytes, content_type: str) -> Outcome:
    """An OTLP ``/v1/traces`` body (HTTP, or a gRPC call's message), protobuf or JSON, into the sink."""
    try:
        if content_type == PROTOBUF:
            count, reasons = sink.write_trace_request(body)
            return _outcome(count, reasons)
        spans, reasons = otlp_json.request_spans(body)
    except ValueError as exc:
        return Outcome("bad", message=f"malformed {_name(content_type)} trace request: {exc}")
    except StorageFull as exc:
        return Outcome("full", message=str(exc))
    return _write_spans(sink, spans, reasons)


def _write_feedback(sink: Sink, records: list) -> Outcome:
    try:
        sink.write_feedback(records)
    except StorageFull as exc:
        return Outcome("full", message=str(exc))
    return Outcome("ok", len(records))


def logs_request(sink: Sink, request: Any) -> Outcome:
    """A parsed ExportLogsServiceRequest (from gRPC): its GenAI evaluation records become feedback."""
    return _write_feedback(sink, otlp_logs.request_feedback(request))


def logs_body(sink: Sink, body: bytes, content_type: str) -> Outcome:
    """An OTLP/HTTP ``/v1/logs`` body: its GenAI evaluation records become feedback; other log records are not kept."""
    try:
        if content_type == PROTOBUF:
            records = otlp_logs.request_feedback(otlp_logs.parse_request(body))
        else:
            records = otlp_logs.json_request_feedback(body)
    except ValueError as exc:
        return Outcome("bad", message=f"malformed {_name(content_type)} logs request: {exc}")
    return _write_feedback(sink, records)


def _name(content_type: str) -> str:
    return "protobuf" if content_type == PROTOBUF else "JSON"
