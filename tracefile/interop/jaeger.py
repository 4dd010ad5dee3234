"""Jaeger JSON (the query service's model: one trace, `/api/traces` `{"data": [...]}`, or a span array) as the trace model.

Mapping, as OpenTelemetry's Jaeger translator does it:

* the first CHILD_OF reference within the span's own trace is its parent; every other reference
  (FOLLOWS_FROM, CHILD_OF into another trace, a second CHILD_OF) becomes a link with
  ``opentracing.ref_type``;
* the process (``serviceName`` and its tags) is the resource;
* the tags ``span.kind``, ``otel.status_code``/``otel.status_description``, ``error``,
  ``otel.scope.name``/``otel.library.name`` (and versions) and ``w3c.tracestate`` become the span's
  kind, status, scope and trace state; every other tag is an attribute, typed by its ``type``;
* logs are events, named by their ``event`` field;
* trace, span and response errors are import warnings (and a span's own warnings stay on it as
  ``jaeger.warnings``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..format.model import Span, SpanEvent, SpanLink
from ..format.schema import STATUS_ERROR, STATUS_OK, Resource, Scope
from . import Imported
from .common import Skips, hex_id, load_json, microseconds, never_raises

_KINDS = {"internal": 0, "server": 1, "client": 2, "producer": 3, "consumer": 4}
_STATUS = {"OK": STATUS_OK, "ERROR": STATUS_ERROR, "UNSET": 0}
_CONSUMED = frozenset({"span.kind", "otel.status_code", "otel.status_description", "otel.scope.name",
                       "otel.scope.version", "otel.library.name", "otel.library.version", "w3c.tracestate"})  # fmt: skip


def _is_span(d: Any) -> bool:
    return isinstance(d, dict) and "spanID" in d and "operationName" in d


def _traces(doc: Any) -> list[dict[str, Any]] | None:
    """The traces in a document, or None if it is not Jaeger JSON."""
    if isinstance(doc, dict):
        data = doc.get("data")
        if isinstance(data, list) and "spans" not in doc and all(isinstance(t, dict) and "spans" in t for t in data):
            if data or {"total", "limit", "offset", "errors"} & doc.keys():
                return data
        if "traceID" in doc and isinstance(doc.get("spans"), list):
            return [doc]
        return None
    if isinstance(doc, list) and doc and all(_is_span(s) for s in doc):
        return [{"spans": doc, "processes": {}}]  # a span array with inline `process` (jaeger's anonymizer, `--output`)
    return None


def _tag_value(tag: dict[str, Any]) -> Any:
    t, v = str(tag.get("type", "string")).lower(), tag.get("value")
    if t == "bool":
        return v if isinstance(v, bool) else str(v).lower() == "true"
    if t == "int64":
        return int(v)
    if t == "float64":
        return float(v)
    if t == "binary":
        return base64.b64decode(v) if isinstance(v, str) else bytes(v)
    return v if isinstance(v, (str, bool, int, float)) or v is None else json.dumps(v)


def _tags(tags: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tag in tags or []:
        out[str(tag["key"])] = _tag_value(tag)
    return out


def _resource(process: Any) -> Resource:
    if not isinstance(process, dict):
        return Resource()
    attrs = {"service.name": str(process.get("serviceName", ""))}
    attrs.update(_tags(process.get("tags")))
    return Resource(attrs)


def _span(s: dict[str, Any], processes: dict[str, Resource], trace_warnings: list[str]) -> Span:
    for key in ("traceID", "spanID", "startTime"):
        if key not in s:
            raise ValueError(f"missing {key}")
    trace_id, span_id = hex_id(s["traceID"], 32), hex_id(s["spanID"], 16)
    start = microseconds(s["startTime"], "startTime")
    end = start + microseconds(s.get("duration", 0), "duration")
    parent = ""
    links = []
    for ref in s.get("references") or []:
        ref_trace, ref_span = hex_id(ref["traceID"], 32), hex_id(ref["spanID"], 16)
        ref_type = str(ref.get("refType", "CHILD_OF")).upper()
        if not parent and ref_type == "CHILD_OF" and ref_trace == trace_id:
            parent = ref_span
        else:
            links.append(SpanLink(ref_trace, ref_span, attributes={"opentracing.ref_type": ref_type.lower()}))
    tags = _tags(s.get("tags"))
    kind = _KINDS.get(str(tags.get("span.kind", "")).lower(), 0)
    status = _STATUS.get(str(tags.get("otel.status_code", "")).upper(), 0)
    message = str(tags.get("otel.status_description", ""))
    if tags.get("error") is True or str(tags.get("error", "")).lower() == "true":
        status = STATUS_ERROR
        if "otel.status_code" in tags:
            del tags["error"]  # OpenTelemetry's exporter adds it beside the status it already wrote
    scope = Scope(str(tags.get("otel.scope.name", tags.get("otel.library.name", ""))),
                  str(tags.get("otel.scope.version", tags.get("otel.library.version", ""))))  # fmt: skip
    trace_state = str(tags.get("w3c.tracestate", ""))
    attributes = {k: v for k, v in tags.items() if k not in _CONSUMED}
    events = []
    for log in s.get("logs") or []:
        fields = _tags(log.get("fields"))
        name = str(fields.pop("event", "log"))
        events.append(SpanEvent(microseconds(log.get("timestamp", s["startTime"]), "log timestamp"), name, fields))
    if status == STATUS_ERROR and not message:
        # OpenTracing's error log: `event: error` with `message` or `error.object`.
        for e in events:
            if e.name == "error" and (e.attributes.get("message") or e.attributes.get("error.object")):
                message = str(e.attributes.get("message") or e.attributes.get("error.object"))
                break
    warnings = [str(w) for w in s.get("warnings") or []]
    if warnings:
        attributes["jaeger.warnings"] = warnings
        trace_warnings.extend(f"span {s['spanID']}: {w}" for w in warnings)
    process = s.get("process")
    resource = _resource(process) if isinstance(process, dict) else processes.get(str(s.get("processID", "")), Resource())
    return Span(
        trace_id=trace_id, span_id=span_id, parent_span_id=parent, name=str(s.get("operationName", "")),
        kind=kind, start_time=start, end_time=end, status_code=status, status_message=message, attributes=attributes,
        events=events, links=links, resource=resource, scope=scope, trace_state=trace_state, flags=int(s.get("flags", 0)) & 0xFF,
    )  # fmt: skip


@never_raises("Jaeger JSON")
def read(path: str, head: bytes) -> Imported | None:
    """A Jaeger JSON file as the trace model; None if it is not one."""
    doc = load_json(path, head)
    traces = _traces(doc)
    if traces is None:
        return None
    spans: list[Span] = []
    warnings: list[str] = []
    skips = Skips()
    if isinstance(doc, dict):
        for err in doc.get("errors") or []:
            warnings.append(f"the query service reported an error: {json.dumps(err, ensure_ascii=False)}")
    n = 0
    for trace in traces:
        processes: dict[str, Resource] = {}
        for pid, process in (trace.get("processes") or {}).items():
            try:
                processes[pid] = _resource(process)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                warnings.append(f"process {pid}: {type(exc).__name__}: {exc}; its spans have no resource")
        seen: dict[tuple[str, str], Any] = {}
        for s in trace.get("spans") or []:
            n += 1
            try:
                if not isinstance(s, dict):
                    raise ValueError("not an object")
                span = _span(s, processes, warnings)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                skips.add(f"span {n}", str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}")
                continue
            key = (span.trace_id, span.span_id)
            if key in seen:
                if seen[key] == s:
                    warnings.append(f"span {n}: an exact copy of span {span.span_id} in trace {span.trace_id}; left out")
                    continue
                warnings.append(f"span {n}: span id {span.span_id} appears more than once in trace {span.trace_id}")
            seen[key] = s
            spans.append(span)
        warnings.extend(f"trace {trace.get('traceID', '?')}: {w}" for w in trace.get("warnings") or [])
    return Imported("jaeger", spans, [], skips.warning() + warnings)
