"""`configure(instrument=("openai",))` records message content with opentelemetry-instrumentation-openai-v2
for every content setting that package understands (it wants SPAN_ONLY and the like, and logs
"true is not a valid option" for true), and none when content is off. The real `openai` client,
against the loopback server's OpenAI route, in a process of its own per setting."""

from __future__ import annotations

import json
import os

import pytest

import tracefile
from tests.helpers import e2e
from tracefile.testing.loopback import ChatServer

CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
QUESTION = "What is the weather in Lisbon today?"


def _record(tmp_path, flag: str | None, variable: str | None, *more: str):
    env = {k: v for k, v in os.environ.items() if k not in (CONTENT, "AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED")}
    if variable is not None:
        env[CONTENT] = variable
    path = tmp_path / "run.tracy"
    with ChatServer() as server:
        done = e2e.run_app("openai_app.py", "--endpoint", server.endpoint, "--path", str(path), *([flag] if flag else []), *more, env=env)
    chats = [s for s in tracefile.load(path).spans if s.attributes.get("gen_ai.operation.name") == "chat"]
    return chats, e2e.last_json(done.stdout), done.stderr


@pytest.mark.parametrize(
    ("flag", "variable", "seen"),
    [
        ("--content", None, "SPAN_ONLY"),
        ("--content", "true", "SPAN_ONLY"),
        (None, "true", "SPAN_ONLY"),  # tracy run --content sets true
        (None, "span_only", "span_only"),
        (None, "SPAN_AND_EVENT", "SPAN_AND_EVENT"),
        (None, "EVENT_ONLY", "SPAN_AND_EVENT"),  # events alone never reach the file
    ],
)
def test_content_is_recorded_for_every_setting_the_package_understands(tmp_path, flag, variable, seen):
    chats, app, stderr = _record(tmp_path, flag, variable)
    assert app["content_variable"] == seen
    assert "is not a valid option" not in stderr
    assert len(chats) == 2, [s.name for s in chats]
    for span in chats:
        messages = json.loads(span.attributes["gen_ai.input.messages"])
        assert messages[0]["role"] == "user"
        assert messages[0]["parts"][0]["content"] == QUESTION
        assert json.loads(span.attributes["gen_ai.output.messages"])[0]["role"] == "assistant"
        assert span.attributes["gen_ai.usage.input_tokens"] > 0


@pytest.mark.parametrize(("flag", "variable"), [("--no-content", "SPAN_ONLY"), (None, None), (None, "false")])
def test_no_content_when_it_is_off(tmp_path, flag, variable):
    chats, _, _ = _record(tmp_path, flag, variable)
    assert len(chats) == 2
    for span in chats:
        assert "gen_ai.input.messages" not in span.attributes
        assert "gen_ai.output.messages" not in span.attributes
        assert span.attributes["gen_ai.request.model"] == "gpt-4o-mini"


def test_openinference_content_is_dropped_when_content_is_off(tmp_path):
    """OpenInference records prompts whatever Tracy's setting, in llm.input_messages.* and in
    input.value/output.value; with content off none of it reaches the file, not even compressed."""
    _, _, _ = _record(tmp_path, "--no-content", None, "--openinference")
    path = tmp_path / "run.tracy"
    spans = tracefile.load(path).spans
    llm = [s for s in spans if s.attributes.get("openinference.span.kind") == "LLM"]
    assert len(llm) == 2
    for span in llm:
        assert span.attributes["llm.model_name"].startswith("gpt-4o-mini")
        assert span.attributes["llm.token_count.prompt"] > 0
        assert not [k for k in span.attributes if k.startswith(("llm.input_messages", "llm.output_messages"))]
        assert "input.value" not in span.attributes and "output.value" not in span.attributes
    from tracefile.format import read_timeline

    timeline = read_timeline(path)
    assert int(timeline.input_tokens.sum()) > 0  # the summary columns still count the tokens
    payloads = _decompressed_payloads(path)
    assert QUESTION.encode() not in payloads and b"Lisbon" not in payloads


def test_openinference_content_is_kept_when_content_is_on(tmp_path):
    _record(tmp_path, "--content", None, "--openinference")
    llm = [s for s in tracefile.load(tmp_path / "run.tracy").spans if s.attributes.get("openinference.span.kind") == "LLM"]
    assert len(llm) == 2
    assert all(QUESTION in s.attributes["input.value"] for s in llm)


def _decompressed_payloads(path) -> bytes:
    from tracefile.format import ScanReport, frame_payload, open_buffer, scan_frames

    out = []
    with open_buffer(path) as data:
        for ref in scan_frames(data, ScanReport()):
            out.append(bytes(frame_payload(data, ref)))
    return b"".join(out)
