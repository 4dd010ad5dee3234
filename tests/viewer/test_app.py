"""The viewer window with pytest-qt: opening files, the trace list, the span tree, drops, bad files, screenshots."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

import tracefile
from viewer import theme
from viewer.app import main
from viewer.file_view import FileView
from viewer.main_window import WELCOME_HINT, MainWindow
from viewer.trace_table_model import TRACE_ROLE

pytestmark = pytest.mark.usefixtures("viewer_env")


@pytest.fixture(autouse=True)
def _light_theme(light_theme):
    """Every test here runs in the light palette."""


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    return w


def open_file(qtbot, window: MainWindow, path) -> FileView:
    view = window.open_path(path)
    qtbot.waitUntil(lambda: view.state != "loading")
    return view


NAME, STARTED, DURATION, SPANS, ERRORS, TOKENS = range(6)


def trace_rows(view: FileView) -> list[tuple[str, ...]]:
    model = view.trace_view.model()
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def span_rows(view: FileView) -> list[tuple[int, str]]:
    """(depth, name) of the timeline's rows, in display order."""
    ix = view.session.index
    return [(int(ix.depth[r]), ix.name(int(r))) for r in view.waterfall.rows()]


def drag_enter_event(mime: QMimeData) -> QDragEnterEvent:
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:
        return QDragEnterEvent(QPointF(50, 50), *args)  # PySide6 >= 6.8
    except TypeError:
        return QDragEnterEvent(QPoint(50, 50), *args)


def save(widget, path: Path) -> QImage:
    assert widget.grab().save(str(path))
    return QImage(str(path))


def test_app_icon_is_found(window):
    assert theme.icon_path() is not None and theme.icon_path().name == "tracy.svg"
    assert not theme.app_icon().isNull()
    assert not window.windowIcon().isNull()


def test_welcome_page_when_no_files(window, screenshot_dir):
    assert window.pages.currentWidget() is window.welcome
    assert window.welcome.hint.text() == WELCOME_HINT
    assert WELCOME_HINT.startswith("Drop a trace file here, or press Ctrl+O\n")
    assert window.windowTitle() == "Tracy"
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert not window.reload_action.isEnabled()
    assert not save(window, screenshot_dir / "welcome-widget.png").isNull()


def test_open_by_path_lists_traces(qtbot, window, sample_tracy):
    view = open_file(qtbot, window, sample_tracy)
    assert view.state == "loaded"
    assert window.pages.currentWidget() is window.tabs
    assert window.tabs.tabText(0) == "travel-agent.tracy"
    assert window.windowTitle() == "travel-agent.tracy — Tracy"
    rows = trace_rows(view)
    assert [(r[NAME], r[SPANS], r[ERRORS]) for r in rows] == [
        ("invoke_agent travel-planner", "6", "–"),
        ("chat gpt-4o-mini", "3", "3"),
        ("embeddings text-embedding-3-small", "1", "–"),
        ("invoke_agent travel-planner", "3", "–"),
        ("cache.lookup", "1", "–"),
    ]
    assert [r[DURATION] for r in rows] == ["4.82 s", "2.31 s", "86.4 ms", "2.95 s", "38.5 µs"]
    assert rows[0][STARTED].endswith(":03:12")
    model = view.trace_view.model()
    assert model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole).color() == theme.error_color()
    assert model.index(1, 0).data(TRACE_ROLE) == view.trace_model.trace_at(1)
    assert view.status_label.text().startswith("14 spans · 5 traces · ")
    assert view.status_label.text().endswith("KiB")
    assert view.warning_label.isHidden()
    assert window.recent_files() == [str(sample_tracy)]


