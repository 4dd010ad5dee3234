"""The span inspector widget with pytest-qt, on spans recorded through the real OpenTelemetry SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QApplication

import tracefile
from tests.helpers.recorder import BASE_NS, MS
from viewer import theme
from viewer.inspector import logic
from viewer.inspector.model import ROW_ROLE, InspectorModel
from viewer.inspector.widget import EMPTY_TEXT, SpanInspector

TOOL_ARGS = json.dumps({"city": "Paris", "unit": "celsius"})
INPUT_MESSAGES = json.dumps(
    [
        {"role": "system", "parts": [{"type": "text", "content": "You are a travel planner."}]},
        {"role": "user", "parts": [{"type": "text", "content": "What's the weather in Paris tomorrow?"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": TOOL_ARGS}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "18°C, light rain"}]},
    ]
)
EVENT_CONTENT = json.dumps({"role": "user", "content": "Plan **two days** in Paris.\nKeep it cheap."})
NOTES = (
    "# Itinerary for Paris\n\n"
    "**Day 1**: the Louvre in the morning, then a walk along the Seine to Notre-Dame. "
    "Lunch near Saint-Michel; the afternoon in the Latin Quarter and the Luxembourg Gardens.\n\n"
    "**Day 2**: Montmartre and the Sacré-Cœur, with a picnic if the rain holds off.\n\n"
    "- Buy a *Navigo Easy* card\n"
    "- Book the Louvre for 09:00\n"
    "- Pack an umbrella\n\n"
    "| Day | Budget |\n|---|---|\n| 1 | 60 € |\n| 2 | 45 € |\n\n"
    "![map](https://tiles.example.com/paris.png)\n"
)
MAX_LENGTH = 3000
LONG_OUTPUT = json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Paris day by day. " * 300}]}])
KEPT = MAX_LENGTH - len("…[truncated 5,467 chars]")  # the recorder's marker counts toward its limit
ERROR = "RateLimitError: 429 Too Many Requests"


def record_chat(path: Path) -> tracefile.TraceFile:
    """One failing GenAI chat span with everything the inspector shows, plus a span it links to and feedback."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from tracefile.record.redact import Policy

    provider = TracerProvider(resource=Resource.create({"service.name": "travel-agent", "deployment.environment": "dev"}))
    exporter = tracefile.TracyFileExporter(str(path), redaction=Policy(record_content=True, max_length=MAX_LENGTH))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests.viewer.inspector", "1.2.0")

    earlier = tracer.start_span("chat gpt-4o", kind=trace.SpanKind.CLIENT, start_time=BASE_NS,
                                attributes={"gen_ai.request.model": "gpt-4o"})  # fmt: skip
    earlier.end(end_time=BASE_NS + 900 * MS)
    start = BASE_NS + 1000 * MS
    attributes = {
        "server.address": "api.openai.com",
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.usage.input_tokens": 412,
        "gen_ai.response.finish_reasons": ["tool_calls"],
        "gen_ai.input.messages": INPUT_MESSAGES,
        "gen_ai.output.messages": LONG_OUTPUT,
        "app.itinerary.notes": NOTES,
        "http.retried": True,
    }
    span = tracer.start_span(
        "chat gpt-4o", kind=trace.SpanKind.CLIENT, start_time=start, attributes=attributes,
        links=[trace.Link(earlier.get_span_context(), {"link.reason": "retry"})],
    )  # fmt: skip
    span.add_event("gen_ai.user.message", {"gen_ai.system": "openai", "gen_ai.event.content": EVENT_CONTENT},
                   timestamp=start + int(12.3 * MS))  # fmt: skip
    span.set_status(trace.Status(trace.StatusCode.ERROR, ERROR))
    span.end(end_time=start + 1830 * MS)
    provider.shutdown()
    ctx = span.get_span_context()
    tracefile.record_feedback(
        trace_id=ctx.trace_id, span_id=ctx.span_id, score=0.25, label="unhelpful", comment="It ignored the budget.",
        evaluator="relevance", path=path,
    )  # fmt: skip
    return tracefile.load(path)


@pytest.fixture(scope="module")
def trace_file(tmp_path_factory) -> tracefile.TraceFile:
    return record_chat(tmp_path_factory.mktemp("inspector") / "chat.tracy")


