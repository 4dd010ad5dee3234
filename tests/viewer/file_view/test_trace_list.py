"""The trace list (pytest-qt, real recordings): sorting keeps the selected trace, each row's input
preview is what the trace was asked, and a file of one trace opens with the list collapsed.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.helpers.apps import chat_app
from tests.helpers.viewer import open_view
from viewer.trace_table_model import ERROR_ROLE, PREVIEW_ROLE

pytestmark = pytest.mark.usefixtures("viewer_env")

DURATION = 2


def _root_name(view) -> str:
    ix = view.session.index
    return ix.name(int(ix.traces.root[view.current_trace()]))


def test_sorting_keeps_the_selected_trace_selected_and_shown(qtbot, light_window, sample_tracy):
    view = open_view(qtbot, light_window, sample_tracy)
    ix = view.session.index
    durations = ix.traces.end - ix.traces.start
    # The second trace (the failing chat call) is neither the shortest nor the longest.
    view.select_trace(1)
    trace = view.current_trace()
    assert 0 < int((durations < durations[trace]).sum()) < len(durations) - 1
    view.waterfall.select_row(int(ix.traces.root[trace]))
    span = view.waterfall.selected_row()

    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
        view.trace_view.horizontalHeader().setSortIndicator(DURATION, order)  # what a header click does
        row = view.trace_view.currentIndex().row()
        assert view.trace_model.trace_at(row) == trace, "the highlight moved to another trace"
        assert view.trace_view.selectionModel().isRowSelected(row)
        assert view.current_trace() == trace
        assert int(ix.trace[view.waterfall.selected_row()]) == trace and view.waterfall.selected_row() == span
        assert view.timeline_caption.title.text() == _root_name(view)
    # The list really is in a new order: the longest trace is now last.
    assert view.trace_model.trace_at(view.trace_model.rowCount() - 1) == int(durations.argmax())
    # Clicking row 0 (another trace) now selects it.
    view.select_trace(0)
    assert view.current_trace() == int(durations.argmin()) != trace


def test_the_preview_is_the_first_user_message_of_each_trace(qtbot, light_window, content_on):
    view = open_view(qtbot, light_window, content_on.path)
    model = view.trace_model
    by_root = {}
    qtbot.waitUntil(lambda: _previews(model, by_root) and not model.previews.pending)
    assert by_root, "no trace has a preview"
    assert by_root.get(content_on.named("invoke_agent weather-agent").name) == chat_app.TOOL_QUESTION
    chat_roots = [text for name, text in by_root.items() if name.startswith("chat")]
    assert chat_app.USER_TEXT in chat_roots


def _previews(model, into: dict) -> bool:
    """Ask for every row's preview (as painting does); True once all are known."""
    into.clear()
    for row in range(model.rowCount()):
        text = model.index(row, 0).data(PREVIEW_ROLE)
        if not text:
            return False
        into[model.index(row, 0).data()] = text
    return True


def test_error_traces_are_flagged_for_the_red_mark(qtbot, light_window, sample_tracy):
    view = open_view(qtbot, light_window, sample_tracy)
    model = view.trace_model
    flagged = {model.index(r, 0).data() for r in range(model.rowCount()) if model.index(r, 0).data(ERROR_ROLE)}
    assert flagged == {"chat gpt-4o-mini"}


def test_a_one_trace_file_opens_with_the_list_collapsed(qtbot, light_window, make_tracy, sample_tracy):
    one = make_tracy("one.tracy", _one)
    light_window.show()
    view = open_view(qtbot, light_window, one)
    assert len(view.session.index.traces) == 1
    assert not view.trace_list_shown and view.traces.isHidden()
    assert not view.status.list_toggle.isChecked()
    assert view.splitter.sizes()[1] > view.splitter.sizes()[2] > 0
    light_window.trace_list_action.trigger()
    assert view.trace_list_shown and view.traces.isVisible() and view.splitter.sizes()[0] > 0

    many = open_view(qtbot, light_window, sample_tracy)
    assert many.trace_list_shown and many.status.list_toggle.isChecked()


def _one(rec) -> None:
    with rec.span("invoke_agent solo", 0, 120):
        with rec.span("chat gpt-4o", 5, 100):
            pass


def test_a_hidden_trace_list_stays_hidden_in_new_tabs_until_shown_again(qtbot, light_window, sample_tracy):
    light_window.show()
    first = open_view(qtbot, light_window, sample_tracy)
    assert first.trace_list_shown
    light_window.trace_list_action.trigger()  # the user hides it (Ctrl+B)
    assert not first.trace_list_shown
    second = open_view(qtbot, light_window, sample_tracy)
    assert len(second.session.index.traces) > 1  # a file that would open with its list shown
    assert not second.trace_list_shown and not second.status.list_toggle.isChecked()
    assert second.splitter.sizes()[0] == 0 and second.splitter.sizes()[1] > 0
    light_window.trace_list_action.trigger()  # shown again: so are later tabs
    assert second.trace_list_shown
    third = open_view(qtbot, light_window, sample_tracy)
    assert third.trace_list_shown and third.status.list_toggle.isChecked()
