"""The middle column of a tab: the selected trace's name and id above its overview and waterfall."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from ..timeline import TraceOverview, TraceWaterfall, link
from ..tracedata import TraceIndex
from .caption import Caption, column_layout


class TimelinePane(QWidget):
    """The timeline of one trace, or a placeholder that says why there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overview = TraceOverview(self)
        self.waterfall = TraceWaterfall(self)
        link(self.waterfall, self.overview)
        self.caption = Caption("Timeline", self)
        self.placeholder = QLabel("Select a trace to see its timeline.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        timeline = QWidget(self)
        tl = QVBoxLayout(timeline)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(4)
        tl.addWidget(self.overview)
        tl.addWidget(self.waterfall, 1)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(timeline)
        column_layout(self, self.caption, self.stack)

    def show_trace(self, ix: TraceIndex, trace: int) -> None:
        """Show trace number ``trace``; select its root span unless a span of it is selected."""
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

    def clear(self) -> None:
        self.caption.set_title("Timeline")
        self.caption.set_detail("")
        self.stack.setCurrentWidget(self.placeholder)
        self.overview.clear()
        self.waterfall.clear()

    def set_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
