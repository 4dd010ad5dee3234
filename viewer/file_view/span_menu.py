"""The context menu of a span in the timeline: copy its name or ids, expand, zoom, chat, compare, feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from tracefile.format import Timeline
from ..text_limits import clip

if TYPE_CHECKING:
    from .view import FileView


def _copy(view: FileView, text: str, what: str) -> None:
    QGuiApplication.clipboard().setText(text)
    view.flash(f"Copied the {what}: {clip(text)}")


def build_span_menu(view: FileView, row: int, shared: Sequence[QAction | None] = (), parent: QWidget | None = None) -> QMenu:
    """The menu for span ``row`` of ``view``'s timeline. ``shared`` are the main window's span actions
    (mark, compare, feedback; None for a separator), listed at the end so their shortcuts show once."""
    ix = view.session.index
    tl = ix.timeline
    waterfall = view.waterfall
    menu = QMenu(parent or view)
    name = ix.name(row)
    span_id = Timeline.span_id_hex(int(tl.span_id[row]))
    trace_id = Timeline.trace_id_hex(tl.trace_id[row])

    def add(text: str, slot, enabled: bool = True) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        action.setEnabled(enabled)
        return action

    add("Copy Name", lambda: _copy(view, name, "span name"))
    add("Copy Span ID", lambda: _copy(view, span_id, "span id"))
    add("Copy Trace ID", lambda: _copy(view, trace_id, "trace id"))
    menu.addSeparator()
    has_children = int(ix.subtree[row]) > 1
    add("Expand Subtree", lambda: waterfall.expand_subtree(row), has_children)
    add("Collapse Subtree", lambda: waterfall.collapse_subtree(row), has_children)
    add("Zoom to Span", lambda: waterfall.zoom_to_row(row))
    add("Show in Chat", lambda: (waterfall.select_row(row), view.show_chat()))
    if shared:
        menu.addSeparator()
        for action in shared:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
    return menu
