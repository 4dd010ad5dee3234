"""Received OTLP protobuf into frames: the compiled reader (`_scan.scan_otlp`) against the reference
path (the protobuf library, the trace model, `ingest.model_frames`).

For every request the compiled reader takes, the two payloads must be identical, byte for byte
once encoded; a request it declines (malformed, a bad id, a value nested past the cap) must be
declined, not read differently, so that the reference path says what is wrong.
"""

from __future__ import annotations

import msgspec
import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from tests.helpers.spans import rich_spans
from tracefile.format.schema import SpanColumns
from tracefile.interop import otlp_proto
from tracefile.record import convert
from tracefile.record.exporter import default_policy
from tracefile.record.ingest import model_frames, otlp_frames
from tracefile.record.redact import Policy, Redactor
from tracefile.testing import synthetic

needs_compiled = pytest.mark.skipif(not convert.NATIVE, reason="the compiled scanner is not built here")
pytestmark = needs_compiled

TID = bytes(range(1, 17))
SID = bytes(range(1, 9))
REDACTORS = {"none": None, "default": Redactor(default_policy()), "content": Redactor(Policy(record_content=True))}


def _encoded(frames) -> tuple[bytes, bytes, int]:
    columns, details, max_end = frames
    columns = msgspec.structs.replace(columns, batch_id=0)
    details = msgspec.structs.replace(details, batch_id=0)
    return msgspec.msgpack.encode(columns), msgspec.msgpack.encode(details), max_end


def _reference(body: bytes, redactor) -> tuple:
    spans, reasons = otlp_proto.request_spans(otlp_proto.parse_request(body))
    assert reasons == []
    return _encoded(model_frames(spans, redactor))


def _both(body: bytes, redactor=None) -> tuple:
    fast = otlp_frames(body, redactor)
    assert fast is not None, "the compiled reader declined a request of the common shape"
    got = _encoded(fast)
    assert got == _reference(body, redactor)
    return got


def _av(v) -> AnyValue:
    if isinstance(v, bool):
        return AnyValue(bool_value=v)
    if isinstance(v, int):
        return AnyValue(int_value=v)
    if isinstance(v, float):
        return AnyValue(double_value=v)
    if isinstance(v, bytes):
        return AnyValue(bytes_value=v)
    if isinstance(v, list):
        return AnyValue(array_value=ArrayValue(values=[_av(x) for x in v]))
    if isinstance(v, dict):
        return AnyValue(kvlist_value=KeyValueList(values=_kvs(v)))
    return AnyValue(string_value=v)


def _kvs(d: dict) -> list[KeyValue]:
    return [KeyValue(key=k, value=_av(v)) for k, v in d.items()]


def _span(**kw) -> Span:
    base = dict(trace_id=TID, span_id=SID, name="chat gpt-4o", start_time_unix_nano=1_700_000_000_000_000_000,
                end_time_unix_nano=1_700_000_000_500_000_000, kind=Span.SPAN_KIND_CLIENT)  # fmt: skip
    base.update(kw)
    return Span(**base)


def _request(*spans: Span, resource: dict | None = None, scope: str = "tests.ingest") -> bytes:
    rs = ResourceSpans(resource=Resource(attributes=_kvs(resource or {"service.name": "ingest"})),
                       scope_spans=[ScopeSpans(scope=InstrumentationScope(name=scope, version="1.0"), spans=list(spans))])  # fmt: skip
    return ExportTraceServiceRequest(resource_spans=[rs]).SerializeToString()


@pytest.mark.parametrize("policy", REDACTORS)
def test_sdk_encoded_genai_spans_read_alike(policy):
    body = encode_spans(synthetic.make_spans(600, seed=3)).SerializeToString()
    columns, details, _ = _both(body, REDACTORS[policy])
    assert msgspec.msgpack.decode(columns, type=SpanColumns).count == 600
    assert b"gen_ai.usage.input_tokens" in details


def test_every_field_the_sdk_fills_reads_alike():
    body = encode_spans(rich_spans()).SerializeToString()
    _both(body)
    _both(body, REDACTORS["default"])


