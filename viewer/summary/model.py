"""The Summary table as a Qt model: one row per group, numbers right-aligned, raw values for sorting."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from .. import theme
from ..cost.logic import format_cost
from ..formatting import format_duration, format_tokens
from .logic import CATEGORY, Summary
from ..text_limits import clip

ModelIndex = QModelIndex | QPersistentModelIndex
NAME, COUNT, ERRORS, P50, P95, INPUT, OUTPUT, COST = range(8)
COLUMNS = ("Name", "Count", "Errors", "p50", "p95", "Input", "Output", "Cost")
#: Raw values for sorting (a number, or the lower-cased name).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_TIPS = (
    "Click a row to search for its spans: the trace list and timeline then show the matches",
    "Spans in this group",
    "Spans with error status",
    "Median duration",
    "95th percentile duration: 1 span in 20 takes longer",
    "Input tokens the spans report (an agent repeating its calls' totals is not counted again)",
    "Output tokens the spans report",
    "Cost at the current token prices (File › Token Prices…)",
)


class SummaryModel(QAbstractTableModel):
    """Rows of a `Summary`; `set_summary` replaces them (a reset, as every figure may change)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._s: Summary | None = None
        self._currency = "USD"

    @property
    def summary(self) -> Summary | None:
        return self._s

    def set_summary(self, summary: Summary | None, currency: str = "USD") -> None:
        self.beginResetModel()
        self._s, self._currency = summary, currency
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self._s is None else len(self._s)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == NAME and self._s is not None:
                return {"model": "Model", "tool": "Tool", CATEGORY: "Category"}.get(self._s.grouping, "Span name")
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _TIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignLeft if section == NAME else Qt.AlignmentFlag.AlignRight
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _value(self, row: int, col: int):
        s = self._s
        return (s.labels[row].lower(), s.count[row], s.errors[row], s.p50[row], s.p95[row],
                s.input[row], s.output[row], s.cost[row])[col]  # fmt: skip

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        s = self._s
        if s is None or not index.isValid() or index.row() >= len(s):
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == NAME:
                return clip(s.labels[row])  # a span name may be megabytes long
            if col in (COUNT, ERRORS):
                n = int(self._value(row, col))
                return f"{n:,}" if n or col == COUNT else "–"
            if col in (P50, P95):
                return format_duration(float(self._value(row, col)))
            if col in (INPUT, OUTPUT):
                return format_tokens(int(self._value(row, col)))
            return format_cost(float(s.cost[row]), self._currency) if s.input[row] or s.output[row] else "–"
        if role == SORT_ROLE:
            v = self._value(row, col)
            return v if col == NAME else float(v)
        if role == Qt.ItemDataRole.TextAlignmentRole and col != NAME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == ERRORS and s.errors[row]:
            return theme.error_color()
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{s.labels[row]}: {int(s.count[row]):,} spans, {format_duration(float(s.total[row]))} in all. "
                    "Click to search for them.")  # fmt: skip
        return None
