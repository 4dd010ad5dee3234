"""OTLP/JSON (the protobuf JSON mapping of ExportTraceServiceRequest) to and from the trace model.

The output matches what ``opentelemetry-exporter-otlp-json-file`` writes for
the same spans: lowerCamelCase keys, hex ids, 64-bit integers as strings, and
fields left out when they hold their default value.
"""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
from typing import Any, Callable, Iterable, Sequence

from ..format.errors import TraceFileError
from ..format.model import Span, SpanEvent, SpanLink
from ..format.schema import OTLP_FLAG_HAS_IS_REMOTE, Feedback, Resource, Scope
from ..genai.feedback import event_for
from . import Imported


def _value(v: Any) -> dict[str, Any]:
    if v is None:
        return {}
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        if math.isnan(v):
            return {"doubleValue": "NaN"}
        if math.isinf(v):
            return {"doubleValue": "Infinity" if v > 0 else "-Infinity"}
        return {"doubleValue": v}
    if isinstance(v, (bytes, bytearray)):
        return {"bytesValue": base64.b64encode(v).decode("ascii")}
    if isinstance(v, (list, tuple)):
        values = [_value(x) for x in v]
        return {"arrayValue": {"values": values} if values else {}}
    if isinstance(v, dict):
        kvs = _attributes(v)
        return {"kvlistValue": {"values": kvs} if kvs else {}}
    return {"stringValue": str(v)}


def _attributes(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _value(v)} for k, v in attrs.items()]


def _put(out: dict, key: str, value: Any) -> None:
    if value:
        out[key] = value


def _event(e: SpanEvent) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "timeUnixNano", str(e.time_unix_nano) if e.time_unix_nano else "")
    _put(out, "name", e.name)
    _put(out, "attributes", _attributes(e.attributes))
    _put(out, "droppedAttributesCount", e.dropped_attributes)
    return out


def _link(lk: SpanLink) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "traceId", lk.trace_id)
    _put(out, "spanId", lk.span_id)
    _put(out, "traceState", lk.trace_state)
    _put(out, "attributes", _attributes(lk.attributes))
    _put(out, "droppedAttributesCount", lk.dropped_attributes)
    _put(out, "flags", lk.flags)
    return out


def feedback_event(fb: Feedback) -> SpanEvent:
    """Feedback as the GenAI evaluation span event other OpenTelemetry backends understand."""
    name, attrs = event_for(fb)
    return SpanEvent(fb.time_unix_nano, name, attrs)


def span_to_otlp(s: Span, *, with_feedback: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "traceId", s.trace_id)
    _put(out, "spanId", s.span_id)
    _put(out, "traceState", s.trace_state)
    _put(out, "parentSpanId", s.parent_span_id)
    _put(out, "flags", s.flags)
    _put(out, "name", s.name)
    _put(out, "kind", s.kind + 1)  # OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL)
    _put(out, "startTimeUnixNano", str(s.start_time) if s.start_time else "")
    _put(out, "endTimeUnixNano", str(s.end_time) if s.end_time else "")
    _put(out, "attributes", _attributes(s.attributes))
    _put(out, "droppedAttributesCount", s.dropped_attributes)
    events = s.events
    if with_feedback and s.feedback:
        events = list(events) + [feedback_event(fb) for fb in s.feedback]
    _put(out, "events", [_event(e) for e in events])
    _put(out, "droppedEventsCount", s.dropped_events)
    _put(out, "links", [_link(lk) for lk in s.links])
    _put(out, "droppedLinksCount", s.dropped_links)
    status: dict[str, Any] = {}
    _put(status, "message", s.status_message)
    _put(status, "code", s.status_code)
    out["status"] = status
    return out


def _scope(sc: Scope) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "name", sc.name)
    _put(out, "version", sc.version)
    _put(out, "attributes", _attributes(sc.attributes))
    return out


def _resource_key(r: Resource) -> tuple:
    return (tuple(sorted((k, repr(v)) for k, v in r.attributes.items())), r.schema_url)


def _scope_key(sc: Scope) -> tuple:
    return (sc.name, sc.version, sc.schema_url, tuple(sorted((k, repr(v)) for k, v in sc.attributes.items())))


def spans_to_otlp(spans: Iterable[Span], *, with_feedback: bool = True) -> dict[str, Any]:
    """One ExportTraceServiceRequest, grouping spans by resource then scope in order of first appearance."""
    groups: dict[tuple, tuple[Resource, dict[tuple, tuple[Scope, list]]]] = {}
    for s in spans:
        rkey = _resource_key(s.resource)
        entry = groups.get(rkey)
        if entry is None:
            entry = groups[rkey] = (s.resource, {})
        skey = _scope_key(s.scope)
        scope_entry = entry[1].get(skey)
        if scope_entry is None:
            scope_entry = entry[1][skey] = (s.scope, [])
        scope_entry[1].append(span_to_otlp(s, with_feedback=with_feedback))
    resource_spans = []
    for resource, scopes in groups.values():
        scope_spans = []
        for scope, encoded in scopes.values():
            ss: dict[str, Any] = {"scope": _scope(scope)}
            _put(ss, "spans", encoded)
            _put(ss, "schemaUrl", scope.schema_url)
            scope_spans.append(ss)
        res: dict[str, Any] = {}
        _put(res, "attributes", _attributes(resource.attributes))
        _put(res, "droppedAttributesCount", resource.dropped_attributes)
        rs: dict[str, Any] = {"resource": res}
        _put(rs, "scopeSpans", scope_spans)
        _put(rs, "schemaUrl", resource.schema_url)
        resource_spans.append(rs)
    out: dict[str, Any] = {}
    _put(out, "resourceSpans", resource_spans)
    return out


