"""Column headings: a bold title with a muted detail on the right, above the column's body."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget
from ..text_limits import clip, clip_tip


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when narrower than its text (never cut mid-letter), with the
    whole text as its tooltip when cut (at most `DISPLAY_LIMIT` characters of it are ever measured)."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        self._length = len(text)
        super().setText(clip(text))

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
        p.end()
        cut = shown != self.text() or getattr(self, "_length", 0) > len(self.text())
        self.setToolTip(clip_tip(self.text()) if cut else "")


class Caption(QWidget):
    """A pane heading: bold title plus a muted detail on the right."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ElidedLabel(title, self)
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


def column_layout(pane: QWidget, caption: Caption, body: QWidget) -> None:
    """Lay out a column of the tab: the caption above the body, with the columns' side margins."""
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(8, 0, 8, 0)
    layout.setSpacing(0)
    layout.addWidget(caption)
    layout.addWidget(body, 1)
