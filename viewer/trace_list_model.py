"""Qt model for the trace list: one row per trace (a thin layer over `traces.TraceSummary`)."""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from . import theme
from .traces import TraceSummary, common_date, format_duration, format_timestamp, plural

ModelIndex = QModelIndex | QPersistentModelIndex

#: Raw value to sort a column by (str, int).
SORT_ROLE = Qt.ItemDataRole.UserRole
#: The row's `TraceSummary`.
TRACE_ROLE = Qt.ItemDataRole.UserRole + 1


class TraceListModel(QAbstractItemModel):
    """A flat list of traces: root span name, start time, duration, span count, errors."""

    NAME, STARTED, DURATION, SPANS, ERRORS = range(5)
    HEADERS = ("Trace", "Started", "Duration", "Spans", "Errors")

    def __init__(self, traces: Sequence[TraceSummary] = (), parent=None) -> None:
        super().__init__(parent)
        self._traces: list[TraceSummary] = []
        self._date: str | None = None
        self.set_traces(traces)

    # -- data access for the rest of the viewer -------------------------------

    def set_traces(self, traces: Sequence[TraceSummary]) -> None:
        self.beginResetModel()
        self._traces = list(traces)
        self._date = common_date(t.start_time for t in self._traces)
        self.endResetModel()

    def common_date(self) -> str | None:
        """The date every trace started on; the Started column then shows only the time."""
        return self._date

    def trace(self, row: int) -> TraceSummary:
        return self._traces[row]

    def traces(self) -> list[TraceSummary]:
        return self._traces

    # -- QAbstractItemModel -----------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:
        if parent.isValid() or not (0 <= row < len(self._traces)) or not (0 <= column < len(self.HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        return QModelIndex()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._traces)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return len(self.HEADERS)

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and bool(self._traces)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(self.HEADERS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(section)
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        t = self._traces[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return t.name or "(unnamed)"
            if col == self.STARTED:
                return format_timestamp(t.start_time, with_date=self._date is None)
            if col == self.DURATION:
                return format_duration(t.duration_ns)
            if col == self.SPANS:
                return f"{t.span_count:,}"
            if col == self.ERRORS:
                return f"{t.error_count:,}" if t.error_count else "–"
            return None
        if role == SORT_ROLE:
            return (t.name.casefold(), t.start_time, t.duration_ns, t.span_count, t.error_count)[col]
        if role == TRACE_ROLE:
            return t
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if t.error_count and col in (self.NAME, self.ERRORS):
                return theme.error_color()
            if col == self.ERRORS or (col == self.NAME and not t.has_root):
                return theme.muted_color()
            return None
        if role == Qt.ItemDataRole.FontRole:
            if col == self.ERRORS and t.error_count:
                font = QFont()
                font.setBold(True)
                return font
            if col == self.NAME and not t.has_root:
                font = QFont()
                font.setItalic(True)
                return font
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == self.NAME:
            if t.error_count:
                return theme.status_icon("error")
            if not t.has_root:
                return theme.status_icon("orphan")
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"<b>{_esc(t.name or '(unnamed)')}</b>", f"trace id <code>{t.trace_id}</code>",
                     f"started {format_timestamp(t.start_time)}",
                     f"{plural(t.span_count, 'span')}, {plural(t.error_count, 'error')}"]  # fmt: skip
            if not t.has_root:
                lines.append("<i>The root span is not in the file (yet).</i>")
            return "<br>".join(lines)
        return None


def _alignment(column: int) -> Qt.AlignmentFlag:
    if column in (TraceListModel.DURATION, TraceListModel.SPANS, TraceListModel.ERRORS):
        return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
