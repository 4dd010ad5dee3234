"""The search bar of a tab: the query field, the match count, the Filter box, and the indexing of span details behind them."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QSizePolicy

from .. import activity, theme
from ..search import QueryError, parse
from ..search.highlight import terms_of
from ..search.indexer import DetailsIndexer
from ..search.query import HELP as SEARCH_HELP
from ..search.text_index import evaluate
from ..session import FileSession
from .status_line import StatusLine, StatusText

#: The keys the search field handles itself, for the shortcuts dialog.
KEYS: tuple[tuple[str, str], ...] = (("Enter", "Next search match (in the search field)"),)

#: When at most this many spans are left to index, a search waits for them (up to 250 ms).
SMALL_INDEX_WAIT = 5000


class SearchBar(QObject):
    """Evaluates the query as the user types (after a short pause) and says what it found.

    ``matches`` flags the matching spans (None: no search); the signals tell the tab what
    to highlight and which traces to list. Enter in the field asks for the next match.
    """

    matchesChanged = Signal(object)  # one bool per span, or None
    filterChanged = Signal(object)  # one bool per trace, or None for all
    nextRequested = Signal()

    def __init__(self, session: FileSession, status: StatusLine) -> None:
        super().__init__(status)
        self.session = session  # the tab's: it replaces this one when the file is read again
        self.field = QLineEdit(status)
        self.field.setPlaceholderText("Search spans (Ctrl+F)  e.g. chat duration>2s -status:error")
        self.field.setClearButtonEnabled(True)
        self.field.setMinimumWidth(320)
        # Preferred, not Expanding: the status line's texts take the room they need first.
        self.field.setSizePolicy(QSizePolicy.Policy.Preferred, self.field.sizePolicy().verticalPolicy())
        self.field.setToolTip(SEARCH_HELP)
        self.field.textChanged.connect(lambda _text: self._timer.start())
        self.field.returnPressed.connect(self.nextRequested)  # Enter: next match (a key, not an action)
        self.label = StatusText(status)  # a count that never widens the window
        self.filter_box = QCheckBox("Filter", status)
        self.filter_box.setToolTip("Show only traces with matching spans")
        self.filter_box.toggled.connect(lambda _on: self.apply())
        status.add_widget(self.label, 1)
        for widget in (self.field, self.filter_box):
            status.add_widget(widget)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.apply)
        self.matches: np.ndarray | None = None
        self.indexer: DetailsIndexer | None = None
        self._exact = True
        self._filtered = False

    def terms(self) -> list[str]:
        """The words the query looks for, to mark in the span's details (none while it does not parse)."""
        return terms_of(self.field.text())

    @property
    def active(self) -> bool:
        return bool(self.field.text().strip())

    def index_details(self) -> None:
        """Index the session's span details on a worker thread (again after the file grew)."""
        if self.indexer is not None and self.indexer.session is not self.session:
            self.indexer.stop()  # the file was re-read into a new session
            self.indexer.deleteLater()
            self.indexer = None
        if self.indexer is None:
            self.indexer = DetailsIndexer(self.session, self)
            self.indexer.progress.connect(self.refine)
            self.indexer.finished.connect(self.refine)
        self.indexer.start()

    def apply(self) -> None:
        """Evaluate the query over the timeline columns, the text index of span details and
        the feedback; mark, count and optionally filter. While details are still being indexed the
        matches found so far are shown, and they refine as the index fills."""
        ix = self.session.index
        text = self.field.text()
        self.label.setPalette(self.label.parentWidget().palette())
        self._exact = True
        if ix is None or not text.strip():
            self.matches = None
            self.label.setText("")
            self.matchesChanged.emit(None)
            self._filter(None)
            return
        try:
            query = parse(text)
        except QueryError as exc:
            self.label.setText(f"⚠ {exc.message}")
            pal = self.label.palette()
            pal.setColor(self.label.foregroundRole(), theme.error_color())
            self.label.setPalette(pal)
            return
        details_index = self.session.text
        ev = evaluate(query, ix, details_index, self.session.feedback)
        if not ev.exact and self.indexer is not None and ix.n - details_index.rows <= SMALL_INDEX_WAIT:
            # A few spans left to index: waiting a moment beats showing a partial count.
            with activity.hurry():  # the indexer would otherwise pause for the paint that just happened
                self.indexer.wait(250)
            ev = evaluate(query, ix, details_index, self.session.feedback)
        self._exact = ev.exact
        self.matches = ev.certain
        count = int(ev.certain.sum())
        note = ""
        if not ev.exact:
            note = f" so far · searching details… {int(100 * min(details_index.rows, ix.n) / max(ix.n, 1))}%"
        self.label.setText(f"{count:,} {'match' if count == 1 else 'matches'}{note}")
        self.matchesChanged.emit(self.matches)
        traces = None
        if self.filter_box.isChecked():
            traces = np.zeros(len(ix.traces), bool)
            traces[ix.trace[self.matches]] = True
        self._filter(traces)

    def run(self, text: str, *, filter_traces: bool = True) -> None:
        """Search for ``text`` now, listing only the traces with matches (a click in the Summary)."""
        self.field.setText(text)
        self._timer.stop()
        self.filter_box.blockSignals(True)  # one search, not one per change
        self.filter_box.setChecked(filter_traces)
        self.filter_box.blockSignals(False)
        self.apply()

    def _filter(self, traces: np.ndarray | None) -> None:
        """Ask to list only the flagged traces (None: all). Listing all again when all are listed is
        skipped: re-sorting 100,000 traces would cost each keystroke tens of milliseconds."""
        if traces is None and not self._filtered:
            return
        self._filtered = traces is not None
        self.filterChanged.emit(traces)

    def refine(self, *_rows: int) -> None:
        """Search again while details are being indexed (as the indexer reports progress)."""
        if not self._exact and self.active:
            self.apply()  # the matches refine as the index fills

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def stop(self) -> None:
        """End the indexing thread (before the tab closes)."""
        if self.indexer is not None:
            self.indexer.stop()
