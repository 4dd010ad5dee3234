"""The keyboard shortcuts dialog (?): built from the window's actions, so each shortcut is defined once, on its QAction."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMainWindow, QMenu, QVBoxLayout


def action_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every action of the window that has a shortcut: menu by menu, then the rest."""
    actions: list[QAction] = []

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            elif action not in actions:
                actions.append(action)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu())
    actions += [a for a in window.actions() if a not in actions]
    return [(action_keys(a), action_text(a)) for a in actions if a.shortcuts()]


def action_keys(action: QAction) -> str:
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def action_text(action: QAction) -> str:
    """The action's menu text without its mnemonic marker ("&Next Error" is "Next Error"), and its tooltip if it says more."""
    text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    tip = action.toolTip()
    return f"{text} — {tip}" if tip and tip != text.rstrip("…").rstrip(".") else text


def widget_rows() -> list[tuple[str, str]]:
    """Keys that widgets handle themselves (not actions), each listed beside its handler."""
    from .file_view.search_bar import KEYS as SEARCH_KEYS
    from .inspector.widget import KEYS as INSPECTOR_KEYS
    from .timeline.waterfall import KEYS as WATERFALL_KEYS

    return [*SEARCH_KEYS, *WATERFALL_KEYS, *INSPECTOR_KEYS]


def shortcuts_html(window: QMainWindow) -> str:
    def rows(pairs: list[tuple[str, str]]) -> str:
        return "".join(
            f"<tr><td style='padding:3px 16px 3px 0'><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>" for k, v in pairs
        )

    return f"<table>{rows(action_rows(window))}{rows(widget_rows())}</table>"


class ShortcutsDialog(QDialog):
    """Every shortcut of ``window``, and the keys its panes handle themselves."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        self.label = QLabel(shortcuts_html(window), self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
