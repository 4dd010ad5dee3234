"""Real OpenTelemetry SDK spans for tests, and canonical dicts to compare them with what a reader returns.

`sdk_span_dict` describes a ReadableSpan the way the .tracy format promises to
keep it (computed from the SDK's own objects, not from the converter), and
`loaded_span_dict` describes a `tracefile.Span`; a round trip is exact when the
two are equal.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Iterable, Sequence

from opentelemetry import trace as trace_api
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, TraceFlags, TraceState
from opentelemetry.trace.status import Status, StatusCode

HAS_IS_REMOTE = 0x100
IS_REMOTE = 0x200
BASE_TIME = 1_700_000_000_000_000_000


class FixedIdGenerator(IdGenerator):
    """Sequential ids, so that spans are the same on every run."""

    def __init__(self, trace_base: int = 0x5B8EFFF798038103D269B633813FC600, span_base: int = 0x051581BF3CB55C00) -> None:
        self._traces = itertools.count(trace_base + 1)
        self._spans = itertools.count(span_base + 1)
        self._lock = threading.Lock()

    def generate_trace_id(self) -> int:
        with self._lock:
            return next(self._traces)

    def generate_span_id(self) -> int:
        with self._lock:
            return next(self._spans)


class Collector(SpanProcessor):
    """Keeps every ended span, in the order they ended."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []
        self._lock = threading.Lock()

    def on_end(self, span: ReadableSpan) -> None:
        with self._lock:
            self.spans.append(span)

    def take(self) -> list[ReadableSpan]:
        with self._lock:
            out, self.spans = self.spans, []
        return out


def provider(
    resource_attrs: dict[str, Any] | None = None,
    *,
    schema_url: str = "",
    id_generator: IdGenerator | None = None,
    span_limits: SpanLimits | None = None,
) -> tuple[TracerProvider, Collector]:
    """A TracerProvider (not installed globally) whose ended spans land in the returned Collector."""
    attrs = {"service.name": "tests"} if resource_attrs is None else resource_attrs
    tp = TracerProvider(
        resource=Resource(attrs, schema_url or None),
        id_generator=id_generator or FixedIdGenerator(),
        span_limits=span_limits,
        shutdown_on_exit=False,
    )
    collector = Collector()
    tp.add_span_processor(collector)
    return tp, collector


def numbered_spans(tracer: trace_api.Tracer, start: int, count: int, *, pad: int = 0, tag: str = "") -> None:
    """End ``count`` spans named ``<tag>span-<seq>`` whose attributes encode ``seq``."""
    for seq in range(start, start + count):
        with tracer.start_as_current_span(
            f"{tag}span-{seq}",
            kind=SpanKind(seq % 5),
            attributes={"seq": seq, "tag": tag, "seq.str": str(seq), "pad": "x" * pad, "seq.list": [seq, seq + 1]},
        ) as span:
            span.add_event("tick", {"seq": seq})
            if seq % 3 == 0:
                span.set_status(Status(StatusCode.ERROR, f"error {seq}"))


def rich_spans(prefix: str = "") -> list[ReadableSpan]:
    """A batch exercising every field: all kinds, statuses, attribute types,
    events, links with trace state, a remote parent, two resources and scopes,
    dropped counts, and explicit timestamps."""
    tp, col = provider(
        {"service.name": f"{prefix}rich-service", "service.version": "1.2.3", "host.cores": 2, "deployment.canary": True},
        schema_url="https://opentelemetry.io/schemas/1.21.0",
    )
    tracer = tp.get_tracer("tests.rich", "0.9", schema_url="https://example.com/scope-schema", attributes={"scope.attr": "yes", "scope.n": 7})
    other = tp.get_tracer("tests.other")
    t = BASE_TIME
    all_types = {
        "str": "hello",
        "empty": "",
        "int": 42,
        "neg": -7,
        "big": 2**62,
        "float": 3.25,
        "bool.t": True,
        "bool.f": False,
        "strs": ["a", "b", "ü"],
        "ints": [1, 2, 3],
        "floats": [0.5, -1.5],
        "bools": [True, False],
        "gen_ai.response.id": f"{prefix}resp-1",
    }
    remote = SpanContext(
        trace_id=0xABCDEF0123456789ABCDEF0123456789,
        span_id=0x1122334455667788,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("vendor", "abc"), ("other", "x-1")]),
    )
    link_local = SpanContext(0x0102030405060708090A0B0C0D0E0F10, 0x0A0B0C0D0E0F1011, is_remote=False, trace_flags=TraceFlags(0))
    root = tracer.start_span(f"{prefix}root", kind=SpanKind.SERVER, attributes=all_types, start_time=t)
    ctx = trace_api.set_span_in_context(root)
    root.add_event("start", {"phase": "init", "n": 1, "ok": True, "vals": [1.0, 2.0]}, timestamp=t + 10)
    root.add_event("no-attrs", timestamp=t + 20)
    for i, kind in enumerate((SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER)):
        child = tracer.start_span(
            f"{prefix}child-{kind.name.lower()}",
            context=ctx,
            kind=kind,
            attributes={"index": i},
            links=[Link(remote, {"link.kind": "remote", "n": i}), Link(link_local)] if kind == SpanKind.CLIENT else (),
            start_time=t + 100 + i,
        )
        if kind == SpanKind.CLIENT:
            child.set_status(Status(StatusCode.ERROR, "upstream said no"))
        elif kind == SpanKind.PRODUCER:
            child.set_status(Status(StatusCode.OK))
        child.end(end_time=t + 200 + i)
    remote_child = other.start_span(
        f"{prefix}under-remote-parent",
        context=trace_api.set_span_in_context(NonRecordingSpan(remote)),
        kind=SpanKind.SERVER,
        start_time=t + 300,
    )
    remote_child.end(end_time=t + 300)  # zero duration
    root.end(end_time=t + 1000)

    limited_tp, limited_col = provider(
        {"service.name": f"{prefix}limited"},
        span_limits=SpanLimits(max_span_attributes=2, max_events=1, max_links=1, max_event_attributes=1, max_link_attributes=1),
    )
    lt = limited_tp.get_tracer("tests.limited")
    dropped = lt.start_span(
        f"{prefix}dropped-counts",
        attributes={"a": 1, "b": 2, "c": 3, "d": 4},
        links=[Link(link_local), Link(remote, {"x": 1, "y": 2})],  # the SDK keeps the newest
        start_time=t + 400,
    )
    dropped.add_event("e1", timestamp=t + 401)
    dropped.add_event("e2", {"p": 1, "q": 2, "r": 3}, timestamp=t + 402)
    dropped.end(end_time=t + 500)
    spans = col.take() + limited_col.take()
    tp.shutdown()
    limited_tp.shutdown()
    return spans