def test_first_trace_is_selected_and_timeline_follows_selection(qtbot, window, sample_tracy):
    view = open_file(qtbot, window, sample_tracy)
    ix = view.session.index
    assert ix.name(int(ix.traces.root[view.current_trace()])) == "invoke_agent travel-planner"
    assert span_rows(view) == [
        (0, "invoke_agent travel-planner"),
        (1, "chat gpt-4o"),
        (1, "execute_tool get_weather"),
        (2, "GET api.weather.example/v1/forecast"),
        (1, "execute_tool search_flights"),
        (1, "chat gpt-4o"),
    ]
    # The root is selected, so the inspector shows it.
    assert view.inspector.span().name == "invoke_agent travel-planner"
    view.select_trace(1)
    qtbot.waitUntil(lambda: len(span_rows(view)) == 3)
    assert span_rows(view)[0] == (0, "chat gpt-4o-mini")
    assert view.timeline_caption.title.text() == "chat gpt-4o-mini"


def test_sorting_the_trace_list(qtbot, window, sample_tracy):
    view = open_file(qtbot, window, sample_tracy)
    view.trace_view.sortByColumn(SPANS, Qt.SortOrder.DescendingOrder)
    assert trace_rows(view)[0][SPANS] == "6"
    view.trace_view.sortByColumn(DURATION, Qt.SortOrder.AscendingOrder)
    assert trace_rows(view)[0][NAME] == "cache.lookup"
    view.trace_view.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    assert trace_rows(view)[0][NAME] == "cache.lookup"


def test_select_span_by_name_shows_it_in_the_inspector(qtbot, window, sample_tracy):
    view = open_file(qtbot, window, sample_tracy)
    assert view.select_span_named("GET api.weather.example/v1/forecast")
    ix = view.session.index
    assert ix.name(int(ix.traces.root[view.current_trace()])) == "invoke_agent travel-planner"
    assert ix.name(view.waterfall.selected_row()) == "GET api.weather.example/v1/forecast"
    assert view.inspector.span().name == "GET api.weather.example/v1/forecast"
    assert not view.select_span_named("no such span")


def test_keyboard_moves_between_spans_and_errors(qtbot, window, sample_tracy):
    view = open_file(qtbot, window, sample_tracy)
    ix = view.session.index
    qtbot.keyClick(view.waterfall, Qt.Key.Key_Down)
    assert ix.name(view.waterfall.selected_row()) == "chat gpt-4o"
    assert view.next_error()
    first = view.waterfall.selected_row()
    assert ix.is_error(first) and ix.name(int(ix.traces.root[view.current_trace()])) == "chat gpt-4o-mini"
    assert view.next_error()
    assert view.waterfall.selected_row() != first and ix.is_error(view.waterfall.selected_row())
    assert view.next_error(backwards=True)
    assert view.waterfall.selected_row() == first
    window.search_action.trigger()
    assert view.search_field.hasFocus() or QApplication.focusWidget() in (None, view.search_field)


def test_live_tail_shows_new_spans_and_keeps_the_selection(qtbot, window, tmp_path):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    path = tmp_path / "live.tracy"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(path)))
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("first run"):
        with tracer.start_as_current_span("step 1"):
            pass
    view = open_file(qtbot, window, path)
    assert view.select_span_named("step 1")

    def app_thread():
        # Another thread of the "app" keeps writing through the exporter.
        for n in range(3):
            with tracer.start_as_current_span(f"later run {n}"):
                pass

    writer = threading.Thread(target=app_thread)
    # Generous deadlines: the follower polls every 500 ms, and a loaded CI machine stretches that.
    with qtbot.waitSignal(view.grew, timeout=15000):
        writer.start()
    writer.join()
    qtbot.waitUntil(lambda: view.trace_model.rowCount() == 4, timeout=15000)
    assert view.session.index.name(view.waterfall.selected_row()) == "step 1"
    assert view.live_label.isVisibleTo(view)
    assert view.status_label.text().startswith("5 spans · 4 traces")
    provider.shutdown()


