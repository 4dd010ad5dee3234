"""The diff logic (no Qt): two LLM spans compared, and two runs paired step by step, on real recordings.

Azure layout: `tests/helpers/apps/chat_app.py` (the real azure-ai-inference SDK against the
loopback ChatServer, in its own interpreter), variant ``a`` and ``b``, content on and off.
Semconv layout: spans written through the OpenTelemetry SDK and `TracyFileExporter`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tracefile
from tests.helpers.runs import Run
from tests.helpers.semconv_runs import chats
from tracefile.format.model import Span
from viewer.diff import logic
from viewer.diff.logic import (
    CHANGED, DELETE, EQUAL, INSERT, ONLY_B, ONLY_RIGHT, SAME, compare_runs, span_diff, word_diff,
)  # fmt: skip

# run_a, run_a_again, run_b, run_off and semconv are the diff tests' recordings (conftest.py).


def _app():
    from tests.helpers.apps import chat_app

    return chat_app


def deleted(segments: list[logic.Segment]) -> list[str]:
    return [s.text for s in segments if s.kind == DELETE]


def inserted(segments: list[logic.Segment]) -> list[str]:
    return [s.text for s in segments if s.kind == INSERT]


# -- word diff ------------------------------------------------------------------------------


def test_word_diff_marks_exactly_the_changed_word() -> None:
    segments = word_diff("What is the capital of France?", "What is the capital of Spain?")
    assert segments == [
        logic.Segment(EQUAL, "What is the capital of "),
        logic.Segment(DELETE, "France"),
        logic.Segment(INSERT, "Spain"),
        logic.Segment(EQUAL, "?"),
    ]
    assert word_diff("same", "same") == [logic.Segment(EQUAL, "same")]
    assert word_diff("", "new text") == [logic.Segment(INSERT, "new text")]


def test_tokens_are_words_spaces_and_punctuation() -> None:
    assert logic.tokenize("Hi,  Ada! 3.5\tok") == ["Hi", ",", "  ", "Ada", "!", " ", "3", ".", "5", "\t", "ok"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.text(max_size=120))
def test_word_diff_sides_give_both_texts_back(left: str, right: str) -> None:
    segments = word_diff(left, right)
    assert "".join(s.text for s in logic.left_side(segments)) == left
    assert "".join(s.text for s in logic.right_side(segments)) == right
    assert all(s.text for s in segments)
    assert all(a.kind != b.kind for a, b in zip(segments, segments[1:]))  # adjacent segments merged


@given(st.text(alphabet=st.sampled_from("ab .!?\n\t"), max_size=80))
def test_chunks_give_the_text_back(text: str) -> None:
    assert "".join(logic.chunks(text)) == text


@pytest.mark.parametrize("sep", ["\n", " "])
def test_long_texts_are_diffed_sentence_by_sentence_then_word_by_word(sep: str) -> None:
    lines = [f"Line {i}: the quick brown fox jumps over the lazy dog." for i in range(400)]
    changed = list(lines)
    changed[20] = changed[20].replace("lazy", "sleepy")
    changed[380] = changed[380].replace("brown", "red")  # two edits far apart: a long middle
    left, right = sep.join(lines), sep.join(changed)
    assert len(logic.tokenize(left)) > logic.WORD_DIFF_TOKENS
    segments = word_diff(left, right)
    assert deleted(segments) == ["lazy", "brown"] and inserted(segments) == ["sleepy", "red"]
    assert "".join(s.text for s in logic.right_side(segments)) == right


# -- one span against another (Azure AI Inference recordings) ---------------------------------------


def test_identical_spans_have_no_changes(run_a: Run, run_a_again: Run) -> None:
    span = run_a.chat(run_a.out["sync"]["id"])
    same = span_diff(span, span)
    assert not same.changed and same.changed.what == ()
    assert [p.status for p in same.pairs] == [SAME, SAME, SAME]
    assert not same.changed_fields and same.summary() == "No changes in prompt, completion, model or parameters"
    # The same step in another run of the same app: only the duration differs.
    again = span_diff(span, run_a_again.chat(run_a_again.out["sync"]["id"]))
    assert not again.changed and all(p.status == SAME for p in again.pairs)
    assert {f.key for f in again.changed_fields} <= {"duration"}
    assert again.content_note is None


def test_one_word_changed_in_the_user_prompt(run_a: Run, run_b: Run) -> None:
    app = _app()
    d = span_diff(run_a.chat(run_a.out["sync"]["id"]), run_b.chat(run_b.out["sync"]["id"]))
    system, user = d.prompt
    assert (system.role, system.status) == ("system", SAME) and system.left_text == app.SYSTEM_TEXT
    assert (user.role, user.status) == ("user", CHANGED)
    assert deleted(user.left_segments) == ["France"] and inserted(user.left_segments) == []
    assert inserted(user.right_segments) == ["Spain"] and deleted(user.right_segments) == []
    assert "".join(s.text for s in user.left_segments) == app.USER_TEXT
    assert "".join(s.text for s in user.right_segments) == app.VARIANT_USER_TEXT
    (answer,) = d.completion  # the loopback model quotes the question back
    assert answer.status == CHANGED and deleted(answer.segments) == ["France"] and inserted(answer.segments) == ["Spain"]
    assert d.changed.what == ("prompt", "completion", "params", "model")
    model = d.field("gen_ai.request.model")
    assert (model.left_text, model.right_text, model.changed) == ("gpt-4o-mini", "gpt-4o", True)
    temperature = d.field("gen_ai.request.temperature")
    assert (temperature.label, temperature.left_text, temperature.right_text) == ("temperature", "—", "0.7")
    assert temperature.changed and temperature.group == "params"
    tokens = d.field("tokens.input")
    assert (tokens.left, tokens.right, tokens.changed, tokens.delta_text) == (13, 13, False, "")
    assert d.summary() == "Changed: prompt, completion, parameters, model"


def test_added_messages_and_changed_completion_in_one_file(run_a: Run) -> None:
    """The two model calls of the tool step: the second repeats the first's question and adds
    the assistant's tool call and the tool's result; its answer is text, not a tool call."""
    seen = run_a.out["tools"]
    d = span_diff(run_a.chat(seen["first_id"]), run_a.chat(seen["second_id"]))
    assert [(p.role, p.status) for p in d.prompt] == [("user", SAME), ("assistant", ONLY_RIGHT), ("tool", ONLY_RIGHT)]
    call = d.prompt[1]
    assert call.left is None and call.right_text == 'tool call get_weather\n{\n  "city": "Lisbon"\n}'
    assert call.right_segments == [logic.Segment(INSERT, call.right_text)] and call.left_segments == []
    assert _app().TOOL_RESULT_MARKER in d.prompt[2].right_text
    (answer,) = d.completion
    assert answer.status == CHANGED and answer.right_text == seen["answer"]
    assert d.changed.prompt_changed and d.changed.completion_changed and not d.changed.params_changed
    finish = d.field("gen_ai.response.finish_reasons")
    assert (finish.left_text, finish.right_text, finish.changed) == ("tool_calls", "stop", True)
    tokens = d.field("tokens.input")
    assert (tokens.left, tokens.right, tokens.delta, tokens.delta_text) == (6, 15, 9, "+9 (+150%)")


def test_content_off_on_one_side_or_both(run_a: Run, run_off: Run) -> None:
    on = run_a.chat(run_a.out["sync"]["id"])
    off = run_off.chat(run_off.out["sync"]["id"])
    d = span_diff(on, off)
    assert d.changed.content_changed and d.changed.what == ("content",)
    assert d.content_note.startswith("Content was recorded on the left side only")
    assert "tracefile.configure(content_recording=True)" in d.content_note
    assert [p.status for p in d.pairs] == [logic.ONLY_LEFT] * 3  # what the left side recorded, still shown
    both = span_diff(off, run_off.chat(run_off.out["tools"]["first_id"]))
    assert both.pairs == [] and both.content_note.startswith("Content was not recorded on either side.")
    assert both.changed.what == ("completion",)  # the finish reasons differ: stop, tool_calls
    assert "not recorded on either side" in both.to_text()


# -- semconv layout -----------------------------------------------------------------------------


def test_semconv_parameters_tokens_and_latency(semconv) -> None:
    a, b = chats(semconv["a"])[1], chats(semconv["b"])[1]
    d = span_diff(a, b)
    assert [(p.role, p.status) for p in d.prompt] == [("system", SAME), ("user", CHANGED), ("assistant", SAME),
                                                      ("tool", SAME)]  # fmt: skip
    user = d.prompt[1]
    assert deleted(user.segments) == ["Paris"] and inserted(user.segments) == ["Lyon"]
    (answer,) = d.completion
    assert deleted(answer.segments) == ["Take"] and inserted(answer.segments) == ["Bring", " and a coat"]
    fields = {f.key: f for f in d.fields}
    assert [f.label for f in d.fields if f.group == "params"] == ["temperature", "max_tokens"]
    assert (fields["gen_ai.request.temperature"].left_text, fields["gen_ai.request.temperature"].right_text) == ("0.2", "0.5")
    assert fields["gen_ai.request.temperature"].delta_text == "+0.3"
    assert not fields["gen_ai.request.max_tokens"].changed
    assert fields["gen_ai.provider.name"].left_text == "openai"
    assert fields["tokens.input"].delta_text == "+120 (+35%)"
    assert fields["tokens.output"].delta_text == "+15 (+38%)"
    assert (fields["tokens.cache_read"].left, fields["tokens.cache_read"].right) == (0, 128)
    assert fields["tokens.cache_read"].delta_text == "+128"  # no percentage of zero
    assert (fields["tokens.reasoning"].left_text, fields["tokens.reasoning"].right_text) == ("—", "64")
    assert (fields["duration"].left_text, fields["duration"].right_text) == ("1.00 s", "1.20 s")
    assert fields["duration"].delta_text == "+200 ms (+20%)"
    assert d.changed.what == ("prompt", "completion", "params")


def test_tool_calls_compare_by_name_and_arguments_not_ids(semconv) -> None:
    a, b = chats(semconv["a"])[0], chats(semconv["b"])[0]
    d = span_diff(a, b)
    (call,) = d.completion
    assert call.status == SAME and call.left.parts[0].tool_call_id != call.right.parts[0].tool_call_id


def test_semconv_content_dropped_by_the_exporter(semconv) -> None:
    d = span_diff(chats(semconv["a"])[0], chats(semconv["a-off"])[0])
    assert d.changed.content_changed and d.content_note.startswith("Content was recorded on the left side only")


def test_markdown_and_text_copies(run_a: Run, run_b: Run) -> None:
    d = span_diff(run_a.chat(run_a.out["sync"]["id"]), run_b.chat(run_b.out["sync"]["id"]))
    md = d.to_markdown("yesterday.tracy", "today.tracy")
    assert md.startswith("## yesterday.tracy → today.tracy\n\n*Changed: prompt, completion, parameters, model*\n")
    assert "| **Request model** | gpt-4o-mini | gpt-4o |  |" in md
    assert "| **temperature** | — | 0.7 |  |" in md
    assert "**user** (changed)\n\n> USER-MARKER-91c2 What is the capital of <del>France</del><ins>Spain</ins>?" in md
    text = d.to_text("yesterday.tracy", "today.tracy")
    assert text.startswith("--- yesterday.tracy: chat gpt-4o-mini\n+++ today.tracy: chat gpt-4o\n")
    assert "~ [user] USER-MARKER-91c2 What is the capital of [-France-]{+Spain+}?" in text
    assert "* Request model   gpt-4o-mini  →  gpt-4o" in text


# -- compare runs ------------------------------------------------------------------------------


def test_compare_runs_added_and_changed_steps(run_a: Run, run_b: Run) -> None:
    runs = compare_runs(run_a.agent_trace(), run_b.agent_trace())
    assert [(s.label, s.status, s.what) for s in runs.steps] == [
        ("invoke_agent weather-agent › chat gpt-4o-mini", CHANGED, ("params",)),
        ("invoke_agent weather-agent › chat gpt-4o-mini #2", CHANGED, ("params",)),
        ("invoke_agent weather-agent › chat gpt-4o-mini #3", ONLY_B, ()),
    ]
    added = runs.steps[2]
    assert added.a is None and added.b.attributes["gen_ai.response.id"] == run_b.out["tools"]["follow_up_id"]
    assert added.duration_delta_ns is None and added.tokens_delta_text == ""
    assert added.diff.content_note == "Only the right side has this span." and not added.diff.changed
    assert [p.status for p in added.diff.pairs] == [ONLY_RIGHT] * 6  # user, assistant, tool, assistant, user; answer
    assert added.diff.field("tokens.input").left_text == "—" and added.diff.field("duration").left is None
    assert added.diff.to_text().startswith("--- A: (no span)\n+++ B: chat gpt-4o-mini\n")
    assert "{+FOLLOWUP-MARKER-6b7d Now say it in one short sentence.+}" in added.diff.to_text()
    first = runs.steps[0]
    assert first.tokens_delta == 0 and first.tokens_delta_text == "0"
    assert first.duration_delta_ns == first.b.duration_ns - first.a.duration_ns
    assert first.diff.field("gen_ai.request.temperature").right == 0.7
    assert runs.summary() == "3 LLM steps: 2 changed, 1 only in B"
    # The sync step is its own trace: a single root pairs with the other side's single root.
    sync = compare_runs(run_a.trace_of(run_a.chat(run_a.out["sync"]["id"])), run_b.trace_of(run_b.chat(run_b.out["sync"]["id"])))
    (step,) = sync.steps
    assert step.status == CHANGED and step.what == ("prompt", "completion", "params", "model")
    assert step.a.name == "chat gpt-4o-mini" and step.b.name == "chat gpt-4o"


def test_compare_runs_of_the_same_app_are_the_same(run_a: Run, run_a_again: Run) -> None:
    runs = compare_runs(run_a.agent_trace(), run_a_again.agent_trace())
    assert [s.status for s in runs.steps] == [SAME, SAME]
    assert runs.summary() == "2 LLM steps: 2 same" and runs.only_a == runs.only_b == 0
    assert runs.paired == len(run_a.agent_trace())  # every span, LLM or not, found its counterpart


def test_compare_runs_semconv_roots_differ_by_name(semconv) -> None:
    runs = compare_runs(semconv["a"].spans, semconv["b"].spans)
    assert [(s.label, s.status, s.what) for s in runs.steps] == [
        ("invoke_agent travel-planner › chat gpt-4o", CHANGED, ("prompt", "params")),
        ("invoke_agent travel-planner › chat gpt-4o #2", CHANGED, ("prompt", "completion", "params")),
        ("invoke_agent travel-planner › chat gpt-4o #3", ONLY_B, ()),
    ]
    assert runs.steps[1].tokens_delta == (460 + 55) - (340 + 40)
    assert runs.steps[1].tokens_delta_text == "+135 (+36%)"
    assert runs.steps[1].duration_delta_text == "+200 ms (+20%)"
    reverse = compare_runs(semconv["b"].spans, semconv["a"].spans)
    assert [s.status for s in reverse.steps] == [CHANGED, CHANGED, logic.ONLY_A]
    assert reverse.summary() == "3 LLM steps: 2 changed, 1 only in A"


def _span(name: str, span_id: str, parent: str = "", start: int = 0, **attrs) -> Span:
    return Span(trace_id="t" * 32, span_id=span_id, parent_span_id=parent, name=name, kind=0, start_time=start,
                end_time=start + 10, attributes=attrs)  # fmt: skip


def test_paths_count_same_named_siblings_in_start_order() -> None:
    spans = [
        _span("run 2025-11-25", "r"),
        _span("chat gpt-4o", "c2", "r", start=5, **{"gen_ai.operation.name": "chat"}),
        _span("chat gpt-4o-mini", "c1", "r", start=1, **{"gen_ai.operation.name": "chat"}),
        _span("retrieve", "x", "r", start=3),
        _span("chat gpt-4o", "c3", "x", start=4),  # an LLM call by its name alone
    ]
    paths = {span.span_id: path for path, span in logic.span_paths(spans).items()}
    assert paths == {
        "r": (("", 0),),
        "c1": (("", 0), ("chat", 0)),
        "c2": (("", 0), ("chat", 1)),
        "x": (("", 0), ("retrieve", 0)),
        "c3": (("", 0), ("retrieve", 0), ("chat", 0)),
    }
    # Two roots (a trace with a lost parent): keyed by name, not paired blindly.
    two = logic.span_paths([_span("a", "1"), _span("b", "2", "missing"), _span("a", "3", start=9)])
    assert set(two) == {(("a", 0),), (("b", 0),), (("a", 1),)}


def test_deep_traces_and_step_order() -> None:
    chain = [_span("step", "s0")] + [_span("step", f"s{i}", f"s{i - 1}", start=i) for i in range(1, 5000)]
    assert len(logic.span_paths(chain)) == 5000  # no recursion limit
    a = [_span("root", "r"), _span("chat x", "1", "r", 1), _span("chat x", "2", "r", 3)]
    b = [_span("root", "r"), _span("chat x", "1", "r", 1), _span("plan", "p", "r", 2),
         _span("chat x", "3", "p", 2), _span("chat x", "2", "r", 3)]  # fmt: skip
    runs = compare_runs(a, b)
    assert [(s.label, s.status) for s in runs.steps] == [
        ("root › chat x", SAME),
        ("root › plan › chat x", ONLY_B),  # placed where B has it
        ("root › chat x #2", SAME),
    ]
    assert compare_runs([], []).summary() == "No LLM steps in either trace"