@pytest.fixture
def chat_span(trace_file) -> tracefile.Span:
    return next(s for s in trace_file.spans if s.is_error)


@pytest.fixture
def earlier_span(trace_file) -> tracefile.Span:
    return next(s for s in trace_file.spans if not s.is_error)


@pytest.fixture(autouse=True)
def _light_theme(light_theme):
    """Every test here runs in the light palette."""


@pytest.fixture
def inspector(qtbot) -> SpanInspector:
    w = SpanInspector()
    qtbot.addWidget(w)
    w.resize(900, 760)
    return w


def tree_rows(model: InspectorModel) -> list[tuple[int, str, str, str]]:
    """(depth, key, value, type) in display order."""
    out = []

    def walk(parent: QModelIndex, depth: int) -> None:
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            cells = [index.siblingAtColumn(c).data() or "" for c in range(3)]
            out.append((depth, *cells))
            walk(index, depth + 1)

    walk(QModelIndex(), 0)
    return out


def rows_of(model: InspectorModel, section: str) -> dict[str, tuple[str, str]]:
    index = model.index_for_key(section)
    return {
        model.index(r, 0, index).data(): (model.index(r, 1, index).data(), model.index(r, 2, index).data())
        for r in range(model.rowCount(index))
    }


# ---------------------------------------------------------------------------


def test_empty_state(inspector):
    assert inspector.pages.currentWidget() is inspector.empty_label
    assert inspector.empty_label.text() == EMPTY_TEXT
    assert not inspector.copy_value_action.isEnabled() and not inspector.copy_span_action.isEnabled()
    assert inspector.model.rowCount() == 0


def test_set_span_then_none_returns_to_empty_state(inspector, chat_span):
    inspector.set_span(chat_span)
    assert inspector.pages.currentIndex() == 1
    assert inspector.name_label.text() == "chat gpt-4o"
    assert inspector.status_chip.text() == "Error"
    assert inspector.meta_label.text() == "Client · 1.83 s · travel-agent"
    inspector.set_span(None)
    assert inspector.pages.currentWidget() is inspector.empty_label
    assert inspector.model.rowCount() == 0 and inspector.detail_text() == ""
    assert not inspector.copy_span_action.isEnabled()


def test_tree_rows(inspector, chat_span, earlier_span):
    inspector.set_span(chat_span)
    model = inspector.model
    sections = [model.index(r, 0).data() for r in range(model.rowCount())]
    resource = f"Resource ({len(chat_span.resource.attributes)})"  # service.name, deployment.environment, telemetry.sdk.*
    assert sections == ["Content", "Attributes (11)", "Events (1)", "Links (1)", "Feedback (1)", resource, "Scope", "Details"]
    # Content is open and first; the ids and timestamps are folded away at the end.
    assert inspector.tree.isExpanded(model.index_for_key("content"))
    assert not inspector.tree.isExpanded(model.index_for_key("details"))

    overview = rows_of(model, "details")
    assert overview["Name"] == ("chat gpt-4o", "")
    assert overview["Kind"][0] == "Client"
    assert overview["Status"][0] == f"Error: {ERROR}"
    assert overview["Duration"][0] == "1.83 s"
    assert overview["Start (local)"][0] == "2025-11-25 14:03:13.000"
    assert overview["Start (UTC)"][0] == logic.iso_utc(chat_span.start_time) and overview["Start (UTC)"][0].endswith(".000000000Z")
    assert overview["Trace ID"][0] == chat_span.trace_id and overview["Span ID"][0] == chat_span.span_id
    assert overview["Parent span ID"][0] == "none (root span)"
    assert overview["Service"][0] == "travel-agent"
    assert overview["Scope"][0] == "tests.viewer.inspector 1.2.0"

    attrs = rows_of(model, "attributes")
    assert list(attrs) == [
        "gen_ai.input.messages", "gen_ai.operation.name", "gen_ai.output.messages", "gen_ai.request.model",
        "gen_ai.request.temperature", "gen_ai.response.finish_reasons", "gen_ai.system", "gen_ai.usage.input_tokens",
        "app.itinerary.notes", "http.retried", "server.address",
    ]  # fmt: skip
    assert attrs["gen_ai.usage.input_tokens"] == ("412", "int")
    assert attrs["gen_ai.request.temperature"] == ("0.2", "float")
    assert attrs["gen_ai.response.finish_reasons"] == ('["tool_calls"]', "list[str]")
    assert attrs["http.retried"] == ("true", "bool")
    assert attrs["app.itinerary.notes"][0].startswith("# Itinerary for Paris ↵ **Day 1**: the Louvre")
    assert attrs["app.itinerary.notes"][1] == "str"
    # A long value is summarized in the cell, and the recorder's cut stays visible.
    summary = attrs["gen_ai.output.messages"][0]
    assert len(summary) < 300 and summary.endswith(f"… …[truncated {len(LONG_OUTPUT) - KEPT:,} chars]")

    rows = tree_rows(model)
    event = next(r for r in rows if r[1] == "gen_ai.user.message")
    assert event == (1, "gen_ai.user.message", "+12.3 ms", "event")
    at = rows.index(event)
    assert rows[at + 1][:2] == (2, "gen_ai.event.content") and rows[at + 1][3] == "str"
    assert rows[at + 2][:3] == (2, "gen_ai.system", "openai")
    link = next(r for r in rows if r[1] == "Link 1")
    assert link == (1, "Link 1", f"trace {earlier_span.trace_id} · span {earlier_span.span_id}", "link")
    assert (2, "link.reason", "retry", "str") in rows
    assert rows_of(model, "resource")["service.name"] == ("travel-agent", "str")
    assert rows_of(model, "scope")["Version"] == ("1.2.0", "")
    feedback = next(r for r in rows if r[1] == "relevance")
    assert feedback == (1, "relevance", "score 0.25 · unhelpful · “It ignored the budget.”", "feedback")
    assert (2, "Comment", "It ignored the budget.", "str") in rows


