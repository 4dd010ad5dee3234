"""Feedback in the window (pytest-qt): badges on traces and spans from a real recording with
feedback, the inspector's section, and adding feedback from the viewer, which appends a feedback
frame to the file without touching anything already in it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

import tracefile
from tests.helpers.viewer import open_view
from viewer.feedback.logic import MIXED, NEGATIVE, POSITIVE

pytestmark = pytest.mark.usefixtures("viewer_env")


@pytest.fixture
def copy(record_app, tmp_path: Path) -> Path:
    """A copy of a recording with a user's thumbs-up and an evaluator's verdict (the tests append)."""
    recorded, _ = record_app("feedback_app.py")
    path = tmp_path / "feedback-run.tracy"
    shutil.copyfile(recorded, path)
    return path


@pytest.fixture
def window(light_window):
    return light_window


def _chat_row(view) -> int:
    ix = view.session.index
    (row,) = [r for r in range(ix.n) if ix.name(r).startswith("chat")]
    return row


def test_badges_and_inspector_show_recorded_feedback(qtbot, window, copy, screenshot_dir):
    view = open_view(qtbot, window, copy)
    assert view.status_label.text().endswith("feedback: 1 good · 1 evaluation")
    model = view.trace_view.model()
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    assert "Feedback: 1 good · 1 evaluation" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    chat = _chat_row(view)
    marks = view.waterfall._feedback
    assert marks is not None and marks[chat] == POSITIVE
    view.waterfall.select_row(chat)
    assert view.inspector.select("feedback", "User feedback")
    feedback_text = view.inspector.detail_text()
    assert "thumbs_up" in feedback_text
    view.splitter.setSizes([380, 520, 380])
    assert view.grab().save(str(screenshot_dir / "feedback-badges.png"))


def test_add_feedback_appends_a_record_and_shows_it(qtbot, window, copy, screenshot_dir):
    view = open_view(qtbot, window, copy)
    before = copy.read_bytes()
    chat = _chat_row(view)
    view.waterfall.select_row(chat)
    window.feedback_action.trigger()
    dialog = view.feedback_dialog
    assert dialog is not None and dialog.span.name.startswith("chat")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # nothing to save yet
    dialog.set_verdict(False)
    assert (dialog.score_value(), dialog.label.text()) == (0.0, "thumbs_down")
    dialog.comment.setPlainText("Paris is right, but it ignored the follow-up question.")
    assert save.isEnabled()
    assert dialog.grab().save(str(screenshot_dir / "feedback-dialog.png"))
    with qtbot.waitSignal(dialog.saved, timeout=5000) as saved:
        save.click()
    record = saved.args[0]
    assert record.span_id == view.session.span(chat).span_id and record.evaluator == "user"
    after = copy.read_bytes()
    assert len(after) > len(before) and after[: len(before)] == before
    qtbot.waitUntil(lambda: len(view.session.feedback) == 3, timeout=10000)
    qtbot.waitUntil(lambda: view.waterfall._feedback is not None and view.waterfall._feedback[chat] == MIXED)
    assert "1 good · 1 bad · 1 evaluation" in view.status_label.text()
    # The inspector shows the new record for the selected span.
    qtbot.waitUntil(lambda: len(view.inspector.span().feedback) == 2)
    assert [f.comment for f in view.inspector.span().feedback][-1].startswith("Paris is right")
    # Another reader of the file sees it joined to the same span.
    loaded = tracefile.load(copy)
    (span,) = [s for s in loaded.spans if s.span_id == record.span_id]
    assert [f.label for f in span.feedback] == ["thumbs_up", "thumbs_down"]


def test_feedback_that_cannot_be_written_is_explained_in_the_dialog(qtbot, window, copy):
    view = open_view(qtbot, window, copy)
    view.waterfall.select_row(_chat_row(view))
    assert view.add_feedback()
    dialog = view.feedback_dialog
    dialog.set_verdict(True)
    # The file was replaced by a folder after it was opened: appending must fail, and say why.
    view.stop()
    os.unlink(copy)
    os.mkdir(copy)
    assert dialog.submit() is False
    assert dialog.error.isVisibleTo(dialog)
    assert "Could not save the feedback" in dialog.error.text() and "directory" in dialog.error.text().lower()
    assert dialog.result() == 0 and dialog.record is None


def test_verdict_buttons_toggle_and_keep_an_edited_label(qtbot, window, copy):
    view = open_view(qtbot, window, copy)
    view.waterfall.select_row(_chat_row(view))
    view.add_feedback()
    dialog = view.feedback_dialog
    dialog.good_button.click()
    assert (dialog.score_value(), dialog.label.text(), dialog.bad_button.isChecked()) == (1.0, "thumbs_up", False)
    dialog.bad_button.click()
    assert (dialog.score_value(), dialog.label.text(), dialog.good_button.isChecked()) == (0.0, "thumbs_down", False)
    dialog.bad_button.click()  # unpress: no verdict
    assert (dialog.score_value(), dialog.label.text()) == (None, "")
    qtbot.keyClicks(dialog.label, "wrong_tool")
    dialog.good_button.click()
    assert dialog.label.text() == "wrong_tool"  # typed by the person: kept
    assert NEGATIVE != POSITIVE
