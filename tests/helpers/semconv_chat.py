"""A chat span in the current GenAI conventions that holds every message part type, written through the SDK."""

from __future__ import annotations

import json
from pathlib import Path

import tracefile

CALL_ID = "call_VSPygqKTWdrhaFErNvMV18Yl"
INPUT_MESSAGES = [
    {"role": "user", "parts": [
        {"type": "text", "content": "Weather in Paris?\nAnd in Zürich, \"please\"."},
        {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"},
        {"type": "uri", "modality": "image", "mime_type": "image/jpeg", "uri": "https://example.com/paris.jpg"},
        {"type": "file", "modality": "document", "mime_type": "application/pdf", "file_id": "file-abc123"},
    ]},
    {"role": "assistant", "parts": [
        {"type": "reasoning", "content": "The user wants weather; call the tool."},
        {"type": "tool_call", "id": CALL_ID, "name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}},
    ]},
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": CALL_ID, "response": "rainy, 14°C"}]},
]  # fmt: skip
OUTPUT_MESSAGES = [
    {"role": "assistant", "parts": [
        {"type": "text", "content": "It is rainy in Paris (14°C)."},
        {"type": "tool_call", "id": "call_2", "name": "get_weather", "arguments": '{"location": "Zürich"}'},
        {"type": "server_tool_call", "name": "web_search"},
    ], "finish_reason": "tool_call"},
]  # fmt: skip
SYSTEM = [{"type": "text", "content": "You are a helpful travel bot."}]


def semconv_file(path: Path, *, on_event: bool = False, content: bool = True) -> tracefile.TraceFile:
    """An agent span with one chat call holding every message part type (on the span or on its details
    event), and two execute_tool spans, written through the OpenTelemetry SDK and loaded."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import SpanKind

    from tracefile.record.redact import Policy
    from viewer.chat.logic import DETAILS_EVENT

    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(tracefile.TracyFileExporter(path, redaction=Policy(record_content=content, redact=False)))
    )
    tracer = provider.get_tracer("chat-logic-test")
    attrs = {
        "gen_ai.input.messages": json.dumps(INPUT_MESSAGES, ensure_ascii=False),
        "gen_ai.output.messages": json.dumps(OUTPUT_MESSAGES, ensure_ascii=False),
        "gen_ai.system_instructions": json.dumps(SYSTEM),
    }
    with tracer.start_as_current_span("invoke_agent travel-bot"):
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as chat:
            chat.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "azure.ai.openai"})
            if on_event:
                chat.add_event(DETAILS_EVENT, attrs)
            else:
                chat.set_attributes(attrs)
        for call_id in ("call_2", CALL_ID):  # started in the other order: the id decides
            with tracer.start_as_current_span("execute_tool get_weather") as tool:
                tool.set_attributes({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                                     "gen_ai.tool.call.id": call_id})  # fmt: skip
    provider.shutdown()
    return tracefile.load(path)
