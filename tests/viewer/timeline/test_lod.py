"""Overview level of detail: every span keeps a mark, errors are never hidden, output is bounded (no Qt)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from viewer.timeline import colors
from viewer.timeline.lod import CATEGORIES, MAX_LANES, SpanLanes, summarize


def _lanes(start, end, depth, cat, status):
    return SpanLanes.from_columns(
        np.array(start, np.uint64), np.array(end, np.uint64), np.array(depth), np.array(cat), np.array(status),
        origin=0,
    )  # fmt: skip


def test_tiny_spans_keep_their_pixel_and_long_ones_cover_theirs():
    # One 1 ns span and one long span in lane 0, an error in lane 1.
    L = _lanes([10, 500, 900], [11, 1000, 900], [0, 0, 1], [2, 1, 4], [0, 0, 2])
    g = summarize(L, 0, 1000, 100)
    assert g.category.shape == (2, 100)
    assert g.category[0, 1] == 2  # the 1 ns tool call still marks pixel 1
    assert (g.category[0, 50:100] == 1).all()  # the LLM call covers its pixels
    assert (g.category[0, 2:50] == -1).all()
    assert g.error[1, 90] and g.category[1, 90] == 4  # a zero-length failing span
    assert g.error.sum() == 1


def test_dominant_category_is_the_one_covering_most():
    # In pixel 0 (0..10 ns): tool covers 2 ns, llm covers 7 ns.
    L = _lanes([0, 3], [2, 10], [0, 0], [2, 1], [0, 0])
    g = summarize(L, 0, 100, 10)
    assert g.category[0, 0] == 1


def test_deep_spans_share_the_last_lane_and_windows_clip():
    L = _lanes([0, 0, 50], [10, 10, 60], [0, 40, 3], [0, 0, 0], [0, 0, 0])
    assert L.lanes == MAX_LANES
    g = summarize(L, 40, 70, 30)
    assert g.category.shape == (MAX_LANES, 30)
    assert (g.category[0] == -1).all() and (g.category[MAX_LANES - 1] == -1).all()  # both end before 40
    assert (g.category[3, 10:20] == 0).all() and g.category[3, 20] == -1


def test_runs_merge_neighbours():
    L = _lanes([0, 40], [30, 50], [0, 0], [1, 1], [0, 2])
    g = summarize(L, 0, 100, 10)
    lane, x0, x1, cat, err = g.runs()
    assert list(zip(x0.tolist(), x1.tolist(), err.tolist())) == [(0, 3, False), (4, 5, True)]
    assert (cat == 1).all() and (lane == 0).all()


spans = st.lists(
    st.tuples(
        st.integers(0, 10_000), st.integers(0, 3_000), st.integers(0, 30), st.integers(0, CATEGORIES - 1),
        st.sampled_from([0, 1, 2]),
    ),
    min_size=1,
    max_size=200,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(spans=spans, width=st.integers(1, 300), window=st.tuples(st.integers(0, 12_000), st.integers(1, 12_000)))
def test_every_span_in_the_window_is_represented(spans, width, window):
    start = [s for s, *_ in spans]
    end = [s + d for s, d, *_ in spans]
    L = _lanes(start, end, [d for *_, d, _, _ in spans], [c for *_, c, _ in spans], [x for *_, x in spans])
    t0, t1 = window[0], window[0] + window[1]
    g = summarize(L, t0, t1, width)
    lanes = min(max(d for *_, d, _, _ in spans), MAX_LANES - 1) + 1
    assert g.category.shape == (lanes, width) and g.error.shape == (lanes, width)
    lane, x, cat, err = g.buckets()
    assert len(lane) <= width * lanes
    scale = width / (t1 - t0)
    for s, e, (_, _, d, c, status) in zip(start, end, spans):
        if e < t0 or s > t1:
            continue
        px = min(int(max(s - t0, 0) * scale), width - 1)
        ln = min(d, MAX_LANES - 1)
        assert g.category[ln, px] >= 0, (s, e, px)
        if status == 2:
            assert g.error[ln, px]
    # Nothing is invented: an occupied bucket has a span in its lane overlapping its pixel.
    for ln, px in zip(lane.tolist(), x.tolist()):
        a, b = t0 + px / scale, t0 + (px + 1) / scale
        assert any(min(d, MAX_LANES - 1) == ln and e >= a and s <= b for s, e, (_, _, d, _, _) in zip(start, end, spans))


def test_a_million_spans():
    rng = np.random.default_rng(1)
    n = 1_000_000
    start = np.sort(rng.integers(0, 10**10, n)).astype(np.uint64)
    end = start + rng.exponential(1e6, n).astype(np.uint64)
    L = SpanLanes.from_columns(start, end, rng.integers(0, 8, n), rng.integers(0, 8, n), (rng.random(n) < 0.02) * 2)
    g = summarize(L, 0, L.duration, 1600)
    assert g.category.shape == (8, 1600)
    assert (g.category >= 0).all()  # at 125 spans per bucket, every bucket is used
    assert g.error.mean() > 0.5


def test_colour_table_and_palettes():
    light, dark = colors.rgba_table(False), colors.rgba_table(True)
    assert light.shape == (CATEGORIES + 1, 4) and (light[:, 3] == 255).all()
    assert tuple(light[-1, :3]) == (0xCF, 0x22, 0x2E)  # errors are red
    fills = {colors.span_colors(c, False).fill for c in range(CATEGORIES)}
    assert len(fills) == CATEGORIES and colors.error_color(False) not in fills
    assert (light != dark).any()
    assert colors.span_colors(99, True) == colors.span_colors(0, True)  # unknown → "other"
