"""Hostile files in the window: a 40 MB span name or attribute key (a frame may hold 64 MiB), a 50 MB message, a 10 MB stack trace and
values nested 990 deep are drawn clipped, paged or cut at a depth, never hung on and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import hostile_display as hostile
from tests.helpers.viewer import open_view
from viewer.inspector import logic
from viewer.text_limits import DEEP_PLACEHOLDER, DISPLAY_LIMIT, PAGE

REPO_ROOT = Path(__file__).resolve().parents[3]
#: A screenshot of a small file takes 1-3 s here; before the limits these took 30 s to minutes.
SCREENSHOT_DEADLINE_S = 30
#: What each file's screenshot shows: the span to select and the pane.
SHOTS = {
    "huge-name": ("invoke_agent planner", "inspector"),
    "huge-key": (hostile.HOSTILE_SPAN, "inspector"),
    "huge-message": (hostile.HOSTILE_SPAN, "chat"),
    "deep-list": (hostile.HOSTILE_SPAN, "inspector"),
    "deep-json": (hostile.HOSTILE_SPAN, "chat"),
    "huge-stacktrace": (hostile.HOSTILE_SPAN, "chat"),
}


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: make(folder / f"{name}.tracy") for name, make in hostile.MAKERS.items()}


@pytest.fixture(scope="session")
def deep_files(tmp_path_factory) -> dict[str, Path]:
    """Nested 300 deep: under pytest's deeper stack, msgspec and json give up on 990 levels before the viewer sees
    them (the screenshot test above runs the 990-deep files in a process of their own)."""
    folder = tmp_path_factory.mktemp("deep")
    return {"deep-list": hostile.deep_list(folder / "deep-list.tracy", 300),
            "deep-json": hostile.deep_json(folder / "deep-json.tracy", 300)}  # fmt: skip


@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshot_finishes_without_a_traceback(hostile_files, tmp_path, name):
    select, show = SHOTS[name]
    out = tmp_path / f"{name}.png"
    cmd = [sys.executable, "-m", "viewer", str(hostile_files[name]), "--screenshot", str(out), "--select", select,
           "--show", show]  # fmt: skip
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=SCREENSHOT_DEADLINE_S)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr, proc.stderr
    assert out.stat().st_size > 10_000


def _select(view, name_prefix: str) -> int:
    ix = view.session.index
    rows = [r for r in range(ix.n) if ix.name(r).startswith(name_prefix)]
    view._go_to(rows[0])
    return rows[0]


def test_a_huge_span_name_is_clipped_everywhere_it_is_drawn(qtbot, light_window, hostile_files):
    view = open_view(qtbot, light_window, hostile_files["huge-name"])
    row = _select(view, "chat ")
    light_window.grab()
    shown = view.inspector.name_label.text()
    assert len(shown) == DISPLAY_LIMIT and shown.startswith("chat nnn") and shown.endswith("…")
    assert "40,000,000" not in shown and "40.0 million characters in all" in view.inspector.name_label.toolTip()
    assert len(view.waterfall.name_label(row)) <= DISPLAY_LIMIT
    tip = view.waterfall.tooltip_text_at(view.waterfall.bar_rect(row).center())
    assert len(tip) < 3 * DISPLAY_LIMIT
    model = view.trace_model
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert all(len(n) <= DISPLAY_LIMIT for n in names) and any(n.endswith("…") for n in names)


def test_a_huge_key_is_clipped_in_the_inspector(qtbot, light_window, hostile_files):
    view = open_view(qtbot, light_window, hostile_files["huge-key"])
    _select(view, hostile.HOSTILE_SPAN)
    light_window.grab()
    inspector = view.inspector
    model = inspector.model
    attributes = model.index_for_key("attributes")
    keys = [model.index(r, 0, attributes).data() for r in range(model.rowCount(attributes))]
    huge = [k for k in keys if k.startswith("kkk")]
    assert len(huge) == 1 and len(huge[0]) == DISPLAY_LIMIT and huge[0].endswith("…")
    assert inspector.select("attributes", "k" * (40 * hostile.MB))
    light_window.grab()
    assert inspector.detail_text() == "value of the huge key"
    assert len(inspector.detail_title.text()) <= DISPLAY_LIMIT


def test_a_huge_message_is_shown_a_page_at_a_time(qtbot, light_window, hostile_files):
    view = open_view(qtbot, light_window, hostile_files["huge-message"])
    _select(view, hostile.HOSTILE_SPAN)
    inspector = view.inspector
    inspector.set_mode(logic.RAW)
    assert inspector.select("attributes", "gen_ai.input.messages")
    assert len(inspector.detail_text()) == PAGE
    button = inspector.show_all_button
    assert button.isVisibleTo(inspector) and button.text().startswith("Show the next 100 thousand characters (49.9 million")
    button.click()
    assert len(inspector.detail_text()) == 2 * PAGE

    view.show_chat()
    chat = view.chat
    more = [(href, text) for href, text in chat.links() if href.startswith("more:")]
    assert len(more) == 1 and "49.9 million characters not shown" in more[0][1]
    before = len(chat.text())
    assert "All work and no play" in chat.text() and before < 2 * PAGE
    chat.activate_link(more[0][0])
    assert PAGE < len(chat.text()) - before < PAGE + 1000
    assert "49.8 million characters not shown" in chat.text()


def test_a_list_nested_past_what_a_frame_may_hold_is_cut_where_it_is_written(qtbot, light_window, deep_files):
    """A list nested 990 deep would break the decode budget (64 levels, FORMAT.md §5.1): the writer cuts it
    at 32 levels, so the span reads whole and the inspector shows the cut value."""
    import tracefile
    from tracefile.format.encode import DEEPER

    assert tracefile.load(deep_files["deep-list"]).warnings == []
    view = open_view(qtbot, light_window, deep_files["deep-list"])
    _select(view, hostile.HOSTILE_SPAN)
    inspector = view.inspector
    assert inspector.name_label.text() == hostile.HOSTILE_SPAN
    assert inspector.select("attributes", "deep.list")
    light_window.grab()
    assert DEEPER in inspector.detail_text()


@pytest.mark.parametrize("key", ["deep.json", "deep.map"])
def test_deeply_nested_json_text_shows_a_placeholder(qtbot, light_window, deep_files, key):
    view = open_view(qtbot, light_window, deep_files["deep-json"])
    _select(view, hostile.HOSTILE_SPAN)
    inspector = view.inspector
    inspector.set_mode(logic.PRETTY)
    assert inspector.select("attributes", key)
    assert DEEP_PLACEHOLDER in inspector.detail_text()
    view.show_chat()
    light_window.grab()
    assert "Tool result" in view.chat.text()


def test_a_huge_stack_trace_shows_its_ends(qtbot, light_window, hostile_files):
    view = open_view(qtbot, light_window, hostile_files["huge-stacktrace"])
    _select(view, hostile.HOSTILE_SPAN)
    banner = view.inspector.failure_banner
    banner.show_stack()
    stack = banner.stack.toPlainText()
    assert stack.startswith("Traceback (most recent call last):") and stack.endswith("TimeoutError: the model took too long")
    assert len(stack) < PAGE + 200 and "million characters not shown here" in stack
    inspector = view.inspector
    inspector.set_mode(logic.RAW)
    assert inspector.select("events", "exception", "exception.stacktrace")
    assert len(inspector.detail_text()) == PAGE and inspector.show_all_button.isVisibleTo(inspector)


def test_names_are_searched_whole_though_drawn_clipped(qtbot, light_window, hostile_files):
    view = open_view(qtbot, light_window, hostile_files["huge-name"])
    ix = view.session.index
    assert max(len(ix.name(r)) for r in range(ix.n)) == 40 * hostile.MB
    assert np.all(ix.timeline.name >= 0)
