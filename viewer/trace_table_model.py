"""The trace list as a thin Qt model over `TraceTable` arrays: one row per trace, any number of traces.

Column 0 also carries, under its own roles, what the list's two-line trace cell paints: the
input preview (`viewer.trace_preview`, computed a few at a time for the rows a view asks about)
and whether the trace has errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QFont

from . import theme
from .cost import logic as cost
from .cost import span_prices
from .cost.store import prices
from .formatting import format_duration, format_tokens
from .trace_preview import PreviewCache
from .tracedata import TraceIndex
from .text_limits import clip, clip_tip

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Trace", "Start", "Duration", "Spans", "Errors", "Tokens", "Cost")
COST = 6
TRACE_ROLE = Qt.ItemDataRole.UserRole + 1  # the trace number behind a (sorted) row
PREVIEW_ROLE = Qt.ItemDataRole.UserRole + 2  # column 0: the trace's input preview ("" while unknown)
ERROR_ROLE = Qt.ItemDataRole.UserRole + 3  # column 0: spans with error status in the trace
SHORT_ROLE = Qt.ItemDataRole.UserRole + 4  # Duration and Tokens as a narrow list shows them under Start and Cost


class TraceTableModel(QAbstractTableModel):
    """Rows are traces; sorting reorders a permutation array, never the data."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._index: TraceIndex | None = None
        self._perm = np.zeros(0, np.int64)
        self._sort: tuple[int, Qt.SortOrder] = (1, Qt.SortOrder.AscendingOrder)
        self._only: np.ndarray | None = None  # traces to show (search filter), one flag per trace
        self._error_brush: QBrush | None = None
        self._feedback: np.ndarray | None = None  # one viewer.feedback.logic mark per trace
        self._feedback_text = None  # trace -> "1 good · 2 evaluations"
        self._usage: cost.Usage | None = None  # tokens and cost per trace at the current prices
        self._usage_key: tuple[int, int] | None = None  # (id of the index, prices version) it was computed for
        self._with_date = False  # the traces start on different days: the Started column shows the date
        self._spans: Callable[[Iterable[int]], list] | None = None  # rows -> decoded spans, for previews
        self.previews = PreviewCache()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(0)
        self._preview_timer.timeout.connect(self._fill_previews)
        prices().changed.connect(self._prices_changed)

    def set_feedback(self, marks: np.ndarray | None, describe=None) -> None:
        """Badges on the trace names: one feedback mark per trace, and ``describe(trace)`` for tooltips."""
        self._feedback = marks
        self._feedback_text = describe
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0), [Qt.ItemDataRole.DecorationRole])

    def set_index(self, index: TraceIndex | None, spans: Callable[[Iterable[int]], list] | None = None) -> None:
        """Show the traces of ``index``, keeping the sort order. Views keep their selection
        through `row_of` (trace numbers are stable while a file grows). ``spans(rows)`` decodes
        span details (`FileSession.spans`), for the input previews; without it there are none."""
        self.beginResetModel()
        self._index = index
        self._spans = spans
        self._usage = None
        self.previews.forget_requests()
        self._with_date = index is not None and len(index.traces) > 1 and _spans_days(index.traces.start)
        self._perm = self._order(*self._sort)
        self.endResetModel()

    def set_filter(self, traces: np.ndarray | None) -> None:
        """Show only the traces flagged in ``traces`` (None: all of them)."""
        self.beginResetModel()
        self._only = traces
        self._perm = self._order(*self._sort)
        self.endResetModel()

    def trace_at(self, row: int) -> int:
        return int(self._perm[row])

    def row_of(self, trace: int) -> int:
        hits = np.nonzero(self._perm == trace)[0]
        return int(hits[0]) if len(hits) else -1

    def _order(self, column: int, order: Qt.SortOrder) -> np.ndarray:
        ix = self._index
        if ix is None:
            return np.zeros(0, np.int64)
        t = ix.traces
        n = len(t)
        keys = {
            0: None,
            1: t.start,
            2: (t.end - t.start),
            3: t.spans,
            4: t.errors,
            5: t.input_tokens + t.output_tokens,
            COST: self.usage().cost if column == COST else None,
        }
        key = keys.get(column)
        if key is None:  # by name: sort the names once
            names = [ix.name(int(r)).lower() for r in t.root]
            perm = np.array(sorted(range(n), key=names.__getitem__), np.int64)
        else:
            perm = np.argsort(key, kind="stable").astype(np.int64)
        if order == Qt.SortOrder.DescendingOrder:
            perm = perm[::-1].copy()
        if self._only is not None and len(self._only) == n:
            perm = perm[self._only[perm]]
        return perm

    # -- QAbstractTableModel -------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._perm)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section >= 2:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the rows; the selection and current row follow their traces to their new rows."""
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        traces = [int(self._perm[i.row()]) if 0 <= i.row() < len(self._perm) else -1 for i in before]
        self._perm = self._order(column, order)
        row_of = np.full(len(self._index.traces) if self._index is not None else 0, -1, np.int64)
        row_of[self._perm] = np.arange(len(self._perm))
        after = [
            self.index(int(row_of[t]), i.column()) if 0 <= t < len(row_of) and row_of[t] >= 0 else QModelIndex()
            for i, t in zip(before, traces)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        ix = self._index
        if ix is None or not index.isValid():
            return None
        t = int(self._perm[index.row()])
        col = index.column()
        tt = ix.traces
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return clip(ix.name(int(tt.root[t])))
            if col == 1:
                return _clock(int(tt.start[t]), self._with_date)
            if col == 2:
                return format_duration(int(tt.end[t]) - int(tt.start[t]))
            if col == 3:
                return f"{int(tt.spans[t]):,}"
            if col == 4:
                errors = int(tt.errors[t])
                return f"{errors:,}" if errors else "–"
            if col == 5:
                return format_tokens(int(tt.input_tokens[t]) + int(tt.output_tokens[t]))
            if col == COST:
                return self._cost_cell(t)
        elif role == Qt.ItemDataRole.DecorationRole and col == 0:
            marks = self._feedback
            if marks is not None and t < len(marks) and marks[t]:
                from .feedback.widget import badge_icon

                return badge_icon(int(marks[t]))
        elif role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.ForegroundRole and tt.errors[t] and col in (0, 4):
            return self._errors()
        elif role == Qt.ItemDataRole.ForegroundRole and col == COST and self._cost_cell(t) == "?":
            return QBrush(theme.muted_color())
        elif role == Qt.ItemDataRole.FontRole and col == 4 and tt.errors[t]:
            f = QFont()
            f.setBold(True)
            return f
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col in (5, COST):
                return self.usage_text(t, with_cost=col == COST) or "No tokens reported"
            if col == 1:
                return _full_time(int(tt.start[t]))
            name = clip_tip(ix.name(int(tt.root[t])))
            preview = self.preview(t) if col == 0 else ""
            if preview:
                name = f"{name}\n{preview}"
            marks = self._feedback
            if col == 0 and self._feedback_text is not None and marks is not None and t < len(marks) and marks[t]:
                return f"{name}\nFeedback: {self._feedback_text(t)}"
            return name
        elif role == TRACE_ROLE:
            return t
        elif role == PREVIEW_ROLE and col == 0:
            return clip(self.preview(t))
        elif role == ERROR_ROLE and col == 0:
            return int(tt.errors[t])
        elif role == SHORT_ROLE and col == 2:
            return format_duration(int(tt.end[t]) - int(tt.start[t]))
        elif role == SHORT_ROLE and col == 5:
            return _short_tokens(int(tt.input_tokens[t]) + int(tt.output_tokens[t]))
        return None

    def preview(self, trace: int) -> str:
        """The trace's input preview, or "" until it is known (it is computed soon after being asked for)."""
        if self._index is None or self._spans is None:
            return ""
        text = self.previews.get(self._index, trace)
        if text is None:
            self._preview_timer.start()
            return ""
        return text

    def _fill_previews(self) -> None:
        """Compute a few asked-for previews (a slice of time, so scrolling stays smooth), then repaint their rows."""
        if self._index is None or self._spans is None:
            return
        done = self.previews.fill(self._index, self._spans)
        for trace in done:
            row = self.row_of(trace)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [PREVIEW_ROLE])
        if self.previews.pending:
            self._preview_timer.start()

    def usage(self) -> cost.Usage:
        """Tokens of each kind and cost of every trace, at the current prices (recomputed when either changes)."""
        ix = self._index
        table = prices()
        key = (id(ix), table.version)
        if self._usage is None or self._usage_key != key:
            if ix is None:
                self._usage = cost.Usage(*(np.zeros(0, np.int64),) * 4, np.zeros(0), np.zeros(0, np.int64))
            else:
                tl = ix.timeline
                self._usage = cost.rollup(tl, span_prices(tl), ix.trace, len(ix.traces), ix.counted)
            self._usage_key = key
        return self._usage

    def usage_text(self, trace: int, *, with_cost: bool = True) -> str:
        """``1,200 input (1,024 cached) · 300 output (256 reasoning) · $0.0034 at gpt-4o prices``."""
        ix = self._index
        if ix is None:
            return ""
        rows = ix.trace_rows(trace)
        used = cost.rows_totals(ix.timeline, rows[ix.counted[rows]], prices().table)
        return cost.usage_text(used, with_cost=with_cost)

    def _cost_cell(self, t: int) -> str:
        u = self.usage()
        if t >= len(u) or not u.tokens[t]:
            return "–"
        amount, unpriced = float(u.cost[t]), int(u.unpriced[t])
        if unpriced and amount == 0:
            return "?"  # no price for any of its models
        return ("≥" if unpriced else "") + cost.format_cost(amount, prices().table.currency)

    def _prices_changed(self) -> None:
        if not self.rowCount():
            return
        if self._sort[0] == COST:
            self.sort(*self._sort)
        self.dataChanged.emit(self.index(0, COST), self.index(self.rowCount() - 1, COST))

    def _errors(self) -> QBrush:
        return QBrush(theme.error_color())


def _clock(ns: int, with_date: bool = False) -> str:
    try:
        # Seconds are enough to tell traces apart in a list; the tooltip has the full time.
        return datetime.fromtimestamp(ns / 1e9).strftime("%b %d %H:%M:%S" if with_date else "%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return "–"


def _short_tokens(n: int) -> str:
    """``950 tok``, ``2.6k tok``, ``1.3M tok``; "" for none."""
    if n <= 0:
        return ""
    if n < 1000:
        return f"{n} tok"
    return f"{n / 1000:.1f}k tok" if n < 999_500 else f"{n / 1_000_000:.1f}M tok"


def _spans_days(starts: np.ndarray) -> bool:
    """True when the earliest and the latest start fall on different local days."""
    try:
        first, last = (datetime.fromtimestamp(int(v) / 1e9).date() for v in (starts.min(), starts.max()))
    except (OverflowError, OSError, ValueError):
        return False
    return first != last


def _full_time(ns: int) -> str:
    try:
        return datetime.fromtimestamp(ns / 1e9).astimezone().isoformat(timespec="milliseconds")
    except (OverflowError, OSError, ValueError):
        return "–"
