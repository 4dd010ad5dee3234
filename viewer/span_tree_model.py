"""Qt model for one trace's span tree (a thin layer over `traces.SpanTree`).

Each index carries its node number as the internal id, so the model holds no
per-index Python objects.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from tracefile import Span

from . import theme
from .traces import STATUS_ERROR, SpanTree, build_span_tree, format_duration, format_offset

ModelIndex = QModelIndex | QPersistentModelIndex

#: The row's `tracefile.Span`.
SPAN_ROLE = Qt.ItemDataRole.UserRole + 1

_KIND_NAMES = ("internal", "server", "client", "producer", "consumer")
_STATUS_TEXT = {0: "", 1: "OK", 2: "Error"}


class SpanTreeModel(QAbstractItemModel):
    """Spans of one trace as a parent/child tree: name, start offset, duration, status."""

    NAME, START, DURATION, STATUS = range(4)
    HEADERS = ("Span", "Start", "Duration", "Status")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._tree = build_span_tree([])

    # -- data access for the rest of the viewer -------------------------------

    def set_spans(self, spans: list[Span]) -> None:
        self.beginResetModel()
        self._tree = build_span_tree(spans)
        self.endResetModel()

    def tree(self) -> SpanTree:
        return self._tree

    def span(self, index: ModelIndex) -> Span | None:
        return self._tree.spans[index.internalId()] if index.isValid() else None

    def index_for_node(self, node: int, column: int = 0) -> QModelIndex:
        return self.createIndex(self._tree.row[node], column, node)

    def index_for_span(self, span: Span) -> QModelIndex:
        return self.index_for_node(self._tree.index_of(span))

    # -- QAbstractItemModel -----------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:
        if not (0 <= column < len(self.HEADERS)):
            return QModelIndex()
        siblings = self._tree.children[parent.internalId()] if parent.isValid() else self._tree.roots
        if not (0 <= row < len(siblings)):
            return QModelIndex()
        return self.createIndex(row, column, siblings[row])

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        p = self._tree.parent[index.internalId()]
        return QModelIndex() if p < 0 else self.createIndex(self._tree.row[p], 0, p)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._tree.roots)
        if parent.column() != 0:
            return 0
        return len(self._tree.children[parent.internalId()])

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return len(self.HEADERS)

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

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
        node = index.internalId()
        s = self._tree.spans[node]
        col = index.column()
        error = s.status_code == STATUS_ERROR
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return s.name or "(unnamed)"
            if col == self.START:
                return format_offset(s.start_time - self._tree.trace_start)
            if col == self.DURATION:
                return format_duration(s.end_time - s.start_time)
            if col == self.STATUS:
                text = _STATUS_TEXT.get(s.status_code, str(s.status_code))
                return f"{text}: {s.status_message}" if error and s.status_message else text
            return None
        if role == SPAN_ROLE:
            return s
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if error:
                return theme.error_color()
            if col == self.START or (col == self.NAME and self._tree.orphan[node]):
                return theme.muted_color()
            return None
        if role == Qt.ItemDataRole.FontRole and error and col == self.STATUS:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole and col == self.NAME:
            if error:
                return theme.status_icon("error")
            if self._tree.orphan[node]:
                return theme.status_icon("orphan")
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(s, self._tree.orphan[node])
        return None


def _alignment(column: int) -> Qt.AlignmentFlag:
    if column in (SpanTreeModel.START, SpanTreeModel.DURATION):
        return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _tooltip(s: Span, orphan: bool) -> str:
    kind = _KIND_NAMES[s.kind] if 0 <= s.kind < len(_KIND_NAMES) else str(s.kind)
    lines = [f"<b>{_esc(s.name or '(unnamed)')}</b> <i>({kind})</i>", f"span id <code>{s.span_id}</code>"]
    if s.status_code == STATUS_ERROR:
        lines.append("status: <b>error</b>" + (f" — {_esc(s.status_message)}" if s.status_message else ""))
    if orphan:
        lines.append(f"<i>Parent span <code>{_esc(s.parent_span_id)}</code> is not in the file (yet).</i>")
    return "<br>".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
