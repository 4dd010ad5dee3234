"""Foreign trace files for the tests of every entry point: the committed fixtures, one per format,
and an OTLP/JSON Lines file written by the SDK's own json-file exporter."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "interop"

#: One committed fixture per foreign format, and what each format is called.
FIXTURES = {
    "jaeger": DATA / "jaeger" / "single-trace-references-warnings-short-ids.json",
    "zipkin": DATA / "zipkin" / "shared-spans-remote-endpoints.json",
    "prompty": DATA / "prompty" / "nested-functions-one-raises-v2.tracy",
}
LABELS = {"jaeger": "Jaeger JSON", "zipkin": "Zipkin v2 JSON", "prompty": "Prompty JSON", "otlp-json": "OTLP/JSON"}


def write_sdk_otlp_jsonl(path: Path) -> Path:
    """A chat call under an agent span, exported by ``opentelemetry-exporter-otlp-json-file``."""
    from opentelemetry.exporter.otlp.json.file import FileSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import Status, StatusCode

    exporter = FileSpanExporter(path)
    provider = TracerProvider(resource=Resource.create({"service.name": "otlp-agent"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("otlp-demo")
    with tracer.start_as_current_span("invoke_agent planner", attributes={"gen_ai.operation.name": "invoke_agent"}):
        with tracer.start_as_current_span("chat gpt-4o") as chat:
            chat.set_attributes({
                "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 31, "gen_ai.usage.output_tokens": 7,
            })  # fmt: skip
        with tracer.start_as_current_span("execute_tool lookup") as tool:
            tool.set_attribute("gen_ai.tool.name", "lookup")
            tool.set_status(Status(StatusCode.ERROR, "no such city"))
    provider.shutdown()
    return path


def break_first_record(fixture: Path, out: Path) -> Path:
    """A copy of a Zipkin or Jaeger fixture whose first span lost its id (the importer skips it)."""
    doc = json.loads(fixture.read_text(encoding="utf-8"))
    if isinstance(doc, list):  # Zipkin v2: an array of spans
        doc[0].pop("id")
    else:  # Jaeger: one trace, or the /api/traces {"data": [...]} shape
        doc.get("data", [doc])[0]["spans"][0].pop("spanID")
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out
