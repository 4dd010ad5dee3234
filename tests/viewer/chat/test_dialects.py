"""The conversation and search of spans recorded in other GenAI dialects (fixtures made with the real
instrumentation packages: tests/data/interop/dialects/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tracefile
from tracefile.format.reader import open_buffer
from viewer.chat.logic import TEXT, TOOL_CALL, TOOL_RESULT, conversation
from viewer.search import parse
from viewer.search.text_index import TextIndex, evaluate, index_batches
from viewer.session import FileSession

DIALECTS = Path(__file__).resolve().parents[2] / "data" / "interop" / "dialects"


def _roles(messages) -> list[tuple[str, list[str]]]:
    return [(m.role, [p.kind for p in m.parts]) for m in messages]


@pytest.mark.parametrize("case,layout", [("openinference-chat-with-tool-call", "openinference"),
                                         ("traceloop-0.40-chat-with-tool-call", "openllmetry"),
                                         ("openai-v2-chat-with-tool-call", "semconv")])  # fmt: skip
def test_tool_call_conversation(case, layout):
    first, second = tracefile.load(DIALECTS / f"{case}.tracy").spans
    conv = conversation(first)
    assert conv.layout == layout and conv.content_recorded
    assert [m.text for m in conv.system] == ["You are a concise travel assistant."]
    assert _roles(conv.input) == [("user", [TEXT])] and conv.input[0].text == "What is the weather in Lisbon today?"
    call = conv.output[0].parts[0]
    assert (conv.output[0].role, call.kind, call.tool_name, call.tool_call_id) == (
        "assistant", TOOL_CALL, "get_weather", "call_0001_0")
    assert '"Lisbon"' in call.arguments
    conv = conversation(second)
    assert _roles(conv.input) == [("user", [TEXT]), ("assistant", [TOOL_CALL]), ("tool", [TOOL_RESULT])]
    assert conv.input[2].parts[0].tool_call_id == "call_0001_0" and '"sunny"' in conv.input[2].parts[0].text
    assert conv.output[0].role == "assistant" and "sky: sunny" in conv.output[0].text


def test_openinference_streaming_and_prompty_answers():
    (span,) = tracefile.load(DIALECTS / "openinference-streaming.tracy").spans
    conv = conversation(span)
    assert _roles(conv.input) == [("user", [TEXT])] and conv.output[0].text.startswith('You asked: "Name one sight')
    spans = {s.name: s for s in tracefile.load(DIALECTS / "prompty-otel-chat.tracy").spans}
    conv = conversation(spans["chat.completions.create"])
    assert conv.layout == "prompty"
    assert [(m.role, m.text) for m in conv.system + conv.input] == [
        ("system", "You are a concise travel assistant."), ("user", "Which museum should I visit in Porto?")]
    assert conv.output[0].role == "assistant" and conv.output[0].finish_reason == "stop"
    assert "Porto" in conv.output[0].text
    conv = conversation(spans["invoke"])  # a Prompty frame: its inputs and result
    assert [m.role for m in conv.messages] == ["input", "output"] and "Porto" in conv.output[0].text


@pytest.mark.parametrize("case", ["openinference-chat-with-tool-call", "traceloop-0.40-chat-with-tool-call"])
def test_search_finds_message_text_and_model(case):
    session = FileSession(DIALECTS / f"{case}.tracy")
    assert session.load().ok
    text = TextIndex()
    with open_buffer(DIALECTS / f"{case}.tracy") as data:
        index_batches(text, data, session.reader.timeline.batches)

    def rows(query: str) -> list[int]:
        ev = evaluate(parse(query), session.index, text, session.feedback)
        return list(np.flatnonzero(ev.mask))

    assert rows("model:gpt-4o-mini") == [0, 1]
    assert rows("category:llm") == [0, 1]
    assert rows("temperature_c") == [1]  # only in the second call's tool message
    assert rows("Lisbon") == [0, 1]
    assert rows("model:claude") == []
