"""Pieces the panes share: roomy rows, safe read-only text, eliding titles, placeholders and segmented toggles."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QSize, Qt, QUrl
from PySide6.QtGui import QAction, QFont, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyledItemDelegate, QStyleOptionViewItem, QTextBrowser, QWidget

from . import theme
from .text_limits import clip


class RowDelegate(QStyledItemDelegate):
    """Standard painting with a little more air between rows: ``padding`` pixels above the text's height."""

    def __init__(self, parent: QObject | None = None, padding: int = 10) -> None:
        super().__init__(parent)
        self.padding = padding

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), option.fontMetrics.height() + self.padding))
        return size


class DetailBrowser(QTextBrowser):
    """Read-only text that never follows links and never loads anything that is not on this machine."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

    def loadResource(self, kind: int, url: QUrl | str):  # noqa: D401 - Qt override
        # Markdown from a trace may name remote images (![x](https://tracker/...)): the viewer opens no
        # network connection, and a file:// URL with a host would reach a network share.
        url = QUrl(url)
        if url.scheme().lower() in ("", "file", "qrc") and not url.host():
            return super().loadResource(kind, url)
        return None


class ElidedLabel(QLabel):
    """A one-line label that asks for its text's width but elides on the right when given less."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        # QLabel measures its whole text for its size hint: a 100 MB span name would take a minute.
        super().setText(clip(text))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("…") * 4, super().minimumSizeHint().height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)
        painter.end()


def toggle_style(pal: QPalette) -> str:
    """Checkable tool buttons that read as on/off in both palettes (Fusion's checked state is faint in dark)."""
    R = QPalette.ColorRole
    border = theme.blend(pal.color(R.Text), pal.color(R.Base), 0.28).name()
    hover = theme.blend(pal.color(R.Highlight), pal.color(R.Button), 0.18).name()
    on, on_text = pal.color(R.Highlight).name(), pal.color(R.HighlightedText).name()
    base = (
        f"QToolButton[toggle] {{ background: {pal.color(R.Button).name()}; color: {pal.color(R.ButtonText).name()};"
        f" border: 1px solid {border}; padding: 3px 10px; }}"
        f"QToolButton[toggle]:hover {{ background: {hover}; }}"
        f"QToolButton[toggle]:checked {{ background: {on}; color: {on_text}; border-color: {on}; }}"
        "QToolButton[toggle=\"first\"] { border-top-left-radius: 4px; border-bottom-left-radius: 4px; }"
        "QToolButton[toggle=\"middle\"] { border-left: none; border-right: none; }"
        "QToolButton[toggle=\"last\"] { border-top-right-radius: 4px; border-bottom-right-radius: 4px; }"
        "QToolButton[toggle=\"single\"] { border-radius: 4px; }"
    )
    return base


def pane_action(
    pane: QWidget, text: str, shortcut: QKeySequence, tip: str, slot, *,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut, add: bool = True,
) -> QAction:
    """An action of a pane (copy this, copy that) whose shortcut works while the pane has focus."""
    action = QAction(text, pane)
    action.setShortcut(shortcut)
    action.setShortcutContext(context)
    action.setToolTip(tip)
    action.triggered.connect(slot)
    if add:
        pane.addAction(action)
    return action


def placeholder(parent: QWidget, text: str, name: str) -> QLabel:
    """The centred, muted sentence a pane shows when it has nothing to show."""
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def title_label(parent: QWidget, name: str, scale: float) -> ElidedLabel:
    """A pane's bold, slightly larger one-line title."""
    label = ElidedLabel(parent)
    label.setObjectName(name)
    font = QFont(parent.font())
    font.setBold(True)
    font.setPointSizeF(max(font.pointSizeF(), 9) * scale)
    label.setFont(font)
    return label
