"""What a trace was asked: the first user message (or ``input.value``) of its root or first LLM span, for the trace list.

    rows = preview_rows(index, trace)          # the root row, then the first LLM call's row
    text = input_preview(session.spans(rows))  # "Why was I charged twice…", or "" when none was recorded

`PreviewCache` computes them a few at a time for the rows a view asks about, and keeps them.
No Qt here.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Callable, Iterable, Sequence

import numpy as np

from tracefile import Span
from tracefile.genai import CATEGORY_LLM
from tracefile.genai.names import INPUT_VALUE

from .chat.logic import conversation
from .tracedata import TraceIndex

#: Characters kept of a preview: enough for a list row, small enough for 100,000 cached traces.
MAX_PREVIEW = 160
#: Requests remembered at most: older ones (rows scrolled past long ago) are dropped first.
MAX_PENDING = 256


def preview_rows(index: TraceIndex, trace: int) -> list[int]:
    """The rows whose details can say what ``trace`` was asked: its root span, then its earliest LLM call."""
    root = int(index.traces.root[trace])
    rows = index.trace_rows(trace)
    llm = rows[index.timeline.category[rows] == CATEGORY_LLM]
    found = [root]
    if len(llm):
        first = int(llm[np.argmin(index.timeline.start[llm])])
        if first != root:
            found.append(first)
    return found


def input_preview(spans: Sequence[Span]) -> str:
    """The first user message of the first span that has one; else the first ``input.value``; else ""."""
    for span in spans:
        conv = conversation(span)
        for message in conv.input:
            if message.role == "user" and message.text.strip():
                return one_line(message.text)
    for span in spans:
        value = span.attributes.get(INPUT_VALUE)
        if value is not None and str(value).strip():
            return one_line(_plain_arguments(str(value)))
    return ""


def _plain_arguments(value: str) -> str:
    """A function's arguments as ``@tracefile.trace`` records them (a JSON object) shown by their
    text values, ``question: What's the weather…``; anything else as it is."""
    if not value.lstrip().startswith("{"):
        return value
    try:
        args = json.loads(value)
    except ValueError:
        return value
    if not isinstance(args, dict):
        return value
    texts = [f"{k}: {v}" for k, v in args.items() if isinstance(v, str) and v.strip()]
    return " · ".join(texts) if texts else value


def one_line(text: str, limit: int = MAX_PREVIEW) -> str:
    """``text`` on one line (runs of whitespace become one space), cut to ``limit`` characters with "…"."""
    flat = " ".join(text[: limit * 4].split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class PreviewCache:
    """Previews of traces, by trace id, computed on request within a time budget.

    ``get(index, trace)`` returns the cached text or None (and remembers the request);
    ``fill(index, spans, budget_s)`` computes pending requests, newest first, until the budget
    is spent, and returns the traces it finished. A trace that gained spans since (a file being
    written, whose root span comes last) is computed again.
    """

    def __init__(self) -> None:
        self._done: dict[bytes, tuple[int, str]] = {}  # trace id -> (span count then, preview)
        self._pending: OrderedDict[int, None] = OrderedDict()

    def _key(self, index: TraceIndex, trace: int) -> bytes:
        return index.timeline.trace_id[int(index.traces.root[trace])].tobytes()

    def get(self, index: TraceIndex, trace: int) -> str | None:
        hit = self._done.get(self._key(index, trace))
        if hit is not None and hit[0] == int(index.traces.spans[trace]):
            return hit[1]
        self._pending[trace] = None
        self._pending.move_to_end(trace)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        return None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def forget_requests(self) -> None:
        """Drop pending requests (the traces were renumbered: the file was read again)."""
        self._pending.clear()

    def fill(
        self, index: TraceIndex, spans: Callable[[Iterable[int]], list[Span]], budget_s: float = 0.012
    ) -> list[int]:
        """Compute pending previews, the most recently asked first, for at most ``budget_s`` seconds
        (at least one); returns the traces done."""
        deadline = time.perf_counter() + budget_s
        done: list[int] = []
        while self._pending and (not done or time.perf_counter() < deadline):
            trace, _ = self._pending.popitem(last=True)
            if not 0 <= trace < len(index.traces):
                continue
            text = input_preview(spans(preview_rows(index, trace)))
            self._done[self._key(index, trace)] = (int(index.traces.spans[trace]), text)
            done.append(trace)
        return done
