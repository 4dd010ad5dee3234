"""Spans as plain, comparable values: from the SDK's own OTLP protobuf encoding (read field by
field here, not through Tracy's importers) and from the trace model Tracy reads back."""

from __future__ import annotations

from typing import Any


def _pb_value(v: Any) -> Any:
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_pb_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _pb_value(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, which)


def _pb_attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: _pb_value(kv.value) for kv in kvs}


def from_request(request: Any) -> dict[str, dict]:
    """Every span of an ExportTraceServiceRequest message, by span id."""
    out = {}
    for rs in request.resource_spans:
        resource = (_pb_attrs(rs.resource.attributes), rs.schema_url)
        for ss in rs.scope_spans:
            scope = (ss.scope.name, ss.scope.version, ss.schema_url, _pb_attrs(ss.scope.attributes))
            for s in ss.spans:
                out[s.span_id.hex()] = {
                    "trace_id": s.trace_id.hex(), "parent": s.parent_span_id.hex(), "name": s.name, "kind": s.kind,
                    "start": s.start_time_unix_nano, "end": s.end_time_unix_nano, "flags": s.flags, "trace_state": s.trace_state,
                    "status": (s.status.code, s.status.message), "attributes": _pb_attrs(s.attributes),
                    "events": [(e.time_unix_nano, e.name, _pb_attrs(e.attributes), e.dropped_attributes_count) for e in s.events],
                    "links": [(lk.trace_id.hex(), lk.span_id.hex(), lk.trace_state, _pb_attrs(lk.attributes), lk.flags) for lk in s.links],
                    "dropped": (s.dropped_attributes_count, s.dropped_events_count, s.dropped_links_count),
                    "resource": resource, "scope": scope,
                }  # fmt: skip
    return out


def from_model(spans: list) -> dict[str, dict]:
    """Model spans (`tracefile.load(...).spans`) in the same shape, by span id."""
    return {
        s.span_id: {
            "trace_id": s.trace_id, "parent": s.parent_span_id, "name": s.name, "kind": s.kind + 1,
            "start": s.start_time, "end": s.end_time, "flags": s.flags, "trace_state": s.trace_state,
            "status": (s.status_code, s.status_message), "attributes": dict(s.attributes),
            "events": [(e.time_unix_nano, e.name, dict(e.attributes), e.dropped_attributes) for e in s.events],
            "links": [(lk.trace_id, lk.span_id, lk.trace_state, dict(lk.attributes), lk.flags) for lk in s.links],
            "dropped": (s.dropped_attributes, s.dropped_events, s.dropped_links),
            "resource": (dict(s.resource.attributes), s.resource.schema_url),
            "scope": (s.scope.name, s.scope.version, s.scope.schema_url, dict(s.scope.attributes)),
        }  # fmt: skip
        for s in spans
    }
