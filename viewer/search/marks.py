"""Search words marked in text panes and table cells: a highlighter yellow, in both palettes (thin Qt over `highlight`)."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTextEdit

from .highlight import find_spans
from ..text_limits import clip

#: A highlighter's yellow with dark text: it reads on light and dark bases alike, as browsers' find bars do.
MARK_BACKGROUND = QColor("#ffd33d")
MARK_TEXT = QColor("#1b1d22")


def mark_format() -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setBackground(QBrush(MARK_BACKGROUND))
    fmt.setForeground(QBrush(MARK_TEXT))
    return fmt


def mark_text(edit: QTextEdit, terms: Sequence[str]) -> int:
    """Mark every place in ``edit`` where a term occurs (as extra selections, so the document is not
    changed); returns how many. No terms clears the marks."""
    doc = edit.document()
    # Raw text keeps one character per document position (frames and paragraph separators included).
    spans = find_spans(doc.toRawText(), terms) if terms else []
    fmt = mark_format()
    selections = []
    for start, end in spans:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(doc)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        selection.format = fmt
        selections.append(selection)
    edit.setExtraSelections(selections)
    return len(selections)


def paint_cell_marks(painter: QPainter, option: QStyleOptionViewItem, terms: Sequence[str]) -> int:
    """Over a cell the style has painted, lay the highlighter on the terms in its (elided) text; returns how many."""
    if not terms or not option.text:
        return 0
    style = option.widget.style() if option.widget is not None else None
    if style is None:
        return 0
    rect: QRect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, option.widget)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, option.widget) + 1
    rect = rect.adjusted(margin, 0, -margin, 0)
    fm = option.fontMetrics
    shown = fm.elidedText(clip(option.text).replace("\n", " "), option.textElideMode, rect.width())
    spans = find_spans(shown, terms, limit=50)
    if not spans:
        return 0
    painter.save()
    painter.setClipRect(option.rect)
    height = fm.height()
    top = rect.top() + (rect.height() - height) // 2
    for start, end in spans:
        x = rect.left() + fm.horizontalAdvance(shown[:start])
        word = shown[start:end]
        box = QRect(x, top, fm.horizontalAdvance(word), height)
        painter.fillRect(box, MARK_BACKGROUND)
        painter.setPen(MARK_TEXT)
        painter.setFont(option.font)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), word)
    painter.restore()
    return len(spans)