def test_tooltips_hold_the_full_value_escaped(inspector, chat_span):
    inspector.set_span(chat_span)
    index = inspector.model.index_for_key("attributes", "app.itinerary.notes", column=InspectorModel.VALUE)
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Pack an umbrella" in tip and "| 2 | 45 € |" in tip
    assert index.siblingAtColumn(InspectorModel.TYPE).data(Qt.ItemDataRole.ToolTipRole) is None


def test_model_tooltips_escape_markup_and_cap_long_values(qapp):
    span = tracefile.Span(trace_id="a" * 32, span_id="b" * 16, parent_span_id="", name="x", kind=0, start_time=BASE_NS,
                          end_time=BASE_NS, attributes={"html": "<b>not bold</b>", "big": "y" * 50_000})  # fmt: skip
    model = InspectorModel()
    model.set_span(span)
    tip = model.index_for_key("attributes", "html", column=1).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in tip and "<b>not bold" not in tip
    big = model.index_for_key("attributes", "big", column=1)
    assert "48,000 more characters: see the detail pane" in big.data(Qt.ItemDataRole.ToolTipRole)
    assert len(big.data()) <= logic.SUMMARY_LIMIT + 1 and big.data().endswith("…")


@pytest.mark.parametrize(
    "mode, expected",
    [
        (logic.RAW, INPUT_MESSAGES),
        (logic.PRETTY, json.dumps(logic.expand_json(json.loads(INPUT_MESSAGES)), indent=2, ensure_ascii=False)),
    ],
)
def test_detail_pane_shows_json_attribute(inspector, chat_span, mode, expected):
    inspector.set_span(chat_span)
    inspector.set_mode(mode)
    assert inspector.select("attributes", "gen_ai.input.messages")
    text = inspector.detail_text()
    assert text == expected
    if mode == logic.PRETTY:
        assert '        "arguments": {\n          "city": "Paris",\n          "unit": "celsius"\n        }' in text
    assert inspector.mode_buttons[mode].isChecked()
    assert inspector.detail_title.text() == f"gen_ai.input.messages  ·  str  ·  {len(INPUT_MESSAGES):,} chars"


def test_detail_pane_markdown_renders_chat_messages(inspector, chat_span):
    inspector.set_span(chat_span)
    assert inspector.select("attributes", "gen_ai.input.messages")
    inspector.mode_buttons[logic.MARKDOWN].click()
    assert inspector.mode() == logic.MARKDOWN
    text = inspector.detail_text()
    assert "**" not in text and "```" not in text
    assert text.startswith("system\nYou are a travel planner.\nuser\nWhat's the weather in Paris tomorrow?\nassistant\n")
    assert "Tool call get_weather (call_1)" in text and '"city": "Paris"' in text
    assert "Tool result call_1\n18°C, light rain" in text


