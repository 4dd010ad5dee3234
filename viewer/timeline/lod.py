"""Level of detail for a trace overview: spans bucketed per pixel and per depth lane, with numpy.

Every span in the window marks at least the pixel it starts in, however short it
is (as pyqtgraph keeps each pixel's min and max so a spike never vanishes).
Each bucket keeps its dominant category (the one covering most of the pixel,
sub-pixel spans counted by the fraction they cover) and whether any error span
touches it (as Perfetto's summary tracks do). The output is a
``lanes × width`` grid, so painting it costs the same for ten spans or a million.

    lanes = SpanLanes.from_columns(start, end, depth, category, status)
    grid = summarize(lanes, t0=0, t1=lanes.duration, width=1600)
    grid.category[lane, x]   # -1 for an empty bucket
    grid.error[lane, x]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracefile.genai import CATEGORY_NAMES
from tracefile.format import STATUS_ERROR

#: Deeper spans than this share the last lane.
MAX_LANES = 24
CATEGORIES = len(CATEGORY_NAMES)
#: Weight of a zero-length span, so that it still marks its pixel.
_EPS = 1e-6


@dataclass
class SpanLanes:
    """One trace's spans, prepared once for repeated bucketing (no Python object per span).

    Spans are kept sorted by start, with a running maximum of their ends, so a zoomed-in
    window finds its spans with two binary searches instead of a pass over all of them.
    """

    start: np.ndarray  # float64 ns from the trace's start, ascending
    end: np.ndarray  # float64 ns, >= start
    lane: np.ndarray  # int64 depth, capped at lanes - 1
    category: np.ndarray  # int64 in [0, CATEGORIES)
    key: np.ndarray  # int64 lane * CATEGORIES + category
    is_error: np.ndarray  # bool per span
    lanes: int  # number of lanes in use (>= 1)
    end_max: np.ndarray  # float64 running maximum of end

    def __post_init__(self) -> None:
        self._scratch: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.start)

    @property
    def duration(self) -> float:
        return float(self.end_max[-1]) if len(self.end_max) else 0.0

    def scratch(self, name: str, dtype, n: int) -> np.ndarray:
        """A reused work array: fresh 8 MB arrays cost more in page faults than the arithmetic."""
        buf = self._scratch.get(name)
        if buf is None or buf.dtype != dtype or len(buf) < n:
            buf = self._scratch[name] = np.empty(max(n, len(self.start)), dtype)
        return buf[:n]

    def window(self, t0: float, t1: float) -> tuple[int, int]:
        """The slice of spans that may overlap ``[t0, t1]`` (some in it may end before ``t0``)."""
        a = int(np.searchsorted(self.end_max, t0, side="left"))
        b = int(np.searchsorted(self.start, t1, side="right"))
        return a, max(a, b)

    @classmethod
    def from_columns(
        cls,
        start: np.ndarray,
        end: np.ndarray,
        depth: np.ndarray,
        category: np.ndarray,
        status: np.ndarray,
        *,
        origin: int | None = None,
        max_lanes: int = MAX_LANES,
    ) -> SpanLanes:
        """``start``/``end`` in ns (uint64 unix times are fine: ``origin``, default the earliest start, is
        subtracted in integers before going to floats so no precision is lost)."""
        start = np.asarray(start)
        end = np.asarray(end)
        if origin is None:
            origin = int(start.min()) if len(start) else 0
        if start.dtype.kind == "u":
            o = np.uint64(origin)
            s = (start - o).astype(np.int64).astype(np.float64)
            e = (np.maximum(end, start) - o).astype(np.int64).astype(np.float64)
        else:
            s = start.astype(np.float64) - origin
            e = np.maximum(end.astype(np.float64) - origin, s)
        by = np.argsort(s, kind="stable")
        s, e = s[by], e[by]
        lane = np.minimum(np.maximum(np.asarray(depth, np.int64)[by], 0), max_lanes - 1)
        cat = np.asarray(category, np.int64)[by]
        cat = np.where((cat >= 0) & (cat < CATEGORIES), cat, 0)
        lanes = int(lane.max()) + 1 if len(lane) else 1
        is_error = np.asarray(status)[by] == STATUS_ERROR
        end_max = np.maximum.accumulate(e) if len(e) else e
        return cls(s, e, lane, cat, lane * CATEGORIES + cat, is_error, lanes, end_max)


@dataclass
class LaneGrid:
    """The overview of one window: ``category[lane, x]`` (-1 empty) and ``error[lane, x]``."""

    category: np.ndarray  # int8 (lanes, width)
    error: np.ndarray  # bool (lanes, width)
    t0: float
    t1: float

    @property
    def occupied(self) -> np.ndarray:
        return self.category >= 0

    def buckets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The occupied buckets as (lane, x, category, error) arrays, lane by lane, left to right."""
        lane, x = np.nonzero(self.category >= 0)
        return lane, x, self.category[lane, x].astype(np.int64), self.error[lane, x]

    def runs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Neighbouring buckets of one lane with the same category and error flag merged:
        (lane, x_start, x_end_exclusive, category, error) — at most lanes × width of them."""
        lanes, width = self.category.shape
        code = self.category.astype(np.int16) * 2 + self.error  # -2/-1 for empty
        code = np.where(self.category >= 0, code, -1)
        padded = np.full((lanes, width + 1), -1, np.int16)
        padded[:, :width] = code
        flat = padded.ravel()
        change = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
        ends = np.r_[change[1:], len(flat)]
        keep = flat[change] >= 0
        starts, ends = change[keep], ends[keep]
        lane = starts // (width + 1)
        x0 = starts % (width + 1)
        x1 = x0 + (ends - starts)
        c = flat[starts]
        return lane, x0, x1, (c // 2).astype(np.int64), (c % 2).astype(bool)


def summarize(spans: SpanLanes, t0: float, t1: float, width: int) -> LaneGrid:
    """Bucket ``spans`` overlapping ``[t0, t1]`` into ``spans.lanes × width`` pixel buckets."""
    width = max(1, int(width))
    lanes = spans.lanes
    rows = lanes * CATEGORIES
    if not t1 > t0:
        t1 = t0 + 1.0
    a, b = spans.window(t0, t1)
    s, e, key, is_err = spans.start[a:b], spans.end[a:b], spans.key[a:b], spans.is_error[a:b]
    if len(s) and e.min() < t0:  # spans that ended before the window: only when zoomed in
        keep = np.flatnonzero(e >= t0)
        s, e, key, is_err = s[keep], e[keep], key[keep], is_err[keep]
    n = len(s)
    scale = width / (t1 - t0)
    top = np.nextafter(float(width), 0.0)
    f = spans.scratch

    # Pixel coordinates, clipped to the window, computed in place in reused arrays.
    xs = f("xs", np.float64, n)
    xe = f("xe", np.float64, n)
    for x, t in ((xs, s), (xe, e)):
        np.subtract(t, t0, out=x)
        np.multiply(x, scale, out=x)
        np.maximum(x, 0.0, out=x)
        np.minimum(x, top, out=x)
    p0 = f("p0", np.int64, n)
    np.copyto(p0, xs, casting="unsafe")  # floor, as xs >= 0
    p1 = f("p1", np.int64, n)
    tmp = f("tmp", np.float64, n)
    np.ceil(xe, out=tmp)
    np.copyto(p1, tmp, casting="unsafe")
    p1 -= 1
    np.maximum(p1, p0, out=p1)  # the last pixel the span covers

    # Coverage weight of each (lane, category, pixel): a span's first and last pixels get the
    # fraction of them it covers (a zero-length span a tiny weight, so it still counts), the
    # pixels in between a whole 1 each, through a running sum of +1/-1 steps.
    cell = f("cell", np.int64, n)
    np.multiply(key, width, out=cell)
    cell += p0
    np.add(p0, 1, out=tmp, casting="unsafe")
    np.minimum(tmp, xe, out=tmp)
    tmp -= xs
    np.maximum(tmp, _EPS, out=tmp)
    weight = np.bincount(cell, weights=tmp, minlength=rows * width)
    multi = np.flatnonzero(p1 > p0)
    if len(multi):
        pm0, pm1, km = p0[multi], p1[multi], key[multi]
        weight += np.bincount(km * width + pm1, weights=xe[multi] - pm1, minlength=rows * width)
        inner = np.flatnonzero(pm1 > pm0 + 1)
        if len(inner):
            # Indices into a (rows, width + 1) table, so the -1 past a row's last pixel spills nowhere.
            bi = km[inner] * (width + 1)
            steps = np.bincount(bi + pm0[inner] + 1, minlength=rows * (width + 1))
            steps -= np.bincount(bi + pm1[inner], minlength=rows * (width + 1))
            weight += np.cumsum(steps.reshape(rows, width + 1), axis=1)[:, :width].ravel()
    weight = weight.reshape(lanes, CATEGORIES, width)
    category = np.argmax(weight, axis=1).astype(np.int8)
    category[weight.max(axis=1) <= 0] = -1

    error = np.zeros((lanes, width), bool)
    err = np.flatnonzero(is_err)
    if len(err):
        lane_e = key[err] // CATEGORIES
        stride = width + 1
        marks = np.bincount(lane_e * stride + p0[err], minlength=lanes * stride)
        marks -= np.bincount(lane_e * stride + p1[err] + 1, minlength=lanes * stride)
        error = np.cumsum(marks.reshape(lanes, stride), axis=1)[:, :width] > 0
    return LaneGrid(category, error, float(t0), float(t1))


def summarize_columns(
    start: np.ndarray,
    end: np.ndarray,
    depth: np.ndarray,
    category: np.ndarray,
    status: np.ndarray,
    t0: float,
    t1: float,
    width: int,
    max_lanes: int = MAX_LANES,
) -> LaneGrid:
    """One-shot `summarize` of raw columns whose times are already relative to ``t0``'s origin."""
    lanes = SpanLanes.from_columns(start, end, depth, category, status, origin=0, max_lanes=max_lanes)
    return summarize(lanes, t0, t1, width)
