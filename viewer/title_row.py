"""A pane's title with its buttons beside it while both fit, and the buttons on a line of their own below when not."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

SPACING = 8


class TitleRow(QWidget):
    """``TitleRow(title, tools)``: a narrow pane keeps the whole title rather than cutting it for the buttons."""

    def __init__(self, title: QLabel, tools: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title, self.tools = title, tools
        title.setParent(self)
        tools.setParent(self)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def wrapped(self, width: int | None = None) -> bool:
        """Whether the buttons sit below the title at this width (the current one by default)."""
        width = self.width() if width is None else width
        need = self.title.fontMetrics().horizontalAdvance(self.title.text()) + 4 + SPACING + self.tools.sizeHint().width()
        return need > width

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        title, tools = self.title.sizeHint().height(), self.tools.sizeHint().height()
        return title + SPACING // 2 + tools if self.wrapped(width) else max(title, tools)

    def sizeHint(self) -> QSize:
        tools = self.tools.sizeHint()
        return QSize(self.title.sizeHint().width() + SPACING + tools.width(), max(self.title.sizeHint().height(), tools.height()))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.tools.sizeHint().width(), self.heightForWidth(self.tools.sizeHint().width()))

    def refresh(self) -> None:
        """Lay out again (after the title's text changed)."""
        self.updateGeometry()
        self._place()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        w, h = self.width(), self.height()
        tools = self.tools.sizeHint()
        title_h = self.title.sizeHint().height()
        if self.wrapped():
            self.title.setGeometry(QRect(0, 0, w, title_h))
            self.tools.setGeometry(QRect(max(0, w - tools.width()), title_h + SPACING // 2, min(w, tools.width()), tools.height()))
        else:
            row = max(title_h, tools.height())
            self.title.setGeometry(QRect(0, (row - title_h) // 2, w - tools.width() - SPACING, title_h))
            self.tools.setGeometry(QRect(w - tools.width(), (row - tools.height()) // 2, tools.width(), tools.height()))
        if h != self.heightForWidth(w):
            self.updateGeometry()
