"""One tab of the main window: a file's trace list and span tree, or a friendly error panel."""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from . import theme
from .loader import LoadResult, load_file, summary_text, warning_text
from .span_tree_model import SpanTreeModel
from .trace_list_model import SORT_ROLE, TraceListModel
from .traces import TraceSummary, find_span, plural

#: Expand every node of a trace up to this many spans; bigger traces open two levels deep.
EXPAND_ALL_LIMIT = 2000


class FileView(QWidget):
    """Everything shown for one file. ``load()`` (re)reads it; ``loaded`` fires when done."""

    loaded = Signal(object)  # LoadResult

    def __init__(self, path: str | os.PathLike[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = os.path.abspath(os.fspath(path))
        self.result: LoadResult | None = None

        self.trace_model = TraceListModel(parent=self)
        self.trace_proxy = QSortFilterProxyModel(self)
        self.trace_proxy.setSourceModel(self.trace_model)
        self.trace_proxy.setSortRole(SORT_ROLE)
        self.span_model = SpanTreeModel(self)

        self.stack = QStackedWidget(self)
        self.content = self._build_content()
        self.error_panel = ErrorPanel(self)
        self.error_panel.retry.connect(self.load)
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.error_panel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack)

    @property
    def file_name(self) -> str:
        return os.path.basename(self.path) or self.path

    @property
    def state(self) -> str:
        """``loading``, ``loaded`` or ``error``."""
        if self.result is None:
            return "loading"
        return "loaded" if self.result.ok else "error"

    # -- building -------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.trace_view = QTreeView(content)
        self.trace_view.setObjectName("traceList")
        _setup_view(self.trace_view)
        self.trace_view.setRootIsDecorated(False)
        self.trace_view.setItemsExpandable(False)
        self.trace_view.setSortingEnabled(True)
        self.trace_view.setModel(self.trace_proxy)
        self.trace_view.sortByColumn(TraceListModel.STARTED, Qt.SortOrder.AscendingOrder)
        self.trace_columns = ColumnFitter(
            self.trace_view,
            {TraceListModel.STARTED: "2025-12-31 23:59:59.999", TraceListModel.DURATION: "999.9 ms",
             TraceListModel.SPANS: "9,999", TraceListModel.ERRORS: "999"},
            shrink_first=(TraceListModel.DURATION, TraceListModel.SPANS, TraceListModel.ERRORS),
        )  # fmt: skip
        self.trace_view.selectionModel().currentRowChanged.connect(self._on_trace_changed)

        self.span_view = QTreeView(content)
        self.span_view.setObjectName("spanTree")
        _setup_view(self.span_view)
        self.span_view.setModel(self.span_model)
        self.span_columns = ColumnFitter(
            self.span_view,
            {SpanTreeModel.START: "+999.9 ms", SpanTreeModel.DURATION: "999.9 ms", SpanTreeModel.STATUS: "Error: RateLimitError"},
            name_share=0.45,
            shrink_first=(SpanTreeModel.STATUS,),
        )

        self.trace_caption = _Caption("Traces", content)
        self.span_caption = _Caption("Spans", content)
        self.span_placeholder = QLabel("Select a trace to see its spans.", content)
        self.span_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.span_placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.span_stack = QStackedWidget(content)
        self.span_stack.addWidget(self.span_placeholder)
        self.span_stack.addWidget(self.span_view)

        left = _column(content, self.trace_caption, self.trace_view)
        right = _column(content, self.span_caption, self.span_stack)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, content)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(6)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        outer.addWidget(self.splitter, 1)

        # Status line: "N spans · M traces · size" and the reader's warnings.
        status = QFrame(content)
        status.setObjectName("statusLine")
        row = QHBoxLayout(status)
        row.setContentsMargins(10, 5, 10, 5)
        row.setSpacing(6)
        self.status_label = QLabel(status)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning_icon = QLabel(status)
        self.warning_icon.setPixmap(theme.status_icon("warning").pixmap(16, 16))
        self.warning_label = QLabel(status)
        self.warning_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.status_label)
        row.addSpacing(12)
        row.addWidget(self.warning_icon)
        row.addWidget(self.warning_label, 1)
        outer.addWidget(status)
        return content

    # -- loading --------------------------------------------------------------

    def load(self) -> LoadResult:
        """Read the file (synchronously, for now) and show it or the reason it cannot be shown."""
        self.result = None
        result = load_file(self.path)
        self._show(result)
        self.result = result
        self.loaded.emit(result)
        return result

    def _show(self, result: LoadResult) -> None:
        if not result.ok:
            self.trace_model.set_traces([])
            self.span_model.set_spans([])
            self.error_panel.show_result(result)
            self.stack.setCurrentWidget(self.error_panel)
            return
        self.trace_model.set_traces(result.traces)
        date = self.trace_model.common_date()
        self.trace_caption.set_detail(plural(len(result.traces), "trace") + (f" · {date}" if date else ""))
        self.trace_columns.set_natural(TraceListModel.STARTED, "23:59:59.999" if date else "2025-12-31 23:59:59.999")
        self.status_label.setText(summary_text(result))
        warning = warning_text(result)
        self.warning_label.setText(warning)
        tf = result.trace_file
        self.warning_label.setToolTip("\n".join(tf.warnings) if tf and tf.warnings else "")
        self.warning_icon.setVisible(bool(warning))
        self.warning_label.setVisible(bool(warning))
        pal = self.warning_label.palette()
        pal.setColor(self.warning_label.foregroundRole(), theme.warning_color())
        self.warning_label.setPalette(pal)
        self.stack.setCurrentWidget(self.content)
        if result.traces:
            self.select_trace(0)
        else:
            self._show_spans(None)
            self.span_placeholder.setText("No spans in this file (yet).")

    # -- selection --------------------------------------------------------------

    def select_trace(self, row: int) -> None:
        """Select the trace shown in view row ``row`` (in the current sort order)."""
        index = self.trace_proxy.index(row, 0)
        if index.isValid():
            self.trace_view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )
            self.trace_view.scrollTo(index)

    def current_trace(self) -> TraceSummary | None:
        index = self.trace_view.currentIndex()
        if not index.isValid():
            return None
        return self.trace_model.trace(self.trace_proxy.mapToSource(index).row())

    def select_span_named(self, name: str) -> bool:
        """Select the first span called ``name``: its trace in the list, the span in the tree."""
        found = find_span(self.trace_model.traces(), name)
        if found is None:
            return False
        trace_row, span = found
        proxy_index = self.trace_proxy.mapFromSource(self.trace_model.index(trace_row, 0))
        self.select_trace(proxy_index.row())
        index = self.span_model.index_for_span(span)
        self.span_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.span_view.scrollTo(index)
        return True

    def _on_trace_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self._show_spans(None)
            return
        self._show_spans(self.trace_model.trace(self.trace_proxy.mapToSource(current).row()))

    def _show_spans(self, trace: TraceSummary | None) -> None:
        self.span_model.set_spans(trace.spans if trace else [])
        if trace is None:
            self.span_caption.set_title("Spans")
            self.span_caption.set_detail("")
            self.span_stack.setCurrentWidget(self.span_placeholder)
            return
        self.span_caption.set_title(trace.name or "(unnamed)")
        self.span_caption.set_detail(f"trace {trace.trace_id[:16]}…" if len(trace.trace_id) > 16 else trace.trace_id)
        self.span_caption.setToolTip(f"trace id {trace.trace_id}")
        self.span_stack.setCurrentWidget(self.span_view)
        if trace.span_count <= EXPAND_ALL_LIMIT:
            self.span_view.expandAll()
        else:
            self.span_view.expandToDepth(1)


