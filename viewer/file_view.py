"""One tab of the main window: a file's traces, timeline and span inspector, or a friendly error panel."""

from __future__ import annotations

import os

import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QItemSelectionModel, QModelIndex, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QCheckBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from tracefile.format.columns import Timeline
from tracefile.genai import CATEGORY_TOOL
from tracefile.format.schema import STATUS_ERROR

from . import activity, theme
from .chat.widget import ChatView
from .cost import file_summary_text, prices
from .inspector.widget import SpanInspector
from .loader import LoadResult, strip_path
from .loading import Follower, Loader
from .search import QueryError, next_match, parse
from .search.indexer import DetailsIndexer
from .search.query import HELP as SEARCH_HELP
from .search.text_index import evaluate
from .session import FileSession, LoadOutcome
from .timeline import TraceOverview, TraceWaterfall, link
from .trace_table_model import TraceTableModel
from .traces import format_size, plural

def _has_tool_parts(span) -> bool:
    """Whether the span's conversation has tool calls or results (which link to tool spans)."""
    from .chat.logic import TOOL_CALL, TOOL_RESULT, conversation

    conv = conversation(span)
    return any(p.kind in (TOOL_CALL, TOOL_RESULT) for m in (*conv.input, *conv.output) for p in m.parts)


#: The most spans a trace may have to be copied as Markdown or saved from the window.
MAX_EXPORT_SPANS = 20_000


class ExportTooLarge(Exception):
    """A trace too large to export from the window (``tracy convert`` has no limit)."""


