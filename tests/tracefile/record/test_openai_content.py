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


def _record(tmp_path, flag: str | None, variable: str | None):
    env = {k: v for k, v in os.environ.items() if k not in (CONTENT, "AZURE_TRACING_GEN_AI_CONTENT_RECORDING_ENABLED")}
    if variable is not None:
        env[CONTENT] = variable
    path = tmp_path / "run.tracy"
    with ChatServer() as server:
        done = e2e.run_app("openai_app.py", "--endpoint", server.endpoint, "--path", str(path), *([flag] if flag else []), env=env)
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
