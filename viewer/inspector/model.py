"""Qt tree model of the span inspector: sections as top-level rows, key/value rows under them (a thin layer over `logic`).

Each index carries its node number as the internal id, so the model holds no per-index Python objects.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette

from tracefile import Span

from .. import theme
from . import logic
from .logic import GENAI_FIRST, Row, Section
from ..text_limits import clip

ModelIndex = QModelIndex | QPersistentModelIndex

#: The `logic.Row` of an index (None on a section row).
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
#: The `logic.Section` an index belongs to.
SECTION_ROLE = Qt.ItemDataRole.UserRole + 2

#: Characters of a value that a tooltip shows (tooltips are for a glance; the detail pane has it all).
TOOLTIP_LIMIT = 2000


@dataclass(eq=False)
class _Node:
    parent: int  # -1 for a section
    row: int  # position among its siblings
    section: Section
    item: Row | None  # None for the section's own row
    children: list[int] = field(default_factory=list)


class InspectorModel(QAbstractItemModel):
    """The sections of one span: Key | Value | Type."""

    KEY, VALUE, TYPE = range(3)
    HEADERS = ("Key", "Value", "Type")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._span: Span | None = None
        self._order = GENAI_FIRST
        self._sections: list[Section] = []
        self._nodes: list[_Node] = []
        self._roots: list[int] = []

    # -- data access for the rest of the viewer -------------------------------

    def set_span(self, span: Span | None, order: str | None = None) -> None:
        self.beginResetModel()
        self._span = span
        if order is not None:
            self._order = order
        self._sections = logic.build_sections(span, self._order) if span is not None else []
        self._build()
        self.endResetModel()

    def set_order(self, order: str) -> None:
        if order not in logic.ORDERS:
            raise ValueError(f"unknown order {order!r}")
        if order != self._order:
            self.set_span(self._span, order)

    def order(self) -> str:
        return self._order

    def span(self) -> Span | None:
        return self._span

    def sections(self) -> list[Section]:
        return self._sections

    def row_item(self, index: ModelIndex) -> Row | None:
        return self._nodes[index.internalId()].item if index.isValid() else None

    def section(self, index: ModelIndex) -> Section | None:
        return self._nodes[index.internalId()].section if index.isValid() else None

    def is_section(self, index: ModelIndex) -> bool:
        return index.isValid() and self._nodes[index.internalId()].item is None

    def path(self, index: ModelIndex) -> tuple[str, ...]:
        """(section key, row key, child key, …): names a row across spans, to keep it selected."""
        if not index.isValid():
            return ()
        keys: list[str] = []
        node_id = index.internalId()
        while node_id >= 0:
            node = self._nodes[node_id]
            keys.append(node.item.key if node.item is not None else node.section.key)
            node_id = node.parent
        return tuple(reversed(keys))

    def index_for_path(self, path: tuple[str, ...], column: int = 0) -> QModelIndex:
        """The row named by `path`, or the deepest part of it that exists (invalid if not even the section)."""
        found = -1
        siblings = self._roots
        for depth, key in enumerate(path):
            match = next((n for n in siblings if self._key(n, depth) == key), None)
            if match is None:
                break
            found = match
            siblings = self._nodes[match].children
        return self.createIndex(self._nodes[found].row, column, found) if found >= 0 else QModelIndex()

    def index_for_key(self, section_key: str, *keys: str, column: int = 0) -> QModelIndex:
        index = self.index_for_path((section_key, *keys), column)
        return index if self.path(index) == (section_key, *keys) else QModelIndex()

    def _key(self, node_id: int, depth: int) -> str:
        node = self._nodes[node_id]
        return node.section.key if depth == 0 else (node.item.key if node.item else "")

    def _build(self) -> None:
        self._nodes = []
        self._roots = []

        def add(parent: int, row: int, section: Section, item: Row | None) -> int:
            node_id = len(self._nodes)
            self._nodes.append(_Node(parent, row, section, item))
            children = section.rows if item is None else item.children
            ids = [add(node_id, r, section, child) for r, child in enumerate(children)]
            self._nodes[node_id].children = ids
            return node_id

        # Rows nest at most three deep (section, event, attribute), so recursion is safe.
        self._roots = [add(-1, r, s, None) for r, s in enumerate(self._sections)]

    # -- QAbstractItemModel -----------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:
        if not (0 <= column < len(self.HEADERS)):
            return QModelIndex()
        siblings = self._nodes[parent.internalId()].children if parent.isValid() else self._roots
        if not (0 <= row < len(siblings)):
            return QModelIndex()
        return self.createIndex(row, column, siblings[row])

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        p = self._nodes[index.internalId()].parent
        return QModelIndex() if p < 0 else self.createIndex(self._nodes[p].row, 0, p)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._roots)
        if parent.column() != 0:
            return 0
        return len(self._nodes[parent.internalId()].children)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return len(self.HEADERS)

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 3:
            return self.HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._nodes[index.internalId()]
        col = index.column()
        item = node.item
        if role == ROW_ROLE:
            return item
        if role == SECTION_ROLE:
            return node.section
        if item is None:  # a section's own row
            if role == Qt.ItemDataRole.DisplayRole:
                return node.section.label if col == self.KEY else None
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.KEY:
                return clip(item.key)
            if col == self.VALUE:
                return item.summary
            return item.type_name
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.TYPE:
                return None
            return _tooltip(item)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.TYPE or (col == self.VALUE and item.tone == "muted"):
                return theme.muted_color()
            if col == self.VALUE and item.tone == "error":
                return theme.error_color()
            if col == self.VALUE and item.tone == "ok":
                return ok_color()
            return None
        if role == Qt.ItemDataRole.FontRole:
            if col == self.VALUE and item.tone == "id":
                return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
            if col == self.VALUE and item.tone == "error":
                font = QFont()
                font.setBold(True)
                return font
            return None
        return None


def ok_color(palette: QPalette | None = None) -> QColor:
    """A green that reads well on the palette's base colour."""
    return QColor("#3fb950") if theme.is_dark(palette) else QColor("#1a7f37")


def _tooltip(item: Row) -> str:
    """The full value (up to `TOOLTIP_LIMIT` characters) as escaped rich text, so markup in values shows as text."""
    text = item.text if item.display is None else item.display
    if not text:
        return ""
    more = len(text) - TOOLTIP_LIMIT
    body = html.escape(text[:TOOLTIP_LIMIT] if more > 0 else text)
    if more > 0:
        body += f"<br><i>… {more:,} more characters: see the detail pane</i>"
    return f"<p style='white-space:pre-wrap'><b>{html.escape(clip(item.key))}</b><br>{body}</p>"
