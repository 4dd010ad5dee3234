"""Pure conversion of OpenTelemetry ReadableSpans into one spans frame and one span-details frame."""

from __future__ import annotations

import sys
from array import array
from typing import Any, Sequence

from ..schema import (
    OTLP_FLAG_HAS_IS_REMOTE,
    OTLP_FLAG_IS_REMOTE,
    Event,
    Link,
    Resource,
    Scope,
    SpanColumns,
    SpanDetails,
)

_BIG_ENDIAN_HOST = sys.byteorder == "big"
_ZERO8 = bytes(8)
assert array("I").itemsize == 4 and array("H").itemsize == 2 and array("Q").itemsize == 8


def packed(typecode: str, values: list[int]) -> bytes:
    """Pack integers as a little-endian array (the format's column encoding)."""
    arr = array(typecode, values)
    if _BIG_ENDIAN_HOST:
        arr.byteswap()
    return arr.tobytes()


def _attrs(attributes: Any, intern) -> dict[int, Any]:
    if not attributes:
        return {}
    return {intern(k): v for k, v in attributes.items()}


def _resource(res: Any) -> Resource:
    if res is None:
        return Resource()
    return Resource(dict(res.attributes), res.schema_url or "")


def _scope(scope: Any) -> Scope:
    if scope is None:
        return Scope()
    attrs = getattr(scope, "attributes", None)
    return Scope(scope.name or "", scope.version or "", scope.schema_url or "", dict(attrs) if attrs else {})


def _otlp_flags(parent_ctx: Any) -> int:
    # Exactly what the SDK's own OTLP exporters put in Span.flags / Link.flags.
    flags = OTLP_FLAG_HAS_IS_REMOTE
    if parent_ctx is not None and parent_ctx.is_remote:
        flags |= OTLP_FLAG_IS_REMOTE
    return flags


def spans_to_frames(spans: Sequence[Any], batch_id: int) -> tuple[SpanColumns, SpanDetails]:
    """Convert finished SDK spans into the two payloads of one batch.

    Only reads public ReadableSpan properties, so any SDK-compatible span
    object works. Runs on the exporter's thread: keep it lean.
    """
    names: dict[str, int] = {}
    keys: dict[str, int] = {}

    def key_intern(key: str) -> int:
        return keys.setdefault(key, len(keys))
    res_index: dict[Any, int] = {}
    scope_index: dict[Any, int] = {}
    resources: list[Resource] = []
    scopes: list[Scope] = []

    trace_ids: list[bytes] = []
    span_ids: list[bytes] = []
    parent_ids: list[bytes] = []
    starts: list[int] = []
    ends: list[int] = []
    name_col: list[int] = []
    kind_col: list[int] = []
    status_col: list[int] = []
    flag_col: list[int] = []
    res_col: list[int] = []
    scope_col: list[int] = []

    attributes: list[dict[int, Any]] = []
    events: list[list[Event]] = []
    links: list[list[Link]] = []
    status_message: dict[int, str] = {}
    trace_state: dict[int, str] = {}
    dropped: dict[int, tuple[int, int, int]] = {}

    for i, span in enumerate(spans):
        ctx = span.context
        parent = span.parent
        trace_ids.append(ctx.trace_id.to_bytes(16, "big"))
        span_ids.append(ctx.span_id.to_bytes(8, "big"))
        parent_ids.append(parent.span_id.to_bytes(8, "big") if parent is not None else _ZERO8)
        start = span.start_time or 0
        starts.append(start)
        ends.append(span.end_time or start)
        name_col.append(names.setdefault(span.name, len(names)))
        kind = span.kind
        kind_col.append(kind if type(kind) is int else kind.value)
        status = span.status
        status_col.append(status.status_code.value)
        if status.description:
            status_message[i] = status.description
        flag_col.append(_otlp_flags(parent))
        if ctx.trace_state:
            trace_state[i] = ",".join(f"{k}={v}" for k, v in ctx.trace_state.items())

        res = span.resource
        r = res_index.get(id(res))
        if r is None:
            r = res_index[id(res)] = len(resources)
            resources.append(_resource(res))
        res_col.append(r)
        sc = span.instrumentation_scope
        s = scope_index.get(id(sc))
        if s is None:
            s = scope_index[id(sc)] = len(scopes)
            scopes.append(_scope(sc))
        scope_col.append(s)

        attributes.append(_attrs(span.attributes, key_intern))
        span_events = span.events
        events.append(
            [
                Event(e.timestamp, key_intern(e.name), _attrs(e.attributes, key_intern), e.dropped_attributes)
                for e in span_events
            ]
            if span_events
            else []
        )
        span_links = span.links
        links.append(
            [
                Link(
                    lk.context.trace_id.to_bytes(16, "big"),
                    lk.context.span_id.to_bytes(8, "big"),
                    ",".join(f"{k}={v}" for k, v in lk.context.trace_state.items()) if lk.context.trace_state else "",
                    _attrs(lk.attributes, key_intern),
                    getattr(lk, "dropped_attributes", 0),
                    _otlp_flags(lk.context),
                )
                for lk in span_links
            ]
            if span_links
            else []
        )
        d = (span.dropped_attributes, span.dropped_events, span.dropped_links)
        if d != (0, 0, 0):
            dropped[i] = d

    n = len(name_col)
    columns = SpanColumns(
        batch_id=batch_id,
        count=n,
        strings=list(names),
        resources=resources,
        scopes=scopes,
        trace_id=b"".join(trace_ids),
        span_id=b"".join(span_ids),
        parent_span_id=b"".join(parent_ids),
        start_time=packed("Q", starts),
        end_time=packed("Q", ends),
        name=packed("I", name_col),
        kind=bytes(kind_col),
        status_code=bytes(status_col),
        flags=packed("I", flag_col),
        resource=packed("H", res_col),
        scope=packed("H", scope_col),
    )
    details = SpanDetails(
        batch_id=batch_id,
        count=n,
        strings=list(keys),
        attributes=attributes,
        events=events,
        links=links,
        status_message=status_message,
        trace_state=trace_state,
        dropped=dropped,
    )
    return columns, details
