"""`tracefile.load()` and the viewer's feedback index pick the same span for every feedback record
(FORMAT.md §2.4): by span id, response id or trace id alone, unknown ids, several candidates, and
a file that grows between two reads of the viewer.
"""

from __future__ import annotations

from pathlib import Path

import tracefile
from tracefile.format.encode import write_spans
from tracefile.format.schema import Feedback
from tracefile.format.model import Span
from viewer.session import FileSession

BASE = 1_700_000_000_000_000_000
A, B, C, E = "a" * 32, "b" * 32, "c" * 32, "e" * 32
UNKNOWN_SPAN, UNKNOWN_TRACE = "00000000000000ff", "f" * 32


def _span(name: str, trace: str, span_id: str, parent: str = "", response_id: str = "", t: int = 0) -> Span:
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.response.id": response_id} if response_id else {}
    return Span(trace_id=trace, span_id=span_id, parent_span_id=parent, name=name, kind=0,
                start_time=BASE + t, end_time=BASE + t + 10, attributes=attrs)  # fmt: skip


def _fb(span_id: str = "", response_id: str = "", trace_id: str = "") -> Feedback:
    return Feedback(time_unix_nano=BASE + 100, span_id=span_id, response_id=response_id, trace_id=trace_id, score=1.0)


FIRST_SPANS = [
    _span("RA", A, "a000000000000000"),
    _span("C1", A, "a100000000000000", "a000000000000000", "resp-1"),
    _span("C2", A, "a200000000000000", "a000000000000000", "resp-dup"),
    _span("D1", A, "d000000000000000", "a000000000000000"),
    _span("RB1", B, "b000000000000000"),
    _span("C-orphan", C, "c100000000000000", "c000000000000000"),  # its trace's root is not in the file
]
SECOND_SPANS = [
    _span("C3", A, "a300000000000000", "a000000000000000", "resp-dup", t=50),
    _span("D2", B, "d000000000000000", "b000000000000000", t=50),  # the same span id again
    _span("RB2", B, "b100000000000000", t=50),  # a second span without a parent in trace B
    _span("late", E, "e100000000000000", "e000000000000000", "resp-late", t=50),
]
FIRST_RECORDS = [
    _fb(span_id="a100000000000000"),  # 0: by span id
    _fb(response_id="resp-1"),  # 1: by response id
    _fb(trace_id=A),  # 2: trace only: its root
    _fb(span_id=UNKNOWN_SPAN, response_id="resp-1", trace_id=A),  # 3: unknown span id, then response id
    _fb(span_id=UNKNOWN_SPAN, response_id="resp-unknown", trace_id=A),  # 4: then the trace's root
    _fb(span_id=UNKNOWN_SPAN, response_id="resp-unknown", trace_id=UNKNOWN_TRACE),  # 5: nothing
    _fb(response_id="resp-dup"),  # 6: two spans with this response id: the last written
    _fb(span_id="d000000000000000"),  # 7: two spans with this span id: the last written
    _fb(trace_id=B),  # 8: two roots: the last written
    _fb(trace_id=C),  # 9: a trace without its root span
    _fb(span_id="A100000000000000"),  # 10: ids in upper case
    _fb(span_id="a200000000000000", response_id="resp-1", trace_id=A),  # 11: the span id decides
    _fb(response_id="resp-late"),  # 12: its span comes later
]
SECOND_RECORDS = [_fb(response_id="resp-dup"), _fb(trace_id=E)]

AFTER_FIRST = ["C1", "C1", "RA", "C1", "RA", None, "C2", "D1", "RB1", None, "C1", "C2", None]
AFTER_SECOND = ["C1", "C1", "RA", "C1", "RA", None, "C3", "D2", "RB2", None, "C1", "C2", "late", "C3", None]


def _loaded(path: Path) -> list[str | None]:
    tf = tracefile.load(path)
    judged = {id(fb): s.name for s in tf.spans for fb in s.feedback}
    return [judged.get(id(fb)) for fb in tf.feedback]


def _viewed(session: FileSession) -> list[str | None]:
    assert session.load().ok
    return [session.index.name(r) if r >= 0 else None for r in session.feedback.rows.tolist()]


def test_the_reader_and_the_viewer_pick_the_same_spans(tmp_path: Path) -> None:
    path = tmp_path / "run.tracy"
    write_spans(path, FIRST_SPANS, FIRST_RECORDS)
    live = FileSession(path)
    assert _loaded(path) == _viewed(live) == AFTER_FIRST

    write_spans(path, SECOND_SPANS, SECOND_RECORDS)
    # The viewer's second read only looks at what was appended, and still agrees with a fresh read.
    assert _loaded(path) == _viewed(live) == _viewed(FileSession(path)) == AFTER_SECOND
