"""The keyboard shortcuts, listed once: for the help dialog and the docs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Ctrl+O", "Open a file (or drop files onto the window)"),
    ("F5", "Read the file again"),
    ("Ctrl+F", "Search (name:, model:, status:error, duration>2s, tokens>1000, -term, OR)"),
    ("Enter, F3 / Shift+F3", "Next / previous search match"),
    ("↑ / ↓", "Previous / next span"),
    ("← / →", "Collapse / expand the span (or go to its parent / first child)"),
    ("Enter", "Collapse or expand the span"),
    ("n / Shift+N", "Next / previous span with an error"),
    ("+ / −, Ctrl+wheel", "Zoom the timeline"),
    ("Shift+← / Shift+→, drag", "Pan the timeline"),
    ("F", "Fit the whole trace"),
    ("Ctrl+C / Ctrl+Shift+C", "Copy the value / the span as JSON (in the inspector)"),
    ("Ctrl+E", "Add feedback (a score and a comment) to the selected span"),
    ("Ctrl+M", "Mark the selected span (and its trace) for comparison"),
    ("Ctrl+D / Ctrl+Shift+D", "Compare the selected span / trace with the marked one"),
    ("?", "This list"),
)


def shortcuts_html() -> str:
    rows = "".join(f"<tr><td style='padding:3px 16px 3px 0'><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
    return f"<table>{rows}</table>"


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        label = QLabel(shortcuts_html(), self)
        label.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)
