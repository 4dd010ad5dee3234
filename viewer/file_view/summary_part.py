"""Where the time and money went, in a tab: the Summary panel under the panes, each span's subtree
subtotals and self time for the waterfall, and the selected trace's critical path."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QSplitter, QWidget

from ..background import BackgroundJob
from ..cost import logic as cost
from ..cost import prices, span_prices
from ..formatting import format_duration, format_tokens
from ..summary import logic
from ..summary.critical_path import Cancelled, CriticalPath, critical_path
from ..summary.distribution import duration_histogram
from ..summary.rollup import self_time, subtree_totals
from ..summary.widget import TRACE, SummaryPanel, marked_bucket
from ..tracedata import TraceIndex


class SpanNotes:
    """What the waterfall adds to a span's tooltip and to a collapsed row: subtree sums and self
    time, each computed for the spans asked about (a few at a time: the selected one, the one under
    the pointer, the collapsed rows on screen), never for the whole file at once."""

    #: Subtree sums kept, for the rows a repaint asks about again.
    CACHE = 4096

    def __init__(self, index: TraceIndex) -> None:
        self.index = index
        self._sums: dict[int, tuple[int, int, float]] = {}
        self._costs = None

    def subtree(self, row: int) -> tuple[int, int, float]:
        """(input tokens, output tokens, cost) of the span's subtree, itself included (`subtree_totals`)."""
        got = self._sums.get(row)
        if got is None:
            if self._costs is None:
                self._costs = span_prices(self.index.timeline)  # priced once per file and prices
            if len(self._sums) >= self.CACHE:
                self._sums.clear()
            got = self._sums[row] = subtree_totals(self.index, self._costs.cost, row)
        return got

    def self_time(self, row: int) -> int:
        return self_time(self.index, row)

    def subtree_text(self, row: int) -> str:
        """``12.4k tokens · $0.031`` over the span's subtree; empty without tokens."""
        inp, out, money = self.subtree(row)
        if not inp + out:
            return ""
        return f"{format_tokens(inp + out)} tokens · {cost.format_cost(money, self._costs.currency)}"

    def tooltip_lines(self, row: int) -> list[str]:
        ix = self.index
        lines = []
        if int(ix.subtree[row]) > 1:
            duration = int(ix.timeline.end[row]) - int(ix.timeline.start[row])
            own = self.self_time(row)
            share = f" ({100 * own / duration:.0f}%)" if duration > 0 else ""
            lines.append(f"Self time: {format_duration(own)}{share}")
            text = self.subtree_text(row)
            if text:
                lines.append(f"Subtree: {html.escape(text)}")
        return lines

    def rollup_line(self, row: int) -> str:
        """One line for the inspector's header: a parent's self time and its subtree's usage."""
        ix = self.index
        if int(ix.subtree[row]) <= 1:
            return ""
        duration = int(ix.timeline.end[row]) - int(ix.timeline.start[row])
        own = self.self_time(row)
        share = f" ({100 * own / duration:.0f}%)" if duration > 0 else ""
        parts = [f"Self time {format_duration(own)}{share}"]
        text = self.subtree_text(row)
        if text:
            parts.append(f"subtree {text}")
        return " · ".join(parts)

    def collapsed_label(self, row: int) -> str:
        inp, out, _ = self.subtree(row)
        return f"Σ {format_tokens(inp + out)} tok" if inp + out else ""


#: A trace with more spans than this gets its critical path on a worker thread (a million-span trace
#: of sequential steps takes most of a second); smaller ones take under a millisecond or so.
PATH_IN_BACKGROUND = 20_000


