"""The timeline widgets on a real trace: a .tracy written through the OpenTelemetry SDK, indexed from its columns."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from tests.helpers.recorder import MS
from tracefile.format.columns import read_timeline
from viewer import theme
from viewer.timeline import TraceOverview, TraceWaterfall, link
from viewer.timeline.waterfall import HEADER_HEIGHT, ROW_HEIGHT
from viewer.tracedata import build_index

SIZE = (1200, 420)


def _agent_run(rec) -> None:
    """One agent run with model calls, tools, HTTP, a database query, embeddings and a failing retry."""
    from opentelemetry.trace import SpanKind

    c = SpanKind.CLIENT
    with rec.span("invoke_agent travel-planner", 0, 4820, gen_ai__operation__name="invoke_agent"):
        with rec.span("embeddings text-embedding-3-small", 5, 62, kind=c, gen_ai__operation__name="embeddings"):
            pass
        with rec.span("SELECT destinations", 70, 38.4, kind=c, db__system="postgresql"):
            pass
        with rec.span(
            "chat gpt-4o", 112, 1830, kind=c, gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o",
            gen_ai__usage__input_tokens=1234, gen_ai__usage__output_tokens=321,
        ):  # fmt: skip
            with rec.span("POST /v1/chat/completions", 118, 1810, kind=c, http__request__method="POST"):
                pass
        with rec.span("execute_tool get_weather", 1950, 412.5, gen_ai__operation__name="execute_tool"):
            with rec.span("GET api.weather.example/v1/forecast", 1961, 388.2, kind=c, http__request__method="GET"):
                pass
        with rec.span("execute_tool search_flights", 2370, 880, gen_ai__operation__name="execute_tool"):
            with rec.span("POST /v1/flights/search", 2380, 402, kind=c, http__request__method="POST",
                          error="503 Service Unavailable"):  # fmt: skip
                pass
            with rec.span("POST /v1/flights/search", 2800, 440, kind=c, http__request__method="POST"):
                pass
            with rec.span("rank_results", 3241, 6.2, code__function__name="rank_results"):
                pass
        with rec.span(
            "chat gpt-4o", 3260, 1552, kind=c, gen_ai__operation__name="chat", gen_ai__request__model="gpt-4o",
            error="RateLimitError: 429 Too Many Requests",
        ):  # fmt: skip
            pass
        with rec.span("cache.store", 4815, 0.04):
            pass


@pytest.fixture
def index(make_tracy):
    path = make_tracy("agent.tracy", _agent_run)
    return build_index(read_timeline(path))


@pytest.fixture
def waterfall(qtbot, index):
    w = TraceWaterfall()
    qtbot.addWidget(w)
    w.resize(*SIZE)
    w.set_data(index, 0)
    return w


def _names(w: TraceWaterfall, index) -> list[str]:
    return [index.name(int(r)) for r in w.rows()]


def _row(index, name: str) -> int:
    return next(r for r in range(index.n) if index.name(r) == name)


def _key(qtbot, w, key, mods=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(w, key, mods)


def test_rows_are_the_trace_depth_first(waterfall, index):
    names = _names(waterfall, index)
    assert names[0] == "invoke_agent travel-planner"
    assert names[1:4] == ["embeddings text-embedding-3-small", "SELECT destinations", "chat gpt-4o"]
    assert names[4] == "POST /v1/chat/completions"  # the chat call's child comes right after it
    assert len(names) == index.n == 13
    assert waterfall.viewport.is_fit()
    assert waterfall.viewport.hi == pytest.approx(4820 * MS)


def test_down_moves_the_selection_and_emits(qtbot, waterfall, index):
    with qtbot.waitSignal(waterfall.selectionChanged) as blocker:
        _key(qtbot, waterfall, Qt.Key.Key_Down)
    assert blocker.args == [int(waterfall.rows()[0])]
    with qtbot.waitSignal(waterfall.selectionChanged) as blocker:
        _key(qtbot, waterfall, Qt.Key.Key_Down)
    assert index.name(blocker.args[0]) == "embeddings text-embedding-3-small"
    assert waterfall.selected_row() == blocker.args[0]
    _key(qtbot, waterfall, Qt.Key.Key_End)
    assert index.name(waterfall.selected_row()) == "cache.store"
    with qtbot.assertNotEmitted(waterfall.selectionChanged):
        _key(qtbot, waterfall, Qt.Key.Key_Down)  # already at the bottom


def test_left_collapses_right_expands_enter_toggles(qtbot, waterfall, index):
    chat = next(int(r) for r in waterfall.rows() if index.name(int(r)) == "chat gpt-4o")
    waterfall.select_row(chat)
    before = len(waterfall.rows())
    _key(qtbot, waterfall, Qt.Key.Key_Left)
    assert len(waterfall.rows()) == before - 1
    assert "POST /v1/chat/completions" not in _names(waterfall, index)
    assert waterfall.collapsed_rows() == {chat}
    _key(qtbot, waterfall, Qt.Key.Key_Left)  # already collapsed: go to the parent
    assert index.name(waterfall.selected_row()) == "invoke_agent travel-planner"
    waterfall.select_row(chat)
    _key(qtbot, waterfall, Qt.Key.Key_Right)
    assert len(waterfall.rows()) == before
    with qtbot.waitSignal(waterfall.rowActivated) as blocker:
        _key(qtbot, waterfall, Qt.Key.Key_Return)
    assert blocker.args == [chat]
    assert len(waterfall.rows()) == before - 1


def test_collapsing_an_ancestor_moves_the_selection_to_it(qtbot, waterfall, index):
    root = int(waterfall.rows()[0])
    leaf = _row(index, "GET api.weather.example/v1/forecast")
    waterfall.select_row(leaf)
    with qtbot.waitSignal(waterfall.selectionChanged) as blocker:
        waterfall.set_collapsed(root, True)
    assert blocker.args == [root]
    assert waterfall.rows().tolist() == [root]
    waterfall.select_row(leaf)  # selecting a hidden span expands its ancestors
    assert waterfall.position_of(leaf) >= 0 and root not in waterfall.collapsed_rows()


def test_keys_zoom_pan_and_fit(qtbot, waterfall):
    vp = waterfall.viewport
    full = vp.span
    with qtbot.waitSignal(waterfall.windowChanged) as blocker:
        _key(qtbot, waterfall, Qt.Key.Key_Plus)
    assert vp.span == pytest.approx(full / 1.5)
    assert blocker.args == pytest.approx([vp.t0, vp.t1])
    t0 = vp.t0
    _key(qtbot, waterfall, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert vp.t0 > t0 and vp.span == pytest.approx(full / 1.5)
    _key(qtbot, waterfall, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert vp.t0 == pytest.approx(t0)
    _key(qtbot, waterfall, Qt.Key.Key_Minus)
    assert vp.span == pytest.approx(full)
    _key(qtbot, waterfall, Qt.Key.Key_Plus)
    _key(qtbot, waterfall, Qt.Key.Key_Plus)
    assert not vp.is_fit()
    _key(qtbot, waterfall, Qt.Key.Key_F)
    assert vp.is_fit() and (vp.t0, vp.t1) == (0.0, 4820.0 * MS)


def _wheel(w, pos: QPointF, dy: int, mods=Qt.KeyboardModifier.NoModifier):
    ev = QWheelEvent(
        pos, w.mapToGlobal(pos), QPoint(0, 0), QPoint(0, dy), Qt.MouseButton.NoButton, mods,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(w, ev)


def test_ctrl_wheel_zooms_about_the_pointer(waterfall):
    vp = waterfall.viewport
    pos = QPointF(vp.x0 + vp.width * 0.25, HEADER_HEIGHT + 30)
    t_under = vp.t_of(pos.x())
    _wheel(waterfall, pos, 240, Qt.KeyboardModifier.ControlModifier)
    assert vp.span == pytest.approx(4820 * MS / 1.44)
    assert vp.t_of(pos.x()) == pytest.approx(t_under)
    _wheel(waterfall, pos, -240, Qt.KeyboardModifier.ControlModifier)
    assert vp.is_fit()


def test_plain_wheel_scrolls_rows(qtbot, index):
    w = TraceWaterfall()
    qtbot.addWidget(w)
    w.resize(800, HEADER_HEIGHT + 5 * ROW_HEIGHT)
    w.set_data(index, 0)
    span = w.viewport.span
    _wheel(w, QPointF(600, 60), -120)
    assert w.row_at(QPointF(20, HEADER_HEIGHT + 2)) == int(w.rows()[3])  # three rows down
    assert w.viewport.span == span


def _mouse(w, kind, pos: QPointF, buttons=Qt.MouseButton.LeftButton):
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    ev = QMouseEvent(kind, pos, w.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(w, ev)


def test_drag_pans_the_window(qtbot, waterfall):
    vp = waterfall.viewport
    waterfall.zoom(4)
    t0 = vp.t0
    y = HEADER_HEIGHT + 3 * ROW_HEIGHT + 5
    start = QPointF(vp.x0 + 300, y)
    with qtbot.waitSignal(waterfall.windowChanged):
        _mouse(waterfall, QEvent.Type.MouseButtonPress, start)
        _mouse(waterfall, QEvent.Type.MouseMove, QPointF(start.x() - 100, y))
        _mouse(waterfall, QEvent.Type.MouseButtonRelease, QPointF(start.x() - 100, y), Qt.MouseButton.NoButton)
    assert vp.t0 == pytest.approx(t0 + 100 * vp.ns_per_px)
    assert waterfall.selected_row() == -1  # a drag is not a click


def test_click_on_a_bar_selects_its_span(qtbot, waterfall, index):
    row = _row(index, "execute_tool get_weather")
    rect = waterfall.bar_rect(row)
    assert rect.width() > 20
    assert waterfall.span_at(rect.center()) == row
    assert waterfall.span_at(QPointF(rect.right() + 40, rect.center().y())) == -1
    with qtbot.waitSignal(waterfall.selectionChanged) as blocker:
        qtbot.mouseClick(waterfall, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert blocker.args == [row]
    with qtbot.waitSignal(waterfall.rowActivated) as blocker:
        qtbot.mouseDClick(waterfall, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert blocker.args == [row]


def test_click_on_the_arrow_collapses(qtbot, waterfall, index):
    root = int(waterfall.rows()[0])
    qtbot.mouseClick(waterfall, Qt.MouseButton.LeftButton, pos=QPoint(10, HEADER_HEIGHT + ROW_HEIGHT // 2))
    assert waterfall.rows().tolist() == [root]


def test_tooltip_text(waterfall, index):
    chat = _row(index, "chat gpt-4o")
    text = waterfall.tooltip_text_at(waterfall.bar_rect(chat).center())
    assert "<b>chat gpt-4o</b>" in text
    assert "Duration: 1.83 s" in text and "Start: +112 ms" in text
    assert "Model: gpt-4o" in text and "Tokens: 1,234 in · 321 out" in text
    assert "Status: Unset" in text and "Category: llm" in text
    failed = [r for r in range(index.n) if index.is_error(r) and index.name(r) == "chat gpt-4o"][0]
    text = waterfall.tooltip_text_at(waterfall.bar_rect(failed).center())
    assert "Error" in text and "Duration: 1.55 s" in text
    assert waterfall.tooltip_text_at(QPointF(50, 5)) == ""  # the header


def test_select_row_scrolls_it_into_view(qtbot, index):
    w = TraceWaterfall()
    qtbot.addWidget(w)
    w.resize(800, HEADER_HEIGHT + 4 * ROW_HEIGHT)
    w.set_data(index, 0)
    last = int(w.rows()[-1])
    with qtbot.waitSignal(w.selectionChanged):
        w.select_row(last)
    assert w.row_at(QPointF(20, w.height() - 3)) == last


def test_set_data_again_with_a_grown_trace_keeps_state(tmp_path, qtbot):
    """A file being written: set_data with a re-read, larger index of the same trace."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    import tracefile

    path = tmp_path / "live.tracy"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracefile.TracyFileExporter(str(path))))
    tracer = provider.get_tracer("t")
    root = tracer.start_span("invoke_agent live", start_time=1_000 * MS)
    ctx = __import__("opentelemetry.trace", fromlist=["set_span_in_context"]).set_span_in_context(root)
    for i in range(3):
        tracer.start_span(f"step {i}", context=ctx, start_time=(1_010 + 100 * i) * MS).end(end_time=(1_090 + 100 * i) * MS)
    provider.force_flush()
    w = TraceWaterfall()
    qtbot.addWidget(w)
    w.resize(*SIZE)
    first = build_index(read_timeline(path))
    w.set_data(first, 0)
    assert len(w.rows()) == 3  # the root is not written until it ends
    step1 = _row(first, "step 1")
    w.select_row(step1)
    w.zoom(2)
    window = w.time_window()
    origin = w.origin
    for i in range(3, 6):
        tracer.start_span(f"step {i}", context=ctx, start_time=(1_010 + 100 * i) * MS).end(end_time=(1_090 + 100 * i) * MS)
    root.end(end_time=1_700 * MS)
    provider.shutdown()
    grown = build_index(read_timeline(path))
    with qtbot.assertNotEmitted(w.selectionChanged):
        w.set_data(grown, 0)
    assert len(w.rows()) == 7
    assert w.selected_row() == step1
    shift = origin - w.origin  # the root starts 10 ms before the first step: time 0 moves
    assert shift == 10 * MS
    assert w.time_window() == pytest.approx((window[0] + shift, window[1] + shift))


