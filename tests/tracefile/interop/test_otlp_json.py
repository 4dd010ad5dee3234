"""OTLP/JSON output must equal the OpenTelemetry SDK's own encoding of the same spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.json.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags, TraceState
from opentelemetry.trace import set_span_in_context

import tracefile
from tracefile.cli import main as tracy
from tracefile.interop.otlp_json import otlp_to_spans, spans_to_otlp


def _record(path, provider_resource):
    """Spans covering every field the OTLP encoding has, captured by both our exporter and the SDK."""
    memory = InMemorySpanExporter()
    ours = tracefile.TracyFileExporter(path)
    provider = TracerProvider(resource=provider_resource, span_limits=SpanLimits(max_span_attributes=6, max_events=3, max_links=1))
    provider.add_span_processor(SimpleSpanProcessor(ours))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    agent = provider.get_tracer("agent-lib", "2.1", schema_url="https://opentelemetry.io/schemas/1.26.0", attributes={"lib.flavour": "x"})
    http = provider.get_tracer("http-lib")
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1), trace_state=TraceState([("vendor", "v1")]))
    with agent.start_as_current_span(
        "invoke_agent planner",
        context=set_span_in_context(NonRecordingSpan(remote)),
        attributes={"s": "text", "i": 7, "f": 0.25, "b": False, "ls": ["a", "b"], "li": [1, 2], "lf": [1.5], "lb": [True]},
        links=[Link(remote, {"link.kind": "follows"})],
    ) as root:
        for kind in (SpanKind.CLIENT, SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.INTERNAL):
            with http.start_as_current_span(f"op {kind.name}", kind=kind) as s:
                s.add_event("gen_ai.user.message", {"gen_ai.event.content": '{"role": "user", "content": "héllo"}'})
        with agent.start_as_current_span("too much") as s:
            for n in range(9):
                s.set_attribute(f"k{n}", n)
            for n in range(5):
                s.add_event(f"e{n}")
            s.set_status(Status(StatusCode.ERROR, "tool failed"))
        with agent.start_as_current_span("ok span", links=[Link(root.get_span_context()), Link(remote)]) as s:
            s.set_status(Status(StatusCode.OK))
    provider.shutdown()
    return memory.get_finished_spans()


@pytest.fixture
def recorded(tmp_path):
    path = tmp_path / "run.tracy"
    spans = _record(path, Resource.create({"service.name": "svc", "deployment.environment": "test"}, schema_url="https://r"))
    return path, spans


def _without_link_trace_state(request: dict) -> tuple[dict, list[str]]:
    """The SDK's OTLP encoders (JSON and protobuf) leave out Link.trace_state, which OTLP
    defines and we keep. Strip it from our output before comparing, and return what was stripped."""
    removed = []
    copy = json.loads(json.dumps(request))
    for rs in copy["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for link in span.get("links", []):
                    if "traceState" in link:
                        removed.append(link.pop("traceState"))
    return copy, removed


def test_tracy_to_otlp_equals_sdk_encoding_field_by_field(recorded):
    path, sdk_spans = recorded
    expected = encode_spans(sdk_spans).to_dict()
    got = spans_to_otlp(tracefile.load(path).spans)
    comparable, link_states = _without_link_trace_state(got)
    assert comparable == expected
    assert link_states == ["vendor=v1", "vendor=v1"]
    # The fixture really exercises resource and scope fields, drops and remote parents.
    text = json.dumps(got)
    for needle in ('"schemaUrl": "https://r"', '"lib.flavour"', '"droppedAttributesCount": 3', '"droppedEventsCount": 2',
                   '"droppedLinksCount": 1', '"traceState": "vendor=v1"', '"flags": 768', '"code": 2', '"kind": 5'):
        assert needle in text, needle


def test_convert_json_equals_otlp_json_file_exporter_output(recorded, tmp_path):
    path, sdk_spans = recorded
    reference = tmp_path / "reference.jsonl"
    exporter = FileSpanExporter(reference)
    exporter.export(sdk_spans)
    exporter.shutdown()
    out = tmp_path / "out.json"
    assert tracy(["convert", str(path), str(out)]) == 0
    comparable, _ = _without_link_trace_state(json.loads(out.read_text()))
    assert comparable == json.loads(reference.read_text())


def test_convert_jsonl_writes_one_request_per_line(tmp_path):
    provider = TracerProvider()
    ours = tracefile.TracyFileExporter(tmp_path / "big.tracy")
    provider.add_span_processor(SimpleSpanProcessor(ours))
    tracer = provider.get_tracer("t")
    for n in range(1100):
        tracer.start_span(f"s{n}").end()
    provider.shutdown()
    out = tmp_path / "big.jsonl"
    assert tracy(["convert", str(tmp_path / "big.tracy"), str(out)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 3  # 512 + 512 + 76 spans
    names = [s.name for line in lines for s in otlp_to_spans(json.loads(line))]
    assert names == [f"s{n}" for n in range(1100)]


def test_otlp_json_to_tracy_and_back_is_lossless(recorded, tmp_path):
    path, _ = recorded
    first = tmp_path / "first.json"
    again = tmp_path / "again.tracy"
    second = tmp_path / "second.json"
    assert tracy(["convert", str(path), str(first)]) == 0
    assert tracy(["convert", str(first), str(again)]) == 0
    assert tracy(["convert", str(again), str(second)]) == 0
    assert first.read_text() == second.read_text()
    assert [s.name for s in tracefile.load(again).spans] == [s.name for s in tracefile.load(path).spans]


def test_otlp_import_accepts_enum_names_and_base64_ids():
    request = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {"name": "x"}, "spans": [{
        "traceId": "AAAAAAAAAAAAAAAAAAAAAQ==", "spanId": "AAAAAAAAAAI=", "name": "n", "kind": "SPAN_KIND_CLIENT",
        "startTimeUnixNano": "5", "endTimeUnixNano": "9", "status": {"code": "STATUS_CODE_ERROR"}}]}]}]}
    (span,) = otlp_to_spans(request)
    assert (span.trace_id, span.span_id, span.kind, span.status_code) == ("0" * 31 + "1", "0" * 15 + "2", 2, 2)


def test_otlp_import_reports_malformed_input():
    with pytest.raises(tracefile.TraceFileError, match="not a valid OTLP/JSON"):
        otlp_to_spans({"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "soon"}]}]}]}, "x.json")


def test_replace_file_puts_a_whole_new_file_in_place_or_leaves_the_old_one(tmp_path):
    from tracefile.interop.otlp_json import replace_file

    target = tmp_path / "out.json"
    target.write_text("old")

    def fails(tmp: str) -> None:
        with open(tmp, "w") as f:
            f.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_file(target, fails)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary file left
    replace_file(target, lambda tmp: Path(tmp).write_text("new"))
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
