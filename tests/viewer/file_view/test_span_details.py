"""The Inspector and Chat tabs in the main window on recorded LLM calls: content first, keys whole at 1280 px,
the value pane only once a row is chosen, a long history folded, cost in the chat's subtitle, and a search's
words marked in both tabs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyleOptionViewItem

from tests.helpers.viewer import open_view
from viewer.cost import prices
from viewer.cost.logic import attribute_totals, short_cost
from viewer.inspector.model import InspectorModel
from viewer.search.marks import MARK_BACKGROUND


def shown(widget) -> bool:
    return widget.isVisibleTo(widget.window())


def lay_out(view) -> None:
    """Run the layouts as a screenshot would (tests never show the window)."""
    view.window().grab()


def select_last(view, name: str) -> None:
    ix = view.session.index
    rows = np.nonzero(ix.timeline.name == ix.timeline.names.index(name))[0]
    view._go_to(int(rows[-1]))


@pytest.fixture
def long_view(qtbot, light_window, long_conversation):
    view = open_view(qtbot, light_window, long_conversation[0])
    select_last(view, "chat gpt-4o-mini")
    lay_out(view)
    return view


def test_inspector_opens_on_content_with_the_ids_folded(long_view):
    inspector, model = long_view.inspector, long_view.inspector.model
    titles = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert titles[0] == "Content" and titles[-1] == "Details" and titles.index("Attributes (10)") == 1
    content = model.index_for_key("content")
    rows = [model.index(r, 0, content).data() for r in range(model.rowCount(content))]
    assert rows == ["Input", "Output", "Messages"]
    assert model.index_for_key("content", "Input", column=1).data().startswith("user: LONG-MARKER-8c1e Turn 12:")
    assert model.index_for_key("content", "Messages", column=1).data() == "1 system · 12 user · 11 assistant → 1 assistant · finish: stop"
    assert not inspector.tree.isExpanded(model.index_for_key("details"))
    # Content is at the top of the tree, above the fold; the Trace ID row is not shown until Details opens.
    assert inspector.tree.visualRect(content).top() < 40
    assert inspector.tree.visualRect(model.index_for_key("details", "Trace ID")).isEmpty()


def test_key_column_fits_the_longest_usage_key_at_1280(long_view, light_window):
    assert light_window.width() == 1280
    tree = long_view.inspector.tree
    key = "gen_ai.usage.output_tokens"
    index = long_view.inspector.model.index_for_key("attributes", key)
    assert index.isValid()
    needed = QFontMetrics(tree.font()).horizontalAdvance(key) + tree.indentation() * 2 + 6  # + the cell's text margins
    assert tree.header().sectionSize(InspectorModel.KEY) >= needed
    assert tree.header().sectionSize(InspectorModel.VALUE) >= 80  # and the values keep room


def test_value_pane_takes_space_only_once_a_row_is_chosen(long_view):
    inspector = long_view.inspector
    assert inspector.current_row() is None and not shown(inspector.detail_pane)
    assert inspector.select("content", "Output")
    lay_out(long_view)
    assert shown(inspector.detail_pane) and "Turn 12" in inspector.detail_text()
    assert inspector.splitter.sizes()[1] > 0


def test_status_elides_in_the_middle_with_the_full_text_in_the_tooltip(qtbot, light_window, failed_calls):
    view = open_view(qtbot, light_window, failed_calls[0])
    view.select_span_named("chat error-429")
    index = view.inspector.model.index_for_key("details", "Status", column=InspectorModel.VALUE)
    opt = QStyleOptionViewItem()
    view.inspector.delegate.initStyleOption(opt, index)
    assert opt.textElideMode == Qt.TextElideMode.ElideMiddle
    assert "Message: Rate limit is exceeded" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_a_long_history_folds_so_the_newest_turn_and_output_show(qtbot, long_view):
    long_view.show_chat()
    lay_out(long_view)
    chat = long_view.chat
    assert chat.is_folded()
    text = chat.text()
    assert "22 earlier messages" in text
    assert "Turn 1:" not in text and "Turn 12:" in text and "OUTPUT" in text
    # The output is in view without scrolling.
    doc_height = chat.browser.document().size().height()
    assert doc_height <= chat.browser.viewport().height() + 1
    (fold,) = [href for href, _ in chat.links() if href.startswith("fold:")]
    chat.activate_link(fold)
    assert not chat.is_folded() and "Turn 1:" in chat.text() and "earlier messages" not in chat.text()


def test_chat_subtitle_has_its_own_line_with_the_cost(long_view):
    long_view.show_chat()
    lay_out(long_view)
    chat = long_view.chat
    span = long_view.selected_span()
    money = short_cost(attribute_totals(span.attributes, prices().table))
    assert money.startswith("$")
    subtitle = chat.subtitle_label.text()
    assert subtitle.startswith("gpt-4o-mini · ") and f" · {money} · " in subtitle and " tokens · 25 messages" in subtitle
    # Its own row: below the title and the buttons, as wide as the header.
    buttons_bottom = chat.copy_button.mapTo(chat, chat.copy_button.rect().bottomLeft()).y()
    assert chat.subtitle_label.mapTo(chat, chat.subtitle_label.rect().topLeft()).y() >= buttons_bottom
    assert chat.subtitle_label.width() >= chat.title_row.width() - 2


def test_search_words_are_marked_in_chat_and_inspector(qtbot, long_view):
    long_view.show_chat()
    lay_out(long_view)
    long_view.search_field.setText("Lisbon -status:error")
    long_view.search.apply()
    chat, inspector = long_view.chat, long_view.inspector
    assert chat.highlight_terms() == ["Lisbon"] and inspector.highlight_terms() == ["Lisbon"]
    marks = chat.browser.extraSelections()
    assert len(marks) >= 2  # the newest question and the answer that repeats it
    assert {m.cursor.selectedText().lower() for m in marks} == {"lisbon"}
    assert marks[0].format.background().color() == MARK_BACKGROUND
    inspector.select("content", "Input")
    detail = inspector.detail.extraSelections()
    assert detail and {m.cursor.selectedText() for m in detail} == {"Lisbon"}
    long_view.search_field.setText("")
    long_view.search.apply()
    assert chat.browser.extraSelections() == [] and inspector.highlight_terms() == []


def _three_spans(path) -> None:
    """Three spans, each its own batch (a spans frame and its span-details frame)."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    import tracefile

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(path)))
    for i in range(3):
        with provider.get_tracer("lost-test").start_as_current_span(f"step {i}") as span:
            span.set_attribute("app.step", i)
    provider.shutdown()


@pytest.mark.parametrize("damage", ["bit flip", "frame gone"])
def test_a_span_whose_details_are_lost_says_so_in_the_inspector(qtbot, light_window, tmp_path, damage):
    from tracefile.format import TimelineReader

    path = tmp_path / "lost.tracy"
    _three_spans(path)
    reader = TimelineReader(path)
    reader.read()
    ref = reader.timeline.batches[1]
    data = bytearray(path.read_bytes())
    if damage == "bit flip":
        data[ref.details_offset + 40] ^= 0xFF  # inside its payload: the checksum fails
    else:
        del data[ref.details_offset : reader.timeline.batches[2].spans_offset]
    path.write_bytes(bytes(data))
    view = open_view(qtbot, light_window, path)
    inspector = view.inspector
    view.select_span_named("step 1")
    assert inspector.span().name == "step 1" and dict(inspector.span().attributes) == {}
    assert shown(inspector.lost_banner)
    text = inspector.lost_banner.text()
    assert text.startswith("Attributes, events and links lost: ")
    assert ("fails its checksum" if damage == "bit flip" else "no span-details frame") in text, text
    view.select_span_named("step 2")
    assert inspector.span().attributes == {"app.step": 2} and not shown(inspector.lost_banner)
