"""The chat view's logic (no Qt): conversations read from real recorded spans of every layout.

The Azure layout comes from `tests/helpers/apps/chat_app.py` (the real azure-ai-inference SDK
against a loopback ChatServer, in its own interpreter, content on and off); the semconv layout
from the OpenTelemetry SDK with a TracerProvider of the test's own; the OpenInference layout
from ``@tracefile.trace`` spans in the same recordings.
"""

from __future__ import annotations

import json
from pathlib import Path

import tracefile
from tests.helpers.runs import Run
from tests.helpers.semconv_chat import CALL_ID, semconv_file
from tracefile.format.model import Span, SpanEvent
from viewer.chat import logic
from viewer.chat.logic import Part, conversation, link_tool_spans, to_markdown, tool_calls_by_id


def _app():
    from tests.helpers.apps import chat_app

    return chat_app


# -- Azure AI Inference events, content on ----------------------------------------------------


def test_azure_sync_call_reads_system_user_and_choice(content_on: Run) -> None:
    app = _app()
    seen = content_on.out["sync"]
    conv = conversation(content_on.chat(seen["id"]))
    assert conv.layout == "events" and conv.content_recorded and conv.missing_reason is None
    (system,) = conv.system
    assert system.role == "system" and system.source == "events"
    assert [(p.kind, p.text) for p in system.parts] == [("text", app.SYSTEM_TEXT)]
    (user,) = conv.input
    assert user.role == "user" and [p.text for p in user.parts] == [app.USER_TEXT]
    (answer,) = conv.output
    assert answer.role == "assistant" and answer.finish_reason == "stop"
    assert answer.text == seen["content"]
    assert system.time_unix_nano < user.time_unix_nano < answer.time_unix_nano


def test_azure_tool_call_round_trip(content_on: Run) -> None:
    seen = content_on.out["tools"]
    first = content_on.chat(seen["first_id"])
    second = content_on.chat(seen["second_id"])

    conv1 = conversation(first)
    (asked,) = conv1.output
    assert asked.finish_reason == "tool_calls"
    (call,) = asked.parts  # content null: no empty text part
    assert call.kind == "tool_call" and call.tool_name == "get_weather" and call.tool_call_id == seen["call_id"]
    assert call.arguments == '{\n  "city": "Lisbon"\n}'
    assert tool_calls_by_id(conv1) == {seen["call_id"]: call}

    conv2 = conversation(second)
    assert [m.role for m in conv2.input] == ["user", "assistant", "tool"]
    (echoed,) = conv2.input[1].parts
    assert echoed.kind == "tool_call" and echoed.tool_call_id == seen["call_id"]
    (result,) = conv2.input[2].parts
    assert result.kind == "tool_result" and result.tool_call_id == seen["call_id"]
    assert json.loads(result.text)["note"] == _app().TOOL_RESULT_MARKER
    assert "\n  " in result.text  # pretty-printed
    assert logic.tool_results_by_id(conv2)[seen["call_id"]] is result
    assert conv2.output[0].text == seen["answer"] and conv2.output[0].finish_reason == "stop"


def test_azure_tool_call_links_to_its_execute_tool_span(content_on: Run) -> None:
    seen = content_on.out["tools"]
    tool = content_on.named("execute_tool get_weather")
    for response_id in (seen["first_id"], seen["second_id"]):
        conv = conversation(content_on.chat(response_id))
        assert link_tool_spans(conv, content_on.tf.spans) == {seen["call_id"]: tool.span_id}


def test_azure_markdown(content_on: Run) -> None:
    app = _app()
    seen = content_on.out["tools"]
    md = to_markdown(conversation(content_on.chat(seen["second_id"])))
    assert md.startswith("## Input\n\n### User\n\n" + app.TOOL_QUESTION)
    assert f"**Tool call** `get_weather` (`{seen['call_id']}`)\n\n```json\n{{\n  \"city\": \"Lisbon\"\n}}\n```" in md
    assert f"**Tool result** (`{seen['call_id']}`)\n\n```json\n" in md
    assert app.TOOL_RESULT_MARKER in md
    assert "## Output\n\n### Assistant\n\n" + seen["answer"] + "\n\n*Finish reason: stop*\n" in md
    sync = to_markdown(conversation(content_on.chat(content_on.out["sync"]["id"])))
    assert sync.startswith(f"## System\n\n### System\n\n{app.SYSTEM_TEXT}\n\n## Input\n\n### User\n\n{app.USER_TEXT}")


