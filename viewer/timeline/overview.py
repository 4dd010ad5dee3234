"""The minimap of one trace: every span, by depth lane, at one pixel per time bucket, with the visible window.

The lanes come from `lod.summarize` (computed once per size, then drawn as one
image), so the paint costs the same for any number of spans.

Mouse: a click centres the window there, dragging moves it, the wheel zooms it
about the pointer, a double click shows the whole trace.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QMouseEvent, QPainter, QPalette, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme
from ..tracedata import TraceIndex
from . import colors
from .lod import MAX_LANES, SpanLanes, summarize
from .viewport import Viewport, ticks

MARGIN = 8
AXIS_HEIGHT = 16


class TraceOverview(QWidget):
    """Whole-trace minimap; the translucent rectangle is the waterfall's time window."""

    windowChanged = Signal(float, float)  # ns from the trace start

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._lanes: SpanLanes | None = None
        self._origin = 0
        self._window = Viewport((0.0, 1.0), 100.0)  # the window shown in the waterfall
        self._full = Viewport((0.0, 1.0), 100.0)  # the whole trace across this widget
        self._image: tuple[tuple, QImage, np.ndarray] | None = None
        self._drag_offset: float | None = None
        self._selected: tuple[float, float] | None = None
        self._index: TraceIndex | None = None
        self._origin_key = b""

    # -- public API -------------------------------------------------------------

    def set_data(self, index: TraceIndex, trace: int) -> None:
        """Summarize trace ``trace`` of ``index`` (keeps the window when the same trace grew)."""
        tl = index.timeline
        rows = index.trace_rows(trace)
        origin = int(index.traces.start[trace])
        duration = int(index.traces.end[trace]) - origin
        same = self._index is not None and self._lanes is not None and self._origin_key == _key(index, trace)
        was_fit = self._window.is_fit()
        t0, t1 = self._window.t0 + (self._origin - origin), self._window.t1 + (self._origin - origin)
        self._lanes = SpanLanes.from_columns(
            tl.start[rows], tl.end[rows], index.depth[rows], tl.category[rows], tl.status[rows], origin=origin,
            max_lanes=MAX_LANES,
        )  # fmt: skip
        self._index, self._origin, self._origin_key = index, origin, _key(index, trace)
        self._full.set_extent(0, duration, follow=True)
        self._window.set_extent(0, duration, follow=True)
        if same and not was_fit:
            self._window.set_window(t0, t1)
        self._image = None
        self.update()

    def clear(self) -> None:
        self._lanes = None
        self._index = None
        self._image = None
        self.update()

    def set_window(self, t0: float, t1: float) -> None:
        """Show ``[t0, t1]`` as the window. Does not emit `windowChanged`."""
        if self._window.set_window(t0, t1):
            self.update()

    def time_window(self) -> tuple[float, float]:
        return self._window.t0, self._window.t1

    def set_selected_span(self, row: int) -> None:
        """Mark ``row``'s time range under the lanes (-1 clears)."""
        ix = self._index
        if ix is None or not 0 <= row < ix.n:
            self._selected = None
        else:
            tl = ix.timeline
            self._selected = (float(int(tl.start[row]) - self._origin), float(int(tl.end[row]) - self._origin))
        self.update()

    def lanes(self) -> int:
        return self._lanes.lanes if self._lanes is not None else 0

    def window_rect(self) -> QRectF:
        """Where the window rectangle is drawn."""
        self._geometry()
        x0 = float(self._full.x_of(self._window.t0))
        x1 = max(float(self._full.x_of(self._window.t1)), x0 + 3)
        return QRectF(x0, 2, x1 - x0, self.height() - AXIS_HEIGHT - 3)

    def sizeHint(self) -> QSize:
        return QSize(900, 76)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 40)

    # -- geometry -----------------------------------------------------------------

    def _geometry(self) -> QRectF:
        w = max(1, self.width() - 2 * MARGIN)
        self._full.set_geometry(MARGIN, w)
        return QRectF(MARGIN, 3, w, max(1, self.height() - AXIS_HEIGHT - 5))

    def _t_at(self, x: float) -> float:
        self._geometry()
        return float(self._full.t_of(x))

    # -- events -----------------------------------------------------------------

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if e.button() != Qt.MouseButton.LeftButton or self._lanes is None:
            return super().mousePressEvent(e)
        t = self._t_at(e.position().x())
        if self._window.t0 <= t <= self._window.t1:
            self._drag_offset = t - self._window.t0
        else:
            self._drag_offset = self._window.span / 2
            self._move_to(t)
        self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._drag_offset is not None and e.buttons() & Qt.MouseButton.LeftButton:
            self._move_to(self._t_at(e.position().x()))

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        self._drag_offset = None
        self.unsetCursor()

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        self._emit(self._window.fit())

    def wheelEvent(self, e: QWheelEvent) -> None:
        steps = e.angleDelta().y() / 120
        if steps and self._lanes is not None:
            t = self._t_at(e.position().x())
            # Zoom the window about the time under the pointer, in the waterfall's sense.
            span = self._window.span / (1.2**steps)
            frac = (t - self._window.t0) / self._window.span if self._window.span else 0.5
            frac = min(max(frac, 0.0), 1.0)
            self._emit(self._window.set_window(t - frac * span, t - frac * span + span))
        e.accept()

    def _move_to(self, t: float) -> None:
        span = self._window.span
        t0 = t - (self._drag_offset if self._drag_offset is not None else span / 2)
        self._emit(self._window.set_window(t0, t0 + span))

    def _emit(self, changed: bool) -> None:
        if changed:
            self.update()
            self.windowChanged.emit(self._window.t0, self._window.t1)

    # -- painting ---------------------------------------------------------------

    def _lane_image(self, area: QRectF, dark: bool) -> QImage | None:
        lanes = self._lanes
        if lanes is None or len(lanes) == 0:
            return None
        width, height = int(area.width()), max(1, int(area.height()))
        key = (id(lanes), width, height, dark)
        if self._image is not None and self._image[0] == key:
            return self._image[1]
        grid = summarize(lanes, self._full.lo, self._full.hi, width)
        table = colors.rgba_table(dark)
        ncat = len(table) - 1
        code = np.where(grid.error, ncat, grid.category.astype(np.int64))  # -1 stays -1 (empty)
        # Image rows → lanes; the last row of each lane is left empty as a gap when lanes are tall enough.
        n = grid.category.shape[0]
        y = np.arange(height)
        lane_of_y = np.minimum(y * n // height, n - 1)
        gap = np.r_[lane_of_y[1:] != lane_of_y[:-1], True] & (height / n >= 4)
        rows = code[lane_of_y]
        rows[gap] = -1
        rgba = np.zeros((height, width, 4), np.uint8)
        filled = rows >= 0
        rgba[filled] = table[rows[filled]]
        buf = np.ascontiguousarray(rgba)
        image = QImage(buf.data, width, height, width * 4, QImage.Format.Format_RGBA8888)
        self._image = (key, image, buf)
        return image

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        pal = self.palette()
        R = QPalette.ColorRole
        dark = theme.is_dark(pal)
        base = pal.color(R.Base)
        text = pal.color(R.Text)
        muted = theme.muted_color(pal)
        hi = pal.color(R.Highlight)
        p.fillRect(self.rect(), pal.color(R.Window))
        area = self._geometry()
        p.fillRect(area.adjusted(-1, -1, 1, 1), base)
        border = pal.color(R.Mid)

        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.8))
        fms = QFontMetricsF(small)
        if self._lanes is None:
            p.setPen(muted)
            p.setFont(small)
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "No trace")
            return

        grid_col = theme.blend(text, base, 0.08)
        marks = ticks(self._full, fms.horizontalAdvance, gap=20, min_px=60)
        p.setPen(QPen(grid_col, 1))
        for t in marks:
            x = round(t.x) + 0.5
            p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))

        # The window is tinted under the lanes (so span colours stay true), the rest dimmed over them.
        win = self.window_rect()
        win.setTop(area.top() - 1)
        win.setBottom(area.bottom() + 1)
        if not self._window.is_fit():
            tint = QColor(hi)
            tint.setAlpha(36)
            p.fillRect(win, tint)
        image = self._lane_image(area, dark)
        if image is not None:
            p.drawImage(QRectF(area.left(), area.top(), image.width(), image.height()), image)
        dim = QColor(base)
        dim.setAlpha(130)
        p.fillRect(QRectF(area.left(), area.top(), max(0.0, win.left() - area.left()), area.height()), dim)
        p.fillRect(QRectF(win.right(), area.top(), max(0.0, area.right() - win.right()), area.height()), dim)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(hi, 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(win.adjusted(0.75, 0.75, -0.75, -0.75), 2, 2)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

        if self._selected is not None:
            s0, s1 = self._selected
            x0 = float(self._full.x_of(s0))
            x1 = max(float(self._full.x_of(s1)), x0 + 2)
            p.fillRect(QRectF(x0, area.bottom() + 1, x1 - x0, 3), hi)

        p.setPen(QPen(border, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(area.adjusted(-1, -1, 0, 0))

        # Axis labels under the lanes.
        p.setFont(small)
        p.setPen(muted)
        h = fms.height()
        y = area.bottom() + (AXIS_HEIGHT - h) / 2 + 2
        for t in marks:
            w = fms.horizontalAdvance(t.label)
            if t.x + 3 + w > self.width() - 2:
                continue
            p.drawText(QRectF(t.x + 3, y, w + 2, h), Qt.AlignmentFlag.AlignLeft, t.label)


def _key(index: TraceIndex, trace: int) -> bytes:
    return index.timeline.trace_id[int(index.traces.root[trace])].tobytes()
