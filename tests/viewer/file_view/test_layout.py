"""A tab's layout (pytest-qt): the timeline gets most of the width, pane shares are remembered,
status texts never widen the window, and focus starts in the waterfall."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.helpers.viewer import open_view
from viewer import settings as viewer_settings
from viewer.file_view.layout import DEFAULT_SHARES, pixel_sizes, shares_of
from viewer.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("viewer_env")

LONG = "Marked “invoke_agent billing-assistant”: select another span or trace, then Ctrl+D or Ctrl+Shift+D " * 3


def test_pixel_sizes_and_shares_round_trip():
    assert pixel_sizes(1000, DEFAULT_SHARES) == [220, 500, 280]
    assert sum(pixel_sizes(1279, DEFAULT_SHARES)) == 1279
    collapsed = pixel_sizes(1000, DEFAULT_SHARES, list_shown=False)
    assert collapsed[0] == 0 and abs(collapsed[1] / collapsed[2] - 50 / 28) < 0.01
    assert shares_of([300, 400, 300]) == (0.3, 0.4, 0.3)
    # With the list collapsed, it keeps the share it had; the others take the splitter's proportions.
    kept = shares_of([0, 600, 400], (0.25, 0.45, 0.30))
    assert kept[0] == 0.25 and abs(kept[1] - 0.45) < 1e-9 and abs(sum(kept) - 1) < 1e-9


def test_shares_setting_rejects_what_it_cannot_use(viewer_env):
    settings = viewer_settings.open_settings()
    assert viewer_settings.pane_shares(settings) is None
    viewer_settings.set_pane_shares(settings, (0.3, 0.45, 0.25))
    assert viewer_settings.pane_shares(settings) == pytest.approx((0.3, 0.45, 0.25))
    for bad in (["0.5", "0.5"], ["x", "0.5", "0.5"], ["0.9", "0.9", "0.9"], "nonsense"):
        settings.setValue(viewer_settings.PANE_SHARES_KEY, bad)
        assert viewer_settings.pane_shares(settings) is None


def test_the_timeline_gets_half_the_width_at_1280(qtbot, light_window, sample_tracy):
    light_window.show()
    view = open_view(qtbot, light_window, sample_tracy)
    qtbot.waitUntil(lambda: view.splitter.width() > 1000)
    sizes = view.splitter.sizes()
    shares = [s / sum(sizes) for s in sizes]
    assert shares == pytest.approx(DEFAULT_SHARES, abs=0.03), sizes
    # The list still shows every trace's start time and cost.
    header = view.trace_view.horizontalHeader()
    assert not header.isSectionHidden(1) and not header.isSectionHidden(6)
    assert header.sortIndicatorSection() == 1 and header.sectionSize(1) > 0


def test_dragged_pane_sizes_are_remembered_for_the_next_window(qtbot, light_window, sample_tracy):
    light_window.show()
    view = open_view(qtbot, light_window, sample_tracy)
    qtbot.waitUntil(lambda: view.splitter.width() > 1000)
    handle = view.splitter.handle(1)
    view.splitter.moveSplitter(view.splitter.sizes()[0] + 120, 1)  # what a drag of the handle does
    assert handle is not None
    saved = viewer_settings.pane_shares(light_window.settings)
    assert saved is not None and saved[0] > DEFAULT_SHARES[0] + 0.05

    again = MainWindow()
    qtbot.addWidget(again)
    again.resize(1280, 800)
    again.show()
    other = open_view(qtbot, again, sample_tracy)
    qtbot.waitUntil(lambda: other.splitter.width() > 1000)
    sizes = other.splitter.sizes()
    assert sizes[0] / sum(sizes) == pytest.approx(saved[0], abs=0.02)


def test_no_status_text_widens_a_1024_px_window(qtbot, light_theme, sample_tracy):
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    view = open_view(qtbot, window, sample_tracy)
    qtbot.waitUntil(lambda: window.width() == 1024)

    def still_1024(what: str) -> None:
        for _ in range(3):
            QApplication.processEvents()
        assert window.width() == 1024, f"{what} widened the window to {window.width()} px"

    view.flash(LONG)
    still_1024("a flash message")
    assert view.flash_label.text() == LONG and view.flash_label.toolTip() == LONG
    view.flash(LONG, error=True)
    still_1024("an error message")
    view.search_field.setText("chat OR execute_tool OR embeddings OR cache OR POST OR GET")
    view.search.apply()
    assert "match" in view.search_label.text()
    still_1024("the search count")
    view.status.show_live(60)
    assert view.live_label.isVisible()
    still_1024("the live indicator")
    view.status.warning_label.setText(LONG)
    view.status.warning_label.show()
    view.status.warning_icon.show()
    still_1024("a reader warning")
    view.status.counts_label.setText(LONG)
    still_1024("the counts")
    # Ctrl+M with a span selected: the real message of the real action.
    window.mark_action.trigger()
    still_1024("Ctrl+M")
    assert view.flash_label.text().startswith("Marked")


def test_focus_is_in_the_waterfall_after_opening_and_down_selects_the_next_span(qtbot, light_window, sample_tracy):
    light_window.show()
    qtbot.waitExposed(light_window)
    light_window.activateWindow()
    view = open_view(qtbot, light_window, sample_tracy)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.waterfall)
    ix = view.session.index
    first = view.waterfall.selected_row()
    trace = view.current_trace()
    assert first == int(ix.traces.root[trace])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    rows = list(ix.trace_rows(trace))
    assert view.waterfall.selected_row() == rows[rows.index(first) + 1]