def test_drop_opens_one_tab_per_file(qtbot, window, sample_tracy, make_tracy):
    other = make_tracy("second.tracy", lambda rec: rec.span("solo", 0, 5).__enter__().__exit__(None, None, None))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sample_tracy)), QUrl.fromLocalFile(str(other))])

    enter = drag_enter_event(mime)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()

    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.tabs.count() == 2)
    assert [window.tabs.tabText(i) for i in range(2)] == ["travel-agent.tracy", "second.tracy"]
    assert window.tabs.currentIndex() == 1
    view = window.current_view()
    qtbot.waitUntil(lambda: view.state == "loaded")
    assert trace_rows(view)[0][NAME] == "solo"

    # Dropping an already open file switches to its tab instead of opening it twice.
    window.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))  # fmt: skip
    assert window.tabs.count() == 2


def test_drag_of_non_local_urls_is_refused(window):
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/run.tracy")])
    enter = drag_enter_event(mime)
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()
    text = QMimeData()
    text.setText("hello")
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, text,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(drop)
    assert window.tabs.count() == 0


@pytest.mark.parametrize("kind", ["json", "random", "empty", "missing"])
def test_bad_file_shows_message_panel(qtbot, window, bad_files, kind, screenshot_dir):
    path = bad_files[kind]
    with pytest.raises(tracefile.TraceFileError) as info:
        tracefile.load(path)
    explanation = str(info.value).removeprefix(f"{path}: ")

    view = open_file(qtbot, window, path)
    assert view.state == "error"
    assert view.stack.currentWidget() is view.error_panel
    text = view.error_panel.text()
    assert path.name in view.error_panel.heading.text()
    assert explanation[1:] in text  # first letter is capitalised for display
    assert str(path) in text
    assert view.error_panel.hint.text()
    assert "Traceback" not in text
    assert window.windowTitle() == f"{path.name} — Tracy"
    if kind == "json":
        assert "JSON" in text
        save(window, screenshot_dir / "error-widget.png")


def test_unexpected_exception_is_shown_not_raised(qtbot, window, sample_tracy, monkeypatch):
    from viewer import session

    def boom(tl):
        raise KeyError("spans")

    monkeypatch.setattr(session, "build_index", boom)
    view = open_file(qtbot, window, sample_tracy)
    assert view.state == "error"
    assert "KeyError" in view.error_panel.message.text() and "Traceback" not in view.error_panel.text()

    monkeypatch.undo()
    view.error_panel.retry_button.click()
    qtbot.waitUntil(lambda: view.state != "loading")
    assert view.state == "loaded"


def test_truncated_file_shows_warning(qtbot, window, sample_tracy, tmp_path):
    cut = tmp_path / "live.tracy"
    data = sample_tracy.read_bytes()
    cut.write_bytes(data[: len(data) - 40])
    view = open_file(qtbot, window, cut)
    assert view.state == "loaded"
    assert not view.warning_label.isHidden()
    assert view.warning_label.text() == "file ends inside a frame… (still being written?)"
    assert "still writing" in view.warning_label.toolTip()


def test_recent_files_and_closing_tabs(qtbot, window, sample_tracy, make_tracy, viewer_env):
    other = make_tracy("b.tracy", lambda rec: None)
    open_file(qtbot, window, sample_tracy)
    open_file(qtbot, window, other)
    assert window.recent_files() == [str(other), str(sample_tracy)]
    assert Path(window.settings.fileName()).is_relative_to(viewer_env)

    window.close_tab(1)
    window.close_tab(0)
    assert window.pages.currentWidget() is window.welcome
    assert window.windowTitle() == "Tracy"

    # A new window sees the list and opens from the menu.
    again = MainWindow()
    qtbot.addWidget(again)
    again._fill_recent_menu()
    actions = [a for a in again.recent_menu.actions() if a.data()]
    assert [a.data() for a in actions] == [str(other), str(sample_tracy)]
    actions[1].trigger()
    assert again.current_view().path == str(sample_tracy)
    again.clear_recent()
    assert again.recent_files() == []


