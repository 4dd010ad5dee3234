"""The selected span's details: every field (the Inspector tab) and, for an LLM call, the conversation (the Chat tab)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTabWidget, QWidget

from tracefile.genai import CATEGORY_TOOL

from ..chat.widget import ChatView
from ..inspector.widget import SpanInspector
from ..session import FileSession


class SpanDetails(QTabWidget):
    """The Inspector and Chat tabs. The conversation is built only while the Chat tab is shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspector = SpanInspector(self)
        self.chat = ChatView(self)
        self.setObjectName("detailTabs")
        self.setDocumentMode(True)
        self.addTab(self.inspector, "Inspector")
        self.addTab(self.chat, "Chat")
        self.setTabToolTip(0, "Every field of the selected span")
        self.setTabToolTip(1, "The selected LLM call as a conversation: instructions, messages, tool calls, answer")
        self.currentChanged.connect(lambda _i: self._show_chat())
        self._session: FileSession | None = None
        self._row = -1
        self._chat_row: int | None = None

    def show_span(self, session: FileSession, row: int) -> None:
        """Show span ``row`` of the session (-1: none)."""
        self._session, self._row = session, row
        self.inspector.set_span(session.span(row) if row >= 0 else None)
        self.inspector.set_details_problem(session.details_problem(row) if row >= 0 else None)
        self._chat_row = None  # shown again when the Chat tab is (or becomes) visible
        self._show_chat()

    def set_highlight_terms(self, terms: list[str]) -> None:
        """Mark a search's words in both tabs ([] clears them)."""
        self.inspector.set_highlight_terms(terms)
        self.chat.set_highlight_terms(terms)

    def clear(self) -> None:
        self._row = -1
        self.inspector.set_span(None)
        self.chat.clear()

    def show_chat(self) -> None:
        """Bring the Chat tab to the front."""
        self.setCurrentWidget(self.chat)

    def _show_chat(self) -> None:
        if self.currentWidget() is not self.chat:
            return
        row = self._row
        if row == self._chat_row:
            return
        self._chat_row = row
        span = self._session.span(row) if row >= 0 and self._session is not None else None
        self.chat.set_span(span, tool_spans(self._session, row) if span is not None and has_tool_parts(span) else None)


def has_tool_parts(span) -> bool:
    """Whether the span's conversation has tool calls or results (which link to tool spans)."""
    from ..chat.logic import TOOL_CALL, TOOL_RESULT, conversation

    conv = conversation(span)
    return any(p.kind in (TOOL_CALL, TOOL_RESULT) for m in (*conv.input, *conv.output) for p in m.parts)


def tool_spans(session: FileSession, row: int, limit: int = 200) -> list:
    """The tool spans of ``row``'s trace that tool calls may link to: the nearest in time, at most ``limit``."""
    ix = session.index
    if ix is None:
        return []
    rows = ix.trace_rows(int(ix.trace[row]))
    tools = rows[ix.timeline.category[rows] == CATEGORY_TOOL]
    if len(tools) > limit:
        start = ix.timeline.start
        distance = np.abs(start[tools].astype(np.int64) - np.int64(start[row]))
        tools = tools[np.argsort(distance, kind="stable")[:limit]]
    return session.spans(tools)
