"""The middle column of a tab: the selected trace's name and id above its overview, legend and waterfall."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QStackedWidget, QToolButton, QVBoxLayout, QWidget

from .. import settings as viewer_settings
from .. import theme
from ..cost import prices
from ..timeline import TraceOverview, TraceWaterfall, link
from ..timeline.legend import TimelineLegend
from ..timeline.ranges import range_figures, range_text
from ..tracedata import TraceIndex
from .caption import Caption, column_layout


class TimelinePane(QWidget):
    """The timeline of one trace, or a placeholder that says why there is none.

    The span-name column's width is remembered in ``settings`` (None: not remembered, as for a
    screenshot) when the user drags it; a time range
    dragged on the axis shows its figures in a line above the waterfall (`range_label`).
    """

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._index: TraceIndex | None = None
        self._trace = -1
        self.overview = TraceOverview(self)
        self.waterfall = TraceWaterfall(self)
        if settings is not None and (width := viewer_settings.timeline_name_width(settings, 0)) > 0:
            self.waterfall.set_name_width(width)  # what the user last dragged it to
        self.waterfall.nameWidthChanged.connect(self._save_name_width)
        self.waterfall.rangeChanged.connect(self._show_range)
        link(self.waterfall, self.overview)
        self.caption = Caption("Timeline", self)
        self.legend_button = QToolButton(self.caption)
        self.legend_button.setText("Legend")
        self.legend_button.setCheckable(True)
        shown = viewer_settings.timeline_legend_shown(settings) if settings is not None else False
        self.legend_button.setChecked(shown)
        self.legend_button.setAutoRaise(True)
        self.legend_button.setToolTip("Show or hide the span colours")
        self.caption.layout().addWidget(self.legend_button)
        self.legend = TimelineLegend(self)
        self.legend.setVisible(shown)
        self.legend_button.toggled.connect(self._show_legend)
        self.range_label = QLabel(self)
        self.range_label.setWordWrap(True)
        self.range_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.range_label.hide()
        self.placeholder = QLabel("Select a trace to see its timeline.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        timeline = QWidget(self)
        tl = QVBoxLayout(timeline)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(4)
        tl.addWidget(self.overview)
        tl.addWidget(self.legend)
        tl.addWidget(self.range_label)
        tl.addWidget(self.waterfall, 1)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(timeline)
        column_layout(self, self.caption, self.stack)

    def show_trace(self, ix: TraceIndex, trace: int) -> None:
        """Show trace number ``trace``; select its root span unless a span of it is selected."""
        self._index, self._trace = ix, trace
        root = int(ix.traces.root[trace])
        trace_hex = ix.timeline.trace_id[root].tobytes().hex()
        self.caption.set_title(ix.name(root))
        self.caption.set_detail(f"trace {trace_hex[:12]}…")
        self.caption.setToolTip(f"trace id {trace_hex}")
        self.stack.setCurrentWidget(self.stack.widget(1))
        self.overview.set_data(ix, trace)
        self.waterfall.set_data(ix, trace)
        if self.waterfall.selected_row() < 0:
            self.waterfall.select_row(root)
        self._show_range(self.waterfall.time_range())

    def clear(self) -> None:
        self._index, self._trace = None, -1
        self.caption.set_title("Timeline")
        self.caption.set_detail("")
        self.stack.setCurrentWidget(self.placeholder)
        self.overview.clear()
        self.waterfall.clear()

    def set_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)

    def range_figures(self):
        """The figures of the selected time range (`viewer.timeline.ranges.RangeFigures`), or None."""
        span = self.waterfall.time_range()
        if span is None or self._index is None:
            return None
        return range_figures(self._index, self._trace, span[0], span[1], prices().table)

    def _show_range(self, _range=None) -> None:
        figures = self.range_figures()
        if figures is None:
            self.range_label.hide()
            return
        muted = theme.muted_color(self.palette()).name()
        self.range_label.setText(f"<b>Range</b> {range_text(figures)}  <span style='color:{muted}'>(Esc clears)</span>")
        self.range_label.show()

    def _show_legend(self, shown: bool) -> None:
        self.legend.setVisible(shown)
        if self._settings is not None:
            viewer_settings.set_timeline_legend_shown(self._settings, shown)

    def _save_name_width(self, width: int) -> None:
        if self._settings is not None:
            viewer_settings.set_timeline_name_width(self._settings, width)
