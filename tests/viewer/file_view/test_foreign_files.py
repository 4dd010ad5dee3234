"""A tab opens files of other formats (pytest-qt): Jaeger, Zipkin, Prompty and OTLP/JSON files open
at once, say which format they came from, show their spans and attributes; drag and drop, skipped
records in the status line, File › Save As… as .tracy, the import removed with the tab, and
tracy-view --screenshot's exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage

import tracefile
from tests.helpers.foreign import FIXTURES, LABELS, break_first_record, write_sdk_otlp_jsonl
from tests.helpers.spans import loaded_span_dict
from tests.helpers.viewer import open_view
from viewer.main_window import FILE_FILTER

pytestmark = pytest.mark.usefixtures("viewer_env")


@pytest.fixture
def window(light_window):
    return light_window


@pytest.fixture(params=[*FIXTURES, "otlp-json"])
def foreign(request, tmp_path) -> tuple[str, Path]:
    if request.param == "otlp-json":
        return "otlp-json", write_sdk_otlp_jsonl(tmp_path / "sdk-export.jsonl")
    return request.param, FIXTURES[request.param]


def _span_with_attributes(path: Path):
    """The first span of the file with attributes and an id of its own."""
    spans = tracefile.load(path).spans
    ids = [s.span_id for s in spans]
    return next(s for s in spans if s.attributes and ids.count(s.span_id) == 1)


def test_a_foreign_file_opens_and_says_where_it_came_from(qtbot, window, foreign):
    fmt, path = foreign
    view = open_view(qtbot, window, path)
    label = f"{LABELS[fmt]}, imported"
    expected = tracefile.load(path)

    assert view.session.format == fmt and view.format_label == label
    assert view.session.index.n == len(expected.spans)
    assert view.trace_model.rowCount() == len(expected.traces())
    assert view.status_label.text().endswith(f" · {label}")
    assert window.windowTitle() == f"{path.name} ({label}) — Tracy"
    assert window.tabs.tabText(0) == path.name
    assert window.tabs.tabToolTip(0) == f"{path}\n{label}: File › Save As… writes it as .tracy"
    assert view.file.follower is None  # only .tracy files are followed

    span = _span_with_attributes(path)
    assert view.select_span_id(span.span_id)
    shown = view.inspector.span()
    assert shown.span_id == span.span_id and shown.attributes == span.attributes
    key, value = next(((k, v) for k, v in span.attributes.items() if isinstance(v, str)), next(iter(span.attributes.items())))
    assert view.inspector.select("attributes", key)
    assert view.inspector.detail_text() == value if isinstance(value, str) else view.inspector.detail_text()


def test_import_notes_show_in_the_status_line(qtbot, window):
    view = open_view(qtbot, window, FIXTURES["prompty"])
    assert view.warning_label.isVisibleTo(view)
    assert view.warning_label.text().startswith("Prompty writes times without a time zone")


def test_a_skipped_record_shows_as_a_warning_and_the_rest_opens(qtbot, window, tmp_path):
    broken = break_first_record(FIXTURES["zipkin"], tmp_path / "broken.json")
    view = open_view(qtbot, window, broken)
    assert view.session.index.n == len(tracefile.load(FIXTURES["zipkin"]).spans) - 1
    assert "1 span skipped: span 1: missing id" in view.warning_label.toolTip().splitlines()
    assert view.warning_label.isVisibleTo(view)


def test_dropping_a_foreign_file_opens_it(qtbot, window):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(FIXTURES["jaeger"]))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(drop)
    assert drop.isAccepted()
    view = window.current_view()
    qtbot.waitUntil(lambda: view.state == "loaded")
    assert view.format_label == "Jaeger JSON, imported"
    assert view.trace_model.rowCount() == 1


def test_a_file_in_no_known_format_shows_the_message_panel(qtbot, window, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"notes": ["not a trace"]}')
    view = window.open_path(path)
    qtbot.waitUntil(lambda: view.state != "loading")
    assert view.state == "error" and view.stack.currentWidget() is view.error_panel
    text = view.error_panel.text()
    assert "Not a trace format tracy can read (tried: .tracy, OTLP/JSON, Jaeger JSON, Zipkin v2 JSON, Prompty JSON, OTLP protobuf)" in text
    assert "JSON, but not in a shape any of them uses" in text and "Traceback" not in text
    assert "OTLP (JSON or protobuf), Jaeger, Zipkin and Prompty" in view.error_panel.hint.text()


def test_save_as_writes_a_tracy_file_with_the_same_spans(qtbot, window, tmp_path):
    view = open_view(qtbot, window, FIXTURES["zipkin"])
    out = tmp_path / "saved.tracy"
    assert window.save_as_action.shortcut().toString() == "Ctrl+Shift+S"
    assert window.save_as(view, str(out))
    saved = tracefile.load(out)
    assert saved.format == "tracy" and saved.warnings == []
    assert [loaded_span_dict(s) for s in saved.spans] == [loaded_span_dict(s) for s in tracefile.load(FIXTURES["zipkin"]).spans]
    assert view.flash_label.text() == f"Saved {len(saved.spans)} spans to saved.tracy"
    assert [p.name for p in tmp_path.iterdir()] == ["saved.tracy"]  # the temporary file was renamed


def test_save_as_of_a_tracy_file_copies_it(qtbot, window, sample_tracy, tmp_path):
    view = open_view(qtbot, window, sample_tracy)
    assert view.format_label == "" and window.windowTitle() == "travel-agent.tracy — Tracy"
    out = tmp_path / "copy.tracy"
    assert window.save_as(view, str(out))
    assert out.read_bytes() == sample_tracy.read_bytes()


def test_save_as_into_a_missing_folder_says_why(qtbot, window, tmp_path):
    view = open_view(qtbot, window, FIXTURES["jaeger"])
    assert not window.save_as(view, str(tmp_path / "gone" / "x.tracy"))
    assert view.flash_label.text().startswith("Not saved: No such file or directory")


def test_the_import_is_removed_with_its_tab_and_made_again_on_reload(qtbot, window):
    view = open_view(qtbot, window, FIXTURES["zipkin"])
    first = view.session.path
    assert first != str(FIXTURES["zipkin"]) and os.path.exists(first)
    view.reload()
    qtbot.waitUntil(lambda: view.state == "loaded")
    assert not os.path.exists(first) and os.path.exists(view.session.path)
    second = view.session.path
    window.close_tab(0)
    assert not os.path.exists(second) and not os.path.exists(os.path.dirname(second))


def test_the_open_dialog_offers_every_format():
    assert FILE_FILTER == "Trace files (*.tracy *.json *.jsonl *.pb);;All files (*)"


# --- tracy-view --screenshot exit codes, in a child process as a user runs it ------------------


def _tracy_view(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    code = "import sys; from viewer.app import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)


def test_screenshot_of_a_foreign_file_exits_0(tmp_path):
    out = tmp_path / "shot.png"
    run = _tracy_view(str(FIXTURES["jaeger"]), "--screenshot", str(out))
    assert (run.returncode, run.stderr) == (0, "")
    assert QImage(str(out)).width() == 1280


def test_screenshot_exits_1_when_the_file_cannot_be_opened_and_still_writes_the_image(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"notes": []}')
    out = tmp_path / "shot.png"
    run = _tracy_view(str(bad), "--screenshot", str(out))
    assert run.returncode == 1
    assert run.stderr.startswith(f"tracy-view: cannot open {bad}: not a trace format tracy can read")
    assert QImage(str(out)).width() == 1280


def test_screenshot_exits_1_when_select_matches_nothing(tmp_path):
    out = tmp_path / "shot.png"
    run = _tracy_view(str(FIXTURES["zipkin"]), "--select", "no such span", "--screenshot", str(out))
    assert (run.returncode, run.stderr.strip()) == (1, "tracy-view: no span named 'no such span'")
    assert QImage(str(out)).width() == 1280