def test_overview_window_follows_and_drives_the_waterfall(qtbot, index, waterfall):
    ov = TraceOverview()
    qtbot.addWidget(ov)
    ov.resize(SIZE[0], 76)
    ov.set_data(index, 0)
    link(waterfall, ov)
    assert ov.lanes() == 3  # depths 0, 1 and 2
    waterfall.zoom(4)
    assert ov.time_window() == pytest.approx(waterfall.time_window())
    rect = ov.window_rect()
    assert rect.width() == pytest.approx((ov.width() - 16) / 4, abs=1)
    # Drag the window rectangle 100 px to the right: the waterfall follows.
    y = rect.center().y()
    with qtbot.waitSignal(ov.windowChanged):
        _mouse(ov, QEvent.Type.MouseButtonPress, QPointF(rect.center().x(), y))
        _mouse(ov, QEvent.Type.MouseMove, QPointF(rect.center().x() + 100, y))
        _mouse(ov, QEvent.Type.MouseButtonRelease, QPointF(rect.center().x() + 100, y), Qt.MouseButton.NoButton)
    assert ov.window_rect().left() == pytest.approx(rect.left() + 100, abs=0.5)
    assert waterfall.time_window() == pytest.approx(ov.time_window())
    # A click far away centres the window there.
    _mouse(ov, QEvent.Type.MouseButtonPress, QPointF(ov.width() - 20, y))
    _mouse(ov, QEvent.Type.MouseButtonRelease, QPointF(ov.width() - 20, y), Qt.MouseButton.NoButton)
    assert waterfall.time_window()[1] == pytest.approx(4820 * MS)


