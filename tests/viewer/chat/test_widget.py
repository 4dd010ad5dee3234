"""The chat view widget with pytest-qt, on real recordings of every layout.

Azure events (a tool call round trip, content on and off) come from `tests/helpers/apps/chat_app.py`
against the loopback ChatServer; the semconv layout with every part type from
`tests/helpers/semconv_chat.py`; Markdown-heavy and very long conversations from the OpenTelemetry SDK here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QFont, QImage, QTextCursor, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import tracefile
from tests.helpers.recorder import BASE_NS, MS
from tests.helpers.runs import Run
from tests.helpers.semconv_chat import CALL_ID
from viewer import theme
from viewer.chat.model import PLACEHOLDER
from viewer.chat.widget import MARKDOWN, RAW, ChatView
from viewer.export.logic import span_markdown

# content_on, content_off and chat_semconv are the viewer's shared recordings (tests/viewer/conftest.py).

USER_TEXT = "Plan **two days** in Paris.\nKeep it cheap."
REASONING = "The user wants a plan.\nStart with the museums, then the parks.\nKeep the budget low."
ANSWER = (
    "# Itinerary\n\n"
    "**Day 1**: the Louvre, then a walk along the Seine.\n\n"
    "- Buy a *Navigo Easy* card\n"
    "- Book the Louvre for 09:00\n\n"
    "```python\nbudget = 60 + 45\n```\n\n"
    "![map](https://tiles.example.com/paris.png)\n"
)
MODEL = "gpt-4o"


def _record_semconv(path: Path, messages: list[dict], output: list[dict], system: str | None = None) -> tracefile.TraceFile:
    """One chat span in the current conventions, content recorded whole, through the real SDK."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from tracefile.record.redact import Policy

    provider = TracerProvider(resource=Resource.create({"service.name": "travel-agent"}))
    exporter = tracefile.TracyFileExporter(str(path), redaction=Policy(record_content=True, redact=False, max_length=None))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests.viewer.chat")
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": MODEL,
        "gen_ai.usage.input_tokens": 412,
        "gen_ai.usage.output_tokens": 96,
        "gen_ai.input.messages": json.dumps(messages),
        "gen_ai.output.messages": json.dumps(output),
    }
    if system:
        attributes["gen_ai.system_instructions"] = json.dumps([{"type": "text", "content": system}])
    span = tracer.start_span(f"chat {MODEL}", kind=trace.SpanKind.CLIENT, start_time=BASE_NS, attributes=attributes)
    span.end(end_time=BASE_NS + 1830 * MS)
    provider.shutdown()
    return tracefile.load(path)


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> tracefile.Span:
    tf = _record_semconv(
        tmp_path_factory.mktemp("chat-widget-rich") / "rich.tracy",
        [{"role": "user", "parts": [{"type": "text", "content": USER_TEXT}]}],
        [{"role": "assistant", "finish_reason": "stop", "parts": [{"type": "reasoning", "content": REASONING},
                                                                  {"type": "text", "content": ANSWER}]}],
        system="You are a **frugal** travel planner.",
    )  # fmt: skip
    (span,) = tf.spans
    return span


LONG_MESSAGES = 60
LONG_CHARS = 20_000


@pytest.fixture(scope="module")
def long_chat(tmp_path_factory) -> tracefile.Span:
    line = "The quick brown fox jumps over the lazy dog; **bold** and `code` too. "
    body = (line * (LONG_CHARS // len(line) + 1))[:LONG_CHARS]
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "parts": [{"type": "text", "content": f"MSG-{i} {body}"}]}
                for i in range(LONG_MESSAGES - 1)]  # fmt: skip
    output = [{"role": "assistant", "parts": [{"type": "text", "content": f"MSG-LAST {body}"}]}]
    tf = _record_semconv(tmp_path_factory.mktemp("chat-widget-long") / "long.tracy", messages, output)
    (span,) = tf.spans
    return span


# -- the widget ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _light_theme(light_theme):
    """Every test here runs in the light palette."""


@pytest.fixture
def view(qtbot) -> ChatView:
    w = ChatView()
    qtbot.addWidget(w)
    w.resize(760, 820)
    return w


def _trace(tf: tracefile.TraceFile, span: tracefile.Span) -> list[tracefile.Span]:
    return [s for s in tf.spans if s.trace_id == span.trace_id]


