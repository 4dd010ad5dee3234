"""The banner a failed span shows at the top of the Inspector and Chat tabs: what failed, and the stack trace on demand."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from .. import theme
from .logic import Failure
from ..text_limits import clip_tip, ends

SHOW_STACK = "Show stack trace"
HIDE_STACK = "Hide stack trace"
#: Lines of the stack trace shown before it scrolls.
STACK_LINES = 14


class FailureBanner(QFrame):
    """Hidden until ``set_failure(failure)``; ``set_failure(None)`` hides it again."""

    def __init__(self, parent: QWidget | None = None, lead: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("failureBanner")
        self._lead = lead
        self._failure: Failure | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 8, 6)
        box.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.label = QLabel(self)
        self.label.setObjectName("failureText")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack_button = QToolButton(self)
        self.stack_button.setObjectName("failureStackButton")
        self.stack_button.setText(SHOW_STACK)
        self.stack_button.setCheckable(True)
        self.stack_button.setAutoRaise(True)
        self.stack_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.stack_button.toggled.connect(self.show_stack)
        row.addWidget(self.label, 1)
        row.addWidget(self.stack_button, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(row)
        self.stack = QPlainTextEdit(self)
        self.stack.setObjectName("failureStack")
        self.stack.setReadOnly(True)
        self.stack.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.stack.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.stack.setFixedHeight(self.stack.fontMetrics().lineSpacing() * STACK_LINES + 12)
        self.stack.hide()
        box.addWidget(self.stack)
        self.hide()
        self._restyle()

    def failure(self) -> Failure | None:
        return self._failure

    def set_failure(self, failure: Failure | None) -> None:
        self._failure = failure
        self.stack_button.setChecked(False)
        self.setVisible(failure is not None)
        if failure is None:
            self.label.clear()
            self.stack.clear()
            return
        lead = f"<b>{html.escape(self._lead)}:</b> " if self._lead else ""
        kind = f"<b>{html.escape(failure.short_type)}</b>" if failure.short_type else ""
        message = html.escape(failure.short_message) if failure.short_type or failure.short_message else "Unknown error"
        self.label.setText(lead + ": ".join(p for p in (kind, message) if p))
        self.label.setToolTip(clip_tip(failure.details))
        self.stack.setPlainText(ends(failure.stacktrace))
        self.stack_button.setVisible(bool(failure.stacktrace))

    def text(self) -> str:
        """What the banner says, as plain text."""
        if self._failure is None:
            return ""
        return f"{self._lead}: {self._failure.headline}" if self._lead else self._failure.headline

    def show_stack(self, on: bool = True) -> None:
        """Open (or close) the stack trace under the message."""
        if self.stack_button.isChecked() != on:
            self.stack_button.setChecked(on)  # comes back here through toggled
            return
        self.stack.setVisible(on and self._failure is not None and bool(self._failure.stacktrace))
        self.stack_button.setText(HIDE_STACK if on else SHOW_STACK)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()

    def _restyle(self) -> None:
        # The application's palette, not the banner's: the style sheet changes the banner's own palette,
        # and that change comes back here.
        pal = QApplication.palette()
        error = theme.error_color(pal)
        background = theme.blend(error, pal.color(QPalette.ColorRole.Base), 0.12)
        sheet = (
            f"QFrame#failureBanner {{ background: {background.name()}; border-left: 4px solid {error.name()};"
            f" border-bottom: 1px solid {theme.blend(error, pal.color(QPalette.ColorRole.Base), 0.35).name()}; }}"
            f"QLabel#failureText {{ color: {pal.color(QPalette.ColorRole.Text).name()}; }}"
            f"QToolButton#failureStackButton {{ color: {pal.color(QPalette.ColorRole.Link).name()};"
            " text-decoration: underline; border: none; padding: 1px 2px; }"
        )
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)