def plain(value: Any) -> Any:
    """Tuples to lists and mappings to dicts, recursively (what a reader gives back)."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: plain(v) for k, v in value.items()}
    return value


def _trace_state(ts: TraceState | None) -> str:
    return ",".join(f"{k}={v}" for k, v in ts.items()) if ts else ""


def _flags(parent: SpanContext | None) -> int:
    """OTLP Span.flags / Link.flags as the SDK's OTLP exporters set them (docs/FORMAT.md)."""
    flags = HAS_IS_REMOTE
    if parent is not None and parent.is_remote:
        flags |= IS_REMOTE
    return flags


def sdk_span_dict(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.context
    res = span.resource
    scope = span.instrumentation_scope
    return {
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
        "parent_span_id": f"{span.parent.span_id:016x}" if span.parent is not None else "",
        "name": span.name,
        "kind": span.kind.value,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "status_code": span.status.status_code.value,
        "status_message": span.status.description or "",
        "attributes": plain(dict(span.attributes or {})),
        "events": [
            {"name": e.name, "time_unix_nano": e.timestamp, "attributes": plain(dict(e.attributes or {})), "dropped_attributes": e.dropped_attributes}
            for e in span.events
        ],
        "links": [
            {
                "trace_id": f"{lk.context.trace_id:032x}",
                "span_id": f"{lk.context.span_id:016x}",
                "trace_state": _trace_state(lk.context.trace_state),
                "attributes": plain(dict(lk.attributes or {})),
                "dropped_attributes": lk.dropped_attributes,
                "flags": _flags(lk.context),
            }
            for lk in span.links
        ],
        "resource": {"attributes": plain(dict(res.attributes)), "schema_url": res.schema_url or "", "dropped_attributes": 0},
        "scope": {
            "name": scope.name,
            "version": scope.version or "",
            "schema_url": scope.schema_url or "",
            "attributes": plain(dict(scope.attributes or {})),
        },
        "trace_state": _trace_state(ctx.trace_state),
        "flags": _flags(span.parent),
        "dropped_attributes": span.dropped_attributes,
        "dropped_events": span.dropped_events,
        "dropped_links": span.dropped_links,
    }


def loaded_span_dict(span: Any) -> dict[str, Any]:
    """A `tracefile.Span` as the same kind of dict as `sdk_span_dict` (feedback left out)."""
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "name": span.name,
        "kind": span.kind,
        "start_time": span.start_time,
        "end_time": span.end_time,
        "status_code": span.status_code,
        "status_message": span.status_message,
        "attributes": span.attributes,
        "events": [
            {"name": e.name, "time_unix_nano": e.time_unix_nano, "attributes": e.attributes, "dropped_attributes": e.dropped_attributes}
            for e in span.events
        ],
        "links": [
            {
                "trace_id": lk.trace_id,
                "span_id": lk.span_id,
                "trace_state": lk.trace_state,
                "attributes": lk.attributes,
                "dropped_attributes": lk.dropped_attributes,
                "flags": lk.flags,
            }
            for lk in span.links
        ],
        "resource": {
            "attributes": span.resource.attributes,
            "schema_url": span.resource.schema_url,
            "dropped_attributes": span.resource.dropped_attributes,
        },
        "scope": {
            "name": span.scope.name,
            "version": span.scope.version,
            "schema_url": span.scope.schema_url,
            "attributes": span.scope.attributes,
        },
        "trace_state": span.trace_state,
        "flags": span.flags,
        "dropped_attributes": span.dropped_attributes,
        "dropped_events": span.dropped_events,
        "dropped_links": span.dropped_links,
    }


def without_details(d: dict[str, Any]) -> dict[str, Any]:
    """What a span dict looks like when its span-details frame was lost: only the columns remain."""
    out = dict(d)
    out.update(
        status_message="", attributes={}, events=[], links=[], trace_state="",
        dropped_attributes=0, dropped_events=0, dropped_links=0,
    )  # fmt: skip
    return out


def dicts(spans: Iterable[Any], loaded: bool = True) -> list[dict[str, Any]]:
    fn = loaded_span_dict if loaded else sdk_span_dict
    return [fn(s) for s in spans]


def seq_of(name: str) -> int:
    """The sequence number of a span made by `numbered_spans`."""
    return int(name.rsplit("-", 1)[1])


__all__: Sequence[str] = [
    "BASE_TIME", "Collector", "FixedIdGenerator", "provider", "numbered_spans", "rich_spans", "plain",
    "sdk_span_dict", "loaded_span_dict", "without_details", "dicts", "seq_of",
]  # fmt: skip