class ErrorPanel(QWidget):
    """A calm, centred explanation of why a file cannot be shown, with a hint and a retry button."""

    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = QLabel(self)
        self.heading.setObjectName("errorHeading")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel(self)
        self.message.setObjectName("errorMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.message.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.message.setFont(font)
        self.path_label = QLabel(self)
        self.path_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.path_label.setWordWrap(True)
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint = QLabel(self)
        self.hint.setObjectName("errorHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.retry_button = QPushButton("Try Again", self)
        self.retry_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.retry_button.setMinimumWidth(120)
        self.retry_button.clicked.connect(self.retry)

        card = QVBoxLayout()
        card.setSpacing(10)
        card.addWidget(self.icon)
        card.addSpacing(4)
        card.addWidget(self.heading)
        card.addWidget(self.message)
        card.addWidget(self.path_label)
        card.addSpacing(8)
        card.addWidget(self.hint)
        card.addSpacing(8)
        card.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        holder = QWidget(self)
        holder.setLayout(card)
        holder.setMaximumWidth(620)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(holder, 20)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 32, 32, 32)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)

    def show_result(self, result: LoadResult) -> None:
        name = result.name
        self.icon.setPixmap(theme.status_icon("error", 48).pixmap(48, 48))
        self.heading.setText(f"Can’t open “{name}”" if not result.unexpected else f"Something went wrong opening “{name}”")
        pal = self.heading.palette()
        pal.setColor(self.heading.foregroundRole(), theme.error_color())
        self.heading.setPalette(pal)
        self.message.setText(_sentence(result.error or ""))
        self.path_label.setText(result.path)
        self.hint.setText(error_hint(result))

    def text(self) -> str:
        """Everything the panel says, for tests and accessibility."""
        return "\n".join(w.text() for w in (self.heading, self.message, self.path_label, self.hint))