def test_detail_pane_markdown_text_attribute(inspector, chat_span):
    inspector.set_span(chat_span)
    inspector.select("attributes", "app.itinerary.notes")
    inspector.set_mode(logic.RAW)
    assert inspector.detail_text() == NOTES
    inspector.set_mode(logic.PRETTY)
    pretty = inspector.detail_text()
    assert pretty == logic.wrap_text(NOTES) and max(len(line) for line in pretty.splitlines()) <= logic.WRAP_WIDTH
    assert pretty.replace("\n", " ").split() == NOTES.replace("\n", " ").split()  # only re-wrapped
    inspector.set_mode(logic.MARKDOWN)
    text = inspector.detail_text()
    assert text.startswith("Itinerary for Paris\nDay 1: the Louvre in the morning")
    assert "#" not in text and "**" not in text and "*Navigo" not in text
    assert "Buy a Navigo Easy card" in text and "Pack an umbrella" in text
    assert text.rstrip().endswith("[remote image not loaded: map]")  # never fetched, but not hidden either
    heading = inspector.detail.document().firstBlock()
    assert heading.blockFormat().headingLevel() == 1


def test_detail_pane_blocks_remote_resources_and_links(inspector):
    detail = inspector.detail
    assert not detail.openLinks() and not detail.openExternalLinks() and detail.isReadOnly()
    kind = int(QTextDocument.ResourceType.ImageResource)
    assert detail.loadResource(kind, QUrl("https://tiles.example.com/paris.png")) is None
    assert detail.loadResource(kind, QUrl("file://fileserver/share/paris.png")) is None


def test_truncated_value_shows_marker_in_every_mode(inspector, chat_span):
    inspector.set_span(chat_span)
    inspector.select("attributes", "gen_ai.output.messages")
    marker = f"…[truncated {len(LONG_OUTPUT) - KEPT:,} chars]"
    assert inspector.truncated_label.isVisibleTo(inspector)
    assert inspector.truncated_label.text() == f"⚠ {len(LONG_OUTPUT) - KEPT:,} chars cut when recorded"
    inspector.set_mode(logic.RAW)
    assert inspector.detail_text() == LONG_OUTPUT[:KEPT] + marker
    inspector.set_mode(logic.PRETTY)
    pretty = inspector.detail_text()
    assert pretty.startswith('[\n  {\n    "role": "assistant",\n    "parts": [\n      {\n        "type": "text",')
    assert pretty.endswith("\n" + marker)
    inspector.set_mode(logic.MARKDOWN)
    assert inspector.detail_text().endswith(marker)
    inspector.select("attributes", "gen_ai.system")
    assert not inspector.truncated_label.isVisibleTo(inspector)


def test_event_row_detail_expands_its_json_content(inspector, chat_span):
    inspector.set_span(chat_span)
    inspector.set_mode(logic.PRETTY)
    inspector.select("events", "gen_ai.user.message")
    doc = json.loads(inspector.detail_text())
    assert doc["name"] == "gen_ai.user.message" and doc["offset"] == "+12.3 ms"
    assert doc["attributes"]["gen_ai.event.content"] == json.loads(EVENT_CONTENT)
    inspector.select("events", "gen_ai.user.message", "gen_ai.event.content")
    inspector.set_mode(logic.MARKDOWN)
    # Markdown semantics: a single line break inside a paragraph is a soft break.
    assert inspector.detail_text() == "user\nPlan two days in Paris. Keep it cheap."


