"""The timeline's time window: mapping, zoom, pan, fit, clamping, ticks and hit testing (no Qt)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viewer.timeline.viewport import (
    MIN_WINDOW_NS,
    Viewport,
    bar_extent,
    hits_bar,
    label_place,
    nice_step,
    row_at,
    tick_labels,
    ticks,
)

MS = 1_000_000
S = 1_000_000_000


def test_mapping_round_trips():
    vp = Viewport((0, 1000 * MS), width=1000, x0=50)
    assert vp.x_of(0) == 50 and vp.x_of(1000 * MS) == 1050
    assert vp.t_of(550) == pytest.approx(500 * MS)
    assert vp.ns_per_px == MS


def test_zoom_keeps_the_time_under_the_pointer_and_clamps():
    vp = Viewport((0, 1000 * MS), width=1000)
    t = vp.t_of(250)
    assert vp.zoom(4, about_x=250)
    assert vp.span == pytest.approx(250 * MS)
    assert vp.t_of(250) == pytest.approx(t)
    assert not vp.zoom(0.01) or vp.is_fit()  # zooming out stops at the whole extent
    assert (vp.t0, vp.t1) == (0, 1000 * MS)
    vp.zoom(1e12)
    assert vp.span == pytest.approx(MIN_WINDOW_NS)


def test_pan_stops_at_the_ends_and_fit_restores():
    vp = Viewport((0, 1000 * MS), width=1000)
    vp.zoom(2, about_x=0)
    assert (vp.t0, vp.t1) == (0, 500 * MS)
    assert not vp.pan(-10 * MS)  # already at the start
    vp.pan_pixels(-100)  # content dragged left: the window moves later
    assert vp.t0 == pytest.approx(50 * MS)
    vp.pan(10 * S)
    assert vp.t1 == 1000 * MS and vp.span == pytest.approx(500 * MS)
    assert vp.fit() and vp.is_fit()


def test_set_window_and_extent():
    vp = Viewport((0, 100), width=10)
    vp.set_extent(0, 10_000)  # a window that showed everything follows the growth
    assert (vp.t0, vp.t1) == (0, 10_000)
    vp.set_window(9000, 20_000)  # longer than the extent: clamped to all of it
    assert (vp.t0, vp.t1) == (0, 10_000)
    vp.set_window(2000, 4000)
    vp.set_extent(0, 50_000)
    assert (vp.t0, vp.t1) == (2000, 4000)
    assert Viewport((5, 5)).span == MIN_WINDOW_NS  # zero-length trace still has a window
    assert vp.ensure_visible(45_000, 46_000) and vp.t1 == 46_000


def test_nice_steps_and_labels():
    assert nice_step(1) == 1 and nice_step(180 * MS) == 200 * MS and nice_step(220 * MS) == 250 * MS
    assert nice_step(40 * S) == 60 * S
    assert tick_labels([0, 250 * MS, 500 * MS, 750 * MS], 250 * MS) == ["0 ms", "250 ms", "500 ms", "750 ms"]
    assert tick_labels([0, 600 * MS, 1200 * MS], 600 * MS)[-1] == "1.2 s"
    assert tick_labels([0, 250 * MS, 1000 * MS], 250 * MS) == ["0 s", "0.25 s", "1 s"]
    assert tick_labels([0, 5_000, 10_000], 5_000) == ["0 µs", "5 µs", "10 µs"]
    assert tick_labels([0, 90 * S, 3900 * S], 90 * S) == ["0 m", "1 m 30 s", "1 h 05 m"]
    assert tick_labels([88_080 * S, 88_140 * S], 60 * S) == ["1 d 00 h 28 m", "1 d 00 h 29 m"]


def test_ticks_for_a_second_long_window():
    vp = Viewport((0, 1 * S), width=800)
    marks = ticks(vp)
    assert [m.label for m in marks] == ["0 s", "0.1 s", "0.2 s", "0.3 s", "0.4 s", "0.5 s", "0.6 s", "0.7 s", "0.8 s",
                                        "0.9 s", "1 s"]  # fmt: skip
    assert marks[1].x == pytest.approx(80)
    vp.set_window(0, 800 * MS)  # no label reaches 1000 ms: stays in ms
    assert [m.label for m in ticks(vp)][:3] == ["0 ms", "100 ms", "200 ms"]


@given(
    span=st.floats(min_value=MIN_WINDOW_NS, max_value=30 * 86400 * S),
    start=st.floats(min_value=0, max_value=1e15),
    width=st.integers(min_value=50, max_value=4000),
)
def test_tick_labels_never_overlap(span, start, width):
    vp = Viewport((0, start + span), width=width)
    vp.set_window(start, start + span)

    def measure(s):
        return 7.0 * len(s)

    marks = ticks(vp, measure, gap=10)
    assert len(marks) <= width / 20 + 2
    for a, b in zip(marks, marks[1:]):
        assert a.x + measure(a.label) + 10 <= b.x + 1e-6
    assert len({m.label for m in marks}) == len(marks)  # distinct labels


def test_hit_testing():
    assert row_at(10, top=26, row_height=22, scroll=0, count=5) == -1  # the header
    assert row_at(26, 26, 22, 0, 5) == 0 and row_at(26 + 22 * 3 + 1, 26, 22, 0, 5) == 3
    assert row_at(30, 26, 22, 44, 5) == 2  # scrolled by two rows
    assert row_at(26 + 22 * 5, 26, 22, 0, 5) == -1  # below the last row
    vp = Viewport((0, 1000), width=1000)
    assert bar_extent(vp, 100, 100) == (100, 102)  # zero-length spans still get a bar
    assert hits_bar(vp, 101, 100, 100) and hits_bar(vp, 104, 100, 100)
    assert not hits_bar(vp, 110, 100, 100)


def test_zoom_to_shows_the_span_with_a_margin():
    vp = Viewport((0, 10_000_000), 1000)
    assert vp.zoom_to(2_000_000, 3_000_000)
    assert (vp.t0, vp.t1) == pytest.approx((1_950_000, 3_050_000))
    vp.zoom_to(9_900_000, 10_000_000)  # clamped to the extent, still the span's length plus margins
    assert vp.t1 == 10_000_000 and vp.t1 - vp.t0 == pytest.approx(110_000)


def test_label_place_inside_beside_or_nowhere():
    # A wide bar holds its label, error or not: the paint puts an error bar's label on a plate.
    assert label_place(100, 400, 0, 500, 40) == ("inside", 105)
    # A bar that fills the whole area (a failed root span) still gets its label inside.
    assert label_place(-50, 900, 0, 500, 40) == ("inside", 5)
    assert label_place(100, 120, 0, 500, 40) == ("after", 126)
    assert label_place(440, 480, 0, 500, 40) == ("before", 394)
    assert label_place(10, 490, 0, 500, 600) is None
