"""The trace list as a thin Qt model over `TraceTable` arrays: one row per trace, any number of traces."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from . import theme
from .cost import logic as cost
from .cost import span_prices
from .cost.store import prices
from .tracedata import TraceIndex
from .formatting import format_duration, format_tokens

ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Trace", "Started", "Duration", "Spans", "Errors", "Tokens", "Cost")
COST = 6
TRACE_ROLE = Qt.ItemDataRole.UserRole + 1  # the trace number behind a (sorted) row


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
        prices().changed.connect(self._prices_changed)

    def set_feedback(self, marks: np.ndarray | None, describe=None) -> None:
        """Badges on the trace names: one feedback mark per trace, and ``describe(trace)`` for tooltips."""
        self._feedback = marks
        self._feedback_text = describe
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0), [Qt.ItemDataRole.DecorationRole])

    def set_index(self, index: TraceIndex | None) -> None:
        """Show the traces of ``index``, keeping the sort order. Views keep their selection
        through `row_of` (trace numbers are stable while a file grows)."""
        self.beginResetModel()
        self._index = index
        self._usage = None
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
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._perm = self._order(column, order)
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
                return ix.name(int(tt.root[t]))
            if col == 1:
                return _clock(int(tt.start[t]))
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
            name = ix.name(int(tt.root[t]))
            marks = self._feedback
            if col == 0 and self._feedback_text is not None and marks is not None and t < len(marks) and marks[t]:
                return f"{name}\nFeedback: {self._feedback_text(t)}"
            return name
        elif role == TRACE_ROLE:
            return t
        return None

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


def _clock(ns: int) -> str:
    try:
        # Seconds are enough to tell traces apart in a list; the tooltip has the full time.
        return datetime.fromtimestamp(ns / 1e9).strftime("%H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return "–"


def _full_time(ns: int) -> str:
    try:
        return datetime.fromtimestamp(ns / 1e9).astimezone().isoformat(timespec="milliseconds")
    except (OverflowError, OSError, ValueError):
        return "–"