class FileView(QWidget):
    """Everything shown for one file: traces, the selected trace's timeline, the selected span.

    ``load()`` reads the file on a worker thread (``loaded`` fires when done);
    afterwards the view follows the file and shows what is appended.
    """

    loaded = Signal(object)  # LoadResult
    grew = Signal(int)  # number of new spans

    def __init__(self, path: str | os.PathLike[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = os.path.abspath(os.fspath(path))
        self.result: LoadResult | None = None
        self._feedback_seen = 0
        prices().changed.connect(self._on_prices_changed)
        self._chat_row: int | None = None
        self.feedback_dialog = None
        self.session = FileSession(self.path)
        self.loader = Loader(self.session, self)
        self.loader.progress.connect(self._on_progress)
        self.loader.finished.connect(self._on_finished)
        self.loader.cancelled.connect(self._on_cancelled)
        self.follower: Follower | None = None
        self._selected_trace_id: bytes | None = None
        self._live_until = 0.0

        self.trace_model = TraceTableModel(self)
        self.stack = QStackedWidget(self)
        self.loading_page = LoadingPage(self)
        self.loading_page.cancel.connect(self.loader.cancel)
        self.content = self._build_content()
        self.error_panel = ErrorPanel(self)
        self.error_panel.retry.connect(self.reload)
        for page in (self.loading_page, self.content, self.error_panel):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack)
        self._live_timer = QTimer(self)
        self._live_timer.setInterval(1000)
        self._live_timer.timeout.connect(self._update_live)

    @property
    def file_name(self) -> str:
        return os.path.basename(self.path) or self.path

    @property
    def state(self) -> str:
        """``loading``, ``loaded`` or ``error``."""
        if self.result is None:
            return "loading"
        return "loaded" if self.result.ok else "error"

    # -- building -------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        outer = QVBoxLayout(content)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.trace_view = TraceListView(content)
        self.trace_view.setObjectName("traceList")
        _setup_view(self.trace_view)
        self.trace_view.setSortingEnabled(True)
        self.trace_view.setModel(self.trace_model)
        self.trace_view.header().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        self.trace_columns = ColumnFitter(
            self.trace_view,
            {1: "00:00:00.0", 2: "99.9 ms", 3: "999", 4: "99", 5: "9.9k", 6: "$0.000012"},
            name_share=0.3,
            shrink_first=(6, 5, 4, 3, 1),
            hide_first=(1, 3, 4, 6),
        )  # fmt: skip
        self.trace_view.selectionModel().currentRowChanged.connect(self._on_trace_changed)

        self.overview = TraceOverview(content)
        self.waterfall = TraceWaterfall(content)
        link(self.waterfall, self.overview)
        self.waterfall.selectionChanged.connect(self._on_span_changed)
        self.inspector = SpanInspector(content)
        self.chat = ChatView(content)
        self.chat.spanLinkActivated.connect(self.select_span_id)
        self.detail_tabs = QTabWidget(content)
        self.detail_tabs.setObjectName("detailTabs")
        self.detail_tabs.setDocumentMode(True)
        self.detail_tabs.addTab(self.inspector, "Inspector")
        self.detail_tabs.addTab(self.chat, "Chat")
        self.detail_tabs.setTabToolTip(0, "Every field of the selected span")
        self.detail_tabs.setTabToolTip(1, "The selected LLM call as a conversation: instructions, messages, tool calls, answer")
        self.detail_tabs.currentChanged.connect(lambda _i: self._show_chat())

        self.trace_caption = _Caption("Traces", content)
        self.timeline_caption = _Caption("Timeline", content)
        self.timeline_placeholder = QLabel("Select a trace to see its timeline.", content)
        self.timeline_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.timeline_placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        timeline = QWidget(content)
        tl = QVBoxLayout(timeline)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(4)
        tl.addWidget(self.overview)
        tl.addWidget(self.waterfall, 1)
        self.timeline_stack = QStackedWidget(content)
        self.timeline_stack.addWidget(self.timeline_placeholder)
        self.timeline_stack.addWidget(timeline)

        left = _column(content, self.trace_caption, self.trace_view)
        middle = _column(content, self.timeline_caption, self.timeline_stack)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, content)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(6)
        self.splitter.addWidget(left)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.detail_tabs)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 4)
        self.splitter.setSizes([520, 560, 420])
        outer.addWidget(self.splitter, 1)

        # Status line: "N spans · M traces · size", a live indicator, and the reader's warnings.
        status = QFrame(content)
        status.setObjectName("statusLine")
        row = QHBoxLayout(status)
        row.setContentsMargins(10, 5, 10, 5)
        row.setSpacing(6)
        self.status_label = QLabel(status)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.live_label = QLabel("● live", status)
        self.live_label.setToolTip("The file grew in the last seconds: new spans appear as they are written.")
        pal = self.live_label.palette()
        pal.setColor(self.live_label.foregroundRole(), theme.live_color())
        self.live_label.setPalette(pal)
        self.live_label.hide()
        self.warning_icon = QLabel(status)
        self.warning_icon.setPixmap(theme.status_icon("warning").pixmap(16, 16))
        self.warning_label = QLabel(status)
        self.warning_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.search_field = QLineEdit(status)
        self.search_field.setPlaceholderText("Search spans (Ctrl+F)  e.g. chat duration>2s -status:error")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setMinimumWidth(320)
        self.search_field.setToolTip(SEARCH_HELP)
        self.search_field.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_field.returnPressed.connect(lambda: self.next_match())
        self.search_label = QLabel(status)
        self.filter_box = QCheckBox("Filter", status)
        self.filter_box.setToolTip("Show only traces with matching spans")
        self.filter_box.toggled.connect(lambda _on: self._apply_search())
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self._apply_search)
        self.matches: np.ndarray | None = None
        self._indexer: DetailsIndexer | None = None
        self._search_exact = True
        self._search_filtered = False
        row.addWidget(self.status_label)
        row.addWidget(self.live_label)
        row.addSpacing(12)
        row.addWidget(self.warning_icon)
        row.addWidget(self.warning_label, 1)
        self.flash_label = QLabel(status)
        self.flash_label.setObjectName("flash")
        self.flash_label.hide()
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.timeout.connect(self.flash_label.hide)
        row.addWidget(self.flash_label)
        row.addWidget(self.search_label)
        row.addWidget(self.search_field)
        row.addWidget(self.filter_box)
        outer.addWidget(status)
        return content

    # -- loading --------------------------------------------------------------

    def load(self) -> None:
        """Read the file on a worker thread; ``loaded`` fires with the result."""
        self.result = None
        self.loading_page.start(self.file_name)
        self.stack.setCurrentWidget(self.loading_page)
        self.loader.start()

    def reload(self) -> None:
        """Read the file again from the start (after an error, or on F5)."""
        if self.loader.busy:
            return
        if self.follower is not None:
            self.follower.stop()
            self.follower = None
        self.session = FileSession(self.path)
        self.loader.session = self.session
        self.load()

    def wait_loaded(self, ms: int = 60000) -> bool:
        """Block until loading finished (for tests and --screenshot)."""
        self.loader.wait(ms)
        QCoreApplication.sendPostedEvents()
        return self.state != "loading"

    def _on_progress(self, done: int, total: int) -> None:
        self.loading_page.set_progress(done, total)

    def _on_cancelled(self) -> None:
        self.result = LoadResult(self.path, error="loading was cancelled")
        self.error_panel.show_result(self.result)
        self.stack.setCurrentWidget(self.error_panel)
        self.loaded.emit(self.result)

    def _on_finished(self, outcome: LoadOutcome) -> None:
        first = self.result is None
        if not outcome.ok:
            if first:
                self.result = LoadResult(self.path, error=strip_path(outcome.error or "", self.path))
                self.error_panel.show_result(self.result)
                self.stack.setCurrentWidget(self.error_panel)
                self.loaded.emit(self.result)
            return
        if first:
            self.result = LoadResult(self.path)
            self.stack.setCurrentWidget(self.content)
        self._show_index(keep_selection=not first)
        self._show_feedback()
        self._show_status(outcome)
        self._index_details()
        if self.search_field.text().strip():
            self._apply_search()  # new spans may match
        if first:
            if self.follower is None:
                self.follower = Follower(self.session, self)
                self.follower.grew.connect(self._on_file_grew)
            self.loaded.emit(self.result)
        elif outcome.new_spans:
            self._live_until = time.monotonic() + 3
            self._update_live()
            self._live_timer.start()
            self.grew.emit(outcome.new_spans)

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

    def selected_span(self):
        """The span selected in the waterfall, with every field decoded, or None."""
        row = self.waterfall.selected_row()
        return self.session.span(row) if row >= 0 else None

    def add_feedback(self) -> bool:
        """Ask for a score and a comment on the selected span and append them to the file."""
        from .feedback.widget import FeedbackDialog

        span = self.selected_span()
        if span is None or self.state != "loaded":
            return False
        dialog = FeedbackDialog(span, self.path, self)
        dialog.saved.connect(lambda _fb: self._on_file_grew())
        self.feedback_dialog = dialog  # tests drive it
        dialog.open()
        return True

    def _on_prices_changed(self, *_args) -> None:
        if self.state == "loaded":
            self._update_status_text()

    def _on_file_grew(self) -> None:
        if self.state == "loaded":
            self.loader.start()

    def _update_live(self) -> None:
        live = time.monotonic() < self._live_until
        self.live_label.setVisible(live)
        if not live:
            self._live_timer.stop()

    def _update_status_text(self) -> None:
        """"14 spans · 5 traces · 2.8 KiB · 1.2k tokens · $0.0042 · feedback: 1 good"."""
        ix = self.session.index
        spans = ix.n if ix else 0
        traces = len(ix.traces) if ix else 0
        parts = [plural(spans, "span"), plural(traces, "trace"), format_size(self.session.size)]
        usage = file_summary_text(ix) if ix is not None and ix.n else ""
        if usage:
            parts.append(usage)
        feedback = self.session.feedback.summary()
        if feedback:
            parts.append(f"feedback: {feedback}")
        self.status_label.setText(" · ".join(parts))

    def _show_status(self, outcome: LoadOutcome) -> None:
        self._update_status_text()
        warnings = self.session.reader.warnings
        warning = ""
        if self.session.reader.truncated:
            warning = "file ends inside a frame… (still being written?)"
        elif warnings:
            warning = warnings[-1]
        self.warning_label.setText(warning)
        self.warning_label.setToolTip("\n".join(warnings))
        self.warning_icon.setVisible(bool(warning))
        self.warning_label.setVisible(bool(warning))
        pal = self.warning_label.palette()
        pal.setColor(self.warning_label.foregroundRole(), theme.warning_color())
        self.warning_label.setPalette(pal)

    def _show_index(self, keep_selection: bool) -> None:
        ix = self.session.index
        selected = self._selected_trace_id if keep_selection else None
        self.trace_model.set_index(ix)
        n = len(ix.traces) if ix is not None else 0
        self.trace_caption.set_detail(plural(n, "trace"))
        if n == 0:
            self._show_trace(None)
            self.timeline_placeholder.setText("No spans in this file (yet).")
            return
        trace = self.trace_number(selected) if selected is not None else None
        self.select_trace(self.trace_model.row_of(trace) if trace is not None else 0)

    def trace_number(self, trace_id: bytes) -> int | None:
        """The number of the trace with this 16-byte id in the current index, or None."""
        ix = self.session.index
        if ix is None or ix.n == 0:
            return None
        hits = np.nonzero((ix.timeline.trace_id == np.frombuffer(trace_id, np.uint64)).all(axis=1))[0]
        return int(ix.trace[hits[0]]) if len(hits) else None

    # -- selection --------------------------------------------------------------

    def select_trace(self, row: int) -> None:
        """Select the trace shown in list row ``row`` (in the current sort order)."""
        index = self.trace_model.index(row, 0)
        if index.isValid():
            self.trace_view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            )
            self.trace_view.scrollTo(index)

    def current_trace(self) -> int | None:
        """The selected trace's number in the index, or None."""
        index = self.trace_view.currentIndex()
        return self.trace_model.trace_at(index.row()) if index.isValid() else None

    def select_span_named(self, name: str) -> bool:
        """Select the first span called ``name``: its trace in the list, the span in the timeline."""
        ix = self.session.index
        if ix is None or name not in ix.timeline.names:
            return False
        code = ix.timeline.names.index(name)
        rows = np.nonzero(ix.timeline.name == code)[0]
        if not len(rows):
            return False
        row = int(rows[0])
        self.select_trace(self.trace_model.row_of(int(ix.trace[row])))
        self.waterfall.select_row(row)
        return True

    def _on_trace_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_trace(self.trace_model.trace_at(current.row()) if current.isValid() else None)

    def _show_trace(self, trace: int | None) -> None:
        ix = self.session.index
        if trace is None or ix is None:
            self._selected_trace_id = None
            self.timeline_caption.set_title("Timeline")
            self.timeline_caption.set_detail("")
            self.timeline_stack.setCurrentWidget(self.timeline_placeholder)
            self.overview.clear()
            self.waterfall.clear()
            self.inspector.set_span(None)
            self.chat.clear()
            return
        root = int(ix.traces.root[trace])
        self._selected_trace_id = ix.timeline.trace_id[root].tobytes()
        trace_hex = self._selected_trace_id.hex()
        self.timeline_caption.set_title(ix.name(root))
        self.timeline_caption.set_detail(f"trace {trace_hex[:12]}…")
        self.timeline_caption.setToolTip(f"trace id {trace_hex}")
        self.timeline_stack.setCurrentWidget(self.timeline_stack.widget(1))
        self.overview.set_data(ix, trace)
        self.waterfall.set_data(ix, trace)
        if self.waterfall.selected_row() < 0:
            self.waterfall.select_row(root)

    def _on_span_changed(self, row: int) -> None:
        self.inspector.set_span(self.session.span(row) if row >= 0 else None)
        self._chat_row = None  # shown again when the Chat tab is (or becomes) visible
        self._show_chat()

    def show_chat(self) -> None:
        """Bring the Chat tab to the front."""
        self.detail_tabs.setCurrentWidget(self.chat)

    def _show_chat(self) -> None:
        if self.detail_tabs.currentWidget() is not self.chat:
            return
        row = self.waterfall.selected_row()
        if row == self._chat_row:
            return
        self._chat_row = row
        span = self.session.span(row) if row >= 0 else None
        self.chat.set_span(span, self._tool_spans(row) if span is not None and _has_tool_parts(span) else None)

    def _tool_spans(self, row: int, limit: int = 200):
        """The tool spans of ``row``'s trace that tool calls may link to: the nearest in time, at most ``limit``."""
        ix = self.session.index
        if ix is None:
            return []
        rows = ix.trace_rows(int(ix.trace[row]))
        tools = rows[ix.timeline.category[rows] == CATEGORY_TOOL]
        if len(tools) > limit:
            start = ix.timeline.start
            distance = np.abs(start[tools].astype(np.int64) - np.int64(start[row]))
            tools = tools[np.argsort(distance, kind="stable")[:limit]]
        return self.session.spans(tools)

    # -- export -----------------------------------------------------------------

    def flash(self, text: str, *, error: bool = False, ms: int = 5000) -> None:
        """A short message in the status line: what an action did, or why it could not."""
        pal = self.flash_label.palette()
        pal.setColor(self.flash_label.foregroundRole(), theme.error_color() if error else theme.live_color())
        self.flash_label.setPalette(pal)
        self.flash_label.setText(text)
        self.flash_label.show()
        self._flash_timer.start(ms)

    def trace_spans(self, trace: int | None = None, limit: int = MAX_EXPORT_SPANS) -> list | None:
        """Every span of a trace (the selected one by default), decoded; None when it has more than ``limit``."""
        ix = self.session.index
        trace = self.current_trace() if trace is None else trace
        if ix is None or trace is None:
            return None
        rows = ix.trace_rows(trace)
        if len(rows) > limit:
            return None
        return self.session.spans(rows)

    def span_markdown(self) -> str:
        """The selected span as Markdown (key attributes and its conversation), or "" when none is selected."""
        from .export.logic import span_markdown

        span = self.selected_span()
        if span is None:
            return ""
        row = self.waterfall.selected_row()
        return span_markdown(span, self._tool_spans(row) if _has_tool_parts(span) else None)

    def trace_markdown(self) -> str:
        """The selected trace as Markdown: an outline, then each LLM call's conversation."""
        from .export.logic import trace_markdown

        spans = self.trace_spans()
        if spans is None:
            ix, trace = self.session.index, self.current_trace()
            if ix is None or trace is None:
                return ""
            n = int(ix.traces.spans[trace])
            raise ExportTooLarge(f"this trace has {n:,} spans; copying is limited to {MAX_EXPORT_SPANS:,}")
        return trace_markdown(spans)

    def save_trace_otlp(self, path: str) -> int:
        """Write the selected trace, with its feedback, as an OTLP/JSON file; returns the spans written."""
        from .export.logic import save_otlp_json

        spans = self.trace_spans()
        if spans is None:
            raise ExportTooLarge(f"this trace has more than {MAX_EXPORT_SPANS:,} spans; use: tracy convert FILE OUT.json")
        return save_otlp_json(path, spans)

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

    # -- keyboard ---------------------------------------------------------------

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
        target = int(order[pos])
        self.select_trace(self.trace_model.row_of(int(ix.trace[target])))
        self.waterfall.select_row(target)
        return True

    # -- search -------------------------------------------------------------------

    def _apply_search(self) -> None:
        """Evaluate the search field over the timeline columns, the text index of span details and
        the feedback; mark, count and optionally filter. While details are still being indexed the
        matches found so far are shown, and they refine as the index fills."""
        ix = self.session.index
        text = self.search_field.text()
        self.search_label.setPalette(self.palette())
        self._search_exact = True
        if ix is None or not text.strip():
            self.matches = None
            self.search_label.setText("")
            self.waterfall.set_highlight(None)
            self._filter_traces(None)
            return
        try:
            query = parse(text)
        except QueryError as exc:
            self.search_label.setText(f"⚠ {exc.message}")
            pal = self.search_label.palette()
            pal.setColor(self.search_label.foregroundRole(), theme.error_color())
            self.search_label.setPalette(pal)
            return
        details_index = self.session.text
        ev = evaluate(query, ix, details_index, self.session.feedback)
        if not ev.exact and self._indexer is not None and ix.n - details_index.rows <= SMALL_INDEX_WAIT:
            # A few spans left to index: waiting a moment beats showing a partial count.
            with activity.hurry():  # the indexer would otherwise pause for the paint that just happened
                self._indexer.wait(250)
            ev = evaluate(query, ix, details_index, self.session.feedback)
        self._search_exact = ev.exact
        self.matches = ev.certain
        count = int(ev.certain.sum())
        note = ""
        if not ev.exact:
            note = f" so far · searching details… {int(100 * min(details_index.rows, ix.n) / max(ix.n, 1))}%"
        self.search_label.setText(f"{count:,} {'match' if count == 1 else 'matches'}{note}")
        self.waterfall.set_highlight(self.matches)
        traces = None
        if self.filter_box.isChecked():
            traces = np.zeros(len(ix.traces), bool)
            traces[ix.trace[self.matches]] = True
        self._filter_traces(traces)

    def _filter_traces(self, traces: np.ndarray | None) -> None:
        """List only the flagged traces (None: all). Listing all again when all are listed is
        skipped: re-sorting 100,000 traces would cost each keystroke tens of milliseconds."""
        if traces is None and not self._search_filtered:
            return
        self._search_filtered = traces is not None
        self.trace_model.set_filter(traces)
        self._reselect()

    def _index_details(self) -> None:
        """Index span details for search on a worker thread (again after the file grew)."""
        if self._indexer is not None and self._indexer.session is not self.session:
            self._indexer.stop()  # the file was re-read into a new session
            self._indexer.deleteLater()
            self._indexer = None
        if self._indexer is None:
            self._indexer = DetailsIndexer(self.session, self)
            self._indexer.progress.connect(self._on_index_progress)
            self._indexer.finished.connect(self._on_index_progress)
        self._indexer.start()

    def _on_index_progress(self, *_rows: int) -> None:
        if not self._search_exact and self.search_field.text().strip():
            self._apply_search()  # the matches refine as the index fills

    def _update_trace_caption(self) -> None:
        ix = self.session.index
        total = len(ix.traces) if ix is not None else 0
        shown = self.trace_model.rowCount()
        self.trace_caption.set_detail(plural(total, "trace") if shown == total else f"{shown:,} of {plural(total, 'trace')}")

    def _reselect(self) -> None:
        """After the list changed, keep the selected trace if it is still listed, else take the first."""
        self._update_trace_caption()
        trace = self.trace_number(self._selected_trace_id) if self._selected_trace_id else None
        row = self.trace_model.row_of(trace) if trace is not None else -1
        self.select_trace(row if row >= 0 else 0)
        if self.trace_model.rowCount() == 0:
            self._show_trace(None)

    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def closeEvent(self, event) -> None:
        # A view closed on its own (not as a tab of the main window, which stops its views)
        # must not leave its worker threads running: Qt aborts when a running QThread is destroyed.
        self.stop()
        super().closeEvent(event)

    def stop(self) -> None:
        """Stop following the file and wait for any read in progress (before the tab closes)."""
        if self.follower is not None:
            self.follower.stop()
        if self._indexer is not None:
            self._indexer.stop()
        self.loader.stop()