def _click_text(qtbot, view: ChatView, text: str) -> None:
    """A real mouse click on `text` in the transcript."""
    doc = view.browser.document()
    found = doc.find(text)
    assert not found.isNull(), text
    cursor = QTextCursor(doc)
    cursor.setPosition(found.selectionStart() + 2)
    view.browser.setTextCursor(cursor)
    view.browser.ensureCursorVisible()
    point = view.browser.cursorRect(cursor).center() + QPoint(1, 0)
    QTest.mouseClick(view.browser.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_azure_tool_round_trip_shows_roles_texts_and_the_tool_link(qtbot, view, content_on: Run) -> None:
    app = _app()
    seen = content_on.out["tools"]
    span = content_on.chat(seen["second_id"])
    tool = content_on.named("execute_tool get_weather")
    view.set_span(span, _trace(content_on.tf, span))
    assert view.span() is span and view.pages.currentIndex() == 1
    assert [(b.label, b.kind, b.section) for b in view.content().bubbles] == [
        ("User", "user", "input"), ("Assistant", "assistant", "input"), ("Tool", "tool", "input"),
        ("Assistant", "assistant", "output"),
    ]  # fmt: skip
    assert view.title_label.text() == f"chat {app.MODEL}"
    assert view.subtitle_label.text().startswith(f"{app.MODEL} · ") and view.subtitle_label.text().endswith(" · 4 messages")
    text = view.text()
    order = ["INPUT", "User", app.TOOL_QUESTION, "Assistant", "Tool call", "get_weather", seen["call_id"],
             '"city": "Lisbon"', "Tool", "Tool result", app.TOOL_RESULT_MARKER, "OUTPUT", "Assistant", seen["answer"],
             f"finish reason: stop · model: {app.MODEL}"]  # fmt: skip
    at = 0
    for piece in order:
        at = text.index(piece, at) + len(piece)  # each in this order
    label = f"→ execute_tool get_weather ({_duration(tool)})"
    assert view.links() == [(f"span:{tool.span_id}", label)] * 2  # the call and its result
    with qtbot.waitSignal(view.spanLinkActivated, timeout=1000) as blocker:
        _click_text(qtbot, view, label)
    assert blocker.args == [tool.span_id]
    with qtbot.waitSignal(view.spanLinkActivated, timeout=1000) as blocker:
        view.browser.anchorClicked.emit(QUrl(f"span:{tool.span_id}"))
    assert blocker.args == [tool.span_id]


def test_without_the_trace_there_is_no_tool_link(qtbot, view, content_on: Run) -> None:
    view.set_span(content_on.chat(content_on.out["tools"]["first_id"]))
    assert "Tool call" in view.text() and view.links() == []
    with qtbot.assertNotEmitted(view.spanLinkActivated):
        view.activate_link("https://example.com/")  # a link inside a message: never followed


def test_semconv_every_part_type(qtbot, view, chat_semconv) -> None:
    span = next(s for s in chat_semconv.spans if s.name == "chat gpt-4o")
    view.set_span(span, chat_semconv.spans)
    text = view.text()
    for piece in ("SYSTEM INSTRUCTIONS", "You are a helpful travel bot.", "Binary content", "image, image/png, 24 B",
                  "(not shown)", "Link", "image/jpeg: https://example.com/paris.jpg", "(not opened)", "File",
                  "application/pdf: file-abc123", "(not loaded)", "▸ Reasoning", "The user wants weather; call the tool.",
                  "Tool result", "rainy, 14°C", "It is rainy in Paris (14°C).", '"type": "server_tool_call"',
                  "finish reason: tool_call"):  # fmt: skip
        assert piece in text, piece
    # Text written after a card lands after it (the transcript fills message text in last).
    output = text[text.index("OUTPUT"):]
    assert output.index("It is rainy") < output.index("call_2") < output.index("server_tool_call") < output.index(
        "finish reason: tool_call")
    tools = {
        s.attributes["gen_ai.tool.call.id"]: s.span_id for s in chat_semconv.spans if s.name.startswith("execute_tool")
    }
    hrefs = [href for href, _ in view.links()]
    assert hrefs == ["toggle:2.0", f"span:{tools[CALL_ID]}", f"span:{tools[CALL_ID]}", f"span:{tools['call_2']}"]
    assert not any("example.com" in href for href in hrefs)  # a URI part is shown, never a link


def test_markdown_rendering_and_the_raw_toggle(qtbot, view, rich) -> None:
    view.set_span(rich)
    assert view.mode() == MARKDOWN
    doc = view.browser.document()
    assert "Plan two days in Paris. Keep it cheap." in view.text()  # Markdown: a soft break is a space
    bold = doc.find("two days")
    assert bold.charFormat().fontWeight() == QFont.Weight.Bold
    heading = doc.find("Itinerary")
    assert heading.blockFormat().headingLevel() == 1 and "# Itinerary" not in view.text()
    assert doc.find("Navigo Easy").charFormat().fontItalic()
    assert doc.find("budget = 60 + 45").block().textList() is None
    assert doc.find("Buy a").block().textList() is not None
    with qtbot.waitSignal(view.modeChanged) as blocker:
        view.mode_buttons[RAW].click()
    assert blocker.args == [RAW] and view.mode() == RAW
    raw = view.text()
    assert "Plan **two days** in Paris.\nKeep it cheap." in raw  # newlines and markup as recorded
    assert "# Itinerary\n\n**Day 1**" in raw and "```python\nbudget = 60 + 45\n```" in raw
    found = view.browser.document().find("Plan **two days**")
    assert found.charFormat().fontFixedPitch()
    view.set_mode(MARKDOWN)
    assert "Plan two days in Paris." in view.text()
    with pytest.raises(ValueError):
        view.set_mode("pretty")


def test_markdown_never_loads_remote_images(qtbot, view, rich) -> None:
    view.set_span(rich)
    view.grab()  # lays the document out, which is when Qt asks its browser for images
    doc = view.browser.document()
    assert doc.parent() is view.browser  # so every resource request goes through DetailBrowser
    url = QUrl("https://tiles.example.com/paris.png")
    images = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                images.append(fmt.toImageFormat().name())
            it += 1
        block = block.next()
    assert images == []  # shown as a note instead: nothing for Qt to ask for
    assert f"[image, not loaded: {url.toString()}]" in view.text()
    kind = QTextDocument.ResourceType.ImageResource.value
    assert view.browser.loadResource(kind, url) is None
    assert doc.resource(kind, url) is None


def test_reasoning_is_collapsed_until_opened(qtbot, view, rich) -> None:
    view.set_span(rich)
    text = view.text()
    assert "▸ Reasoning" in text and "The user wants a plan.  …" in text
    assert "Start with the museums" not in text
    preview = view.browser.document().find("The user wants a plan.")
    assert preview.charFormat().foreground().color() == theme.muted_color(view.palette())
    _click_text(qtbot, view, "▸ Reasoning")
    text = view.text()
    assert "▾ Reasoning" in text and "Start with the museums, then the parks." in text
    opened = view.browser.document().find("Start with the museums")
    assert opened.charFormat().foreground().color() == theme.muted_color(view.palette())  # dimmed
    view.activate_link("toggle:0.0")  # another span's key: harmless
    view.activate_link([href for href, _ in view.links() if href.startswith("toggle:")][0])
    assert "Start with the museums" not in view.text()


def test_decorator_spans_show_input_and_output(view, content_off: Run) -> None:
    tool = content_off.named("execute_tool get_weather")
    view.set_span(tool, content_off.tf.spans)
    assert [(b.label, b.kind) for b in view.content().bubbles] == [("Input", "input"), ("Output", "output")]
    text = view.text()
    assert '"city": "Lisbon"' in text and _app().TOOL_RESULT_MARKER in text
    assert "finish reason" not in text and "not recorded" not in text and "INPUT" not in text
    agent = content_off.named("invoke_agent weather-agent")
    view.set_span(agent, content_off.tf.spans)
    assert _app().TOOL_QUESTION in view.text() and '"call_name": "get_weather"' in view.text()


def test_content_off_says_so_and_names_the_setting(view, content_off: Run) -> None:
    span = content_off.chat(content_off.out["tools"]["first_id"])
    view.set_span(span, content_off.tf.spans)
    assert view.pages.currentIndex() == 1 and view.content().bubbles == []
    text = view.text()
    assert text.lstrip().startswith("Messages not recorded\n")
    assert "content recording was off" in text
    assert "tracefile.configure(content_recording=True)" in text
    assert "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true" in text
    setting = view.browser.document().find("tracefile.configure(content_recording=True)")
    assert setting.charFormat().fontFixedPitch()  # as code
    assert view.subtitle_label.text().endswith(" tokens") and "message" not in view.subtitle_label.text()


def test_placeholder_for_no_span_and_spans_without_a_conversation(view, content_off: Run) -> None:
    assert view.pages.currentIndex() == 0 and view.text() == PLACEHOLDER
    assert not view.copy_action.isEnabled()
    http = next(s for s in content_off.tf.spans if s.name == "POST")
    view.set_span(http, content_off.tf.spans)
    assert view.pages.currentIndex() == 0 and view.text() == "Select an LLM call to see its conversation."
    assert view.copy_action.isEnabled()
    view.set_span(content_off.named("execute_tool get_weather"))
    assert view.pages.currentIndex() == 1
    view.clear()
    assert view.span() is None and view.pages.currentIndex() == 0 and not view.copy_action.isEnabled()


def test_copy_as_markdown(qtbot, view, content_on: Run) -> None:
    seen = content_on.out["tools"]
    span = content_on.chat(seen["second_id"])
    trace = _trace(content_on.tf, span)
    view.set_span(span, trace)
    QApplication.clipboard().clear()
    view.copy_button.click()
    copied = QApplication.clipboard().text()
    assert copied == span_markdown(span, trace)
    assert copied.startswith(f"# chat {_app().MODEL}\n") and f"- `{seen['call_id']}` → `execute_tool get_weather`" in copied


def test_long_conversation_is_built_once_and_complete(view, long_chat) -> None:
    view.set_span(long_chat)
    assert len(view.content().bubbles) == LONG_MESSAGES
    assert view.is_folded() and "MSG-0 " not in view.text()  # earlier turns fold; opened, all are there
    view.unfold()
    text = view.text()
    assert text.count("The quick brown fox") > LONG_MESSAGES * 200
    assert "MSG-0 " in text and "MSG-58 " in text and "MSG-LAST " in text
    doc = view.browser.document()
    view.set_mode(RAW)
    assert view.browser.document() is not doc  # rebuilt for the mode, not restyled per paint


def test_palette_change_rebuilds_the_colours(qapp, qtbot, view, content_on: Run) -> None:
    span = content_on.chat(content_on.out["sync"]["id"])
    view.set_span(span)
    exact = QTextDocument.FindFlag.FindCaseSensitively
    light = view.browser.document().find("System", 0, exact).charFormat().foreground().color()
    assert light == theme.role_color("system", theme.light_palette())
    theme.apply_theme(qapp, "dark")
    dark = theme.role_color("system", theme.dark_palette())
    assert dark != light
    qtbot.waitUntil(lambda: view.browser.document().find("System", 0, exact).charFormat().foreground().color() == dark)


# -- screenshots --------------------------------------------------------------------------------

CASES = ("azure-tools", "semconv", "markdown", "decorator", "content-off")


@pytest.mark.parametrize("palette", ["light", "dark"])
@pytest.mark.parametrize("case", CASES)
def test_screenshots(qapp, qtbot, screenshot_dir, content_on, content_off, chat_semconv, rich, case, palette):
    """Writes artifacts/screenshots/chat-<case>-<palette>.png."""
    theme.apply_theme(qapp, palette)
    w = ChatView()
    qtbot.addWidget(w)
    w.resize(760, 820)
    if case == "azure-tools":
        span = content_on.chat(content_on.out["tools"]["second_id"])
        w.set_span(span, _trace(content_on.tf, span))
    elif case == "semconv":
        w.set_span(next(s for s in chat_semconv.spans if s.name == "chat gpt-4o"), chat_semconv.spans)
    elif case == "markdown":
        w.set_span(rich)
        w.activate_link(next(h for h, _ in w.links() if h.startswith("toggle:")))  # reasoning open
    elif case == "decorator":
        w.set_span(content_off.named("execute_tool get_weather"), content_off.tf.spans)
    else:
        w.set_span(content_off.chat(content_off.out["tools"]["first_id"]), content_off.tf.spans)
    path = screenshot_dir / f"chat-{case}-{palette}.png"
    path.unlink(missing_ok=True)
    assert w.grab().save(str(path))
    image = QImage(str(path))
    assert (image.width(), image.height()) == (760 * image.devicePixelRatio(), 820 * image.devicePixelRatio())
    base = w.browser.palette().color(w.browser.viewport().backgroundRole())
    assert theme.is_dark() == (palette == "dark") == (base.lightness() < 128)


# -- helpers ------------------------------------------------------------------------------------


def _app():
    from tests.helpers.apps import chat_app

    return chat_app


def _duration(span: tracefile.Span) -> str:
    from viewer.formatting import format_duration

    return format_duration(span.duration_ns)

