"""The Summary panel: a sortable table per model, tool, category or span name beside the histogram
of trace durations. A click on a row or a bar asks for the search that lists its spans or traces."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import theme
from ..formatting import plural
from ..panes import toggle_style
from . import logic
from .distribution import Histogram, bucket_label, bucket_query, edge_text
from .model import COLUMNS, NAME, SORT_ROLE, SummaryModel

FILE, TRACE = "file", "trace"


class DurationHistogram(QWidget):
    """Bars of trace counts per duration bucket (log scale), painted with QPainter. A click on a bar
    emits ``bucketClicked(i)``; the bucket of the selected trace is outlined."""

    bucketClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 120)
        self._h: Histogram | None = None
        self._marked = -1
        self._hover = -1

    @property
    def histogram(self) -> Histogram | None:
        return self._h

    def set_histogram(self, h: Histogram | None, marked: int = -1) -> None:
        self._h, self._marked = h, marked
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, 180)

    def _plot(self) -> QRectF:
        fm = QFontMetricsF(self.font())
        top = 2 * fm.height() + 12  # the title, then room for the tallest bar's count
        return QRectF(8, top, max(1.0, self.width() - 16), max(1.0, self.height() - top - fm.height() - 8))

    def bar_rect(self, i: int) -> QRectF:
        """Where bar ``i`` is painted (its full column, for hit testing and tests)."""
        h, plot = self._h, self._plot()
        w = plot.width() / max(1, len(h.counts)) if h is not None else 0
        return QRectF(plot.left() + i * w, plot.top(), w, plot.height())

    def bucket_at(self, pos: QPointF) -> int:
        h = self._h
        if h is None or len(h.counts) == 0:
            return -1
        for i in range(len(h.counts)):
            if self.bar_rect(i).contains(pos):
                return i
        return -1

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.bucket_at(event.position())
        if i != self._hover:
            self._hover = i
            h = self._h
            self.setToolTip(f"{bucket_label(h, i)}: {plural(int(h.counts[i]), 'trace')}. Click to list them." if i >= 0 else "")
            self.setCursor(Qt.CursorShape.PointingHandCursor if i >= 0 and h.counts[i] else Qt.CursorShape.ArrowCursor)
            self.update()

    def leaveEvent(self, _event) -> None:
        self._hover = -1
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.bucket_at(event.position())
        if i >= 0 and event.button() == Qt.MouseButton.LeftButton and self._h.counts[i]:
            self.bucketClicked.emit(i)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        pal = self.palette()
        R = QPalette.ColorRole
        p.fillRect(self.rect(), pal.color(R.Base))
        fm = QFontMetricsF(self.font())
        muted = theme.muted_color(pal)
        h = self._h
        title = "Trace durations" + (f"  ·  {plural(int(h.counts.sum()), 'trace')}" if h is not None else "")
        p.setPen(pal.color(R.Text))
        p.drawText(QRectF(8, 4, self.width() - 16, fm.height() + 4), Qt.AlignmentFlag.AlignLeft, title)
        if h is None or len(h.counts) == 0:
            p.setPen(muted)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No traces")
            p.end()
            return
        plot = self._plot()
        top = max(1, int(h.counts.max()))
        bar = theme.blend(pal.color(R.Highlight), pal.color(R.Base), 0.75)
        hover = pal.color(R.Highlight)
        p.setPen(QPen(theme.blend(pal.color(R.Text), pal.color(R.Base), 0.25), 1))
        p.drawLine(QPointF(plot.left(), plot.bottom() + 0.5), QPointF(plot.right(), plot.bottom() + 0.5))
        for i, c in enumerate(h.counts.tolist()):
            col = self.bar_rect(i)
            if c:
                height = max(2.0, plot.height() * c / top)
                r = QRectF(col.left() + 1, plot.bottom() - height, max(1.0, col.width() - 2), height)
                p.fillRect(r, hover if i == self._hover else bar)
                label = f"{c:,}"
                if fm.horizontalAdvance(label) <= col.width() + 6:
                    p.setPen(muted)
                    p.drawText(QRectF(col.left() - 4, r.top() - fm.height() - 1, col.width() + 8, fm.height()),
                               Qt.AlignmentFlag.AlignHCenter, label)  # fmt: skip
            if i == self._marked:
                p.setPen(QPen(pal.color(R.Text), 1.5, Qt.PenStyle.DashLine))
                p.drawRect(col.adjusted(0.5, 0.5, -0.5, -0.5))
        # Axis labels at the bucket edges, as many as fit without overlapping.
        p.setPen(muted)
        last_right = -1e9
        n = len(h.counts)
        for i in range(n + 1):
            x = plot.left() + i * plot.width() / n
            text = edge_text(int(h.edges[i]))
            w = fm.horizontalAdvance(text)
            left = min(max(x - w / 2, 0), self.width() - w)
            if left < last_right + 8:
                continue
            p.drawText(QPointF(left, plot.bottom() + fm.ascent() + 4), text)
            last_right = left + w
        p.end()


class SummaryPanel(QWidget):
    """Group by Model / Tool / Category / Span name, for the whole file or the selected trace.

    `set_data` gives it the figures (FileView's summary part computes them); ``groupingChanged`` and
    ``scopeChanged`` ask for new ones; ``searchRequested(text)`` carries a row's or a bar's search."""

    searchRequested = Signal(str)
    groupingChanged = Signal(str)
    scopeChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryPanel")
        self.model = SummaryModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self._timeline = None

        self.group_box = QComboBox(self)
        for key, words in logic.GROUPINGS:
            self.group_box.addItem(words, key)
        self.group_box.setToolTip("One row per model, tool, category or span name")
        self.group_box.currentIndexChanged.connect(lambda _i: self.groupingChanged.emit(self.grouping))
        self.file_button = self._toggle("Whole file", "first", FILE)
        self.trace_button = self._toggle("This trace", "last", TRACE)
        self.file_button.setChecked(True)
        self.hint = QLabel("Click a row or a bar to search for it", self)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 4)
        bar.setSpacing(0)
        title = QLabel("Summary", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        bar.addWidget(title)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Group by ", self))
        bar.addWidget(self.group_box)
        bar.addSpacing(12)
        bar.addWidget(self.file_button)
        bar.addWidget(self.trace_button)
        bar.addSpacing(12)
        bar.addWidget(self.hint, 1)
        self.setStyleSheet(toggle_style(self.palette()))

        self.table = QTableView(self)
        self.table.setObjectName("summaryTable")
        self.table.setModel(self.proxy)
        # The summary's own order (most time first), without a sort arrow, until a header is clicked.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        # Numbers get what their widest usual value needs, so the name keeps the rest at 1024 px.
        fm = self.fontMetrics()
        widest = ("Name", "99,999", "Errors", "99.9 ms", "99.9 ms", "999.9k", "999.9k", "$0.0000")
        header.setMinimumSectionSize(32)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, max(fm.horizontalAdvance(widest[col]), fm.horizontalAdvance(COLUMNS[col])) + 14)
        self.table.clicked.connect(lambda index: self._row_clicked(index.row()))
        self.table.activated.connect(lambda index: self._row_clicked(index.row()))

        self.histogram = DurationHistogram(self)
        self.histogram.bucketClicked.connect(lambda i: self.searchRequested.emit(bucket_query(self.histogram.histogram, i)))
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.table)
        self.split.addWidget(self.histogram)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([600, 400])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        body = QHBoxLayout()
        body.setContentsMargins(8, 0, 8, 4)
        body.addWidget(self.split)
        layout.addLayout(body, 1)

    def _toggle(self, text: str, position: str, scope: str) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setCheckable(True)
        b.setAutoExclusive(True)
        b.setProperty("toggle", position)
        b.setToolTip("Figures over every trace of the file" if scope == FILE else "Figures over the selected trace only")
        b.toggled.connect(lambda on: on and self.scopeChanged.emit(scope))
        return b

    @property
    def grouping(self) -> str:
        return self.group_box.currentData()

    @property
    def scope(self) -> str:
        return TRACE if self.trace_button.isChecked() else FILE

    def set_scope(self, scope: str) -> None:
        (self.trace_button if scope == TRACE else self.file_button).setChecked(True)

    def set_grouping(self, grouping: str) -> None:
        self.group_box.setCurrentIndex(self.group_box.findData(grouping))

    def set_data(self, timeline, summary: logic.Summary | None, histogram: Histogram | None, marked: int = -1,
                 currency: str = "USD") -> None:  # fmt: skip
        """Show ``summary`` (rows of ``timeline``) and the file's ``histogram`` (``marked``: the selected trace's bucket)."""
        self._timeline = timeline
        self.model.set_summary(summary, currency)
        self.histogram.set_histogram(histogram, marked)

    def row_query(self, view_row: int) -> str:
        """The search for the row shown at ``view_row`` (in the current sort order)."""
        source = self.proxy.mapToSource(self.proxy.index(view_row, 0)).row()
        s = self.model.summary
        return logic.row_query(self._timeline, s, source) if s is not None and source >= 0 else ""

    def _row_clicked(self, view_row: int) -> None:
        text = self.row_query(view_row)
        if text:
            self.searchRequested.emit(text)

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange:
            self.setStyleSheet(toggle_style(self.palette()))
        super().changeEvent(event)


def marked_bucket(h: Histogram | None, duration_ns: int | None) -> int:
    """The bucket a trace of this duration falls in, or -1."""
    return -1 if h is None or duration_ns is None or len(h) == 0 else h.bucket_of(int(duration_ns))

