"""Feedback and evaluation records of a file, joined to the span rows they judge.

    index = FeedbackIndex.build(records, trace_index, spans_of_batch)
    index.for_row(row)          # the records judging that span, oldest first
    index.marks                 # int8 per row: NONE, POSITIVE, NEGATIVE, MIXED or EVALUATED
    index.summary(rows)         # "2 good · 1 bad · 1 evaluation" for a set of rows

A record names its span by span id, by the model response's ``gen_ai.response.id`` or only by
trace id (then it judges the trace's root), the same rules as ``tracefile.reader.join_feedback``.
Span ids are resolved with the timeline columns. Response ids live in span details, so only
LLM spans that ended before the feedback was given are looked at, newest first, one decoded batch
at a time (``spans_of_batch``): feedback is usually given moments after the answer, so this
touches one or two batches however large the file is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np

from tracefile import genai
from tracefile.format.columns import Timeline
from tracefile.record.feedback import is_user_feedback
from tracefile.format.model import Span
from tracefile.format.schema import Feedback
from tracefile.genai.names import GEN_AI_RESPONSE_ID

from ..tracedata import TraceIndex

NONE = 0
POSITIVE = 1
NEGATIVE = 2
MIXED = 3
EVALUATED = 4  # only evaluator verdicts, no thumbs from people

#: How many decoded batches a response-id lookup may open before giving up on a record.
MAX_BATCHES_PER_RECORD = 64
#: Clock skew allowed between the process that wrote the span and the one that wrote feedback.
SKEW_NS = 5_000_000_000

_NEGATIVE_WORDS = ("down", "negative", "bad", "wrong", "fail", "poor", "unhelpful", "incorrect")
_POSITIVE_WORDS = ("up", "positive", "good", "correct", "pass", "great", "helpful", "like")


def sentiment(fb: Feedback) -> int:
    """POSITIVE or NEGATIVE for a person's feedback, EVALUATED for an evaluator's verdict.

    The label decides first ("thumbs_down", "negative", "incorrect" ...), then the score:
    above zero is positive, zero or below negative (thumbs are recorded as 1 and 0 or -1).
    """
    if not is_user_feedback(fb):
        return EVALUATED
    label = fb.label.lower()
    if label:
        if any(w in label for w in _NEGATIVE_WORDS) and not label.startswith("not_"):
            return NEGATIVE
        if any(w in label for w in _POSITIVE_WORDS):
            return POSITIVE
    if fb.score is not None:
        return POSITIVE if fb.score > 0 else NEGATIVE
    return EVALUATED


def describe(fb: Feedback) -> str:
    """One line: "Good · “spot on”" or "relevance 0.40 · low recall".

    Plain words, not emoji: the viewer must not depend on an emoji font being installed.
    """
    s = sentiment(fb)
    who = fb.evaluator or "user"
    parts: list[str] = []
    if s == POSITIVE:
        parts.append("Good" if who.lower() in ("user", REVIEWER) else f"Good ({who})")
    elif s == NEGATIVE:
        parts.append("Bad" if who.lower() in ("user", REVIEWER) else f"Bad ({who})")
    else:
        parts.append(who if fb.score is None else f"{who} {_score(fb.score)}")
    if fb.label and fb.label.lower() not in ("thumbs_up", "thumbs_down"):
        parts.append(fb.label)
    if fb.comment:
        comment = " ".join(fb.comment.split())
        parts.append(f"“{comment[:77]}…”" if len(comment) > 80 else f"“{comment}”")
    return " · ".join(parts)


def _score(score: float) -> str:
    return f"{score:g}" if float(score).is_integer() else f"{score:.2f}"


@dataclass
class FeedbackIndex:
    """Every feedback record of a file and the row each one judges (-1 when its span is not in the file)."""

    records: list[Feedback] = field(default_factory=list)
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    marks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    _by_row: dict[int, list[int]] = field(default_factory=dict)

    #: Per record: True when it was joined by span id or response id, which never changes once
    #: found (a trace-level join names the trace's root, which a later batch may still bring).
    exact: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: Timeline rows and batches there were when the index was built.
    seen_rows: int = 0
    seen_batches: int = 0

    @classmethod
    def build(
        cls,
        records: Sequence[Feedback],
        index: TraceIndex | None,
        spans_of_batch: Callable[[int], Sequence[Span]] | None = None,
        previous: "FeedbackIndex | None" = None,
    ) -> "FeedbackIndex":
        """Join ``records`` to rows. With ``previous`` (the index of an earlier read of the same,
        growing file), records it joined exactly keep their rows, and the others are only looked
        for among the rows and batches added since: a live file is not searched again and again."""
        n = index.n if index is not None else 0
        rows = np.full(len(records), -1, np.int64)
        exact = np.zeros(len(records), bool)
        seen_batches = len(index.timeline.batches) if index is not None else 0
        if index is not None and records:
            if previous is not None and not _extends(previous, records, n):
                previous = None
            _resolve(records, index, spans_of_batch, rows, exact, previous)
        by_row: dict[int, list[int]] = {}
        for i, row in enumerate(rows.tolist()):
            if row >= 0:
                by_row.setdefault(row, []).append(i)
        marks = np.zeros(n, np.int8)
        for row, ids in by_row.items():
            marks[row] = _combine(sentiment(records[i]) for i in ids)
        return cls(list(records), rows, marks, by_row, exact, n, seen_batches)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def unresolved(self) -> int:
        return int(np.count_nonzero(self.rows < 0))

    def for_row(self, row: int) -> list[Feedback]:
        return [self.records[i] for i in self._by_row.get(int(row), ())]

    def has_feedback(self) -> np.ndarray:
        """Boolean mask over rows: spans with at least one record."""
        return self.marks != NONE

    def rows_in_trace(self, index: TraceIndex, trace: int) -> list[int]:
        """Rows of trace ``trace`` that have feedback."""
        return [row for row in self._by_row if int(index.trace[row]) == trace]

    def matching(self, word: str) -> np.ndarray:
        """Rows whose feedback matches ``word`` for search: positive/negative/up/down/evaluated,
        or a label, evaluator or comment word (case-insensitive)."""
        mask = np.zeros(len(self.marks), bool)
        w = word.strip().lower()
        if not w:
            return self.has_feedback()
        want = {"positive": POSITIVE, "up": POSITIVE, "good": POSITIVE, "👍": POSITIVE,
                "negative": NEGATIVE, "down": NEGATIVE, "bad": NEGATIVE, "👎": NEGATIVE,
                "evaluated": EVALUATED, "eval": EVALUATED, "any": None, "yes": None}.get(w, -1)  # fmt: skip
        for row, ids in self._by_row.items():
            for i in ids:
                fb = self.records[i]
                if want is None:
                    hit = True
                elif want != -1:
                    hit = sentiment(fb) == want
                else:
                    hit = w in fb.label.lower() or w in fb.evaluator.lower() or w in fb.comment.lower()
                if hit:
                    mask[row] = True
                    break
        return mask

    def summary(self, rows: Iterable[int] | None = None) -> str:
        """Counts for a set of rows (all when None): "2 good · 1 bad · 3 evaluations"."""
        ids = range(len(self.records)) if rows is None else [i for r in rows for i in self._by_row.get(int(r), ())]
        up = down = evals = 0
        for i in ids:
            s = sentiment(self.records[i])
            up += s == POSITIVE
            down += s == NEGATIVE
            evals += s == EVALUATED
        parts = []
        if up:
            parts.append(f"{up} good")
        if down:
            parts.append(f"{down} bad")
        if evals:
            parts.append(f"{evals} evaluation{'s' if evals != 1 else ''}")
        return " · ".join(parts)

    def trace_marks(self, index: TraceIndex) -> np.ndarray:
        """One mark per trace, combining the marks of its spans."""
        out = np.zeros(len(index.traces), np.int8)
        for row in self._by_row:
            t = int(index.trace[row])
            out[t] = _combine((int(out[t]), int(self.marks[row]))) if out[t] else self.marks[row]
        return out


def _combine(marks: Iterable[int]) -> int:
    seen = {m for m in marks if m != NONE}
    if POSITIVE in seen and NEGATIVE in seen or MIXED in seen:
        return MIXED
    if NEGATIVE in seen:
        return NEGATIVE
    if POSITIVE in seen:
        return POSITIVE
    return EVALUATED if seen else NONE


def _extends(previous: FeedbackIndex, records: Sequence[Feedback], rows: int) -> bool:
    """True when ``records`` and ``rows`` only add to what ``previous`` was built from."""
    k = len(previous.records)
    return k <= len(records) and previous.seen_rows <= rows and (k == 0 or records[k - 1] is previous.records[k - 1])


def _resolve(
    records: Sequence[Feedback],
    index: TraceIndex,
    spans_of_batch,
    rows: np.ndarray,
    exact: np.ndarray,
    previous: FeedbackIndex | None,
) -> None:
    """Fill ``rows`` (and ``exact``) for ``records``; see `FeedbackIndex.build`."""
    tl = index.timeline
    old = 0  # records of the previous build: exact ones are kept, the others only see what is new
    old_rows = old_batches = 0
    if previous is not None:
        old = len(previous.records)
        old_rows, old_batches = previous.seen_rows, previous.seen_batches
        rows[:old] = np.where(previous.exact, previous.rows, -1)
        exact[:old] = previous.exact
    # By span id: one vectorised lookup for all records.
    keys = {
        i: k
        for i, fb in enumerate(records)
        if not exact[i] and fb.span_id and (k := Timeline.span_id_key(fb.span_id)) is not None
    }  # fmt: skip
    if keys:
        lo = 0 if any(i >= old for i in keys) else old_rows  # old records: only new rows can match
        wanted = np.fromiter(keys.values(), np.uint64, len(keys))
        hits = np.nonzero(np.isin(tl.span_id[lo:], wanted))[0] + lo
        where = {int(tl.span_id[r]): int(r) for r in hits}
        for i, k in keys.items():
            rows[i] = where.get(k, -1)
            exact[i] = rows[i] >= 0
    # By response id: LLM spans that ended before the feedback, newest first, batch by batch.
    pending = [i for i in range(len(records)) if rows[i] < 0 and records[i].response_id]
    if pending and spans_of_batch is not None:
        llm = np.nonzero(tl.category == genai.CATEGORY_LLM)[0]
        llm = llm[np.argsort(tl.end[llm], kind="stable")]
        found: dict[str, int] = {}
        opened: set[int] = set()
        for i in pending:
            fb = records[i]
            if fb.response_id in found:
                rows[i] = found[fb.response_id]
                exact[i] = True
                continue
            # An earlier build already looked through the batches it had, for its own records.
            first_batch = old_batches if i < old else 0
            cutoff = np.searchsorted(tl.end[llm], np.uint64(max(fb.time_unix_nano, 0) + SKEW_NS), side="right")
            budget = MAX_BATCHES_PER_RECORD
            for row in llm[:cutoff][::-1].tolist():
                b = int(tl.batch[row])
                if b in opened or b < first_batch:
                    continue
                opened.add(b)
                first = tl.batches[b].first_row
                for j, span in enumerate(spans_of_batch(b)):
                    rid = span.attributes.get(GEN_AI_RESPONSE_ID)
                    if isinstance(rid, str):
                        found.setdefault(rid, first + j)
                if fb.response_id in found:
                    break
                budget -= 1
                if budget == 0:
                    break
            rows[i] = found.get(fb.response_id, -1)
            exact[i] = rows[i] >= 0
    # By trace id, when nothing more precise was found: the trace's root.
    for i, fb in enumerate(records):
        if rows[i] >= 0 or not fb.trace_id:
            continue
        try:
            tid = np.frombuffer(bytes.fromhex(fb.trace_id), np.uint64)
        except ValueError:
            continue
        if len(tid) != 2:
            continue
        hits = np.nonzero((tl.trace_id == tid).all(axis=1))[0]
        if len(hits):
            rows[i] = int(index.traces.root[int(index.trace[hits[0]])])


# -- feedback given in the viewer ------------------------------------------------------

#: What the viewer writes as the record's evaluator: a person reviewing the trace.
REVIEWER = "user"


def new_feedback(span: Span, *, score: float | None, label: str = "", comment: str = "", time_ns: int | None = None) -> Feedback:
    """A feedback record judging ``span``: by span id and trace id, and by response id when the span has one.

    The comment gets the same secret redaction as recorded spans (``tracefile.feedback.redacted``,
    which ``tracefile.record_feedback`` uses too).
    """
    import time

    from tracefile.record.feedback import redacted

    rid = span.attributes.get(GEN_AI_RESPONSE_ID)
    fb = Feedback(
        time_unix_nano=time.time_ns() if time_ns is None else time_ns,
        trace_id=span.trace_id,
        span_id=span.span_id,
        response_id=rid if isinstance(rid, str) else "",
        score=None if score is None else float(score),
        label=label.strip(),
        comment=comment.strip(),
        evaluator=REVIEWER,
        metadata={"source": "tracy-view"},
    )
    return redacted(fb)


def append_feedback(path: str, fb: Feedback) -> None:
    """Append ``fb`` to the file as a feedback frame; nothing already in the file is touched.

    Raises OSError (with the reason, e.g. a read-only file) when it cannot be written.
    """
    from tracefile.format.writer import TraceWriter

    with TraceWriter(path, writer="tracy-view") as writer:
        writer.write_feedback([fb])
