"""Costs in the viewer: the Prices dialog and its model, the trace list's Cost column, the waterfall
tooltip and the inspector header, on files recorded through the OpenTelemetry SDK and by the real
Azure AI Inference SDK against the loopback server; screenshots of the dialog and the trace list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shiboken6
from opentelemetry.trace import SpanKind
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence

import tracefile
from viewer import theme
from viewer.cost import file_summary_text, prices, span_prices
from viewer.cost.logic import default_table, format_cost
from viewer.cost.model import CACHED, INPUT, MODEL, OUTPUT, REASONING, PriceTableModel
from viewer.cost.store import PriceStore
from viewer.cost.widget import NOTE, PriceTableDialog
from viewer.file_view import FileView
from viewer.inspector.widget import SpanInspector
from viewer.session import FileSession
from viewer.timeline.waterfall import HEADER_HEIGHT, ROW_HEIGHT, TraceWaterfall
from viewer.trace_table_model import COST, TraceTableModel

pytestmark = pytest.mark.usefixtures("viewer_env")

GPT4O = (176 * 2.5 + 1024 * 1.25 + 300 * 10) / 1e6  # 1,200 in (1,024 cached), 300 out (256 reasoning)


@pytest.fixture(autouse=True)
def _fresh_prices(viewer_env):
    """Every test starts from the default prices in its own settings file."""
    store = prices()
    store.reload()
    assert store.is_default
    yield store
    store.reset()


def _chat(rec, start: float, dur: float, model: str, tin: int, tout: int, cached: int = 0, reasoning: int = 0):
    attrs = {"gen_ai__operation__name": "chat", "gen_ai__request__model": model, "gen_ai__response__model": model,
             "gen_ai__usage__input_tokens": tin, "gen_ai__usage__output_tokens": tout}  # fmt: skip
    if cached:
        attrs["gen_ai__usage__cache_read__input_tokens"] = cached
    if reasoning:
        attrs["gen_ai__usage__reasoning__output_tokens"] = reasoning
    return rec.span(f"chat {model}", start, dur, kind=SpanKind.CLIENT, **attrs)


def _agent_runs(rec) -> None:
    """Three traces: gpt-4o with cache and reasoning counts, o4-mini plus an unpriced model, and no model calls."""
    with rec.span("invoke_agent planner", 0, 4000, gen_ai__operation__name="invoke_agent"):
        with _chat(rec, 10, 1500, "gpt-4o-2024-08-06", 1200, 300, 1024, 256):
            pass
        with rec.span("execute_tool get_weather", 1600, 400, gen_ai__tool__name="get_weather"):
            pass
    with rec.span("invoke_agent researcher", 5000, 6000, gen_ai__operation__name="invoke_agent"):
        with _chat(rec, 5010, 2000, "o4-mini", 800, 2400, 0, 1920):
            pass
        with _chat(rec, 7100, 800, "my-finetune-v2", 500, 40):
            pass
    with rec.span("cache.lookup", 12000, 0.04):
        pass


@pytest.fixture
def agent_file(make_tracy) -> Path:
    return make_tracy("agents.tracy", _agent_runs)


def _table_model(path: Path) -> tuple[FileSession, TraceTableModel]:
    session = FileSession(path)
    assert session.load().ok
    model = TraceTableModel()
    model.set_index(session.index)
    return session, model


def _cost_cells(model: TraceTableModel) -> dict[str, str]:
    return {model.index(r, 0).data(): model.index(r, COST).data() for r in range(model.rowCount())}


def _row(model: PriceTableModel, pattern: str) -> int:
    (row,) = [r for r in range(model.rowCount()) if model.index(r, MODEL).data() == pattern]
    return row


# -- the trace list -------------------------------------------------------------------------


def test_cost_column_and_its_tooltip(agent_file) -> None:
    _, model = _table_model(agent_file)
    o4 = (800 * 1.1 + 2400 * 4.4) / 1e6
    assert model.headerData(COST, Qt.Orientation.Horizontal) == "Cost"
    assert _cost_cells(model) == {
        "invoke_agent planner": format_cost(GPT4O),  # $0.0047
        "invoke_agent researcher": "≥" + format_cost(o4),  # the fine-tune has no price
        "cache.lookup": "–",
    }
    first = model.index(0, COST).data(Qt.ItemDataRole.ToolTipRole)
    assert first == "1,200 input (1,024 cached) · 300 output (256 reasoning) · $0.0047 at gpt-4o prices"
    second = model.index(1, COST).data(Qt.ItemDataRole.ToolTipRole)
    assert second == f"1,300 input · 2,440 output (1,920 reasoning) · {format_cost(o4)} at o4-mini prices (no price for my-finetune-v2)"
    assert model.index(1, 5).data(Qt.ItemDataRole.ToolTipRole) == "1,300 input · 2,440 output (1,920 reasoning)"
    # Sorting by cost: most expensive first.
    model.sort(COST, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, 0).data() for r in range(3)] == ["invoke_agent researcher", "invoke_agent planner", "cache.lookup"]


def test_editing_a_price_in_the_dialog_changes_every_cost_cell(qtbot, agent_file) -> None:
    _, model = _table_model(agent_file)
    other_view = TraceTableModel()  # a second open file sees the same prices
    other_view.set_index(_table_model(agent_file)[0].index)
    dialog = PriceTableDialog()
    qtbot.addWidget(dialog)
    prices_model = dialog.model
    row = _row(prices_model, "gpt-4o*")
    assert model.index(0, COST).data() == "$0.0047"

    with qtbot.waitSignal(model.dataChanged), qtbot.waitSignal(other_view.dataChanged):
        assert prices_model.setData(prices_model.index(row, OUTPUT), "20")
    expect = (176 * 2.5 + 1024 * 1.25 + 300 * 20) / 1e6
    assert model.index(0, COST).data() == other_view.index(0, COST).data() == format_cost(expect) == "$0.0077"

    # Reasoning priced on its own; cached input priced like the rest once its price is cleared.
    assert prices_model.setData(prices_model.index(row, REASONING), "40")
    assert prices_model.setData(prices_model.index(row, CACHED), "")
    assert prices_model.index(row, CACHED).data() == "as input"
    expect = (1200 * 2.5 + 44 * 20 + 256 * 40) / 1e6
    assert model.index(0, COST).data() == format_cost(expect)

    # A price for the fine-tune drops the "at least" mark.
    with qtbot.waitSignal(model.dataChanged):
        new = prices_model.add_row()
        assert prices_model.setData(prices_model.index(new, MODEL), "MY-FINETUNE*")
        assert prices_model.setData(prices_model.index(new, INPUT), "$1.00")
        assert prices_model.setData(prices_model.index(new, OUTPUT), "2,5")  # a decimal comma
    o4 = (800 * 1.1 + 2400 * 4.4) / 1e6
    assert model.index(1, COST).data() == format_cost(o4 + (500 * 1.0 + 40 * 2.5) / 1e6)

    # The edits are saved: a fresh store (a new viewer) reads them back.
    saved = PriceStore().table
    assert saved.resolve("gpt-4o").output == 20 and saved.resolve("my-finetune-v2").input == 1.0
    dialog.reset()
    assert model.index(0, COST).data() == "$0.0047" and PriceStore().is_default
    assert not dialog.reset_button.isEnabled()


def test_bad_edits_are_refused_and_explained(qtbot) -> None:
    dialog = PriceTableDialog()
    qtbot.addWidget(dialog)
    m = dialog.model
    row = _row(m, "gpt-4.1*")
    before = prices().version
    with qtbot.waitSignal(m.problem) as problem:
        assert not m.setData(m.index(row, INPUT), "abc")
    assert problem.args == ["Row 3 (gpt-4.1*), input: “abc” is not a number."]
    assert dialog.problem_label.text() == problem.args[0] and not dialog.problem_label.isHidden()
    assert not m.setData(m.index(row, OUTPUT), "-1")
    assert "a price is a number of 0 or more" in dialog.problem_label.text()
    assert not m.setData(m.index(row, OUTPUT), "")
    assert "a price is needed here" in dialog.problem_label.text()
    assert not m.setData(m.index(row, MODEL), "GPT-4O*")
    assert dialog.problem_label.text() == "Row 3: row 1 already has the pattern “gpt-4o*”."
    assert not m.setData(m.index(row, MODEL), "  ")
    assert prices().version == before and prices().table == default_table()
    # A good edit clears the message.
    assert m.setData(m.index(row, INPUT), "2.25")
    assert dialog.problem_label.isHidden() and prices().table.resolve("gpt-4.1").input == 2.25


def test_add_remove_currency_and_json_files(qtbot, tmp_path) -> None:
    dialog = PriceTableDialog()
    qtbot.addWidget(dialog)
    m = dialog.model
    n = m.rowCount()
    assert not dialog.remove_button.isEnabled()
    first, second = dialog.add_row(), dialog.add_row()
    assert [m.index(r, MODEL).data() for r in (first, second)] == ["new-model", "new-model-2"]
    dialog.view.selectRow(first)
    assert dialog.remove_button.isEnabled()
    (remove,) = dialog.view.actions()
    assert remove.shortcut().matches(QKeySequence(QKeySequence.StandardKey.Delete)) == QKeySequence.SequenceMatch.ExactMatch
    remove.trigger()
    assert m.rowCount() == n + 1 and prices().table.entries[-1].pattern == "new-model-2"

    dialog.currency_edit.setText("EUR")
    dialog.currency_edit.editingFinished.emit()
    assert prices().table.currency == "EUR"

    out = tmp_path / "prices.json"
    assert dialog.export_file(out)
    doc = json.loads(out.read_text())
    assert doc["version"] == 1 and doc["currency"] == "EUR" and doc["prices"][-1]["model"] == "new-model-2"

    dialog.reset()
    assert prices().is_default and dialog.currency_edit.text() == "USD"
    assert dialog.import_file(out)
    assert prices().table.currency == "EUR" and m.rowCount() == n + 1

    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "prices": [{"model": "a", "input": 1, "output": 1}, {"model": "b", "input": "cheap", "output": 1}]}')
    assert not dialog.import_file(bad)
    assert dialog.problem_label.text() == (
        "bad.json is not a usable price table. Row 2 (b): \"input\" must be a number of 0 or more, not 'cheap'."
    )
    assert prices().table.currency == "EUR"  # unchanged
    assert not dialog.import_file(tmp_path / "missing.json")
    assert dialog.problem_label.text().startswith("Could not read missing.json")


def test_a_broken_saved_table_falls_back_to_the_defaults_and_says_so(qtbot, viewer_env) -> None:
    from viewer import settings

    settings.set_price_table_json(settings.open_settings(), '{"prices": [{"model": "x", "input": -1, "output": 1}]}')
    store = PriceStore()
    assert store.is_default and "Row 1 (x)" in store.load_error
    dialog = PriceTableDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.problem_label.text().startswith("The saved price table could not be read, so the defaults are used")


# -- spans ---------------------------------------------------------------------------------


def test_waterfall_tooltip_and_inspector_header_show_tokens_by_kind_and_cost(qtbot, agent_file) -> None:
    session, _ = _table_model(agent_file)
    ix = session.index
    wf = TraceWaterfall()
    qtbot.addWidget(wf)
    wf.resize(900, 400)
    wf.set_data(ix, 0)
    rows = list(wf.rows())
    chat_row = next(r for r in rows if ix.name(int(r)).startswith("chat gpt-4o"))
    pos = QPoint(40, HEADER_HEIGHT + rows.index(chat_row) * ROW_HEIGHT + ROW_HEIGHT // 2)
    tip = wf.tooltip_text_at(pos)
    assert "Tokens: 1,200 in (1,024 cached) · 300 out (256 reasoning)" in tip
    assert "Cost: $0.0047 at gpt-4o prices" in tip
    wf.set_data(ix, 1)
    rows = list(wf.rows())
    ft = rows.index(next(r for r in rows if ix.name(int(r)) == "chat my-finetune-v2"))
    assert "Cost: no price for my-finetune-v2" in wf.tooltip_text_at(QPoint(40, HEADER_HEIGHT + ft * ROW_HEIGHT + 5))

    inspector = SpanInspector()
    qtbot.addWidget(inspector)
    inspector.set_span(session.span(int(chat_row)))
    assert not inspector.usage_label.isHidden()
    assert inspector.usage_label.text() == "$0.0047 · 1,200 input (1,024 cached) · 300 output (256 reasoning)"
    assert inspector.usage_label.toolTip().endswith("$0.0047 at gpt-4o prices")
    table = prices().table.copy()
    table.entries[0] = type(table.entries[0])("gpt-4o*", 2.5, 20.0, 1.25)
    with qtbot.waitSignal(prices().changed):
        prices().set_table(table)
    assert inspector.usage_label.text().startswith("$0.0077 · ")
    tool = next(r for r in ix.trace_rows(0) if ix.name(int(r)) == "execute_tool get_weather")
    inspector.set_span(session.span(int(tool)))
    assert inspector.usage_label.isHidden()


def test_the_status_line_and_the_trace_list_price_the_spans_once(agent_file, qtbot) -> None:
    session, model = _table_model(agent_file)
    tl = session.index.timeline
    first = span_prices(tl)
    model.usage()
    file_summary_text(session.index)
    assert span_prices(tl) is first  # asked three times, priced once
    table = prices().table.copy()
    table.entries[0] = type(table.entries[0])("gpt-4o*", 2.5, 20.0, 1.25)
    with qtbot.waitSignal(prices().changed):
        prices().set_table(table)
    again = span_prices(tl)
    assert again is not first and again.cost.sum() > first.cost.sum()  # new prices, new costs


def test_file_summary_for_the_status_line(agent_file) -> None:
    session, _ = _table_model(agent_file)
    o4 = (800 * 1.1 + 2400 * 4.4) / 1e6
    assert file_summary_text(session.index.timeline) == (
        f"5,240 tokens · {format_cost(GPT4O + o4)} · no price for my-finetune-v2"
    )
    assert file_summary_text(None) == ""


def test_an_agent_span_with_its_calls_totals_is_not_counted_twice(make_tracy) -> None:
    def build(rec) -> None:
        # The GenAI conventions let an invoke_agent span report the usage of the whole run.
        with rec.span("invoke_agent planner", 0, 3000, gen_ai__operation__name="invoke_agent",
                      gen_ai__request__model="gpt-4o", gen_ai__usage__input_tokens=3000,
                      gen_ai__usage__output_tokens=300):  # fmt: skip
            with _chat(rec, 10, 1000, "gpt-4o", 1000, 100):
                pass
            with _chat(rec, 1100, 1000, "gpt-4o", 2000, 200):
                pass

    session, model = _table_model(make_tracy("agent-totals.tracy", build))
    expect = format_cost((3000 * 2.5 + 300 * 10) / 1e6)
    assert (model.index(0, 5).data(), model.index(0, COST).data()) == ("3,300", expect)
    assert model.index(0, COST).data(Qt.ItemDataRole.ToolTipRole) == f"3,000 input · 300 output · {expect} at gpt-4o prices"
    assert file_summary_text(session.index) == f"3,300 tokens · {expect}"


# -- a real recording ------------------------------------------------------------------------


@pytest.fixture
def chat_run(record_app):
    return record_app("chat_app.py", "--steps", "sync,tools", "--no-content")


def test_recorded_azure_calls_are_priced_from_their_reported_usage(chat_run) -> None:
    from tests.helpers.apps import chat_app

    path, out = chat_run
    session, model = _table_model(path)
    seen = out["sync"]
    mini = default_table().resolve(chat_app.MODEL)
    assert mini.pattern == "gpt-4o-mini*"
    sync_cost = (seen["input_tokens"] * mini.input + seen["output_tokens"] * mini.output) / 1e6
    # The sync call is a trace of its own; its cost is its reported usage at gpt-4o-mini prices.
    chats = [s for s in tracefile.load(path).spans if s.attributes.get("gen_ai.response.id") == seen["id"]]
    (sync_span,) = chats
    ix = session.index
    (span_row,) = [r for r in range(ix.n) if ix.timeline.span_id_hex(ix.timeline.span_id[r]) == sync_span.span_id]
    row = model.row_of(int(ix.trace[span_row]))
    assert model.index(row, COST).data() == format_cost(sync_cost)
    assert model.index(row, COST).data(Qt.ItemDataRole.ToolTipRole) == (
        f"{seen['input_tokens']:,} input · {seen['output_tokens']:,} output · {format_cost(sync_cost)} at gpt-4o-mini prices"
    )
    # The tools trace: its two model calls, each priced from the usage the server reported.
    spans = tracefile.load(path).spans
    agent = next(s for s in spans if s.name == "invoke_agent weather-agent")
    calls = [s for s in spans if s.trace_id == agent.trace_id and s.name.startswith("chat ")]
    assert len(calls) == 2
    tin = sum(s.attributes["gen_ai.usage.input_tokens"] for s in calls)
    tout = sum(s.attributes["gen_ai.usage.output_tokens"] for s in calls)
    tools_cost = format_cost((tin * mini.input + tout * mini.output) / 1e6)
    assert sorted(model.index(r, COST).data() for r in range(model.rowCount())) == sorted([format_cost(sync_cost), tools_cost])
    total = format_cost(sync_cost + (tin * mini.input + tout * mini.output) / 1e6)
    assert file_summary_text(session.index.timeline) == f"{tin + tout + seen['input_tokens'] + seen['output_tokens']:,} tokens · {total}"


# -- screenshots --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["light", "dark"])
def test_screenshots(qtbot, qapp, agent_file, screenshot_dir, name) -> None:
    theme.apply_theme(qapp, name)
    try:
        dialog = PriceTableDialog()
        qtbot.addWidget(dialog)
        assert "check them against your provider's price list" in NOTE
        path = screenshot_dir / f"prices-{name}.png"
        assert dialog.grab().save(str(path))

        view = FileView(agent_file)
        qtbot.addWidget(view)
        view.resize(1280, 500)
        view.load()
        qtbot.waitUntil(lambda: view.state != "loading", timeout=10_000)
        view.trace_columns.set_natural(COST, "≥$0.0047")
        view.splitter.setSizes([640, 360, 280])
        view.select_span_named("chat gpt-4o-2024-08-06")
        path = screenshot_dir / f"trace-list-cost-{name}.png"
        assert view.grab().save(str(path))
        assert view.trace_model.index(0, COST).data() == "$0.0047"
        view.stop()
    finally:
        theme.apply_theme(qapp, "system")


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_open_price_table_shows_one_dialog_per_window(qtbot) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QWidget

    from viewer.cost import open_price_table

    window = QWidget()
    qtbot.addWidget(window)
    first = open_price_table(window)
    assert first.isVisible() and open_price_table(window) is first
    first.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: not shiboken6.isValid(first))
    again = open_price_table(window)  # closing deleted the first one: a new one opens
    assert again.isVisible() and again.model.rowCount() == len(default_table().entries)
    again.close()


def test_the_window_status_line_totals_tokens_and_cost_and_follows_price_edits(qtbot, agent_file) -> None:
    from viewer.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    view = window.open_path(agent_file)
    qtbot.waitUntil(lambda: view.state != "loading")
    o4 = (800 * 1.1 + 2400 * 4.4) / 1e6
    assert f"· 5,240 tokens · {format_cost(GPT4O + o4)} · no price for my-finetune-v2" in view.status_label.text()
    table = prices().table.copy()
    table.entries.append(type(table.entries[0])("my-finetune-*", 1000.0, 1000.0))
    with qtbot.waitSignal(prices().changed):
        prices().set_table(table)
    assert format_cost(GPT4O + o4 + 540 * 1000 / 1e6) in view.status_label.text()
    assert "no price" not in view.status_label.text()
    dialog = window.open_prices()
    assert dialog is window.open_prices()  # one per window
    dialog.close()
