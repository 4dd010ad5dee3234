"""The visible time window of a timeline: time↔pixel mapping, zoom, pan, fit, ticks and hit testing.

Pure Python, no Qt. Times are nanoseconds from the start of the trace, as
floats (exact to the nanosecond for any trace shorter than about 100 days).

    vp = Viewport(extent=(0, 4.8e9), width=1200)
    vp.zoom(2.0, about_x=300)          # twice as close, the time under x=300 stays put
    vp.pan_pixels(-40)                 # drag content 40 px to the left
    [t.label for t in ticks(vp)]       # ['0 ms', '250 ms', ...]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

#: The closest zoom: a window of this many nanoseconds across the whole bar area.
MIN_WINDOW_NS = 1_000.0


class Viewport:
    """A time window ``[t0, t1]`` shown across ``width`` pixels starting at pixel ``x0``.

    The window always lies inside the extent ``[lo, hi]`` and is never shorter than
    `MIN_WINDOW_NS` (or the extent, if that is shorter). Mutators return True when
    the window changed.
    """

    def __init__(self, extent: tuple[float, float] = (0.0, 1.0), width: float = 100.0, x0: float = 0.0) -> None:
        self.lo, self.hi = _extent(*extent)
        self.t0, self.t1 = self.lo, self.hi
        self.x0 = float(x0)
        self.width = max(1.0, float(width))

    def __repr__(self) -> str:
        return f"Viewport(t0={self.t0:g}, t1={self.t1:g}, extent=({self.lo:g}, {self.hi:g}), width={self.width:g})"

    # -- mapping ---------------------------------------------------------------

    @property
    def span(self) -> float:
        return self.t1 - self.t0

    @property
    def ns_per_px(self) -> float:
        return self.span / self.width

    def x_of(self, t):
        """Pixel of time ``t`` (a number or a numpy array)."""
        return self.x0 + (t - self.t0) * (self.width / self.span)

    def t_of(self, x):
        """Time at pixel ``x`` (a number or a numpy array)."""
        return self.t0 + (x - self.x0) * (self.span / self.width)

    def is_fit(self) -> bool:
        """True when the whole extent is shown."""
        return self.t0 <= self.lo and self.t1 >= self.hi

    # -- changing the window ---------------------------------------------------

    def set_geometry(self, x0: float, width: float) -> None:
        """Move or resize the pixel range; the time window stays."""
        self.x0 = float(x0)
        self.width = max(1.0, float(width))

    def set_extent(self, lo: float, hi: float, follow: bool | None = None) -> bool:
        """Change the extent (a trace that grew). A window that showed everything keeps doing so,
        unless ``follow`` says otherwise; any other window is kept, clamped to the new extent."""
        was_fit = self.is_fit() if follow is None else follow
        self.lo, self.hi = _extent(lo, hi)
        if was_fit:
            return self.fit()
        return self.set_window(self.t0, self.t1)

    def set_window(self, t0: float, t1: float) -> bool:
        """Show ``[t0, t1]``, clamped to the extent and the zoom limits."""
        t0, t1 = float(t0), float(t1)
        if not (math.isfinite(t0) and math.isfinite(t1)):
            return False
        if t1 < t0:
            t0, t1 = t1, t0
        full = self.hi - self.lo
        span = min(max(t1 - t0, min(MIN_WINDOW_NS, full)), full)
        mid = (t0 + t1) / 2
        t0 = mid - span / 2
        t0 = min(max(t0, self.lo), self.hi - span)
        return self._set(t0, t0 + span)

    def fit(self) -> bool:
        return self._set(self.lo, self.hi)

    def zoom(self, factor: float, about_x: float | None = None) -> bool:
        """Zoom in by ``factor`` (> 1 closer, < 1 farther), keeping the time under ``about_x`` in place."""
        if factor <= 0 or not math.isfinite(factor):
            return False
        if about_x is None:
            about_x = self.x0 + self.width / 2
        about_x = min(max(about_x, self.x0), self.x0 + self.width)
        t = self.t_of(about_x)
        full = self.hi - self.lo
        span = min(max(self.span / factor, min(MIN_WINDOW_NS, full)), full)
        frac = (about_x - self.x0) / self.width
        t0 = t - frac * span
        t0 = min(max(t0, self.lo), self.hi - span)
        return self._set(t0, t0 + span)

    def pan(self, dt: float) -> bool:
        """Move the window ``dt`` nanoseconds later (negative: earlier), stopping at the extent's ends."""
        span = self.span
        t0 = min(max(self.t0 + dt, self.lo), self.hi - span)
        return self._set(t0, t0 + span)

    def pan_pixels(self, dx: float) -> bool:
        """Drag the content ``dx`` pixels to the right (the window moves earlier)."""
        return self.pan(-dx * self.ns_per_px)

    def zoom_to(self, t0: float, t1: float, margin: float = 0.05) -> bool:
        """Show ``[t0, t1]`` with ``margin`` (a fraction of its length) free on both sides: zoom to a span."""
        pad = max(float(t1) - float(t0), MIN_WINDOW_NS) * margin
        return self.set_window(float(t0) - pad, float(t1) + pad)

    def center_on(self, t: float) -> bool:
        return self.pan(t - (self.t0 + self.t1) / 2)

    def ensure_visible(self, t0: float, t1: float) -> bool:
        """Pan (not zoom) so that as much of ``[t0, t1]`` as fits is in the window."""
        if t0 >= self.t0 and t1 <= self.t1:
            return False
        if t1 - t0 >= self.span:
            return self.pan(t0 - self.t0)
        if t0 < self.t0:
            return self.pan(t0 - self.t0)
        return self.pan(t1 - self.t1)

    def _set(self, t0: float, t1: float) -> bool:
        if t1 <= t0:
            t1 = t0 + 1.0
        changed = (t0, t1) != (self.t0, self.t1)
        self.t0, self.t1 = t0, t1
        return changed


