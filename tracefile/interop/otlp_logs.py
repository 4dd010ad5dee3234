"""OTLP log records as feedback: the GenAI evaluation events (``gen_ai.evaluation.result``,
``gen_ai.evaluation.user_feedback``) an app or `tracy push` sends through the logs signal,
read from an ExportLogsServiceRequest in protobuf or JSON. Other log records are not feedback."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from ..format.schema import Feedback
from ..genai.feedback import fields_from_event
from .otlp_json import _from_attributes, _from_value, _hex_id, _int, _KeyValue, _Value

_EVENT_NAME = "event.name"  # where log records carried the event's name before LogRecord.event_name


def _feedback(name: str, attrs: dict[str, Any], body: Any, time_ns: int, trace_id: str, span_id: str) -> Feedback | None:
    name = name or str(attrs.get(_EVENT_NAME) or "")
    comment = body.get("comment") if isinstance(body, dict) else body
    fields = fields_from_event(name, attrs, comment if isinstance(comment, str) else "")
    if fields is None:
        return None
    return Feedback(time_unix_nano=time_ns or time.time_ns(), trace_id=trace_id, span_id=span_id, **fields)


def _proto_value(v: Any) -> Any:
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_proto_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _proto_value(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, which)


def _proto_id(raw: bytes, size: int) -> str:
    return raw.hex() if len(raw) == size and any(raw) else ""


def parse_request(body: bytes) -> Any:
    """An OTLP/HTTP protobuf body as an ExportLogsServiceRequest. Raises ValueError saying why it does not parse."""
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.logs.v1 import logs_service_pb2

    try:
        return logs_service_pb2.ExportLogsServiceRequest.FromString(body)
    except DecodeError as exc:
        raise ValueError(f"not an OTLP ExportLogsServiceRequest: {exc}") from None


def request_feedback(request: Any) -> list[Feedback]:
    """The feedback records among the log records of a parsed ExportLogsServiceRequest."""
    out = []
    for rl in request.resource_logs:
        for sl in rl.scope_logs:
            for r in sl.log_records:
                attrs = {kv.key: _proto_value(kv.value) for kv in r.attributes}
                fb = _feedback(r.event_name, attrs, _proto_value(r.body), r.time_unix_nano or r.observed_time_unix_nano,
                               _proto_id(r.trace_id, 16), _proto_id(r.span_id, 8))  # fmt: skip
                if fb is not None:
                    out.append(fb)
    return out


class _LogRecord(msgspec.Struct, rename="camel"):
    time_unix_nano: int | str = 0
    observed_time_unix_nano: int | str = 0
    event_name: str = ""
    attributes: list[_KeyValue] = []
    body: _Value | None = None
    trace_id: str = ""
    span_id: str = ""


class _ScopeLogs(msgspec.Struct, rename="camel"):
    log_records: list[_LogRecord] = []


class _ResourceLogs(msgspec.Struct, rename="camel"):
    scope_logs: list[_ScopeLogs] = []


class _LogsRequest(msgspec.Struct, rename="camel"):
    resource_logs: list[_ResourceLogs] | msgspec.UnsetType = msgspec.UNSET


_decode_logs = msgspec.json.Decoder(_LogsRequest).decode


def json_request_feedback(body: bytes) -> list[Feedback]:
    """The feedback records among the log records of an OTLP/JSON ExportLogsServiceRequest.
    Raises ValueError when the body is not such a request."""
    try:
        request = _decode_logs(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"not an OTLP/JSON logs request: {exc}") from None
    if request.resource_logs is msgspec.UNSET:
        raise ValueError("not an OTLP/JSON logs request (no resourceLogs)")
    out = []
    for rl in request.resource_logs:
        for sl in rl.scope_logs:
            for r in sl.log_records:
                attrs = _from_attributes(r.attributes)
                when = _int(r.time_unix_nano, "timeUnixNano") or _int(r.observed_time_unix_nano, "observedTimeUnixNano")
                fb = _feedback(r.event_name, attrs, _from_value(r.body), when,
                               _hex_id(r.trace_id, 32, "traceId"), _hex_id(r.span_id, 16, "spanId"))  # fmt: skip
                if fb is not None:
                    out.append(fb)
    return out
