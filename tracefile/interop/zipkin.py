"""Zipkin v2 JSON (a span array as posted to `/api/v2/spans`, or `/api/v2/traces`' array of traces) as the trace model.

Mapping:

* ``kind`` CLIENT/SERVER/PRODUCER/CONSUMER is the span kind (none: internal);
* ``localEndpoint.serviceName`` is the resource's ``service.name``; its address and port are
  ``network.local.address``/``network.local.port``;
* ``remoteEndpoint.serviceName`` is ``peer.service``; its address and port are the server's for a
  CLIENT or PRODUCER span (``server.address``/``server.port``), the client's for a SERVER or
  CONSUMER span (``client.address``/``client.port``), else ``network.peer.address``/``port``;
* tags are attributes, except ``error`` (status ERROR, its value the message; as Zipkin's own UI
  reads it), ``otel.status_code``/``otel.status_description`` and ``otel.scope.name``/
  ``otel.library.name`` (and versions), which OpenTelemetry's Zipkin exporter writes;
* annotations are events (OpenTelemetry's ``{"name": {attributes}}`` annotations with their attributes);
* a ``shared`` SERVER span has the same id as the CLIENT span that called it. Like Zipkin's UI, we
  keep both: the server half gets an id derived from the trace and span ids
  (``zipkin.span_id`` keeps the original), becomes the client's child, and the spans the server's
  service started under that id become its children.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..format.model import Span, SpanEvent
from ..format.schema import STATUS_ERROR, STATUS_OK, Resource, Scope
from . import Imported
from .common import Skips, hex_id, load_json, microseconds, never_raises

_KINDS = {"SERVER": 1, "CLIENT": 2, "PRODUCER": 3, "CONSUMER": 4}
_STATUS = {"OK": STATUS_OK, "ERROR": STATUS_ERROR, "UNSET": 0}
_CONSUMED = frozenset({"error", "otel.status_code", "otel.status_description", "otel.scope.name",
                       "otel.scope.version", "otel.library.name", "otel.library.version"})  # fmt: skip


def _is_span(d: Any) -> bool:
    return isinstance(d, dict) and "traceId" in d and "id" in d


def _spans(doc: Any) -> list[Any] | None:
    """The raw spans of a document, or None if it is not Zipkin v2 JSON."""
    if not isinstance(doc, list):
        return None
    if all(isinstance(t, list) for t in doc) and doc:
        flat = [s for t in doc for s in t]
    else:
        flat = doc
    # A file with broken records still counts as Zipkin when most records are spans.
    good = sum(1 for s in flat if _is_span(s))
    return flat if flat and good * 2 >= len(flat) else None


def _event(a: dict[str, Any]) -> SpanEvent:
    time = microseconds(a["timestamp"], "annotation timestamp")
    value = str(a.get("value", ""))
    if value.startswith("{"):
        # OpenTelemetry's Zipkin exporter writes an event as {"name": {attributes}}.
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and len(decoded) == 1:
            ((name, attrs),) = decoded.items()
            if isinstance(attrs, dict) and all(isinstance(v, (str, bool, int, float)) for v in attrs.values()):
                return SpanEvent(time, str(name), attrs)
    return SpanEvent(time, value, {})


def _endpoint_attrs(ep: Any, address_key: str, port_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not isinstance(ep, dict):
        return out
    address = ep.get("ipv4") or ep.get("ipv6")
    if address:
        out[address_key] = str(address)
    if ep.get("port"):
        out[port_key] = int(ep["port"])
    return out


def _remote(kind: int) -> tuple[str, str]:
    if kind in (2, 3):
        return "server.address", "server.port"
    if kind in (1, 4):
        return "client.address", "client.port"
    return "network.peer.address", "network.peer.port"


def _span(s: dict[str, Any], resources: dict[str, Resource]) -> Span:
    for key in ("traceId", "id"):
        if key not in s:
            raise ValueError(f"missing {key}")
    trace_id, span_id = hex_id(s["traceId"], 32), hex_id(s["id"], 16)
    parent = hex_id(s["parentId"], 16) if s.get("parentId") else ""
    kind_name = s.get("kind")
    if kind_name is not None and kind_name not in _KINDS:
        raise ValueError(f"unknown kind {kind_name!r}")
    kind = _KINDS.get(kind_name, 0)
    annotations = s.get("annotations") or []
    events = [_event(a) for a in annotations]
    if "timestamp" in s:
        start = microseconds(s["timestamp"], "timestamp")
    elif events:
        start = min(e.time_unix_nano for e in events)  # Zipkin allows a span without one; its UI falls back the same way
    else:
        raise ValueError("missing timestamp")
    end = start + microseconds(s.get("duration", 0), "duration")
    tags = {str(k): str(v) for k, v in (s.get("tags") or {}).items()}
    status = _STATUS.get(tags.get("otel.status_code", "").upper(), 0)
    message = tags.get("otel.status_description", "")
    if "error" in tags:
        status = STATUS_ERROR
        message = message or tags["error"]
    attributes: dict[str, Any] = {k: v for k, v in tags.items() if k not in _CONSUMED}
    local = s.get("localEndpoint")
    attributes.update(_endpoint_attrs(local, "network.local.address", "network.local.port"))
    remote = s.get("remoteEndpoint")
    if isinstance(remote, dict) and remote.get("serviceName"):
        attributes["peer.service"] = str(remote["serviceName"])
    attributes.update(_endpoint_attrs(remote, *_remote(kind)))
    if s.get("debug"):
        attributes["zipkin.debug"] = True
    service = str(local.get("serviceName", "")) if isinstance(local, dict) else ""
    resource = resources.get(service)
    if resource is None:
        resource = resources[service] = Resource({"service.name": service} if service else {})
    scope = Scope(tags.get("otel.scope.name", tags.get("otel.library.name", "")),
                  tags.get("otel.scope.version", tags.get("otel.library.version", "")))  # fmt: skip
    return Span(
        trace_id=trace_id, span_id=span_id, parent_span_id=parent, name=str(s.get("name", "")), kind=kind,
        start_time=start, end_time=end, status_code=status, status_message=message, attributes=attributes,
        events=events, resource=resource, scope=scope,
    )  # fmt: skip


def _server_half_id(trace_id: str, span_id: str) -> str:
    return hashlib.sha256(f"zipkin-shared:{trace_id}:{span_id}".encode()).hexdigest()[:16]


def _split_shared(spans: list[Span], shared: list[bool], warnings: list[str]) -> None:
    """Give each shared server span whose client half is also present an id of its own (see the module docstring)."""
    by_id: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(spans):
        by_id.setdefault((s.trace_id, s.span_id), []).append(i)
    renamed: dict[tuple[str, str, str], str] = {}  # (trace, old id, server's service) -> new id
    for (trace_id, span_id), idx in by_id.items():
        if len(idx) < 2:
            continue
        servers = [i for i in idx if shared[i] or spans[i].kind == 1]
        if len(servers) != 1 or len(idx) != 2:
            warnings.append(f"span id {span_id} appears {len(idx)} times in trace {trace_id}")
            continue
        i = servers[0]
        s = spans[i]
        new_id = _server_half_id(trace_id, span_id)
        s.attributes = {**s.attributes, "zipkin.span_id": span_id, "zipkin.shared": True}
        s.span_id, s.parent_span_id = new_id, span_id
        renamed[(trace_id, span_id, s.resource.attributes.get("service.name", ""))] = new_id
    if not renamed:
        return
    for s in spans:
        new_parent = renamed.get((s.trace_id, s.parent_span_id, s.resource.attributes.get("service.name", "")))
        if new_parent and s.span_id != new_parent:
            s.parent_span_id = new_parent


@never_raises("Zipkin v2 JSON")
def read(path: str, head: bytes) -> Imported | None:
    """A Zipkin v2 JSON file as the trace model; None if it is not one."""
    raw = _spans(load_json(path, head))
    if raw is None:
        return None
    spans: list[Span] = []
    shared: list[bool] = []
    warnings: list[str] = []
    skips = Skips()
    resources: dict[str, Resource] = {}
    for n, s in enumerate(raw, 1):
        try:
            if not isinstance(s, dict):
                raise ValueError("not an object")
            spans.append(_span(s, resources))
            shared.append(bool(s.get("shared")))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            skips.add(f"span {n}", str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}")
    _split_shared(spans, shared, warnings)
    return Imported("zipkin", spans, [], skips.warning() + warnings)