def error_hint(result: LoadResult) -> str:
    error = (result.error or "").lower()
    if result.unexpected:
        return "This looks like a bug in Tracy rather than a problem with the file. Please report it, with the file if you can."
    if "cannot open" in error or "cannot read" in error:
        return "Check that the file exists and that you are allowed to read it."
    if "empty" in error or "still starting" in error:
        return "If a program is about to record traces into it, try again in a moment."
    if "format" in error and "upgrade" in error:
        return "A newer version of Tracy wrote this file. Update Tracy to read it."
    return (
        "Tracy reads .tracy files recorded by the tracefile exporter. "
        "Open another file with Ctrl+O, or drop one onto this window."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


class _Caption(QWidget):
    """A pane heading: bold title plus a muted detail on the right."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title, self)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail = QLabel(self)
        self.detail.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 8, 4, 6)
        row.addWidget(self.title, 1)
        row.addWidget(self.detail)

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_detail(self, text: str) -> None:
        self.detail.setText(text)


def _column(parent: QWidget, caption: QWidget, body: QWidget) -> QWidget:
    w = QWidget(parent)
    layout = QVBoxLayout(w)
    layout.setContentsMargins(8, 0, 8, 0)
    layout.setSpacing(0)
    layout.addWidget(caption)
    layout.addWidget(body, 1)
    return w


class RowDelegate(QStyledItemDelegate):
    """Standard painting with a little more air between rows."""

    PADDING = 10

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), option.fontMetrics.height() + self.PADDING))
        return size


def _setup_view(view: QTreeView) -> None:
    view.setItemDelegate(RowDelegate(view))
    view.setAlternatingRowColors(True)
    view.setUniformRowHeights(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAllColumnsShowFocus(True)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = view.header()
    header.setStretchLastSection(False)
    header.setHighlightSections(False)
    header.setSectionsMovable(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class ColumnFitter(QObject):
    """Column 0 stretches; the other columns get a natural width that fits a sample text (no
    per-row measuring, so it stays cheap for huge models). When the view is too narrow, the
    columns in ``shrink_first`` give up space first (down to their header's width), then all
    shrink in proportion, so the name column keeps ``name_share`` of the width. Once the
    user drags a column edge, their widths win and fitting stops.
    """

    def __init__(
        self, view: QTreeView, samples: dict[int, str], *, name_share: float = 0.3, shrink_first: tuple[int, ...] = ()
    ) -> None:
        super().__init__(view)
        self.view = view
        self.name_share = name_share
        self.shrink_first = shrink_first
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

    def widths(self, available: int) -> dict[int, int]:
        """Widths of the non-name columns for a viewport ``available`` pixels wide."""
        widths = dict(self.natural)
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
            for column, width in self.widths(self.view.viewport().width()).items():
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


def _text_width(view: QTreeView, sample: str) -> int:
    """Width of a column that fits ``sample`` with the cell's padding."""
    return QFontMetrics(view.font()).horizontalAdvance(sample) + 20
