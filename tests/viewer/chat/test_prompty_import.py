"""The model call of a Prompty JSON trace (a real `.prompty` file run through Prompty's executor:
tests/data/interop/prompty/executor-*) reads as an LLM call with its conversation and its tokens once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracefile
from tracefile import genai
from tracefile.format.encode import write_spans
from tracefile.format.stats import summarize
from viewer.chat.logic import TEXT, TOOL_CALL, TOOL_RESULT, conversation

PROMPTY = Path(__file__).resolve().parents[2] / "data" / "interop" / "prompty"
EXECUTOR_FIXTURES = {  # file -> the name of its model call's frame
    "executor-chat-v2.tracy": "chat.completions.create",
    "executor-azure-openai-chat-v1.tracy": "create",
    "executor-azure-openai-chat-v0.1.20.tracy": "create",
}
ANSWER = 'You asked: "Which museum should I visit in Porto?". Here is a short answer: this is a scripted reply'


@pytest.mark.parametrize("fixture, call", EXECUTOR_FIXTURES.items())
def test_the_model_call_shows_system_user_and_assistant_messages(fixture, call):
    spans = tracefile.load(PROMPTY / fixture).spans
    (llm,) = [s for s in spans if genai.is_llm_call(s.name, s.attributes)]
    assert llm.name == call and genai.model(llm.attributes) == "gpt-4o-mini"
    conv = conversation(llm)
    assert conv.layout == "semconv" and conv.content_recorded
    # 1.0.0b3's parser keeps the newline that ends each block of the template
    assert [(m.role, m.text.rstrip("\n")) for m in conv.system] == [("system", "You are a concise travel assistant.")]
    assert [(m.role, m.text.rstrip("\n")) for m in conv.input] == [("user", "Which museum should I visit in Porto?")]
    (answer,) = conv.output
    assert (answer.role, answer.finish_reason, [p.kind for p in answer.parts]) == ("assistant", "stop", [TEXT])
    assert answer.text.startswith(ANSWER)


@pytest.mark.parametrize("fixture", EXECUTOR_FIXTURES)
def test_tokens_are_counted_once_over_the_file_and_after_saving_as_tracy(fixture, tmp_path):
    spans = tracefile.load(PROMPTY / fixture).spans
    totals = summarize(spans)
    assert (totals["input_tokens"], totals["output_tokens"]) == (13, 30)  # what the loopback server answered
    assert totals["models"] == {"gpt-4o-mini": 1}
    out = tmp_path / "saved.tracy"
    write_spans(out, spans)  # File > Save as: the token columns are computed on writing
    saved = summarize(tracefile.load(out).spans)
    assert (saved["input_tokens"], saved["output_tokens"], saved["models"]) == (13, 30, {"gpt-4o-mini": 1})


def test_tool_calls_and_tool_results_reach_the_chat_view(tmp_path):
    doc = json.loads((PROMPTY / "executor-chat-v2.tracy").read_text(encoding="utf-8"))
    (call,) = [f for f in doc["trace"]["__frames"][1]["__frames"] if f["name"] == "chat.completions.create"]
    call["inputs"]["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Porto"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"sky": "sunny"}'},
    ]  # fmt: skip
    path = tmp_path / "tools.tracy"
    path.write_text(json.dumps(doc), encoding="utf-8")
    (llm,) = [s for s in tracefile.load(path).spans if s.name == "chat.completions.create"]
    conv = conversation(llm)
    assert [(m.role, [p.kind for p in m.parts]) for m in conv.input] == [
        ("user", [TEXT]), ("assistant", [TOOL_CALL]), ("tool", [TOOL_RESULT])]
    tool_call, tool_result = conv.input[1].parts[0], conv.input[2].parts[0]
    assert (tool_call.tool_name, tool_call.tool_call_id, json.loads(tool_call.arguments)) == (
        "get_weather", "call_1", {"city": "Porto"})
    assert tool_result.tool_call_id == "call_1" and "sunny" in tool_result.text
