"""The diff views with pytest-qt: what SpanDiffView and RunCompareView show for real recordings, and their screenshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWidgets import QApplication

import tracefile
from tests.helpers.runs import Run
from tests.helpers.semconv_runs import chats
from tracefile.format.model import Span
from viewer import theme
from viewer.diff import logic
from viewer.diff.model import ITEM_ROLE, FieldDiffModel, StepModel
from viewer.diff.widget import (
    EMPTY_TEXT, DiffColors, DiffWindow, RunCompareView, SpanDiffView, delete_color, insert_color, open_run_compare,
    open_span_diff,
)  # fmt: skip

# run_a, run_b, run_off and semconv are the diff tests' recordings (conftest.py).


@pytest.fixture(autouse=True)
def _light_theme(light_theme):
    """Every test here runs in the light palette."""


@pytest.fixture
def view(qtbot) -> SpanDiffView:
    w = SpanDiffView()
    qtbot.addWidget(w)
    w.resize(1100, 760)
    return w


@pytest.fixture
def runs_view(qtbot) -> RunCompareView:
    w = RunCompareView()
    qtbot.addWidget(w)
    w.resize(1100, 880)
    return w


def sync(run: Run) -> Span:
    return run.chat(run.out["sync"]["id"])


def highlighted(doc: QTextDocument) -> list[tuple[str, str]]:
    """(text, background colour) of every fragment drawn on a background, in document order."""
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            brush = fragment.charFormat().background()
            if brush.style() != Qt.BrushStyle.NoBrush:
                out.append((fragment.text(), brush.color().name()))
            it += 1
        block = block.next()
    return out


def shown_text(view: SpanDiffView) -> str:
    return view.messages.document().toPlainText().strip()


def field_rows(model: FieldDiffModel) -> list[tuple[str, str, str, str, bool]]:
    rows = []
    for r in range(model.rowCount()):
        label, left, right, delta = (model.data(model.index(r, c)) for c in range(4))
        bold = model.data(model.index(r, 0), Qt.ItemDataRole.FontRole)
        rows.append((label, left, right, delta, bool(bold and bold.bold())))
    return rows


def _save(widget, path: Path) -> QImage:
    path.unlink(missing_ok=True)
    assert widget.grab().save(str(path))
    return QImage(str(path))


def _contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# -- SpanDiffView --------------------------------------------------------------------------------


def test_one_changed_word_is_highlighted_on_both_sides(view, run_a, run_b) -> None:
    view.set_spans(sync(run_a), sync(run_b), "run-a.tracy", "run-b.tracy")
    assert view.header.left.text().startswith("<b>run-a.tracy</b>") and "chat gpt-4o-mini · " in view.header.left.text()
    assert view.header.right.text().startswith("<b>run-b.tracy</b>") and "chat gpt-4o · " in view.header.right.text()
    assert view.summary_label.text() == "Changed: prompt, completion, parameters, model"
    colors = DiffColors.from_palette()
    html = view.html()
    # The word, and only the word, on its colour: in the prompt and in the echoed completion.
    assert html.count(f'<span style="background-color:{colors.delete}">France</span>') == 2
    assert html.count(f'<span style="background-color:{colors.insert}">Spain</span>') == 2
    assert html.count("background-color:") == 4
    doc = view.messages.document()
    assert highlighted(doc) == [("France", colors.delete), ("Spain", colors.insert)] * 2
    text = doc.toPlainText().strip()
    assert "Prompt · 2 messages, 1 changed" in text and "Completion · 1 message, 1 changed" in text
    assert [text.count(f"\n{role}\n") for role in ("SYSTEM", "USER", "ASSISTANT")] == [2, 2, 2]


def test_field_table_emphasises_changed_rows(view, run_a, run_b) -> None:
    view.set_spans(sync(run_a), sync(run_b), "run-a.tracy", "run-b.tracy")
    model = view.fields_model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)] == ["Field", "run-a.tracy", "run-b.tracy", "Δ"]
    rows = {r[0]: r for r in field_rows(model)}
    assert rows["Request model"] == ("Request model", "gpt-4o-mini", "gpt-4o", "", True)
    assert rows["temperature"] == ("temperature", "—", "0.7", "", True)
    assert rows["Input tokens"] == ("Input tokens", "13", "13", "", False)
    assert rows["Provider"][4] is False and rows["Duration"][4] is True
    assert model.data(model.index(0, 0), ITEM_ROLE).key == "gen_ai.request.model"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(2, 1), Qt.ItemDataRole.BackgroundRole) is None
    assert view.fields_view.height() >= model.rowCount() * view.fields_view.verticalHeader().defaultSectionSize()


def test_added_messages_show_on_one_side(view, run_a) -> None:
    seen = run_a.out["tools"]
    view.set_spans(run_a.chat(seen["first_id"]), run_a.chat(seen["second_id"]), "first", "second")
    colors = DiffColors.from_palette()
    html = view.html()
    assert html.count(f'bgcolor="{colors.insert_line}"') == 2  # the tool call and the tool result
    assert f'bgcolor="{colors.delete_line}"' not in html
    rows = {r[0]: r for r in field_rows(view.fields_model)}
    assert rows["Input tokens"] == ("Input tokens", "6", "15", "+9 (+150%)", True)
    assert rows["Finish reasons"][1:3] == ("tool_calls", "stop")
    text = shown_text(view)
    assert "Prompt · 3 messages, 2 only on the right" in text and "Completion · 1 message, 1 changed" in text and "TOOL-RESULT-MARKER-c3d9" in text


def test_only_changed_collapses_equal_messages(qtbot, view, run_a, run_b) -> None:
    runs = logic.compare_runs(run_a.agent_trace(), run_b.agent_trace())
    second = runs.steps[1]  # the same messages; only the temperature differs
    view.set_spans(second.a, second.b)
    assert "TOOLQ-MARKER-44b1" in shown_text(view)
    with qtbot.waitSignal(view.only_changed.toggled):
        view.only_changed.setChecked(True)
    text = shown_text(view)
    assert "⋯ 3 unchanged messages ⋯" in text and "⋯ 1 unchanged message ⋯" in text
    assert "TOOLQ-MARKER-44b1" not in text and "USER" not in text
    # A changed message stays; equal ones around it collapse.
    view.set_spans(sync(run_a), sync(run_b))
    text = shown_text(view)
    assert "⋯ 1 unchanged message ⋯" in text and "capital of France" in text and "SYS-MARKER" not in text
    view.only_changed.setChecked(False)
    assert "SYS-MARKER" in shown_text(view)


def test_content_off_on_one_side_and_on_both(view, run_a, run_off) -> None:
    view.set_spans(sync(run_a), sync(run_off), "content on", "content off")
    text = shown_text(view)
    assert text.startswith("Content was recorded on the left side only, so the messages cannot be compared.")
    assert "tracefile.configure(content_recording=True)" in text
    assert view.summary_label.text() == "Changed: content recorded on one side only"
    view.set_spans(sync(run_off), run_off.chat(run_off.out["tools"]["first_id"]))
    text = shown_text(view)
    assert text.startswith("Content was not recorded on either side.") and "Prompt" not in text


def test_copy_as_markdown(view, run_a, run_b) -> None:
    view.set_spans(sync(run_a), sync(run_b), "yesterday.tracy", "today.tracy")
    view.copy_button.click()
    md = QApplication.clipboard().text()
    assert md.startswith("## yesterday.tracy → today.tracy\n")
    assert "capital of <del>France</del><ins>Spain</ins>?" in md


def test_empty_state_and_odd_data(view) -> None:
    assert view.summary_label.text() == EMPTY_TEXT and not view.copy_button.isEnabled()
    assert view.fields_view.isHidden() and view.html() == ""
    odd_a = Span(trace_id="1" * 32, span_id="a" * 16, parent_span_id="", name="chat x", kind=2, start_time=1,
                 end_time=5, attributes={"gen_ai.operation.name": "chat", "gen_ai.request.temperature": "hot",
                                         "gen_ai.input.messages": "not json{", "gen_ai.usage.input_tokens": True})  # fmt: skip
    odd_b = Span(trace_id="2" * 32, span_id="b" * 16, parent_span_id="", name="chat x", kind=2, start_time=1,
                 end_time=3, attributes={"gen_ai.operation.name": "chat", "gen_ai.request.temperature": [0.1, 0.2],
                                         "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [7]}])})  # fmt: skip
    view.set_spans(odd_a, odd_b)
    rows = {r[0]: r for r in field_rows(view.fields_model)}
    assert rows["temperature"][1:3] == ("hot", "0.1, 0.2")
    assert "not json{" in shown_text(view)
    view.set_spans(None, None)
    assert view.summary_label.text() == EMPTY_TEXT and view.header.isHidden()


def test_very_long_messages_are_cut_for_display_only(run_a) -> None:
    from viewer.diff.widget import segments_html

    colors = DiffColors.from_palette()
    segments = logic.word_diff("word " * 10_000 + "end", "word " * 10_000 + "END")
    shown = segments_html(logic.left_side(segments), colors, limit=1000)
    assert shown.startswith("word word") and shown.count("word") == 200
    assert shown.endswith(f"… {50_003 - 1000:,} more characters (Copy has them all)</span>")
    assert "end" not in shown.replace("more characters", "")  # the change itself is past the cut


def test_dark_palette_keeps_highlighted_words_readable(qapp, view, run_a, run_b) -> None:
    light = DiffColors.from_palette()
    theme.apply_theme(qapp, "dark")
    view.set_spans(sync(run_a), sync(run_b))
    dark = DiffColors.from_palette()
    assert dark.delete != light.delete and dark.insert != light.insert
    assert highlighted(view.messages.document()) == [("France", dark.delete), ("Spain", dark.insert)] * 2
    for palette in (theme.light_palette(), theme.dark_palette()):
        text = palette.color(palette.ColorRole.Text)
        for colour in (delete_color(palette), insert_color(palette), delete_color(palette, word=False),
                       insert_color(palette, word=False)):  # fmt: skip
            assert _contrast(text, colour) >= 4.5, (colour.name(), text.name())  # WCAG AA for body text


# -- RunCompareView ------------------------------------------------------------------------------


def step_rows(model: StepModel) -> list[tuple[str, ...]]:
    return [tuple(model.data(model.index(r, c)) for c in range(model.columnCount())) for r in range(model.rowCount())]


def test_compare_runs_lists_steps_and_shows_the_first_change(qtbot, runs_view, run_a, run_b) -> None:
    runs_view.set_traces(run_a.agent_trace(), run_b.agent_trace(), ("run-a.tracy", "run-b.tracy"))
    rows = step_rows(runs_view.steps_model)
    assert [r[:3] for r in rows] == [
        ("invoke_agent weather-agent › chat gpt-4o-mini", "changed", "parameters"),
        ("invoke_agent weather-agent › chat gpt-4o-mini #2", "changed", "parameters"),
        ("invoke_agent weather-agent › chat gpt-4o-mini #3", "only in B", ""),
    ]
    assert rows[0][4] == "0" and rows[2][3:] == ("", "")
    assert rows[0][3] == runs_view.comparison().steps[0].duration_delta_text != ""
    assert runs_view.summary_label.text().startswith("3 LLM steps: 2 changed, 1 only in B · run ")
    assert "<b>A</b> run-a.tracy" in runs_view.header.text() and "invoke_agent weather-agent" in runs_view.header.text()
    assert runs_view.current_step() is runs_view.comparison().steps[0]
    assert runs_view.span_diff.summary_label.text() == "Changed: parameters"
    assert runs_view.span_diff.header.left.text().startswith("<b>A · run-a.tracy</b>")

    with qtbot.waitSignal(runs_view.step_selected) as signal:
        runs_view.select_step(2)
    assert signal.args[0].status == logic.ONLY_B
    shown = runs_view.span_diff
    assert shown.summary_label.text() == "Only one side has this span"
    assert "no span at this place" in shown.header.left.text()
    text = shown_text(shown)
    assert text.startswith("Only the right side has this span.") and "FOLLOWUP-MARKER-6b7d" in text
    assert shown.html().count(f'bgcolor="{DiffColors.from_palette().insert_line}"') == 6
    assert "background-color:" not in shown.html()  # the rows' tint, no word colours
    assert "Prompt · 5 messages, 5 only on the right" in text
    assert not any(shown.fields_model.field(r).changed for r in range(shown.fields_model.rowCount()))


def test_compare_runs_semconv_and_nothing_to_compare(runs_view, semconv) -> None:
    runs_view.set_traces(semconv["a"].spans, semconv["b"].spans, ("yesterday", "today"))
    assert [r[1:5] for r in step_rows(runs_view.steps_model)] == [
        ("changed", "prompt, parameters", "0", "0"),
        ("changed", "prompt, completion, parameters", "+200 ms (+20%)", "+135 (+36%)"),
        ("only in B", "", "", ""),
    ]
    doc = runs_view.span_diff.messages.document()
    assert [t for t, _ in highlighted(doc)] == ["Paris", "Lyon"]
    runs_view.set_traces([], [], ("x", "y"))
    assert runs_view.steps_model.rowCount() == 0
    assert runs_view.span_diff.summary_label.text() == "Neither trace has LLM steps to compare."


def test_windows_open_with_the_views(qtbot, run_a, run_b) -> None:
    window = open_span_diff(None, sync(run_a), sync(run_b), ("run-a.tracy", "run-b.tracy"), show=False)
    qtbot.addWidget(window)
    assert isinstance(window, DiffWindow) and isinstance(window.view, SpanDiffView)
    assert window.windowTitle() == "Compare chat gpt-4o-mini ↔ chat gpt-4o"
    assert window.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    assert "Spain" in window.view.html()
    runs = open_run_compare(None, run_a.agent_trace(), run_b.agent_trace(), ("run-a.tracy", "run-b.tracy"), show=False)
    qtbot.addWidget(runs)
    assert isinstance(runs.view, RunCompareView) and runs.view.steps_model.rowCount() == 3
    assert runs.windowTitle() == "Compare runs: run-a.tracy ↔ run-b.tracy"


# -- screenshots ---------------------------------------------------------------------------------


@pytest.mark.parametrize("palette", ["light", "dark"])
def test_screenshots(qapp, qtbot, run_a, run_b, semconv, screenshot_dir, palette) -> None:
    """Writes artifacts/screenshots/diff-span-{light,dark}.png and diff-runs-{light,dark}.png."""
    theme.apply_theme(qapp, palette)
    span_view = SpanDiffView()
    qtbot.addWidget(span_view)
    span_view.resize(1100, 700)
    a, b = chats(semconv["a"])[1], chats(semconv["b"])[1]
    span_view.set_spans(a, b, "yesterday.tracy", "today.tracy")
    image = _save(span_view, screenshot_dir / f"diff-span-{palette}.png")
    assert image.width() == 1100 * image.devicePixelRatio()

    runs_view = RunCompareView()
    qtbot.addWidget(runs_view)
    runs_view.resize(1100, 880)
    runs_view.set_traces(run_a.agent_trace(), run_b.agent_trace(), ("run-a.tracy", "run-b.tracy"))
    runs_view.select_step(0)
    image = _save(runs_view, screenshot_dir / f"diff-runs-{palette}.png")
    assert not image.isNull()
    base = span_view.messages.viewport().palette().color(span_view.messages.viewport().backgroundRole())
    assert theme.is_dark() == (palette == "dark") == (base.lightness() < 128)
