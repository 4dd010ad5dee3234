"""Write the Zipkin fixture that OpenTelemetry's Zipkin exporter produces, with its own encoder.

    pip install opentelemetry-exporter-zipkin-json
    python tests/data/interop/make_zipkin_fixtures.py

The spans are real SDK spans (fixed ids and times, so the file is the same on every run) and the
file is exactly what `ZipkinExporter` would POST to `/api/v2/spans`.
"""

from __future__ import annotations

import json
from pathlib import Path

from opentelemetry.exporter.zipkin.json.v2 import JsonV2Encoder
from opentelemetry.exporter.zipkin.node_endpoint import NodeEndpoint
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.helpers.spans import BASE_TIME, FixedIdGenerator

HERE = Path(__file__).resolve().parent / "zipkin"


def main() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource({"service.name": "travel-agent"}), id_generator=FixedIdGenerator())
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("agent-lib", "1.2")
    t = BASE_TIME
    with tracer.start_as_current_span("invoke_agent planner", start_time=t, end_on_exit=False) as root:
        chat = tracer.start_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, start_time=t + 1_000_000,
                                 attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
                                             "gen_ai.usage.input_tokens": 42, "gen_ai.usage.output_tokens": 9,
                                             "server.address": "10.1.2.3", "peer.service": "model-gateway",
                                             "net.peer.ip": "10.1.2.3", "net.peer.port": 443})  # fmt: skip
        chat.add_event("gen_ai.choice", {"index": 0, "finish_reason": "tool_calls"}, timestamp=t + 40_000_000)
        chat.end(end_time=t + 41_000_000)
        tool = tracer.start_span("execute_tool get_weather", start_time=t + 42_000_000,
                                 attributes={"gen_ai.tool.name": "get_weather", "gen_ai.tool.call.arguments": '{"city": "Paris"}'})  # fmt: skip
        try:
            raise TimeoutError("weather service did not answer in 5 s")
        except TimeoutError as exc:
            tool.record_exception(exc, timestamp=t + 47_000_000, escaped=True)
            tool.set_status(Status(StatusCode.ERROR, f"TimeoutError: {exc}"))
        tool.end(end_time=t + 47_000_000)
        queue = tracer.start_span("publish plan", kind=SpanKind.PRODUCER, start_time=t + 48_000_000,
                                  attributes={"messaging.system": "kafka", "messaging.destination.name": "plans"})  # fmt: skip
        queue.end(end_time=t + 49_000_000)
        root.end(end_time=t + 50_000_000)
    spans = memory.get_finished_spans()
    endpoint = NodeEndpoint(ipv4="10.0.0.7", port=8080)
    endpoint.service_name = "travel-agent"  # what ZipkinExporter.export takes from the resource
    text = JsonV2Encoder().serialize(spans, endpoint)
    data = json.loads(text)
    for s in data:
        # The recorded traceback names this machine's paths: keep the fixture the same everywhere.
        for a in s.get("annotations", []):
            event = json.loads(a["value"])
            for attrs in event.values():
                attrs.pop("exception.stacktrace", None)
            a["value"] = json.dumps(event, sort_keys=True)
    target = HERE / "otel-exporter-events-error-kinds.json"
    target.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
