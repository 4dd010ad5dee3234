"""The timeline in the main window: a tool's name in full at 1280 px, the span menu, the View menu's actions."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from tests.helpers.research_run import research_run
from tests.helpers.viewer import open_view
from tracefile.format import Timeline

pytestmark = pytest.mark.usefixtures("viewer_env")


@pytest.fixture
def view(qtbot, light_window, make_tracy):
    view = open_view(qtbot, light_window, make_tracy("research.tracy", research_run))
    light_window.show()
    qtbot.waitExposed(light_window)
    return view


def _row(view, name: str) -> int:
    ix = view.session.index
    return next(r for r in range(ix.n) if ix.name(r) == name)


def test_a_tool_name_reads_in_full_at_1280_px(view, light_window):
    assert light_window.width() == 1280
    row = _row(view, "execute_tool summarize_notes")
    assert view.waterfall.name_label(row) == "execute_tool summarize_notes"


def test_span_menu_lists_its_actions_and_copies_the_span_id(view, light_window):
    row = _row(view, "execute_tool summarize_notes")
    menu = view.span_menu(row)
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts == [
        "Copy Name", "Copy Span ID", "Copy Trace ID", "Expand Subtree", "Collapse Subtree", "Zoom to Span",
        "Show in Chat", "Expand All", "Collapse All", "Mark for Comparison", "Compare Span with Marked", "Add Feedback…",
    ]  # fmt: skip
    assert light_window.mark_action in menu.actions() and light_window.feedback_action in menu.actions()
    copy_id = next(a for a in menu.actions() if a.text() == "Copy Span ID")
    copy_id.trigger()
    span_id = Timeline.span_id_hex(int(view.session.index.timeline.span_id[row]))
    assert QGuiApplication.clipboard().text() == span_id == view.session.span(row).span_id
    zoom = next(a for a in menu.actions() if a.text() == "Zoom to Span")
    zoom.trigger()
    t0, t1 = view.waterfall.time_window()
    start = int(view.session.index.timeline.start[row]) - view.waterfall.origin
    assert t0 < start < t1 and t1 - t0 < 1.2 * (int(view.session.index.timeline.end[row]) - int(view.session.index.timeline.start[row]))


def test_view_menu_actions_drive_the_current_waterfall(qtbot, view, light_window):
    actions = light_window.timeline_actions
    actions.collapse_all.trigger()
    assert len(view.waterfall.rows()) == 1
    actions.expand_to_depth[1].trigger()  # depth 2
    assert len(view.waterfall.rows()) == 8
    actions.expand_all.trigger()
    assert len(view.waterfall.rows()) == 10
    view.waterfall.select_row(_row(view, "SELECT notes"))
    actions.zoom_to_selection.trigger()
    assert view.waterfall.time_window()[1] - view.waterfall.time_window()[0] < 0.1 * view.waterfall.viewport.hi
    actions.fit.trigger()
    assert view.waterfall.viewport.is_fit()
    assert [k.toString() for k in actions.fit.shortcuts()] == ["0", "Shift+F"]
    assert actions.zoom_to_selection.shortcut().toString() == "F"


def test_range_selection_shows_its_figures_above_the_waterfall(qtbot, view):
    from tests.helpers.recorder import MS

    pane = view.timeline
    assert pane.range_label.isHidden()
    view.waterfall.set_range(1000 * MS, 3000 * MS)
    assert pane.range_label.isVisible()
    assert "7 spans · 1 error · 1 LLM call · 900 tokens" in pane.range_label.text()
    view.waterfall.clear_range()
    assert pane.range_label.isHidden()


def test_the_name_width_is_remembered(qtbot, view, light_window, make_tracy):
    from viewer import settings as viewer_settings

    view.waterfall.nameWidthChanged.emit(377)
    assert viewer_settings.timeline_name_width(viewer_settings.open_settings(), 0) == 377
    other = open_view(qtbot, light_window, make_tracy("again.tracy", research_run))
    assert other.waterfall.name_width == 377