class SummaryPart(QObject):
    """Owns the Summary panel (hidden until View › Summary), the waterfall's notes and critical path.

    FileView calls `show_index` after each read and `show_trace` when the selected trace changes;
    a click in the panel runs its search through the tab's search bar."""

    def __init__(self, view, parent: QWidget) -> None:
        super().__init__(parent)
        self.view = view
        self.panel = SummaryPanel(parent)
        self.panel.hide()
        self.panel.searchRequested.connect(lambda text: self.view.search.run(text))
        self.panel.groupingChanged.connect(lambda _g: self._refresh_panel())
        self.panel.scopeChanged.connect(lambda _s: self._refresh_panel())
        self.splitter: QSplitter | None = None
        self.critical_path_on = False
        self._index: TraceIndex | None = None
        self._trace: int | None = None
        self._notes: SpanNotes | None = None
        self._path_job = BackgroundJob(self)
        self._path_job.done.connect(self._path_done)
        self._path_for: tuple[TraceIndex, int] | None = None  # what the worker is computing
        prices().changed.connect(self._on_prices_changed)

    def wrap(self, panes: QWidget) -> QSplitter:
        """The tab's panes above, the Summary panel below."""
        self.splitter = QSplitter(Qt.Orientation.Vertical, panes.parentWidget())
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(6)
        self.splitter.addWidget(panes)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        return self.splitter

    # -- what FileView tells it ----------------------------------------------------------------

    def show_index(self, index: TraceIndex | None) -> None:
        self._index = index
        self._notes = SpanNotes(index) if index is not None and index.n else None
        self.view.waterfall.set_notes(self._notes)
        self._refresh_panel()

    def rollup_line(self, row: int) -> str:
        """The inspector's line for span ``row`` (see `SpanNotes.rollup_line`); "" without an index."""
        return self._notes.rollup_line(row) if self._notes is not None and row >= 0 else ""

    def show_trace(self, trace: int | None) -> None:
        self._trace = trace
        self._refresh_critical_path()
        if not self.panel.isHidden():
            if self.panel.scope == TRACE:
                self._refresh_panel()
            else:
                self._mark_trace()

    def set_visible(self, on: bool) -> None:
        self.panel.setVisible(on)
        if on:
            if self.splitter is not None and self.splitter.sizes()[1] < 150:
                total = sum(self.splitter.sizes())
                self.splitter.setSizes([total - total * 2 // 5, total * 2 // 5])
            self._refresh_panel()

    def set_critical_path(self, on: bool) -> None:
        self.critical_path_on = on
        self._refresh_critical_path()

    def critical_path(self) -> CriticalPath | None:
        ix, t = self._index, self._trace
        return critical_path(ix, t) if ix is not None and t is not None and 0 <= t < len(ix.traces) else None

    # -- computing -------------------------------------------------------------------------------

    def _refresh_critical_path(self) -> None:
        ix, t = self._index, self._trace
        if not self.critical_path_on or ix is None or t is None or not 0 <= t < len(ix.traces):
            self._path_job.cancel()
            self.view.waterfall.set_critical_path(None)
            return
        if int(ix.traces.spans[t]) <= PATH_IN_BACKGROUND:
            self._path_job.cancel()
            self.view.waterfall.set_critical_path(critical_path(ix, t))
            return
        self.view.waterfall.set_critical_path(None)  # until the worker has it
        self._path_for = (ix, t)
        if self._path_job.busy:
            self._path_job.cancel()  # `_path_done` starts the one now wanted
        else:
            self._start_path_job()

    def _start_path_job(self) -> None:
        ix, t = self._path_for

        def work(cancelled):
            try:
                return ix, t, critical_path(ix, t, cancelled)
            except Cancelled:
                return None

        self._path_job.start(work)

    def _path_done(self, result) -> None:
        wanted = self._path_for if self.critical_path_on else None
        if result is not None and wanted is not None and result[0] is wanted[0] and result[1] == wanted[1]:
            self.view.waterfall.set_critical_path(result[2])
            self._path_for = None
        elif wanted is not None and self._index is wanted[0] and self._trace == wanted[1]:
            self._start_path_job()

    def stop(self) -> None:
        """End the worker thread (before the tab closes)."""
        self._path_job.stop()

    def _on_prices_changed(self) -> None:
        if self._index is not None:
            self.show_index(self._index)

    def _histogram(self):
        ix = self._index
        return duration_histogram(ix.traces.end - ix.traces.start) if ix is not None and len(ix.traces) else None

    def _mark_trace(self) -> None:
        ix, t = self._index, self._trace
        h = self.panel.histogram.histogram
        duration = int(ix.traces.end[t]) - int(ix.traces.start[t]) if ix is not None and t is not None else None
        self.panel.histogram.set_histogram(h, marked_bucket(h, duration))

    def _refresh_panel(self) -> None:
        """Recompute the table (and histogram) only while the panel is shown: ~100 ms at 1M spans."""
        if self.panel.isHidden():  # (not isVisible: a window rendered for --screenshot is never shown)
            return
        ix = self._index
        if ix is None or ix.n == 0:
            self.panel.set_data(None, None, None)
            return
        rows = None
        if self.panel.scope == TRACE:
            rows = ix.trace_rows(self._trace) if self._trace is not None else np.zeros(0, np.int64)
        costs = span_prices(ix.timeline)
        summary = logic.summarize(ix.timeline, self.panel.grouping, ix.counted, costs.cost, rows)
        self.panel.set_data(ix.timeline, summary, self._histogram(), currency=costs.currency)
        self._mark_trace()
