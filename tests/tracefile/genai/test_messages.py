"""The message parser (`tracefile.genai.messages`) on the shapes instrumentations really record.

The semconv shapes are the ones the chat tests record through the OpenTelemetry SDK; the event
contents are what the Azure AI Inference SDK recorded for `tests/helpers/apps/chat_app.py`
against the loopback model server (content recording on), copied here as data.
"""

from __future__ import annotations

import json

from tests.helpers.semconv_chat import CALL_ID, INPUT_MESSAGES, OUTPUT_MESSAGES, SYSTEM
from tracefile.genai import messages
from tracefile.genai.messages import (
    BLOB,
    EVENTS,
    FILE,
    OTHER,
    REASONING,
    SEMCONV,
    TEXT,
    TOOL_CALL,
    TOOL_RESULT,
    URI,
    is_message_event,
    looks_like_messages,
    parse_event,
    parse_messages,
    parse_system_instructions,
    parse_value,
)

# -- the current semantic conventions ------------------------------------------------------

# The messages the chat view's tests record on a span (tests.helpers.semconv_chat) go to the parser as they are.


def test_semconv_input_messages_every_part_type():
    user, assistant, tool = parse_messages(json.dumps(INPUT_MESSAGES, ensure_ascii=False), "user")
    assert [m.role for m in (user, assistant, tool)] == ["user", "assistant", "tool"]
    assert {m.source for m in (user, assistant, tool)} == {SEMCONV}
    text, blob, uri, file = user.parts
    assert [p.kind for p in user.parts] == [TEXT, BLOB, URI, FILE]
    assert text.text == text.content == 'Weather in Paris?\nAnd in Zürich, "please".'
    assert blob.mime_type == "image/png" and blob.text == "image, image/png, 24 B" and blob.content is None
    assert (uri.uri, uri.mime_type, uri.text) == ("https://example.com/paris.jpg", "image/jpeg", "https://example.com/paris.jpg")
    assert (file.text, file.mime_type) == ("file-abc123", "application/pdf")
    reasoning, call = assistant.parts
    assert (reasoning.kind, reasoning.text) == (REASONING, "The user wants weather; call the tool.")
    assert (call.kind, call.tool_name, call.tool_call_id) == (TOOL_CALL, "get_weather", CALL_ID)
    assert call.arguments == '{\n  "location": "Paris",\n  "unit": "celsius"\n}'
    assert call.content == {"location": "Paris", "unit": "celsius"}  # as recorded
    assert call.raw == INPUT_MESSAGES[1]["parts"][1]
    (result,) = tool.parts
    assert (result.kind, result.text, result.tool_call_id, result.content) == (TOOL_RESULT, "rainy, 14°C", CALL_ID,
                                                                               "rainy, 14°C")  # fmt: skip
    assert assistant.text == "The user wants weather; call the tool."  # reasoning counts as text, calls do not


def test_semconv_output_messages_keep_the_finish_reason_and_unknown_parts():
    (out,) = parse_messages(json.dumps(OUTPUT_MESSAGES, ensure_ascii=False), "assistant")
    assert out.role == "assistant" and out.finish_reason == "tool_call"
    text, call, unknown = out.parts
    assert (text.kind, text.text) == (TEXT, "It is rainy in Paris (14°C).")
    # Arguments recorded as a JSON string: pretty text to show, the string itself as content.
    assert call.arguments == '{\n  "location": "Zürich"\n}' and call.content == '{"location": "Zürich"}'
    assert unknown.kind == OTHER and json.loads(unknown.text) == {"type": "server_tool_call", "name": "web_search"}


def test_already_parsed_values_read_the_same_as_json_text():
    assert parse_messages(INPUT_MESSAGES) == parse_messages(json.dumps(INPUT_MESSAGES))
    assert parse_messages(INPUT_MESSAGES[0]) == parse_messages(json.dumps(INPUT_MESSAGES[:1]))  # one message


def test_system_instructions_as_parts_or_plain_text():
    (system,) = parse_system_instructions(json.dumps(SYSTEM))
    assert system.role == "system" and [(p.kind, p.text) for p in system.parts] == [(TEXT, "You are a helpful travel bot.")]
    (plain,) = parse_system_instructions("Be brief.")
    assert plain.text == "Be brief."
    assert parse_system_instructions("") == [] and parse_system_instructions("[]") == []


