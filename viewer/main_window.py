"""The main window: one tab per open file, a welcome page when none, menus, drag and drop."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

from PySide6.QtCore import QPointF, QRectF, QSettings, QSize, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from . import settings as viewer_settings
from . import theme
from .file_view import ExportTooLarge, FileView
from .timeline_actions import TimelineActions

APP_TITLE = "Tracy"


class ReceiveError(Exception):
    """An OTLP receiver could not start (a port taken, the receive extra missing)."""
WELCOME_HINT = "Drop a trace file here, or press Ctrl+O\n.tracy, OTLP/JSON, Jaeger, Zipkin and Prompty files open alike"
FILE_FILTER = "Trace files (*.tracy *.json *.jsonl *.pb);;All files (*)"


@dataclass
class Marked:
    """The span (and its trace) the user marked for comparison."""

    path: str
    span: object  # tracefile.Span, with every field decoded
    title: str


def _title(view: FileView, span) -> str:
    """What names one side of a comparison: the file and the span's start time."""
    from datetime import datetime

    when = datetime.fromtimestamp(span.start_time / 1e9).strftime("%H:%M:%S") if span is not None else ""
    return f"{view.file_name} · {when}" if when else view.file_name


class WelcomePage(QWidget):
    """Shown while no file is open."""

    def __init__(self, open_action: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        icon = QLabel(self)
        icon.setPixmap(theme.app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(APP_TITLE, self)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(WELCOME_HINT, self)
        self.hint.setObjectName("welcomeHint")
        font = QFont(self.hint.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.hint.setFont(font)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        button = QPushButton("Open File…", self)
        button.setMinimumWidth(140)
        button.clicked.connect(open_action.trigger)

        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(icon)
        layout.addSpacing(8)
        layout.addWidget(title)
        layout.addSpacing(4)
        layout.addWidget(self.hint)
        layout.addSpacing(18)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)


class TabCloseButton(QAbstractButton):
    """A quiet "×" drawn in the palette's text colour (the style's fallback icon is a red box)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(18, 18)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setToolTip("Close tab (Ctrl+W)")
        self.setAccessibleName("Close tab")

    def sizeHint(self) -> QSize:
        return QSize(18, 18)

    def enterEvent(self, event) -> None:
        self.update()
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:
        self.update()
        super().leaveEvent(event)

    def paintEvent(self, _event) -> None:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        hover = self.underMouse() or self.isDown()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if hover:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.blend(text, pal.color(QPalette.ColorRole.Window), 0.16))
            p.drawRoundedRect(QRectF(self.rect()), 4, 4)
        pen = QPen(text if hover else theme.blend(text, pal.color(QPalette.ColorRole.Window), 0.6), 1.5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        c = QRectF(self.rect()).center()
        d = 3.75
        p.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
        p.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))
        p.end()


class MainWindow(QMainWindow):
    """``open_paths()`` adds tabs; ``remember=False`` keeps files out of the recent list (screenshots)."""

    def __init__(self, settings: QSettings | None = None, *, remember: bool = True) -> None:
        super().__init__()
        self.settings = settings if settings is not None else viewer_settings.open_settings()
        self.remember = remember
        self._receivers: dict[FileView, tuple] = {}  # tabs fed by an OTLP receiver: (receiver, its temp folder)
        self.setAcceptDrops(True)
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(theme.app_icon())

        self._build_actions()
        self._build_menus()

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setMovable(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.tabs.currentChanged.connect(self._update_title)
        self.welcome = WelcomePage(self.open_action, self)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.tabs)
        self.setCentralWidget(self.pages)
        self._update_title()

    # -- actions and menus --------------------------------------------------------

    def _build_actions(self) -> None:
        self.open_action = QAction("&Open…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_dialog)
        self.reload_action = QAction("&Reload", self)
        self.reload_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.reload_action.triggered.connect(self.reload_current)
        self.save_as_action = QAction("Save &As…", self)
        self.save_as_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_as_action.setToolTip("Save the open file as .tracy (a file imported from another format, or a copy)")
        self.save_as_action.triggered.connect(lambda: self._with_view(lambda v: self.save_as(v)))
        self.receive_action = QAction("Receive &OTLP…", self)
        self.receive_action.setToolTip("Open a live tab on an OTLP receiver: any language's OpenTelemetry SDK sends its spans here")
        self.receive_action.triggered.connect(self.receive_dialog)
        self.close_action = QAction("&Close Tab", self)
        self.close_action.setShortcut(QKeySequence.StandardKey.Close)
        self.close_action.triggered.connect(lambda: self.close_tab(self.tabs.currentIndex()))
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.clear_recent_action = QAction("Clear Recent Files", self)
        self.clear_recent_action.triggered.connect(self.clear_recent)
        self.search_action = QAction("&Find…", self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.search_action.setToolTip("Search spans (name:, model:, status:error, duration>2s, tokens>1000, -term, OR)")
        self.search_action.triggered.connect(lambda: self._with_view(lambda v: v.focus_search()))
        self.next_error_action = QAction("&Next Error", self)
        self.next_error_action.setShortcut(QKeySequence("N"))
        self.next_error_action.triggered.connect(lambda: self._with_view(lambda v: v.next_error()))
        self.previous_error_action = QAction("&Previous Error", self)
        self.previous_error_action.setShortcut(QKeySequence("Shift+N"))
        self.previous_error_action.triggered.connect(lambda: self._with_view(lambda v: v.next_error(backwards=True)))
        self.next_match_action = QAction("Next &Match", self)
        self.next_match_action.setShortcut(QKeySequence.StandardKey.FindNext)
        self.next_match_action.triggered.connect(lambda: self._with_view(lambda v: v.next_match()))
        self.previous_match_action = QAction("Previous M&atch", self)
        self.previous_match_action.setShortcut(QKeySequence.StandardKey.FindPrevious)
        self.previous_match_action.triggered.connect(lambda: self._with_view(lambda v: v.next_match(backwards=True)))
        self.feedback_action = QAction("Add &Feedback…", self)
        self.feedback_action.setShortcut(QKeySequence("Ctrl+E"))
        self.feedback_action.setToolTip("Score and comment the selected span; saved to the end of the file")
        self.feedback_action.triggered.connect(lambda: self._with_view(lambda v: v.add_feedback()))
        self.copy_span_md_action = QAction("Copy Span as &Markdown", self)
        self.copy_span_md_action.setToolTip("The selected span's key attributes and conversation, for an issue or a chat")
        self.copy_span_md_action.triggered.connect(lambda: self._with_view(self.copy_span_markdown))
        self.copy_trace_md_action = QAction("Copy &Trace as Markdown", self)
        self.copy_trace_md_action.setToolTip("The selected trace: an outline of its spans, then every LLM call's conversation")
        self.copy_trace_md_action.triggered.connect(lambda: self._with_view(self.copy_trace_markdown))
        self.save_trace_otlp_action = QAction("Save Trace as &OTLP/JSON…", self)
        self.save_trace_otlp_action.setToolTip("The selected trace as OpenTelemetry OTLP/JSON, for other tools")
        self.save_trace_otlp_action.triggered.connect(lambda: self._with_view(lambda v: self.save_trace_otlp(v)))
        self.mark_action = QAction("Mark for &Comparison", self)
        self.mark_action.setShortcut(QKeySequence("Ctrl+M"))
        self.mark_action.setToolTip("Remember the selected span and its trace, to compare another one with them")
        self.mark_action.triggered.connect(lambda: self._with_view(self.mark_for_comparison))
        self.compare_span_action = QAction("Compare Span with Marked", self)
        self.compare_span_action.setShortcut(QKeySequence("Ctrl+D"))
        self.compare_span_action.setToolTip("Prompt and completion diff: the marked span on the left, the selected one on the right")
        self.compare_span_action.triggered.connect(lambda: self._with_view(self.compare_span))
        self.compare_runs_action = QAction("Compare &Runs with Marked", self)
        self.compare_runs_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.compare_runs_action.setToolTip("Pair the spans of the marked trace and the selected one, and list the LLM steps that changed")
        self.compare_runs_action.triggered.connect(lambda: self._with_view(self.compare_runs))
        self.marked: Marked | None = None
        self.diff_windows: list = []
        self.prices_action = QAction("Token &Prices…", self)
        self.prices_action.setToolTip("The price table that turns token counts into cost")
        self.prices_action.triggered.connect(self.open_prices)
        self.trace_list_action = QAction("&Trace List", self)
        self.trace_list_action.setShortcut(QKeySequence("Ctrl+B"))
        self.trace_list_action.setToolTip("Show or hide the list of traces, to give the timeline the width")
        self.trace_list_action.triggered.connect(lambda: self._with_view(lambda v: v.toggle_trace_list()))
        self.addAction(self.trace_list_action)
        # Where the time and money went: the Summary panel and the critical path (per tab).
        self.summary_action = QAction("&Summary", self, checkable=True)
        self.summary_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.summary_action.setToolTip("Count, errors, p50/p95, tokens and cost per model, tool or category, and trace durations")
        self.summary_action.toggled.connect(lambda on: [v.summary.set_visible(on) for v in self.file_views()])
        self.critical_path_action = QAction("&Critical Path", self, checkable=True)
        self.critical_path_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.critical_path_action.setToolTip("Underline the spans that determine when the trace ends")
        self.critical_path_action.toggled.connect(lambda on: [v.summary.set_critical_path(on) for v in self.file_views()])
        self.shortcuts_action = QAction("&Keyboard Shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence("?"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        for action in (self.search_action, self.next_match_action, self.previous_match_action,
                       self.next_error_action, self.previous_error_action, self.feedback_action,
                       self.mark_action, self.compare_span_action, self.compare_runs_action,
                       self.summary_action, self.critical_path_action, self.shortcuts_action):  # fmt: skip
            self.addAction(action)
        self.timeline_actions = TimelineActions(self, self._with_view)

    def span_menu_actions(self) -> list[QAction | None]:
        """The window's actions a span's context menu lists (None: a separator)."""
        return [*self.timeline_actions.tree_actions()[:2], None, self.mark_action, self.compare_span_action, self.feedback_action]

    def _with_view(self, fn) -> None:
        view = self.current_view()
        if view is not None and view.state == "loaded":
            fn(view)

    # -- compare ------------------------------------------------------------------

    def mark_for_comparison(self, view: FileView) -> bool:
        span = view.selected_span()
        if span is None:
            view.flash("Select a span first", error=True)
            return False
        self.marked = Marked(view.path, span, _title(view, span))
        view.flash(f"Marked “{span.name}”: select another span or trace, then Ctrl+D or Ctrl+Shift+D")
        return True

    def compare_span(self, view: FileView, *, show: bool = True):
        """Open the prompt and completion diff of the marked span (left) and the selected one (right)."""
        from .diff.widget import open_span_diff

        span = view.selected_span()
        if self.marked is None or span is None:
            view.flash("Mark a span first (Ctrl+M), then select the span to compare it with", error=True)
            return None
        window = open_span_diff(self, self.marked.span, span, (self.marked.title, _title(view, span)), show=show)
        self.diff_windows.append(window)
        window.destroyed.connect(lambda _obj=None, w=window: self._forget(w))
        return window

    def compare_runs(self, view: FileView, *, show: bool = True):
        """Open the step-by-step comparison of the marked span's trace (left) and the selected trace (right)."""
        from .diff.widget import open_run_compare

        marked = self.marked
        if marked is None or view.current_trace() is None:
            view.flash("Mark a span of one run first (Ctrl+M), then select a trace of the other run", error=True)
            return None
        source = next((v for v in self.file_views() if v.path == marked.path), None)
        if source is None:
            view.flash("The marked span's file is no longer open", error=True)
            return None
        # By trace id: trace numbers change when the marked file is read again (F5).
        trace = source.trace_number(bytes.fromhex(marked.span.trace_id))
        if trace is None:
            view.flash("The marked span's trace is no longer in its file", error=True)
            return None
        left = source.trace_spans(trace)
        right = view.trace_spans()
        if left is None or right is None:
            view.flash("Not compared: traces over 20,000 spans are too large to compare here", error=True)
            return None
        span = view.selected_span()
        titles = (marked.title, _title(view, span) if span is not None else view.file_name)
        window = open_run_compare(self, left, right, titles, show=show)
        self.diff_windows.append(window)
        window.destroyed.connect(lambda _obj=None, w=window: self._forget(w))
        return window

    def _forget(self, window) -> None:
        if window in self.diff_windows:
            self.diff_windows.remove(window)

    # -- export -------------------------------------------------------------------

    def copy_span_markdown(self, view: FileView) -> None:
        text = view.span_markdown()
        if not text:
            view.flash("Select a span first", error=True)
            return
        QGuiApplication.clipboard().setText(text)
        view.flash("Copied the span as Markdown")

    def copy_trace_markdown(self, view: FileView) -> None:
        try:
            text = view.trace_markdown()
        except ExportTooLarge as exc:
            view.flash(f"Not copied: {exc}", error=True)
            return
        if not text:
            view.flash("Select a trace first", error=True)
            return
        QGuiApplication.clipboard().setText(text)
        view.flash("Copied the trace as Markdown")

    def save_trace_otlp(self, view: FileView, path: str | None = None) -> bool:
        """Save the selected trace as OTLP/JSON to ``path`` (asked for when None)."""
        if view.current_trace() is None:
            view.flash("Select a trace first", error=True)
            return False
        if path is None:
            suggested = os.path.splitext(view.path)[0] + ".otlp.json"
            path, _ = QFileDialog.getSaveFileName(self, "Save Trace as OTLP/JSON", suggested, "OTLP/JSON (*.json)")
            if not path:
                return False
        try:
            n = view.save_trace_otlp(path)
        except ExportTooLarge as exc:
            view.flash(f"Not saved: {exc}", error=True)
            return False
        except OSError as exc:
            view.flash(f"Not saved: {exc.strerror or exc} ({path})", error=True)
            return False
        view.flash(f"Saved {n:,} spans to {os.path.basename(path)}")
        return True

    def save_as(self, view: FileView, path: str | None = None) -> bool:
        """Save the whole file as .tracy to ``path`` (asked for when None)."""
        if path is None:
            base = os.path.splitext(view.path)[0]
            suggested = base + ".tracy"
            if suggested == view.path:  # a .tracy file, or Prompty's JSON .tracy: never suggest overwriting it
                suggested = base + (".imported.tracy" if view.format_label else "-copy.tracy")
            path, _ = QFileDialog.getSaveFileName(self, "Save as .tracy", suggested, "Tracy traces (*.tracy)")
            if not path:
                return False
        try:
            n = view.save_as_tracy(path)
        except OSError as exc:
            view.flash(f"Not saved: {exc.strerror or exc} ({path})", error=True)
            return False
        view.flash(f"Saved {n:,} spans to {os.path.basename(path)}")
        return True

    def open_prices(self):
        """The Prices dialog (one per window): edits re-price every open view at once."""
        from .cost import open_price_table

        return open_price_table(self)

    def show_shortcuts(self) -> None:
        """The keyboard shortcuts, in a small dialog."""
        from .shortcuts import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.save_as_action)
        file_menu.addAction(self.receive_action)
        file_menu.addSeparator()
        file_menu.addAction(self.reload_action)
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.prices_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        go_menu = self.menuBar().addMenu("&Go")
        go_menu.addAction(self.search_action)
        go_menu.addAction(self.next_match_action)
        go_menu.addAction(self.previous_match_action)
        go_menu.addAction(self.next_error_action)
        go_menu.addAction(self.previous_error_action)
        self.view_menu = self.menuBar().addMenu("&View")
        self.view_menu.addAction(self.trace_list_action)
        self.view_menu.addAction(self.summary_action)
        self.view_menu.addAction(self.critical_path_action)
        self.view_menu.addSeparator()
        self.timeline_actions.fill_menu(self.view_menu)
        span_menu = self.menuBar().addMenu("&Span")
        span_menu.addAction(self.feedback_action)
        span_menu.addSeparator()
        span_menu.addAction(self.mark_action)
        span_menu.addAction(self.compare_span_action)
        span_menu.addAction(self.compare_runs_action)
        span_menu.addSeparator()
        span_menu.addAction(self.copy_span_md_action)
        span_menu.addAction(self.copy_trace_md_action)
        span_menu.addAction(self.save_trace_otlp_action)
        self.span_menu = span_menu
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = viewer_settings.recent_files(self.settings)
        for i, path in enumerate(files):
            label = os.path.basename(path) or path
            action = self.recent_menu.addAction(f"&{i + 1}  {label}" if i < 9 else label)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_paths([p]))
        if not files:
            empty = self.recent_menu.addAction("No Recent Files")
            empty.setEnabled(False)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction(self.clear_recent_action)
        self.clear_recent_action.setEnabled(bool(files))

    def recent_files(self) -> list[str]:
        return viewer_settings.recent_files(self.settings)

    def clear_recent(self) -> None:
        viewer_settings.clear_recent_files(self.settings)
        self._fill_recent_menu()

    # -- files -----------------------------------------------------------------

    def open_dialog(self) -> None:
        recent = self.recent_files()
        start = os.path.dirname(recent[0]) if recent else os.getcwd()
        paths, _ = QFileDialog.getOpenFileNames(self, "Open Trace Files", start, FILE_FILTER)
        self.open_paths(paths)

    def receive_dialog(self) -> None:
        from tracefile.receive import DEFAULT_HTTP_PORT

        port, ok = QInputDialog.getInt(
            self, "Receive OTLP", "OTLP/HTTP port on 127.0.0.1 (0: any free port; gRPC listens on 4317 beside 4318):",
            DEFAULT_HTTP_PORT, 0, 65535,
        )  # fmt: skip
        if ok:
            try:
                self.receive(port)
            except ReceiveError as exc:
                QMessageBox.warning(self, "Receive OTLP", str(exc))

    def receive(self, http_port: int = 4318, grpc_port: int | None = -1, path: str | None = None) -> FileView:
        """Start an OTLP receiver in this process and open a live tab on the file it writes (a
        private temporary file unless ``path``). gRPC listens on 4317 beside the default HTTP port
        (``grpc_port`` -1), or where told (None: off). The receiver stops when its tab closes.
        Raises `ReceiveError`, saying why, when it cannot start."""
        import shutil
        import tempfile

        from tracefile.receive import DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT, INSTALL_HINT, Receiver

        if grpc_port == -1:
            grpc_port = DEFAULT_GRPC_PORT if http_port == DEFAULT_HTTP_PORT else None
        folder = None if path else tempfile.mkdtemp(prefix="tracy-receive-")
        target = path or os.path.join(folder, "received.tracy")
        try:
            receiver = Receiver(target, http_port=http_port, grpc_port=grpc_port).start()
        except ImportError as exc:
            problem = f"The OTLP receiver needs more packages ({exc.name}): {INSTALL_HINT}"
        except OSError as exc:
            problem = f"Cannot listen on port {http_port}: {exc.strerror or exc}. Choose another port, or 0 for any free one."
        else:
            problem = None
        if problem is not None:
            if folder:
                shutil.rmtree(folder, ignore_errors=True)
            raise ReceiveError(problem)
        view = self.open_path(receiver.path)
        where = " and ".join(e for e in (receiver.http_endpoint, receiver.grpc_endpoint and f"gRPC {receiver.grpc_endpoint}") if e)
        view.source_note = f"receiving OTLP at {where}"
        self._receivers[view] = (receiver, folder)
        self._update_title()
        return view

    def _stop_receiver(self, view: FileView) -> None:
        import shutil

        receiver, folder = self._receivers.pop(view, (None, None))
        if receiver is not None:
            receiver.close()
        if folder:
            shutil.rmtree(folder, ignore_errors=True)

    def open_paths(self, paths: Iterable[str | os.PathLike[str]]) -> list[FileView]:
        """Open each file in a tab (or switch to its tab if already open); returns the views."""
        views = []
        for path in paths:
            views.append(self.open_path(path))
        return views

    def open_path(self, path: str | os.PathLike[str]) -> FileView:
        full = os.path.abspath(os.fspath(path))
        for i, view in enumerate(self.file_views()):
            if view.path == full:
                self.tabs.setCurrentIndex(i)
                return view
        view = FileView(full, self.tabs, settings=self.settings if self.remember else None)
        view.span_actions = self.span_menu_actions()
        index = self.tabs.addTab(view, view.file_name)
        self.tabs.setTabToolTip(index, full)
        close = TabCloseButton(self.tabs.tabBar())
        close.clicked.connect(lambda _checked=False, v=view: self.close_tab(self.tabs.indexOf(v)))
        self.tabs.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, close)
        self.tabs.setCurrentIndex(index)
        self.pages.setCurrentWidget(self.tabs)
        view.loaded.connect(lambda _result, v=view: self._on_loaded(v))
        view.summary.set_visible(self.summary_action.isChecked())  # the View menu's toggles hold for every tab
        view.summary.set_critical_path(self.critical_path_action.isChecked())
        view.load()
        if self.remember:
            viewer_settings.add_recent_file(self.settings, full)
            self._fill_recent_menu()
        return view

    def _on_loaded(self, view: FileView) -> None:
        index = self.tabs.indexOf(view)
        if index >= 0:
            self.tabs.setTabIcon(index, theme.status_icon("error") if view.state == "error" else theme.app_icon())
            label = view.format_label
            self.tabs.setTabToolTip(index, f"{view.path}\n{label}: File › Save As… writes it as .tracy" if label else view.path)
        self._update_title()

    def file_views(self) -> list[FileView]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]  # type: ignore[misc]

    def current_view(self) -> FileView | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, FileView) else None

    def reload_current(self) -> None:
        view = self.current_view()
        if view is not None:
            view.reload()

    def close_tab(self, index: int) -> None:
        if not (0 <= index < self.tabs.count()):
            return
        widget = self.tabs.widget(index)
        self.tabs.removeTab(index)
        if isinstance(widget, FileView):
            widget.stop()
            self._stop_receiver(widget)
        widget.deleteLater()
        if self.tabs.count() == 0:
            self.pages.setCurrentWidget(self.welcome)
        self._update_title()

    def _update_title(self, *_args) -> None:
        view = self.current_view()
        label = view.format_label if view else ""
        name = f"{view.file_name} ({label})" if label else view.file_name if view else ""
        self.setWindowTitle(f"{name} — {APP_TITLE}" if view else APP_TITLE)
        has_view = view is not None
        self.save_as_action.setEnabled(has_view)
        self.reload_action.setEnabled(has_view)
        self.close_action.setEnabled(has_view)

    # -- drag and drop ------------------------------------------------------------

    @staticmethod
    def local_files(urls: Iterable[QUrl]) -> list[str]:
        return [u.toLocalFile() for u in urls if u.isLocalFile() and os.path.isfile(u.toLocalFile())]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.local_files(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self.local_files(event.mimeData().urls()) if event.mimeData().hasUrls() else []
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(files)

    # -- window state -------------------------------------------------------------

    def restore_geometry(self) -> bool:
        geometry = self.settings.value("window/geometry")
        return bool(geometry) and self.restoreGeometry(geometry)

    def closeEvent(self, event: QCloseEvent) -> None:
        for view in self.file_views():
            view.stop()
            self._stop_receiver(view)
        if self.remember:
            self.settings.setValue("window/geometry", self.saveGeometry())
            self.settings.sync()
        super().closeEvent(event)
