"""The shortcuts dialog lists every action's shortcut, taken from the action itself."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from viewer.shortcuts import ShortcutsDialog, action_keys, action_rows, action_text, widget_rows


def test_every_action_with_a_shortcut_is_in_the_dialog(qtbot, light_window, sample_tracy):
    view = light_window.open_path(sample_tracy)  # with a tab open, as when the user presses ?
    qtbot.waitUntil(lambda: view.state == "loaded")
    dialog = ShortcutsDialog(light_window)
    qtbot.addWidget(dialog)
    shown = dialog.label.text()
    rows = action_rows(light_window)
    with_keys = [a for a in light_window.findChildren(QAction) if a.shortcuts() and a.parent() is light_window]
    assert len(with_keys) >= 12
    for action in with_keys:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        assert (action_keys(action), action_text(action)) in rows, action.text()
        assert keys and keys in shown, action.text()
    assert light_window.shortcuts_action.shortcut().toString() == "?"
    for keys, what in widget_rows():
        assert what in shown


def test_action_text_drops_the_mnemonic_and_adds_a_tooltip_that_says_more(qapp):
    plain = QAction("&Next Error")
    assert action_text(plain) == "Next Error"
    tipped = QAction("Add &Feedback…")
    tipped.setToolTip("Score the span")
    assert action_text(tipped) == "Add Feedback… — Score the span"
    assert action_text(QAction("Save && Quit")) == "Save & Quit"


def test_no_two_actions_share_a_key(qtbot, light_window, sample_tracy):
    """A key bound twice triggers neither (Qt calls it ambiguous); Save As and Summary once both
    claimed Ctrl+Shift+S."""
    view = light_window.open_path(sample_tracy)
    qtbot.waitUntil(lambda: view.state == "loaded")
    owners: dict[str, list[str]] = {}
    for action in light_window.findChildren(QAction):
        for key in action.shortcuts():
            owners.setdefault(key.toString(), []).append(action_text(action))
    shared = {k: v for k, v in owners.items() if len(set(v)) > 1}
    assert not shared, shared