def _extent(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(lo), float(hi)
    if not hi > lo:  # an empty or zero-length trace still gets a window to draw in
        hi = lo + MIN_WINDOW_NS
    return lo, hi


# -- ticks ---------------------------------------------------------------------

_S = 1e9
_LONG_STEPS = [s * _S for s in (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)]
#: 1, 2, 2.5, 5 × 10^k ns up to 20 s, then minutes, hours and days.
STEPS = sorted(
    {m * 10.0**e for e in range(0, 11) for m in (1, 2, 2.5, 5) if m * 10.0**e <= 20 * _S}
    | set(_LONG_STEPS)
    | {d * 86400 * _S for d in (2, 5, 10, 20, 50, 100)}
)
_UNITS = (("ns", 1.0), ("µs", 1e3), ("ms", 1e6), ("s", 1e9))


@dataclass(frozen=True)
class Tick:
    x: float
    t: float
    label: str


def nice_step(min_ns: float) -> float:
    """The smallest step of the 1-2-2.5-5 series (minutes and hours for long traces) of at least ``min_ns``."""
    i = int(np.searchsorted(STEPS, min_ns * (1 - 1e-12)))
    return STEPS[min(i, len(STEPS) - 1)]


def tick_labels(values: list[float], step: float) -> list[str]:
    """Labels for tick times ``values`` spaced ``step`` apart: ``0 ms, 250 ms, 500 ms`` or ``0 s, 0.4 s, 1.2 s``.

    The unit follows the step, and moves up one when a label would reach 1000 of it;
    steps of a minute or more read ``2 m``, ``1 h 30 m``.
    """
    if step >= 60 * _S:
        return [_clock(v) for v in values]
    u = next(i for i in range(len(_UNITS) - 1, -1, -1) if step >= _UNITS[i][1] or i == 0)
    top = max((abs(v) for v in values), default=0.0)
    if u < len(_UNITS) - 1 and top / _UNITS[u][1] >= 999.5:
        u += 1
    name, scale = _UNITS[u]
    decimals = 0
    while decimals < 6 and abs(step / scale * 10**decimals - round(step / scale * 10**decimals)) > 1e-6:
        decimals += 1
    out = []
    for v in values:
        text = f"{v / scale:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
        out.append(f"{text} {name}")
    return out


def _clock(ns: float) -> str:
    """``1 m 30 s``, ``1 h 05 m``, ``2 d 00 h 30 m``: from the largest non-zero unit down to the smallest."""
    s = int(round(ns / _S))
    parts = [(s // 86400, "d"), (s % 86400 // 3600, "h"), (s % 3600 // 60, "m"), (s % 60, "s")]
    nonzero = [i for i, (v, _) in enumerate(parts) if v]
    if not nonzero:
        return "0 m"
    lo, hi = nonzero[0], nonzero[-1]
    return " ".join(f"{v} {u}" if i == lo else f"{v:02d} {u}" for i, (v, u) in enumerate(parts) if lo <= i <= hi)


def ticks(
    vp: Viewport,
    measure: Callable[[str], float] = lambda s: 7.0 * len(s),
    gap: float = 16.0,
    min_px: float = 48.0,
) -> list[Tick]:
    """Tick marks for the window, spaced so that no two labels overlap.

    ``measure(label)`` is the label's width in pixels; labels are drawn starting at their tick.
    """
    step = nice_step(min_px * vp.ns_per_px)
    while True:
        first = math.ceil(vp.t0 / step - 1e-9)
        last = math.floor(vp.t1 / step + 1e-9)
        values = [k * step for k in range(first, last + 1)]
        labels = tick_labels(values, step)
        widest = max((measure(s) for s in labels), default=0.0)
        if widest + gap <= step / vp.ns_per_px or step >= STEPS[-1]:
            return [Tick(float(vp.x_of(v)), v, s) for v, s in zip(values, labels)]
        step = nice_step(step * 1.0001)


# -- hit testing ---------------------------------------------------------------


def row_at(y: float, top: float, row_height: float, scroll: float, count: int) -> int:
    """The row position (0-based, in display order) under ``y``, or -1 outside the rows."""
    if y < top:
        return -1
    pos = int((y - top + scroll) // row_height)
    return pos if 0 <= pos < count else -1


def bar_extent(vp: Viewport, start: float, end: float, min_px: float = 2.0) -> tuple[float, float]:
    """Left and right pixel of a span's bar; a bar is never narrower than ``min_px``."""
    x0 = float(vp.x_of(start))
    x1 = float(vp.x_of(end))
    if x1 - x0 < min_px:
        x1 = x0 + min_px
    return x0, x1


def hits_bar(vp: Viewport, x: float, start: float, end: float, slop: float = 3.0) -> bool:
    """Whether pixel ``x`` is on the span's bar (give or take ``slop`` pixels, so tiny spans can be hit)."""
    x0, x1 = bar_extent(vp, start, end)
    return x0 - slop <= x <= x1 + slop


def label_place(x0: float, x1: float, left: float, right: float, width: float, pad: float = 5.0, gap: float = 6.0) -> tuple[str, float] | None:
    """Where a bar's duration label of ``width`` pixels goes: ``("inside", x)`` on the visible part of the bar
    ``[x0, x1]``, else ``("after", x)`` or ``("before", x)`` beside it, or None when it fits nowhere between
    ``left`` and ``right``. Error bars follow the same rule (their label sits on a plate over the stripes)."""
    vis0, vis1 = max(x0, left), min(x1, right)
    if vis1 - vis0 >= width + 2 * pad:
        return "inside", vis0 + pad
    if x1 + gap + width <= right:
        return "after", x1 + gap
    if x0 - gap - width >= left:
        return "before", x0 - gap - width
    return None