def write_otlp_json(path: str | os.PathLike[str], spans: Sequence[Span], *, lines: bool = False) -> None:
    """Write ``spans`` to ``path`` as OTLP/JSON, the way ``opentelemetry-exporter-otlp-json-file``
    does: one ExportTraceServiceRequest, or with ``lines`` one request per 512 spans per line."""
    with open(path, "w", encoding="utf-8") as f:
        if not lines:
            f.write(json.dumps(spans_to_otlp(spans), separators=(",", ":")) + "\n")
            return
        for i in range(0, len(spans), 512):
            f.write(json.dumps(spans_to_otlp(spans[i : i + 512]), separators=(",", ":")) + "\n")


def replace_file(path: str | os.PathLike[str], write: Callable[[str], None], prefix: str = ".tracy-") -> None:
    """Have ``write(tmp)`` create a new file beside ``path``, then put it in ``path``'s place in one
    step: a reader never sees half a file, and a failed write leaves ``path`` as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=folder)
    os.close(fd)
    os.unlink(tmp)  # `write` creates it (a .tracy writer wants a new file)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- reading OTLP/JSON -----------------------------------------------------------------


def _from_value(v: dict[str, Any]) -> Any:
    if "stringValue" in v:
        return v["stringValue"]
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "arrayValue" in v:
        return [_from_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in v:
        return _from_attributes((v["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in v:
        return base64.b64decode(v["bytesValue"])
    return None


def _from_attributes(kvs: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {kv["key"]: _from_value(kv.get("value") or {}) for kv in kvs or []}


def _hex_id(value: str | None, width: int) -> str:
    """OTLP/JSON ids are hex; some producers write base64 (the plain protobuf JSON mapping)."""
    if not value:
        return ""
    if len(value) == width and all(c in "0123456789abcdefABCDEF" for c in value):
        return value.lower()
    raw = base64.b64decode(value)
    return raw.hex()


def otlp_to_spans(request: dict[str, Any], where: str = "<input>") -> list[Span]:
    """Spans of one ExportTraceServiceRequest in OTLP/JSON. Raises TraceFileError for malformed input."""
    try:
        out: list[Span] = []
        for rs in request.get("resourceSpans") or []:
            r = rs.get("resource") or {}
            resource = Resource(_from_attributes(r.get("attributes")), rs.get("schemaUrl", ""), int(r.get("droppedAttributesCount", 0)))
            for ss in rs.get("scopeSpans") or []:
                sc = ss.get("scope") or {}
                scope = Scope(sc.get("name", ""), sc.get("version", ""), ss.get("schemaUrl", ""), _from_attributes(sc.get("attributes")))
                for s in ss.get("spans") or []:
                    status = s.get("status") or {}
                    out.append(
                        Span(
                            trace_id=_hex_id(s.get("traceId"), 32),
                            span_id=_hex_id(s.get("spanId"), 16),
                            parent_span_id=_hex_id(s.get("parentSpanId"), 16),
                            name=s.get("name", ""),
                            kind=max(0, _enum(s.get("kind", 0), _KINDS) - 1),
                            start_time=int(s.get("startTimeUnixNano", 0)),
                            end_time=int(s.get("endTimeUnixNano", 0)),
                            status_code=_enum(status.get("code", 0), _STATUS),
                            status_message=status.get("message", ""),
                            attributes=_from_attributes(s.get("attributes")),
                            events=[
                                SpanEvent(int(e.get("timeUnixNano", 0)), e.get("name", ""), _from_attributes(e.get("attributes")),
                                          int(e.get("droppedAttributesCount", 0)))  # fmt: skip
                                for e in s.get("events") or []
                            ],
                            links=[
                                SpanLink(_hex_id(lk.get("traceId"), 32), _hex_id(lk.get("spanId"), 16), lk.get("traceState", ""),
                                         _from_attributes(lk.get("attributes")), int(lk.get("droppedAttributesCount", 0)),
                                         int(lk.get("flags", 0)))  # fmt: skip
                                for lk in s.get("links") or []
                            ],
                            resource=resource,
                            scope=scope,
                            trace_state=s.get("traceState", ""),
                            flags=int(s.get("flags", OTLP_FLAG_HAS_IS_REMOTE)),
                            dropped_attributes=int(s.get("droppedAttributesCount", 0)),
                            dropped_events=int(s.get("droppedEventsCount", 0)),
                            dropped_links=int(s.get("droppedLinksCount", 0)),
                        )
                    )
        return out
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise TraceFileError(f"{where}: not a valid OTLP/JSON trace request: {type(exc).__name__}: {exc}") from None


_KINDS = {"SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3,
          "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5}  # fmt: skip
_STATUS = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


def _enum(value: Any, names: dict[str, int]) -> int:
    if isinstance(value, str) and not value.isdigit():
        if value not in names:
            raise ValueError(f"unknown enum value {value!r}")
        return names[value]
    return int(value)


def read(path: str, head: bytes) -> Imported | None:
    """An OTLP/JSON file (one request, or JSON Lines) as the trace model; None if it is not one."""
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
