"""The Summary panel in a tab: its figures, sorting, and clicks that filter the trace list; the
waterfall's subtotals, self time and critical path."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.helpers.viewer import open_view
from viewer.summary.model import COUNT, NAME, P95


@pytest.fixture
def view(qtbot, light_window, viewer_env, support_runs):
    light_window.summary_action.setChecked(True)
    return open_view(qtbot, light_window, support_runs)


def _rows(panel) -> list[str]:
    m = panel.proxy
    return [m.index(r, NAME).data() for r in range(m.rowCount())]


def test_the_panel_shows_per_model_rows_and_sorts(view):
    panel = view.summary.panel
    assert not panel.isHidden()
    assert _rows(panel) == ["gpt-4o", "gpt-4o-mini"]
    m = panel.proxy
    assert [m.index(r, COUNT).data() for r in range(2)] == ["3", "1"]
    assert m.index(0, P95).data() == "1.45 s"
    panel.table.horizontalHeader().sectionClicked.emit(P95)  # sort by p95, as a header click does
    panel.table.sortByColumn(P95, Qt.SortOrder.DescendingOrder)
    assert _rows(panel) == ["gpt-4o-mini", "gpt-4o"]


def test_clicking_a_row_searches_and_lists_only_its_traces(qtbot, view):
    panel = view.summary.panel
    assert view.trace_model.rowCount() == 3
    panel.set_grouping("tool")
    assert _rows(panel) == ["execute_tool get_weather", "execute_tool get_weather_v2"]
    row = _rows(panel).index("execute_tool get_weather_v2")
    rect = panel.table.visualRect(panel.proxy.index(row, NAME))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.search_field.text() == 'name:"execute_tool get_weather_v2"'
    assert view.filter_box.isChecked()
    assert view.trace_model.rowCount() == 1  # only the agent run has that tool
    assert view.search_label.text() == "1 match"


def test_clicking_a_histogram_bar_lists_the_traces_of_that_length(qtbot, view):
    hist = view.summary.panel.histogram
    assert hist.histogram.counts.tolist() == [1, 0, 2]  # 0.5 s; 2 s and 4 s
    qtbot.mouseClick(hist, Qt.MouseButton.LeftButton, pos=hist.bar_rect(2).center().toPoint())
    assert view.search_field.text() == "trace_duration>=2s trace_duration<5s"
    assert view.trace_model.rowCount() == 2
    qtbot.mouseClick(hist, Qt.MouseButton.LeftButton, pos=hist.bar_rect(1).center().toPoint())  # empty: no search
    assert view.trace_model.rowCount() == 2


def test_this_trace_scope_follows_the_selection(view):
    panel = view.summary.panel
    panel.set_scope("trace")
    view.select_trace(view.trace_model.row_of(1))  # the failing gpt-4o-mini call
    assert _rows(panel) == ["gpt-4o-mini"]
    view.select_trace(view.trace_model.row_of(0))
    assert _rows(panel) == ["gpt-4o"]


def test_tooltips_and_collapsed_rows_carry_subtotals_and_self_time(qtbot, view, light_window):
    light_window.show()
    qtbot.waitExposed(light_window)
    wf = view.waterfall
    view.select_trace(view.trace_model.row_of(0))
    root = int(view.session.index.traces.root[0])
    y = wf.bar_rect(root).center().y()
    tip = wf.tooltip_text_at(QPoint(20, int(y)))
    # 4 s; its steps run 10–1010, 1020–1420, 1430–2930 and 2940–3140 ms: 3100 ms covered.
    assert "Self time: 900 ms (22%)" in tip
    assert "Subtree: 370 tokens · $0.0014" in tip  # 300 + 70 once: the agent's own 300/70 repeat its calls
    assert wf._notes.collapsed_label(root) == "Σ 370 tok"


def test_the_critical_path_toggles_in_the_waterfall(view, light_window):
    view.select_trace(view.trace_model.row_of(0))
    assert view.waterfall._critical is None
    light_window.critical_path_action.setChecked(True)
    path = view.waterfall._critical
    assert path is not None and len(path.spans()) == 5
    light_window.critical_path_action.setChecked(False)
    assert view.waterfall._critical is None


def test_a_big_traces_critical_path_comes_from_the_worker_thread(qtbot, view, light_window, monkeypatch):
    """Above PATH_IN_BACKGROUND spans the path is computed off the GUI thread and drawn when it
    arrives; changing trace meanwhile gets the new trace's path, not the old one's."""
    from viewer.file_view import summary_part

    monkeypatch.setattr(summary_part, "PATH_IN_BACKGROUND", 0)
    view.select_trace(view.trace_model.row_of(0))
    light_window.critical_path_action.setChecked(True)
    assert view.waterfall._critical is None  # not yet: the worker has it
    qtbot.waitUntil(lambda: view.waterfall._critical is not None)
    first = view.waterfall._critical
    assert len(first.spans()) == 5
    view.select_trace(view.trace_model.row_of(1))
    qtbot.waitUntil(lambda: view.waterfall._critical is not None and view.waterfall._critical is not first)
    rows = view.session.index.trace_rows(1)
    assert set(view.waterfall._critical.spans().tolist()) <= set(rows.tolist())
    light_window.critical_path_action.setChecked(False)
    assert view.waterfall._critical is None


def test_the_inspector_header_gives_a_parents_self_time_and_subtree(view):
    view.select_trace(view.trace_model.row_of(0))
    root = int(view.session.index.traces.root[0])
    view.waterfall.select_row(root)
    label = view.details.inspector.rollup_label
    assert label.text() == "Self time 900 ms (22%) · subtree 370 tokens · $0.0014"
    assert not label.isHidden()
    leaf = int(view.session.index.trace_rows(0)[-1])
    view.waterfall.select_row(leaf)
    assert label.text() == "" and label.isHidden()
