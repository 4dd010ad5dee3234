"""Chat, export and diff count the same spans as LLM calls: the ones `tracefile.genai.category` puts in "llm"."""

from __future__ import annotations

from tracefile import genai
from tracefile.format.model import Span
from viewer.chat import logic as chat
from viewer.diff.logic import compare_runs
from viewer.export.logic import trace_markdown


def _span(span_id: str, name: str, attributes: dict, parent: str = "") -> Span:
    return Span(trace_id="1" * 32, span_id=span_id, parent_span_id=parent, name=name, kind=2, start_time=1_000,
                end_time=2_000, attributes=attributes)  # fmt: skip


def _trace() -> list[Span]:
    # "completion" is an operation of the older conventions, and this name matches no span-name prefix:
    # only the operation makes it an LLM call.
    return [
        _span("00000000000000a1", "agent run", {}),
        _span("00000000000000a2", "completion davinci-002", {"gen_ai.operation.name": "completion"}, "00000000000000a1"),
        _span("00000000000000a3", "execute_tool search", {}, "00000000000000a1"),
    ]


def test_every_feature_agrees_with_the_category():
    spans = _trace()
    llm = [s for s in spans if genai.category(s.name, s.attributes) == genai.CATEGORY_LLM]
    assert [s.name for s in llm] == ["completion davinci-002"]
    # Chat: an LLM call recorded without content says why.
    assert chat.conversation(spans[1]).missing_reason == chat.MISSING_REASON
    assert chat.conversation(spans[0]).missing_reason is None
    assert chat.is_tool_span(spans[2]) and not chat.is_tool_span(spans[1])
    # Export: one LLM call section, and the call in bold in the outline.
    md = trace_markdown(spans)
    assert md.count("## LLM call") == 1 and "## LLM call 1: completion davinci-002" in md
    assert "- **completion davinci-002**" in md
    # Diff: one step per LLM call.
    steps = compare_runs(spans, spans).steps
    assert [s.a.name for s in steps] == ["completion davinci-002"]