#: When at most this many spans are left to index, a search waits for them (up to 250 ms).
SMALL_INDEX_WAIT = 5000


class LoadingPage(QWidget):
    """Shown while a file is read: what is being read, how far along, and a way to stop."""

    cancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(420)
        self.button = QPushButton("Cancel", self)
        self.button.clicked.connect(self.cancel)
        box = QVBoxLayout(self)
        box.addStretch(2)
        box.addWidget(self.label)
        box.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addStretch(3)

    def start(self, name: str) -> None:
        self.label.setText(f"Reading “{name}”…")
        self.bar.setValue(0)

    def set_progress(self, done: int, total: int) -> None:
        self.bar.setValue(int(1000 * done / total) if total else 0)


class ErrorPanel(QWidget):
    """A calm, centred explanation of why a file cannot be shown, with a hint and a retry button."""

    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading = QLabel(self)
        self.heading.setObjectName("errorHeading")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setWordWrap(True)
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel(self)
        self.message.setObjectName("errorMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.message.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.message.setFont(font)
        self.path_label = QLabel(self)
        self.path_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.path_label.setWordWrap(True)
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint = QLabel(self)
        self.hint.setObjectName("errorHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.retry_button = QPushButton("Try Again", self)
        self.retry_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.retry_button.setMinimumWidth(120)
        self.retry_button.clicked.connect(self.retry)

        card = QVBoxLayout()
        card.setSpacing(10)
        card.addWidget(self.icon)
        card.addSpacing(4)
        card.addWidget(self.heading)
        card.addWidget(self.message)
        card.addWidget(self.path_label)
        card.addSpacing(8)
        card.addWidget(self.hint)
        card.addSpacing(8)
        card.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        holder = QWidget(self)
        holder.setLayout(card)
        holder.setMaximumWidth(620)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(holder, 20)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 32, 32, 32)
        outer.addStretch(2)
        outer.addLayout(row)
        outer.addStretch(3)

    def show_result(self, result: LoadResult) -> None:
        name = result.name
        self.icon.setPixmap(theme.status_icon("error", 48).pixmap(48, 48))
        self.heading.setText(f"Can’t open “{name}”" if not result.unexpected else f"Something went wrong opening “{name}”")
        pal = self.heading.palette()
        pal.setColor(self.heading.foregroundRole(), theme.error_color())
        self.heading.setPalette(pal)
        self.message.setText(_sentence(result.error or ""))
        self.path_label.setText(result.path)
        self.hint.setText(error_hint(result))

    def text(self) -> str:
        """Everything the panel says, for tests and accessibility."""
        return "\n".join(w.text() for w in (self.heading, self.message, self.path_label, self.hint))


def error_hint(result: LoadResult) -> str:
    error = (result.error or "").lower()
    if result.unexpected:
        return "This looks like a bug in Tracy rather than a problem with the file. Please report it, with the file if you can."
    if "cannot open" in error or "cannot read" in error:
        return "Check that the file exists and that you are allowed to read it."
    if "empty" in error or "still starting" in error:
        return "If a program is about to record traces into it, try again in a moment."
    if "format" in error and "upgrade" in error:
        return "A newer version of Tracy wrote this file. Update Tracy to read it."
    return (
        "Tracy reads .tracy files recorded by the tracefile exporter. "
        "Open another file with Ctrl+O, or drop one onto this window."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


class _Caption(QWidget):
    """A pane heading: bold title plus a muted detail on the right."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title, self)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail = QLabel(self)
        self.detail.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 8, 4, 6)
        row.addWidget(self.title, 1)
        row.addWidget(self.detail)

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_detail(self, text: str) -> None:
        self.detail.setText(text)


def _column(parent: QWidget, caption: QWidget, body: QWidget) -> QWidget:
    w = QWidget(parent)
    layout = QVBoxLayout(w)
    layout.setContentsMargins(8, 0, 8, 0)
    layout.setSpacing(0)
    layout.addWidget(caption)
    layout.addWidget(body, 1)
    return w


class RowDelegate(QStyledItemDelegate):
    """Standard painting with a little more air between rows."""

    PADDING = 10

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        size.setHeight(max(size.height(), option.fontMetrics.height() + self.PADDING))
        return size


class TraceListView(QTableView):
    """The trace list: a flat table. A tree view would ask the model about every one of
    100,000 rows while laying out; a table with fixed row heights asks only about those shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verticalHeader().hide()
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + RowDelegate.PADDING)

    def header(self) -> QHeaderView:
        return self.horizontalHeader()


def _setup_view(view: QTreeView | QTableView) -> None:
    view.setItemDelegate(RowDelegate(view))
    view.setAlternatingRowColors(True)
    if isinstance(view, QTreeView):
        view.setUniformRowHeights(True)
        view.setAllColumnsShowFocus(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = view.header()
    header.setStretchLastSection(False)
    header.setHighlightSections(False)
    header.setSectionsMovable(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class ColumnFitter(QObject):
    """Column 0 stretches; the other columns get a natural width that fits a sample text (no
    per-row measuring, so it stays cheap for huge models). When the view is too narrow, the
    columns in ``hide_first`` are hidden, in that order, until the rest fit at their natural
    width (cut-off numbers help nobody); then the columns in ``shrink_first`` give up space
    (down to their header's width), then all shrink in proportion, so the name column keeps
    ``name_share`` of the width. Once the user drags a column edge, their widths win and
    fitting stops.
    """

    def __init__(
        self, view: QTreeView, samples: dict[int, str], *, name_share: float = 0.3, shrink_first: tuple[int, ...] = (),
        hide_first: tuple[int, ...] = (),
    ) -> None:
        super().__init__(view)
        self.view = view
        self.name_share = name_share
        self.shrink_first = shrink_first
        self.hide_first = hide_first
        self.hidden: set[int] = set()
        self.natural: dict[int, int] = {}
        self.minimum: dict[int, int] = {}
        self.user_sized = False
        self._fitting = False
        header = view.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(QFontMetrics(view.font()).horizontalAdvance("Errors") + 12)
        for column, sample in samples.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.set_natural(column, sample, fit=False)
        self.fit()
        header.sectionResized.connect(self._on_section_resized)
        view.viewport().installEventFilter(self)

    def set_natural(self, column: int, sample: str, *, fit: bool = True) -> None:
        bold = QFont(self.view.font())
        bold.setBold(True)
        label = str(self.view.model().headerData(column, Qt.Orientation.Horizontal))
        self.minimum[column] = QFontMetrics(bold).horizontalAdvance(label) + 30
        self.natural[column] = max(_text_width(self.view, sample), self.minimum[column])
        if fit:
            self.fit()

    def hidden_columns(self, available: int) -> set[int]:
        """The ``hide_first`` columns that do not fit a viewport ``available`` pixels wide."""
        room = available - max(140.0, available * self.name_share)
        used = sum(self.natural.values())
        hidden: set[int] = set()
        for column in self.hide_first:
            if used <= room or available <= 0:
                break
            if column in self.natural:
                used -= self.natural[column]
                hidden.add(column)
        return hidden

    def widths(self, available: int) -> dict[int, int]:
        """Widths of the shown non-name columns for a viewport ``available`` pixels wide."""
        hidden = self.hidden_columns(available)
        widths = {c: w for c, w in self.natural.items() if c not in hidden}
        deficit = sum(widths.values()) - (available - max(140.0, available * self.name_share))
        if available <= 0 or deficit <= 0:
            return widths
        for column in (c for c in self.shrink_first if c in widths):
            give = min(deficit, widths[column] - self.minimum[column])
            if give > 0:
                widths[column] -= int(give)
                deficit -= int(give)
        if deficit > 0:
            total = sum(widths.values())
            scale = max(total - deficit, 0) / total
            widths = {c: int(w * scale) for c, w in widths.items()}
        return widths

    def fit(self) -> None:
        if self.user_sized:
            return
        header = self.view.header()
        self._fitting = True
        try:
            available = self.view.viewport().width()
            hidden = self.hidden_columns(available)
            for column in set(self.hide_first) | self.hidden:
                header.setSectionHidden(column, column in hidden)
            self.hidden = hidden
            for column, width in self.widths(available).items():
                header.resizeSection(column, max(header.minimumSectionSize(), width))
        finally:
            self._fitting = False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column in self.natural and self.view.header().sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive:
            self.user_sized = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False


def _text_width(view: QTreeView, sample: str) -> int:
    """Width of a column that fits ``sample`` with the cell's padding."""
    return QFontMetrics(view.font()).horizontalAdvance(sample) + 20
