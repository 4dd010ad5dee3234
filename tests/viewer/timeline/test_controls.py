"""Timeline controls on a recorded nested agent run: expand and collapse, zoom to a span, the name column, time ranges."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetricsF

from tests.helpers.recorder import MS
from tests.helpers.research_run import research_run
from tracefile.format.columns import read_timeline
from viewer.cost.logic import default_table, rows_totals
from viewer.timeline import TraceWaterfall
from viewer.timeline.ranges import range_figures, range_text
from viewer.timeline.waterfall import HEADER_HEIGHT, ROW_HEIGHT
from viewer.tracedata import build_index


@pytest.fixture
def index(make_tracy):
    return build_index(read_timeline(make_tracy("research.tracy", research_run)))


@pytest.fixture
def waterfall(qtbot, index):
    w = TraceWaterfall()
    qtbot.addWidget(w)
    w.resize(1000, 400)
    w.set_data(index, 0)
    return w


def _row(index, name: str, nth: int = 0) -> int:
    return [r for r in range(index.n) if index.name(r) == name][nth]


def _names(w, index) -> list[str]:
    return [index.name(int(r)) for r in w.rows()]


def test_expand_all_collapse_all_and_to_a_depth(waterfall, index):
    assert len(waterfall.rows()) == 10
    waterfall.collapse_all()
    assert _names(waterfall, index) == ["invoke_agent research-assistant"]
    waterfall.expand_to_depth(1)
    assert _names(waterfall, index) == [
        "invoke_agent research-assistant", "chat gpt-4o", "invoke_agent note-taker", "execute_tool save_report", "chat gpt-4o",
    ]  # fmt: skip
    waterfall.expand_to_depth(2)
    assert len(waterfall.rows()) == 8 and "POST /v1/notes/summarize" not in _names(waterfall, index)
    waterfall.expand_to_depth(3)
    assert len(waterfall.rows()) == 9 and "SELECT notes" not in _names(waterfall, index)
    waterfall.expand_all()
    assert len(waterfall.rows()) == 10


def test_collapse_all_moves_a_hidden_selection_to_the_root(waterfall, index):
    waterfall.select_row(_row(index, "SELECT notes"))
    waterfall.collapse_all()
    assert waterfall.selected_row() == _row(index, "invoke_agent research-assistant")


def test_collapse_and_expand_a_subtree(waterfall, index):
    agent = _row(index, "invoke_agent note-taker")
    waterfall.collapse_subtree(agent)
    assert len(waterfall.rows()) == 10 - 5
    waterfall.set_collapsed(agent, False)  # one level at a time after a subtree collapse
    assert len(waterfall.rows()) == 10 - 2
    waterfall.expand_subtree(agent)
    assert len(waterfall.rows()) == 10


def test_double_click_zooms_to_the_span(qtbot, waterfall, index):
    row = _row(index, "execute_tool summarize_notes")
    y = HEADER_HEIGHT + waterfall.position_of(row) * ROW_HEIGHT + ROW_HEIGHT // 2
    qtbot.mouseDClick(waterfall, Qt.MouseButton.LeftButton, pos=QPoint(40, y))
    t0, t1 = waterfall.time_window()
    assert waterfall.selected_row() == row
    assert t0 < 1520 * MS < 1530 * MS and 2590 * MS < 2600 * MS < t1
    assert (t1 - t0) < 1.2 * 1080 * MS  # zoomed to the span, with a small margin


def test_f_zooms_to_the_selection_and_0_fits(qtbot, waterfall, index):
    waterfall.select_row(_row(index, "SELECT notes"))
    qtbot.keyClick(waterfall, Qt.Key.Key_F)
    t0, t1 = waterfall.time_window()
    assert t0 <= 1600 * MS and 1650 * MS <= t1 and t1 - t0 < 60 * MS
    qtbot.keyClick(waterfall, Qt.Key.Key_0)
    assert waterfall.viewport.is_fit()


def test_w_s_zoom_and_a_d_pan(qtbot, waterfall):
    qtbot.keyClick(waterfall, Qt.Key.Key_W)
    t0, t1 = waterfall.time_window()
    assert t1 - t0 < 6000 * MS
    qtbot.keyClick(waterfall, Qt.Key.Key_D)
    assert waterfall.time_window()[0] > t0
    qtbot.keyClick(waterfall, Qt.Key.Key_A)
    assert waterfall.time_window()[0] == pytest.approx(t0)
    qtbot.keyClick(waterfall, Qt.Key.Key_S)
    assert waterfall.viewport.is_fit()


def test_long_names_elide_in_the_middle_and_the_tooltip_has_them_whole(qtbot, waterfall, index):
    row = _row(index, "execute_tool summarize_notes")
    waterfall.set_name_width(150)
    label = waterfall.name_label(row)
    assert "…" in label and label != index.name(row)
    head, tail = label.split("…")
    assert index.name(row).startswith(head) and index.name(row).endswith(tail) and head and tail
    y = HEADER_HEIGHT + waterfall.position_of(row) * ROW_HEIGHT + 5
    assert "execute_tool summarize_notes" in waterfall.tooltip_text_at(QPointF(20, y))
    waterfall.set_name_width(420)
    assert waterfall.name_label(row) == "execute_tool summarize_notes"


def test_dragging_the_name_column_edge_resizes_it_past_half_the_widget(qtbot, waterfall):
    edge = waterfall.name_width_shown
    with qtbot.waitSignal(waterfall.nameWidthChanged) as sig:
        qtbot.mousePress(waterfall, Qt.MouseButton.LeftButton, pos=QPoint(edge, 100))
        qtbot.mouseMove(waterfall, QPoint(620, 100))
        qtbot.mouseRelease(waterfall, Qt.MouseButton.LeftButton, pos=QPoint(620, 100))
    assert sig.args == [620] and waterfall.name_width_shown == 620 > waterfall.width() // 2
    assert waterfall.viewport.x0 > 620


def test_dragging_the_time_axis_selects_a_range_and_esc_clears_it(qtbot, waterfall):
    vp = waterfall.viewport
    x0, x1 = int(vp.x_of(1000 * MS)), int(vp.x_of(3000 * MS))
    with qtbot.waitSignal(waterfall.rangeChanged) as sig:
        qtbot.mousePress(waterfall, Qt.MouseButton.LeftButton, pos=QPoint(x0, 10))
        qtbot.mouseMove(waterfall, QPoint(x1, 10))
        qtbot.mouseRelease(waterfall, Qt.MouseButton.LeftButton, pos=QPoint(x1, 10))
    t0, t1 = sig.args[0]
    assert abs(t0 - 1000 * MS) < 2 * vp.ns_per_px and abs(t1 - 3000 * MS) < 2 * vp.ns_per_px
    assert waterfall.time_window() == (vp.lo, vp.hi)  # selecting did not pan
    with qtbot.waitSignal(waterfall.rangeChanged) as sig:
        qtbot.keyClick(waterfall, Qt.Key.Key_Escape)
    assert sig.args == [None] and waterfall.time_range() is None


def test_range_figures_against_a_hand_count(index):
    table = default_table()
    f = range_figures(index, 0, 1000 * MS, 3000 * MS, table)
    # Overlapping 1.0–3.0 s: the root, note-taker, its first chat (960–1500 ms), the tool, its POST and
    # SELECT, and the failing chat (2650 ms on). Starting in it: only the failing chat, an LLM call of 900 tokens.
    assert (f.spans, f.errors, f.llm_calls, f.input_tokens, f.output_tokens) == (7, 1, 1, 900, 0)
    failing = _row(index, "chat gpt-4o-mini", 1)
    assert f.cost == pytest.approx(rows_totals(index.timeline, [failing], table).cost) and f.cost > 0
    assert range_text(f).startswith("2.00 s · 7 spans · 1 error · 1 LLM call · 900 tokens · $")
    whole = range_figures(index, 0, 0, 6000 * MS, table)
    assert (whole.spans, whole.errors, whole.llm_calls, whole.tokens) == (10, 1, 4, 1200 + 300 + 800 + 120 + 900 + 2000 + 500)
    empty = range_figures(index, 0, 5995 * MS, 5999 * MS, table)
    assert (empty.spans, empty.llm_calls, empty.tokens) == (1, 0, 0)  # the root only


def test_name_font_metrics_match_the_paint(waterfall, index):
    """`name_label` is what the paint draws: it fits the room the paint gives the name."""
    row = _row(index, "invoke_agent research-assistant")
    waterfall.set_name_width(140)
    fm = QFontMetricsF(waterfall.font())
    assert 0 < fm.horizontalAdvance(waterfall.name_label(row)) <= waterfall.name_width_shown - 30
