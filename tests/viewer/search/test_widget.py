"""The search field of a file's tab finds spans by their message text (span details), on a real recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QKeySequence

from viewer import theme
from viewer.file_view import FileView
from viewer.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("viewer_env")

MARKER = "USER-MARKER-91c2"  # chat_app.py's user message: only in gen_ai.event.content, never in a name


@pytest.fixture
def chat_file(record_app) -> tuple[Path, dict]:
    return record_app("chat_app.py", "--steps", "tools,sync,errors", "--content")


@pytest.fixture
def window(qtbot, qapp) -> MainWindow:
    theme.apply_theme(qapp, "light")
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    yield w
    theme.apply_theme(qapp, "system")


def open_file(qtbot, window: MainWindow, path: Path) -> FileView:
    view = window.open_path(path)
    qtbot.waitUntil(lambda: view.state != "loading")
    assert view.state == "loaded"
    return view


def _row_with_response(view: FileView, response_id: str) -> int:
    rows = [r for r in range(view.session.index.n)
            if (view.session.span(r).attributes.get("gen_ai.response.id") == response_id)]  # fmt: skip
    assert len(rows) == 1
    return rows[0]


def test_message_text_is_counted_highlighted_and_reached_with_f3(qtbot, qapp, window, chat_file, screenshot_dir):
    path, out = chat_file
    view = open_file(qtbot, window, path)
    ix = view.session.index
    qtbot.waitUntil(lambda: view.session.text.rows == ix.n)  # the details index runs after the timeline shows
    target = _row_with_response(view, out["sync"]["id"])
    assert MARKER.lower() not in ix.name(target).lower()
    view.select_trace(0)  # the tools run: not the trace holding the match
    assert int(ix.trace[target]) != view.current_trace()

    qtbot.keyClicks(view.search_field, MARKER.lower())
    qtbot.waitUntil(lambda: view.search_label.text() == "1 match")
    assert list(np.flatnonzero(view.matches)) == [target]

    # F3 (the Next Match action) goes to it, across traces, and the waterfall marks it.
    assert QKeySequence("F3") in QKeySequence.keyBindings(QKeySequence.StandardKey.FindNext)
    assert window.next_match_action.shortcut() == QKeySequence(QKeySequence.StandardKey.FindNext)
    window.next_match_action.trigger()
    assert view.waterfall.selected_row() == target
    assert view.current_trace() == int(ix.trace[target])
    assert list(view.waterfall.highlighted_rows()) == [target]
    window.previous_match_action.trigger()  # the only match: Shift+F3 stays on it
    assert view.waterfall.selected_row() == target

    # Filter mode keeps only its trace.
    view.filter_box.setChecked(True)
    assert view.trace_model.rowCount() == 1
    assert view.trace_caption.detail.text().startswith("1 of ")
    for name in ("light", "dark"):
        theme.apply_theme(qapp, name)
        qapp.processEvents()
        view.grab().save(str(screenshot_dir / f"search-message-text-{name}.png"))


def test_results_refine_as_details_are_indexed(qtbot, qapp, window, chat_file, monkeypatch, screenshot_dir):
    path, out = chat_file
    monkeypatch.setattr(FileView, "_index_details", lambda self: None)  # index by hand, step by step
    view = open_file(qtbot, window, path)
    ix = view.session.index
    assert view.session.text.rows == 0
    view.search_field.setText(f"{MARKER} OR name:POST")
    qtbot.waitUntil(lambda: "searching details" in view.search_label.text())
    posts = int(sum(ix.name(r) == "POST" for r in range(ix.n)))
    assert view.search_label.text() == f"{posts} matches so far · searching details… 0%"
    for name in ("light", "dark"):
        theme.apply_theme(qapp, name)
        qapp.processEvents()
        status = view.search_label.parentWidget()
        status.grab().save(str(screenshot_dir / f"search-searching-details-{name}.png"))
    assert view.session.index_details() > 0
    view._on_index_progress(view.session.text.rows, ix.n)
    assert view.search_label.text() == f"{posts + 1} matches"
    assert view.matches[_row_with_response(view, out["sync"]["id"])]


def test_malformed_feedback_and_has_queries_explain_themselves(qtbot, window, chat_file):
    path, _ = chat_file
    view = open_file(qtbot, window, path)
    view.search_field.setText("has:")
    qtbot.waitUntil(lambda: view.search_label.text().startswith("⚠"))
    assert "has: at column 5 needs a key" in view.search_label.text()
    assert "feedback:positive" in view.search_field.toolTip()


def test_spans_appended_to_a_followed_file_are_searched(qtbot, window, make_tracy):
    from tests.helpers.recorder import Recorder

    path = make_tracy("live.tracy", lambda rec: _chat(rec, "first question about Lisbon"))
    view = open_file(qtbot, window, path)
    view.search_field.setText("porto")
    qtbot.waitUntil(lambda: view.search_label.text() == "0 matches")
    rec = Recorder(path)  # the app goes on writing to the file the viewer follows
    _chat(rec, "second question about Porto")
    rec.close()
    qtbot.waitUntil(lambda: view.search_label.text() == "1 match", timeout=10000)
    (row,) = np.flatnonzero(view.matches)
    assert view.session.span(int(row)).attributes["tracy.test.question"] == "second question about Porto"


def _chat(rec, question: str) -> None:
    with rec.span("chat gpt-4o", 0, 10, tracy__test__question=question):
        pass
