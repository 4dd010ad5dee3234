"""The trace list: a flat table with roomy rows, and the column fitter that keeps its numbers readable at any width."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ..formatting import plural
from ..panes import RowDelegate
from ..trace_table_model import TraceTableModel
from .caption import Caption, column_layout

#: Pixels of air between rows, above the text's height.
ROW_PADDING = 10


class TraceListPane(QWidget):
    """The left column of a tab: "Traces" with how many are listed, above the trace list."""

    def __init__(self, model: TraceTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = TraceListView(model, self)
        self.caption = Caption("Traces", self)
        column_layout(self, self.caption, self.view)

    def show_count(self, shown: int, total: int) -> None:
        """"5 traces", or "2 of 5 traces" while a filter hides some."""
        self.caption.set_detail(plural(total, "trace") if shown == total else f"{shown:,} of {plural(total, 'trace')}")


class TraceListView(QTableView):
    """The trace list: a flat table. A tree view would ask the model about every one of
    100,000 rows while laying out; a table with fixed row heights asks only about those shown."""

    def __init__(self, model: TraceTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verticalHeader().hide()
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + ROW_PADDING)
        self.setObjectName("traceList")
        self.setItemDelegate(RowDelegate(self, ROW_PADDING))
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.header()
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setSectionsMovable(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSortingEnabled(True)
        self.setModel(model)
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        self.columns = ColumnFitter(
            self,
            {1: "00:00:00.0", 2: "99.9 ms", 3: "999", 4: "99", 5: "9.9k", 6: "$0.000012"},
            name_share=0.3,
            shrink_first=(6, 5, 4, 3, 1),
            hide_first=(1, 3, 4, 6),
        )  # fmt: skip

    def header(self) -> QHeaderView:
        return self.horizontalHeader()

    def select_row(self, row: int) -> None:
        """Make ``row`` current and selected, and scroll to it; a row not listed is ignored."""
        index = self.model().index(row, 0)
        if index.isValid():
            self.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )
            self.scrollTo(index)


class ColumnFitter(QObject):
    """Column 0 stretches; the other columns get a natural width that fits a sample text (no
    per-row measuring, so it stays cheap for huge models). When the view is too narrow, the
    columns in ``hide_first`` are hidden, in that order, until the rest fit at their natural
    width (cut-off numbers help nobody); then the columns in ``shrink_first`` give up space
    (down to their header's width), then all shrink in proportion, so the name column keeps
    ``name_share`` of the width. Once the user drags a column edge, their widths win and
    fitting stops.
    """

    def __init__(
        self, view: QTableView, samples: dict[int, str], *, name_share: float = 0.3, shrink_first: tuple[int, ...] = (),
        hide_first: tuple[int, ...] = (),
    ) -> None:
        super().__init__(view)
        self.view = view
        self.name_share = name_share
        self.shrink_first = shrink_first
        self.hide_first = hide_first
        self.hidden: set[int] = set()
        self.natural: dict[int, int] = {}
        self.minimum: dict[int, int] = {}
        self.user_sized = False
        self._fitting = False
        header = view.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(QFontMetrics(view.font()).horizontalAdvance("Errors") + 12)
        for column, sample in samples.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.set_natural(column, sample, fit=False)
        self.fit()
        header.sectionResized.connect(self._on_section_resized)
        view.viewport().installEventFilter(self)

    def set_natural(self, column: int, sample: str, *, fit: bool = True) -> None:
        bold = QFont(self.view.font())
        bold.setBold(True)
        label = str(self.view.model().headerData(column, Qt.Orientation.Horizontal))
        self.minimum[column] = QFontMetrics(bold).horizontalAdvance(label) + 30
        self.natural[column] = max(_text_width(self.view, sample), self.minimum[column])
        if fit:
            self.fit()

    def hidden_columns(self, available: int) -> set[int]:
        """The ``hide_first`` columns that do not fit a viewport ``available`` pixels wide."""
        room = available - max(140.0, available * self.name_share)
        used = sum(self.natural.values())
        hidden: set[int] = set()
        for column in self.hide_first:
            if used <= room or available <= 0:
                break
            if column in self.natural:
                used -= self.natural[column]
                hidden.add(column)
        return hidden

    def widths(self, available: int) -> dict[int, int]:
        """Widths of the shown non-name columns for a viewport ``available`` pixels wide."""
        hidden = self.hidden_columns(available)
        widths = {c: w for c, w in self.natural.items() if c not in hidden}
        deficit = sum(widths.values()) - (available - max(140.0, available * self.name_share))
        if available <= 0 or deficit <= 0:
            return widths
        for column in (c for c in self.shrink_first if c in widths):
            give = min(deficit, widths[column] - self.minimum[column])
            if give > 0:
                widths[column] -= int(give)
                deficit -= int(give)
        if deficit > 0:
            total = sum(widths.values())
            scale = max(total - deficit, 0) / total
            widths = {c: int(w * scale) for c, w in widths.items()}
        return widths

    def fit(self) -> None:
        if self.user_sized:
            return
        header = self.view.header()
        self._fitting = True
        try:
            available = self.view.viewport().width()
            hidden = self.hidden_columns(available)
            for column in set(self.hide_first) | self.hidden:
                header.setSectionHidden(column, column in hidden)
            self.hidden = hidden
            for column, width in self.widths(available).items():
                header.resizeSection(column, max(header.minimumSectionSize(), width))
        finally:
            self._fitting = False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column in self.natural and self.view.header().sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive:
            self.user_sized = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False


def _text_width(view: QTableView, sample: str) -> int:
    """Width of a column that fits ``sample`` with the cell's padding."""
    return QFontMetrics(view.font()).horizontalAdvance(sample) + 20
