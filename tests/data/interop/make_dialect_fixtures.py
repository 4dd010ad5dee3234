"""Record the GenAI dialect fixtures: the real `openai` client, instrumented by each real
instrumentation package, against the loopback server, written by `TracyFileExporter`.

    pip install -e '.[dev]'       # openai and the instrumentation packages are in the dev extra
    python tests/data/interop/make_dialect_fixtures.py            # every case
    python tests/data/interop/make_dialect_fixtures.py CASE ...   # some

Each case runs in a fresh interpreter (instrumentors patch the `openai` module for good) and
writes `dialects/<case>.tracy` with content recording on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "dialects"

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city name"}},
            "required": ["city"],
        },
    },
}
SYSTEM = {"role": "system", "content": "You are a concise travel assistant."}
QUESTION = "What is the weather in Lisbon today?"
MODEL = "gpt-4o-mini"

PROMPTY_FILE = """---
name: travel_assistant
description: A one-turn travel question
model:
  id: gpt-4o-mini
  provider: openai
  connection:
    kind: key
    endpoint: {endpoint}
    apiKey: test-key
inputs:
  - name: question
    kind: string
    default: Which museum should I visit in Porto?
---
system:
You are a concise travel assistant.

user:
{{{{question}}}}
"""


def _chat_with_tool_call(client) -> None:
    """Ask, get a tool call, answer it, get the final text: two chat spans."""
    messages = [SYSTEM, {"role": "user", "content": QUESTION}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    result = {"city": json.loads(call.function.arguments)["city"], "temperature_c": 21, "sky": "sunny"}
    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
    client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])


def _streaming(client) -> None:
    """One streamed answer, with usage in the last chunk."""
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[SYSTEM, {"role": "user", "content": "Name one sight in Lisbon."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for _ in stream:
        pass


def _openinference() -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument()


def _openai_v2() -> None:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument()


def _traceloop() -> None:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument()


def _traceloop_legacy() -> None:
    from importlib.metadata import version

    found = version("opentelemetry-instrumentation-openai")
    if found != "0.40.14":
        raise SystemExit(f"this case needs opentelemetry-instrumentation-openai 0.40.14 first on the path, not {found}")
    _traceloop()


#: case -> (instrument, run, environment the instrumentation needs to record content)
CASES = {
    "openinference-chat-with-tool-call": (_openinference, _chat_with_tool_call, {}),
    "openinference-streaming": (_openinference, _streaming, {}),
    # openai-v2 records content only with one of these values (it logs "true is not a valid option").
    "openai-v2-chat-with-tool-call": (_openai_v2, _chat_with_tool_call,
                                      {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
                                       "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental"}),  # fmt: skip
    "openai-v2-streaming": (_openai_v2, _streaming,
                            {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
                             "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental"}),  # fmt: skip
    "traceloop-chat-with-tool-call": (_traceloop, _chat_with_tool_call, {"TRACELOOP_TRACE_CONTENT": "true"}),
    "traceloop-streaming": (_traceloop, _streaming, {"TRACELOOP_TRACE_CONTENT": "true"}),
    # The legacy layout (gen_ai.prompt.N.*, gen_ai.completion.N.*, llm.usage.total_tokens), which
    # opentelemetry-instrumentation-openai wrote before it moved to the current conventions: record it
    # with 0.40.14 first on the path, e.g. `pip install --no-deps --target DIR
    # opentelemetry-instrumentation-openai==0.40.14 opentelemetry-semantic-conventions-ai==0.4.2` and
    # PYTHONPATH=DIR. The case refuses to run with any later version.
    "traceloop-0.40-chat-with-tool-call": (_traceloop_legacy, _chat_with_tool_call, {"TRACELOOP_TRACE_CONTENT": "true"}),
    "prompty-otel-chat": (None, None, {}),
}


def _prompty(server) -> None:
    """A .prompty file run through Prompty's OpenAI executor, traced by `otel_tracer`."""
    import tempfile

    import prompty
    from prompty import Tracer
    from prompty.tracing.otel import otel_tracer

    Tracer.add("otel", otel_tracer())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "travel.prompty"
        path.write_text(PROMPTY_FILE.format(endpoint=server.openai_base_url))
        prompty.invoke(str(path), inputs={"question": "Which museum should I visit in Porto?"})


def record(case: str) -> None:
    """Run one case in this interpreter (call it in a fresh one)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from tracefile import TracyFileExporter
    from tracefile.record.redact import Policy
    from tracefile.testing.loopback import ChatServer

    instrument, run, _ = CASES[case]
    out = HERE / f"{case}.tracy"
    out.unlink(missing_ok=True)
    exporter = TracyFileExporter(out, compression=False, redaction=Policy(record_content=True))
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    with ChatServer() as server:
        if run is None:
            _prompty(server)
        else:
            import openai

            instrument()
            run(openai.OpenAI(base_url=server.openai_base_url, api_key="test-key"))
    provider.shutdown()
    print(f"{out.relative_to(HERE.parent)}: {out.stat().st_size} bytes")


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--record":
        record(argv[1])
        return 0
    HERE.mkdir(exist_ok=True)
    for case in argv or list(CASES):
        env = {**os.environ, **CASES[case][2]}
        subprocess.run([sys.executable, __file__, "--record", case], env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
