"""The trace list: a flat table of two-line rows (name over input preview), and the column fitter that keeps its numbers readable at any width."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView, QWidget

from .. import theme
from ..formatting import plural
from ..trace_table_model import ERROR_ROLE, PREVIEW_ROLE, SHORT_ROLE, TraceTableModel
from .caption import Caption, column_layout
from ..text_limits import clip

#: Pixels of air between rows, above the two lines of text.
ROW_PADDING = 10
#: The list's narrowest: a name, a start time and a cost still fit.
MIN_WIDTH = 250
#: Pixels left and right of a cell's text.
CELL_MARGIN = 5
#: Size of the error mark and the feedback badge before and after a trace's name.
MARK = 14


#: A column's second line: the value of a column that the fitter hid (Started shows Duration
#: below it, Cost shows Tokens), so a narrow list still tells every figure.
SECOND_LINE = {1: 2, 6: 5}


class TraceRowDelegate(QStyledItemDelegate):
    """Paints a trace's row as two lines. The Trace cell: a red error mark when the trace failed,
    the root span's name and any feedback badge, and below, muted, the input preview. The figures
    sit on the name's line; under Started and Cost, the figure of a hidden column (`SECOND_LINE`)."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, icon = opt.text, opt.icon
        opt.text, opt.icon = "", type(opt.icon)()
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        text_color = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        plain = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.WindowText)
        muted = theme.blend(plain, pal.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base), 0.68)
        fm = QFontMetrics(opt.font)
        line = fm.height()
        rect = opt.rect.adjusted(CELL_MARGIN, 0, -CELL_MARGIN, 0)
        top = rect.top() + (rect.height() - 2 * line - 2) // 2
        first = QRect(rect.left(), top, rect.width(), line)
        second = QRect(rect.left(), top + line + 2, rect.width(), line)
        column = index.column()
        painter.save()
        painter.setFont(opt.font)
        if column == 0:
            self._paint_name(painter, index, text, icon, first, second, text_color, muted, fm)
        else:
            align = int(opt.displayAlignment & Qt.AlignmentFlag.AlignHorizontal_Mask | Qt.AlignmentFlag.AlignVCenter)
            painter.setPen(text_color)
            painter.drawText(first, align, fm.elidedText(clip(text), Qt.TextElideMode.ElideRight, first.width()))
            below = SECOND_LINE.get(column)
            if below is not None and self.view.horizontalHeader().isSectionHidden(below):
                value = str(index.siblingAtColumn(below).data(SHORT_ROLE) or "")
                if value:
                    painter.setFont(self.view.font())
                    painter.setPen(muted)
                    shown = QFontMetrics(self.view.font()).elidedText(value, Qt.TextElideMode.ElideRight, second.width())
                    painter.drawText(second, align, shown)
        painter.restore()

    def _paint_name(self, painter: QPainter, index: QModelIndex, name: str, icon, first: QRect, second: QRect,
                    text_color, muted, fm: QFontMetrics) -> None:  # fmt: skip
        x = first.left()
        if index.data(ERROR_ROLE):
            theme.status_icon("error", MARK).paint(painter, QRect(x, first.center().y() - MARK // 2 + 1, MARK, MARK))
            x += MARK + 5
        room = max(first.right() - x - (MARK + 4 if not icon.isNull() else 0), 0)
        shown = fm.elidedText(clip(name), Qt.TextElideMode.ElideRight, room)
        painter.setPen(text_color)
        painter.drawText(QRect(x, first.top(), room, first.height()), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
        if not icon.isNull():
            icon.paint(painter, QRect(x + fm.horizontalAdvance(shown) + 4, first.center().y() - MARK // 2 + 1, MARK, MARK))
        preview = index.data(PREVIEW_ROLE) or ""
        if preview:
            painter.setPen(muted)
            painter.drawText(second, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             fm.elidedText(clip(preview), Qt.TextElideMode.ElideRight, second.width()))  # fmt: skip

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), 2 * option.fontMetrics.height() + 2 + ROW_PADDING)


class TraceListPane(QWidget):
    """The left column of a tab: "Traces" with how many are listed, above the trace list."""

    def __init__(self, model: TraceTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = TraceListView(model, self)
        self.caption = Caption("Traces", self)
        column_layout(self, self.caption, self.view)
        self.setMinimumWidth(MIN_WIDTH)

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
        rows.setDefaultSectionSize(2 * self.fontMetrics().height() + 2 + ROW_PADDING)
        self.setObjectName("traceList")
        self.setItemDelegate(TraceRowDelegate(self))
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
        # Started and Cost stay at any width, and show Duration and Tokens below them once those
        # columns give way (after Spans and Errors); the name cell has the error mark and preview.
        self.columns = ColumnFitter(
            self,
            {1: "00:00:00", 2: "99.9 ms", 3: "999", 4: "99", 5: "99,999", 6: "$0.0000012"},
            name_share=0.34,
            name_min=76,
            shrink_first=(),
            hide_first=(3, 4, 2, 5),
        )  # fmt: skip
        model.modelReset.connect(self._fit_started)
        header.sortIndicatorChanged.connect(self._keep_current_in_view)

    def _fit_started(self) -> None:
        """Widen Started for a date when the traces span days."""
        model = self.model()
        if model.rowCount():
            self.columns.set_natural(1, str(model.index(0, 1).data()))

    def _keep_current_in_view(self, *_sort) -> None:
        """After a sort (the view's own handler ran first), scroll to the selected trace."""
        current = self.currentIndex()
        if current.isValid():
            self.scrollTo(current)

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
    ``name_share`` of the width (and at least ``name_min`` pixels). Once the user drags a column edge, their widths win and
    fitting stops.
    """

    def __init__(
        self, view: QTableView, samples: dict[int, str], *, name_share: float = 0.3, shrink_first: tuple[int, ...] = (),
        hide_first: tuple[int, ...] = (), name_min: int = 140,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.name_share = name_share
        self.name_min = name_min
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
        room = available - max(float(self.name_min), available * self.name_share)
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
        deficit = sum(widths.values()) - (available - max(float(self.name_min), available * self.name_share))
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
    return QFontMetrics(view.font()).horizontalAdvance(sample) + 2 * CELL_MARGIN + 4