# -- content off -----------------------------------------------------------------------------


def test_content_off_says_why_and_names_the_setting(content_off: Run) -> None:
    for response_id in (content_off.out["sync"]["id"], content_off.out["tools"]["first_id"]):
        span = content_off.chat(response_id)
        assert [e.name for e in span.events] == ["gen_ai.choice"]  # the event, without content
        conv = conversation(span)
        assert not conv.content_recorded and conv.is_empty
        assert "content recording was off" in conv.missing_reason
        assert "tracefile.configure(content_recording=True)" in conv.missing_reason
        assert "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true" in conv.missing_reason
        assert to_markdown(conv) == f"*{conv.missing_reason}*\n"
        assert link_tool_spans(conv, content_off.tf.spans) == {}


def test_chat_span_without_any_events_is_missing_content_too() -> None:
    conv = conversation(_span("chat gpt-4o", {"gen_ai.operation.name": "chat"}))
    assert not conv.content_recorded and conv.missing_reason == logic.MISSING_REASON
    conv = conversation(_span("chat gpt-4o", {}))  # recognized by name alone
    assert conv.missing_reason == logic.MISSING_REASON


def test_other_spans_without_content_have_no_reason(content_off: Run) -> None:
    http = next(s for s in content_off.tf.spans if s.name == "POST")
    conv = conversation(http)
    assert conv.layout == "none" and conv.is_empty and not conv.content_recorded and conv.missing_reason is None
    assert to_markdown(conv) == "*No conversation recorded.*\n"


# -- @trace / OpenInference --------------------------------------------------------------------


def test_decorator_spans_show_input_and_output(content_off: Run) -> None:
    # @trace records arguments and results whatever the content setting (by design).
    tool = conversation(content_off.named("execute_tool get_weather"))
    assert tool.layout == "openinference" and tool.content_recorded
    (inp,) = tool.input
    (out,) = tool.output
    assert (inp.role, out.role) == ("input", "output")
    assert inp.parts[0].text == '{\n  "city": "Lisbon"\n}' and inp.parts[0].mime_type == "application/json"
    assert json.loads(out.parts[0].text)["note"] == _app().TOOL_RESULT_MARKER
    assert out.parts[0].text.startswith('{\n  "city": "Lisbon",\n  "forecast": "sunny, 21C"')
    md = to_markdown(tool)
    assert md.startswith('## Input\n\n### Input\n\n```json\n{\n  "city": "Lisbon"\n}\n```')
    assert "## Output\n\n### Output\n\n```json\n" in md

    agent = conversation(content_off.named("invoke_agent weather-agent"))
    assert json.loads(agent.input[0].parts[0].text)["question"] == _app().TOOL_QUESTION
    assert json.loads(agent.output[0].parts[0].text)["call_name"] == "get_weather"


def test_decorator_plain_text_and_malformed_values() -> None:
    conv = conversation(_span("summarize", {
        "input.value": '{"text": "abc", ',  # cut off: not JSON
        "input.mime_type": "application/json",
        "output.value": "A summary: {not json}",
        "output.mime_type": "text/plain",
    }))  # fmt: skip
    assert conv.input[0].parts[0].text == '{"text": "abc", '
    assert conv.output[0].parts[0].text == "A summary: {not json}"
    assert conv.output[0].parts[0].mime_type == "text/plain"
    assert conv.missing_reason is None


# -- current semantic conventions -------------------------------------------------------------


