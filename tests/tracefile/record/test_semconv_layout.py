"""Spans in the newer GenAI semantic-convention layout (``gen_ai.provider.name``, and the JSON
attributes ``gen_ai.input.messages``, ``gen_ai.output.messages``, ``gen_ai.system_instructions``)
go through TracyFileExporter unchanged, and survive OTLP/JSON conversion; with content recording
off, those attributes are dropped while the rest of the span stays.

The spans come from the OpenTelemetry SDK with a TracerProvider of the test's own (never the
global one), so these tests run in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

import tracefile
from tests.helpers import e2e
from tracefile.interop.otlp_json import otlp_to_spans, spans_to_otlp
from tracefile.record.redact import Policy

CALL_ID = "call_VSPygqKTWdrhaFErNvMV18Yl"
# As the semantic conventions' examples write them (json.dumps' default separators, non-ASCII
# kept), with a text part, a tool call whose arguments are an object, and a tool call response.
INPUT_MESSAGES = json.dumps(
    [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?\nAnd in Zürich, \"please\"."}]},
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": CALL_ID, "name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}}
            ],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": CALL_ID, "response": "rainy, 14°C"}]},
    ],
    ensure_ascii=False,
)
OUTPUT_MESSAGES = json.dumps(
    [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "It is rainy in Paris (14°C). Zürich: I will check next."}],
            "finish_reason": "stop",
        }
    ],
    ensure_ascii=False,
)
SYSTEM_INSTRUCTIONS = json.dumps(
    [{"type": "text", "content": "You are a helpful travel bot. Answer in one sentence."}], ensure_ascii=False
)
CONTENT = {
    "gen_ai.input.messages": INPUT_MESSAGES,
    "gen_ai.output.messages": OUTPUT_MESSAGES,
    "gen_ai.system_instructions": SYSTEM_INSTRUCTIONS,
}
METADATA = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "azure.ai.openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.response.id": "chatcmpl-semconv-1",
    "gen_ai.response.finish_reasons": ("stop",),
    "gen_ai.usage.input_tokens": 97,
    "gen_ai.usage.output_tokens": 52,
    "server.address": "example.openai.azure.com",
}
DETAILS_EVENT = "gen_ai.client.inference.operation.details"


@pytest.fixture(autouse=True)
def _no_content_settings(monkeypatch) -> None:
    # The bare exporter's default policy reads these; the test decides.
    for name in ("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED",
                 "TRACY_REDACT", "TRACY_REDACT_KEYS", "TRACY_REDACT_PATTERNS", "TRACY_MAX_VALUE_LENGTH"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def _record(path: Path, **exporter_kwargs) -> tracefile.TraceFile:
    provider = TracerProvider(resource=Resource.create({"service.name": "semconv-app"}))
    exporter = tracefile.TracyFileExporter(path, **exporter_kwargs)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("semconv-test")
    with tracer.start_as_current_span("invoke_agent travel-bot") as agent:
        agent.set_attribute("gen_ai.operation.name", "invoke_agent")
        agent.set_attribute("gen_ai.provider.name", "azure.ai.openai")
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as chat:
            chat.set_attributes({**METADATA, **CONTENT})
            chat.add_event(DETAILS_EVENT, {**CONTENT, "gen_ai.response.id": "chatcmpl-semconv-1"})
    provider.shutdown()
    return tracefile.load(path)


def _chat(tf: tracefile.TraceFile) -> tracefile.Span:
    (chat,) = [s for s in tf.spans if s.name == "chat gpt-4o"]
    return chat


def test_messages_come_back_byte_for_byte(tmp_path: Path) -> None:
    tf = _record(tmp_path / "run.tracy")
    assert tf.warnings == []
    chat = _chat(tf)
    for key, text in CONTENT.items():
        value = chat.attributes[key]
        assert type(value) is str
        assert value == text, key  # the same string, not a re-serialization
        assert value.encode("utf-8") == text.encode("utf-8")
        assert json.loads(value) == json.loads(text)
    (event,) = chat.events
    assert event.name == DETAILS_EVENT
    for key, text in CONTENT.items():
        assert event.attributes[key] == text
    # The parts as the conventions define them, intact.
    messages = json.loads(chat.attributes["gen_ai.input.messages"])
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    assert messages[1]["parts"][0] == {
        "type": "tool_call", "id": CALL_ID, "name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"},
    }  # fmt: skip
    assert messages[2]["parts"][0] == {"type": "tool_call_response", "id": CALL_ID, "response": "rainy, 14°C"}
    assert json.loads(chat.attributes["gen_ai.system_instructions"])[0]["type"] == "text"
    for key, value in METADATA.items():
        got = chat.attributes[key]
        assert (list(got) if isinstance(value, tuple) else got) == (list(value) if isinstance(value, tuple) else value)


def test_otlp_json_conversion_keeps_the_messages(tmp_path: Path) -> None:
    tf = _record(tmp_path / "run.tracy")
    doc = json.loads(json.dumps(spans_to_otlp(tf.spans)))  # through real JSON text
    spans = [s for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    (otlp_chat,) = [s for s in spans if s["name"] == "chat gpt-4o"]
    attrs = {a["key"]: a["value"] for a in otlp_chat["attributes"]}
    for key, text in CONTENT.items():
        assert attrs[key] == {"stringValue": text}
    assert attrs["gen_ai.provider.name"] == {"stringValue": "azure.ai.openai"}
    assert attrs["gen_ai.usage.input_tokens"] == {"intValue": "97"}
    (event,) = otlp_chat["events"]
    assert {a["key"]: a["value"]["stringValue"] for a in event["attributes"] if a["key"] in CONTENT} == CONTENT
    # And back: the same strings again.
    (back,) = [s for s in otlp_to_spans(doc) if s.name == "chat gpt-4o"]
    for key, text in CONTENT.items():
        assert back.attributes[key] == text


def test_tracy_convert_keeps_the_messages(tmp_path: Path, capsys) -> None:
    from tracefile import cli

    _record(tmp_path / "run.tracy")
    assert cli.main(["convert", str(tmp_path / "run.tracy"), str(tmp_path / "run.json")]) == 0
    assert cli.main(["convert", str(tmp_path / "run.json"), str(tmp_path / "again.tracy")]) == 0
    chat = _chat(tracefile.load(tmp_path / "again.tracy"))
    for key, text in CONTENT.items():
        assert chat.attributes[key] == text


def test_content_off_drops_the_messages_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "run.tracy"
    tf = _record(path, redaction=Policy(record_content=False))
    chat = _chat(tf)
    for key in CONTENT:
        assert key not in chat.attributes
    for key, value in METADATA.items():
        got = chat.attributes[key]
        assert (list(got) if isinstance(value, tuple) else got) == (list(value) if isinstance(value, tuple) else value)
    (event,) = chat.events
    assert event.name == DETAILS_EVENT
    assert event.attributes == {"gen_ai.response.id": "chatcmpl-semconv-1"}
    (agent,) = [s for s in tf.spans if s.name == "invoke_agent travel-bot"]
    assert agent.attributes == {"gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "azure.ai.openai"}
    assert chat.parent_span_id == agent.span_id
    raw = e2e.all_payload_bytes(path)
    for needle in ("Weather in Paris", "rainy", "travel bot", "get_weather", CALL_ID, "gen_ai.input.messages"):
        assert needle.encode() not in raw, needle


def test_content_on_env_with_the_bare_exporter(tmp_path: Path, monkeypatch) -> None:
    # The bare exporter keeps content by default, and drops it when the environment says content is off.
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "false")
    chat = _chat(_record(tmp_path / "off.tracy"))
    assert not set(CONTENT) & set(chat.attributes)
    assert chat.attributes["gen_ai.usage.output_tokens"] == 52
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    chat = _chat(_record(tmp_path / "on.tracy"))
    assert {k: chat.attributes[k] for k in CONTENT} == CONTENT
