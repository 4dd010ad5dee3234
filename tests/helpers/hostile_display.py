"""Hostile .tracy files for the viewer: huge names, keys and values, and deep nesting.

Each file holds one small trace (an agent span with an LLM call under it) in
which one span carries the hostile part, so the viewer has something ordinary
to draw next to it. Names and keys too long for the exporter to keep (it may
shorten them) are written as model spans with `write_spans`; the rest go through
the real OpenTelemetry SDK and `TracyFileExporter` with no value limit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

from opentelemetry import trace as trace_api
from opentelemetry.trace import Status, StatusCode

from tracefile import TracyFileExporter
from tracefile.format.encode import write_spans
from tracefile.format.model import Span
from tracefile.record.redact import Policy

from .spans import BASE_TIME, provider

MB = 1_000_000
DEPTH = 990
#: The span that carries the hostile part, in every file (for `--select`).
HOSTILE_SPAN = "chat gpt-4o"


def _model_trace(name: str = HOSTILE_SPAN, attributes: dict[str, Any] | None = None) -> list[Span]:
    t = BASE_TIME
    tid = "5b8efff798038103d269b633813fc601"
    root = Span(trace_id=tid, span_id="051581bf3cb55c01", parent_span_id="", name="invoke_agent planner", kind=0,
                start_time=t, end_time=t + 3_000_000_000, attributes={"gen_ai.operation.name": "invoke_agent"})
    llm_attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                 "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 34}
    llm_attrs.update(attributes or {})
    llm = Span(trace_id=tid, span_id="051581bf3cb55c02", parent_span_id=root.span_id, name=name, kind=2,
               start_time=t + 100_000_000, end_time=t + 2_500_000_000, attributes=llm_attrs)
    tool = Span(trace_id=tid, span_id="051581bf3cb55c03", parent_span_id=root.span_id, name="execute_tool search",
                kind=0, start_time=t + 2_600_000_000, end_time=t + 2_900_000_000,
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"})
    return [root, llm, tool]


def huge_name(path: Path, size: int = 40 * MB) -> Path:
    """A span whose name is ``size`` characters, once under a root and once as a trace's root (the trace list's name)."""
    name = "chat " + "n" * (size - 5)
    alone = Span(trace_id="5b8efff798038103d269b633813fc602", span_id="051581bf3cb55c04", parent_span_id="", name=name,
                 kind=0, start_time=BASE_TIME + 4_000_000_000, end_time=BASE_TIME + 5_000_000_000)
    write_spans(path, [*_model_trace(name=name), alone])
    return path


def huge_key(path: Path, size: int = 40 * MB) -> Path:
    """A span with an attribute whose key is ``size`` characters."""
    write_spans(path, _model_trace(attributes={"k" * size: "value of the huge key"}))
    return path


def deep_list(path: Path, depth: int = DEPTH) -> Path:
    """A span with an attribute that is a list nested ``depth`` levels deep."""
    value: Any = ["bottom"]
    for _ in range(depth - 1):
        value = [value]
    # msgspec counts Python's recursion limit; under pytest the stack is already deep.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 2 * depth)
    try:
        write_spans(path, _model_trace(attributes={"deep.list": value}))
    finally:
        sys.setrecursionlimit(limit)
    return path


def _recorded(path: Path, body: Callable[[Any], None]) -> Path:
    """Record one trace through the SDK and the exporter, with content on and no value limit."""
    tp, collector = provider({"service.name": "hostile"})
    exporter = TracyFileExporter(path, redaction=Policy(record_content=True, redact=False, max_length=None))
    tracer = tp.get_tracer("tests.hostile")
    t = BASE_TIME
    root = tracer.start_span("invoke_agent planner", attributes={"gen_ai.operation.name": "invoke_agent"}, start_time=t)
    ctx = trace_api.set_span_in_context(root)
    llm = tracer.start_span(HOSTILE_SPAN, context=ctx, start_time=t + 100_000_000, attributes={
        "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 34})
    body(llm)
    llm.end(end_time=t + 2_500_000_000)
    tool = tracer.start_span("execute_tool search", context=ctx, start_time=t + 2_600_000_000,
                             attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"})
    tool.end(end_time=t + 2_900_000_000)
    root.end(end_time=t + 3_000_000_000)
    spans = collector.take()
    assert exporter.export(spans).name == "SUCCESS"
    exporter.shutdown()
    tp.shutdown()
    return path


def huge_message(path: Path, size: int = 50 * MB) -> Path:
    """An LLM call whose ``gen_ai.input.messages`` holds one user message of ``size`` characters."""
    text = ("All work and no play makes Jack a dull boy. " * (size // 44 + 1))[:size]
    messages = [{"role": "system", "parts": [{"type": "text", "content": "You are terse."}]},
                {"role": "user", "parts": [{"type": "text", "content": text}]}]
    output = [{"role": "assistant", "parts": [{"type": "text", "content": "Noted."}], "finish_reason": "stop"}]
    return _recorded(path, lambda s: s.set_attributes({"gen_ai.input.messages": json.dumps(messages),
                                                      "gen_ai.output.messages": json.dumps(output)}))


def deep_json(path: Path, depth: int = DEPTH) -> Path:
    """An LLM call with a JSON string attribute nested ``depth`` levels deep, in a message and on its own."""
    deep = "[" * depth + "]" * depth
    deep_map = '{"a":' * depth + "1" + "}" * depth
    # Built as text: json.dumps of this depth is near Python's own recursion limit.
    messages = '[{"role": "user", "parts": [{"type": "tool_call_response", "id": "c1", "response": ' + deep_map + "}]}]"
    return _recorded(path, lambda s: s.set_attributes({"deep.json": deep, "deep.map": deep_map,
                                                      "gen_ai.input.messages": messages}))


def huge_stacktrace(path: Path, size: int = 10 * MB) -> Path:
    """An LLM call that failed with an exception whose stack trace is ``size`` characters."""
    frame = '  File "/app/agent.py", line 42, in call_model\n    return client.complete(messages)\n'
    stack = "Traceback (most recent call last):\n" + frame * (size // len(frame)) + "TimeoutError: the model took too long"

    def body(span: Any) -> None:
        span.add_event("exception", {"exception.type": "TimeoutError", "exception.message": "the model took too long",
                                     "exception.stacktrace": stack, "exception.escaped": True},
                       timestamp=BASE_TIME + 2_400_000_000)
        span.set_status(Status(StatusCode.ERROR, "the model took too long"))

    return _recorded(path, body)


#: Every hostile file by name, for the tests and the benchmark.
MAKERS: dict[str, Callable[[Path], Path]] = {
    "huge-name": huge_name,
    "huge-key": huge_key,
    "huge-message": huge_message,
    "deep-list": deep_list,
    "deep-json": deep_json,
    "huge-stacktrace": huge_stacktrace,
}
