"""One tab of the main window: a file's traces, timeline and span details, built from one part per concern."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QModelIndex, QSettings, Qt, Signal
from PySide6.QtWidgets import QSplitter, QStackedWidget, QVBoxLayout, QWidget

from tracefile.format import STATUS_ERROR, Timeline

from .. import settings as viewer_settings
from ..cost import prices
from ..loading import LoadResult, OpenFile
from ..search import next_match
from ..session import FileSession, LoadOutcome
from ..trace_table_model import TraceTableModel
from . import export
from .details import SpanDetails
from .layout import PaneLayout
from .pages import ErrorPanel, LoadingPage
from .search_bar import SearchBar
from .span_menu import build_span_menu
from .status_line import StatusLine
from .summary_part import SummaryPart
from .timeline_pane import TimelinePane
from .trace_list import TraceListPane


class FileView(QWidget):
    """Everything shown for one file: traces, the selected trace's timeline, the selected span.

    ``load()`` reads the file on a worker thread (``loaded`` fires when done);
    afterwards the view follows the file and shows what is appended.

    The parts: ``trace_view`` (the trace list), ``overview`` and ``waterfall`` (the timeline),
    ``details`` (inspector and chat), ``status`` (the status line), ``search`` (the search bar),
    and the ``loading_page`` and ``error_panel`` shown instead of them. This class builds them,
    passes the file's session to them, and keeps their selections in step.
    """

    loaded = Signal(object)  # LoadResult
    grew = Signal(int)  # number of new spans

    def __init__(self, path: str | os.PathLike[str], parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.path = os.path.abspath(os.fspath(path))
        self.settings = settings  # where pane sizes are remembered (None: nowhere)
        self._list_chosen = False  # the user showed or hid the trace list: no more automatic collapsing
        self._feedback_seen = 0
        prices().changed.connect(self._on_prices_changed)
        self.feedback_dialog = None
        self.file = OpenFile(self.path, self)
        self.file.progress.connect(lambda done, total: self.loading_page.set_progress(done, total))
        self.file.read.connect(self._on_read)
        self.file.failed.connect(self._on_failed)
        self._selected_trace_id: bytes | None = None

        self.trace_model = TraceTableModel(self)
        self.stack = QStackedWidget(self)
        self.loading_page = LoadingPage(self)
        self.loading_page.cancel.connect(self.file.cancel)
        self.content = self._build_content()
        self.error_panel = ErrorPanel(self)
        self.error_panel.retry.connect(self.reload)
        for page in (self.loading_page, self.content, self.error_panel):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack)

    @property
    def file_name(self) -> str:
        return os.path.basename(self.path) or self.path

    #: Where the file comes from when that is not a file on disk ("receiving OTLP at http://…").
    source_note = ""

    @property
    def format_label(self) -> str:
        """"Jaeger JSON, imported" once a foreign file was read, the `source_note` of a tab fed by a
        receiver; "" for a .tracy file."""
        return self.source_note or self.session.format_label

    @property
    def session(self) -> FileSession:
        return self.file.session

    @property
    def result(self) -> LoadResult | None:
        return self.file.result

    @property
    def state(self) -> str:
        """``loading``, ``loaded`` or ``error``."""
        return self.file.state

    @property
    def matches(self) -> np.ndarray | None:
        """The spans the search matches (one bool per span), or None without a search."""
        return self.search.matches

    # -- building -------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.traces = TraceListPane(self.trace_model, content)
        self.trace_view, self.trace_caption = self.traces.view, self.traces.caption
        self.trace_columns = self.trace_view.columns
        self.trace_view.selectionModel().currentRowChanged.connect(self._on_trace_changed)

        self.timeline = TimelinePane(content, self.settings)
        self.overview, self.waterfall, self.timeline_caption = self.timeline.overview, self.timeline.waterfall, self.timeline.caption
        self.waterfall.selectionChanged.connect(self._on_span_changed)
        self.span_actions: list = []  # the main window's span actions (None: a separator), for the span menu
        self.waterfall.spanMenuRequested.connect(self._open_span_menu)
        self.details = SpanDetails(content)
        self.detail_tabs, self.inspector, self.chat = self.details, self.details.inspector, self.details.chat
        self.chat.spanLinkActivated.connect(self.select_span_id)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, content)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(6)
        self.splitter.addWidget(self.traces)
        self.splitter.addWidget(self.timeline)
        self.splitter.addWidget(self.details)
        self.panes = PaneLayout(self.splitter, self.settings)
        self.summary = SummaryPart(self, content)  # the Summary panel below the panes (View › Summary)
        outer.addWidget(self.summary.wrap(self.splitter), 1)

        self.status = StatusLine(content)
        self.search = SearchBar(self.session, self.status)
        self.search.matchesChanged.connect(self.waterfall.set_highlight)
        self.search.matchesChanged.connect(lambda _m: self.details.set_highlight_terms(self.search.terms()))
        self.search.filterChanged.connect(self._filter_traces)
        self.search.nextRequested.connect(lambda: self.next_match())
        self.status.list_toggle.toggled.connect(self._on_list_toggled)
        if self.settings is not None and viewer_settings.trace_list_hidden(self.settings):
            self._list_chosen = True  # the user hid the list last time: new tabs start without it
            self.panes.set_list_shown(False)
            self.status.list_toggle.blockSignals(True)
            self.status.list_toggle.setChecked(False)
            self.status.list_toggle.blockSignals(False)
        outer.addWidget(self.status)
        # The parts' widgets under the names tests and tools have always used.
        self.status_label, self.live_label = self.status.counts_label, self.status.live_label
        self.warning_label, self.flash_label = self.status.warning_label, self.status.flash_label
        self.search_field, self.search_label, self.filter_box = self.search.field, self.search.label, self.search.filter_box
        return content

    # -- loading --------------------------------------------------------------

    def load(self) -> None:
        """Read the file on a worker thread; ``loaded`` fires with the result."""
        self.loading_page.start(self.file_name)
        self.stack.setCurrentWidget(self.loading_page)
        self.file.start()

    def reload(self) -> None:
        """Read the file again from the start (after an error, or on F5)."""
        if self.file.reset():
            self.search.session = self.session
            self.load()

    def wait_loaded(self, ms: int = 60000) -> bool:
        """Block until loading finished (for tests and --screenshot)."""
        return self.file.wait(ms)

    def _on_failed(self, result: LoadResult) -> None:
        self.error_panel.show_result(result)
        self.stack.setCurrentWidget(self.error_panel)
        self.loaded.emit(result)

    def _on_read(self, outcome: LoadOutcome, first: bool) -> None:
        if first:
            self.stack.setCurrentWidget(self.content)
        self._show_index(keep_selection=not first)
        self._fit_trace_list()
        if first:
            self.waterfall.setFocus(Qt.FocusReason.OtherFocusReason)  # so ↓ steps to the next span at once
        self._show_feedback()
        self.status.show_counts(self.session, self.format_label)
        self.status.show_warnings(self.session)
        self._index_details()
        if self.search.active:
            self.search.apply()  # new spans may match
        if first:
            self.loaded.emit(self.result)
        elif outcome.new_spans:
            self.status.show_live()
            self.grew.emit(outcome.new_spans)

    def _on_prices_changed(self, *_args) -> None:
        if self.state == "loaded":
            self.status.show_counts(self.session, self.format_label)

    def _show_index(self, keep_selection: bool) -> None:
        ix = self.session.index
        selected = self._selected_trace_id if keep_selection else None
        self.trace_model.set_index(ix, self.session.spans)
        self.summary.show_index(ix)
        n = len(ix.traces) if ix is not None else 0
        self.traces.show_count(n, n)
        if n == 0:
            self._show_trace(None)
            if self.source_note.startswith("receiving OTLP at "):
                endpoint = self.source_note.removeprefix("receiving OTLP at ").split(" and ")[0]
                self.timeline.set_placeholder(
                    f"No spans yet. Send them from any OpenTelemetry SDK:\nOTEL_EXPORTER_OTLP_ENDPOINT={endpoint}"
                )
            else:
                self.timeline.set_placeholder("No spans in this file (yet).")
            return
        trace = self.trace_number(selected) if selected is not None else None
        self.select_trace(self.trace_model.row_of(trace) if trace is not None else 0)

    # -- the trace list's width ---------------------------------------------------

    @property
    def trace_list_shown(self) -> bool:
        return self.panes.list_shown

    def set_trace_list_shown(self, shown: bool) -> None:
        """Show or collapse the trace list (the toggle in the status line, Ctrl+B)."""
        self.status.list_toggle.setChecked(shown)  # -> _on_list_toggled

    def toggle_trace_list(self) -> None:
        self.set_trace_list_shown(not self.trace_list_shown)

    def _on_list_toggled(self, shown: bool) -> None:
        self._list_chosen = True
        if self.settings is not None:
            viewer_settings.set_trace_list_hidden(self.settings, not shown)
        if shown != self.panes.list_shown:
            self.panes.set_list_shown(shown)

    def _fit_trace_list(self) -> None:
        """A file of one trace starts with the list collapsed; it opens when a second trace arrives (unless the user chose)."""
        if self._list_chosen:
            return
        ix = self.session.index
        shown = ix is None or len(ix.traces) != 1
        if shown != self.panes.list_shown:
            self.panes.set_list_shown(shown)
            self.status.list_toggle.blockSignals(True)
            self.status.list_toggle.setChecked(shown)
            self.status.list_toggle.blockSignals(False)

    # -- feedback -------------------------------------------------------------

    def _show_feedback(self) -> None:
        """Badges in the trace list and the waterfall; the inspector again when feedback arrived."""
        ix, fbi = self.session.index, self.session.feedback
        marks = fbi.marks if ix is not None and len(fbi.marks) == ix.n else None
        self.waterfall.set_feedback(marks)
        if ix is not None and marks is not None:
            self.trace_model.set_feedback(fbi.trace_marks(ix), lambda t: fbi.summary(fbi.rows_in_trace(ix, t)))
        else:
            self.trace_model.set_feedback(None)
        if len(fbi) != self._feedback_seen:
            self._feedback_seen = len(fbi)
            self._on_span_changed(self.waterfall.selected_row())

    def add_feedback(self) -> bool:
        """Ask for a score and a comment on the selected span and append them to the file."""
        from ..feedback.widget import FeedbackDialog

        span = self.selected_span()
        if span is None or self.state != "loaded":
            return False
        # An imported file takes feedback in its .tracy copy (File › Save as… keeps it).
        dialog = FeedbackDialog(span, self.session.path, self)
        dialog.saved.connect(lambda _fb: self.file.read_appended())
        self.feedback_dialog = dialog  # tests drive it
        dialog.open()
        return True

    # -- selection --------------------------------------------------------------

    def trace_number(self, trace_id: bytes) -> int | None:
        """The number of the trace with this 16-byte id in the current index, or None."""
        ix = self.session.index
        return ix.trace_with_id(trace_id) if ix is not None and ix.n else None

    def select_trace(self, row: int) -> None:
        """Select the trace shown in list row ``row`` (in the current sort order)."""
        self.trace_view.select_row(row)

    def current_trace(self) -> int | None:
        """The selected trace's number in the index, or None."""
        index = self.trace_view.currentIndex()
        return self.trace_model.trace_at(index.row()) if index.isValid() else None

    def selected_span(self):
        """The span selected in the waterfall, with every field decoded, or None."""
        row = self.waterfall.selected_row()
        return self.session.span(row) if row >= 0 else None

    def select_span_named(self, name: str) -> bool:
        """Select the first span called ``name``: its trace in the list, the span in the timeline."""
        ix = self.session.index
        if ix is None or name not in ix.timeline.names:
            return False
        rows = np.nonzero(ix.timeline.name == ix.timeline.names.index(name))[0]
        if not len(rows):
            return False
        self._go_to(int(rows[0]))
        return True

    def select_span_id(self, span_id: str) -> bool:
        """Select the span with this hex id in the current trace's timeline."""
        ix = self.session.index
        key = Timeline.span_id_key(span_id)
        if ix is None or key is None:
            return False
        hits = np.nonzero(ix.timeline.span_id == np.uint64(key))[0]
        if not len(hits):
            return False
        row = int(hits[0])
        if int(ix.trace[row]) != self.current_trace():
            trace_row = self.trace_model.row_of(int(ix.trace[row]))
            if trace_row < 0:
                return False
            self.select_trace(trace_row)
        self.waterfall.select_row(row)
        return True

    def _go_to(self, row: int) -> None:
        """Select span ``row``: its trace in the list, the span in the timeline."""
        self.select_trace(self.trace_model.row_of(int(self.session.index.trace[row])))
        self.waterfall.select_row(row)

    def _on_trace_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_trace(self.trace_model.trace_at(current.row()) if current.isValid() else None)

    def _show_trace(self, trace: int | None) -> None:
        ix = self.session.index
        self.summary.show_trace(trace if ix is not None else None)
        if trace is None or ix is None:
            self._selected_trace_id = None
            self.timeline.clear()
            self.details.clear()
            return
        self._selected_trace_id = ix.timeline.trace_id[int(ix.traces.root[trace])].tobytes()
        self.timeline.show_trace(ix, trace)

    def _on_span_changed(self, row: int) -> None:
        self.details.show_span(self.session, row)
        self.details.inspector.set_rollup(self.summary.rollup_line(row))

    def span_menu(self, row: int):
        """The context menu of span ``row``: copy, expand, zoom, chat, and the window's span actions."""
        return build_span_menu(self, row, self.span_actions, self)

    def _open_span_menu(self, row: int, pos) -> None:
        menu = self.span_menu(row)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(pos)

    def show_chat(self) -> None:
        """Bring the Chat tab to the front."""
        self.details.show_chat()

    # -- stepping -----------------------------------------------------------------

    def next_error(self, backwards: bool = False) -> bool:
        """Select the next (or previous) span with error status, across traces in list order."""
        ix = self.session.index
        if ix is None:
            return False
        return self._step_to(ix.timeline.status == STATUS_ERROR, backwards)

    def next_match(self, backwards: bool = False) -> bool:
        """Select the next (or previous) search match, across traces in list order (F3 / Shift+F3)."""
        return self.matches is not None and self._step_to(self.matches, backwards)

    def _step_to(self, flagged: np.ndarray, backwards: bool) -> bool:
        """Select the next flagged row after the selection, walking listed traces in list order
        and each trace's rows in waterfall order; wraps around at either end."""
        ix = self.session.index
        if ix is None or ix.n == 0 or not flagged.any() or self.trace_model.rowCount() == 0:
            return False
        order = np.concatenate([ix.trace_rows(self.trace_model.trace_at(r)) for r in range(self.trace_model.rowCount())])
        here = np.nonzero(order == self.waterfall.selected_row())[0]
        pos = next_match(flagged, order, int(here[0]) if len(here) else -1, backwards)
        if pos is None:
            return False
        self._go_to(int(order[pos]))
        return True

    # -- search -------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.focus()

    def _index_details(self) -> None:
        self.search.index_details()

    def _on_index_progress(self, *rows: int) -> None:
        self.search.refine(*rows)

    def _filter_traces(self, traces: np.ndarray | None) -> None:
        """List only the flagged traces (None: all); keep the selected trace if it is still listed, else take the first."""
        self.trace_model.set_filter(traces)
        ix = self.session.index
        shown = self.trace_model.rowCount()
        self.traces.show_count(shown, len(ix.traces) if ix is not None else 0)
        trace = self.trace_number(self._selected_trace_id) if self._selected_trace_id else None
        row = self.trace_model.row_of(trace) if trace is not None else -1
        self.select_trace(row if row >= 0 else 0)
        if shown == 0:
            self._show_trace(None)

    # -- export -------------------------------------------------------------------

    def flash(self, text: str, *, error: bool = False, ms: int = 5000) -> None:
        """A short message in the status line: what an action did, or why it could not."""
        self.status.flash(text, error=error, ms=ms)

    def trace_spans(self, trace: int | None = None, limit: int = export.MAX_EXPORT_SPANS) -> list | None:
        """Every span of a trace (the selected one by default), decoded; None when it has more than ``limit``."""
        return export.trace_spans(self.session, self.current_trace() if trace is None else trace, limit)

    def span_markdown(self) -> str:
        """The selected span as Markdown (key attributes and its conversation), or "" when none is selected."""
        return export.span_markdown(self.session, self.waterfall.selected_row())

    def trace_markdown(self) -> str:
        """The selected trace as Markdown: an outline, then each LLM call's conversation."""
        return export.trace_markdown(self.session, self.current_trace())

    def save_trace_otlp(self, path: str) -> int:
        """Write the selected trace, with its feedback, as an OTLP/JSON file; returns the spans written."""
        return export.save_trace_otlp(self.session, self.current_trace(), path)

    def save_as_tracy(self, path: str) -> int:
        """Write the whole file as .tracy (an imported file's import, or the file itself); returns the spans in it."""
        return export.save_as_tracy(self.session, path)

    # -- closing --------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        # A view closed on its own (not as a tab of the main window, which stops its views)
        # must not leave its worker threads running: Qt aborts when a running QThread is destroyed.
        self.stop()
        super().closeEvent(event)

    def stop(self) -> None:
        """Stop following the file and wait for any read in progress (before the tab closes)."""
        self.search.stop()  # first: the indexer reads the file that `file.stop` removes for an import
        self.summary.stop()
        self.file.stop()
