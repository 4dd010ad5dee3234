"""The timeline's colour legend: a swatch per span category and one for errors, flowing onto more rows when narrow."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme
from . import colors

_SWATCH = 12
_GAP = 14  # between entries
_ROW = 18


def _entries() -> list[tuple[int | None, str]]:
    return [*colors.LEGEND, (None, "Error")]


class TimelineLegend(QWidget):
    """Small swatches with the category names; the error swatch is striped red, as error bars are."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setToolTip("Span colours by category; a red outline with stripes marks a span that failed")

    def labels(self) -> list[str]:
        return [label for _, label in _entries()]

    def _layout(self, width: float) -> list[tuple[float, float, int | None, str]]:
        """(x, y, category, label) of each entry, wrapping to a new row when the next would not fit."""
        fm = QFontMetricsF(self.font())
        out, x, y = [], 2.0, 0.0
        for cat, label in _entries():
            w = _SWATCH + 5 + fm.horizontalAdvance(label)
            if x > 2 and x + w > width:
                x, y = 2.0, y + _ROW
            out.append((x, y, cat, label))
            x += w + _GAP
        return out

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        places = self._layout(width)
        return int(places[-1][1]) + _ROW + 2

    def sizeHint(self) -> QSize:
        return QSize(300, self.heightForWidth(300))

    def resizeEvent(self, event) -> None:
        h = self.heightForWidth(self.width())
        if self.height() != h:
            self.setFixedHeight(h)
        super().resizeEvent(event)

    def paintEvent(self, _event) -> None:
        pal = self.palette()
        dark = theme.is_dark(pal)
        fm = QFontMetricsF(self.font())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        text = theme.muted_color(pal)
        red = QColor(colors.error_mark_color(dark))
        for x, y, cat, label in self._layout(self.width()):
            box = QRectF(x, y + (_ROW - _SWATCH) / 2, _SWATCH, _SWATCH)
            if cat is None:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(colors.span_colors(colors.CATEGORY_OTHER, dark).fill))
                p.drawRoundedRect(box, 2, 2)
                p.save()
                p.setClipRect(box)
                p.setPen(QPen(red, 1.8))
                for k in range(-2, 4):
                    x0 = box.left() + k * 5
                    p.drawLine(QPointF(x0, box.bottom()), QPointF(x0 + _SWATCH, box.top()))
                p.restore()
                p.setPen(QPen(red, 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(box.adjusted(0.75, 0.75, -0.75, -0.75), 2, 2)
            else:
                c = colors.span_colors(cat, dark)
                p.setPen(QPen(QColor(c.edge), 1))
                p.setBrush(QColor(c.fill))
                p.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 2, 2)
            p.setPen(text)
            p.drawText(QPointF(box.right() + 5, y + (_ROW + fm.ascent() - fm.descent()) / 2), label)
        p.end()