def test_every_value_type_nested_and_odd_spans_read_alike():
    attrs = {"s": "text", "b": True, "i": -(2**63), "u": 2**63 - 1, "f": 1.5, "bytes": b"\x00\xff",
             "list": [1, "two", [3.0, {"k": [None and 0 or 4]}]], "map": {"a": {"b": {"c": [True]}}},
             "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 17, "gen_ai.response.model": "m-1"}  # fmt: skip
    spans = [
        _span(attributes=_kvs(attrs) + [KeyValue(key="no value")] + _kvs({"s": "second wins"})),
        _span(span_id=bytes(8 * [7]), parent_span_id=SID, name="tool search", kind=Span.SPAN_KIND_INTERNAL,
              trace_state="a=1,b=2", flags=0x301, dropped_attributes_count=2, dropped_events_count=3,
              dropped_links_count=4, status=Status(code=Status.STATUS_CODE_ERROR, message="boom"),
              events=[Span.Event(time_unix_nano=1_699_999_999_000_000_000, name="early", attributes=_kvs({"x": 1}),
                                 dropped_attributes_count=1), Span.Event(name="")],
              links=[Span.Link(trace_id=TID, span_id=SID, trace_state="k=v", attributes=_kvs({"l": [1, 2]}),
                               dropped_attributes_count=5, flags=0x100)]),  # fmt: skip
        _span(span_id=bytes(8 * [9]), kind=0, name="", end_time_unix_nano=1),  # ends before it starts
        _span(span_id=bytes(8 * [10]), kind=99, status=Status(code=7)),  # values the enums do not name
    ]
    _both(_request(*spans))
    _both(_request(*spans), REDACTORS["default"])


def test_field_order_unknown_fields_and_several_resources_read_alike():
    # Concatenated messages are one message (protobuf merges them): scope_spans before the resource.
    first = ResourceSpans(scope_spans=[ScopeSpans(spans=[_span()], schema_url="https://scope")]).SerializeToString()
    second = ResourceSpans(resource=Resource(attributes=_kvs({"service.name": "late"})), schema_url="https://res").SerializeToString()
    unknown = b"\xf8\x07\x2a" + b"\x82\x08\x03abc"  # field 127 varint, field 128 bytes
    rs = first + second + unknown
    body = b"".join(b"\x0a" + _len(part) + part for part in (rs, rs))  # the same resource twice
    other = ResourceSpans(resource=Resource(attributes=_kvs({"service.name": "other"})),
                          scope_spans=[ScopeSpans(scope=InstrumentationScope(name="s2"), spans=[_span(name="two")])]).SerializeToString()  # fmt: skip
    body += b"\x0a" + _len(other) + other
    columns, _, _ = _both(body)
    decoded = msgspec.msgpack.decode(columns, type=SpanColumns)
    assert decoded.count == 3 and [r.attributes["service.name"] for r in decoded.resources] == ["late", "other"]


def test_a_status_given_twice_is_merged_by_the_reference_path():
    body = _raw(_span().SerializeToString() + b"\x7a\x02\x18\x01" + b"\x7a\x04\x12\x02ok")
    spans, _ = otlp_proto.request_spans(otlp_proto.parse_request(body))
    assert (spans[0].status_code, spans[0].status_message) == (1, "ok")


def test_an_empty_request_reads_as_no_spans():
    frames = otlp_frames(b"", None)
    assert frames is not None and frames[0].count == 0


def _len(b: bytes) -> bytes:
    n, out = len(b), bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _raw(span: bytes) -> bytes:
    """A request holding one span given as its protobuf bytes."""
    scope_spans = b"\x12" + _len(span) + span
    resource_spans = b"\x12" + _len(scope_spans) + scope_spans
    return b"\x0a" + _len(resource_spans) + resource_spans


def _deep(n: int):
    v = "leaf"
    for _ in range(n):
        v = [v]
    return v


@pytest.mark.parametrize(
    "case, body",
    [
        ("truncated", _request(_span())[:-3]),
        ("short trace id", _request(_span(trace_id=b"\x01" * 5))),
        ("no span id", _request(_span(span_id=b""))),
        ("bad parent id", _request(_span(parent_span_id=b"\x01" * 3))),
        ("link without ids", _request(_span(links=[Span.Link()]))),
        ("invalid UTF-8", _request(_span(name="x")).replace(b"x", b"\xff")),
        ("nested past the cap", _request(_span(attributes=_kvs({"deep": _deep(40)})))),
        ("merged status", _raw(_span().SerializeToString() + b"\x7a\x02\x18\x01" + b"\x7a\x02\x18\x02")),
        ("group wire type", b"\x0b"),
    ],
)
def test_requests_off_the_common_shape_are_declined(case, body):
    assert otlp_frames(body, None) is None


def test_a_value_nested_past_the_cap_is_cut_by_the_reference_path():
    body = _request(_span(attributes=_kvs({"deep": _deep(40)})))
    spans, _ = otlp_proto.request_spans(otlp_proto.parse_request(body))
    columns, details, _ = model_frames(spans, None)
    value = details.attributes[0]["deep"]
    for _ in range(32):
        value = value[0]
    assert value == "…[nested deeper than 32 levels]"
