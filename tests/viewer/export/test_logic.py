"""Export (no Qt): spans and traces as Markdown, and spans saved as OTLP/JSON, on real recordings.

The Azure layout comes from `tests/helpers/apps/chat_app.py` (the real azure-ai-inference SDK against
the loopback ChatServer, content on and off), feedback from `feedback_app.py`, the semconv layout from
the OpenTelemetry SDK (`tests/helpers/semconv_chat.py`), errors from the viewer's sample recording.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

import tracefile
from tracefile import genai
from tests.helpers import e2e
from tests.helpers.runs import Run
from tests.helpers.semconv_chat import CALL_ID
from tracefile.interop import read_any
from viewer.chat import logic as chat
from viewer.export import logic
from viewer.export.logic import save_otlp_json, shift_headings, span_markdown, trace_markdown

# content_on, content_off and chat_semconv are the viewer's shared recordings (tests/viewer/conftest.py).


@pytest.fixture(scope="module")
def with_feedback(record_app) -> tuple[dict, tracefile.TraceFile]:
    path, out = record_app("feedback_app.py")
    return out, tracefile.load(path)


def _app():
    from tests.helpers.apps import chat_app

    return chat_app


def _trace(tf: tracefile.TraceFile, span: tracefile.Span) -> list[tracefile.Span]:
    return [s for s in tf.spans if s.trace_id == span.trace_id]


# -- one span -----------------------------------------------------------------------------------


def test_span_markdown_title_facts_table_and_conversation(content_on: Run) -> None:
    app = _app()
    seen = content_on.out["sync"]
    span = content_on.chat(seen["id"])
    md = span_markdown(span)
    title, facts, table, rest = md.split("\n\n", 3)
    assert title == f"# chat {app.MODEL}"
    assert facts.startswith(f"**Model:** `{app.MODEL}` · **Duration:** ")
    assert f" · **Tokens:** {seen['input_tokens']:,} in, {seen['output_tokens']:,} out · **Status:** Unset" in facts
    rows = table.splitlines()
    assert rows[:3] == ["| Attribute | Value |", "|---|---|", "| `gen_ai.operation.name` | chat |"]
    assert f"| `gen_ai.request.model` | {app.MODEL} |" in rows
    assert f"| `gen_ai.response.id` | {seen['id']} |" in rows
    assert f"| `gen_ai.usage.input_tokens` | {seen['input_tokens']} |" in rows
    assert "| `server.address` | 127.0.0.1 |" in rows
    assert rest == chat.to_markdown(chat.conversation(span))
    assert rest.startswith(f"## System\n\n### System\n\n{app.SYSTEM_TEXT}\n\n## Input\n\n### User\n\n{app.USER_TEXT}")
    assert seen["content"] in rest


def test_span_markdown_names_the_span_that_ran_each_tool_call(content_on: Run) -> None:
    seen = content_on.out["tools"]
    span = content_on.chat(seen["second_id"])
    tool = content_on.named("execute_tool get_weather")
    md = span_markdown(span, _trace(content_on.tf, span))
    assert f"**Tool call** `get_weather` (`{seen['call_id']}`)\n\n```json\n{{\n  \"city\": \"Lisbon\"\n}}\n```" in md
    assert _app().TOOL_RESULT_MARKER in md
    assert md.endswith(f"**Tool calls ran as:**\n\n- `{seen['call_id']}` → `execute_tool get_weather` "
                       f"({logic.format_duration(tool.duration_ns)})\n")  # fmt: skip
    assert "Tool calls ran as" not in span_markdown(span)  # without the trace's spans there is nothing to name


def test_span_markdown_with_content_off_says_how_to_record_it(content_off: Run) -> None:
    span = content_off.chat(content_off.out["sync"]["id"])
    md = span_markdown(span)
    assert md.startswith(f"# chat {_app().MODEL}\n\n**Model:** ")
    assert "| `gen_ai.response.id` |" in md
    assert md.endswith(f"*{chat.MISSING_REASON}*\n")
    assert "## Input" not in md and "## Output" not in md


def test_span_markdown_of_the_semconv_layout_keeps_content_out_of_the_table(chat_semconv) -> None:
    span = next(s for s in chat_semconv.spans if s.name == "chat gpt-4o")
    md = span_markdown(span, chat_semconv.spans)
    assert "| `gen_ai.provider.name` | azure.ai.openai |" in md
    assert "`gen_ai.input.messages`" not in md and "`gen_ai.system_instructions`" not in md
    for piece in ("## System\n\n### System\n\nYou are a helpful travel bot.",
                  "*Binary data: image, image/png, ", "<https://example.com/paris.jpg>", "*File: file-abc123*",
                  "> **Reasoning**", f"**Tool result** (`{CALL_ID}`)", "*Finish reason: tool_call*"):  # fmt: skip
        assert piece in md, piece
    calls = re.findall(r"^- `([^`]+)` → `execute_tool get_weather`", md, re.M)
    assert sorted(calls) == sorted([CALL_ID, "call_2"])


def test_span_markdown_of_a_decorator_span_and_of_a_plain_span(content_off: Run) -> None:
    tool = content_off.named("execute_tool get_weather")
    md = span_markdown(tool)
    assert md.startswith("# execute_tool get_weather\n\n**Duration:** ")
    assert r"| `code.function.name` | \_\_main\_\_.get_weather |" in md  # not bold "main"
    assert "`input.value`" not in md  # shown as the conversation instead
    assert '## Input\n\n### Input\n\n```json\n{\n  "city": "Lisbon"\n}\n```' in md
    http = next(s for s in content_off.tf.spans if s.name == "POST")
    md = span_markdown(http)
    assert md.startswith("# POST\n\n**Duration:** ") and "| `http.request.method` | POST |" in md
    assert "conversation" not in md.lower()


def test_span_markdown_shows_errors_and_escapes_names(sample_tracy: Path) -> None:
    tf = tracefile.load(sample_tracy)
    failing = next(s for s in tf.spans if s.name == "chat gpt-4o-mini")
    md = span_markdown(failing)
    assert "**Status:** Error: RateLimitError: 429 Too Many Requests" in md
    odd = msgspec.structs.replace(failing, name="*bold* `x` _y_ snake_case | [z]")
    assert span_markdown(odd).startswith(r"# \*bold\* \`x\` \_y\_ snake_case \| \[z\]" + "\n")


# -- a whole trace ------------------------------------------------------------------------------


def test_trace_markdown_outline_then_each_llm_call(content_on: Run) -> None:
    app = _app()
    seen = content_on.out["tools"]
    agent = content_on.named("invoke_agent weather-agent")
    spans = _trace(content_on.tf, agent)
    md = trace_markdown(spans)
    head, facts, outline_title, outline, rest = md.split("\n\n", 4)
    assert head == "# invoke_agent weather-agent"
    tokens_in = sum(genai.tokens(s.attributes, genai.INPUT_TOKEN_KEYS) for s in spans)
    assert facts.startswith(f"**Trace:** `{agent.trace_id}` · **Duration:** {logic.format_duration(agent.duration_ns)}")
    assert f"**Spans:** {len(spans)} · **Errors:** 0 · **Tokens:** {tokens_in:,} in, " in facts
    assert outline_title == "## Outline"
    shape = [re.sub(r" — .*", "", line) for line in outline.splitlines()]
    assert shape == [
        "- invoke_agent weather-agent",
        f"  - **chat {app.MODEL}**",
        "    - POST",
        "  - execute_tool get_weather",
        f"  - **chat {app.MODEL}**",
        "    - POST",
    ]
    assert f"  - **chat {app.MODEL}** — " in outline and f" · {app.MODEL} · " in outline
    first, second = rest.split(f"## LLM call 2: chat {app.MODEL}\n\n")
    assert first.startswith(f"## LLM call 1: chat {app.MODEL}\n\n**Model:** `{app.MODEL}`")
    assert f"### Input\n\n#### User\n\n{app.TOOL_QUESTION}" in first  # headings one level down
    assert f"### Output\n\n#### Assistant\n\n**Tool call** `get_weather` (`{seen['call_id']}`)" in first
    assert "#### Tool\n\n**Tool result**" in second and app.TOOL_RESULT_MARKER in second
    assert second.rstrip().endswith(f"{seen['answer']}\n\n*Finish reason: stop*")


def test_trace_markdown_marks_errors(sample_tracy: Path) -> None:
    tf = tracefile.load(sample_tracy)
    failing = next(s for s in tf.spans if s.name == "chat gpt-4o-mini")
    md = trace_markdown(_trace(tf, failing))
    assert "**Errors:** 3" in md
    lines = md.split("## Outline\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert lines[0].startswith("- **chat gpt-4o-mini** — 2.31 s") and lines[0].endswith(
        " · **Error: RateLimitError: 429 Too Many Requests**")
    assert lines[1].startswith("  - POST /v1/chat/completions — 1.00 s") and lines[1].endswith(
        "**Error: 429 Too Many Requests**")
    assert "## LLM call 1: chat gpt-4o-mini" in md and f"*{chat.MISSING_REASON}*" in md


def test_trace_markdown_of_nothing() -> None:
    assert trace_markdown([]) == "*No spans.*\n"


def test_shift_headings_leaves_code_alone() -> None:
    text = "## A\n\n```md\n# not a heading\n```\n\n#hashtag\n\n###### deep\n\n````\n```\n# still code\n````\n# B"
    assert shift_headings(text) == (
        "### A\n\n```md\n# not a heading\n```\n\n#hashtag\n\n###### deep\n\n````\n```\n# still code\n````\n## B"
    )


# -- OTLP/JSON ----------------------------------------------------------------------------------


def test_saved_otlp_json_reloads_to_the_same_spans(content_on: Run, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    assert save_otlp_json(out, content_on.tf.spans) == len(content_on.tf.spans)
    imported = read_any(out)
    assert imported.format == "otlp-json" and not imported.warnings
    # OTLP groups spans by resource and scope, so only the order may differ.
    by_id = lambda spans: sorted(spans, key=lambda s: s.span_id)  # noqa: E731
    assert by_id(imported.spans) == by_id(content_on.tf.spans)
    # The same document `tracy convert` writes.
    converted = tmp_path / "converted.json"
    done = e2e.run([str(e2e.VENV_BIN / "tracy"), "convert", content_on.tf.path, str(converted)])
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == json.loads(converted.read_text())


def test_saved_otlp_json_carries_feedback_as_evaluation_events(with_feedback, tmp_path: Path) -> None:
    seen, tf = with_feedback
    chat_span = e2e.by_response_id(tf, seen["seen"]["response_id"])
    agent = tf.span(seen["seen"]["span_id"])
    assert chat_span.feedback and agent.feedback
    bare = [msgspec.structs.replace(s, feedback=[]) for s in tf.spans]
    for spans, feedback in ((tf.spans, ()), (tf.spans, tf.feedback), (bare, tf.feedback)):
        out = tmp_path / "feedback.json"
        save_otlp_json(out, spans, feedback)
        back = {s.span_id: s for s in read_any(out).spans}
        events = [e for e in back[chat_span.span_id].events if e.name.startswith("gen_ai.evaluation")]
        assert len(events) == 1 and events[0].attributes["gen_ai.evaluation.score"] == 1
        assert events[0].attributes["gen_ai.evaluation.score.label"] == "thumbs_up"
        (score,) = [e for e in back[agent.span_id].events if e.name.startswith("gen_ai.evaluation")]
        assert score.attributes["gen_ai.evaluation.name"] == "groundedness"
        assert score.attributes["gen_ai.evaluation.score.value"] == 0.75
    assert all(not s.feedback for s in bare)  # the spans given are left as they were


def test_saving_over_a_file_replaces_it_whole(content_off: Run, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    out.write_text("x" * 10_000_000)
    save_otlp_json(out, content_off.tf.spans[:1])
    assert len(read_any(out).spans) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_trace_tokens_count_an_agent_that_repeats_its_calls_totals_once(content_on: Run) -> None:
    agent = content_on.named("invoke_agent weather-agent")
    spans = _trace(content_on.tf, agent)
    calls_in = sum(genai.tokens(s.attributes, genai.INPUT_TOKEN_KEYS) for s in spans)
    calls_out = sum(genai.tokens(s.attributes, genai.OUTPUT_TOKEN_KEYS) for s in spans)
    # The agent reports the totals of the model calls under it, as some instrumentations do.
    totals = {"gen_ai.usage.input_tokens": calls_in, "gen_ai.usage.output_tokens": calls_out}
    repeated = [msgspec.structs.replace(s, attributes={**s.attributes, **totals}) if s is agent else s for s in spans]
    md = trace_markdown(repeated)
    assert f"**Tokens:** {calls_in:,} in, {calls_out:,} out" in md