def test_semconv_every_part_type(tmp_path: Path) -> None:
    tf = semconv_file(tmp_path / "run.tracy")
    (chat,) = [s for s in tf.spans if s.name == "chat gpt-4o"]
    conv = conversation(chat)
    assert conv.layout == "semconv" and conv.content_recorded
    assert [(p.kind, p.text) for p in conv.system[0].parts] == [("text", "You are a helpful travel bot.")]
    user, assistant, tool = conv.input
    assert [p.kind for p in user.parts] == ["text", "blob", "uri", "file"]
    text, blob, uri, file = user.parts
    assert text.text == 'Weather in Paris?\nAnd in Zürich, "please".'
    assert blob.mime_type == "image/png" and blob.text.startswith("image, image/png, ")
    assert uri.uri == "https://example.com/paris.jpg" and uri.mime_type == "image/jpeg"
    assert file.text == "file-abc123" and file.mime_type == "application/pdf"
    reasoning, call = assistant.parts
    assert reasoning.kind == "reasoning" and reasoning.text == "The user wants weather; call the tool."
    assert call.tool_name == "get_weather" and json.loads(call.arguments) == {"location": "Paris", "unit": "celsius"}
    assert call.arguments.startswith('{\n  "location": "Paris"')
    (result,) = tool.parts
    assert (result.kind, result.text, result.tool_call_id) == ("tool_result", "rainy, 14°C", CALL_ID)
    (out,) = conv.output
    assert out.finish_reason == "tool_call" and out.source == "semconv"
    assert [p.kind for p in out.parts] == ["text", "tool_call", "other"]
    assert out.parts[1].arguments == '{\n  "location": "Zürich"\n}'
    assert json.loads(out.parts[2].text) == {"type": "server_tool_call", "name": "web_search"}
    assert set(tool_calls_by_id(conv)) == {CALL_ID, "call_2"}

    tools = {s.attributes["gen_ai.tool.call.id"]: s.span_id for s in tf.spans if s.name.startswith("execute_tool")}
    assert link_tool_spans(conv, tf.spans) == tools

    md = to_markdown(conv)
    for piece in ("## System\n\n### System\n\nYou are a helpful travel bot.",
                  "### User\n\nWeather in Paris?\nAnd in Zürich",
                  "*Binary data: image, image/png, ",
                  "<https://example.com/paris.jpg>",
                  "*File: file-abc123*",
                  "> **Reasoning**\n>\n> The user wants weather; call the tool.",
                  f"**Tool call** `get_weather` (`{CALL_ID}`)\n\n```json\n{{\n  \"location\": \"Paris\",",
                  f"### Tool\n\n**Tool result** (`{CALL_ID}`)\n\n```\nrainy, 14°C\n```",
                  "*Finish reason: tool_call*"):  # fmt: skip
        assert piece in md, piece


def test_semconv_on_the_details_event_and_with_content_off(tmp_path: Path) -> None:
    tf = semconv_file(tmp_path / "event.tracy", on_event=True)
    conv = conversation(next(s for s in tf.spans if s.name == "chat gpt-4o"))
    assert conv.layout == "semconv" and [m.role for m in conv.input] == ["user", "assistant", "tool"]
    tf = semconv_file(tmp_path / "off.tracy", content=False)
    conv = conversation(next(s for s in tf.spans if s.name == "chat gpt-4o"))
    assert not conv.content_recorded and conv.is_empty
    assert "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true" in conv.missing_reason


def test_semconv_string_instructions_and_malformed_json() -> None:
    conv = conversation(_span("chat m", {
        "gen_ai.system_instructions": "Be brief.",
        "gen_ai.input.messages": '[{"role": "user", "parts": [{"type": "text", "content": "hi"}]',  # cut off
        "gen_ai.output.messages": json.dumps([{"parts": [{"type": "text"}]}, "just text", {"role": "assistant"}]),
    }))  # fmt: skip
    assert [(m.role, m.text) for m in conv.system] == [("system", "Be brief.")]
    (inp,) = conv.input
    assert inp.role == "user" and inp.parts[0].text.startswith('[{"role": "user"')
    first, second, third = conv.output
    assert first.role == "assistant" and [(p.kind, p.text) for p in first.parts] == [("text", "")]
    assert second.parts[0].text == "just text"
    assert third.parts == []


# -- odd shapes in the events layout --------------------------------------------------------