def test_main_screenshot_has_requested_size(tmp_path, sample_tracy, capsys):
    out = tmp_path / "shot.png"
    assert main([str(sample_tracy), "--screenshot", str(out), "--size", "900x600"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 600)
    assert capsys.readouterr() == ("", "")


def test_main_rejects_bad_size(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--size", "huge", "--screenshot", "x.png"])
    assert info.value.code == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def test_main_warns_about_unknown_select_and_exits_1(tmp_path, sample_tracy, capsys):
    out = tmp_path / "shot.png"
    assert main([str(sample_tracy), "--select", "nope", "--screenshot", str(out)]) == 1
    assert capsys.readouterr().err.strip() == "tracy-view: no span named 'nope'"
    assert QImage(str(out)).width() == 1280  # the picture is still taken


def test_main_screenshots_of_the_main_states(qapp, sample_tracy, bad_files, screenshot_dir, capsys):
    """Writes artifacts/screenshots/{welcome,loaded-light,loaded-dark,error}.png."""
    shots = {
        "welcome.png": ["--theme", "light"],
        "loaded-light.png": [str(sample_tracy), "--theme", "light", "--select", "execute_tool get_weather"],
        "loaded-dark.png": [str(sample_tracy), "--theme", "dark", "--select", "POST /v1/chat/completions"],
        "error.png": [str(bad_files["json"]), "--theme", "light"],
        "error-dark.png": [str(bad_files["random"]), "--theme", "dark"],
    }
    for name, args in shots.items():
        out = screenshot_dir / name
        out.unlink(missing_ok=True)
        # A file that cannot be opened is drawn as the error panel, and the exit code says so.
        assert main([*args, "--screenshot", str(out)]) == (1 if name.startswith("error") else 0), name
        image = QImage(str(out))
        assert (image.width(), image.height()) == (1280, 800), name
    assert theme.is_dark(QApplication.palette())  # the last one asked for dark
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0:2] for line in err] == [["tracy-view", " cannot open " + str(bad_files[k])] for k in ("json", "random")]


def test_search_counts_marks_filters_and_steps_through_matches(qtbot, window, sample_tracy):
    view = open_file(qtbot, window, sample_tracy)
    ix = view.session.index
    view.search_field.setText("chat -status:error")
    qtbot.waitUntil(lambda: "match" in view.search_label.text())
    names = sorted(ix.name(int(r)) for r in np.nonzero(view.matches)[0])
    assert names == ["chat gpt-4o", "chat gpt-4o", "chat gpt-4o"]  # the failing gpt-4o-mini calls are excluded
    assert view.search_label.text() == "3 matches"
    assert all(not ix.is_error(int(r)) for r in np.nonzero(view.matches)[0])
    # The waterfall marks the matches of the shown trace.
    assert [ix.name(int(r)) for r in view.waterfall.highlighted_rows()] == ["chat gpt-4o", "chat gpt-4o"]
    # Enter / F3 walks through matches, across traces.
    assert view.next_match()
    assert ix.name(view.waterfall.selected_row()).startswith("chat")
    seen = {view.waterfall.selected_row()}
    for _ in range(len(names) - 1):
        assert view.next_match()
        seen.add(view.waterfall.selected_row())
    assert len(seen) == len(names)
    # Filter mode lists only traces with matches.
    view.filter_box.setChecked(True)
    assert [row[NAME] for row in trace_rows(view)] == ["invoke_agent travel-planner", "invoke_agent travel-planner"]
    assert view.trace_caption.detail.text() == "2 of 5 traces"
    view.filter_box.setChecked(False)
    assert len(trace_rows(view)) == 5


def test_malformed_search_explains_itself(qtbot, window, sample_tracy):
    view = open_file(qtbot, window, sample_tracy)
    view.search_field.setText("duration>")
    qtbot.waitUntil(lambda: view.search_label.text().startswith("⚠"))
    assert "needs a number with a unit" in view.search_label.text()
    view.search_field.setText("")
    qtbot.waitUntil(lambda: view.search_label.text() == "")
    assert view.waterfall.highlighted_rows().size == 0