def test_malformed_and_odd_values_never_raise():
    cut = '[{"role": "user", "parts": [{"type": "text", "content": "hi"}]'  # cut off by a size limit
    (message,) = parse_messages(cut, "user")
    assert message.role == "user" and [(p.kind, p.text) for p in message.parts] == [(TEXT, cut)]
    first, second, third = parse_messages(json.dumps([{"parts": [{"type": "text"}]}, "just text", {"role": "x"}]), "assistant")
    assert first.role == "assistant" and [(p.kind, p.text) for p in first.parts] == [(TEXT, "")]
    assert second.parts[0].text == "just text"
    assert third.role == "x" and third.parts == []
    assert parse_messages("null") == [] and parse_messages('""') == []
    (number,) = parse_messages("42", "user")
    assert number.parts[0].text == "42"
    assert parse_messages(b'[{"role": "user", "parts": ["bytes"]}]')[0].text == "bytes"


def test_openai_style_messages_in_the_semconv_attributes():
    recorded = [
        {"role": "user", "name": "ada", "content": [{"type": "input_text", "text": "Look"},
                                                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]},
        {"role": "assistant", "tool_calls": [{"id": "c9", "type": "function",
                                              "function": {"name": "book", "arguments": '{"n": 1}'}}]},
    ]  # fmt: skip
    user, assistant = parse_messages(json.dumps(recorded))
    assert user.name == "ada" and [(p.kind, p.text) for p in user.parts] == [(TEXT, "Look"), (URI, "https://x.test/a.png")]
    # Only tool calls, no content: the calls are still read.
    (call,) = assistant.parts
    assert (call.kind, call.tool_name, call.tool_call_id, call.content) == (TOOL_CALL, "book", "c9", '{"n": 1}')


# -- the Azure AI Inference SDK: one event per message -------------------------------------------

AZURE_SYSTEM = '{"role": "system", "content": "You are a terse assistant. SYS-MARKER-7f3a"}'
AZURE_USER = '{"role": "user", "content": "TOOLQ-MARKER-44b1 What\'s the weather in Lisbon?"}'
AZURE_CHOICE_TOOL_CALLS = (
    '{"message": {"content": null, "tool_calls": [{"id": "call_0002_0", "type": "function", "function": '
    '{"name": "get_weather", "arguments": "{\\"city\\": \\"Lisbon\\"}"}}]}, "finish_reason": "tool_calls", "index": 0}'
)
AZURE_ASSISTANT = (
    '{"role": "assistant", "content": null, "tool_calls": [{"id": "call_0002_0", "type": "function", "function": '
    '{"name": "get_weather", "arguments": "{\\"city\\": \\"Lisbon\\"}"}}]}'
)
AZURE_TOOL = (
    '{"role": "tool", "tool_call_id": "call_0002_0", "content": "{\\"city\\": \\"Lisbon\\", \\"forecast\\": '
    '\\"sunny, 21C\\", \\"note\\": \\"TOOL-RESULT-MARKER-c3d9\\"}"}'
)
AZURE_CHOICE_TEXT = (
    '{"message": {"content": "To answer: get_weather returned city: Lisbon, forecast: sunny, 21C."}, '
    '"finish_reason": "stop", "index": 0}'
)


