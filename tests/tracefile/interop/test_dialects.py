"""GenAI dialects (OpenInference, OpenLLMetry, Prompty, openai-v2): each fixture, recorded with the real
instrumentation package against the loopback server, shows its category, model and tokens in the
file's columns, in `tracefile.load`, and after re-encoding (`tracefile.format.encode`)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tracefile
from tracefile import genai
from tracefile.format.columns import read_timeline
from tracefile.format.encode import write_spans
from tracefile.genai import dialects

DIALECTS = Path(__file__).resolve().parents[2] / "data" / "interop" / "dialects"
LLM = genai.CATEGORY_LLM

#: fixture -> the (span name, category, model, input tokens, output tokens) of each span, in file order.
EXPECTED = {
    "openinference-chat-with-tool-call": [("ChatCompletion", LLM, "gpt-4o-mini", 13, 2),
                                          ("ChatCompletion", LLM, "gpt-4o-mini", 21, 17)],
    "openinference-streaming": [("ChatCompletion", LLM, "gpt-4o-mini", 11, 28)],
    "openai-v2-chat-with-tool-call": [("chat gpt-4o-mini", LLM, "gpt-4o-mini", 13, 2),
                                      ("chat gpt-4o-mini", LLM, "gpt-4o-mini", 21, 17)],
    "openai-v2-streaming": [("chat gpt-4o-mini", LLM, "gpt-4o-mini", 11, 28)],
    "traceloop-chat-with-tool-call": [("openai.chat", LLM, "gpt-4o-mini", 13, 2),
                                      ("openai.chat", LLM, "gpt-4o-mini", 21, 17)],
    "traceloop-streaming": [("openai.chat", LLM, "gpt-4o-mini", 11, 28)],
    "traceloop-0.40-chat-with-tool-call": [("openai.chat", LLM, "gpt-4o-mini", 13, 2),
                                           ("openai.chat", LLM, "gpt-4o-mini", 21, 17)],
}  # fmt: skip


def _rows(path: Path) -> list[tuple]:
    t = read_timeline(path)
    return [(t.names[t.name[i]], int(t.category[i]), t.names[t.model[i] - 1] if t.model[i] else "",
             int(t.input_tokens[i]), int(t.output_tokens[i])) for i in range(len(t))]  # fmt: skip


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_columns_as_recorded_loaded_and_reencoded(case, tmp_path):
    path = DIALECTS / f"{case}.tracy"
    assert sorted(_rows(path)) == sorted(EXPECTED[case])  # written by the exporter (record/convert)
    spans = tracefile.load(path).spans
    loaded = [(s.name, genai.category(s.name, s.attributes), genai.model(s.attributes), *genai.usage(s.name, s.attributes)[:2])
              for s in spans]  # fmt: skip
    assert sorted(loaded) == sorted(EXPECTED[case])
    again = tmp_path / "again.tracy"
    write_spans(again, spans)  # format/encode, as importers write
    assert sorted(_rows(again)) == sorted(EXPECTED[case])


def test_prompty_model_call_is_the_llm_span_and_its_frames_are_functions(tmp_path):
    path = DIALECTS / "prompty-otel-chat.tracy"
    rows = _rows(path)
    llm = [r for r in rows if r[1] == LLM]
    assert llm == [("chat.completions.create", LLM, "gpt-4o-mini", 13, 30)]
    # The client's constructor is typed "LLM" too, but calls nothing; execute holds the same usage.
    assert {r[0] for r in rows if r[1] == genai.CATEGORY_FUNCTION} == {"render", "parse", "prepare", "OpenAI",
                                                                        "execute", "process", "invoke"}  # fmt: skip
    assert sum(r[3] for r in rows) == 13  # tokens counted once
    write_spans(tmp_path / "again.tracy", tracefile.load(path).spans)
    assert sorted(_rows(tmp_path / "again.tracy")) == sorted(rows)


def test_openinference_cache_and_reasoning_tokens_and_kinds():
    attrs = {"openinference.span.kind": "LLM", "llm.model_name": "o3", "llm.token_count.prompt": 100,
             "llm.token_count.completion": 40, "llm.token_count.prompt_details.cache_read": 60,
             "llm.token_count.completion_details.reasoning": 30}  # fmt: skip
    assert genai.summary("ChatCompletion", attrs) == genai.Summary(LLM, "o3", 100, 40, 60, 30)
    for kind, cat in [("TOOL", genai.CATEGORY_TOOL), ("AGENT", genai.CATEGORY_AGENT), ("CHAIN", genai.CATEGORY_FUNCTION),
                      ("EMBEDDING", genai.CATEGORY_EMBEDDINGS), ("RETRIEVER", genai.CATEGORY_DATABASE)]:  # fmt: skip
        assert genai.category("x", {"openinference.span.kind": kind}) == cat
    assert genai.category("x", {"traceloop.span.kind": "workflow"}) == genai.CATEGORY_AGENT
    assert genai.category("x", {"traceloop.span.kind": "tool"}) == genai.CATEGORY_TOOL


def test_the_conventions_win_over_a_dialect():
    attrs = {"gen_ai.operation.name": "execute_tool", "openinference.span.kind": "LLM", "llm.model_name": "m",
             "llm.token_count.prompt": 5}  # fmt: skip
    assert genai.summary("x", attrs) == genai.Summary(genai.CATEGORY_TOOL, "", 0, 0, 0, 0)
    # No dialect marker: nothing is looked up, an odd value is not read.
    assert dialects.summary({"llm.token_count.prompt": 5}) is None


def test_category_numbers_agree_with_genai():
    assert (dialects._OTHER, dialects._LLM, dialects._TOOL, dialects._AGENT, dialects._EMBEDDINGS, dialects._DATABASE,
            dialects._FUNCTION) == (genai.CATEGORY_OTHER, genai.CATEGORY_LLM, genai.CATEGORY_TOOL, genai.CATEGORY_AGENT,
                                    genai.CATEGORY_EMBEDDINGS, genai.CATEGORY_DATABASE, genai.CATEGORY_FUNCTION)  # fmt: skip


def test_exporter_columns_match_the_reference_python_scan():
    """Both scanners take the dialect path the same way (the compiled one where it is built)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from tracefile.record import convert

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("t")
    for s in tracefile.load(DIALECTS / "openinference-chat-with-tool-call.tracy").spans + tracefile.load(
            DIALECTS / "prompty-otel-chat.tracy").spans:  # fmt: skip
        tracer.start_span(s.name, attributes=s.attributes).end()
    spans = list(memory.get_finished_spans())
    python = convert._scan_python(spans, {}, convert._Tables(None))
    assert python.category.count(LLM) == 3
    if convert.NATIVE:
        compiled = convert._scan_compiled(spans, {}, convert._Tables(None))
        assert compiled is not None
        assert (compiled.category, compiled.model, compiled.input_tokens, compiled.output_tokens) == (
            python.category, python.model, python.input_tokens, python.output_tokens)
