"""Feedback joined to span rows without Qt: a real recording of the azure-ai-inference SDK with a
user's thumbs-up given by response id and an evaluator's verdict given by span id
(tests/helpers/apps/feedback_app.py), plus records appended by another process later.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import tracefile
from tracefile.format.columns import Timeline
from tracefile.format.schema import Feedback
from viewer.feedback import logic
from viewer.feedback.logic import EVALUATED, MIXED, NEGATIVE, NONE, POSITIVE, FeedbackIndex, describe, sentiment
from viewer.session import FileSession


class Recorded:
    def __init__(self, out: dict, path: Path) -> None:
        self.out = out
        self.path = path


@pytest.fixture
def recorded(record_app) -> Recorded:
    path, out = record_app("feedback_app.py")
    return Recorded(out, path)


def _session(path: Path) -> FileSession:
    session = FileSession(path)
    assert session.load().ok
    return session


def _row_named(session: FileSession, name: str) -> int:
    ix = session.index
    (row,) = [r for r in range(ix.n) if ix.name(r) == name]
    return row


def test_response_id_and_span_id_feedback_land_on_their_spans(recorded: Recorded) -> None:
    session = _session(recorded.path)
    fbi = session.feedback
    assert len(fbi) == 2 and fbi.unresolved == 0
    agent = _row_named(session, "invoke_agent feedback-agent")
    (chat,) = [r for r in range(session.index.n) if session.index.name(r).startswith("chat")]
    user = fbi.for_row(chat)
    assert [(f.label, f.score) for f in user] == [("thumbs_up", 1.0)]
    assert [(f.evaluator, f.score, f.label) for f in fbi.for_row(agent)] == [("groundedness", 0.75, "pass")]
    assert fbi.marks[chat] == POSITIVE and fbi.marks[agent] == EVALUATED
    assert int(np.count_nonzero(fbi.marks)) == 2
    # The span the inspector gets carries its feedback, as tracefile.load() would join it.
    span = session.span(chat)
    assert span is not None and [f.label for f in span.feedback] == ["thumbs_up"]
    assert session.span(agent).feedback[0].evaluator == "groundedness"
    assert fbi.summary() == "1 good · 1 evaluation"
    assert fbi.summary([chat]) == "1 good"
    loaded = tracefile.load(recorded.path)
    joined = {s.span_id: [f.label for f in s.feedback] for s in loaded.spans if s.feedback}
    assert joined == {
        session.span(chat).span_id: ["thumbs_up"],
        session.span(agent).span_id: ["pass"],
    }


def test_feedback_appended_later_is_picked_up_on_refresh(recorded: Recorded, tmp_path: Path) -> None:
    path = tmp_path / "run.tracy"
    shutil.copyfile(recorded.path, path)
    session = _session(path)
    (chat,) = [r for r in range(session.index.n) if session.index.name(r).startswith("chat")]
    chat_span = session.span(chat)
    fb = tracefile.record_feedback(span_id=chat_span.span_id, score=0, label="thumbs_down", comment="wrong city", path=path)
    assert fb is not None
    outcome = session.load()
    assert outcome.ok and outcome.new_spans == 0
    assert session.feedback.marks[chat] == MIXED
    assert [f.comment for f in session.span(chat).feedback][-1] == "wrong city"
    assert session.feedback.matching("negative")[chat]
    assert session.feedback.matching("city")[chat]
    assert not session.feedback.matching("negative")[_row_named(session, "invoke_agent feedback-agent")]


def test_trace_only_and_unknown_targets(recorded: Recorded, tmp_path: Path) -> None:
    path = tmp_path / "run.tracy"
    shutil.copyfile(recorded.path, path)
    trace_id = recorded.out["seen"]["trace_id"]
    tracefile.record_feedback(trace_id=trace_id, score=-1, label="thumbs_down", path=path)
    tracefile.record_feedback(span_id="00000000000000ff", score=1, path=path)  # a span that is not in the file
    tracefile.record_feedback(response_id="chatcmpl-never-seen", score=1, path=path)
    session = _session(path)
    fbi = session.feedback
    assert len(fbi) == 5 and fbi.unresolved == 2
    ix = session.index
    root = int(ix.traces.root[0])
    assert ix.name(root) == "invoke_agent feedback-agent"
    assert [f.label for f in fbi.for_row(root)] == ["pass", "thumbs_down"]
    assert fbi.marks[root] == NEGATIVE
    assert fbi.trace_marks(ix).tolist() == [MIXED]


def test_sentiment_from_labels_and_scores() -> None:
    def fb(**kw) -> Feedback:
        return Feedback(time_unix_nano=0, **kw)

    assert sentiment(fb(score=1)) == POSITIVE
    assert sentiment(fb(score=0)) == NEGATIVE
    assert sentiment(fb(score=-1)) == NEGATIVE
    assert sentiment(fb(label="thumbs_down", score=1)) == NEGATIVE  # the label says what the person meant
    assert sentiment(fb(label="thumbs_up")) == POSITIVE
    assert sentiment(fb(label="incorrect")) == NEGATIVE
    assert sentiment(fb(evaluator="relevance", score=0.2)) == EVALUATED
    assert sentiment(fb(evaluator="user", score=1)) == POSITIVE
    assert sentiment(fb()) == EVALUATED
    assert describe(fb(score=1, label="thumbs_up", comment="spot   on")) == "Good · “spot on”"
    assert describe(fb(evaluator="relevance", score=0.4, label="low recall")) == "relevance 0.40 · low recall"
    assert describe(fb(score=0, comment="x" * 200)).endswith("…”")


def test_no_index_and_no_records() -> None:
    empty = FeedbackIndex.build([], None)
    assert len(empty) == 0 and empty.summary() == "" and empty.for_row(3) == []
    assert Timeline.span_id_key("zz") is None and Timeline.span_id_key("00ff") is None
    assert Timeline.span_id_key("0100000000000000") == 1
    assert Timeline.span_id_hex(Timeline.span_id_key("0123456789abcdef")) == "0123456789abcdef"
    assert NONE == 0


def test_feedback_given_in_the_viewer_is_redacted_like_spans(recorded: Recorded, tmp_path: Path) -> None:
    from tracefile.record import append_feedback
    from viewer.feedback.logic import new_feedback

    path = tmp_path / "run.tracy"
    shutil.copyfile(recorded.path, path)
    session = _session(path)
    (chat,) = [r for r in range(session.index.n) if session.index.name(r).startswith("chat")]
    span = session.span(chat)
    key = "sk-proj-abc123DEF456ghi789JKL012mno345PQR"
    # What the viewer's dialog does on Save: build the record, append it (redacted) to the file.
    fb = append_feedback(path, new_feedback(span, score=0, label="leaked_key", comment=f"  It printed my key {key}  "), writer="tracy-view")
    (written,) = [f for f in tracefile.load(path).feedback if f.label == "leaked_key"]
    assert written == fb
    assert key not in fb.comment and fb.comment.startswith("It printed my key ") and "REDACTED" in fb.comment
    assert (fb.span_id, fb.trace_id, fb.evaluator, fb.label) == (span.span_id, span.trace_id, "user", "leaked_key")
    assert fb.response_id == span.attributes["gen_ai.response.id"]


def _chat_batch(tracer, first: int, count: int) -> None:
    for k in range(first, first + count):
        with tracer.start_as_current_span(
            f"chat step-{k}", attributes={"gen_ai.operation.name": "chat", "gen_ai.response.id": f"resp-{k}"}
        ):
            pass


def test_a_growing_file_is_not_searched_again_for_feedback_already_joined(tmp_path: Path) -> None:
    from tests.helpers.spans import provider
    from tracefile.record.exporter import TracyFileExporter

    path = tmp_path / "live.tracy"
    exporter = TracyFileExporter(path)
    tp, col = provider({"service.name": "live"})
    tracer = tp.get_tracer("t")
    for first in (0, 10):  # two batches already written
        _chat_batch(tracer, first, 10)
        exporter.export(col.take())
    tracefile.record_feedback(response_id="resp-3", score=1, path=path)
    tracefile.record_feedback(response_id="resp-25", score=0, path=path)  # its span is not written yet
    tracefile.record_feedback(response_id="resp-never", score=1, path=path)

    session = FileSession(path)
    opened: list[int] = []
    spans_of_batch = session._batch_spans
    session._batch_spans = lambda b: opened.append(b) or spans_of_batch(b)
    assert session.load().ok
    fbi = session.feedback
    assert fbi.rows[0] == _row_named(session, "chat step-3") and fbi.rows[1:].tolist() == [-1, -1]
    assert sorted(set(opened)) == [0, 1]

    opened.clear()
    _chat_batch(tracer, 20, 10)  # the app goes on: resp-25 arrives in a third batch
    exporter.export(col.take())
    assert session.load().ok and session.index.n == 30
    fbi = session.feedback
    assert fbi.rows[0] == _row_named(session, "chat step-3")
    assert fbi.rows[1] == _row_named(session, "chat step-25") and fbi.rows[2] == -1
    assert fbi.marks[fbi.rows[1]] == NEGATIVE
    assert sorted(set(opened)) == [2]  # the batches searched before are not opened again
    exporter.shutdown()
