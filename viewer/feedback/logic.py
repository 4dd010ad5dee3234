"""Feedback and evaluation records of a file, joined to the span rows they judge.

    index = FeedbackIndex.build(records, trace_index, spans_of_batch)
    index.for_row(row)          # the records judging that span, oldest first
    index.marks                 # int8 per row: NONE, POSITIVE, NEGATIVE, MIXED or EVALUATED
    index.summary(rows)         # "2 good · 1 bad · 1 evaluation" for a set of rows

Which span a record judges is decided by `tracefile.format.feedback.find_span`, the rule
``tracefile.load()`` uses too; this module gives it lookups over the timeline columns. Span ids
and trace roots are looked up in the columns. Response ids live in span details, so batches are
decoded one at a time (``spans_of_batch``), newest first, until the id is found: feedback is
usually given moments after the answer, so this touches the last few batches of a live file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np

from tracefile.format import RESPONSE_ID, Feedback, Match, Span, Timeline, find_span
from tracefile.genai.feedback import is_user_feedback

from ..tracedata import TraceIndex

NONE = 0
POSITIVE = 1
NEGATIVE = 2
MIXED = 3
EVALUATED = 4  # only evaluator verdicts, no thumbs from people

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

    #: Per record: how it found its row (a `Match`); what the file gains later can only replace
    #: it with a match at least as strong.
    matched: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
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
        growing file), the records it joined are only looked for again among the rows and batches
        added since: a live file is not searched again and again."""
        n = index.n if index is not None else 0
        rows = np.full(len(records), -1, np.int64)
        matched = np.zeros(len(records), np.int8)
        seen_batches = len(index.timeline.batches) if index is not None else 0
        if index is not None and records:
            if previous is not None and not _extends(previous, records, n):
                previous = None
            _resolve(records, index.timeline, spans_of_batch, rows, matched, previous)
        by_row: dict[int, list[int]] = {}
        for i, row in enumerate(rows.tolist()):
            if row >= 0:
                by_row.setdefault(row, []).append(i)
        marks = np.zeros(n, np.int8)
        for row, ids in by_row.items():
            marks[row] = _combine(sentiment(records[i]) for i in ids)
        return cls(list(records), rows, marks, by_row, matched, n, seen_batches)

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

    def text_rows(self, text: str) -> np.ndarray:
        """Rows with a feedback record whose label, comment or evaluator holds ``text`` (any case):
        free text in a search matches these as it matches span details."""
        mask = np.zeros(len(self.marks), bool)
        w = text.lower()
        for row, ids in self._by_row.items():
            if any(w in t.lower() for i in ids for t in (self.records[i].label, self.records[i].comment, self.records[i].evaluator)):
                mask[row] = True
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
    tl: Timeline,
    spans_of_batch: Callable[[int], Sequence[Span]] | None,
    rows: np.ndarray,
    matched: np.ndarray,
    previous: FeedbackIndex | None,
) -> None:
    """Fill ``rows`` and ``matched`` for ``records``; see `FeedbackIndex.build`."""
    old = old_rows = old_batches = 0  # records of the previous build only look at what is new
    if previous is not None:
        old = len(previous.records)
        old_rows, old_batches = previous.seen_rows, previous.seen_batches
        rows[:old] = previous.rows
        matched[:old] = previous.matched
    # Span ids and roots: one vectorised pass each, over every row when a new record asks,
    # else over the new rows only.
    lo = 0 if len(records) > old else old_rows
    keys = {k for fb in records if fb.span_id and (k := Timeline.span_id_key(fb.span_id)) is not None}
    last_of_span = _last_rows(tl.span_id, np.fromiter(keys, np.uint64, len(keys)), lo)
    root_rows = np.nonzero(tl.parent_span_id[lo:] == 0)[0] + lo
    hexes = Timeline.trace_id_hex(tl.trace_id[root_rows])
    # Rows ascend, so the last root of a trace is the one kept.
    root_of = {hexes[32 * k : 32 * k + 32]: row for k, row in enumerate(root_rows.tolist())}
    responses = _ResponseIds(tl, spans_of_batch)

    for i, fb in enumerate(records):
        first_row, first_batch = (old_rows, old_batches) if i < old else (0, 0)

        def newer(row: int | None) -> int | None:
            return row if row is not None and row >= first_row else None

        match, row = find_span(
            fb,
            by_span_id=lambda h: newer(last_of_span.get(Timeline.span_id_key(h))),
            by_response_id=lambda rid: responses.last_row(rid, first_batch),
            root_of_trace=lambda h: newer(root_of.get(h)),
            weakest=Match(max(int(matched[i]), Match.TRACE_ROOT)),
        )
        if row is not None:  # at least as strong as the old match, and written after it
            rows[i] = row
            matched[i] = match


def _last_rows(column: np.ndarray, wanted: np.ndarray, lo: int) -> dict[int, int]:
    """Value -> last row at or after ``lo`` holding it, for the values of ``wanted``."""
    if not len(wanted):
        return {}
    hits = np.nonzero(np.isin(column[lo:], wanted))[0] + lo
    return {int(column[r]): int(r) for r in hits}  # rows ascend: the last one stays


class _ResponseIds:
    """``gen_ai.response.id`` -> last row, read from span details one batch at a time, newest first.

    The batches read always run from some batch to the newest, so the first batch (from the end)
    that holds an id holds its last row, and an id not seen is in none of them."""

    def __init__(self, tl: Timeline, spans_of_batch: Callable[[int], Sequence[Span]] | None) -> None:
        self.tl = tl
        self.spans_of_batch = spans_of_batch
        self.found: dict[str, int] = {}
        self.lowest = len(tl.batches)  # the oldest batch read so far

    def last_row(self, rid: str, first_batch: int) -> int | None:
        """The last row with response id ``rid`` in batches ``first_batch`` onwards, or None."""
        while rid not in self.found and self.lowest > first_batch and self.spans_of_batch is not None:
            self.lowest -= 1
            first = self.tl.batches[self.lowest].first_row
            spans = self.spans_of_batch(self.lowest)
            for j in range(len(spans) - 1, -1, -1):
                value = spans[j].attributes.get(RESPONSE_ID)
                if isinstance(value, str) and value:
                    self.found.setdefault(value, first + j)
        row = self.found.get(rid)
        if row is None or int(self.tl.batch[row]) < first_batch:
            return None
        return row


# -- feedback given in the viewer ------------------------------------------------------

#: What the viewer writes as the record's evaluator: a person reviewing the trace.
REVIEWER = "user"


def new_feedback(span: Span, *, score: float | None, label: str = "", comment: str = "", time_ns: int | None = None) -> Feedback:
    """A feedback record judging ``span``: by span id and trace id, and by response id when the span has one.

    `tracefile.record.append_feedback` writes it, with its comment redacted as spans are.
    """
    import time

    rid = span.attributes.get(RESPONSE_ID)
    return Feedback(
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