def test_azure_message_events():
    assert all(is_message_event(n) for n in ("gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message",
                                            "gen_ai.tool.message", "gen_ai.choice"))  # fmt: skip
    assert not is_message_event("gen_ai.client.inference.operation.details") and not is_message_event("exception")
    system = parse_event("gen_ai.system.message", AZURE_SYSTEM, 5)
    assert (system.role, system.text, system.source, system.time_unix_nano) == (
        "system", "You are a terse assistant. SYS-MARKER-7f3a", EVENTS, 5)  # fmt: skip
    user = parse_event("gen_ai.user.message", AZURE_USER)
    assert user.role == "user" and user.text == "TOOLQ-MARKER-44b1 What's the weather in Lisbon?"

    for name, content in (("gen_ai.choice", AZURE_CHOICE_TOOL_CALLS), ("gen_ai.assistant.message", AZURE_ASSISTANT)):
        message = parse_event(name, content)
        (call,) = message.parts
        assert message.role == "assistant" and message.text == ""
        assert (call.kind, call.tool_name, call.tool_call_id) == (TOOL_CALL, "get_weather", "call_0002_0")
        assert call.arguments == '{\n  "city": "Lisbon"\n}' and call.content == '{"city": "Lisbon"}'
    assert parse_event("gen_ai.choice", AZURE_CHOICE_TOOL_CALLS).finish_reason == "tool_calls"

    tool = parse_event("gen_ai.tool.message", AZURE_TOOL)
    (result,) = tool.parts
    assert tool.role == "tool" and (result.kind, result.tool_call_id) == (TOOL_RESULT, "call_0002_0")
    assert json.loads(result.text) == {"city": "Lisbon", "forecast": "sunny, 21C", "note": "TOOL-RESULT-MARKER-c3d9"}
    assert result.text.startswith('{\n  "city"')  # pretty for display

    answer = parse_event("gen_ai.choice", AZURE_CHOICE_TEXT)
    assert answer.role == "assistant" and answer.finish_reason == "stop"
    assert answer.text == "To answer: get_weather returned city: Lisbon, forecast: sunny, 21C."


def test_odd_event_contents():
    broken = parse_event("gen_ai.user.message", "{not json")
    assert broken.role == "user" and [(p.kind, p.text) for p in broken.parts] == [(TEXT, "{not json")]
    assert parse_event("gen_ai.user.message", json.dumps({"content": 42})).parts[0].text == "42"
    cut = parse_event("gen_ai.choice", json.dumps({"finish_reason": "length"}))
    assert cut.parts == [] and cut.finish_reason == "length"
    listed = parse_event("gen_ai.tool.message", json.dumps({"tool_call_id": "c1", "content": [{"type": "text", "text": "42 °C"}]}))
    assert (listed.role, listed.parts[0].kind, listed.parts[0].text) == ("tool", TOOL_RESULT, "42 °C")  # role from the event
    pictures = parse_event("gen_ai.user.message", json.dumps({"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
        {"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}},
        {"type": "refusal", "refusal": "I can't."},
        {"type": "mystery", "x": 1},
    ]}))  # fmt: skip
    assert [(p.kind, p.text, p.mime_type) for p in pictures.parts[:3]] == [
        (BLOB, "image, image/jpeg", "image/jpeg"), (BLOB, "audio, wav", "audio/wav"), (TEXT, "I can't.", None)]  # fmt: skip
    assert pictures.parts[3].kind == OTHER


# -- OpenInference input.value / output.value ---------------------------------------------------


def test_openinference_values():
    plain = parse_value("Paris", "text/plain")
    assert (plain.kind, plain.text, plain.mime_type) == (TEXT, "Paris", "text/plain")
    args = parse_value('{"city": "Paris", "days": 2}', "application/json")
    assert args.text == '{\n  "city": "Paris",\n  "days": 2\n}' and args.mime_type == "application/json"
    assert parse_value('{"a": 1}').mime_type == "application/json"  # JSON without a mime type
    broken = parse_value("{oops")
    assert (broken.text, broken.mime_type) == ("{oops", None)


# -- what looks like messages -------------------------------------------------------------------


def test_looks_like_messages():
    assert looks_like_messages(INPUT_MESSAGES) and looks_like_messages(OUTPUT_MESSAGES[0])
    assert looks_like_messages({"role": "assistant", "tool_calls": []})
    assert looks_like_messages([{"parts": []}])
    assert not looks_like_messages(SYSTEM)  # parts, not messages
    assert not looks_like_messages([]) and not looks_like_messages({"role": "user"})
    assert not looks_like_messages([{"role": "user", "content": "hi"}, "text"])
    assert not looks_like_messages("[]") and not looks_like_messages(None)


def test_the_message_events_are_the_conventions_names():
    from tracefile.genai import names

    assert messages.MESSAGE_EVENTS == {
        names.GEN_AI_SYSTEM_MESSAGE: "system",
        names.GEN_AI_USER_MESSAGE: "user",
        names.GEN_AI_ASSISTANT_MESSAGE: "assistant",
        names.GEN_AI_TOOL_MESSAGE: "tool",
    }
