"""The Chat tab next to the inspector (pytest-qt), on a real recording of the azure-ai-inference SDK
with a tool-call round trip: the selected LLM span's conversation, following a tool call to its
execute_tool span, and the tab staying on what the user chose while spans change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tracefile
from tests.helpers import e2e
from tests.helpers.viewer import open_view
from viewer.app import main

pytestmark = pytest.mark.usefixtures("viewer_env")


@pytest.fixture
def recorded(record_app) -> tuple[Path, dict]:
    return record_app("chat_app.py", "--steps", "sync,tools", "--content")


@pytest.fixture
def window(light_window):
    return light_window


def _row_of_response(view, response_id: str) -> int:
    tf = tracefile.load(view.path)
    span = e2e.by_response_id(tf, response_id)
    ix = view.session.index
    for row in range(ix.n):
        if ix.timeline.span_id_hex(ix.timeline.span_id[row]) == span.span_id:
            return row
    raise AssertionError("span not in the index")


def test_chat_tab_shows_the_selected_call_and_follows_tool_links(qtbot, window, recorded):
    path, out = recorded
    from tests.helpers.apps import chat_app

    view = open_view(qtbot, window, path)
    second = _row_of_response(view, out["tools"]["second_id"])
    trace = view.trace_model.row_of(int(view.session.index.trace[second]))
    view.select_trace(trace)
    view.waterfall.select_row(second)
    assert view.chat.span() is None  # built only when the tab is shown
    view.show_chat()
    assert view.chat.span() is not None and view.chat.span().attributes["gen_ai.response.id"] == out["tools"]["second_id"]
    text = view.chat.text()
    assert chat_app.TOOL_QUESTION in text and chat_app.TOOL_RESULT_MARKER in text
    assert out["tools"]["answer"] in text
    links = [href for href, _ in view.chat.links() if href.startswith("span:")]
    assert links, "the tool call links to its execute_tool span"
    with qtbot.waitSignal(view.chat.spanLinkActivated) as clicked:
        view.chat.activate_link(links[0])
    tool_row = view.waterfall.selected_row()
    assert view.session.index.name(tool_row) == "execute_tool get_weather"
    assert clicked.args[0] == view.session.span(tool_row).span_id
    # The Chat tab stays in front; for a span without a conversation it says what to select.
    assert view.detail_tabs.currentWidget() is view.chat
    assert "Select an LLM call" in view.chat.text() or chat_app.TOOL_RESULT_MARKER in view.chat.text()


def test_screenshot_of_the_chat_tab(recorded, screenshot_dir, qapp, capsys):
    path, _ = recorded
    for palette in ("light", "dark"):
        out = screenshot_dir / f"chat-tab-{palette}.png"
        out.unlink(missing_ok=True)
        assert main([str(path), "--theme", palette, "--select", "chat gpt-4o-mini", "--show", "chat", "--screenshot", str(out)]) == 0
        assert out.stat().st_size > 10_000
    assert capsys.readouterr().err == ""


def test_copy_span_and_trace_as_markdown_and_save_otlp(qtbot, window, recorded, tmp_path):
    path, out = recorded
    from PySide6.QtGui import QGuiApplication

    from tests.helpers.apps import chat_app
    from tracefile.interop.otlp_json import otlp_to_spans

    view = open_view(qtbot, window, path)
    second = _row_of_response(view, out["tools"]["second_id"])
    view.select_trace(view.trace_model.row_of(int(view.session.index.trace[second])))
    view.waterfall.select_row(second)

    window.copy_span_md_action.trigger()
    span_md = QGuiApplication.clipboard().text()
    assert span_md.startswith("# chat gpt-4o-mini") and chat_app.TOOL_QUESTION in span_md
    assert view.flash_label.text() == "Copied the span as Markdown"

    window.copy_trace_md_action.trigger()
    trace_md = QGuiApplication.clipboard().text()
    assert "## Outline" in trace_md and "execute_tool get_weather" in trace_md
    assert trace_md.count("## LLM call ") == 2

    target = tmp_path / "trace.otlp.json"
    assert window.save_trace_otlp(view, str(target))
    import json

    saved = otlp_to_spans(json.loads(target.read_text()))
    want = {s.span_id for s in tracefile.load(path).spans if s.trace_id == view.session.span(second).trace_id}
    assert {s.span_id for s in saved} == want and len(want) == int(view.session.index.traces.spans[view.current_trace()])
    assert view.flash_label.text() == f"Saved {len(want)} spans to trace.otlp.json"

    assert not window.save_trace_otlp(view, str(tmp_path / "missing-folder" / "x.json"))
    assert view.flash_label.text().startswith("Not saved: ")