def test_events_with_malformed_json_and_openai_content_lists() -> None:
    content_list = [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
        {"type": "mystery", "x": 1},
    ]
    span = _span("chat gpt-4o", {"gen_ai.operation.name": "chat"}, events=[
        ("gen_ai.user.message", {"gen_ai.event.content": json.dumps({"role": "user", "content": content_list})}),
        ("gen_ai.user.message", {"gen_ai.event.content": "{not json"}),
        ("gen_ai.user.message", {"gen_ai.event.content": json.dumps({"content": 42})}),
        ("gen_ai.tool.message", {"gen_ai.event.content": json.dumps({"tool_call_id": "c1",
                                                                     "content": [{"type": "text", "text": "42 °C"}]})}),
        ("gen_ai.choice", {"gen_ai.event.content": json.dumps({"message": {"content": [{"type": "text", "text": "A cat."}]},
                                                               "finish_reason": "stop"})}),
        ("gen_ai.choice", {"gen_ai.event.content": json.dumps({"finish_reason": "length"})}),
    ])  # fmt: skip
    conv = conversation(span)
    assert conv.layout == "events"
    first, broken, number, tool = conv.input
    assert [p.kind for p in first.parts] == ["text", "uri", "blob", "other"]
    assert first.parts[0].text == "What is in this picture?"
    assert first.parts[1].uri == "https://example.com/cat.png"
    assert first.parts[2].mime_type == "image/jpeg"
    assert json.loads(first.parts[3].text) == {"type": "mystery", "x": 1}
    assert broken.role == "user" and [(p.kind, p.text) for p in broken.parts] == [("text", "{not json")]
    assert number.role == "user" and number.parts[0].text == "42"
    assert tool.role == "tool" and (tool.parts[0].kind, tool.parts[0].text) == ("tool_result", "42 °C")
    answer, cut = conv.output
    assert answer.text == "A cat." and answer.finish_reason == "stop"
    assert cut.parts == [] and cut.finish_reason == "length"
    md = to_markdown(conv)
    assert "### User\n\nWhat is in this picture?\n\n<https://example.com/cat.png>\n\n*Binary data: image, image/jpeg*" in md
    assert "### Assistant\n\n*(empty)*\n\n*Finish reason: length*" in md


def test_markdown_fences_survive_backticks_in_arguments() -> None:
    conv = logic.Conversation(content_recorded=True, output=[logic.Message("assistant", [
        Part("tool_call", tool_name="run", tool_call_id="c9", arguments='{"code": "```py\\nx\\n```"}'),
    ])])  # fmt: skip
    md = to_markdown(conv)
    # Arguments as recorded (a string holding ``` runs) get a longer fence.
    assert md.endswith('**Tool call** `run` (`c9`)\n\n````json\n{"code": "```py\\nx\\n```"}\n````\n')
    conv.output[0].parts[0].arguments = "x = 1"
    assert to_markdown(conv).endswith("```json\nx = 1\n```\n")


def test_link_tool_spans_by_name_in_time_order() -> None:
    conv = logic.Conversation(content_recorded=True, output=[logic.Message("assistant", [
        Part("tool_call", tool_name="search", tool_call_id="a"),
        Part("tool_call", tool_name="search", tool_call_id="b"),
        Part("tool_call", tool_name="lookup", tool_call_id="c"),
        Part("tool_call", tool_name="never_ran", tool_call_id="d"),
    ])])  # fmt: skip
    late = _span("execute_tool search", {}, span_id="s2", start=20)
    early = _span("execute_tool search", {}, span_id="s1", start=10)
    lookup = _span("tool", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup"}, span_id="s3", start=5)
    other_call = _span("execute_tool search", {"gen_ai.tool.call.id": "zzz"}, span_id="s4", start=1)
    not_a_tool = _span("search", {}, span_id="s5", start=0)
    links = link_tool_spans(conv, [late, not_a_tool, other_call, lookup, early])
    assert links == {"a": "s1", "b": "s2", "c": "s3"}


# -- helpers -------------------------------------------------------------------------------


def _span(name: str, attributes: dict, *, events: list | None = None, span_id: str = "00000000000000aa",
          start: int = 1_000) -> Span:  # fmt: skip
    return Span(
        trace_id="0" * 32, span_id=span_id, parent_span_id="", name=name, kind=0, start_time=start, end_time=start + 100,
        attributes=attributes,
        events=[SpanEvent(time_unix_nano=start + i, name=n, attributes=a) for i, (n, a) in enumerate(events or [])],
    )  # fmt: skip


def test_inline_code_fences_any_backticks_inside():
    from viewer.chat.logic import inline_code

    assert inline_code("get_weather") == "`get_weather`"
    assert inline_code("a`b") == "``a`b``"
    assert inline_code("a``b") == "```a``b```"  # a run of two inside needs three outside
    assert inline_code("`x`") == "`` `x` ``"
