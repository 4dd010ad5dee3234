"""The main window's timeline actions (View menu): zoom to the selection, fit, expand and collapse the span tree."""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

#: "Expand to Depth" levels offered, each with Alt+<level>.
DEPTHS = (1, 2, 3, 4)


class TimelineActions:
    """QActions acting on the current tab's waterfall. ``with_view(fn)`` calls ``fn(view)`` when a loaded tab is current."""

    def __init__(self, window: QWidget, with_view: Callable[[Callable], None]) -> None:
        def action(text: str, keys: tuple[str, ...], tip: str, fn: Callable) -> QAction:
            a = QAction(text, window)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setToolTip(tip)
            a.triggered.connect(lambda _checked=False: with_view(lambda v: fn(v.waterfall)))
            window.addAction(a)
            return a

        self.zoom_to_selection = action("&Zoom to Selection", ("F",), "Zoom the timeline to the selected span", lambda w: w.zoom_to_selection())
        self.fit = action("&Fit Whole Trace", ("0", "Shift+F"), "Show the whole trace", lambda w: w.fit())
        self.expand_all = action("&Expand All", ("*",), "Expand every span of the trace", lambda w: w.expand_all())
        self.collapse_all = action("&Collapse All", ("/",), "Collapse the trace to its root span", lambda w: w.collapse_all())
        self.expand_to_depth = [
            action(f"Expand to Depth &{d}", (f"Alt+{d}",), f"Show {d} level{'s' if d > 1 else ''} below the root",
                   lambda w, d=d: w.expand_to_depth(d))
            for d in DEPTHS
        ]  # fmt: skip

    def fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.zoom_to_selection)
        menu.addAction(self.fit)
        menu.addSeparator()
        menu.addAction(self.expand_all)
        menu.addAction(self.collapse_all)
        depth = menu.addMenu("Expand to &Depth")
        for a in self.expand_to_depth:
            depth.addAction(a)

    def tree_actions(self) -> list[QAction]:
        """Expand all, collapse all and the depths: what the span menu offers for the whole tree."""
        return [self.expand_all, self.collapse_all, *self.expand_to_depth]
