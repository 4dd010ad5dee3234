"""Write the OTLP fixtures with OpenTelemetry's own encoders, from real SDK spans.

    pip install opentelemetry-exporter-otlp-proto-common opentelemetry-exporter-otlp-json-file
    python -m tests.data.interop.make_otlp_fixtures

The spans come from two SDK providers (two resources) with fixed ids and times, so the files are
the same on every run. Each export batch is what the real exporters send or write:

* ``otlp-json/sdk-json-file-exporter-two-batches.jsonl``: `FileSpanExporter` of
  opentelemetry-exporter-otlp-json-file, one line per `export()` call;
* ``otlp-proto/sdk-encoder-request-two-resources.binpb``: the OTLP/HTTP protobuf body,
  ``trace_encoder.encode_spans(spans).SerializeToString()`` of opentelemetry-exporter-otlp-proto-common;
* ``otlp-proto/collector-file-exporter-stream*.pb``: those bodies, one per batch, framed the way the
  Collector's file exporter frames ``format: proto`` (exporter/fileexporter ``file_writer.go``
  ``exportMessageAsBuffer``: a 4-byte big-endian length before each message; with
  ``compression: zstd`` each message is a zstd frame).
"""

from __future__ import annotations

from pathlib import Path

import zstandard
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from tests.helpers.spans import BASE_TIME, FixedIdGenerator

HERE = Path(__file__).resolve().parent


def _provider(memory: InMemorySpanExporter, service: str, ids: FixedIdGenerator) -> TracerProvider:
    resource = Resource({"service.name": service, "service.version": "1.4.0", "deployment.environment": "test"},
                        schema_url="https://opentelemetry.io/schemas/1.26.0")  # fmt: skip
    provider = TracerProvider(resource=resource, id_generator=ids)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return provider


def record() -> tuple[list, list]:
    """Two export batches: an agent run (every attribute type, events, an error, a link) from one
    service, then the model gateway's server span from another."""
    memory = InMemorySpanExporter()
    ids = FixedIdGenerator()
    agent = _provider(memory, "travel-agent", ids).get_tracer("agent-lib", "1.2", schema_url="https://opentelemetry.io/schemas/1.26.0")
    t = BASE_TIME
    with agent.start_as_current_span("invoke_agent planner", start_time=t, end_on_exit=False,
                                     attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
                                                 "retries": 2, "temperature": 0.25, "streaming": False,
                                                 "tags": ["travel", "paris"], "seeds": [1, 2], "weights": [0.5, 1.5],
                                                 "flags": [True, False]}) as root:  # fmt: skip
        chat = agent.start_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, start_time=t + 1_000_000,
                                attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
                                            "gen_ai.usage.input_tokens": 42, "gen_ai.usage.output_tokens": 9})  # fmt: skip
        chat.add_event("gen_ai.user.message", {"gen_ai.system": "openai", "content": '{"content": "Weather in Paris?"}'},
                       timestamp=t + 2_000_000)  # fmt: skip
        chat.add_event("gen_ai.choice", {"index": 0, "finish_reason": "tool_calls"}, timestamp=t + 40_000_000)
        chat.end(end_time=t + 41_000_000)
        tool = agent.start_span("execute_tool get_weather", start_time=t + 42_000_000,
                                links=[Link(chat.get_span_context(), {"link.reason": "called by"})],
                                attributes={"gen_ai.tool.name": "get_weather"})  # fmt: skip
        try:
            raise TimeoutError("weather service did not answer in 5 s")
        except TimeoutError as exc:
            # A fixed stack trace: the recorded one names this machine's paths.
            tool.record_exception(exc, {"exception.stacktrace": "TimeoutError: weather service did not answer in 5 s"},
                                  timestamp=t + 47_000_000, escaped=True)  # fmt: skip
            tool.set_status(Status(StatusCode.ERROR, f"TimeoutError: {exc}"))
        tool.end(end_time=t + 47_000_000)
        ok = agent.start_span("publish plan", kind=SpanKind.PRODUCER, start_time=t + 48_000_000)
        ok.set_status(Status(StatusCode.OK))
        ok.end(end_time=t + 49_000_000)
        root.end(end_time=t + 50_000_000)
    first = list(memory.get_finished_spans())
    memory.clear()
    gateway = _provider(memory, "model-gateway", ids).get_tracer("gateway.http")
    gateway.start_span("POST /chat/completions", kind=SpanKind.SERVER, start_time=t + 1_500_000,
                       attributes={"http.request.method": "POST", "http.response.status_code": 200}).end(end_time=t + 40_500_000)  # fmt: skip
    consumer = gateway.start_span("receive plans", kind=SpanKind.CONSUMER, start_time=t + 49_500_000)
    consumer.end(end_time=t + 49_900_000)
    return first, list(memory.get_finished_spans())


def main() -> None:
    batches = record()
    target = HERE / "otlp-json" / "sdk-json-file-exporter-two-batches.jsonl"
    target.unlink(missing_ok=True)
    exporter = FileSpanExporter(target)
    for batch in batches:
        exporter.export(batch)
    exporter.shutdown()
    print(f"wrote {target}")

    bodies = [encode_spans(batch).SerializeToString() for batch in batches]
    target = HERE / "otlp-proto" / "sdk-encoder-request-two-resources.binpb"
    target.write_bytes(encode_spans(batches[0] + batches[1]).SerializeToString())
    print(f"wrote {target}")

    framed = b"".join(len(b).to_bytes(4, "big") + b for b in bodies)
    target = HERE / "otlp-proto" / "collector-file-exporter-stream.pb"
    target.write_bytes(framed)
    print(f"wrote {target}")

    zstd = zstandard.ZstdCompressor()
    compressed = [zstd.compress(b) for b in bodies]
    target = HERE / "otlp-proto" / "collector-file-exporter-stream-zstd.pb"
    target.write_bytes(b"".join(len(c).to_bytes(4, "big") + c for c in compressed))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
