"""The span inspector widget: a header, the Key | Value | Type tree, and a detail pane for the selected value."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QFontDatabase, QFontMetrics, QGuiApplication, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from tracefile import Span

from .. import theme
from ..cost import logic as cost
from ..cost.store import prices
from ..failure.logic import Failure, span_failure
from ..failure.widget import FailureBanner
from ..panes import DetailBrowser, ElidedLabel, RowDelegate, pane_action, placeholder, title_label, toggle_style
from ..search.marks import mark_text, paint_cell_marks
from ..title_row import TitleRow
from ..formatting import format_duration
from . import logic
from .logic import GENAI_FIRST, MARKDOWN, MODE_LABELS, MODES, PRETTY, RAW, RECORDED, Row
from .model import ROW_ROLE, InspectorModel, ok_color
from ..text_limits import PAGE, clip, clip_tip, more_note, page

EMPTY_TEXT = "Select a span to see its details"
#: The key column may take this share of the tree's width (the rest goes to the values).
KEY_SHARE = 0.66
#: Below this tree width the Type column is hidden: the values need the room more.
TYPE_COLUMN_MIN_WIDTH = 520
NO_VALUE_TEXT = "Select a row to see its value in full."
#: The detail pane renders a value this many characters at a time; its "Show … more" button renders
#: the next page (laying out 50 MB of text at once froze the window; Copy value always copies everything).
DETAIL_LIMIT = PAGE
#: Above this many rows only the sections are expanded, so a span with thousands of events opens quickly.
EXPAND_ALL_LIMIT = 400


class SpanInspector(QWidget):
    """Every field of one span. ``set_span(span)`` shows it; ``set_span(None)`` shows the empty state."""

    #: The display mode of the detail pane changed: "raw", "pretty" or "markdown".
    modeChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._span: Span | None = None
        self._mode = PRETTY
        self._key_width_user_set = False
        #: Pages of the selected value the detail pane shows.
        self._pages = 1
        self._fitting = False
        self.model = InspectorModel(self)

        self.copy_value_action = pane_action(
            self, "Copy value", QKeySequence(QKeySequence.StandardKey.Copy),
            "Copy the selected value, exactly as recorded", self.copy_value,
            context=Qt.ShortcutContext.WidgetShortcut, add=False,
        )  # fmt: skip
        self.copy_span_action = pane_action(
            self, "Copy span as JSON", QKeySequence("Ctrl+Shift+C"),
            "Copy every field of this span as a JSON document (Ctrl+Shift+C)", self.copy_span,
        )  # fmt: skip

        self.empty_label = placeholder(self, EMPTY_TEXT, "inspectorEmpty")

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(self._build_content())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self._update_actions()
        self._style_chip()

    # -- building -------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        header = QFrame(content)
        header.setObjectName("inspectorHeader")
        # Two lines: the span's name with the actions, then status, kind, duration and service, which
        # get the whole width (the buttons never cut them).
        lines = QVBoxLayout(header)
        lines.setContentsMargins(10, 8, 8, 6)
        lines.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.name_label = title_label(header, "inspectorSpanName", 1.15)
        self.status_chip = QLabel(header)
        self.status_chip.setObjectName("inspectorStatusChip")
        self.status_chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.meta_label = ElidedLabel(header)
        self.meta_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.order_button = QToolButton(header)
        self.order_button.setText("A–Z")
        self.order_button.setCheckable(True)
        self.order_button.setProperty("toggle", "single")
        self.order_button.setChecked(True)
        self.order_button.setToolTip("Attributes: gen_ai.* first, then A–Z. Off: in the order they were recorded.")
        self.order_button.toggled.connect(lambda on: self.set_order(GENAI_FIRST if on else RECORDED))
        self.copy_span_button = QToolButton(header)
        self.copy_span_button.setDefaultAction(self.copy_span_action)
        tools = QWidget(header)
        tools_row = QHBoxLayout(tools)
        tools_row.setContentsMargins(0, 0, 0, 0)
        tools_row.setSpacing(8)
        self.order_button.setParent(tools)
        self.copy_span_button.setParent(tools)
        tools_row.addWidget(self.order_button)
        tools_row.addWidget(self.copy_span_button)
        self.title_row = TitleRow(self.name_label, tools, header)
        lines.addWidget(self.title_row)
        row.addWidget(self.status_chip)
        row.addWidget(self.meta_label, 1)
        lines.addLayout(row)
        # LLM spans: tokens by kind and what they cost at the current prices.
        self.usage_label = ElidedLabel(header)
        self.usage_label.setObjectName("inspectorUsage")
        self.usage_label.setVisible(False)
        lines.addWidget(self.usage_label)
        # Parents: their self time, and what their subtree used (FileView computes it from the columns).
        self.rollup_label = ElidedLabel(header)
        self.rollup_label.setObjectName("inspectorRollup")
        self.rollup_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.rollup_label.setVisible(False)
        lines.addWidget(self.rollup_label)
        prices().changed.connect(self._fill_usage)
        outer.addWidget(header)
        self.failure_banner = FailureBanner(content)
        outer.addWidget(self.failure_banner)
        # A damaged or missing span-details frame: the span has only what the timeline holds.
        self.lost_banner = FailureBanner(content, "Attributes, events and links lost")
        outer.addWidget(self.lost_banner)

        self.tree = InspectorTree(self, content)
        self.tree.setObjectName("inspectorTree")
        self.tree.setModel(self.model)
        self.delegate = InspectorDelegate(self.tree)
        self.tree.setItemDelegate(self.delegate)
        self.tree.setIndentation(14)  # rows sit one level under their section: the keys keep the width
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.tree.addAction(self.copy_value_action)
        hdr = self.tree.header()
        hdr.setStretchLastSection(False)
        hdr.setHighlightSections(False)
        hdr.setSectionsMovable(False)
        hdr.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hdr.setSectionResizeMode(InspectorModel.KEY, QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(InspectorModel.VALUE, QHeaderView.ResizeMode.Stretch)
        hdr.setSectionResizeMode(InspectorModel.TYPE, QHeaderView.ResizeMode.Interactive)
        hdr.setMinimumSectionSize(48)
        hdr.sectionResized.connect(self._on_section_resized)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)
        self.tree.viewport().installEventFilter(self)
        self.model.modelReset.connect(self._after_reset)

        detail = self.detail_pane = QWidget(content)
        detail.setObjectName("inspectorDetail")
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        bar = QHBoxLayout()
        bar.setContentsMargins(10, 6, 8, 6)
        bar.setSpacing(6)
        self.detail_title = ElidedLabel(detail)
        self.detail_title.setObjectName("inspectorDetailTitle")
        self.truncated_label = QLabel(detail)
        self.truncated_label.setObjectName("inspectorTruncated")
        self.truncated_label.hide()
        bar.addWidget(self.detail_title, 1)
        bar.addWidget(self.truncated_label)
        self.show_all_button = QToolButton(detail)
        self.show_all_button.setObjectName("inspectorShowAll")
        self.show_all_button.hide()
        self.show_all_button.clicked.connect(self.show_full_value)
        bar.addWidget(self.show_all_button)
        self.mode_group = QButtonGroup(detail)
        self.mode_group.setExclusive(True)
        self.mode_buttons: dict[str, QToolButton] = {}
        segment = QHBoxLayout()
        segment.setSpacing(0)
        for mode in MODES:
            button = QToolButton(detail)
            button.setText(MODE_LABELS[mode])
            button.setCheckable(True)
            button.setChecked(mode == self._mode)
            button.setObjectName(f"mode_{mode}")
            button.setProperty("toggle", "first" if mode == MODES[0] else "last" if mode == MODES[-1] else "middle")
            button.setToolTip(_MODE_TIPS[mode])
            # Fixed: a cut "M…n" says nothing; the title on the left elides instead.
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(MODE_LABELS[mode]) + 24)  # + the style's padding
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            segment.addWidget(button)
        self.mode_group.buttonToggled.connect(self._on_mode_button)
        bar.addLayout(segment)
        bar.addSpacing(4)
        self.copy_value_button = QToolButton(detail)
        self.copy_value_button.setDefaultAction(self.copy_value_action)
        bar.addWidget(self.copy_value_button)
        box.addLayout(bar)
        self.detail = DetailBrowser(detail)
        self.detail.setObjectName("inspectorDetailText")
        self.detail.setPlaceholderText(NO_VALUE_TEXT)
        self.detail.setFrameShape(QFrame.Shape.NoFrame)
        self.detail.document().setDocumentMargin(10)
        box.addWidget(self.detail, 1)
        line = QFrame(detail)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Plain)
        line.setForegroundRole(QPalette.ColorRole.Mid)
        box.insertWidget(0, line)

        self.splitter = QSplitter(Qt.Orientation.Vertical, content)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(6)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])
        detail.hide()  # until a row is chosen: the tree has the whole height
        outer.addWidget(self.splitter, 1)
        return content

    # -- public API -------------------------------------------------------------

    def set_rollup(self, text: str) -> None:
        """``Self time 900 ms (22%) · subtree 370 tokens · $0.0014`` for a parent span ("": none)."""
        self.rollup_label.setText(text)
        self.rollup_label.setToolTip(text)
        self.rollup_label.setVisible(bool(text))

    def set_span(self, span: Span | None) -> None:
        """Show ``span`` (None: the empty state). The selected row stays selected if the new span has it too."""
        path = self.model.path(self.tree.currentIndex())
        self._span = span
        self.model.set_span(span)
        self.pages.setCurrentIndex(0 if span is None else 1)
        self.failure_banner.set_failure(span_failure(span) if span is not None else None)
        self.lost_banner.set_failure(None)
        if span is not None:
            self._fill_header(span)
            if path:
                index = self.model.index_for_key(*path)
                if index.isValid():
                    self.tree.setCurrentIndex(index)
        self._show_detail()
        self._update_actions()

    def set_details_problem(self, problem: str | None) -> None:
        """Say why the span shown has no attributes, events or links (None: hide the notice)."""
        self.lost_banner.set_failure(None if problem is None else Failure("", problem, ""))

    def span(self) -> Span | None:
        return self._span

    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Detail pane mode: ``raw``, ``pretty`` or ``markdown``."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        if mode == self._mode:
            return
        self._mode = mode
        self.mode_buttons[mode].setChecked(True)
        self._show_detail()
        self.modeChanged.emit(mode)

    def order(self) -> str:
        return self.model.order()

    def set_order(self, order: str) -> None:
        """Attribute order: ``genai`` (gen_ai.* first, then A–Z) or ``recorded``."""
        path = self.model.path(self.tree.currentIndex())
        self.model.set_order(order)
        self.order_button.setChecked(order == GENAI_FIRST)
        if path:
            index = self.model.index_for_key(*path)
            if index.isValid():
                self.tree.setCurrentIndex(index)

    def select(self, section: str, *keys: str) -> bool:
        """Select a row by section key and row keys, e.g. ``select("attributes", "gen_ai.request.model")``."""
        index = self.model.index_for_key(section, *keys)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def set_highlight_terms(self, terms: list[str]) -> None:
        """Mark these words (a search's) in the tree's cells and the detail pane; [] clears the marks."""
        if terms == self.delegate.terms:
            return
        self.delegate.terms = list(terms)
        self.tree.viewport().update()
        mark_text(self.detail, self.delegate.terms)

    def highlight_terms(self) -> list[str]:
        return list(self.delegate.terms)

    def current_row(self) -> Row | None:
        return self.model.row_item(self.tree.currentIndex())

    def detail_text(self) -> str:
        """What the detail pane shows, as plain text."""
        return self.detail.toPlainText()

    def copy_value(self) -> None:
        """Put the selected value on the clipboard, exactly as recorded."""
        row = self.current_row()
        if row is not None:
            QGuiApplication.clipboard().setText(_detail_value(row, RAW))

    def copy_span(self) -> None:
        """Put the whole span on the clipboard as a JSON document."""
        if self._span is not None:
            QGuiApplication.clipboard().setText(logic.span_to_json(self._span))

    def context_menu(self, index: QModelIndex | None = None) -> QMenu:
        """The menu for a row of the tree (the caller shows it)."""
        if index is not None and index.isValid():
            self.tree.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction(self.copy_value_action)
        menu.addAction(self.copy_span_action)
        return menu

    # -- reacting ---------------------------------------------------------------

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        menu = self.context_menu(index)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def show_full_value(self) -> None:
        """Render the next page of the selected value in the detail pane."""
        self._pages += 1
        self._show_detail()

    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._pages = 1
        self._show_detail()
        self._update_actions()

    def _on_mode_button(self, button: QToolButton, checked: bool) -> None:
        if checked:
            mode = next(m for m, b in self.mode_buttons.items() if b is button)
            self.set_mode(mode)

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column == InspectorModel.KEY and not self._fitting:
            self._key_width_user_set = True

    def _after_reset(self) -> None:
        total = sum(1 for s in self.model.sections() for _ in logic.walk_rows(s.rows))
        if total <= EXPAND_ALL_LIMIT:
            self.tree.expandAll()
        else:
            self.tree.expandToDepth(0)
        for r, section in enumerate(self.model.sections()):
            self.tree.setFirstColumnSpanned(r, QModelIndex(), True)
            if section.collapsed:
                self.tree.collapse(self.model.index(r, 0))
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Key column: wide enough for the keys (``gen_ai.usage.output_tokens`` whole in a 360 px pane), up to
        two thirds of the view; Type: its longest name, and no column at all in a narrow pane (the tooltip names it)."""
        fm = QFontMetrics(self.tree.font())
        hdr = self.tree.header()
        self._fitting = True
        try:
            available = self.tree.viewport().width() or self.width()
            self.tree.setColumnHidden(InspectorModel.TYPE, available < TYPE_COLUMN_MIN_WIDTH)
            type_width = max([fm.horizontalAdvance(t) for t in _type_names(self.model)] + [fm.horizontalAdvance("Type")])
            hdr.resizeSection(InspectorModel.TYPE, min(type_width + 24, 160))
            if not self._key_width_user_set:
                widest = 0
                indent = self.tree.indentation()
                for depth, key in _keys(self.model, limit=1000):
                    widest = max(widest, fm.horizontalAdvance(clip(key)) + indent * (depth + 1))
                hdr.resizeSection(InspectorModel.KEY, int(max(140, min(widest + 16, available * KEY_SHARE))))
        finally:
            self._fitting = False

    def eventFilter(self, watched, event: QEvent) -> bool:
        # The key column's share depends on the view's width, known only once the layout has run.
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize and self._span is not None:
            self._fit_columns()
        return False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) and hasattr(self, "tree"):
            self._style_chip()
            self.tree.viewport().update()

    # -- painting the parts -------------------------------------------------------

    def _fill_header(self, span: Span) -> None:
        self.name_label.setText(span.name or "(unnamed span)")
        self.name_label.setToolTip(clip_tip(span.name))
        self.title_row.refresh()
        parts = [span.kind_name.capitalize(), format_duration(span.duration_ns)]
        service = span.resource.attributes.get("service.name")
        if service:
            parts.append(str(service))
        self.meta_label.setText(" · ".join(parts))
        self.status_chip.setText({0: "Unset", 1: "OK", 2: "Error"}.get(span.status_code, span.status_name))
        self.status_chip.setToolTip(clip_tip(span.status_message))
        self._style_chip()
        self._fill_usage()

    def _fill_usage(self) -> None:
        span = self._span
        used = cost.attribute_totals(span.attributes, prices().table, span.name) if span is not None else cost.Totals()
        if used.tokens:
            # The cost first: a narrow inspector elides the end of the line.
            money = cost.short_cost(used) if used.priced_by else cost.cost_text(used)
            self.usage_label.setText(f"{money} · {cost.usage_text(used, with_cost=False)}")
            self.usage_label.setToolTip(cost.usage_text(used))
        self.usage_label.setVisible(bool(used.tokens))

    def _style_chip(self) -> None:
        code = self._span.status_code if self._span is not None else 0
        pal = self.palette()
        if code == 2:
            bg, fg = theme.error_color(pal), "#ffffff" if not theme.is_dark(pal) else "#1b1d22"
        elif code == 1:
            bg = ok_color(pal)
            fg = "#ffffff" if not theme.is_dark(pal) else "#1b1d22"
        else:
            bg = theme.blend(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.14)
            fg = theme.muted_color(pal).name()
        self.status_chip.setStyleSheet(
            f"QLabel#inspectorStatusChip {{ background: {bg.name()}; color: {fg}; border-radius: 9px;"
            " padding: 1px 9px; font-weight: 600; }"
        )
        self.truncated_label.setStyleSheet(f"color: {theme.warning_color(pal).name()};")
        style = toggle_style(pal)
        for button in (self.order_button, *self.mode_buttons.values()):
            button.setStyleSheet(style)

    def _show_detail(self) -> None:
        row = self.current_row()
        if row is not None and self.detail_pane.isHidden():
            self.detail_pane.show()
            total = sum(self.splitter.sizes())
            if total > 0 and self.splitter.sizes()[1] < 80:  # shown after being hidden: give it its share back
                self.splitter.setSizes([total * 3 // 5, total - total * 3 // 5])
        elif row is None:
            self.detail_pane.hide()
        if row is None:
            self.detail.clear()
            self.detail_title.setText("")
            self.truncated_label.hide()
            self.show_all_button.hide()
            return
        text = _detail_value(row, self._mode)
        text, hidden = page(text, self._pages, DETAIL_LIMIT)
        self.show_all_button.setVisible(hidden > 0)
        self.show_all_button.setText(more_note(hidden, DETAIL_LIMIT) if hidden else "")
        self.show_all_button.setToolTip("Render the next page of this value (Copy value copies all of it)")
        if self._mode == MARKDOWN:
            self.detail.setFont(self.font())
            self.detail.setMarkdown(text)
        else:
            self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            self.detail.setPlainText(text)
        size = len(row.value) if isinstance(row.value, str) else None
        title = row.key + (f"  ·  {row.type_name}" if row.type_name else "")
        if size is not None and size > 80:
            title += f"  ·  {size:,} chars"
        self.detail_title.setText(title)
        cut = logic.truncated_chars(row.value)
        self.truncated_label.setVisible(cut > 0)
        self.truncated_label.setText(f"⚠ {cut:,} chars cut when recorded" if cut else "")
        if self.delegate.terms:
            mark_text(self.detail, self.delegate.terms)

    def _update_actions(self) -> None:
        self.copy_value_action.setEnabled(self.current_row() is not None)
        self.copy_span_action.setEnabled(self._span is not None)


#: The keys the inspector's tree handles itself (InspectorTree.keyPressEvent), for the shortcuts dialog.
KEYS: tuple[tuple[str, str], ...] = (("Ctrl+C / Ctrl+Shift+C", "Copy the value / the span as JSON (in the inspector)"),)


class InspectorDelegate(RowDelegate):
    """Rows as in the span tree; ids and statuses elide in the middle, and a search's words are marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, padding=8)
        self.terms: list[str] = []

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        row = index.data(ROW_ROLE)
        if row is not None and row.elide == "middle" and index.column() == InspectorModel.VALUE:
            option.textElideMode = Qt.TextElideMode.ElideMiddle

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        if self.terms and index.column() != InspectorModel.TYPE:
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            paint_cell_marks(painter, opt, self.terms)


class InspectorTree(QTreeView):
    """The tree; Ctrl+C copies the full value (QAbstractItemView would copy the cell's display text)."""

    def __init__(self, inspector: SpanInspector, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._inspector = inspector

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self._inspector.copy_value_action.trigger()
            event.accept()
            return
        if QKeySequence(event.keyCombination()) == self._inspector.copy_span_action.shortcut():
            self._inspector.copy_span_action.trigger()
            event.accept()
            return
        super().keyPressEvent(event)


_MODE_TIPS = {
    RAW: "The value exactly as recorded",
    PRETTY: "JSON indented (also JSON inside JSON, such as tool call arguments); long lines wrapped",
    MARKDOWN: "Text rendered as Markdown; chat messages as a transcript",
}


def _detail_value(row: Row, mode: str) -> str:
    if row.value == "" and row.display:
        return row.display
    return logic.value_text(row.value, mode)


def _walk(model: InspectorModel, parent: QModelIndex = QModelIndex(), depth: int = 0):
    for r in range(model.rowCount(parent)):
        index = model.index(r, 0, parent)
        yield depth, index
        yield from _walk(model, index, depth + 1)


def _keys(model: InspectorModel, limit: int):
    for n, (depth, index) in enumerate(_walk(model)):
        if n >= limit:
            return
        if not model.is_section(index):
            yield depth, model.row_item(index).key


def _type_names(model: InspectorModel) -> set[str]:
    return {row.type_name for section in model.sections() for row in logic.walk_rows(section.rows) if row.type_name}
