"""Agent runs in the current GenAI conventions, in two variants to compare, written through the OpenTelemetry SDK."""

from __future__ import annotations

import json
from pathlib import Path

import tracefile
from tracefile.format.model import Span

from .recorder import BASE_NS, MS

SYSTEM = "You are a travel planner. Answer briefly."
QUESTION = "What's the weather in Paris tomorrow?"
QUESTION_B = "What's the weather in Lyon tomorrow?"
TOOL_ARGS = {"city": "Paris"}
FORECAST = "18°C, light rain"
ANSWER = "Tomorrow in Paris: 18°C with light rain. Take an umbrella."
ANSWER_B = "Tomorrow in Paris: 18°C with light rain. Bring an umbrella and a coat."
SUMMARY_Q = "Summarise that in five words."


def _messages(*items: tuple[str, list[dict]]) -> str:
    return json.dumps([{"role": role, "parts": parts} for role, parts in items])


def _text(t: str) -> dict:
    return {"type": "text", "content": t}


def write_semconv_run(path: Path, variant: str, *, content: bool = True) -> Path:
    """An agent run in the current GenAI conventions: two chat calls around a tool call; variant
    ``b`` changes one word of the question, the second answer, the temperature, the tokens, and adds
    a third chat call. Tool call ids differ between the variants, as they do between real runs."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from tracefile.record.redact import Policy

    provider = TracerProvider(resource=Resource.create({"service.name": "travel-agent"}))
    exporter = tracefile.TracyFileExporter(str(path), redaction=Policy(record_content=content))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests.viewer.diff")
    b = variant == "b"
    call_id = "call_B7" if b else "call_A1"
    question = QUESTION_B if b else QUESTION
    day = 86_400_000 if b else 0  # "today" vs "yesterday"

    def chat(start_ms: float, dur_ms: float, input_msgs: str, output_msgs: str, finish: str, tokens: tuple[int, int],
             **extra) -> None:  # fmt: skip
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.request.temperature": 0.5 if b else 0.2,
            "gen_ai.request.max_tokens": 400,
            "gen_ai.usage.input_tokens": tokens[0],
            "gen_ai.usage.output_tokens": tokens[1],
            "gen_ai.response.finish_reasons": [finish],
            "gen_ai.system_instructions": json.dumps([_text(SYSTEM)]),
            "gen_ai.input.messages": input_msgs,
            "gen_ai.output.messages": output_msgs,
            **extra,
        }
        start = BASE_NS + int((day + start_ms) * MS)
        span = tracer.start_span("chat gpt-4o", kind=trace.SpanKind.CLIENT, start_time=start, attributes=attrs)
        span.end(end_time=start + int(dur_ms * MS))

    call = {"type": "tool_call", "id": call_id, "name": "get_weather", "arguments": json.dumps(TOOL_ARGS)}
    result = {"type": "tool_call_response", "id": call_id, "response": FORECAST}
    answer = ANSWER_B if b else ANSWER
    start = BASE_NS + day * MS
    with tracer.start_as_current_span("invoke_agent travel-planner" + (" (today)" if b else ""), start_time=start,
                                      attributes={"gen_ai.operation.name": "invoke_agent"}, end_on_exit=False) as root:  # fmt: skip
        chat(10, 800, _messages(("user", [_text(question)])), _messages(("assistant", [call])), "tool_calls", (120, 20))
        tool_start = start + 820 * MS
        tool = tracer.start_span("execute_tool get_weather", start_time=tool_start,
                                 attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"})  # fmt: skip
        tool.end(end_time=tool_start + 200 * MS)
        history = [("user", [_text(question)]), ("assistant", [call]), ("tool", [result])]
        extra = {"gen_ai.usage.cache_read.input_tokens": 128, "gen_ai.usage.reasoning.output_tokens": 64} if b else {
            "gen_ai.usage.cache_read.input_tokens": 0}  # fmt: skip
        chat(1030, 1200 if b else 1000, _messages(*history), _messages(("assistant", [_text(answer)])), "stop",
             (460, 55) if b else (340, 40), **extra)  # fmt: skip
        if b:
            history += [("assistant", [_text(answer)]), ("user", [_text(SUMMARY_Q)])]
            chat(2300, 500, _messages(*history), _messages(("assistant", [_text("Rain tomorrow: take umbrella.")])),
                 "stop", (520, 9))  # fmt: skip
        root.end(end_time=start + 3000 * MS)
    provider.shutdown()
    return path


def chats(tf: tracefile.TraceFile) -> list[Span]:
    """The chat spans of a file, in start order."""
    return sorted((s for s in tf.spans if s.name.startswith("chat ")), key=lambda s: s.start_time)