def test_copy_value_and_span_with_keys(inspector, qtbot, chat_span):
    inspector.set_span(chat_span)
    clipboard = QApplication.clipboard()
    inspector.set_mode(logic.PRETTY)
    inspector.select("attributes", "gen_ai.input.messages")
    clipboard.setText("")
    qtbot.keyClick(inspector.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == INPUT_MESSAGES  # exactly as recorded, whatever the mode
    qtbot.keyClick(inspector.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    doc = json.loads(clipboard.text())
    assert doc["span_id"] == chat_span.span_id and doc["status"] == {"code": "error", "message": ERROR}
    assert doc["attributes"]["gen_ai.input.messages"] == INPUT_MESSAGES
    assert inspector.copy_value_action.shortcut().toString() == "Ctrl+C"
    assert inspector.copy_span_action.shortcut().toString() == "Ctrl+Shift+C"


def test_context_menu_has_the_copy_actions(inspector, chat_span):
    inspector.set_span(chat_span)
    index = inspector.model.index_for_key("details", "Span ID")
    menu = inspector.context_menu(index)
    assert [a.text() for a in menu.actions()] == ["Copy value", "Copy span as JSON"]
    assert inspector.current_row().key == "Span ID"
    QApplication.clipboard().setText("")
    menu.actions()[0].trigger()
    assert QApplication.clipboard().text() == chat_span.span_id
    menu.actions()[1].trigger()
    assert json.loads(QApplication.clipboard().text())["trace_id"] == chat_span.trace_id
    # A section row has no value to copy.
    inspector.context_menu(inspector.model.index_for_key("attributes"))
    assert not inspector.copy_value_action.isEnabled() and inspector.detail_text() == ""


def test_selection_follows_the_key_across_spans_and_orders(inspector, chat_span, earlier_span):
    inspector.set_span(chat_span)
    inspector.set_mode(logic.RAW)
    inspector.select("attributes", "gen_ai.request.model")
    inspector.set_span(earlier_span)
    assert inspector.current_row().key == "gen_ai.request.model" and inspector.detail_text() == "gpt-4o"
    inspector.set_span(chat_span)
    inspector.order_button.click()
    assert inspector.order() == logic.RECORDED
    assert list(rows_of(inspector.model, "attributes"))[:3] == ["server.address", "gen_ai.operation.name", "gen_ai.system"]
    assert inspector.current_row().key == "gen_ai.request.model"


def test_rows_carry_their_logic_row(inspector, chat_span):
    inspector.set_span(chat_span)
    index = inspector.model.index_for_key("attributes", "gen_ai.usage.input_tokens")
    assert index.data(ROW_ROLE).value == 412
    assert inspector.tree.isExpanded(inspector.model.index_for_key("events", "gen_ai.user.message"))


def _save(widget, path: Path) -> QImage:
    path.unlink(missing_ok=True)
    assert widget.grab().save(str(path))
    return QImage(str(path))


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_screenshots(qapp, qtbot, chat_span, screenshot_dir, palette):
    """Writes artifacts/screenshots/inspector-{light,dark}.png."""
    theme.apply_theme(qapp, palette)
    w = SpanInspector()
    qtbot.addWidget(w)
    w.resize(900, 760)
    w.set_span(chat_span)
    w.set_mode(logic.PRETTY)
    assert w.select("attributes", "gen_ai.input.messages")
    w.tree.scrollToTop()
    image = _save(w, screenshot_dir / f"inspector-{palette}.png")
    assert (image.width(), image.height()) == (900 * image.devicePixelRatio(), 760 * image.devicePixelRatio())
    base = QApplication.palette().color(w.tree.viewport().backgroundRole())
    assert theme.is_dark() == (palette == "dark") and theme.is_dark() == (base.lightness() < 128)


def test_very_long_value_renders_a_page_at_a_time(inspector, chat_span, monkeypatch):
    from viewer.inspector import widget

    page = 1000
    monkeypatch.setattr(widget, "DETAIL_LIMIT", page)
    inspector.set_span(chat_span)
    inspector.set_mode(logic.RAW)
    inspector.select("attributes", "gen_ai.output.messages")
    full = chat_span.attributes["gen_ai.output.messages"]
    assert len(full) > 2 * page
    assert inspector.detail_text() == full[:page]
    assert inspector.show_all_button.isVisibleTo(inspector)
    assert inspector.show_all_button.text() == f"Show the next 1,000 characters ({len(full) - page:,} characters not shown)"
    inspector.copy_value()
    assert QApplication.clipboard().text() == full  # Copy value never cuts
    inspector.show_all_button.click()  # the next page
    assert inspector.detail_text() == full[: 2 * page]
    while inspector.show_all_button.isVisibleTo(inspector):
        inspector.show_all_button.click()
    assert inspector.detail_text() == full
    inspector.select("attributes", "app.itinerary.notes")
    assert not inspector.show_all_button.isVisibleTo(inspector)
