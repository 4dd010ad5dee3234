"""The trace list's input preview (no Qt): which spans it reads, what it takes from them, and its cache."""

from __future__ import annotations

from tests.helpers.apps import chat_app
from viewer.session import FileSession
from viewer.trace_preview import MAX_PREVIEW, PreviewCache, input_preview, one_line, preview_rows


def _session(path) -> FileSession:
    session = FileSession(path)
    assert session.load().ok
    return session


def test_the_agent_trace_reads_its_root_then_its_first_llm_call(content_on):
    session = _session(content_on.path)
    ix = session.index
    root = content_on.named("invoke_agent weather-agent")
    trace = next(t for t in range(len(ix.traces)) if ix.name(int(ix.traces.root[t])) == root.name)
    rows = preview_rows(ix, trace)
    assert [ix.name(r) for r in rows][0] == root.name
    assert ix.name(rows[1]).startswith("chat")
    assert input_preview(session.spans(rows)) == chat_app.TOOL_QUESTION


def test_without_message_content_a_decorated_functions_text_arguments_are_the_preview(content_off):
    session = _session(content_off.path)
    ix = session.index
    previews = {ix.name(int(ix.traces.root[t])): input_preview(session.spans(preview_rows(ix, t))) for t in range(len(ix.traces))}
    assert previews["chat gpt-4o-mini"] == ""  # a bare LLM call recorded without content
    # The agent's @tracefile.trace input.value: its text argument, not the JSON of the client object.
    agent = previews["invoke_agent weather-agent"]
    assert agent.endswith(f": {chat_app.TOOL_QUESTION}") and "{" not in agent


def test_input_value_is_the_fallback_and_long_text_is_cut(make_tracy):
    question = "  Summarise\n\nthis   report: " + "word " * 200

    def build(rec) -> None:
        with rec.span("answer", 0, 10, input__value=question):
            pass

    path = make_tracy("decorated.tracy", build)
    session = _session(path)
    text = input_preview(session.spans(preview_rows(session.index, 0)))
    assert text.startswith("Summarise this report: word word")
    assert len(text) == MAX_PREVIEW and text.endswith("…") and "\n" not in text
    assert one_line("a \n b") == "a b"


def test_the_cache_fills_what_was_asked_and_recomputes_a_grown_trace(content_on):
    session = _session(content_on.path)
    ix = session.index
    cache = PreviewCache()
    assert cache.get(ix, 0) is None and cache.pending == 1
    decoded = []

    def spans(rows):
        decoded.append(list(rows))
        return session.spans(rows)

    assert cache.fill(ix, spans) == [0]
    assert cache.pending == 0 and cache.get(ix, 0) is not None
    assert len(decoded) == 1  # the second ask is answered from the cache
    ix.traces.spans[0] += 1  # the trace gained a span since (a file being written)
    assert cache.get(ix, 0) is None
