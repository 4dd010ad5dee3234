"""Real OpenTelemetry SDKs send to `tracy receive`: every span arrives once, equal to the SDK's own
OTLP encoding of the same spans (ids, times, attributes, events, links, resource, scope)."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

import tracefile
from tests.helpers import otlp_canon


def _python_spans() -> list:
    """Spans made by the Python SDK with every kind of field set, finished and held in memory."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "py-agent", "deployment.environment": "test"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("py-agent.tools", "0.9", schema_url="https://opentelemetry.io/schemas/1.26.0",
                                 attributes={"scope.owner": "tests"})  # fmt: skip
    first = tracer.start_span("invoke_agent travel")
    first.end()
    with tracer.start_as_current_span("invoke_agent planner", kind=SpanKind.SERVER,
                                      attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}):  # fmt: skip
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, links=[Link(first.get_span_context(), {"link.reason": "follows"})],
                                          attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                                                      "gen_ai.usage.input_tokens": 812, "gen_ai.usage.output_tokens": 97,
                                                      "gen_ai.request.temperature": 0.25, "gen_ai.response.finish_reasons": ("stop",),
                                                      "app.flags": (True, False), "app.sizes": (1, 2, 3)}) as chat:  # fmt: skip
            chat.add_event("retry", {"retry.attempt": 1, "retry.reason": "rate limited"})
        with tracer.start_as_current_span("execute_tool get_weather", attributes={"gen_ai.tool.name": "get_weather"}) as tool:
            tool.set_status(Status(StatusCode.ERROR, "weather service timed out"))
    return list(memory.get_finished_spans())


def _python_http(endpoint: str):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")


def _python_grpc(rx):
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=f"127.0.0.1:{rx.grpc_port}", insecure=True)


@pytest.mark.parametrize("transport", ["http", "grpc"])
def test_python_sdk_exporters_deliver_every_span_as_the_sdk_encodes_it(receiver, transport):
    from opentelemetry.sdk.trace.export import SpanExportResult

    spans = _python_spans()
    exporter = _python_http(receiver.http_endpoint) if transport == "http" else _python_grpc(receiver)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    exporter.shutdown()
    receiver.close()

    sent = otlp_canon.from_request(encode_spans(spans))
    got = tracefile.load(receiver.path)
    assert len(got.spans) == len(spans) == 4  # each once
    assert otlp_canon.from_model(got.spans) == sent
    chat = next(s for s in got.spans if s.name == "chat gpt-4o")
    assert chat.attributes["gen_ai.usage.input_tokens"] == 812 and chat.links and chat.events[0].name == "retry"
    assert got.warnings == []


@pytest.mark.parametrize("protocol", ["json", "proto"])
def test_node_sdk_exporters_deliver_every_span_as_the_sdk_encodes_it(receiver, node_sender, protocol):
    run = subprocess.run([*node_sender, f"{receiver.http_endpoint}/v1/traces", protocol], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, report["error"]  # ExportResultCode.SUCCESS
    receiver.close()

    sent = otlp_canon.from_request(ExportTraceServiceRequest.FromString(base64.b64decode(report["sent"])))
    got = tracefile.load(receiver.path)
    assert len(got.spans) == report["count"] == 4
    assert otlp_canon.from_model(got.spans) == sent
    resource = got.spans[0].resource.attributes
    assert resource["service.name"] == f"node-{protocol}" and resource["deployment.environment"] == "test"
    tool = next(s for s in got.spans if s.name == "execute_tool get_weather")
    assert tool.status_message == "weather service timed out" and tool.events[0].name == "exception"
