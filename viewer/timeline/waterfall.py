"""The waterfall of one trace: a row per span in depth-first order, a bar per span on a shared time axis.

Painted straight from the trace index's columns; a paint touches only the rows on
screen, so a million-span trace paints as fast as a ten-span one.

Keys: ↑/↓ (PgUp/PgDn, Home/End) move the selection; ← collapses the selected span (or goes to
its parent), → expands it (or goes to its first child); Enter toggles and activates;
+/- or W/S zoom, Shift+←/→ or A/D pan (as in Perfetto), F zooms to the selected span, 0 fits
the whole trace, Esc clears a selected time range.
Mouse: the wheel scrolls rows; Ctrl+wheel zooms about the pointer; Shift+wheel (or a
horizontal wheel) pans; dragging the bar area pans (and scrolls); dragging on the time axis
(or Shift+dragging the bars) selects a time range; dragging the line after the name column
resizes it; a click selects; a click on the arrow collapses or expands; a double click zooms
to the span; a right click asks for the span's menu (`spanMenuRequested`).
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QScrollBar, QToolTip, QWidget

from tracefile.format import STATUS_ERROR

from .. import activity, theme
from ..cost import logic as cost
from ..cost.store import prices
from ..feedback.widget import paint_badge
from ..tracedata import TraceIndex
from ..formatting import format_duration, format_offset, format_tokens
from . import colors
from .viewport import Viewport, bar_extent, hits_bar, label_place, row_at, ticks
from ..text_limits import clip

ROW_HEIGHT = 22
HEADER_HEIGHT = 26
INDENT = 14
BAR_PAD = 12  # pixels kept free at both ends of the bar area
ZOOM_STEP = 1.5
PAN_STEP = 0.2  # fraction of the window per Shift+arrow
_DRAG_SLOP = 4
DEFAULT_NAME_WIDTH = 300
MIN_NAME_WIDTH = 80
MIN_BAR_AREA = 140  # the name column never takes the bars' last pixels
AUTO_NAME_SHARE = 0.55  # of a narrow timeline, until the user drags the column
_DIVIDER_GRAB = 4  # pixels either side of the name column's edge that start a resize
_STATUS_TEXT = {0: "Unset", 1: "OK", 2: "Error"}

#: The keys and gestures the waterfall handles itself (keyPressEvent, wheelEvent), for the shortcuts dialog.
KEYS: tuple[tuple[str, str], ...] = (
    ("↑ / ↓", "Previous / next span"),
    ("← / →", "Collapse / expand the span (or go to its parent / first child)"),
    ("Enter", "Collapse or expand the span"),
    ("+ / −, W / S, Ctrl+wheel", "Zoom the timeline"),
    ("Shift+← / Shift+→, A / D, drag", "Pan the timeline"),
    ("Double click", "Zoom to the span"),
    ("Drag the time axis, Shift+drag", "Select a time range and see its figures (Esc clears it)"),
    ("Right click", "Span menu: copy name or ids, expand, zoom, chat, compare, feedback"),
)


class TraceWaterfall(QWidget):
    """Spans of one trace as rows with bars on a zoomable time axis.

    Rows are identified by their timeline row (index into the file's columns).
    """

    selectionChanged = Signal(int)  # the selected row, -1 for none
    rowActivated = Signal(int)
    windowChanged = Signal(float, float)  # the visible window, ns from the trace start
    nameWidthChanged = Signal(int)  # the user dragged the name column's edge (emitted on release)
    rangeChanged = Signal(object)  # the selected time range (t0, t1) in ns from the trace start, or None
    spanMenuRequested = Signal(int, QPoint)  # right click on a span's row: the row, the global position

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._scroll = QScrollBar(Qt.Orientation.Vertical, self)
        self._scroll.setSingleStep(ROW_HEIGHT)
        self._scroll.valueChanged.connect(self._scrolled)
        self._index: TraceIndex | None = None
        self._trace = -1
        self._trace_key = b""
        self._origin = 0
        self._collapsed: set[int] = set()
        self._highlight: np.ndarray | None = None  # search matches, one flag per file row
        self._rows = np.zeros(0, np.int64)
        self._rowpos = np.zeros(0, np.int64)
        self._selected = -1
        self._vp = Viewport((0.0, 1.0), 100.0)
        self._name_width = DEFAULT_NAME_WIDTH
        self._name_chosen = False
        self._resizing = False
        self._range: tuple[float, float] | None = None  # selected time range, ns from the trace start
        self._range_drag: float | None = None  # the time where a range drag started
        self._hover: QPoint | None = None
        self._press: tuple[QPoint, float, int] | None = None  # (pos, window start, scroll)
        self._dragging = False
        # Paint caches: elided names by (row, width), duration labels by ns, colours by palette.
        self._elided: dict[tuple[int, int], str] = {}
        self._feedback: np.ndarray | None = None
        self._durations: dict[int, tuple[str, float]] = {}
        self._qcolors: dict[bool, list[tuple[QColor, QColor, QColor]]] = {}
        self._font_key: tuple[str, str] | None = None
        self._notes = None  # subtotals and self time for tooltips and collapsed rows: see set_notes
        self._critical = None  # the shown trace's critical path: see set_critical_path
        self._layout()

    # -- public API -------------------------------------------------------------

    def set_highlight(self, mask: np.ndarray | None) -> None:
        """Mark rows (a boolean per file row, e.g. search matches) with a band behind their names."""
        self._highlight = mask
        self.update()

    def set_feedback(self, marks: np.ndarray | None) -> None:
        """Feedback badges: one ``viewer.feedback.logic`` mark per file row (0 for none)."""
        self._feedback = marks
        self.update()

    def set_notes(self, notes) -> None:
        """Figures a span's own columns do not hold: ``notes.tooltip_lines(row)`` (rich text lines
        added to the tooltip) and ``notes.collapsed_label(row)`` (shown for a collapsed row instead of
        its own token count), e.g. `viewer.file_view.summary_part.SpanNotes`; None for none."""
        self._notes = notes
        self.update()

    def set_critical_path(self, path) -> None:
        """Underline the sections of a `viewer.summary.critical_path.CriticalPath` (None: none)."""
        self._critical = path
        self.update()

    def highlighted_rows(self) -> np.ndarray:
        """The shown rows that are marked, in display order."""
        if self._highlight is None or len(self._rows) == 0:
            return np.zeros(0, np.int64)
        return self._rows[self._highlight[self._rows]]

    def set_data(self, index: TraceIndex, trace: int) -> None:
        """Show trace ``trace`` of ``index``. Called again for the same trace with a grown index
        (a file being written), it keeps the selection, collapsed spans, scroll and zoom."""
        key = _trace_key(index, trace)
        same = self._index is not None and key == self._trace_key
        old_origin = self._origin
        old_window = (self._vp.t0, self._vp.t1)
        was_fit = self._vp.is_fit()
        self._index, self._trace, self._trace_key = index, trace, key
        self._origin = int(index.traces.start[trace]) if 0 <= trace < len(index.traces) else 0
        duration = int(index.traces.end[trace]) - self._origin if 0 <= trace < len(index.traces) else 0
        if same:
            shift = old_origin - self._origin  # the trace may now start earlier (its root came last)
            self._vp.set_extent(0, duration, follow=was_fit)
            if not was_fit:
                self._vp.set_window(old_window[0] + shift, old_window[1] + shift)
            self._collapsed = {r for r in self._collapsed if r < index.n and int(index.trace[r]) == trace}
            if self._selected >= index.n or (self._selected >= 0 and int(index.trace[self._selected]) != trace):
                self._selected = -1
        else:
            self._vp = Viewport((0, duration), self._vp.width, self._vp.x0)
            self._collapsed = set()
            self._selected = -1
            self._set_range(None)
        self._refresh_rows(keep_scroll=same)
        self._layout()
        self.update()
        self.windowChanged.emit(self._vp.t0, self._vp.t1)

    def clear(self) -> None:
        self._index, self._trace, self._trace_key = None, -1, b""
        self._set_range(None)
        self._rows = self._rowpos = np.zeros(0, np.int64)
        self._collapsed.clear()
        self._selected = -1
        self._refresh_rows(keep_scroll=False)
        self.update()

    @property
    def viewport(self) -> Viewport:
        """The time↔pixel mapping of the bar area (times in ns from the trace start)."""
        return self._vp

    @property
    def origin(self) -> int:
        """Unix ns of the trace's start: time 0 of the axis."""
        return self._origin

    def time_window(self) -> tuple[float, float]:
        return self._vp.t0, self._vp.t1

    def set_window(self, t0: float, t1: float) -> None:
        """Show ``[t0, t1]`` (ns from the trace start). Does not emit `windowChanged`, so two views can be linked."""
        if self._vp.set_window(t0, t1):
            self.update()

    def fit(self) -> None:
        self._user_window(self._vp.fit())

    def zoom(self, factor: float, x: float | None = None) -> None:
        """Zoom in by ``factor`` (< 1 zooms out) about pixel ``x`` (default: the middle)."""
        self._user_window(self._vp.zoom(factor, x))

    def pan_pixels(self, dx: float) -> None:
        self._user_window(self._vp.pan_pixels(dx))

    def zoom_to_row(self, row: int) -> None:
        """Zoom to span ``row``'s time range, with a little margin either side."""
        if self._index is None or not 0 <= row < self._index.n:
            return
        self._user_window(self._vp.zoom_to(*self._span_times(row)))

    def zoom_to_selection(self) -> None:
        """Zoom to the selected span (F); the whole trace when none is selected."""
        if self._selected >= 0:
            self.zoom_to_row(self._selected)
        else:
            self.fit()

    # -- time range ---------------------------------------------------------------

    def time_range(self) -> tuple[float, float] | None:
        """The selected time range (ns from the trace start), or None."""
        return self._range

    def set_range(self, t0: float, t1: float) -> None:
        """Select ``[t0, t1]`` (ns from the trace start, clamped to the trace) and emit `rangeChanged`."""
        lo, hi = sorted((max(self._vp.lo, float(t0)), min(self._vp.hi, float(t1))))
        self._set_range((lo, hi))

    def clear_range(self) -> None:
        self._set_range(None)

    def _set_range(self, value: tuple[float, float] | None) -> None:
        if value == self._range:
            return
        self._range = value
        self.update()
        self.rangeChanged.emit(value)

    # -- expanding and collapsing ----------------------------------------------------

    def expand_all(self) -> None:
        self._set_collapsed_rows(set())

    def collapse_all(self) -> None:
        """Collapse the trace down to its root span(s)."""
        self.expand_to_depth(0)

    def expand_to_depth(self, depth: int) -> None:
        """Show the spans ``depth`` levels below the root (0: the root alone), with deeper ones collapsed."""
        ix = self._index
        if ix is None or not 0 <= self._trace < len(ix.traces):
            return
        self._set_collapsed_rows(set(ix.parents_at_depth(self._trace, max(0, int(depth))).tolist()))

    def expand_subtree(self, row: int) -> None:
        """Expand ``row`` and every span below it."""
        ix = self._index
        if ix is None or not 0 <= row < ix.n:
            return
        inside = set(ix.subtree_rows(row).tolist())
        self._set_collapsed_rows({r for r in self._collapsed if r not in inside})

    def collapse_subtree(self, row: int) -> None:
        """Collapse ``row`` and every span below it, so expanding it again shows one level at a time."""
        ix = self._index
        if ix is None or not 0 <= row < ix.n:
            return
        below = ix.subtree_rows(row)
        below = below[ix.subtree[below] > 1]
        self._set_collapsed_rows(self._collapsed | set(below.tolist()))

    def _set_collapsed_rows(self, collapsed: set[int]) -> None:
        """Collapse exactly ``collapsed``; a selection that gets hidden moves to its nearest shown ancestor."""
        ix = self._index
        if ix is None or collapsed == self._collapsed:
            return
        self._collapsed = collapsed
        self._refresh_rows(keep_scroll=True)
        anchor = self._selected
        if anchor >= 0:
            p = int(ix.parent[anchor])
            while p >= 0:
                if p in collapsed:
                    anchor = p
                p = int(ix.parent[p])
        if anchor != self._selected:
            self._set_selected(anchor)
        if self._selected >= 0:
            self.scroll_to_row(self._selected)
        self.update()

    def rows(self) -> np.ndarray:
        """The rows shown, top to bottom (descendants of collapsed spans left out)."""
        return self._rows

    def selected_row(self) -> int:
        return self._selected

    def select_row(self, row: int) -> None:
        """Select ``row`` (-1 clears), expanding its collapsed ancestors and scrolling it into view."""
        ix = self._index
        if row < 0 or ix is None or row >= ix.n or int(ix.trace[row]) != self._trace:
            self._set_selected(-1)
            return
        hidden = False
        p = int(ix.parent[row])
        while p >= 0:
            if p in self._collapsed:
                self._collapsed.discard(p)
                hidden = True
            p = int(ix.parent[p])
        if hidden:
            self._refresh_rows(keep_scroll=True)
        self._set_selected(row)
        self.scroll_to_row(row)
        start, end = self._span_times(row)
        if self._vp.ensure_visible(start, end):
            self._user_window(True)

    def scroll_to_row(self, row: int) -> None:
        pos = self.position_of(row)
        if pos < 0:
            return
        top = pos * ROW_HEIGHT
        area = self._rows_height()
        v = self._scroll.value()
        if top < v:
            self._scroll.setValue(top)
        elif top + ROW_HEIGHT > v + area:
            self._scroll.setValue(top + ROW_HEIGHT - area)

    def position_of(self, row: int) -> int:
        """Where ``row`` is shown (0 = top), or -1 when it is not shown."""
        ix = self._index
        if ix is None or not 0 <= row < ix.n or len(self._rowpos) == 0:
            return -1
        p = int(ix.position[row])
        i = int(np.searchsorted(self._rowpos, p))
        return i if i < len(self._rowpos) and int(self._rowpos[i]) == p else -1

    def collapsed_rows(self) -> frozenset[int]:
        return frozenset(self._collapsed)

    def set_collapsed(self, row: int, collapsed: bool) -> None:
        ix = self._index
        if ix is None or not 0 <= row < ix.n or int(ix.subtree[row]) <= 1:
            return
        if collapsed == (row in self._collapsed):
            return
        if collapsed:
            self._collapsed.add(row)
        else:
            self._collapsed.discard(row)
        anchor = self._selected
        if collapsed and anchor >= 0 and self._is_descendant(anchor, row):
            anchor = row
        self._refresh_rows(keep_scroll=True)
        if anchor != self._selected:
            self._set_selected(anchor)
        self.update()

    def toggle_row(self, row: int) -> None:
        self.set_collapsed(row, row not in self._collapsed)

    def row_at(self, pos: QPoint | QPointF) -> int:
        """The row under ``pos`` (anywhere across the widget), or -1."""
        if self._index is None or pos.x() >= self._scroll.x():
            return -1
        i = row_at(pos.y(), HEADER_HEIGHT, ROW_HEIGHT, self._scroll.value(), len(self._rows))
        return int(self._rows[i]) if i >= 0 else -1

    def span_at(self, pos: QPoint | QPointF) -> int:
        """The row whose bar is under ``pos`` (within a few pixels), or -1."""
        row = self.row_at(pos)
        if row < 0 or pos.x() < self._name_width:
            return -1
        start, end = self._span_times(row)
        return row if hits_bar(self._vp, pos.x(), start, end) else -1

    def bar_rect(self, row: int) -> QRectF:
        """Where ``row``'s bar is drawn (empty when the row is not shown)."""
        pos = self.position_of(row)
        if pos < 0:
            return QRectF()
        start, end = self._span_times(row)
        x0, x1 = bar_extent(self._vp, start, end)
        y = HEADER_HEIGHT + pos * ROW_HEIGHT - self._scroll.value()
        return QRectF(x0, y + 4, x1 - x0, ROW_HEIGHT - 8)

    def tooltip_text_at(self, pos: QPoint | QPointF) -> str:
        """The tooltip for ``pos`` (rich text): name, duration, start offset, status, model, tokens."""
        row = self.row_at(pos)
        ix = self._index
        if row < 0 or ix is None:
            return ""
        tl = ix.timeline
        start, end = self._span_times(row)
        status = int(tl.status[row])
        lines = [
            f"<b>{html.escape(clip(ix.name(row)))}</b>",
            f"Duration: {format_duration(end - start)}",
            f"Start: {format_offset(int(start))}",
            f"Category: {colors.category_name(int(tl.category[row]))}",
        ]
        status_text = _STATUS_TEXT.get(status, str(status))
        if status == STATUS_ERROR:
            red = colors.error_color(theme.is_dark(self.palette()))
            lines.append(f"Status: <span style='color:{red}'><b>{status_text}</b></span>")
        else:
            lines.append(f"Status: {status_text}")
        model = ix.model(row)
        if model:
            lines.append(f"Model: {html.escape(clip(model))}")
        tin, tout = int(tl.input_tokens[row]), int(tl.output_tokens[row])
        if tin or tout:
            used = cost.rows_totals(tl, np.array([row]), prices().table)
            cached = f" ({used.cached:,} cached)" if used.cached else ""
            reasoning = f" ({used.reasoning:,} reasoning)" if used.reasoning else ""
            lines.append(f"Tokens: {tin:,} in{cached} · {tout:,} out{reasoning}")
            lines.append(f"Cost: {html.escape(cost.cost_text(used))}")
        if self._notes is not None:
            lines += self._notes.tooltip_lines(row)
        return "<br>".join(lines)

    @property
    def name_width(self) -> int:
        return self._name_width

    @property
    def name_width_shown(self) -> int:
        """The name column's width as laid out (`name_width`, narrowed in a small widget)."""
        return self._name_width_used

    def set_name_width(self, width: int) -> None:
        """Fix the name column's width (the user dragged it); until then it takes `AUTO_NAME_SHARE`
        of a narrow timeline, up to `DEFAULT_NAME_WIDTH`."""
        self._name_chosen = True
        self._name_width = max(MIN_NAME_WIDTH, int(width))
        self._layout()
        self.update()

    def name_label(self, row: int) -> str:
        """The name as painted in the name column: elided in the middle when it does not fit, "" when hidden."""
        ix = self._index
        pos = self.position_of(row)
        if ix is None or pos < 0:
            return ""
        avail = self._name_room(row)
        if avail <= 10:
            return ""
        return self._elide(row, avail, QFontMetricsF(self.font()))

    def _name_room(self, row: int) -> int:
        """Pixels left for ``row``'s name after its indent, badges and token count (same rule as the paint)."""
        ix = self._index
        tl = ix.timeline
        name_w = self._name_width_used
        x = self._indent(int(ix.depth[row])) + 30
        fb = self._feedback
        badges = int(ix.is_error(row)) + int(fb is not None and len(fb) == ix.n and fb[row] != 0)
        avail = name_w - x - 8 - 18 * badges
        used = int(tl.input_tokens[row]) + int(tl.output_tokens[row])
        if used and avail > 120:
            small = QFont(self.font())
            small.setPointSizeF(max(7.0, small.pointSizeF() * 0.88))
            avail -= int(QFontMetricsF(small).horizontalAdvance(f"{format_tokens(used)} tok")) + 10
        return int(avail)

    def _indent(self, depth: int) -> int:
        return 6 + min(depth * INDENT, max(0, self._name_width_used - 120))

    def _elide(self, row: int, avail: int, fm: QFontMetricsF) -> str:
        key = (row, int(avail))
        label = self._elided.get(key)
        if label is None:
            if len(self._elided) > 4096:
                self._elided.clear()
            label = self._elided[key] = fm.elidedText(clip(self._index.name(row)), Qt.TextElideMode.ElideMiddle, avail)
        return label

    def sizeHint(self) -> QSize:
        return QSize(900, 400)

    # -- state helpers ----------------------------------------------------------

    def _span_times(self, row: int) -> tuple[float, float]:
        tl = self._index.timeline
        return float(int(tl.start[row]) - self._origin), float(int(tl.end[row]) - self._origin)

    def _is_descendant(self, row: int, ancestor: int) -> bool:
        ix = self._index
        a = int(ix.position[ancestor])
        return a < int(ix.position[row]) < a + int(ix.subtree[ancestor])

    def _refresh_rows(self, keep_scroll: bool) -> None:
        ix = self._index
        if ix is None or not 0 <= self._trace < len(ix.traces):
            self._rows = self._rowpos = np.zeros(0, np.int64)
        else:
            self._rows = ix.visible_rows(self._trace, self._collapsed)
            self._rowpos = ix.position[self._rows]
        value = self._scroll.value() if keep_scroll else 0
        self._update_scroll_range()
        self._scroll.setValue(value)

    def _rows_height(self) -> int:
        return max(0, self.height() - HEADER_HEIGHT)

    def _update_scroll_range(self) -> None:
        area = self._rows_height()
        self._scroll.setPageStep(max(ROW_HEIGHT, area))
        self._scroll.setMaximum(max(0, len(self._rows) * ROW_HEIGHT - area))

    def _layout(self) -> None:
        sw = self._scroll.sizeHint().width()
        self._scroll.setGeometry(self.width() - sw, HEADER_HEIGHT, sw, max(0, self.height() - HEADER_HEIGHT))
        right = self.width() - sw
        wanted = self._name_width if self._name_chosen else min(self._name_width, int(right * AUTO_NAME_SHARE))
        name_w = min(wanted, max(MIN_NAME_WIDTH, right - MIN_BAR_AREA))
        self._name_width_used = name_w
        self._vp.set_geometry(name_w + BAR_PAD, max(1, right - name_w - 2 * BAR_PAD))
        self._update_scroll_range()

    def _set_selected(self, row: int) -> None:
        if row == self._selected:
            return
        self._selected = row
        self.update()
        self.selectionChanged.emit(row)

    def _user_window(self, changed: bool) -> None:
        if changed:
            self.update()
            self.windowChanged.emit(self._vp.t0, self._vp.t1)

    def _scrolled(self, _value: int) -> None:
        self.update()

    def _bar_area(self) -> QRect:
        return QRect(self._name_width_used, HEADER_HEIGHT, self._scroll.x() - self._name_width_used, self._rows_height())

    # -- events -----------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        self._layout()
        super().resizeEvent(event)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            text = self.tooltip_text_at(e.pos())
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        k = e.key()
        K = Qt.Key
        shift = bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        plain = not e.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        if k in (K.Key_Plus, K.Key_Equal) or (k == K.Key_W and plain):
            self.zoom(ZOOM_STEP)
        elif k in (K.Key_Minus, K.Key_Underscore) or (k == K.Key_S and plain):
            self.zoom(1 / ZOOM_STEP)
        elif k == K.Key_F and plain and not shift:
            self.zoom_to_selection()
        elif (k == K.Key_0 and plain) or (k == K.Key_F and shift):
            self.fit()
        elif (k in (K.Key_Left, K.Key_Right) and shift) or (k in (K.Key_A, K.Key_D) and plain):
            sign = -1 if k in (K.Key_Left, K.Key_A) else 1
            self._user_window(self._vp.pan(sign * PAN_STEP * self._vp.span))
        elif k == K.Key_Escape and self._range is not None:
            self.clear_range()
        elif k == K.Key_Left:
            self._key_left()
        elif k == K.Key_Right:
            self._key_right()
        elif k in (K.Key_Up, K.Key_Down, K.Key_PageUp, K.Key_PageDown, K.Key_Home, K.Key_End):
            self._key_move(k)
        elif k in (K.Key_Return, K.Key_Enter):
            if self._selected >= 0:
                self.toggle_row(self._selected)
                self.rowActivated.emit(self._selected)
        else:
            super().keyPressEvent(e)

    def _key_move(self, k) -> None:
        n = len(self._rows)
        if n == 0:
            return
        K = Qt.Key
        cur = self.position_of(self._selected) if self._selected >= 0 else -1
        page = max(1, self._rows_height() // ROW_HEIGHT - 1)
        if cur < 0:
            new = 0 if k != K.Key_End else n - 1
        else:
            step = {K.Key_Up: -1, K.Key_Down: 1, K.Key_PageUp: -page, K.Key_PageDown: page}.get(k)
            new = 0 if k == K.Key_Home else n - 1 if k == K.Key_End else cur + step
        new = min(max(new, 0), n - 1)
        self.select_row(int(self._rows[new]))

    def _key_left(self) -> None:
        row = self._selected
        ix = self._index
        if row < 0 or ix is None:
            return
        if int(ix.subtree[row]) > 1 and row not in self._collapsed:
            self.set_collapsed(row, True)
        elif int(ix.parent[row]) >= 0:
            self.select_row(int(ix.parent[row]))

    def _key_right(self) -> None:
        row = self._selected
        ix = self._index
        if row < 0 or ix is None or int(ix.subtree[row]) <= 1:
            return
        if row in self._collapsed:
            self.set_collapsed(row, False)
        else:
            pos = self.position_of(row)
            if pos + 1 < len(self._rows):
                self.select_row(int(self._rows[pos + 1]))

    def wheelEvent(self, e: QWheelEvent) -> None:
        d = e.angleDelta()
        mods = e.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            steps = d.y() / 120 if d.y() else d.x() / 120
            x = e.position().x()
            about = x if x >= self._name_width_used else None
            self.zoom(1.2**steps, about)
        elif mods & Qt.KeyboardModifier.ShiftModifier or (d.x() and not d.y()):
            delta = d.x() or d.y()
            self.pan_pixels(delta / 120 * 0.1 * self._vp.width)
        else:
            pixels = e.pixelDelta().y() or d.y() / 120 * 3 * ROW_HEIGHT
            self._scroll.setValue(self._scroll.value() - int(pixels))
        e.accept()

    def _on_divider(self, pos: QPoint) -> bool:
        return abs(pos.x() - self._name_width_used) <= _DIVIDER_GRAB and self._index is not None

    def _starts_range(self, pos: QPoint, mods) -> bool:
        """A drag on the time axis, or a Shift+drag over the bars, selects a time range (a plain drag pans)."""
        if self._index is None or not self._name_width_used < pos.x() < self._scroll.x():
            return False
        return pos.y() < HEADER_HEIGHT or bool(mods & Qt.KeyboardModifier.ShiftModifier)

    def _range_time(self, x: float) -> float:
        return min(max(float(self._vp.t_of(x)), self._vp.lo), self._vp.hi)

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if e.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(e)
        pos = e.position().toPoint()
        if self._on_divider(pos):
            self._resizing = True
            return
        if self._starts_range(pos, e.modifiers()):
            self._range_drag = self._range_time(pos.x())
            return
        row = self.row_at(pos)
        if row >= 0 and pos.x() < self._name_width_used and self._on_arrow(row, pos):
            self.toggle_row(row)
            return
        self._press = (pos, self._vp.t0, self._scroll.value())
        self._dragging = False

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        pos = e.position().toPoint()
        if self._resizing:
            self.set_name_width(min(pos.x(), self._scroll.x() - MIN_BAR_AREA))
            return
        if self._range_drag is not None:
            t = self._range_time(pos.x())
            self._range = tuple(sorted((self._range_drag, t)))  # shaded while dragging, announced on release
            self._hover = pos
            self.update()
            return
        if self._press is None:
            divider = self._on_divider(pos)
            if divider and self.cursor().shape() != Qt.CursorShape.SplitHCursor:
                self.setCursor(Qt.CursorShape.SplitHCursor)
            elif not divider and self.cursor().shape() == Qt.CursorShape.SplitHCursor:
                self.unsetCursor()
        if self._press is not None and e.buttons() & Qt.MouseButton.LeftButton:
            start, t0, scroll = self._press
            delta = pos - start
            if not self._dragging and delta.manhattanLength() >= _DRAG_SLOP and start.x() >= self._name_width_used:
                self._dragging = True
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._dragging:
                span = self._vp.span
                t = t0 - delta.x() * self._vp.ns_per_px
                self._user_window(self._vp.set_window(t, t + span))
                self._scroll.setValue(scroll - delta.y())
        self._hover = pos
        self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if e.button() == Qt.MouseButton.LeftButton and self._resizing:
            self._resizing = False
            self.nameWidthChanged.emit(self._name_width_used)
            return
        if e.button() == Qt.MouseButton.LeftButton and self._range_drag is not None:
            start, self._range_drag = self._range_drag, None
            end = self._range_time(e.position().x())
            shown, self._range = self._range, None
            if abs(float(self._vp.x_of(end)) - float(self._vp.x_of(start))) >= _DRAG_SLOP:
                self._set_range(tuple(sorted((start, end))))
            else:  # a click on the axis clears the range
                self._range = shown
                self._set_range(None)
            return
        if e.button() != Qt.MouseButton.LeftButton or self._press is None:
            return super().mouseReleaseEvent(e)
        if not self._dragging:
            row = self.row_at(self._press[0])
            if row >= 0:
                self._set_selected(row)
        else:
            self.unsetCursor()
        self._press = None
        self._dragging = False

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        pos = e.position().toPoint()
        if self._on_divider(pos) or pos.y() < HEADER_HEIGHT:
            return
        row = self.row_at(pos)
        if row >= 0:
            self._set_selected(row)
            self.zoom_to_row(row)
            self.rowActivated.emit(row)

    def contextMenuEvent(self, e) -> None:
        row = self.row_at(e.pos())
        if row < 0:
            return super().contextMenuEvent(e)
        self._set_selected(row)
        self.spanMenuRequested.emit(row, e.globalPos())

    def leaveEvent(self, e) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(e)

    def _arrow_x(self, row: int) -> float:
        return self._indent(int(self._index.depth[row]))

    def _on_arrow(self, row: int, pos: QPoint) -> bool:
        if int(self._index.subtree[row]) <= 1:
            return False
        x = self._arrow_x(row)
        return x - 3 <= pos.x() <= x + 15

    # -- painting ---------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        activity.note()
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        pal = self.palette()
        dark = theme.is_dark(pal)
        R = QPalette.ColorRole
        base, alt = pal.color(R.Base), pal.color(R.AlternateBase)
        text, muted = pal.color(R.Text), theme.muted_color(pal)
        hi, hi_text = pal.color(R.Highlight), pal.color(R.HighlightedText)
        grid = theme.blend(text, base, 0.09)
        right = self._scroll.x()
        name_w = self._name_width_used
        p.fillRect(self.rect(), base)

        font = QFont(self.font())
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.88))
        fm, fms = QFontMetricsF(font), QFontMetricsF(small)
        marks = ticks(self._vp, fms.horizontalAdvance, gap=18)

        n = len(self._rows)
        scroll = self._scroll.value()
        area_h = self._rows_height()
        first = scroll // ROW_HEIGHT
        last = min(n, (scroll + area_h) // ROW_HEIGHT + 1)
        bar_clip = QRectF(name_w, HEADER_HEIGHT, right - name_w, area_h)
        p.setClipRect(QRectF(0, HEADER_HEIGHT, right, area_h))

        # Row backgrounds, then the grid under the bars.
        for i in range(first, last):
            y = HEADER_HEIGHT + i * ROW_HEIGHT - scroll
            if i % 2:
                p.fillRect(QRectF(0, y, right, ROW_HEIGHT), alt)
        p.setPen(QPen(grid, 1))
        for t in marks:
            x = round(t.x) + 0.5
            p.drawLine(QPointF(x, HEADER_HEIGHT), QPointF(x, HEADER_HEIGHT + area_h))

        if self._index is None or n == 0:
            p.setClipping(False)
            p.setPen(muted)
            p.drawText(QRectF(0, HEADER_HEIGHT, right, area_h), Qt.AlignmentFlag.AlignCenter, "No spans")
            self._paint_header(p, marks, small, fms, muted, grid)
            return

        ix = self._index
        tl = ix.timeline
        rows = self._rows[first:last]
        starts = (tl.start[rows].astype(np.int64) - np.int64(self._origin)).astype(np.float64)
        ends = (tl.end[rows].astype(np.int64) - np.int64(self._origin)).astype(np.float64)
        depths = ix.depth[rows]
        cats = tl.category[rows]
        status = tl.status[rows]
        xs = self._vp.x_of(starts)
        xe = self._vp.x_of(ends)
        err_col = QColor(colors.error_color(dark))
        mark_col = QColor(colors.error_mark_color(dark))
        palette_colors = self._category_qcolors(dark)
        left_edge, right_edge = name_w + 2, right - 2
        if self._font_key != (font.key(), small.key()):
            self._font_key = (font.key(), small.key())
            self._elided.clear()
            self._durations.clear()
        base_name = (ROW_HEIGHT + fm.ascent() - fm.descent()) / 2
        base_small = (ROW_HEIGHT + fms.ascent() - fms.descent()) / 2
        items = []  # per row: (row, y, selected, is_err, fill, edge, text colour, x0, x1, indent x)
        for j, row in enumerate(rows.tolist()):
            y = HEADER_HEIGHT + (first + j) * ROW_HEIGHT - scroll
            fill, edge, on_bar = palette_colors[int(cats[j])]
            x0, x1 = float(xs[j]), float(xe[j])
            if x1 - x0 < 2:
                x1 = x0 + 2
            indent = self._indent(int(depths[j]))
            items.append((row, y, row == self._selected, int(status[j]) == STATUS_ERROR, fill, edge, on_bar, x0, x1, indent))

        # Pass 1, shapes without antialiasing: selection, bars, error stripes.
        sel_band = QColor(hi)
        sel_band.setAlpha(48 if dark else 36)
        p.setPen(Qt.PenStyle.NoPen)
        p.setClipRect(bar_clip)
        matches = self._highlight
        match_band = theme.match_color(self.palette())
        for row, y, selected, is_err, fill, edge, on_bar, x0, x1, _ in items:
            if matches is not None and not selected and row < len(matches) and matches[row]:
                p.setClipping(False)
                p.fillRect(QRectF(0, y, name_w, ROW_HEIGHT), match_band)
                p.setClipRect(bar_clip)
            if selected:
                p.setClipping(False)
                p.fillRect(QRectF(0, y, name_w, ROW_HEIGHT), hi)
                p.fillRect(QRectF(name_w, y, right - name_w, ROW_HEIGHT), sel_band)
                p.setClipRect(bar_clip)
            if x1 < left_edge or x0 > right_edge:
                continue
            bar = QRectF(x0, y + 4, x1 - x0, ROW_HEIGHT - 8)
            p.fillRect(bar, fill)
            if is_err:
                self._paint_error_stripes(p, bar, mark_col, bar_clip)
                p.setPen(Qt.PenStyle.NoPen)
            elif selected:
                p.setPen(QPen(text, 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(bar.adjusted(-0.5, -0.5, 0.5, 0.5))
                p.setPen(Qt.PenStyle.NoPen)

        if self._critical is not None:
            self._paint_critical_path(p, items, text)

        # Pass 2, text: names (elided, cached), then durations inside or beside the bars.
        p.setClipRect(QRectF(0, HEADER_HEIGHT, name_w - 1, area_h))
        p.setFont(font)
        pen = None
        tokens_in, tokens_out = tl.input_tokens, tl.output_tokens
        fb_marks = self._feedback if self._feedback is not None and len(self._feedback) == ix.n else None
        for row, y, selected, is_err, _, _, _, _, _, indent in items:
            x = indent + 30
            badges = is_err + (fb_marks is not None and fb_marks[row] != 0)
            avail = name_w - x - 8 - 18 * badges
            # LLM spans show their token count at the right of the name column, like a tree column.
            used = int(tokens_in[row]) + int(tokens_out[row])
            tok = f"{format_tokens(used)} tok" if used else ""
            if self._notes is not None and row in self._collapsed:
                tok = self._notes.collapsed_label(row) or tok  # the subtree's subtotal
            if tok and avail > 120:
                tw = fms.horizontalAdvance(tok)
                p.setFont(small)
                p.setPen(hi_text if selected else muted)
                p.drawText(QPointF(x + avail - tw, y + base_small), tok)
                p.setFont(font)
                pen = None
                avail -= int(tw) + 10
            if avail <= 10:
                continue
            label = self._elide(row, int(avail), fm)
            want = hi_text if selected else text
            if want is not pen:
                p.setPen(want)
                pen = want
            p.drawText(QPointF(x, y + base_name), label)
        p.setClipRect(bar_clip)
        p.setFont(small)
        pen = None
        for row, y, selected, is_err, _, _, on_bar, x0, x1, _ in items:
            if x1 < left_edge or x0 > right_edge:
                continue
            dur, tw = self._duration_label(int(tl.end[row]) - int(tl.start[row]), fms)
            place = label_place(x0, x1, left_edge, right_edge, tw + (6 if is_err else 0))
            if place is None:
                continue
            where, tx = place
            if where != "inside":
                want = err_col if is_err else muted
            elif is_err:  # on a plate over the stripes, so the label stays legible
                tx += 3
                p.setPen(Qt.PenStyle.NoPen)
                p.fillRect(QRectF(tx - 3, y + 5, tw + 6, ROW_HEIGHT - 10), base)
                pen, want = None, err_col
            else:
                want = on_bar
            if want is not pen:
                p.setPen(want)
                pen = want
            p.drawText(QPointF(tx, y + base_small), dur)

        # Pass 3, antialiased marks: arrows, category dots, error badges, hints towards off-window bars.
        p.setClipRect(QRectF(0, HEADER_HEIGHT, right, area_h))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for row, y, selected, is_err, fill, edge, _, x0, x1, indent in items:
            cy = y + ROW_HEIGHT / 2
            if int(ix.subtree[row]) > 1:
                self._paint_arrow(p, indent, cy, row in self._collapsed, hi_text if selected else muted)
            p.setPen(QPen(hi_text if selected else edge, 1))
            p.setBrush(fill)
            p.drawEllipse(QPointF(indent + 20, cy), 4, 4)
            badge_x = name_w - 8 - 7
            if is_err and name_w - indent - 38 - 18 > 10:
                self._paint_error_badge(p, QPointF(badge_x, cy), err_col, selected, hi_text)
                badge_x -= 18
            if fb_marks is not None and fb_marks[row] and badge_x - indent - 38 > 10:
                paint_badge(p, QPointF(badge_x, cy), int(fb_marks[row]), dark, 6.5)
            if x1 < left_edge or x0 > right_edge:
                self._paint_offscreen_hint(p, x1 < left_edge, cy, fill, left_edge, right_edge)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

        # The selected time range: a tint over the bars between two lines.
        p.setClipRect(bar_clip)
        self._paint_range(p, HEADER_HEIGHT, HEADER_HEIGHT + area_h, hi, dark)

        # Hover line.
        p.setClipRect(QRectF(0, HEADER_HEIGHT, right, area_h))
        hover = self._hover
        if hover is not None and name_w <= hover.x() < right and hover.y() >= HEADER_HEIGHT:
            line = QColor(text)
            line.setAlpha(110)
            p.setPen(QPen(line, 1))
            p.drawLine(QPointF(hover.x() + 0.5, HEADER_HEIGHT), QPointF(hover.x() + 0.5, HEADER_HEIGHT + area_h))
        p.setClipping(False)
        self._paint_header(p, marks, small, fms, muted, grid)

    def _paint_critical_path(self, p: QPainter, items: list, color: QColor) -> None:
        """A 2 px line under each critical section of the rows on screen."""
        path = self._critical
        y_of = {item[0]: item[1] for item in items}
        sections = path.sections_of(np.fromiter(y_of, np.int64, len(y_of)))
        if len(sections) == 0:
            return
        x0 = self._vp.x_of((path.start[sections] - self._origin).astype(np.float64))
        x1 = self._vp.x_of((path.end[sections] - self._origin).astype(np.float64))
        for row, a, b in zip(path.rows[sections].tolist(), x0.tolist(), x1.tolist()):
            p.fillRect(QRectF(a, y_of[row] + ROW_HEIGHT - 3, max(2.0, b - a), 2), color)  # 1 px below the bar

    def _paint_header(self, p: QPainter, marks, small: QFont, fms: QFontMetricsF, muted: QColor, grid: QColor) -> None:
        pal = self.palette()
        R = QPalette.ColorRole
        right = self._scroll.x()
        name_w = self._name_width_used
        header = QRectF(0, 0, self.width(), HEADER_HEIGHT)
        p.fillRect(header, pal.color(R.Window))
        border = pal.color(R.Mid)
        p.setPen(QPen(border, 1))
        p.drawLine(QPointF(0, HEADER_HEIGHT - 0.5), QPointF(self.width(), HEADER_HEIGHT - 0.5))
        p.drawLine(QPointF(name_w - 0.5, 0), QPointF(name_w - 0.5, self.height()))
        bold = QFont(small)
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(pal.color(R.WindowText))
        count = len(self._rows)
        title = "Span" if count == 0 else f"Span  ·  {count:,} shown"
        p.drawText(QRectF(10, 0, name_w - 16, HEADER_HEIGHT), Qt.AlignmentFlag.AlignVCenter, title)
        p.setFont(small)
        h = fms.height()
        p.setClipRect(QRectF(name_w, 0, right - name_w, HEADER_HEIGHT))
        self._paint_range(p, 0, HEADER_HEIGHT, pal.color(R.Highlight), theme.is_dark(pal), strong=True)
        for t in marks:
            x = round(t.x) + 0.5
            p.setPen(QPen(border, 1))
            p.drawLine(QPointF(x, HEADER_HEIGHT - 6), QPointF(x, HEADER_HEIGHT - 1))
            w = fms.horizontalAdvance(t.label)
            if x + 4 + w > right - 2 or x < name_w:
                continue
            p.setPen(muted)
            p.drawText(QRectF(x + 4, (HEADER_HEIGHT - h) / 2 - 1, w + 2, h), Qt.AlignmentFlag.AlignLeft, t.label)
        hover = self._hover
        if hover is not None and name_w <= hover.x() < right and self._index is not None:
            label = format_offset(int(round(self._vp.t_of(hover.x()))))
            w = fms.horizontalAdvance(label) + 10
            x = min(max(hover.x() - w / 2, name_w + 1), right - w - 1)
            pill = QRectF(x, 3, w, HEADER_HEIGHT - 7)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.color(R.Text))
            p.drawRoundedRect(pill, 4, 4)
            p.setPen(pal.color(R.Base))
            p.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setClipping(False)
        _ = grid

    def _paint_range(self, p: QPainter, top: float, bottom: float, hi: QColor, dark: bool, strong: bool = False) -> None:
        if self._range is None or self._index is None:
            return
        x0, x1 = (float(x) for x in self._vp.x_of(np.array(self._range)))
        tint = QColor(hi)
        tint.setAlpha((90 if dark else 70) if strong else (40 if dark else 30))
        p.fillRect(QRectF(x0, top, max(1.0, x1 - x0), bottom - top), tint)
        edge = QColor(hi)
        edge.setAlpha(220)
        p.setPen(QPen(edge, 1))
        for x in (x0, x1):
            p.drawLine(QPointF(round(x) + 0.5, top), QPointF(round(x) + 0.5, bottom))

    def _category_qcolors(self, dark: bool) -> list[tuple[QColor, QColor, QColor]]:
        cached = self._qcolors.get(dark)
        if cached is None:
            cached = self._qcolors[dark] = [
                (QColor(c.fill), QColor(c.edge), QColor(c.text))
                for c in (colors.span_colors(k, dark) for k in range(256))
            ]
        return cached

    def _duration_label(self, ns: int, fms: QFontMetricsF) -> tuple[str, float]:
        hit = self._durations.get(ns)
        if hit is None:
            if len(self._durations) > 4096:
                self._durations.clear()
            text = format_duration(ns)
            hit = self._durations[ns] = (text, fms.horizontalAdvance(text))
        return hit

    @staticmethod
    def _paint_error_stripes(p: QPainter, bar: QRectF, red: QColor, clip: QRectF) -> None:
        """Red diagonal stripes and a red outline: an error reads as one in any palette, at any width."""
        visible = bar.intersected(clip)
        p.setClipRect(visible)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(red, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        h = bar.height()
        x = visible.left() - h - (visible.left() % 7)
        while x < visible.right():
            p.drawLine(QPointF(x, bar.bottom()), QPointF(x + h, bar.top()))
            x += 7
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setClipRect(clip)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(red, 2))
        p.drawRect(bar)

    @staticmethod
    def _paint_arrow(p: QPainter, x: float, cy: float, collapsed: bool, color: QColor) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        if collapsed:
            tri = QPolygonF([QPointF(x + 3, cy - 4.5), QPointF(x + 8, cy), QPointF(x + 3, cy + 4.5)])
        else:
            tri = QPolygonF([QPointF(x + 1, cy - 2.5), QPointF(x + 10, cy - 2.5), QPointF(x + 5.5, cy + 2.5)])
        p.drawPolygon(tri)

    @staticmethod
    def _paint_error_badge(p: QPainter, c: QPointF, red: QColor, selected: bool, hi_text: QColor) -> None:
        p.setPen(QPen(hi_text, 1.2) if selected else Qt.PenStyle.NoPen)
        p.setBrush(red)
        p.drawEllipse(c, 6.5, 6.5)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#ffffff"))
        p.drawRoundedRect(QRectF(c.x() - 0.9, c.y() - 4, 1.8, 4.8), 0.9, 0.9)
        p.drawEllipse(QPointF(c.x(), c.y() + 2.8), 1.0, 1.0)

    @staticmethod
    def _paint_offscreen_hint(p: QPainter, left: bool, cy: float, color: QColor, x_left: float, x_right: float) -> None:
        """A small arrowhead at the edge towards a bar that is outside the window."""
        p.setPen(Qt.PenStyle.NoPen)
        c = QColor(color)
        c.setAlpha(170)
        p.setBrush(c)
        if left:
            x = x_left + 1
            tri = QPolygonF([QPointF(x, cy), QPointF(x + 5, cy - 4), QPointF(x + 5, cy + 4)])
        else:
            x = x_right - 1
            tri = QPolygonF([QPointF(x, cy), QPointF(x - 5, cy - 4), QPointF(x - 5, cy + 4)])
        p.drawPolygon(tri)


def _trace_key(index: TraceIndex, trace: int) -> bytes:
    """What identifies a trace across re-indexing of a growing file: its 16-byte id."""
    if not 0 <= trace < len(index.traces):
        return b""
    return index.timeline.trace_id[int(index.traces.root[trace])].tobytes()
