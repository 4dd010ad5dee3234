"""The library's span-by-span query evaluation agrees with the viewer's columns and text index."""

from __future__ import annotations

import numpy as np
import pytest

import tracefile
from tests.helpers.push_files import recorded_run
from tracefile.format.reader import open_buffer
from tracefile.search import QueryError, matches, matching_traces, parse
from viewer.search.text_index import TextIndex, evaluate, index_batches
from viewer.session import FileSession

QUERIES = [
    "chat", "gpt-4o", "status:error", "status:ok", "kind:client", "category:llm", "category:tool",
    "category:agent", "model:gpt-4o", "model:", "duration>1s", "duration<=50ms", "tokens>500", "input_tokens>=1k",
    "output_tokens<100", "trace_duration>10s", "gen_ai.tool.name:", "gen_ai.operation.name:chat", "has:http.request.method",
    "exception", "-status:ok kind:client", "name:POST OR category:tool", "(chat OR tool) -status:error",
    "feedback:", "feedback:evaluated", "feedback:wrong", '"POST /chat"', "NOT model:",
    # Free text matches feedback comments too: the thumbs-down commented "wrong invoice total".
    "invoice", '"wrong invoice total"', "-invoice",
]  # fmt: skip


@pytest.fixture(scope="module")
def viewer_file(tmp_path_factory):
    path = recorded_run(tmp_path_factory.mktemp("match") / "run.tracy", 200, seed=0)
    session = FileSession(path)
    assert session.load().ok
    text = TextIndex()
    with open_buffer(path) as data:
        index_batches(text, data, session.reader.timeline.batches)
    return path, session, text


@pytest.mark.parametrize("query", QUERIES)
def test_each_span_matches_as_in_the_viewer(viewer_file, query):
    path, session, text = viewer_file
    ev = evaluate(parse(query), session.index, text, session.feedback)
    assert ev.exact
    viewer_ids = {session.reader.span(int(r)).span_id for r in np.flatnonzero(ev.mask)}
    tf = tracefile.load(path)
    traces = tf.traces()
    length = {tid: max(s.end_time for s in ss) - min(s.start_time for s in ss) for tid, ss in traces.items()}
    ours = {s.span_id for s in tf.spans if matches(parse(query).root, s, length[s.trace_id])}
    assert ours == viewer_ids
    assert matching_traces(parse(query), tf.spans) == {s.trace_id for s in tf.spans if s.span_id in ours}


def test_free_text_finds_feedback_comments(viewer_file):
    tf = tracefile.load(viewer_file[0])
    fb = next(f for f in tf.feedback if f.comment == "wrong invoice total")
    assert matching_traces(parse('"wrong invoice total"'), tf.spans) == {fb.trace_id}
    assert matching_traces(parse("thumbs_down"), tf.spans) == {fb.trace_id}


def test_the_viewers_thumbs_words_are_refused_with_a_hint():
    with pytest.raises(QueryError, match="feedback:positive needs the viewer's thumbs rule"):
        matching_traces(parse("model:gpt feedback:positive"), [])
