"""The inspector's pure logic: sections of a span, value rendering in every mode, span_to_json. No Qt."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracefile import Feedback, Resource, Scope, Span, SpanEvent, SpanLink
from viewer.inspector import logic
from viewer.inspector.logic import MARKDOWN, PRETTY, RAW, value_text

START = 1_764_079_392_000_000_000  # 2025-11-25T14:03:12Z
MS = 1_000_000
ARGS = json.dumps({"city": "Paris", "days": 2})
MESSAGES = json.dumps(
    [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": ARGS}]},
    ]
)
MARKER = "…[truncated 1,234 chars]"


def make_span(**overrides) -> Span:
    fields = dict(
        trace_id="5b8efff798038103d269b633813fc60c",
        span_id="eee19b7ec3c1b174",
        parent_span_id="eee19b7ec3c1b173",
        name="chat gpt-4o",
        kind=2,
        start_time=START,
        end_time=START + 1830 * MS,
        status_code=2,
        status_message="RateLimitError: 429",
        attributes={"server.port": 443, "gen_ai.request.model": "gpt-4o", "gen_ai.input.messages": MESSAGES,
                    "app.flags": [True, False], "app.ratio": float("nan"), "app.blob": b"\x00\xff"},  # fmt: skip
        events=[
            SpanEvent(START + 12_300_000, "gen_ai.user.message", {"gen_ai.event.content": json.dumps({"role": "user", "content": "hi"})}),
            SpanEvent(START - MS, "early", {}),
        ],
        links=[SpanLink("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "k=v", {"link.reason": "retry"})],
        resource=Resource({"service.name": "travel-agent", "host.name": "box"}, "https://opentelemetry.io/schemas/1.26.0"),
        scope=Scope("openai.instrumentation", "0.3.1", "", {"scope.attr": 1}),
        feedback=[
            Feedback(time_unix_nano=START + 5_000 * MS, span_id="eee19b7ec3c1b174", score=0.25, label="unhelpful",
                     comment="Ignored the budget.", evaluator="relevance", metadata={"run": 7}),  # fmt: skip
            Feedback(time_unix_nano=START + 6_000 * MS, score=1.0, label="thumbs_up"),
        ],
    )
    fields.update(overrides)
    return Span(**fields)


def section(span: Span, key: str, order: str = logic.GENAI_FIRST) -> logic.Section:
    return next(s for s in logic.build_sections(span, order) if s.key == key)


# -- type names ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, name",
    [("a", "str"), (1, "int"), (1.5, "float"), (True, "bool"), (b"x", "bytes"), (None, "null"), ({"a": 1}, "dict"),
     (["a", "b"], "list[str]"), ([1, 2], "list[int]"), ([1.0], "list[float]"), ([True], "list[bool]"),
     ([1, "a", 2], "list[int | str]"), ([], "list"), (("a",), "list[str]")],
)  # fmt: skip
def test_type_name(value, name):
    assert logic.type_name(value) == name


# -- raw ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [("  keep\n\tthis \\n  ", "  keep\n\tthis \\n  "), (MESSAGES, MESSAGES), (42, "42"), (0.1, "0.1"), (True, "true"),
     (False, "false"), (None, "null"), (["a", "é"], '["a", "é"]'), ([1, 2.5], "[1, 2.5]"), (b"\x00\xff", "00ff"),
     (float("nan"), "nan")],
)  # fmt: skip
def test_raw_is_exactly_as_recorded(value, text):
    assert value_text(value, RAW) == text


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="unknown mode 'html'"):
        value_text("x", "html")


# -- pretty --------------------------------------------------------------------------


def test_pretty_indents_json_and_expands_nested_json_strings():
    text = value_text(MESSAGES, PRETTY)
    assert json.loads(text)[1]["parts"][0]["arguments"] == {"city": "Paris", "days": 2}
    assert text.startswith('[\n  {\n    "role": "user",\n    "parts": [\n      {\n        "type": "text",')
    assert '        "arguments": {\n          "city": "Paris",\n          "days": 2\n        }' in text


def test_pretty_expands_json_strings_at_any_depth_and_unescapes():
    inner = json.dumps({"q": "caf\u00e9 \"quoted\""})  # ensure_ascii: stored as \u00e9
    outer = json.dumps({"call": {"arguments": json.dumps({"payload": inner})}})
    assert "\\u00e9" in outer
    text = value_text(outer, PRETTY)
    assert json.loads(text) == {"call": {"arguments": {"payload": {"q": 'café "quoted"'}}}}
    assert 'café \\"quoted\\"' in text and "\\u00e9" not in text


@pytest.mark.parametrize(
    "text, is_json",
    [('{"a": 1}', True), ("  [1, 2]\n", True), ("[]", True), ("42", False), ('"a string"', False), ("true", False),
     ("{not json}", False), ("[1, 2", False), ("{} trailing", False), ("plain text", False), ("", False)],
)  # fmt: skip
def test_json_detection(text, is_json):
    assert logic.is_json_text(text) is is_json
    if not is_json:
        assert value_text(text, PRETTY) == logic.wrap_text(text)


def test_pretty_leaves_scalars_and_lists_readable():
    assert value_text(412, PRETTY) == "412"
    assert value_text(True, PRETTY) == "true"
    assert value_text(["a", '{"b": 1}'], PRETTY) == '[\n  "a",\n  {\n    "b": 1\n  }\n]'


def test_pretty_wraps_long_text_and_keeps_line_breaks():
    text = "Short line.\n\n" + "word " * 60 + "\n    indented " + "x" * 30 + " " + "y " * 60
    out = value_text(text, PRETTY)
    lines = out.split("\n")
    assert all(len(line) <= logic.WRAP_WIDTH for line in lines)
    assert lines[:2] == ["Short line.", ""]
    assert out.split() == text.split()  # nothing lost, only re-wrapped
    indented = [line for line in lines if line.startswith("    ")]
    assert len(indented) >= 2  # continuation lines keep the indent


def test_pretty_breaks_words_longer_than_a_line():
    out = value_text("z" * 250, PRETTY)
    assert out.split("\n") == ["z" * 100, "z" * 100, "z" * 50]


# -- markdown ------------------------------------------------------------------------


def test_markdown_returns_text_as_is():
    text = "# Plan\n\n**Day 1**: Louvre\n\n- a\n- b\n"
    assert value_text(text, MARKDOWN) == text


def test_markdown_renders_chat_messages_as_a_transcript():
    md = value_text(MESSAGES, MARKDOWN)
    assert md == (
        "**user**\n\nWeather in Paris?\n\n"
        "**assistant**\n\nTool call `get_weather` (call_1)\n\n```json\n{\n  \"city\": \"Paris\",\n  \"days\": 2\n}\n```"
    )


def test_markdown_openai_shaped_messages():
    msg = json.dumps({"role": "assistant", "content": None,
                      "tool_calls": [{"id": "c9", "function": {"name": "book", "arguments": '{"n": 1}'}}]})  # fmt: skip
    assert value_text(msg, MARKDOWN) == '**assistant**\n\nTool call `book` (c9)\n\n```json\n{\n  "n": 1\n}\n```'


def test_markdown_puts_other_json_in_a_code_block_with_a_long_enough_fence():
    assert value_text('{"a": [1]}', MARKDOWN) == '```json\n{\n  "a": [\n    1\n  ]\n}\n```'
    tricky = json.dumps({"code": "```python\nprint(1)\n```"})
    assert value_text(tricky, MARKDOWN).startswith("````json\n")
    assert value_text({"k": 1}, MARKDOWN) == '```json\n{\n  "k": 1\n}\n```'


def test_markdown_lists_and_scalars():
    assert value_text(["stop", "length"], MARKDOWN) == "- stop\n- length"
    assert value_text([1, 2], MARKDOWN) == "```json\n[\n  1,\n  2\n]\n```"
    assert value_text(3.5, MARKDOWN) == "3.5"


def test_markdown_replaces_remote_images_with_a_note():
    md = value_text("see ![map](https://tiles.example.com/p.png) and ![](http://x.test/a.png) and ![local](map.png)", MARKDOWN)
    assert md == (
        "see *\\[remote image not loaded: map\\]* and *\\[remote image not loaded: http://x.test/a.png\\]* "
        "and ![local](map.png)"
    )


# -- truncation markers -------------------------------------------------------------


def test_truncation_marker_kept_in_every_mode():
    cut = '{"messages": [{"role": "user", "content": "long long' + MARKER
    assert value_text(cut, RAW) == cut
    pretty = value_text(cut, PRETTY)
    assert pretty == '{\n  "messages": [\n    {\n      "role": "user",\n      "content": "long long\n' + MARKER
    md = value_text(cut, MARKDOWN)
    assert md.startswith("```json\n{\n") and md.endswith("```\n\n…\\[truncated 1,234 chars\\]")
    text = "Plain answer" + MARKER
    assert value_text(text, PRETTY) == text
    assert value_text(text, MARKDOWN) == "Plain answer…\\[truncated 1,234 chars\\]"
    assert logic.truncated_chars(cut) == 1234 and logic.truncated_chars(["a" + MARKER, "b" + MARKER]) == 2468
    assert logic.truncated_chars("no marker") == 0


def test_marker_inside_valid_json_survives_pretty():
    value = json.dumps({"content": "abc" + MARKER, "n": 1})
    assert f'"content": "abc{MARKER}"' in value_text(value, PRETTY)


def test_summary_keeps_the_marker_visible():
    value = "line one\nline two\n" + "x" * 5000 + MARKER
    summary = logic.summarize(value)
    assert summary.startswith("line one ↵ line two ↵ xxx")
    assert summary.endswith("… " + MARKER)
    assert len(summary) <= logic.SUMMARY_LIMIT + len(MARKER) + 2


def test_summary_of_short_and_list_values():
    assert logic.summarize("a\r\n  b") == "a ↵ b"
    assert logic.summarize(["x", "y"]) == '["x", "y"]'
    assert logic.summarize(list(range(1000))).endswith("…")
    assert logic.summarize(True) == "true"


@given(st.text(max_size=2000))
def test_summary_is_one_bounded_line(text):
    summary = logic.summarize(text, limit=50)
    assert "\n" not in summary and "\r" not in summary
    assert len(summary) <= 50 + 1 + 1 + len("…[truncated 999,999,999 chars]")


@given(st.text(alphabet='{}[],:" \\abc1\n\t', max_size=300))
def test_partial_json_reindent_only_changes_whitespace(text):
    out = logic.reindent_partial_json(text)
    assert "".join(out.split()) == "".join(text.split())


def test_deeply_nested_json_does_not_crash():
    deep = "[" * (sys.getrecursionlimit() + 10) + "]" * (sys.getrecursionlimit() + 10)
    assert value_text(deep, PRETTY)  # falls back to text when the parser gives up


# -- sections ----------------------------------------------------------------------


def test_sections_in_order_with_counts():
    sections = logic.build_sections(make_span())
    labels = [s.label for s in sections]
    # Content first, the ids and timestamps last and folded.
    assert labels == ["Content", "Attributes (6)", "Events (2)", "Links (1)", "Feedback (2)", "Resource (2)", "Scope", "Details"]
    assert [s.key for s in sections if s.collapsed] == ["details"]


def test_empty_sections_are_left_out():
    bare = Span(trace_id="a" * 32, span_id="b" * 16, parent_span_id="", name="x", kind=0, start_time=START, end_time=START)
    assert [s.key for s in logic.build_sections(bare)] == ["details"]


def test_content_rows_come_from_the_messages():
    rows = {r.key: r for r in section(make_span(), "content").rows}
    assert list(rows) == ["Input", "Messages"]  # the span holds no output
    assert rows["Input"].value == make_span().attributes["gen_ai.input.messages"]
    assert rows["Input"].summary == 'assistant: tool call get_weather { "city": "Paris", "days": 2 }'
    assert rows["Messages"].summary == "1 user · 1 assistant → no output"


def test_details_rows():
    rows = {r.key: r for r in section(make_span(), "details").rows}
    assert [r for r in rows] == ["Name", "Kind", "Status", "Start (local)", "Start (UTC)", "Duration", "Trace ID", "Span ID",
                                 "Parent span ID", "Service", "Scope"]  # fmt: skip
    assert rows["Status"].summary == "Error: RateLimitError: 429" and rows["Status"].tone == "error"
    assert rows["Status"].elide == "middle" and rows["Span ID"].elide == "middle" and rows["Name"].elide == "right"
    assert rows["Kind"].value == "Client"
    assert rows["Start (UTC)"].value == "2025-11-25T14:03:12.000000000Z"
    assert rows["Start (local)"].value.endswith(".000") and len(rows["Start (local)"].value) == 23
    assert rows["Duration"].value == "1.83 s"
    assert rows["Parent span ID"].value == "eee19b7ec3c1b173" and rows["Parent span ID"].tone == "id"
    assert rows["Service"].value == "travel-agent" and rows["Scope"].value == "openai.instrumentation 0.3.1"
    root = {r.key: r for r in section(make_span(parent_span_id="", status_code=1, status_message=""), "details").rows}
    assert root["Parent span ID"].summary == "none (root span)" and root["Parent span ID"].value == ""
    assert root["Status"].summary == "OK" and root["Status"].tone == "ok"
    dropped = {r.key: r for r in section(make_span(dropped_attributes=3, dropped_links=1), "details").rows}
    assert dropped["Dropped"].value == "3 attributes, 1 link"


def test_attributes_gen_ai_first_then_alphabetical_or_recorded():
    span = make_span()
    rows = section(span, "attributes").rows
    assert [r.key for r in rows] == ["gen_ai.input.messages", "gen_ai.request.model", "app.blob", "app.flags", "app.ratio",
                                     "server.port"]  # fmt: skip
    assert [r.type_name for r in rows] == ["str", "str", "bytes", "list[bool]", "float", "int"]
    recorded = section(span, "attributes", logic.RECORDED).rows
    assert [r.key for r in recorded] == list(span.attributes)
    with pytest.raises(ValueError):
        logic.build_sections(span, "random")


def test_event_rows_show_offsets_and_attributes():
    events = section(make_span(), "events").rows
    assert [(r.key, r.summary, r.type_name) for r in events] == [
        ("gen_ai.user.message", "+12.3 ms", "event"),
        ("early", "−1.00 ms", "event"),
    ]
    assert [(c.key, c.type_name) for c in events[0].children] == [("gen_ai.event.content", "str")]
    assert events[0].value["time"] == "2025-11-25T14:03:12.012300000Z"
    pretty = json.loads(value_text(events[0].value, PRETTY))
    assert pretty["attributes"]["gen_ai.event.content"] == {"role": "user", "content": "hi"}


@pytest.mark.parametrize("ns, text", [(0, "+0 ns"), (12_300_000, "+12.3 ms"), (850, "+850 ns"), (2_500_000_000, "+2.50 s"),
                                      (-1_500, "−1.50 µs")])  # fmt: skip
def test_event_offset_text(ns, text):
    assert logic.format_event_offset(ns) == text


def test_link_rows():
    (link,) = section(make_span(), "links").rows
    assert link.key == "Link 1" and link.summary == "trace 0af7651916cd43dd8448eb211c80319c · span b7ad6b7169203331"
    assert [(c.key, c.value) for c in link.children] == [
        ("Trace ID", "0af7651916cd43dd8448eb211c80319c"), ("Span ID", "b7ad6b7169203331"), ("Trace state", "k=v"),
        ("link.reason", "retry"),
    ]  # fmt: skip


def test_resource_and_scope_sections():
    resource = section(make_span(), "resource").rows
    assert [(r.key, r.value) for r in resource] == [("host.name", "box"), ("service.name", "travel-agent"),
                                                    ("Schema URL", "https://opentelemetry.io/schemas/1.26.0")]  # fmt: skip
    scope = section(make_span(), "scope").rows
    assert [(r.key, r.value, r.type_name) for r in scope] == [("Name", "openai.instrumentation", ""), ("Version", "0.3.1", ""),
                                                              ("scope.attr", 1, "int")]  # fmt: skip


def test_feedback_section():
    first, second = section(make_span(), "feedback").rows
    assert (first.key, first.summary, first.type_name) == ("relevance", "score 0.25 · unhelpful · “Ignored the budget.”", "feedback")
    assert [(c.key, c.summary) for c in first.children] == [
        ("Score", "0.25"), ("Label", "unhelpful"), ("Comment", "Ignored the budget."), ("Evaluator", "relevance"),
        ("Time (UTC)", "2025-11-25T14:03:17.000000000Z"), ("metadata.run", "7"),
    ]  # fmt: skip
    assert (second.key, second.summary) == ("User feedback", "score 1 · thumbs_up")


def test_row_text_is_the_raw_value():
    rows = {r.key: r for r in section(make_span(), "attributes").rows}
    assert rows["gen_ai.input.messages"].text == MESSAGES
    assert rows["server.port"].text == "443"


def test_walk_rows_is_depth_first():
    keys = [r.key for r in logic.walk_rows(section(make_span(), "links").rows)]
    assert keys == ["Link 1", "Trace ID", "Span ID", "Trace state", "link.reason"]


# -- span_to_json --------------------------------------------------------------------


def test_span_to_json_round_trips_with_every_field():
    span = make_span()
    doc = json.loads(logic.span_to_json(span))
    assert doc["name"] == "chat gpt-4o" and doc["kind"] == "client"
    assert (doc["trace_id"], doc["span_id"], doc["parent_span_id"]) == (span.trace_id, span.span_id, span.parent_span_id)
    assert doc["start_time"] == "2025-11-25T14:03:12.000000000Z" and doc["start_time_unix_nano"] == START
    assert doc["end_time"] == "2025-11-25T14:03:13.830000000Z" and doc["end_time_unix_nano"] == START + 1830 * MS
    assert doc["duration_ns"] == 1830 * MS
    assert doc["status"] == {"code": "error", "message": "RateLimitError: 429"}
    # JSON held in a string attribute stays a string: the document says exactly what was recorded.
    assert doc["attributes"]["gen_ai.input.messages"] == MESSAGES
    assert doc["attributes"]["server.port"] == 443 and doc["attributes"]["app.flags"] == [True, False]
    assert doc["attributes"]["app.ratio"] == "nan" and doc["attributes"]["app.blob"] == "00ff"
    assert doc["events"][0] == {
        "name": "gen_ai.user.message", "time": "2025-11-25T14:03:12.012300000Z", "time_unix_nano": START + 12_300_000,
        "attributes": {"gen_ai.event.content": '{"role": "user", "content": "hi"}'},
    }  # fmt: skip
    assert doc["links"] == [{"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331",
                             "trace_state": "k=v", "attributes": {"link.reason": "retry"}}]  # fmt: skip
    assert doc["resource"] == {"attributes": {"service.name": "travel-agent", "host.name": "box"},
                               "schema_url": "https://opentelemetry.io/schemas/1.26.0"}  # fmt: skip
    assert doc["scope"] == {"name": "openai.instrumentation", "version": "0.3.1", "schema_url": "", "attributes": {"scope.attr": 1}}
    assert [f["label"] for f in doc["feedback"]] == ["unhelpful", "thumbs_up"]
    assert "dropped" not in doc


def test_span_to_json_root_and_dropped_counts():
    doc = json.loads(logic.span_to_json(make_span(parent_span_id="", dropped_events=2, feedback=[])))
    assert doc["parent_span_id"] is None and doc["dropped"] == {"attributes": 0, "events": 2, "links": 0}
    assert "feedback" not in doc


def test_span_to_json_is_valid_strict_json():
    text = logic.span_to_json(make_span())

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    json.loads(text, parse_constant=no_constants)
    assert "\n  " in text  # indented for people


def test_iso_utc_edge_cases():
    assert logic.iso_utc(0) == "–" and logic.iso_utc(-5) == "–"
    assert logic.iso_utc(1) == "1970-01-01T00:00:00.000000001Z"
    assert logic.iso_utc(10**30) == str(10**30)


def test_logic_does_not_import_qt():
    import subprocess

    code = "import sys, viewer.inspector.logic; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