def test_overview_paints_lanes_and_error_red(qtbot, index):
    ov = TraceOverview()
    qtbot.addWidget(ov)
    ov.setPalette(theme.light_palette())
    ov.resize(600, 76)
    ov.set_data(index, 0)
    img = ov.grab().toImage()
    from viewer.timeline import colors

    red = colors.error_color(False)
    pixels = {img.pixelColor(x, y).name() for x in range(0, 600, 1) for y in range(0, 60, 2)}
    assert red in pixels  # the failed call shows in the minimap
    assert colors.span_colors(3, False).fill in pixels  # the agent lane


def _themed_pair(qtbot, index, palette) -> QWidget:
    box = QWidget()
    qtbot.addWidget(box)
    box.setPalette(palette)
    box.setAutoFillBackground(True)
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    ov, wf = TraceOverview(), TraceWaterfall()
    lay.addWidget(ov)
    lay.addWidget(wf, 1)
    link(wf, ov)
    box.resize(SIZE[0], 76 + HEADER_HEIGHT + 15 * ROW_HEIGHT)
    lay.activate()
    ov.set_data(index, 0)
    wf.set_data(index, 0)
    return box, wf, ov


@pytest.mark.parametrize("name", ["light", "dark"])
def test_screenshot(qtbot, index, screenshot_dir, name):
    palette = theme.light_palette() if name == "light" else theme.dark_palette()
    box, wf, ov = _themed_pair(qtbot, index, palette)
    wf.select_row(_row(index, "execute_tool get_weather"))
    wf._hover = QPoint(int(wf.viewport.x_of(2600 * MS)), HEADER_HEIGHT + 8 * ROW_HEIGHT)
    image = box.grab().toImage()
    path = screenshot_dir / f"timeline-{name}.png"
    assert image.save(str(path))
    assert image.width() == SIZE[0]
    # The selection band uses the palette's highlight in the name column.
    sel_y = HEADER_HEIGHT + wf.position_of(wf.selected_row()) * ROW_HEIGHT + ROW_HEIGHT // 2
    sel = image.pixelColor(wf.name_width - 40, ov.height() + sel_y).name()
    assert sel == palette.color(palette.ColorRole.Highlight).name()
    # The dark screenshot is dark and the light one light.
    bg = image.pixelColor(wf.width() - 30, image.height() - 5)
    assert (bg.lightness() < 80) == (name == "dark")


def test_render_into_an_image_without_showing(qtbot, index):
    w = TraceWaterfall()
    qtbot.addWidget(w)
    w.resize(*SIZE)
    w.set_data(index, 0)
    img = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    w.render(img)
    from viewer.timeline import colors

    dark = theme.is_dark(w.palette())
    root_y = HEADER_HEIGHT + ROW_HEIGHT // 2
    assert img.pixelColor(w.name_width + 300, root_y).name() == colors.span_colors(3, dark).fill
    seen = {img.pixelColor(x, y).name() for x in range(w.name_width, SIZE[0]) for y in range(HEADER_HEIGHT, SIZE[1], 3)}
    assert colors.error_color(dark) in seen
    assert {colors.span_colors(c, dark).fill for c in range(1, 8)} <= seen
    assert np.all(w.rows() >= 0)
