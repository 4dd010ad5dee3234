"""Evaluating a query over a file's timeline columns with numpy, without decoding any span details.

Every predicate the columns can answer (name, model, status, kind, category, duration, the
trace's duration, tokens)
is computed exactly. Predicates that need span details (attribute ``key:value``, ``feedback:``,
and free text, which may also match attribute text) are unknown here. Each node therefore gives
two masks, Kleene style: ``lo`` (surely matches) and ``hi`` (may match). The result's ``mask`` is
``hi``, a superset of the true matches; ``certain`` is ``lo``; rows in ``undecided`` are the only
ones a text index has to look at, for the sub-terms listed in ``needs_details``.

Text matching over names is done once per distinct name (the names table), then gathered to rows
with ``name_hit[timeline.name]``, so a million spans with a few thousand names cost a few ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from tracefile.genai import CATEGORY_NAMES
from tracefile.format import SPAN_KIND_NAMES, STATUS_ERROR, STATUS_OK, STATUS_UNSET
from viewer.tracedata import TraceIndex

from .query import And, Compare, Field, Node, Not, Or, Query, Term

_STATUS = {"error": STATUS_ERROR, "ok": STATUS_OK, "unset": STATUS_UNSET}
_U64_MAX = (1 << 64) - 1


@dataclass
class Evaluation:
    """What the columns say about each row (all arrays are bool, one entry per row)."""

    mask: np.ndarray  # may match: a superset of the matches (exactly the matches when `exact`)
    certain: np.ndarray  # surely matches: a subset of the matches
    exact: bool  # mask == certain: no span details needed
    needs_details: list[Node] = field(default_factory=list)  # sub-terms only span details can decide

    @property
    def undecided(self) -> np.ndarray:
        """Rows whose match depends on span details."""
        if self.exact:
            return np.zeros(len(self.mask), bool)
        return self.mask & ~self.certain

    @property
    def count(self) -> int:
        return int(np.count_nonzero(self.mask))


class _NameTable:
    """Lower-cased names, cached per names list (a growing file appends to the same list)."""

    def __init__(self) -> None:
        self._names: list[str] | None = None
        self._lower: list[str] = []

    def lower(self, names: list[str]) -> list[str]:
        if self._names is not names or len(self._lower) > len(names):
            self._names, self._lower = names, []
        if len(self._lower) < len(names):
            self._lower.extend(s.lower() for s in names[len(self._lower) :])
        return self._lower


_names_cache = _NameTable()


def name_hits(names: list[str], text: str) -> np.ndarray:
    """Bool per entry of the names table: does it contain ``text`` (any case)?"""
    low = _names_cache.lower(names)
    needle = text.lower()
    return np.fromiter((needle in s for s in low), bool, count=len(low))


#: Answers a sub-term that needs span details with (lo, hi) row masks: surely / maybe matches.
Details = Callable[[Node], "tuple[np.ndarray, np.ndarray]"]


class _Evaluator:
    def __init__(self, index: TraceIndex, text_in_details: bool, details: Details | None = None) -> None:
        self.index = index
        self.tl = index.timeline
        self.n = len(self.tl)
        self.text_in_details = text_in_details
        self.details = details
        self.needs: list[Node] = []
        self._duration: np.ndarray | None = None
        self._tokens: np.ndarray | None = None

    def all(self, value: bool) -> np.ndarray:
        return np.full(self.n, value, bool)

    def names(self, text: str) -> np.ndarray:
        return name_hits(self.tl.names, text)[self.tl.name]

    # Returns (lo, hi); for exact results lo is hi.
    def eval(self, node: Node) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(node, Term):
            hit = self.names(node.text)
            if not self.text_in_details:
                return hit, hit
            self.needs.append(node)
            if self.details is not None:
                lo, hi = self.details(node)
                lo = hit | lo
                return (lo, lo) if hi is lo else (lo, hit | hi)
            return hit, self.all(True)
        if isinstance(node, Field):
            m = self.field(node)
            if m is None:
                self.needs.append(node)
                if self.details is not None:
                    return self.details(node)
                return self.all(False), self.all(True)
            return m, m
        if isinstance(node, Compare):
            m = self.compare(node)
            return m, m
        if isinstance(node, Not):
            lo, hi = self.eval(node.child)
            if lo is hi:
                m = ~lo
                return m, m
            return ~hi, ~lo
        if isinstance(node, (And, Or)):
            op = np.logical_and if isinstance(node, And) else np.logical_or
            parts = [self.eval(c) for c in node.children]
            lo = op.reduce([p[0] for p in parts]) if len(parts) > 2 else op(parts[0][0], parts[1][0])
            if all(p[0] is p[1] for p in parts):
                return lo, lo
            hi = op.reduce([p[1] for p in parts]) if len(parts) > 2 else op(parts[0][1], parts[1][1])
            return lo, hi
        raise TypeError(f"not a query node: {node!r}")

    def field(self, node: Field) -> np.ndarray | None:
        tl, key, value = self.tl, node.key, node.value
        if key == "name":
            return self.names(value or "")
        if key == "model":
            if value is None:
                return tl.model != 0
            table = np.concatenate([[False], name_hits(tl.names, value)])
            return table[tl.model]
        if key == "status":
            return tl.status == _STATUS[value or ""]
        if key == "kind":
            return tl.kind == SPAN_KIND_NAMES.index(value)
        if key == "category":
            return tl.category == CATEGORY_NAMES.index(value)
        return None  # attribute keys and feedback need span details

    def column(self, name: str) -> np.ndarray:
        tl = self.tl
        if name == "duration":
            if self._duration is None:
                self._duration = tl.end - tl.start
            return self._duration
        if name == "trace_duration":  # each span gets its trace's duration (first start to last end)
            traces = self.index.traces
            return (traces.end - traces.start)[self.index.trace]
        if name == "input_tokens":
            return tl.input_tokens
        if name == "output_tokens":
            return tl.output_tokens
        if self._tokens is None:
            self._tokens = tl.input_tokens.astype(np.uint64) + tl.output_tokens
        return self._tokens

    def compare(self, node: Compare) -> np.ndarray:
        col = self.column(node.field)
        v, op = node.value, node.op
        top = _U64_MAX if col.dtype == np.uint64 else int(np.iinfo(col.dtype).max)
        if v > top:  # beyond what the column can hold
            return self.all(op in ("<", "<="))
        value = col.dtype.type(v)
        if op == ">":
            return col > value
        if op == ">=":
            return col >= value
        if op == "<":
            return col < value
        if op == "<=":
            return col <= value
        return col == value


def evaluate_columns(
    query: Query | Node | None, index: TraceIndex, *, text_in_details: bool = True, details: Details | None = None
) -> Evaluation:
    """Evaluate ``query`` over every row of ``index`` from columns alone.

    With ``text_in_details`` False, free text matches span names only and is exact (for use
    before any text index exists); otherwise it may also match attribute text, so rows whose
    name does not contain it are left undecided. ``details``, when given, answers the sub-terms
    that need span details (see `viewer.search.text_index.evaluate`).
    """
    root = query.root if isinstance(query, Query) else query
    ev = _Evaluator(index, text_in_details, details)
    if root is None:
        m = ev.all(True)
        return Evaluation(m, m, True, [])
    lo, hi = ev.eval(root)
    exact = lo is hi or bool(np.array_equal(lo, hi))
    return Evaluation(hi, lo, exact, ev.needs)


def matching_rows(mask: np.ndarray) -> np.ndarray:
    """Rows (file order) where ``mask`` is True."""
    return np.flatnonzero(mask)


def match_positions(mask: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions in ``order`` (the waterfall order) whose row matches, ascending."""
    return np.flatnonzero(mask[order])


def next_match(mask: np.ndarray, order: np.ndarray, current_position: int, backwards: bool = False) -> int | None:
    """Position in ``order`` of the next match after ``current_position`` (F3), or the previous one
    before it with ``backwards`` (Shift+F3), wrapping around the ends. None when nothing matches.

    ``current_position`` -1 (nothing selected) finds the first match forwards, the last backwards.
    """
    hits = match_positions(mask, order)
    if len(hits) == 0:
        return None
    if backwards:
        if current_position < 0:
            return int(hits[-1])
        k = int(np.searchsorted(hits, current_position, side="left")) - 1
        return int(hits[k])  # k == -1 wraps to the last
    k = int(np.searchsorted(hits, current_position, side="right"))
    return int(hits[k % len(hits)])
